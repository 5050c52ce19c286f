/**
 * Reads itemized bills from delimited text: comma, tab, pipe or semicolon (detected from the
 * header), with or without a UTF-8 BOM, CRLF line ends, quoted cells, blank rows, preamble
 * rows above the header, note/section rows and total/footer rows ("TOTAL CHARGES",
 * "Total Due"), which are recognised and kept as stated totals, not charges.
 */
import { parse } from 'csv-parse/sync';
import { BillError, type Location, type Problem } from '../errors.js';
import type { RawBill, RawCell, RawLine } from './build.js';
import { lineFieldFor, normalizeHeader, totalKindFor, type LineField } from './fields.js';
import { parseMoney } from './values.js';

/** Options of the CSV reader. */
export interface CsvOptions {
  /** File name shown in errors and reports (`-` for stdin). */
  file: string;
  /** `--map field=Header` overrides: line field → header as written in the file. */
  map?: Partial<Record<LineField, string>>;
  /** `--group-by COLUMN`: split the file into one bill per value of this column. */
  groupBy?: string;
}

const DELIMITERS = [',', '\t', '|', ';'] as const;
const FORMAT_OF: Record<string, RawBill['format']> = { ',': 'csv', '\t': 'tsv', '|': 'psv', ';': 'ssv' };

/** Counts a delimiter outside double quotes in one line. */
function countOutsideQuotes(line: string, d: string): number {
  let n = 0;
  let quoted = false;
  for (const ch of line) {
    if (ch === '"') quoted = !quoted;
    else if (ch === d && !quoted) n++;
  }
  return n;
}

/**
 * Detects the delimiter from the first lines: the candidate that splits the most of them into
 * the same number (≥ 2) of columns. Tab and pipe beat comma on a tie, because amounts such as
 * "1,234.00" put commas inside unquoted cells of tab- and pipe-separated exports.
 */
export function detectDelimiter(text: string): string {
  const lines = text.split(/\r\n|\n|\r/).filter((l) => l.trim() !== '').slice(0, 20);
  let best: string = ',';
  let bestScore = -1;
  for (const d of ['\t', '|', ',', ';']) {
    const counts = lines.map((l) => countOutsideQuotes(l, d));
    const max = Math.max(0, ...counts);
    if (max === 0) continue;
    // Score: how many lines share the most common non-zero count, weighted by that count.
    const freq = new Map<number, number>();
    for (const c of counts) if (c > 0) freq.set(c, (freq.get(c) ?? 0) + 1);
    let score = 0;
    for (const [c, f] of freq) score = Math.max(score, f * 1000 + c);
    if (score > bestScore) {
      best = d;
      bestScore = score;
    }
  }
  return best;
}

interface Column {
  index: number;
  header: string;
  field?: LineField;
}

function mapHeader(cells: string[], map: CsvOptions['map']): Column[] {
  const overrides = new Map<string, LineField>();
  for (const [field, header] of Object.entries(map ?? {})) {
    if (header !== undefined) overrides.set(normalizeHeader(header), field as LineField);
  }
  const used = new Set<LineField>();
  const repeatable = new Set<LineField>(['modifiers', 'diagnoses', 'code']);
  return cells.map((raw, index) => {
    const header = raw.trim();
    const n = normalizeHeader(header);
    let field = overrides.get(n);
    if (!field && [...overrides.values()].length > 0) {
      // A header claimed by --map for another field is not also read under its alias.
      field = lineFieldFor(header);
      if (field && [...overrides.values()].includes(field)) field = undefined;
    } else if (!field) {
      field = lineFieldFor(header) ?? dxOrModifierNumbered(n);
    }
    if (field && used.has(field) && !repeatable.has(field)) field = undefined;
    if (field) used.add(field);
    return field ? { index, header, field } : { index, header };
  });
}

function dxOrModifierNumbered(n: string): LineField | undefined {
  if (/^(dx|diag|diagnosis|icd|icd10)(code)?\d$/.test(n)) return 'diagnoses';
  if (/^(mod|modifier|cptmod|cptmodifier)\d$/.test(n)) return 'modifiers';
  return undefined;
}

function looksLikeHeader(columns: Column[]): boolean {
  const fields = new Set(columns.map((c) => c.field).filter(Boolean));
  return (fields.has('charge') || fields.has('credit')) && fields.size >= 2;
}

interface Group {
  claim?: string;
  lines: RawLine[];
  statedTotals: RawBill['statedTotals'];
}

/**
 * Parses delimited text into one raw bill per claim (one when `groupBy` is not given).
 * Throws {@link BillError} naming the file and row when the text has no recognisable header,
 * when quoting is broken, or when the `--group-by` or `--map` column does not exist.
 */
