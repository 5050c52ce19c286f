/**
 * Recognising and parsing CMS NCCI edit files in their published layouts (formats.md §1):
 *
 * - PTP (`ccipra-v321r0-f1.txt`, `ccioph-…`): copyright and title lines, a header whose first
 *   two cells are `Column 1` and `Column 2` (split over several rows, the modifier legend under
 *   it), then 7 columns: column 1, column 2, pre-1996 flag, effective date `YYYYMMDD`, deletion
 *   date `YYYYMMDD` or `*`, modifier indicator 0/1/9, PTP edit rationale.
 * - MUE (`MCR_MUE_PractitionerServices_Eff_04-01-2026.csv`): a quoted multi-line copyright
 *   cell, then `HCPCS/CPT Code`, `<Practitioner|Outpatient Hospital|DME Supplier> Services MUE
 *   Values`, `MUE Adjudication Indicator` (`1 Line Edit`, `2 Date of Service Edit: Policy`,
 *   `3 Date of Service Edit: Clinical`), `MUE Rationale`.
 * - AOC (`AOC_V2026Q2-MCR.xlsx` or `.txt`): the AMA notice, then a header naming
 *   `AOC_Edit_Type`, `Add-On_Code`, `AOC_DelDT`, `Primary_Code`, `Primary_Code_DelDT`,
 *   `AOC_Edit_EffDT`, `AOC_Edit_DelDT` (Julian `YYYYDDD` dates; `CCCCC` = contractor-defined
 *   primary); columns are found by name, a text file is cut at the header's column positions
 *   when it is fixed-width.
 *
 * Only codes, dates, indicators and CMS's own rationale words are kept: descriptor columns
 * (CPT text, © AMA) and free-text notes are never read (formats.md §2.5).
 */
import { DataError, UsageError } from '../errors.js';
import { familyOf, isEditKind, julianToIso, parsePeriod, periodOf, ymdToIso, type AocRecord, type DataFamily, type DataKind, type MueRecord, type Period, type PtpRecord } from './model.js';

export type { AocRecord, MueRecord, PtpRecord };
import { sourceRows, type Source, type SourceRow } from './sources.js';
import { detectFeeSource } from '../prices/cms-files.js';

/** A source whose kind, quarter and layout are known. */
export interface DetectedSource {
  source: Source;
  kind: DataKind;
  period: Period;
  /** The part of a table split over several files (`f1`…`f4` for the practitioner PTP table), else `''`. */
  part: string;
  /** Physical row of the header (1-based). */
  headerRow: number;
  /** How rows are cut: tab- or comma-delimited, fixed-width at the header's positions, or spreadsheet cells. */
  layout: 'tab' | 'comma' | 'fixed' | 'xlsx';
  /** Column index (or fixed-width start offset) of each field, by field name. */
  columns: Record<string, number>;
  /** Fixed-width only: start offsets of every header column, ascending. */
  offsets?: number[];
}

/** CPT/HCPCS code: 5 characters, digits and capital letters (CPT 99213, 0042T; HCPCS J1170). */
const CODE = /^[A-Z0-9]{5}$/;

const norm = (s: string) => s.toLowerCase().replace(/julian/g, '').replace(/[^a-z0-9]/g, '');

/** Rows scanned for a header before giving up. */
const HEADER_SCAN = 200;

function rawLines(text: string, max: number): string[] {
  const out: string[] = [];
  let start = 0;
  while (out.length < max && start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    out.push(text.slice(start, end).replace(/\r$/, ''));
    start = end + 1;
  }
  return out;
}

function splitHeader(line: string): { cells: string[]; layout: 'tab' | 'comma' | 'fixed' } {
  if (line.includes('\t')) return { cells: line.split('\t').map((c) => c.trim().replace(/^"|"$/g, '')), layout: 'tab' };
  if (line.includes(',')) return { cells: line.split(',').map((c) => c.trim().replace(/^"|"$/g, '')), layout: 'comma' };
  return { cells: line.trim().split(/\s+/).filter(Boolean), layout: 'fixed' };
}

function familyOfHeader(cells: string[]): DataFamily | undefined {
  const n = cells.map(norm);
  if (n[0] === 'column1' && n[1] === 'column2') return 'ptp';
  if ((n[0] ?? '').includes('hcpcs') && n.some((c) => c.includes('muevalue'))) return 'mue';
  if (n.includes('addoncode') && n.includes('primarycode')) return 'aoc';
  return undefined;
}

