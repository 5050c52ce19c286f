/**
 * The price model shared by the readers, the store and the `price-outlier` check kind: the
 * Medicare fee schedules medbill reads (Physician Fee Schedule RVUs and GPCIs, OPPS Addendum
 * B, the Clinical Laboratory Fee Schedule, ASP drug payment limits), which period of a
 * schedule applies to a date of service, and the items of a hospital's machine-readable
 * price file (45 CFR 180.50). Pure: no I/O, no clock. Amounts are decimal strings in dollars
 * (as the files print them), turned into cents only by `decimal.ts`.
 *
 * Sources: formats.md §2 (PFS RVU file, GPCI, OPPS Addendum B, CLFS, ASP) and §3 (price
 * files v2.x and v3.0); medicare-rates-sample.md (periods, "never price a date outside a
 * table's effective period").
 */
import type { DatasetInfo, Period } from '../data/model.js';

// The decimal arithmetic goes with the model (one module for the readers, the store and the check kind).
export * from './decimal.js';

/** The Medicare fee schedules a benchmark can come from. */
export const SCHEDULES = ['PFS', 'OPPS', 'CLFS', 'ASP'] as const;
/** One of {@link SCHEDULES}. */
export type Schedule = (typeof SCHEDULES)[number];

/** What each schedule is, for messages. */
export const SCHEDULE_NAMES: Record<Schedule, string> = {
  PFS: 'Physician Fee Schedule',
  OPPS: 'OPPS Addendum B (hospital outpatient)',
  CLFS: 'Clinical Laboratory Fee Schedule',
  ASP: 'ASP drug payment limit',
};

/**
 * A period of a fee schedule: a year (`2026`, the shipped PFS amounts) or a quarter
 * (`2026Q1`, a quarterly CMS release).
 */
export type SchedulePeriod = string;

const QUARTER = /^(\d{4})Q([1-4])$/;
const YEAR = /^(\d{4})$/;

/** The first day (ISO) of a schedule period. Throws on a malformed period. */
export function scheduleStart(p: SchedulePeriod): string {
  const y = YEAR.exec(p);
  if (y) return `${y[1]}-01-01`;
  const q = QUARTER.exec(p);
  if (!q) throw new Error(`not a schedule period: ${p}`);
  return `${q[1]}-${String((Number(q[2]) - 1) * 3 + 1).padStart(2, '0')}-01`;
}

function quarterOf(date: string): string {
  return `${date.slice(0, 4)}Q${Math.floor((Number(date.slice(5, 7)) - 1) / 3) + 1}`;
}

/** Which period of a schedule prices a date of service, and a note when it is not the date's own quarter. */
export interface PeriodPick {
  period: SchedulePeriod;
  /** Set when the period is not the date's own quarter or year. */
  note?: string;
}

/**
 * The period of `schedule` among `periods` that prices `dateOfService` (ISO), or undefined
 * when none may. ASP payment limits are set per quarter (Social Security Act §1847A; CMS
 * publishes a file per quarter), so only the date's own quarter applies. PFS, OPPS and CLFS
 * rates are set per calendar year (the annual PFS and OPPS final rules; CLFS rates under
 * PAMA) and updated quarterly, so a release prices dates of its own calendar year: the
 * quarter that contains the date; else the latest release that began before it (its rates
 * stand until an update changes them); else the earliest release of that year (the date is
 * earlier in the year than every release at hand; a note says so). A date in another year
 * is never priced.
 */
export function pickSchedulePeriod(schedule: Schedule, periods: readonly SchedulePeriod[], dateOfService: string): PeriodPick | undefined {
  const year = dateOfService.slice(0, 4);
  const own = quarterOf(dateOfService);
  if (schedule === 'ASP') return periods.includes(own) ? { period: own } : undefined;
  if (periods.includes(year)) return { period: year };
  const sameYear = periods.filter((p) => p.startsWith(year) && QUARTER.test(p)).sort();
  if (sameYear.length === 0) return undefined;
  if (sameYear.includes(own)) return { period: own };
  const before = sameYear.filter((p) => p < own);
  // The latest release that began before the date: its rates are the year's until a later update changes them.
  if (before.length > 0) return { period: before[before.length - 1] as string };
  const p = sameYear[0] as string;
  return { period: p, note: `The ${p} release was used for ${dateOfService}, which is earlier in the year (rates are set for the year; a code added mid-year was not yet in effect).` };
}

/** A row of medbill's shipped table of national Medicare amounts (rules/tables/medicare-rates.csv). */
export interface ShippedRate {
  code: string;
  /** `PFS-nonfacility`, `PFS-facility`, `PFS-26`, `PFS-TC`, `CLFS`, `OPPS` or `ASP`. */
  schedule: string;
  /** Dollars per unit, as the table gives it (ASP keeps CMS's three decimals). */
  amount: string;
  period: SchedulePeriod;
  confidence: 'high' | 'medium' | 'low';
  /** Our own short words for the service (never CPT descriptor text). */
  label: string;
  source: string;
}

/** One PFS relative value row of an imported PPRRVU file (formats.md §2.1). RVUs and the conversion factor as decimal strings. */
export interface PfsRvu {
  period: Period;
  /** `nonqpp` or `qpp` (2026 has two conversion factors), else ''. */
  variant: string;
  code: string;
  /** '' (global), `26`, `TC` or `53`. */
  modifier: string;
  /** Status code: A, R and T are paid under the PFS; the others are not (B bundled, C carrier priced, N non-covered, …). */
  status: string;
  work: string;
  peNonFacility: string;
  peFacility: string;
  mp: string;
  /** The NA indicators: the setting's PE RVU is not used (the service is rarely or never done there). */
  nonFacilityNa: boolean;
  facilityNa: boolean;
  conversionFactor: string;
  source: string;
}

