/**
 * The reference-data model shared by the importer, the store and the check kinds: the data
 * kinds medbill imports (CMS NCCI PTP, MUE and add-on code edit files), their quarterly
 * periods, date rules, and the shapes of the reference data handed to an audit
 * (`AuditContext.reference`, keyed by data kind). Pure: no I/O, no clock.
 *
 * Sources: formats.md §1 (file layouts: PTP effective/deletion dates YYYYMMDD with `*` for
 * "no deletion", MUE adjudication indicators 1/2/3, AOC Julian dates YYYYDDD and types
 * 1/2/3); rules.md B1, B5, D1.
 */

/**
 * The data kinds `medbill data import` accepts: the NCCI edit tables, the Medicare fee
 * schedules (PFS relative values, GPCIs, the ZIP code to carrier locality file, CLFS, OPPS
 * Addendum B, ASP payment limits) and hospital price files (45 CFR 180.50).
 */
export const DATA_KINDS = [
  'ncci-ptp-practitioner',
  'ncci-ptp-hospital',
  'mue-practitioner',
  'mue-hospital',
  'mue-dme',
  'aoc',
  'pfs-rvu',
  'pfs-gpci',
  'pfs-zip-locality',
  'clfs',
  'opps',
  'asp',
  'hospital-prices',
] as const;

/** One of {@link DATA_KINDS}. */
export type DataKind = (typeof DATA_KINDS)[number];

/**
 * The family of a data kind: PTP pairs, MUE limits, add-on code edits; PFS relative values,
 * GPCIs, ZIP code localities, lab, outpatient and drug rates; hospital price files.
 */
export type DataFamily = 'ptp' | 'mue' | 'aoc' | 'pfs' | 'gpci' | 'zip' | 'clfs' | 'opps' | 'asp' | 'hpt';

const FAMILY: Record<DataKind, DataFamily> = {
  'ncci-ptp-practitioner': 'ptp',
  'ncci-ptp-hospital': 'ptp',
  'mue-practitioner': 'mue',
  'mue-hospital': 'mue',
  'mue-dme': 'mue',
  aoc: 'aoc',
  'pfs-rvu': 'pfs',
  'pfs-gpci': 'gpci',
  'pfs-zip-locality': 'zip',
  clfs: 'clfs',
  opps: 'opps',
  asp: 'asp',
  'hospital-prices': 'hpt',
};

/** The family of `kind`. */
export function familyOf(kind: DataKind): DataFamily {
  return FAMILY[kind];
}

/** True for the NCCI edit kinds (PTP, MUE, add-on codes), whose tables the edit checks read. */
export function isEditKind(kind: DataKind): boolean {
  const f = FAMILY[kind];
  return f === 'ptp' || f === 'mue' || f === 'aoc';
}

/** True when `s` names a data kind. */
export function isDataKind(s: string): s is DataKind {
  return (DATA_KINDS as readonly string[]).includes(s);
}

/** A quarter such as `2026Q4` (CMS publishes NCCI files quarterly, effective Jan 1, Apr 1, Jul 1, Oct 1). */
export type Period = string;

const PERIOD = /^(\d{4})Q([1-4])$/;

/** Normalises `2026q4`, `2026-Q4` or `2026 Q4` to `2026Q4`; undefined when it is not a quarter. */
export function parsePeriod(s: string): Period | undefined {
  const m = /^(\d{4})[-_ ]?q([1-4])$/i.exec(s.trim());
  return m ? `${m[1]}Q${m[2]}` : undefined;
}

/** The first day (ISO) of a period: `2026Q4` → `2026-10-01`. Throws on a malformed period. */
export function periodStart(p: Period): string {
  const m = PERIOD.exec(p);
  if (!m) throw new Error(`not a period: ${p}`);
  return `${m[1]}-${String((Number(m[2]) - 1) * 3 + 1).padStart(2, '0')}-01`;
}

/** The period (quarter) an ISO date falls in: `2026-11-03` → `2026Q4`. */
export function periodOf(isoDate: string): Period {
  const month = Number(isoDate.slice(5, 7));
  return `${isoDate.slice(0, 4)}Q${Math.floor((month - 1) / 3) + 1}`;
}

/**
 * Which of the imported `periods` applies to a date of service: the quarter that contains
 * it; else the latest quarter that began before it (newer data is not out yet); else the
 * earliest (the date is older than every imported table). `exact` says whether the quarter
 * contains the date, so a finding can say when it relied on another quarter's table.
 * Undefined when `periods` is empty.
 */
export function pickPeriod(periods: readonly Period[], dateOfService: string): { period: Period; exact: boolean } | undefined {
  if (periods.length === 0) return undefined;
  const own = periodOf(dateOfService);
  if (periods.includes(own)) return { period: own, exact: true };
  const sorted = [...periods].sort();
  const before = sorted.filter((p) => p < own);
  return { period: before.length > 0 ? (before[before.length - 1] as Period) : (sorted[0] as Period), exact: false };
}

