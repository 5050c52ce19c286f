/**
 * Reads itemized bills from delimited text: comma, tab, pipe or semicolon (detected from the
 * header), with or without a UTF-8 BOM, CRLF line ends, quoted cells, blank rows, preamble
 * rows above the header, repeated header rows, note/section rows and total/footer rows
 * ("TOTAL CHARGES", "Total Due"), which are recognised and kept as stated totals, not charges.
 *
 * The reader works in three steps so that a large multi-claim file can stream through it in
 * chunks: {@link scanCsv} finds record boundaries and checks quoting, {@link csvRecords}
 * parses complete records (with d3-dsv, a fast RFC 4180 parser) and numbers their physical
 * rows, and {@link CsvGrouper} classifies rows and groups item rows into one raw bill per claim.
 * {@link readCsv} runs all three over a whole text.
 */
import { dsvFormat } from 'd3-dsv';
import { BillError, type Location, type Problem } from '../errors.js';
import type { LineLayout, RawBill, RawLine } from './build.js';
import { aliasRank, lineFieldFor, normalizeHeader, statementRowKind, totalKindFor, type LineField, type TotalKind } from './fields.js';
import { parseDate, parseMoney } from './values.js';

/** Options of the CSV reader. */
export interface CsvOptions {
  /** File name shown in errors and reports (`<stdin>` for stdin). */
  file: string;
  /** `--map field=Header` overrides: line field → header as written in the file. */
  map?: Partial<Record<LineField, string>>;
  /** `--group-by COLUMN`: split the file into one bill per value of this column. */
  groupBy?: string;
}

/** A parsed record and the physical row (1-based line of the file) it starts on. */
export interface CsvRecord {
  record: string[];
  row: number;
}

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
  const lines = text.slice(0, 65536).split(/\r\n|\n|\r/).filter((l) => l.trim() !== '').slice(0, 20);
  let best: string = ',';
  let bestScore = -1;
  for (const d of ['\t', '|', ',', ';']) {
    const freq = new Map<number, number>();
    for (const l of lines) {
      const c = countOutsideQuotes(l, d);
      if (c > 0) freq.set(c, (freq.get(c) ?? 0) + 1);
    }
    let score = -1;
    for (const [c, f] of freq) score = Math.max(score, f * 1000 + c);
    if (score > bestScore) {
      best = d;
      bestScore = score;
    }
  }
  return best;
}

/** What {@link scanCsv} found: where the last complete record ends, and a quoting error if any. */
export interface CsvScan {
  /** Offset just past the last record terminator that is outside quotes (0 when none). */
  complete: number;
  /** True when the text contains a double quote at all (rows then need counting field by field). */
  quoted: boolean;
  /** A quoting error: its offset in the text and what is wrong. */
  error?: { offset: number; message: string };
  /** Spaces between a closing quote and the delimiter (`"2,400.00"  ,`): [start, end) ranges to drop before parsing. */
  fixes?: Array<[number, number]>;
}

/**
 * Scans delimited text for record boundaries and quoting errors without parsing it: a field
 * that starts with a double quote must end with a quote followed by the delimiter, a line end
 * or the end of the text (`""` is an escaped quote); a quote inside an unquoted field is text.
 * With `final` false (a block of a stream), a quote still open at the end is not an error:
 * `complete` stops before the record it opened.
 */
export function scanCsv(text: string, delimiter: string, final: boolean): CsvScan {
  let pos = 0;
  let quoted = false;
  let safe = 0; // offset from which no quoted field is open
  const fixes: Array<[number, number]> = [];
  const done = (r: CsvScan): CsvScan => (fixes.length > 0 ? { ...r, fixes: fixes.filter(([a]) => a < r.complete) } : r);
  for (;;) {
    const q = text.indexOf('"', pos);
    if (q < 0) break;
    quoted = true;
    const prev = q === 0 ? '\n' : text[q - 1];
    if (prev !== delimiter && prev !== '\n' && prev !== '\r') {
      pos = q + 1; // a quote inside an unquoted field is plain text
      continue;
    }
    let c = q + 1;
    for (;;) {
      c = text.indexOf('"', c);
      if (c < 0 || text[c + 1] !== '"') break;
      c += 2;
    }
    if (c < 0) {
      if (final) return done({ complete: lastBreak(text, 0, q), quoted, error: { offset: q, message: 'a quoted cell is never closed (a " with no closing ")' } });
      return done({ complete: lastBreak(text, safe, q) || lastBreak(text, 0, q), quoted });
    }
    let after = c + 1;
    // Spaces after a closing quote, before the delimiter, are tolerated (and dropped).
    while (text[after] === ' ' || (text[after] === '\t' && delimiter !== '\t')) after++;
    const next = text[after];
    if (next !== undefined && next !== delimiter && next !== '\n' && next !== '\r') {
      return done({ complete: lastBreak(text, 0, q), quoted, error: { offset: c + 1, message: `text after a closing quote (${text.slice(q, Math.min(after + 8, text.length)).split(/\r?\n/)[0]}); quote the whole cell` } });
    }
    if (after > c + 1) fixes.push([c + 1, after]);
    pos = after;
    safe = pos;
  }
  if (final) return done({ complete: text.length, quoted });
  return done({ complete: lastBreak(text, safe, text.length), quoted });
}

