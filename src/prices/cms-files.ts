/**
 * Recognising and parsing the CMS Medicare fee-schedule files as CMS ships them (formats.md
 * §2), for `medbill data import`:
 *
 * - PFS relative values, `PPRRVU2026_Jan_nonQPP.csv` (or `.xlsx`) in `RVU26A.zip`: banner
 *   lines, a header split over several rows, then one row per HCPCS code and modifier; read by
 *   position (formats.md §2.1): HCPCS 0, MOD 1, DESCRIPTION 2 (never read), STATUS CODE 3,
 *   WORK RVU 5, NON-FAC PE RVU 6, NON-FAC NA INDICATOR 7, FACILITY PE RVU 8, FACILITY NA
 *   INDICATOR 9, MP RVU 10, and the CONV FACTOR column, found by its header label (a raw
 *   RVU26C record puts it at position 25).
 * - GPCIs, `GPCI2026.csv` (Addendum E): a title line, then named columns: Medicare
 *   Administrative Contractor, State, Locality Number, Locality Name, `2026 PW GPCI (with 1.0
 *   Floor)` (preferred to the unfloored column when both are given), `2026 PE GPCI`, `2026 MP GPCI`.
 * - The ZIP code to carrier locality file, `ZIP5_JAN2026.txt`: fixed width (CMS Zip5 record
 *   layout): state 1-2, ZIP code 3-7, carrier 8-12, pricing locality 13-14, year/quarter 76-80.
 * - The Clinical Laboratory Fee Schedule, `PUF_CLFS_CY2026_Q2V1.csv`: preamble lines, then
 *   `YEAR,HCPCS,MOD,EFF_DATE,INDICATOR,RATE,SHORTDESC,LONGDESC,EXTENDEDLONGDESC`.
 * - OPPS Addendum B: a header row found by name (`HCPCS Code`, `SI`, `APC`, `Payment Rate`;
 *   money as `$3,307.24`, a lone `.` for none, stray non-printable bytes in some codes).
 * - The ASP pricing file: preamble lines (`Effective October 1, 2025 through December 31,
 *   2025`), then `HCPCS Code`, `Short Description`, `HCPCS Code Dosage`, `Payment Limit`, ….
 *
 * Only codes, modifiers, status indicators, dates and amounts are read: descriptor columns
 * (CPT text, © AMA) are never read (formats.md §2.5).
 */
import { DataError, UsageError } from '../errors.js';
import { familyOf, ymdToIso, type DataKind, type Period } from '../data/model.js';
import type { DetectedSource } from '../data/parse.js';
import { sourceRows, type Source } from '../data/sources.js';
import { canonical, parseDecimal, type AspLimit, type ClfsRate, type Gpci, type OppsRate, type PfsRvu } from './model.js';

/** Rows scanned for a header. */
const HEADER_SCAN = 200;

const CODE = /^[A-Z0-9]{5}$/;
const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9.]/g, '');
const MONTH_QUARTER: Record<string, number> = { jan: 1, feb: 1, mar: 1, apr: 2, may: 2, jun: 2, jul: 3, aug: 3, sep: 3, oct: 4, nov: 4, dec: 4 };

/** Record shapes the importers yield (period and source are the dataset's). */
export type PfsRecord = Omit<PfsRvu, 'period' | 'variant' | 'source'>;
/** A GPCI row as read. */
export type GpciRecord = Omit<Gpci, 'period' | 'source'>;
/** A ZIP code's payment locality as read. */
export interface ZipRecord {
  zip: string;
  state: string;
  mac: string;
  locality: string;
}
/** A CLFS row as read. */
export type ClfsRecord = Omit<ClfsRate, 'period' | 'source'>;
/** An OPPS Addendum B row as read. */
export type OppsRecord = Omit<OppsRate, 'period' | 'source'>;
/** An ASP row as read. */
export type AspRecord = Omit<AspLimit, 'period' | 'source'>;