/**
 * An edit with an effective date and an optional deletion date applies on `dateOfService`
 * when effective ≤ date and (no deletion date, or deletion date > date): CMS says an edit
 * does not apply on or after its deletion date (formats.md §1.1). Dates are ISO; `''` means
 * none (an empty effective date means "always").
 */
export function activeOn(effective: string, deletion: string, dateOfService: string): boolean {
  return (effective === '' || effective <= dateOfService) && (deletion === '' || deletion > dateOfService);
}

/** `YYYYMMDD` → ISO date, `*` or blank → `''` (no date). Undefined when malformed (formats.md §1.1: PTP dates). */
export function ymdToIso(s: string): string | undefined {
  const t = s.trim();
  if (t === '' || t === '*') return '';
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(t);
  if (!m) return undefined;
  const iso = `${m[1]}-${m[2]}-${m[3]}`;
  return validIso(iso) ? iso : undefined;
}

/** Julian `YYYYDDD` → ISO date; blank, `*` or a `9999…` placeholder → `''` (no date). Undefined when malformed (formats.md §1.3: AOC dates). */
export function julianToIso(s: string): string | undefined {
  const t = s.trim();
  if (t === '' || t === '*' || /^9{4,}$/.test(t)) return '';
  const m = /^(\d{4})(\d{3})$/.exec(t);
  if (!m) return undefined;
  const year = Number(m[1]);
  const day = Number(m[2]);
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  if (day < 1 || day > (leap ? 366 : 365)) return undefined;
  const d = new Date(Date.UTC(year, 0, day));
  return d.toISOString().slice(0, 10);
}

function validIso(iso: string): boolean {
  const d = new Date(`${iso}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === iso;
}

/** One imported (or curated) table of one kind and period, as the report's `coverage.data` names it. */
export interface DatasetInfo {
  kind: DataKind;
  period: Period;
  /** File names the rows came from (CMS file names, or the curated table file). */
  sources: string[];
  rows: number;
  /** ISO timestamp of the import; absent for curated tables. */
  importedAt?: string;
  origin: 'imported' | 'curated';
}

/** One PTP edit as a CMS file gives it: the column-2 code is not payable with the column-1 code (formats.md §1.1). Dates ISO, `''` = none. */
export interface PtpRecord {
  column1: string;
  column2: string;
  effective: string;
  deletion: string;
  /** Modifier indicator: `0` never bypassed, `1` NCCI-associated modifier may bypass, `9` not an edit. */
  indicator: '0' | '1' | '9';
  rationale: string;
}

/** One MUE as a CMS file gives it: at most `value` units of `code` per line (MAI 1) or per date of service (MAI 2, 3) (formats.md §1.2). */
export interface MueRecord {
  code: string;
  value: number;
  mai: 1 | 2 | 3;
  rationale: string;
}

/** One add-on code edit row as a CMS file gives it: `addOn` with one acceptable `primary` (`''` for type 2, CMS `CCCCC`) (formats.md §1.3). Dates ISO, `''` = none. */
export interface AocRecord {
  addOn: string;
  primary: string;
  type: 1 | 2 | 3;
  effective: string;
  deletion: string;
  addOnDeleted: string;
  primaryDeleted: string;
}

/** Where a row of reference data came from: its quarter and source (CMS file name, or the curated row's source). */
interface Provenance {
  period: Period;
  source: string;
}

/** A PTP edit of a table of some quarter. */
export type PtpEdit = PtpRecord & Provenance;
/** An MUE of a table of some quarter. */
export type MueLimit = MueRecord & Provenance;
/** An add-on code edit row of a table of some quarter. */
export type AocPair = AocRecord & Provenance;

/**
 * Reference data of one kind for one bill: the tables (periods) available and the rows that
 * concern the bill's codes. `complete` says the table lists every edit of its kind (a CMS
 * file), so a code absent from it is known to have none; a curated table is not complete.
 */
export interface TableData<R> {
  datasets: DatasetInfo[];
  rows: R[];
  complete: boolean;
  /** Codes known to appear in the table (for a curated table, all its codes; for an import, the bill's codes found in it). */
  codes: Set<string>;
}

/** PTP reference data (kinds `ncci-ptp-practitioner`, `ncci-ptp-hospital`). */
export type PtpData = TableData<PtpEdit>;
/** MUE reference data (kinds `mue-practitioner`, `mue-hospital`, `mue-dme`). */
export type MueData = TableData<MueLimit>;
/** Add-on code edit reference data (kind `aoc`). */
export type AocData = TableData<AocPair>;

/** A short label for a table in messages: `ncci-ptp-practitioner 2026Q4 (imported)`. */
export function tableLabel(kind: DataKind, period: Period, origin: 'imported' | 'curated'): string {
  return `${kind} ${period}${origin === 'curated' ? ' (medbill curated table)' : ''}`;
}