/** Drops the ranges {@link scanCsv} reported (spaces after closing quotes) from `text`. */
export function applyFixes(text: string, fixes: Array<[number, number]> | undefined): string {
  if (!fixes || fixes.length === 0) return text;
  let out = '';
  let at = 0;
  for (const [a, b] of fixes) {
    out += text.slice(at, a);
    at = b;
  }
  return out + text.slice(at);
}

/** Offset just past the last '\n' in text[from, to), or 0. */
function lastBreak(text: string, from: number, to: number): number {
  const i = text.lastIndexOf('\n', to - 1);
  return i >= from ? i + 1 : 0;
}

/** Physical row of `offset` in `text`, counting from `firstRow`. */
export function rowAt(text: string, offset: number, firstRow: number): number {
  let row = firstRow;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) row++;
  return row;
}

const parsers = new Map<string, ReturnType<typeof dsvFormat>>();

/**
 * Parses complete records (text that {@link scanCsv} accepted) and numbers the physical row
 * each starts on, counting line breaks inside quoted cells. Blank lines are skipped but
 * counted. `quoted` false (no double quote in the text) skips the per-cell counting.
 */
export function csvRecords(text: string, delimiter: string, firstRow: number, quoted = true): CsvRecord[] {
  let parser = parsers.get(delimiter);
  if (!parser) {
    parser = dsvFormat(delimiter);
    parsers.set(delimiter, parser);
  }
  const rows = parser.parseRows(text);
  const out: CsvRecord[] = [];
  let row = firstRow;
  for (const record of rows) {
    const start = row;
    row++;
    if (quoted) for (const cell of record) for (let i = cell.indexOf('\n'); i >= 0; i = cell.indexOf('\n', i + 1)) row++;
    if (record.length === 1 && (record[0] as string).trim() === '') continue;
    out.push({ record, row: start });
  }
  return out;
}

/** Column layout of a delimited bill: the header, what each column holds and how to group. */
export interface CsvLayout extends LineLayout {
  file: string;
  delimiter: string;
  format: RawBill['format'];
  /** Physical row of the header. */
  headerRow: number;
  /** Normalised header cells, to recognise a repeated header row (page breaks in exports). */
  headerKey: string;
  /** `--group-by` column index, or -1. */
  groupIndex: number;
  mapped: Record<string, string>;
  unused: string[];
}

function mapHeader(cells: string[], map: CsvOptions['map']): Array<LineField | undefined> {
  const overrides = new Map<string, LineField>();
  for (const [field, header] of Object.entries(map ?? {})) if (header !== undefined) overrides.set(normalizeHeader(header), field as LineField);
  const claimed = new Set(overrides.values());
  const repeatable = new Set<LineField>(['modifiers', 'diagnoses']);
  const fields = cells.map((raw) => {
    const n = normalizeHeader(raw);
    const forced = overrides.get(n);
    if (forced) return { field: forced, rank: -1 };
    const field = lineFieldFor(raw) ?? numberedField(n);
    // A field named by --map is read only from the column --map gives it.
    if (!field || claimed.has(field)) return undefined;
    return { field, rank: aliasRank(raw) ?? 99 };
  });
  // Where several columns could hold one field, the most specific header wins (first on a tie).
  const best = new Map<LineField, { index: number; rank: number }>();
  fields.forEach((f, index) => {
    if (!f || repeatable.has(f.field)) return;
    const b = best.get(f.field);
    if (!b || f.rank < b.rank) best.set(f.field, { index, rank: f.rank });
  });
  return fields.map((f, index) => (f && (repeatable.has(f.field) || best.get(f.field)?.index === index) ? f.field : undefined));
}