/** The quarter a file is for, from names such as `PPRRVU2026_Jan_nonQPP.csv`, `RVU26A.zip`, `PUF_CLFS_CY2026_Q2V1.csv`, `26CLABQ2.zip`, `ZIP5_JAN2026.txt`, `january-2026-addendum-b.csv`, `2026q1`. */
export function feePeriodFromNames(names: string[]): Period | undefined {
  for (const name of names) {
    const n = name.toLowerCase();
    let m = /pprrvu(\d{2}|\d{4})_?(jan|apr|jul|oct)/.exec(n);
    if (m) return `${yearOf(m[1] as string)}Q${MONTH_QUARTER[m[2] as string]}`;
    m = /rvu(\d{2})([abcd])(?:r)?(?:[^a-z]|$)/.exec(n);
    if (m) return `${yearOf(m[1] as string)}Q${'abcd'.indexOf(m[2] as string) + 1}`;
    m = /cy(\d{4})_?q([1-4])/.exec(n);
    if (m) return `${m[1]}Q${m[2]}`;
    m = /(\d{2})clabq([1-4])/.exec(n);
    if (m) return `${yearOf(m[1] as string)}Q${m[2]}`;
    m = /(20\d\d)[-_ ]?q([1-4])/.exec(n);
    if (m) return `${m[1]}Q${m[2]}`;
    m = /(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*[-_ .]?(20\d\d)/.exec(n);
    if (m) return `${m[2]}Q${MONTH_QUARTER[m[1] as string]}`;
  }
  return undefined;
}

function yearOf(y: string): string {
  return y.length === 2 ? `20${y}` : y;
}

interface Candidate {
  row: number;
  cells: string[];
}

function candidates(source: Source): Candidate[] {
  const out: Candidate[] = [];
  for (const r of sourceRows(source, source.format === 'xlsx' ? undefined : 'comma')) {
    out.push({ row: r.row, cells: r.cells });
    if (out.length >= HEADER_SCAN) break;
  }
  return out;
}

function firstLines(source: Source, n: number): string[] {
  const text = source.text ?? '';
  const out: string[] = [];
  let start = 0;
  while (out.length < n && start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    out.push(text.slice(start, end).replace(/\r$/, ''));
    start = end + 1;
  }
  return out;
}

/** True when the text lines look like CMS's fixed-width ZIP5 file: state, ZIP, carrier and locality at their positions. */
function looksLikeZip5(lines: string[]): boolean {
  const data = lines.filter((l) => l.trim() !== '');
  return data.length > 0 && data.slice(0, 20).every((l) => /^[A-Z]{2}\d{5}\d{5}[0-9A-Z]{2}/.test(l));
}

/**
 * Recognises a Medicare fee-schedule file: its kind, quarter and layout. `given.kind` and
 * `given.period` fill in what the file does not say. Undefined when the file is none of them.
 * Throws {@link UsageError} when the quarter cannot be told.
 */
export function detectFeeSource(source: Source, given: { kind?: DataKind; period?: Period } = {}): DetectedSource | undefined {
  const names = source.names;
  const period = (p: Period | undefined, what: string): Period => {
    const q = given.period ?? p;
    if (!q) throw new UsageError(`${source.label}: cannot tell which quarter this ${what} is for from its name or content; give --period, e.g. --period 2026Q1`);
    return q;
  };
  const base = (kind: DataKind, p: Period, headerRow: number, layout: DetectedSource['layout'], columns: Record<string, number>, part = ''): DetectedSource => {
    if (given.kind && given.kind !== kind) throw new DataError(`${source.label}: --kind ${given.kind} was given, but the file is ${kind}`, { file: source.label });
    return { source, kind, period: p, part, headerRow, layout, columns };
  };

  if (source.format === 'text') {
    const lines = firstLines(source, 40);
    if (looksLikeZip5(lines)) {
      const yq = /^.{75}(\d{4})([1-4])/.exec(lines.find((l) => l.trim() !== '') ?? '');
      return base('pfs-zip-locality', period(yq ? `${yq[1]}Q${yq[2]}` : feePeriodFromNames(names), 'ZIP code locality file'), 0, 'fixed', {});
    }
  }
  const rows = candidates(source);
  const text = rows.map((r) => r.cells.join(' ')).join(' ');

  // PFS relative values: a header row whose first two cells are HCPCS and MOD, with RVU columns.
  const pfsHeader = rows.find((r) => norm(r.cells[0] ?? '') === 'hcpcs' && norm(r.cells[1] ?? '') === 'mod');
  if (pfsHeader && /rvu|work|conv/i.test(text)) {
    const firstData = rows.find((r) => r.row > pfsHeader.row && CODE.test((r.cells[0] ?? '').trim().toUpperCase()) && parseDecimal(r.cells[5] ?? '') !== undefined);
    if (!firstData) throw new DataError(`${source.label}: a PFS relative value file header (HCPCS, MOD) but no code rows under it`, { file: source.label, row: pfsHeader.row });
    // Header labels are split over the rows above the data; the conversion factor column is found by them.
    const labels: string[] = [];
    for (const r of rows) {
      if (r.row >= firstData.row) break;
      r.cells.forEach((c, i) => (labels[i] = `${labels[i] ?? ''} ${c}`));
    }
    let cf = labels.findIndex((l) => /conv/i.test(l) && /factor/i.test(l));
    if (cf < 0 && /^\d{1,3}\.\d{2,4}$/.test((firstData.cells[25] ?? '').trim())) cf = 25;
    if (cf < 0) throw new DataError(`${source.label}: cannot find the CONV FACTOR column of the PFS relative value file`, { file: source.label, row: pfsHeader.row });
    const all = names.join(' ');
    const variant = /nonqp/i.test(all) ? 'nonqpp' : /qpp/i.test(all) ? 'qpp' : '';
    return base('pfs-rvu', period(feePeriodFromNames(names), 'PFS relative value file'), firstData.row - 1, source.format === 'xlsx' ? 'xlsx' : 'comma', { cf }, variant);
  }

  // GPCIs: named columns with a locality number and the three GPCIs.
  const gpciHeader = rows.find((r) => {
    const n = r.cells.map(norm);
    return n.some((c) => c.startsWith('localitynumber') || c === 'locality') && n.some((c) => c.includes('pegpci')) && n.some((c) => c.includes('mpgpci'));
  });
  if (gpciHeader) {
    const n = gpciHeader.cells.map(norm);
    const find = (f: (c: string) => boolean) => n.findIndex(f);
    const columns: Record<string, number> = {
      mac: find((c) => c.includes('medicareadministrativecontractor') || c === 'mac' || c.startsWith('carrier') || c.startsWith('contractor')),
      state: find((c) => c === 'state'),
      locality: find((c) => c.startsWith('localitynumber') || c === 'locality'),
      name: find((c) => c.startsWith('localityname') || c.startsWith('feescheduleare')),
      work: find((c) => c.includes('pwgpci') && c.includes('with1.0floor')),
      pe: find((c) => c.includes('pegpci')),
      mp: find((c) => c.includes('mpgpci')),
    };
    if ((columns.work as number) < 0) columns.work = find((c) => c.includes('pwgpci') || c.includes('workgpci'));
    for (const [f, i] of Object.entries(columns)) {
      if (i < 0 && f !== 'name') throw new DataError(`${source.label}: the GPCI header has no ${f} column`, { file: source.label, row: gpciHeader.row });
    }
    const year = /(20\d\d)\s*(?:pw|pe|mp)\s*gpci/i.exec(gpciHeader.cells.join(' '))?.[1];
    return base('pfs-gpci', period(feePeriodFromNames(names) ?? (year ? `${year}Q1` : undefined), 'GPCI file'), gpciHeader.row, source.format === 'xlsx' ? 'xlsx' : 'comma', columns);
  }

  // ZIP code to carrier locality, as a spreadsheet with named columns.
  const zipHeader = rows.find((r) => {
    const n = r.cells.map(norm);
    return n.includes('zipcode') && n.includes('carrier') && n.some((c) => c === 'locality' || c === 'pricinglocality');
  });
  if (zipHeader) {
    const n = zipHeader.cells.map(norm);
    const columns = { state: n.indexOf('state'), zip: n.indexOf('zipcode'), mac: n.indexOf('carrier'), locality: n.findIndex((c) => c === 'locality' || c === 'pricinglocality') };
    return base('pfs-zip-locality', period(feePeriodFromNames(names), 'ZIP code locality file'), zipHeader.row, source.format === 'xlsx' ? 'xlsx' : 'comma', columns);
  }

  // CLFS: YEAR, HCPCS, MOD, EFF_DATE, INDICATOR, RATE.
  const clfsHeader = rows.find((r) => {
    const n = r.cells.map(norm);
    return n.includes('hcpcs') && n.includes('rate') && n.some((c) => c === 'effdate' || c === 'eff_date');
  });
  if (clfsHeader) {
    const n = clfsHeader.cells.map(norm);
    const columns = { year: n.indexOf('year'), code: n.indexOf('hcpcs'), mod: n.indexOf('mod'), effective: n.indexOf('effdate'), indicator: n.indexOf('indicator'), rate: n.indexOf('rate') };
    const firstYear = rows.find((r) => r.row > clfsHeader.row && /^\d{4}$/.test((r.cells[columns.year] ?? '').trim()))?.cells[columns.year]?.trim();
    return base('clfs', period(feePeriodFromNames(names) ?? (firstYear ? `${firstYear}Q1` : undefined), 'CLFS file'), clfsHeader.row, source.format === 'xlsx' ? 'xlsx' : 'comma', columns);
  }

  // OPPS Addendum B: HCPCS Code, SI, APC, Payment Rate.
  const oppsHeader = rows.find((r) => {
    const n = r.cells.map(norm);
    return n.includes('hcpcscode') && n.includes('si') && n.includes('apc') && n.includes('paymentrate');
  });
  if (oppsHeader) {
    const n = oppsHeader.cells.map(norm);
    const columns = { code: n.indexOf('hcpcscode'), si: n.indexOf('si'), apc: n.indexOf('apc'), rate: n.indexOf('paymentrate') };
    const preamble = rows.filter((r) => r.row < oppsHeader.row).map((r) => r.cells.join(' ')).join(' ');
    return base('opps', period(feePeriodFromNames(names) ?? feePeriodFromNames([preamble]), 'OPPS Addendum B file'), oppsHeader.row, source.format === 'xlsx' ? 'xlsx' : 'comma', columns);
  }

  // ASP pricing file: HCPCS Code, HCPCS Code Dosage, Payment Limit.
  const aspHeader = rows.find((r) => {
    const n = r.cells.map(norm);
    return n.includes('hcpcscode') && n.includes('paymentlimit');
  });
  if (aspHeader) {
    const n = aspHeader.cells.map(norm);
    const columns = { code: n.indexOf('hcpcscode'), dosage: n.indexOf('hcpcscodedosage'), limit: n.indexOf('paymentlimit') };
    const preamble = rows.filter((r) => r.row < aspHeader.row).map((r) => r.cells.join(' ')).join(' ');
    const eff = /effective\s+([a-z]+)\s+\d{1,2},?\s+(20\d\d)/i.exec(preamble);
    const fromContent = eff ? feePeriodFromNames([`${eff[1]} ${eff[2]}`]) : undefined;
    return base('asp', period(fromContent ?? feePeriodFromNames(names), 'ASP pricing file'), aspHeader.row, source.format === 'xlsx' ? 'xlsx' : 'comma', columns);
  }
  return undefined;
}

function fail(d: DetectedSource, row: number, field: string, message: string): never {
  throw new DataError(`${field}: ${message}`, { file: d.source.label, row, field });
}

function rows(d: DetectedSource) {
  return sourceRows(d.source, d.layout === 'xlsx' ? undefined : d.layout === 'fixed' ? 'fixed' : 'comma');
}

function decimal(d: DetectedSource, row: number, field: string, value: string | undefined, blank = '0'): string {
  const v = (value ?? '').trim();
  if (v === '') return blank;
  const n = parseDecimal(v);
  if (!n) fail(d, row, field, `expected a number such as 1.30, got "${v.slice(0, 40)}"`);
  return canonical(n);
}

/** The PFS relative value rows of a detected PPRRVU source (rows whose first cell is not a code, such as notes, are skipped). */
export function* pfsRecords(d: DetectedSource): Generator<PfsRecord & { row: number }> {
  let any = false;
  const cf = d.columns.cf as number;
  for (const { row, cells } of rows(d)) {
    if (row <= d.headerRow) continue;
    const code = (cells[0] ?? '').trim().toUpperCase();
    if (!CODE.test(code)) continue;
    any = true;
    const modifier = (cells[1] ?? '').trim().toUpperCase();
    if (modifier !== '' && !/^[A-Z0-9]{2}$/.test(modifier)) fail(d, row, 'MOD', `expected a two-character modifier or nothing, got "${modifier}"`);
    yield {
      row,
      code,
      modifier,
      status: (cells[3] ?? '').trim().toUpperCase(),
      work: decimal(d, row, 'WORK RVU', cells[5]),
      peNonFacility: decimal(d, row, 'NON-FAC PE RVU', cells[6]),
      nonFacilityNa: /na/i.test(cells[7] ?? ''),
      peFacility: decimal(d, row, 'FACILITY PE RVU', cells[8]),
      facilityNa: /na/i.test(cells[9] ?? ''),
      mp: decimal(d, row, 'MP RVU', cells[10]),
      conversionFactor: decimal(d, row, 'CONV FACTOR', cells[cf], ''),
    };
  }
  if (!any) fail(d, d.headerRow, 'row', 'the PFS relative value file has no code rows');
}

/** The GPCI rows of a detected GPCI source (footnote rows without a contractor number are skipped). */
export function* gpciRecords(d: DetectedSource): Generator<GpciRecord & { row: number }> {
  let any = false;
  const c = d.columns as Record<string, number>;
  for (const { row, cells } of rows(d)) {
    if (row <= d.headerRow) continue;
    const mac = (cells[c.mac as number] ?? '').trim();
    if (!/^\d{5}$/.test(mac)) continue;
    any = true;
    const locality = (cells[c.locality as number] ?? '').trim().replace(/\*+$/, '');
    if (!/^\d{1,2}$/.test(locality)) fail(d, row, 'Locality Number', `expected a locality number of one or two digits, got "${locality}"`);
    yield {
      row,
      mac,
      state: (cells[c.state as number] ?? '').trim().toUpperCase(),
      locality: locality.padStart(2, '0'),
      name: c.name !== undefined && c.name >= 0 ? (cells[c.name] ?? '').trim().replace(/\*+$/, '').trim() : '',
      work: decimal(d, row, 'PW GPCI', cells[c.work as number], ''),
      pe: decimal(d, row, 'PE GPCI', cells[c.pe as number], ''),
      mp: decimal(d, row, 'MP GPCI', cells[c.mp as number], ''),
    };
  }
  if (!any) fail(d, d.headerRow, 'row', 'the GPCI file has no locality rows');
}

/** The ZIP codes of a detected ZIP code to carrier locality source (fixed width or named columns). */
export function* zipRecords(d: DetectedSource): Generator<ZipRecord & { row: number }> {
  let any = false;
  for (const { row, cells } of rows(d)) {
    if (row <= d.headerRow) continue;
    let rec: ZipRecord;
    if (d.layout === 'fixed') {
      const line = cells[0] ?? '';
      if (line.trim() === '') continue;
      rec = { state: line.slice(0, 2), zip: line.slice(2, 7), mac: line.slice(7, 12), locality: line.slice(12, 14) };
    } else {
      const c = d.columns as Record<string, number>;
      if (cells.every((x) => x.trim() === '')) continue;
      rec = { state: (cells[c.state as number] ?? '').trim(), zip: (cells[c.zip as number] ?? '').trim().padStart(5, '0'), mac: (cells[c.mac as number] ?? '').trim(), locality: (cells[c.locality as number] ?? '').trim().padStart(2, '0') };
    }
    if (!/^\d{5}$/.test(rec.zip)) fail(d, row, 'ZIP Code', `expected a five-digit ZIP code, got "${rec.zip}"`);
    if (!/^\d{5}$/.test(rec.mac)) fail(d, row, 'Carrier', `expected a five-digit carrier (MAC) number, got "${rec.mac}"`);
    if (!/^[0-9A-Z]{2}$/.test(rec.locality)) fail(d, row, 'Pricing Locality', `expected a two-character locality, got "${rec.locality}"`);
    any = true;
    yield { row, ...rec, state: rec.state.toUpperCase() };
  }
  if (!any) fail(d, d.headerRow || 1, 'row', 'the ZIP code locality file has no ZIP code rows');
}

/** The CLFS rows of a detected CLFS source. */
export function* clfsRecords(d: DetectedSource): Generator<ClfsRecord & { row: number }> {
  let any = false;
  const c = d.columns as Record<string, number>;
  for (const { row, cells } of rows(d)) {
    if (row <= d.headerRow) continue;
    if (cells.every((x) => x.trim() === '')) continue;
    const code = (cells[c.code as number] ?? '').trim().toUpperCase();
    if (!CODE.test(code)) fail(d, row, 'HCPCS', `expected a CPT/HCPCS code of 5 letters or digits, got "${code}"`);
    const eff = c.effective !== undefined && c.effective >= 0 ? ymdToIso(cells[c.effective] ?? '') : '';
    if (eff === undefined) fail(d, row, 'EFF_DATE', `expected a date YYYYMMDD, got "${cells[c.effective as number] ?? ''}"`);
    any = true;
    yield {
      row,
      code,
      modifier: c.mod !== undefined && c.mod >= 0 ? (cells[c.mod] ?? '').trim().toUpperCase() : '',
      effective: eff,
      indicator: c.indicator !== undefined && c.indicator >= 0 ? (cells[c.indicator] ?? '').trim().toUpperCase() : '',
      rate: decimal(d, row, 'RATE', cells[c.rate as number]),
    };
  }
  if (!any) fail(d, d.headerRow, 'row', 'the CLFS file has no rows under its header');
}

/** The Addendum B rows of a detected OPPS source (rows without a code, such as notes, are skipped). */
export function* oppsRecords(d: DetectedSource): Generator<OppsRecord & { row: number }> {
  let any = false;
  const c = d.columns as Record<string, number>;
  for (const { row, cells } of rows(d)) {
    if (row <= d.headerRow) continue;
    // A few HCPCS cells carry stray non-printable bytes (formats.md §2.2).
    const code = (cells[c.code as number] ?? '').toUpperCase().replace(/[^A-Z0-9]/g, '');
    if (code === '') continue;
    if (!CODE.test(code)) fail(d, row, 'HCPCS Code', `expected a CPT/HCPCS code of 5 letters or digits, got "${code}"`);
    const raw = (cells[c.rate as number] ?? '').trim();
    any = true;
    yield { row, code, si: (cells[c.si as number] ?? '').trim().toUpperCase(), apc: (cells[c.apc as number] ?? '').trim(), rate: raw === '' || raw === '.' ? '' : decimal(d, row, 'Payment Rate', raw) };
  }
  if (!any) fail(d, d.headerRow, 'row', 'the Addendum B file has no code rows under its header');
}

/** The ASP payment limits of a detected ASP source (a limit of `N/A` gives no row). */
export function* aspRecords(d: DetectedSource): Generator<AspRecord & { row: number }> {
  let any = false;
  const c = d.columns as Record<string, number>;
  for (const { row, cells } of rows(d)) {
    if (row <= d.headerRow) continue;
    const code = (cells[c.code as number] ?? '').trim().toUpperCase();
    if (code === '') continue;
    if (!CODE.test(code)) fail(d, row, 'HCPCS Code', `expected a CPT/HCPCS code of 5 letters or digits, got "${code}"`);
    any = true;
    const raw = (cells[c.limit as number] ?? '').trim();
    if (raw === '' || /^n\/?a$/i.test(raw)) continue;
    yield { row, code, dosage: c.dosage !== undefined && c.dosage >= 0 ? (cells[c.dosage] ?? '').trim() : '', limit: decimal(d, row, 'Payment Limit', raw) };
  }
  if (!any) fail(d, d.headerRow, 'row', 'the ASP file has no code rows under its header');
}

/** True when `kind` is a fee-schedule kind this module reads. */
export function isFeeKind(kind: DataKind): boolean {
  return ['pfs', 'gpci', 'zip', 'clfs', 'opps', 'asp'].includes(familyOf(kind));
}