/** Kind from content or names: PTP practitioner (`ccipra`) vs hospital (`ccioph`); MUE by its value column or file name. */
function kindOf(family: DataFamily, header: string[], preamble: string, names: string[]): DataKind | undefined {
  if (family === 'aoc') return 'aoc';
  const text = names.join(' ');
  if (family === 'mue') {
    const valueColumn = norm(header[1] ?? '');
    if (valueColumn.startsWith('practitioner')) return 'mue-practitioner';
    if (valueColumn.startsWith('outpatienthospital') || valueColumn.startsWith('facility')) return 'mue-hospital';
    if (valueColumn.startsWith('dme')) return 'mue-dme';
    if (/practitioner/.test(text)) return 'mue-practitioner';
    if (/outpatient|hospital|facility/.test(text)) return 'mue-hospital';
    if (/dme/.test(text)) return 'mue-dme';
    return undefined;
  }
  if (/ccipra|practitioner/.test(text)) return 'ncci-ptp-practitioner';
  if (/ccioph|hospital|outpatient/.test(text)) return 'ncci-ptp-hospital';
  const pre = preamble.toLowerCase();
  if (pre.includes('practitioner')) return 'ncci-ptp-practitioner';
  if (pre.includes('hospital')) return 'ncci-ptp-hospital';
  return undefined;
}

/**
 * The quarter a file is for, from its names: `2026q2` / `2026-q2` (CMS zip and AOC names), the
 * NCCI version `v321` (version 32.1 = 2026 Q2: version 32 is 2026, the digit after it the
 * quarter − 1), or an MUE effective date `Eff_04-01-2026`.
 */
export function periodFromNames(names: string[]): Period | undefined {
  for (const name of names) {
    const q = /(20\d\d)[-_ ]?q([1-4])/i.exec(name);
    if (q) return `${q[1]}Q${q[2]}`;
    const eff = /eff[-_ ]?(\d{2})[-_](\d{2})[-_](\d{4})/i.exec(name);
    if (eff) return periodOf(`${eff[3]}-${eff[1]}-${eff[2]}`);
    const v = /(?:^|[^a-z0-9])(?:ccipra|ccioph)?-?v(\d{2})(\d)r\d/i.exec(name);
    if (v && Number(v[2]) <= 3) return `${2000 + Number(v[1]) - 6}Q${Number(v[2]) + 1}`;
  }
  return undefined;
}

/** AOC header names (formats.md §1.3; spellings vary, e.g. a `_julian` suffix, so they are compared normalised) → field. */
const AOC_FIELDS: Record<string, string> = Object.fromEntries(
  Object.entries({
    AOC_Edit_Type: 'type',
    'Add-On_Code': 'addOn',
    AOC_DelDT: 'addOnDeleted',
    Primary_Code: 'primary',
    Primary_Code_DelDT: 'primaryDeleted',
    AOC_Edit_EffDT: 'effective',
    AOC_Edit_DelDT: 'deletion',
  }).map(([k, v]) => [norm(k), v]),
);

/**
 * Recognises a source's kind, quarter, part and layout. `kind` and `period` (from `--kind`
 * and `--period`) fill in what the file does not say; a `--kind` of another family than the
 * content is an error. Throws {@link DataError} (not a CMS edit file, header missing) or
 * {@link UsageError} (kind or quarter cannot be told: give the option).
 */