function numberedField(n: string): LineField | undefined {
  if (/^(dx|diag|diagnosis|icd|icd10)(code)?\d$/.test(n)) return 'diagnoses';
  if (/^(mod|modifier|cptmod|cptmodifier)\d$/.test(n)) return 'modifiers';
  return undefined;
}

/**
 * Finds the header among the first records (the first row with a charge or credit column and
 * at least one other known column; rows above it are a preamble) and builds the layout.
 * Throws {@link BillError} naming the file and row when there is no such row, or when a
 * `--map` or `--group-by` column does not exist.
 */
export function detectCsvLayout(records: CsvRecord[], delimiter: string, opts: CsvOptions): { layout: CsvLayout; headerAt: number } {
  let headerAt = -1;
  let fields: Array<LineField | undefined> = [];
  for (let i = 0; i < Math.min(records.length, 30); i++) {
    const f = mapHeader((records[i] as CsvRecord).record, opts.map);
    const known = new Set(f.filter(Boolean));
    if ((known.has('charge') || known.has('credit')) && known.size >= 2) {
      headerAt = i;
      fields = f;
      break;
    }
  }
  if (headerAt < 0) {
    const firstRow = (records[0]?.record ?? []).map((h) => `"${h.trim()}"`).join(', ');
    throw new BillError(
      `no header row with a charge column was found (first row: ${firstRow}); name the columns with --map, e.g. --map charge="Amount Billed" --map code="Proc"`,
      { file: opts.file, row: records[0]?.row ?? 1 },
    );
  }
  const header = records[headerAt] as CsvRecord;
  const headers = header.record.map((h) => h.trim());
  for (const [field, name] of Object.entries(opts.map ?? {})) {
    if (name !== undefined && !headers.some((h, i) => fields[i] === field && normalizeHeader(h) === normalizeHeader(name))) {
      throw new BillError(`--map ${field}="${name}": the header row has no column "${name}" (columns: ${headers.map((h) => `"${h}"`).join(', ')})`, { file: opts.file, row: header.row });
    }
  }
  let groupIndex = -1;
  if (opts.groupBy !== undefined) {
    const want = normalizeHeader(opts.groupBy);
    groupIndex = headers.findIndex((h) => normalizeHeader(h) === want);
    if (groupIndex < 0) {
      throw new BillError(`--group-by ${opts.groupBy}: the header row has no such column (columns: ${headers.map((h) => `"${h}"`).join(', ')})`, { file: opts.file, row: header.row });
    }
  }
  const byField: LineLayout['fields'] = {};
  const mapped: Record<string, string> = {};
  fields.forEach((f, i) => {
    if (!f) return;
    (byField[f] ??= []).push(i);
    mapped[f] ??= headers[i] as string;
  });
  const unused = headers.filter((h, i) => !fields[i] && i !== groupIndex && h !== '');
  return {
    headerAt,
    layout: {
      file: opts.file,
      delimiter,
      format: FORMAT_OF[delimiter] ?? 'csv',
      headerRow: header.row,
      headerKey: headers.map(normalizeHeader).join('|'),
      groupIndex,
      headers,
      fields: byField,
      mapped,
      unused,
    },
  };
}

/** Item rows and stated totals of one bill (one claim), as the grouper collects them. */
export interface CsvGroup {
  claim?: string;
  lines: RawLine[];
  statedTotals: RawBill['statedTotals'];
  noteRows: number;
  /** Statement rows skipped: section subtotals, balances carried forward, balance transfers. */
  skipped: { subtotal: number; 'balance-forward': number; transfer: number };
  /** Physical row of the group's first row, for ordering and messages. */
  firstRow: number;
}

/**
 * Classifies rows and groups item rows into bills. Blank rows, repeated header rows, note and
 * section rows (no amount and no code) are skipped; total rows ("TOTAL CHARGES", "Balance
 * Due") become stated totals of their claim. Without `--group-by` every row belongs to one
 * bill; with it a new bill starts whenever the claim value changes, and `onGroup` receives
 * each bill as soon as it is complete, so that a file whose claims are contiguous streams
 * with memory for one claim at a time.
 */