/** One payment locality's GPCIs (formats.md §2.1, GPCI file). */
export interface Gpci {
  period: Period;
  /** Medicare Administrative Contractor (carrier) number, 5 digits. */
  mac: string;
  state: string;
  /** Locality number, 2 digits (unique within a MAC). */
  locality: string;
  name: string;
  work: string;
  pe: string;
  mp: string;
  source: string;
}

/** One Clinical Laboratory Fee Schedule row (formats.md §2.3): the national limit. `effective` ISO or ''. */
export interface ClfsRate {
  period: Period;
  code: string;
  modifier: string;
  effective: string;
  indicator: string;
  rate: string;
  source: string;
}

/** One OPPS Addendum B row (formats.md §2.2): status indicator, APC and national payment rate ('' when none). */
export interface OppsRate {
  period: Period;
  code: string;
  si: string;
  apc: string;
  rate: string;
  source: string;
}

/** One ASP pricing file row: the payment limit per HCPCS billing unit (CMS keeps three decimals). */
export interface AspLimit {
  period: Period;
  code: string;
  /** The HCPCS billing unit, e.g. `1 MG`. */
  dosage: string;
  limit: string;
  source: string;
}

/** A payment locality picked for the audit (`--locality`, or `--zip` through CMS's ZIP code to carrier locality file). */
export interface Locality {
  mac: string;
  locality: string;
  name?: string;
  state?: string;
  /** How it was picked, for messages: `--locality 01112-05`, `--zip 94110`. */
  via: string;
}

/**
 * Imported Medicare data for one bill (reference kind `medicare`): the rows of the bill's
 * codes from every imported release, the GPCIs of the picked locality, and the imported
 * releases (a code absent from an imported release has no amount in it: CMS files are
 * complete).
 */
export interface MedicareData {
  datasets: DatasetInfo[];
  pfs: PfsRvu[];
  clfs: ClfsRate[];
  opps: OppsRate[];
  asp: AspLimit[];
  gpci: Gpci[];
  locality?: Locality;
}

/** A payer's rate for an item of a price file (formats.md §3). Amounts are decimal strings in dollars. */
export interface PriceRate {
  payer: string;
  plan: string;
  dollar?: string;
  percentage?: string;
  /** True when the rate is an algorithm (text) rather than an amount. */
  algorithm?: boolean;
  /** v3.0: median, 10th and 90th percentile allowed amounts. */
  median?: string;
  p10?: string;
  p90?: string;
  methodology?: string;
}

/** The settings a price-file item can have. */
export type PriceSetting = 'inpatient' | 'outpatient' | 'both';

/**
 * One item of a hospital price file: its codes (a revenue code and a CPT code, say), setting,
 * modifiers and billing class, the standard charges (gross, discounted cash, de-identified
 * min and max) and the payer-specific rates kept. `row` (CSV, 1-based physical row) or
 * `pointer` (JSON) says where it is in the file.
 */
export interface PriceItem {
  codes: Array<{ code: string; type: string }>;
  setting: PriceSetting;
  modifiers: string[];
  billingClass?: 'professional' | 'facility' | 'both';
  drugUnit?: string;
  drugType?: string;
  gross?: string;
  cash?: string;
  min?: string;
  max?: string;
  rates: PriceRate[];
  row?: number;
  pointer?: string;
}

/** The layouts of a price file (formats.md §3.2, §3.3). */
export type PriceLayout = 'tall-csv' | 'wide-csv' | 'json';

/** What a price file says about itself, and where it came from. */
export interface PriceFileInfo {
  /** The file as the user named it (or the imported price file's name). */
  label: string;
  hospital?: string;
  /** `last_updated_on`, ISO. */
  lastUpdated?: string;
  version: string;
  layout: PriceLayout;
  /** Read from the file for this run, or imported into the data store earlier (`medbill data import`). */
  origin: 'file' | 'imported';
  locations?: string[];
  /** v3.0: the hospital's type 2 NPIs. */
  npis?: string[];
}

/** `--payer NAME` (and `--plan NAME`): whose negotiated rates to compare with. */
export interface PayerChoice {
  payer: string;
  plan?: string;
}

/** A hospital's prices for one bill (reference kind `hospital-prices`): the items that carry the bill's codes. */
export interface HospitalPrices {
  file: PriceFileInfo;
  payer?: PayerChoice;
  items: PriceItem[];
}

/** Payer and plan names compared without regard to case, spaces, underscores or punctuation (the v2 wide example writes `Platform_Health_Insurance`). */
export function payerKey(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim();
}

/** A revenue code as bills write it: four digits with a leading zero (`450` → `0450`). */
export function revenueCodeKey(code: string): string {
  return /^\d{3}$/.test(code) ? `0${code}` : code;
}

/** True when a rate is the chosen payer's (and plan's, when one was given). */
export function matchesPayer(r: PriceRate, choice: PayerChoice): boolean {
  return payerKey(r.payer) === payerKey(choice.payer) && (choice.plan === undefined || payerKey(r.plan) === payerKey(choice.plan));
}