export function readCsv(input: string, opts: CsvOptions): RawBill[] {
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  if (text.trim() === '') throw new BillError('the file is empty: expected a header row and item rows', { file: opts.file });
  const delimiter = detectDelimiter(text);
  let records: Array<{ record: string[]; info: { lines: number } }>;
  try {
    records = parse(text, {
      delimiter,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
      info: true,
      trim: false,
    }) as unknown as Array<{ record: string[]; info: { lines: number } }>;
  } catch (err) {
    const e = err as { message?: string; lines?: number };
    throw new BillError(`cannot read the rows: ${e.message ?? String(err)}`, { file: opts.file, ...(e.lines ? { row: e.lines } : {}) });
  }

  let headerAt = -1;
  let columns: Column[] = [];
  for (let i = 0; i < Math.min(records.length, 30); i++) {
    const cols = mapHeader((records[i] as { record: string[] }).record, opts.map);
    if (looksLikeHeader(cols)) {
      headerAt = i;
      columns = cols;
      break;
    }
  }
  if (headerAt < 0) {
    const firstRow = (records[0]?.record ?? []).map((h) => `"${h.trim()}"`).join(', ');
    throw new BillError(
      `no header row with a charge column was found (first row: ${firstRow}); name the columns with --map, e.g. --map charge="Amount Billed" --map code="Proc"`,
      { file: opts.file, row: records[0]?.info.lines ?? 1 },
    );
  }
  for (const [field, header] of Object.entries(opts.map ?? {})) {
    if (header !== undefined && !columns.some((c) => c.field === field && normalizeHeader(c.header) === normalizeHeader(header))) {
      throw new BillError(`--map ${field}="${header}": the header row has no column "${header}" (columns: ${columns.map((c) => `"${c.header}"`).join(', ')})`, {
        file: opts.file,
        row: (records[headerAt] as { info: { lines: number } }).info.lines,
      });
    }
  }
  let groupIndex = -1;
  if (opts.groupBy !== undefined) {
    const want = normalizeHeader(opts.groupBy);
    groupIndex = columns.findIndex((c) => normalizeHeader(c.header) === want);
    if (groupIndex < 0) {
      throw new BillError(`--group-by ${opts.groupBy}: the header row has no such column (columns: ${columns.map((c) => `"${c.header}"`).join(', ')})`, {
        file: opts.file,
        row: (records[headerAt] as { info: { lines: number } }).info.lines,
      });
    }
  }

  const format = FORMAT_OF[delimiter] ?? 'csv';
  const warnings: Problem[] = [];
  const mapped: Record<string, string> = {};
  for (const c of columns) if (c.field && mapped[c.field] === undefined) mapped[c.field] = c.header;
  const unused = columns.filter((c) => !c.field && c.index !== groupIndex && c.header !== '').map((c) => c.header);
  const byField = (field: LineField) => columns.filter((c) => c.field === field);
  const textColumns = columns.filter((c) => c.field === undefined || c.field === 'description' || c.field === 'line' || c.field === 'type');
  const moneyColumns = [...byField('charge'), ...byField('credit')];

  const groups = new Map<string, Group>();
  const order: string[] = [];
  const groupFor = (key: string): Group => {
    let g = groups.get(key);
    if (!g) {
      g = { lines: [], statedTotals: [] };
      if (groupIndex >= 0) g.claim = key;
      groups.set(key, g);
      order.push(key);
    }
    return g;
  };
  let noteRows = 0;
  let fileTotals = 0;

  for (let i = headerAt + 1; i < records.length; i++) {
    const { record, info } = records[i] as { record: string[]; info: { lines: number } };
    const row = info.lines;
    const cell = (c: Column) => (record[c.index] ?? '').trim();
    if (record.every((v) => v.trim() === '')) continue;
    const hasAny = (field: LineField) => byField(field).some((c) => cell(c) !== '');
    const amountCell = moneyColumns.map(cell).find((v) => v !== '');
    const groupKey = groupIndex >= 0 ? (record[groupIndex] ?? '').trim() : '';

    // A total/footer row: no code, no revenue code, no date, and a text cell that names a total.
    if (!hasAny('code') && !hasAny('revenueCode') && !hasAny('dateOfService')) {
      const label = textColumns.map(cell).find((v) => v !== '' && totalKindFor(v) !== undefined);
      if (label !== undefined) {
        const kind = totalKindFor(label);
        const value = amountCell ?? record.map((v) => v.trim()).filter((v) => v !== '' && v !== label).find((v) => parseMoney(v).ok);
        if (kind && value !== undefined) {
          const location: Location = { file: opts.file, row };
          if (groupIndex >= 0 && groupKey === '') {
            fileTotals++;
            continue;
          }
          groupFor(groupKey).statedTotals.push({ kind, label, value, source: { file: opts.file, row }, location });
          continue;
        }
      }
      if (amountCell === undefined) {
        noteRows++;
        continue;
      }
    }

    if (groupIndex >= 0 && groupKey === '') {
      throw new BillError(`column "${columns[groupIndex]?.header}" (--group-by) is empty on an item row; every row needs its claim id`, { file: opts.file, row, column: columns[groupIndex]?.header ?? '' });
    }
    const g = groupFor(groupKey);
    const fields: RawLine['fields'] = {};
    for (const c of columns) {
      if (!c.field) continue;
      const list = (fields[c.field] ??= []);
      const rc: RawCell = { value: record[c.index] ?? '', column: c.header };
      list.push(rc);
    }
    g.lines.push({ fields, file: opts.file, row, position: g.lines.length + 1 });
  }

  if (noteRows > 0) {
    warnings.push({ code: 'BILL_INVALID', message: `${noteRows} row(s) with no amount and no code were read as notes or section headings, not charges`, location: { file: opts.file } });
  }
  if (fileTotals > 0) {
    warnings.push({ code: 'BILL_INVALID', message: `${fileTotals} file-level total row(s) in a grouped file were not checked (totals are checked per claim)`, location: { file: opts.file } });
  }
  if (order.length === 0) {
    throw new BillError('the file has a header but no item rows', { file: opts.file, row: (records[headerAt] as { info: { lines: number } }).info.lines });
  }
  return order.map((key) => {
    const g = groups.get(key) as Group;
    const bill: RawBill = {
      path: opts.file,
      format,
      lines: g.lines,
      statedTotals: g.statedTotals,
      facts: {},
      mapped,
      unused,
      warnings,
    };
    if (g.claim !== undefined) bill.claim = g.claim;
    return bill;
  });
}