export class CsvGrouper {
  private current: CsvGroup | undefined;
  private readonly textColumns: number[];
  private readonly moneyColumns: number[];
  private readonly codeColumns: number[];
  private readonly dateColumns: number[];
  /** Columns where a row's label ("TOTAL CHARGES", "PHARMACY") may be written. */
  private readonly labelColumns: number[];
  /** File-level total rows in a grouped file (not checked; reported). */
  fileTotals = 0;

  constructor(
    private readonly layout: CsvLayout,
    private readonly onGroup: (g: CsvGroup) => void,
  ) {
    const f = layout.fields;
    this.textColumns = layout.headers.map((_, i) => i).filter((i) => !isMapped(layout, i) || (f.description ?? []).includes(i) || (f.line ?? []).includes(i) || (f.type ?? []).includes(i));
    this.moneyColumns = [...(f.charge ?? []), ...(f.credit ?? [])];
    this.codeColumns = [...(f.code ?? []), ...(f.revenueCode ?? [])];
    this.dateColumns = [...(f.dateOfService ?? [])];
    this.labelColumns = [...this.textColumns, ...this.dateColumns];
  }

  /** Adds one parsed record. Throws {@link BillError} when a grouped file has an item row without its claim id. */
  add(record: string[], row: number): void {
    const L = this.layout;
    // A repeated header row (page breaks in some exports): cheap test first, full test when it may be one.
    if (record.length === L.headers.length && (record[0] ?? '').trim() === L.headers[0] && record.map((c) => normalizeHeader(c)).join('|') === L.headerKey) return;
    const cell = (i: number) => (record[i] ?? '').trim();
    const groupKey = L.groupIndex >= 0 ? cell(L.groupIndex) : '';
    let amountCell: string | undefined;
    for (const i of this.moneyColumns) {
      const v = cell(i);
      if (v !== '') {
        amountCell = v;
        break;
      }
    }
    const hasCode = this.codeColumns.some((i) => cell(i) !== '');
    if (!hasCode) {
      // Statement rows (subtotals, balances carried forward, transfers) are not charges, dated or not.
      for (const i of this.labelColumns) {
        const v = cell(i);
        const statement = v === '' ? undefined : statementRowKind(v);
        if (statement !== undefined) {
          if (L.groupIndex < 0 || groupKey !== '') this.groupFor(groupKey, row).skipped[statement]++;
          return;
        }
      }
    }
    const dateText = this.dateColumns.map(cell).find((v) => v !== '') ?? '';
    if (!hasCode && (dateText === '' || !parseDate(dateText).ok)) {
      // No code and no date of service: a total row, a note or section heading ("PHARMACY",
      // "Page 2 of 2"), or a charge described only in words.
      let label: string | undefined;
      let kind: TotalKind | undefined;
      for (const i of this.labelColumns) {
        const v = cell(i);
        if (v !== '' && (kind = totalKindFor(v)) !== undefined) {
          label = v;
          break;
        }
      }
      if (label !== undefined && kind !== undefined) {
        const value = amountCell ?? record.map((v) => v.trim()).find((v) => v !== '' && v !== label && parseMoney(v).ok);
        if (value !== undefined) {
          if (L.groupIndex >= 0 && groupKey === '') {
            this.fileTotals++;
            return;
          }
          const location: Location = { file: L.file, row };
          this.groupFor(groupKey, row).statedTotals.push({ kind, label, value, source: { file: L.file, row }, location });
          return;
        }
      }
      if (amountCell === undefined) {
        if (L.groupIndex < 0 || groupKey !== '') this.groupFor(groupKey, row).noteRows++;
        return;
      }
    }
    if (L.groupIndex >= 0 && groupKey === '') {
      const column = L.headers[L.groupIndex] ?? '';
      throw new BillError(`column "${column}" (--group-by) is empty on an item row; every row needs its claim id`, { file: L.file, row, column });
    }
    const g = this.groupFor(groupKey, row);
    const line: RawLine = { values: record, layout: L, file: L.file, row, position: g.lines.length + 1 };
    if (record.length > L.headers.length && record.slice(L.headers.length).some((c) => c.trim() !== '')) {
      line.problem = `the row has ${record.length} cells but the header has ${L.headers.length}; an amount written with a comma (4,850.00) must be in quotes ("4,850.00")`;
    }
    g.lines.push(line);
  }