export function detectSource(source: Source, given: { kind?: DataKind; period?: Period } = {}): DetectedSource {
  if (given.kind && !isEditKind(given.kind)) {
    const fee = detectFeeSource(source, given);
    if (!fee) throw new DataError(`${source.label}: --kind ${given.kind} was given, but the file is not in that CMS layout (see formats.md §2)`, { file: source.label });
    return fee;
  }
  const candidates: Array<{ row: number; line: string; cells: string[]; layout: 'tab' | 'comma' | 'fixed' | 'xlsx' }> = [];
  if (source.format === 'xlsx') {
    (source.rows ?? []).slice(0, HEADER_SCAN).forEach((cells, i) => candidates.push({ row: i + 1, line: cells.join(' '), cells, layout: 'xlsx' }));
  } else {
    rawLines(source.text ?? '', HEADER_SCAN).forEach((line, i) => {
      const { cells, layout } = splitHeader(line);
      candidates.push({ row: i + 1, line, cells, layout });
    });
  }
  let header: (typeof candidates)[number] | undefined;
  let family: DataFamily | undefined;
  for (const c of candidates) {
    family = familyOfHeader(c.cells);
    if (family) {
      header = c;
      break;
    }
  }
  if (!header || !family) {
    const fee = detectFeeSource(source, given);
    if (fee) return fee;
    throw new DataError(
      `${source.label}: not a CMS file medbill reads: no header row of an NCCI PTP, MUE or add-on code edit file ("Column 1"/"Column 2", "HCPCS/CPT Code"/"MUE Values", "Add-On_Code"/"Primary_Code"), ` +
        `a PFS relative value, GPCI, ZIP code locality, CLFS, OPPS Addendum B or ASP file in its first ${HEADER_SCAN} rows, and not a hospital price file`,
      { file: source.label },
    );
  }
  const preamble = candidates.filter((c) => c.row < (header as { row: number }).row).map((c) => c.line).join(' ');
  const detected = kindOf(family, header.cells, preamble, source.names);
  let kind: DataKind;
  if (given.kind) {
    if (familyOf(given.kind) !== family) throw new DataError(`${source.label}: --kind ${given.kind} was given, but the file is ${family === 'ptp' ? 'an NCCI PTP' : family === 'mue' ? 'an MUE' : 'an add-on code edit'} file`, { file: source.label });
    if (detected && detected !== given.kind) throw new DataError(`${source.label}: --kind ${given.kind} was given, but the file says it is ${detected}`, { file: source.label });
    kind = given.kind;
  } else if (detected) kind = detected;
  else throw new UsageError(`${source.label}: cannot tell which ${family === 'ptp' ? 'PTP table (practitioner or hospital)' : 'MUE table (practitioner, hospital or DME)'} this is; give --kind`);
  const period = given.period ?? periodFromNames(source.names);
  if (!period) throw new UsageError(`${source.label}: cannot tell which quarter this file is for from its name; give --period, e.g. --period 2026Q4`);
  const part = /(?:^|[-_])f(\d+)(?:\.|$)/i.exec(source.names[0] ?? '')?.[1];
  const out: DetectedSource = { source, kind, period, part: part ? `f${part}` : '', headerRow: header.row, layout: header.layout, columns: {} };
  if (family === 'aoc') {
    if (header.layout === 'fixed') {
      const offsets: number[] = [];
      const re = /\S+/g;
      for (let m = re.exec(header.line); m; m = re.exec(header.line)) {
        const field = AOC_FIELDS[norm(m[0])];
        offsets.push(m.index);
        if (field) out.columns[field] = m.index;
      }
      out.offsets = offsets;
    } else {
      header.cells.forEach((c, i) => {
        const field = AOC_FIELDS[norm(c)];
        if (field && out.columns[field] === undefined) out.columns[field] = i;
      });
    }
    for (const f of ['type', 'addOn', 'primary']) {
      if (out.columns[f] === undefined) throw new DataError(`${source.label}: the add-on code edit header has no ${f === 'type' ? 'AOC_Edit_Type' : f === 'addOn' ? 'Add-On_Code' : 'Primary_Code'} column`, { file: source.label, row: header.row });
    }
  }
  return out;
}

function fail(d: DetectedSource, row: number, field: string, message: string): never {
  throw new DataError(message, { file: d.source.label, row, field });
}

function rowsAfterHeader(d: DetectedSource): Generator<SourceRow> {
  const layout = d.layout === 'xlsx' ? undefined : d.layout;
  return sourceRows(d.source, layout);
}

function cutFixed(line: string, offsets: number[]): Map<number, string> {
  const m = new Map<number, string>();
  offsets.forEach((start, i) => {
    const end = offsets[i + 1] ?? line.length;
    m.set(start, line.slice(start, end).trim());
  });
  return m;
}

function code(d: DetectedSource, row: number, field: string, value: string): string {
  const v = value.trim().toUpperCase();
  if (!CODE.test(v)) fail(d, row, field, `${field}: expected a CPT/HCPCS code of 5 letters or digits, got "${value}"`);
  return v;
}

/**
 * The PTP edits of a detected PTP source, in file order. Legend rows between the header and
 * the first edit are skipped; after it, blank rows are skipped and every other row must be a
 * valid edit. Throws {@link DataError} naming the file, row and field.
 */
export function* ptpRecords(d: DetectedSource): Generator<PtpRecord & { row: number }> {
  let started = false;
  for (const { row, cells } of rowsAfterHeader(d)) {
    if (row <= d.headerRow) continue;
    if (cells.every((c) => c === '')) continue;
    // Legend rows sit between the header and the first edit; a row with a date where the
    // effective date goes is an edit, and a malformed one is an error, not a legend.
    const first = (cells[0] ?? '').toUpperCase();
    if (!started && !CODE.test(first) && !/^\d{8}$/.test((cells[3] ?? '').trim())) continue;
    started = true;
    if (cells.length < 6) fail(d, row, 'row', `expected 7 tab-separated columns (column 1, column 2, pre-1996 flag, effective date, deletion date, modifier indicator, rationale), got ${cells.length}`);
    const column1 = code(d, row, 'Column 1', cells[0] ?? '');
    const column2 = code(d, row, 'Column 2', cells[1] ?? '');
    const effective = ymdToIso(cells[3] ?? '');
    if (!effective) fail(d, row, 'Effective Date', `Effective Date: expected a date YYYYMMDD, got "${cells[3] ?? ''}"`);
    const deletion = ymdToIso(cells[4] ?? '');
    if (deletion === undefined) fail(d, row, 'Deletion Date', `Deletion Date: expected a date YYYYMMDD or *, got "${cells[4] ?? ''}"`);
    const indicator = (cells[5] ?? '').trim();
    if (indicator !== '0' && indicator !== '1' && indicator !== '9') fail(d, row, 'Modifier', `Modifier: expected the modifier indicator 0, 1 or 9, got "${cells[5] ?? ''}"`);
    yield { row, column1, column2, effective, deletion, indicator, rationale: (cells[6] ?? '').trim().slice(0, 120) };
  }
  if (!started) fail(d, d.headerRow, 'row', 'the file has a PTP header but no edits under it');
}

/** The MUE rows of a detected MUE source. Throws {@link DataError} naming the file, row and field. */
export function* mueRecords(d: DetectedSource): Generator<MueRecord & { row: number }> {
  let any = false;
  for (const { row, cells } of rowsAfterHeader(d)) {
    if (row <= d.headerRow) continue;
    if (cells.every((c) => c === '')) continue;
    any = true;
    const c = code(d, row, 'HCPCS/CPT Code', cells[0] ?? '');
    const rawValue = (cells[1] ?? '').trim();
    if (!/^\d+$/.test(rawValue)) fail(d, row, 'MUE Values', `MUE Values: expected a whole number of units, got "${cells[1] ?? ''}"`);
    const mai = /^\s*([123])\b/.exec(cells[2] ?? '')?.[1];
    if (!mai) fail(d, row, 'MUE Adjudication Indicator', `MUE Adjudication Indicator: expected 1, 2 or 3 (e.g. "2 Date of Service Edit: Policy"), got "${cells[2] ?? ''}"`);
    yield { row, code: c, value: Number(rawValue), mai: Number(mai) as 1 | 2 | 3, rationale: (cells[3] ?? '').trim().slice(0, 120) };
  }
  if (!any) fail(d, d.headerRow, 'row', 'the file has an MUE header but no rows under it');
}

function aocDate(d: DetectedSource, row: number, field: string, value: string | undefined): string {
  const v = (value ?? '').trim();
  // Julian YYYYDDD per formats.md §1.3; a spreadsheet may hold a plain date (YYYYMMDD).
  const iso = v.length === 8 ? ymdToIso(v) : julianToIso(v);
  if (iso === undefined) fail(d, row, field, `${field}: expected a Julian date YYYYDDD (e.g. 2026091 = 2026-04-01), got "${v}"`);
  return iso;
}

/** The add-on code edit rows of a detected AOC source. Throws {@link DataError} naming the file, row and field. */
export function* aocRecords(d: DetectedSource): Generator<AocRecord & { row: number }> {
  let any = false;
  for (const { row, cells } of rowsAfterHeader(d)) {
    if (row <= d.headerRow) continue;
    let get: (field: string) => string | undefined;
    if (d.layout === 'fixed') {
      const line = cells[0] ?? '';
      if (line.trim() === '') continue;
      const cut = cutFixed(line, d.offsets ?? []);
      get = (f) => (d.columns[f] === undefined ? undefined : cut.get(d.columns[f] as number));
    } else {
      if (cells.every((c) => c === '')) continue;
      get = (f) => (d.columns[f] === undefined ? undefined : cells[d.columns[f] as number]);
    }
    any = true;
    const type = (get('type') ?? '').trim();
    if (type !== '1' && type !== '2' && type !== '3') fail(d, row, 'AOC_Edit_Type', `AOC_Edit_Type: expected 1, 2 or 3, got "${type}"`);
    const addOn = code(d, row, 'Add-On_Code', get('addOn') ?? '');
    const rawPrimary = (get('primary') ?? '').trim().toUpperCase();
    // CCCCC (or nothing) marks a contractor-defined primary: no CMS list (type 2).
    const primary = rawPrimary === '' || rawPrimary === 'CCCCC' ? '' : code(d, row, 'Primary_Code', rawPrimary);
    yield {
      row,
      addOn,
      primary,
      type: Number(type) as 1 | 2 | 3,
      effective: aocDate(d, row, 'AOC_Edit_EffDT', get('effective')),
      deletion: aocDate(d, row, 'AOC_Edit_DelDT', get('deletion')),
      addOnDeleted: aocDate(d, row, 'AOC_DelDT', get('addOnDeleted')),
      primaryDeleted: aocDate(d, row, 'Primary_Code_DelDT', get('primaryDeleted')),
    };
  }
  if (!any) fail(d, d.headerRow, 'row', 'the file has an add-on code edit header but no rows under it');
}

/** Checks `--period`: `2026Q4` (also `2026q4`, `2026-Q4`). Throws {@link UsageError}. */
export function periodOption(value: string): Period {
  const p = parsePeriod(value);
  if (!p) throw new UsageError(`--period ${value}: expected a quarter such as 2026Q4`);
  return p;
}