  private groupFor(key: string, row: number): CsvGroup {
    const cur = this.current;
    if (cur && (cur.claim ?? '') === key) return cur;
    if (cur) this.onGroup(cur);
    const g: CsvGroup = { lines: [], statedTotals: [], noteRows: 0, skipped: { subtotal: 0, 'balance-forward': 0, transfer: 0 }, firstRow: row };
    if (this.layout.groupIndex >= 0) g.claim = key;
    this.current = g;
    return g;
  }

  /** Emits the last bill. */
  finish(): void {
    if (this.current) this.onGroup(this.current);
    this.current = undefined;
  }
}

function isMapped(layout: CsvLayout, index: number): boolean {
  for (const cols of Object.values(layout.fields)) if (cols && cols.includes(index)) return true;
  return false;
}

/** Turns a group into the raw bill that {@link buildBill} assembles; `warnings` are the bill's own. */
export function groupToRawBill(g: CsvGroup, layout: CsvLayout, fileTotals = 0): RawBill {
  const warnings: Problem[] = [];
  if (g.noteRows > 0) {
    warnings.push({ code: 'BILL_INVALID', message: `${g.noteRows} row(s) with no amount and no code were read as notes or section headings, not charges`, location: { file: layout.file } });
  }
  const sk = g.skipped;
  const skippedText = [
    sk.subtotal ? `${sk.subtotal} subtotal row(s)` : '',
    sk['balance-forward'] ? `${sk['balance-forward']} previous-balance row(s)` : '',
    sk.transfer ? `${sk.transfer} balance-transfer row(s)` : '',
  ].filter(Boolean);
  if (skippedText.length > 0) {
    warnings.push({ code: 'BILL_INVALID', message: `${skippedText.join(', ')} were skipped: they are not charges of this bill and are not in its totals`, location: { file: layout.file } });
  }
  if (fileTotals > 0) {
    warnings.push({ code: 'BILL_INVALID', message: `${fileTotals} file-level total row(s) in a grouped file were not checked (totals are checked per claim)`, location: { file: layout.file } });
  }
  const bill: RawBill = { path: layout.file, format: layout.format, lines: g.lines, statedTotals: g.statedTotals, facts: {}, mapped: layout.mapped, unused: layout.unused, warnings };
  if (g.claim !== undefined) bill.claim = g.claim;
  return bill;
}

/**
 * Parses a whole delimited text into one raw bill per claim (one when `groupBy` is not given),
 * in the order claims first appear. Throws {@link BillError} naming the file and row when the
 * text is empty, has no recognisable header, has broken quoting, or has no item rows.
 */
export function readCsv(input: string, opts: CsvOptions): RawBill[] {
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  if (text.trim() === '') throw new BillError('the file is empty: expected a header row and item rows', { file: opts.file });
  const delimiter = detectDelimiter(text);
  const scan = scanCsv(text, delimiter, true);
  if (scan.error) throw new BillError(scan.error.message, { file: opts.file, row: rowAt(text, scan.error.offset, 1) });
  const records = csvRecords(applyFixes(text, scan.fixes), delimiter, 1, scan.quoted);
  const { layout, headerAt } = detectCsvLayout(records, delimiter, opts);
  const groups: CsvGroup[] = [];
  const grouper = new CsvGrouper(layout, (g) => groups.push(g));
  for (let i = headerAt + 1; i < records.length; i++) {
    const r = records[i] as CsvRecord;
    grouper.add(r.record, r.row);
  }
  grouper.finish();
  // Claims that reappear later in the file are merged into their first group (a whole text is in memory here).
  const merged: CsvGroup[] = [];
  const byClaim = new Map<string, CsvGroup>();
  for (const g of groups) {
    const prev = g.claim !== undefined ? byClaim.get(g.claim) : undefined;
    if (prev) {
      for (const l of g.lines) prev.lines.push({ ...l, position: prev.lines.length + 1 });
      prev.statedTotals.push(...g.statedTotals);
      prev.noteRows += g.noteRows;
      for (const k of ['subtotal', 'balance-forward', 'transfer'] as const) prev.skipped[k] += g.skipped[k];
      continue;
    }
    if (g.claim !== undefined) byClaim.set(g.claim, g);
    merged.push(g);
  }
  const items = merged.filter((g) => g.lines.length > 0);
  if (items.length === 0) throw new BillError('the file has a header but no item rows', { file: opts.file, row: layout.headerRow });
  return items.map((g) => groupToRawBill(g, layout, grouper.fileTotals));
}
