/**
 * Streaming reader of hospital price transparency machine-readable files (45 CFR 180.50),
 * versions 2.x and 3.0, in the three CMS layouts (formats.md §3): tall CSV (one row per item
 * and payer/plan), wide CSV (one row per item, payer and plan in the column names) and JSON
 * (`standard_charge_information[]`). Real files reach gigabytes, so nothing is held whole: CSV
 * text is cut into chunks of complete records (parsed with papaparse, the CSV parser CMS's
 * validator uses), JSON goes through @streamparser/json (the parser CMS's own validator uses) one
 * `standard_charge_information` element at a time, numbers kept as their digits. Memory holds
 * one chunk and the items kept.
 *
 * What is kept is up to the caller: the items carrying some codes (the codes of the bills
 * being audited), and the rates of one payer, of every payer, or of none. A CSV chunk that
 * contains none of the wanted codes is skipped without being parsed.
 *
 * The reader is strict about what it uses (code types, settings, modifiers, billing class,
 * amounts): a bad value is a {@link DataError} naming the file, the row (CSV) or JSON pointer,
 * and the column or key. It ignores what it does not use (descriptions, notes, contract
 * provisions). Whether a file follows the CMS schema in full is `medbill prices validate`.
 */
import { TextDecoder } from 'node:util';
import { DataError } from '../errors.js';
import { canonical, isPositive, matchesPayer, parseDecimal, payerKey, revenueCodeKey, type PayerChoice, type PriceFileInfo, type PriceItem, type PriceLayout, type PriceRate, type PriceSetting } from './model.js';

/** Code types of the CMS templates (formats.md §3.2; v3.0 adds CMG and MS-LTC-DRG). */
export const CODE_TYPES = ['CPT', 'NDC', 'HCPCS', 'RC', 'ICD', 'DRG', 'MS-DRG', 'R-DRG', 'S-DRG', 'APS-DRG', 'AP-DRG', 'APR-DRG', 'APC', 'LOCAL', 'EAPG', 'HIPPS', 'CDT', 'CDM', 'TRIS-DRG', 'CMG', 'MS-LTC-DRG'] as const;
const TYPE_SET: ReadonlySet<string> = new Set(CODE_TYPES);

/** Which rates to keep: every payer's (an import), none (only the standard charges), or one payer's (`--payer`). */
export type KeepRates = 'all' | 'none' | PayerChoice;

/** Options of {@link readPriceFile}. */
export interface ReadPriceOptions {
  /** The file as the user named it, for messages. */
  label: string;
  /**
   * Keep only items carrying one of these codes: CPT/HCPCS codes upper-cased, revenue codes
   * as four digits (`0450`). Undefined: keep every item.
   */
  codes?: ReadonlySet<string>;
  keepRates: KeepRates;
  /** Called with each item kept, in file order. */
  onItem(item: PriceItem): void;
  /** Called once the file's own header (CSV rows 1-2) has been read; JSON files call it at the end. */
  onInfo?(info: PriceFileInfo): void;
}

/** What a read found. */
export interface PriceReadResult {
  info: PriceFileInfo;
  /** Items read (before the code filter) and kept. */
  itemsRead: number;
  itemsKept: number;
  /** Distinct payer names seen (up to 500), to say which exist when `--payer` names none of them. */
  payers: string[];
  /** True when some rate of the chosen payer was seen. */
  payerSeen: boolean;
}

/**
 * The bytes of a file, read into one reused buffer (64 KB): memory stays flat however large
 * the file, because no chunk outlives the next read. Each chunk must be used before the next
 * is asked for ({@link readPriceFile} decodes or parses it at once). Throws `IoError` (via
 * `fail`) when the file cannot be read.
 */
export async function* fileChunks(path: string, fail: (err: NodeJS.ErrnoException) => never, size = 64 * 1024): AsyncGenerator<Uint8Array> {
  const { open } = await import('node:fs/promises');
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    fail(err as NodeJS.ErrnoException);
  }
  try {
    const buf = Buffer.allocUnsafe(size);
    for (;;) {
      let n: number;
      try {
        n = (await handle.read(buf, 0, size, null)).bytesRead;
      } catch (err) {
        return fail(err as NodeJS.ErrnoException);
      }
      if (n === 0) return;
      yield buf.subarray(0, n);
    }
  } finally {
    await handle.close();
  }
}

/** The start of a file, to tell its kind: a CSV price file names `hospital_name` in its first row; a JSON one is an object with price-file keys. */
export function looksLikePriceFile(head: string): 'csv' | 'json' | undefined {
  const text = head.replace(/^\ufeff/, '').trimStart();
  if (text.startsWith('{')) return /"(standard_charge_information|hospital_name|last_updated_on)"\s*:/.test(text) ? 'json' : undefined;
  const first = (text.split(/\r?\n|\r/, 1)[0] ?? '').toLowerCase();
  return first.includes('hospital_name') && (first.includes('last_updated_on') || first.includes('version')) ? 'csv' : undefined;
}

/** Decodes bytes to text: UTF-8 (BOM dropped), or UTF-16 when the file starts with its BOM. */
async function* decode(bytes: AsyncIterable<Uint8Array | string>): AsyncGenerator<string> {
  let decoder: TextDecoder | undefined;
  let first = true;
  for await (const chunk of bytes) {
    const buf = typeof chunk === 'string' ? new TextEncoder().encode(chunk) : chunk;
    if (!decoder) decoder = new TextDecoder(buf[0] === 0xff && buf[1] === 0xfe ? 'utf-16le' : buf[0] === 0xfe && buf[1] === 0xff ? 'utf-16be' : 'utf-8');
    let text = decoder.decode(buf, { stream: true });
    if (first && text !== '') {
      text = text.replace(/^\ufeff/, '');
      first = false;
    }
    if (text !== '') yield text;
  }
  const tail = decoder?.decode() ?? '';
  if (tail !== '') yield tail;
}

const fail = (label: string, where: { row?: number; pointer?: string }, field: string, message: string): never => {
  throw new DataError(`${field}: ${message}`, { file: label, ...(where.row !== undefined ? { row: where.row } : {}), ...(where.pointer !== undefined ? { pointer: where.pointer } : {}), field });
};

/**
 * An amount in dollars from a price file: a bare number (`1200`, `0.75`; `$` and thousands
 * separators are tolerated). Blank, zero and the "nine nines" placeholder (999999999, which
 * CMS's validator flags) are no amount. Anything else is an error.
 */
function money(value: unknown, label: string, where: { row?: number; pointer?: string }, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  const s = String(value).trim();
  if (s === '') return undefined;
  const d = parseDecimal(s);
  if (!d) return fail(label, where, field, `expected an amount in dollars such as 1200 or 0.75, got "${s.slice(0, 40)}"`);
  if (!isPositive(d) || /^9{9}(\.0*)?$/.test(s)) return undefined;
  return canonical(d);
}

function percentage(value: unknown, label: string, where: { row?: number; pointer?: string }, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  const s = String(value).trim().replace(/%$/, '');
  if (s === '') return undefined;
  const d = parseDecimal(s);
  if (!d) return fail(label, where, field, `expected a percentage such as 70.5, got "${s.slice(0, 40)}"`);
  return canonical(d);
}

function codeOf(code: string, type: string): { code: string; type: string } {
  const t = type.trim().toUpperCase();
  let c = code.trim();
  if (t === 'CPT' || t === 'HCPCS') c = c.toUpperCase();
  if (t === 'RC') c = revenueCodeKey(c);
  return { code: c, type: t };
}

function settingOf(value: string, label: string, where: { row?: number; pointer?: string }, field: string): PriceSetting {
  const s = value.trim().toLowerCase();
  if (s === 'inpatient' || s === 'outpatient' || s === 'both') return s;
  return fail(label, where, field, `expected inpatient, outpatient or both, got "${value.slice(0, 40)}"`);
}

function billingClassOf(value: string, label: string, where: { row?: number; pointer?: string }, field: string): PriceItem['billingClass'] {
  const s = value.trim().toLowerCase();
  if (s === '') return undefined;
  if (s === 'professional' || s === 'facility' || s === 'both') return s;
  return fail(label, where, field, `expected professional, facility or both, got "${value.slice(0, 40)}"`);
}

function modifiersOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.map((m) => String(m).trim().toUpperCase()).filter(Boolean);
  if (value === undefined || value === null) return [];
  return String(value)
    .split('|')
    .map((m) => m.trim().toUpperCase())
    .filter(Boolean);
}

function versionOk(v: string): boolean {
  return /^[23](\.\d+){0,2}$/.test(v.trim());
}

/** Keeps track of payers and applies the `keepRates` choice. */
class RateFilter {
  readonly payers = new Set<string>();
  seen = false;
  constructor(private readonly keep: KeepRates) {}
  /** Whether a payer's rates are read at all (the payer is still noted). */
  wants(payer: string, plan: string): boolean {
    if (this.payers.size < 500) this.payers.add(payer.trim());
    if (this.keep === 'all') return true;
    if (this.keep === 'none') return false;
    const ok = matchesPayer({ payer, plan }, this.keep);
    if (ok) this.seen = true;
    return ok;
  }
  take(rates: PriceRate[]): PriceRate[] {
    for (const r of rates) if (this.payers.size < 500) this.payers.add(r.payer);
    if (this.keep === 'all') return rates;
    if (this.keep === 'none') return [];
    const choice = this.keep;
    const out = rates.filter((r) => matchesPayer(r, choice));
    if (out.length > 0) this.seen = true;
    return out;
  }
}

/**
 * Reads a price file from a stream of its bytes, calling `onItem` for each item kept. Throws
 * {@link DataError} naming the file, row or pointer and field on a value it cannot use, on a
 * file that is not a price file, and on a version other than 2.x or 3.0.
 */
export async function readPriceFile(bytes: AsyncIterable<Uint8Array | string>, o: ReadPriceOptions): Promise<PriceReadResult> {
  const it = bytes[Symbol.asyncIterator]();
  let first = await it.next();
  const asBytes = (c: Uint8Array | string) => (typeof c === 'string' ? new TextEncoder().encode(c) : c);
  while (!first.done && asBytes(first.value).length === 0) first = await it.next();
  if (first.done) throw new DataError(`${o.label} is empty: expected a hospital price file (CSV or JSON)`, { file: o.label });
  const head = asBytes(first.value);
  const all = (async function* () {
    yield head;
    for (let n = await it.next(); !n.done; n = await it.next()) yield n.value;
  })();
  const utf16 = (head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff);
  if (utf16) {
    const texts = decode(all)[Symbol.asyncIterator]();
    const t = await texts.next();
    const text = t.done ? '' : t.value;
    const rest = (async function* () {
      yield text;
      for (let n = await texts.next(); !n.done; n = await texts.next()) yield n.value;
    })();
    return text.trimStart().startsWith('{') ? readJson(rest, o) : readCsv(rest, o);
  }
  // UTF-8 (BOM dropped): JSON goes to the parser as bytes, CSV as text.
  let at = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
  while (at < head.length && (head[at] === 0x20 || head[at] === 0x09 || head[at] === 0x0a || head[at] === 0x0d)) at++;
  if (head[at] === 0x7b) {
    const body = (async function* () {
      let firstChunk = true;
      for await (const c of all) {
        const b = asBytes(c);
        if (firstChunk) {
          firstChunk = false;
          yield b.subarray(head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0);
        } else yield b;
      }
    })();
    return readJson(body, o);
  }
  const texts = decode(all)[Symbol.asyncIterator]();
  const t = await texts.next();
  const text = t.done ? '' : t.value;
  if (looksLikePriceFile(text.slice(0, 65536)) !== 'csv') {
    throw new DataError(`${o.label} is not a hospital price file in a CMS layout: its first row does not name hospital_name, last_updated_on and version (formats.md §3.2), and it is not a JSON object`, { file: o.label, row: 1 });
  }
  const rest = (async function* () {
    yield text;
    for (let n = await texts.next(); !n.done; n = await texts.next()) yield n.value;
  })();
  return readCsv(rest, o);
}

// --- CSV -----------------------------------------------------------------------------------

const norm = (h: string) => h.trim().toLowerCase().replace(/\s*\|\s*/g, '|');

interface WideGroup {
  payer: string;
  plan: string;
  cols: Partial<Record<'dollar' | 'percentage' | 'algorithm' | 'methodology' | 'median' | 'p10' | 'p90', number>>;
}

interface CsvColumns {
  codes: Array<{ code: number; type: number; name: string }>;
  setting: number;
  modifiers: number;
  billingClass: number;
  drugUnit: number;
  drugType: number;
  gross: number;
  cash: number;
  min: number;
  max: number;
  tall?: { payer: number; plan: number; dollar: number; percentage: number; algorithm: number; methodology: number; median: number; p10: number; p90: number };
  wide?: WideGroup[];
  names: string[];
}

function columnsOf(header: string[], label: string, row: number): CsvColumns {
  const names = header.map(norm);
  const at = (n: string) => names.indexOf(n);
  const codes: CsvColumns['codes'] = [];
  names.forEach((n, i) => {
    const m = /^code\|(\d+)$/.exec(n);
    if (m) {
      const type = at(`code|${m[1]}|type`);
      if (type < 0) fail(label, { row }, `code|${m[1]}|type`, `the header has code|${m[1]} but no code|${m[1]}|type column`);
      codes.push({ code: i, type, name: `code|${m[1]}` });
    }
  });
  if (codes.length === 0 || at('setting') < 0) {
    throw new DataError(`row ${row} is not the item header of a CMS price file: it needs code|1, code|1|type and setting columns (formats.md §3.2), got ${header.slice(0, 6).join(', ')}…`, { file: label, row });
  }
  const cols: CsvColumns = {
    codes,
    setting: at('setting'),
    modifiers: at('modifiers'),
    billingClass: at('billing_class'),
    drugUnit: at('drug_unit_of_measurement'),
    drugType: at('drug_type_of_measurement'),
    gross: at('standard_charge|gross'),
    cash: at('standard_charge|discounted_cash'),
    min: at('standard_charge|min'),
    max: at('standard_charge|max'),
    names,
  };
  if (at('payer_name') >= 0) {
    cols.tall = {
      payer: at('payer_name'),
      plan: at('plan_name'),
      dollar: at('standard_charge|negotiated_dollar'),
      percentage: at('standard_charge|negotiated_percentage'),
      algorithm: at('standard_charge|negotiated_algorithm'),
      methodology: at('standard_charge|methodology'),
      median: at('median_amount'),
      p10: at('10th_percentile'),
      p90: at('90th_percentile'),
    };
    return cols;
  }
  // Wide: payer and plan sit inside the column names, as written (case kept).
  const groups = new Map<string, WideGroup>();
  const group = (payer: string, plan: string) => {
    const key = `${payerKey(payer)}\u0000${payerKey(plan)}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { payer, plan, cols: {} }));
    return g;
  };
  header.forEach((raw, i) => {
    const parts = raw.split('|').map((p) => p.trim());
    const head = (parts[0] ?? '').toLowerCase();
    if (head === 'standard_charge' && parts.length === 4) {
      const field = (parts[3] ?? '').toLowerCase();
      const key = ({ negotiated_dollar: 'dollar', negotiated_percentage: 'percentage', negotiated_algorithm: 'algorithm', methodology: 'methodology' } as const)[field as 'methodology'];
      if (key) group(parts[1] as string, parts[2] as string).cols[key] = i;
    } else if (parts.length === 3 && ['median_amount', '10th_percentile', '90th_percentile'].includes(head)) {
      const key = head === 'median_amount' ? 'median' : head === '10th_percentile' ? 'p10' : 'p90';
      group(parts[1] as string, parts[2] as string).cols[key] = i;
    }
  });
  cols.wide = [...groups.values()];
  return cols;
}

/** The regular expression a CSV chunk must match to hold one of `codes` as a cell; undefined for no filter. */
function chunkFilter(codes: ReadonlySet<string> | undefined): RegExp | undefined {
  if (!codes || codes.size === 0) return undefined;
  const alts = new Set<string>();
  for (const c of codes) {
    const esc = c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    alts.add(/^0\d{3}$/.test(c) ? `0?${esc.slice(1)}` : esc);
  }
  return new RegExp(`(?:^|[,|])[ \\t]*"?[ \\t]*(?:${[...alts].join('|')})[ \\t]*"?[ \\t]*(?=[,|\\r\\n]|$)`, 'im');
}

/**
 * Line ends become LF (CRLF, and the lone CR of old Mac exports), so that a file with mixed
 * line ends reads as one: every record ends with LF and physical rows are counted by it. A CR
 * at a chunk's end waits for the next chunk.
 */
async function* lineEnds(texts: AsyncIterable<string>): AsyncGenerator<string> {
  let held = '';
  for await (const t of texts) {
    let text = held + t;
    held = '';
    if (text.endsWith('\r')) {
      held = '\r';
      text = text.slice(0, -1);
    }
    if (text.includes('\r')) text = text.replace(/\r\n?/g, '\n');
    if (text !== '') yield text;
  }
  if (held) yield '\n';
}

/** Text read before it is parsed (complete records only): small, so that each piece of text is a young-generation string, collected at once. */
const CHUNK = 64 * 1024;
/** A record longer than this is a quote that never closes (a broken file), not a record. */
const MAX_RECORD = 64 << 20;

/** Offset just past the last line end outside double quotes (0 when none): where the complete records of `text` end. */
function recordsEnd(text: string): number {
  let quoted = false;
  let last = 0;
  let i = 0;
  for (;;) {
    const q = text.indexOf('"', i);
    if (!quoted) {
      const nl = text.lastIndexOf('\n', (q < 0 ? text.length : q) - 1);
      if (nl >= i) last = nl + 1;
      if (q < 0) return last;
    } else if (q < 0) return last;
    // An escaped quote ("") toggles twice: no net change.
    quoted = !quoted;
    i = q + 1;
  }
}

function countRows(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

type Papa = typeof import('papaparse');

/** Parses complete records (papaparse, RFC 4180) and numbers the physical row each starts on. Throws {@link DataError} on a quoting error. */
function parseRecords(papa: Papa, text: string, firstRow: number, label: string): Array<{ record: string[]; row: number }> {
  const r = papa.parse<string[]>(text, { delimiter: ',', newline: '\n', quoteChar: '"', skipEmptyLines: false });
  const out: Array<{ record: string[]; row: number }> = [];
  let row = firstRow;
  const quoteError = r.errors.find((e) => e.type === 'Quotes');
  r.data.forEach((record, i) => {
    if (quoteError && (quoteError.row === undefined || quoteError.row <= i)) {
      throw new DataError(`a quoted cell is malformed: ${quoteError.message.replace(/\.$/, '').toLowerCase()} (a " with no closing ", or text after a closing ")`, { file: label, row });
    }
    const start = row;
    row++;
    for (const cell of record) for (let k = cell.indexOf('\n'); k >= 0; k = cell.indexOf('\n', k + 1)) row++;
    if (record.length === 1 && (record[0] as string).trim() === '') return;
    out.push({ record, row: start });
  });
  return out;
}

/** `last_updated_on` as ISO: `2026-04-01` stays, `4/1/2026` (M/D/YYYY, which the CMS templates accept) becomes `2026-04-01`. */
function isoDate(s: string): string {
  const m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(s.trim());
  return m ? `${m[3]}-${(m[1] as string).padStart(2, '0')}-${(m[2] as string).padStart(2, '0')}` : s.trim();
}

async function readCsv(texts: AsyncIterable<string>, o: ReadPriceOptions): Promise<PriceReadResult> {
  const papa = (await import('papaparse')).default as unknown as Papa;
  const it = lineEnds(texts)[Symbol.asyncIterator]();
  let buf = '';
  let eof = false;
  const more = async () => {
    if (eof) return false;
    const n = await it.next();
    if (n.done) {
      eof = true;
      return false;
    }
    buf += n.value;
    return true;
  };
  // The first three records: the file's header, its values, the item header.
  let head: Array<{ record: string[]; row: number }> = [];
  for (;;) {
    // The first records only (a first chunk may hold thousands).
    const end = eof ? buf.length : recordsEnd(buf);
    head = parseRecords(papa, buf.slice(0, recordsEnd(buf.slice(0, 1 << 18)) || end), 1, o.label);
    if (head.length >= 4 || eof) break;
    if (buf.length > MAX_RECORD) throw new DataError('a quoted cell is never closed (a " with no closing ")', { file: o.label, row: 1 });
    await more();
  }
  const [general, values, items] = head as [{ record: string[]; row: number } | undefined, { record: string[]; row: number } | undefined, { record: string[]; row: number } | undefined];
  if (!general || !values || !items) throw new DataError(`${o.label} ends before its item header (row 3): a CMS price file has the file's headers in row 1, their values in row 2 and the item headers in row 3`, { file: o.label });
  const meta = new Map<string, string>();
  general.record.forEach((h, i) => meta.set(norm(h), (values.record[i] ?? '').trim()));
  const version = meta.get('version') ?? '';
  if (!meta.has('version')) throw new DataError(`row 1 has no version column: a CMS price file names hospital_name, last_updated_on, version, … in row 1 (formats.md §3.2)`, { file: o.label, row: 1 });
  if (!versionOk(version)) throw new DataError(`version: medbill reads price files of versions 2.x and 3.0 (the CMS templates), got "${version}"`, { file: o.label, row: values.row, field: 'version' });
  const cols = columnsOf(items.record, o.label, items.row);
  const layout: PriceLayout = cols.tall ? 'tall-csv' : 'wide-csv';
  const info = fileInfo(o.label, layout, meta.get('hospital_name'), meta.get('last_updated_on'), version, meta.get('location_name') ?? meta.get('hospital_location'), meta.get('type_2_npi'));
  o.onInfo?.(info);

  const rates = new RateFilter(o.keepRates);
  const filter = chunkFilter(o.codes);
  let read = 0;
  let kept = 0;
  let pending: { key: string; item: PriceItem } | undefined;
  const flush = () => {
    if (!pending) return;
    const item = pending.item;
    pending = undefined;
    if (o.codes && !item.codes.some((c) => o.codes?.has(c.code))) return;
    item.rates = rates.take(item.rates);
    kept++;
    o.onItem(item);
  };
  const wantRate = rates.wants.bind(rates);
  const onRecord = (record: string[], row: number) => {
    if (record.every((c) => c.trim() === '')) return;
    if (cols.tall) {
      // Tall rows repeat an item's standard charges once per payer and plan: consecutive rows
      // of the same item (the same cells but the payer's) are one item; only their rates are read.
      const key = rawKey(record, cols);
      if (pending && pending.key === key) {
        const rate = tallRate(record, row, cols, o.label, wantRate);
        if (rate) pending.item.rates.push(rate);
        return;
      }
      const parsed = itemOf(record, row, cols, o.label, wantRate);
      flush();
      if (!parsed) return;
      read++;
      pending = { key, item: parsed };
      return;
    }
    const parsed = itemOf(record, row, cols, o.label, wantRate);
    if (!parsed) return;
    read++;
    pending = { key: '', item: parsed };
    flush();
  };

  // Rows after the item header: the fourth record on.
  let row = head[3]?.row ?? items.row + 1 + countRows(items.record.join('\n')) - (items.record.length - 1);
  buf = buf.slice(offsetOfRow(buf, row));
  for (;;) {
    while (!eof && buf.length < CHUNK) await more();
    const end = eof ? buf.length : recordsEnd(buf);
    if (end === 0 && !eof) {
      if (buf.length > MAX_RECORD) throw new DataError('a quoted cell is never closed (a " with no closing ")', { file: o.label, row });
      await more();
      continue;
    }
    const text = buf.slice(0, end);
    buf = buf.slice(end);
    if (text !== '') {
      // No wanted code in this chunk: count its rows, parse nothing (an item in progress ends here).
      if (filter && !filter.test(text)) flush();
      else for (const r of parseRecords(papa, text, row, o.label)) onRecord(r.record, r.row);
      row += countRows(text) + (text.endsWith('\n') ? 0 : 1);
    }
    if (eof && buf === '') break;
  }
  flush();
  return { info, itemsRead: read, itemsKept: kept, payers: [...rates.payers], payerSeen: rates.seen };
}

function offsetOfRow(text: string, row: number): number {
  let off = 0;
  for (let r = 1; r < row; r++) {
    const i = text.indexOf('\n', off);
    if (i < 0) return text.length;
    off = i + 1;
  }
  return off;
}

/** The cells of a tall row that say which item it is (all but the payer's). */
function rawKey(record: string[], cols: CsvColumns): string {
  const cell = (i: number) => (i >= 0 ? (record[i] ?? '').trim() : '');
  let key = '';
  for (const c of cols.codes) key += `${cell(c.code)}\u0001${cell(c.type)}\u0001`;
  for (const i of [cols.setting, cols.modifiers, cols.billingClass, cols.drugUnit, cols.drugType, cols.gross, cols.cash, cols.min, cols.max]) key += `${cell(i)}\u0001`;
  return key;
}

/** The payer's rate of a tall row, when that payer's rates are kept (the amounts of others are not read). */
function tallRate(record: string[], row: number, cols: CsvColumns, label: string, want: (payer: string, plan: string) => boolean): PriceRate | undefined {
  const t = cols.tall as NonNullable<CsvColumns['tall']>;
  const cell = (i: number) => (i >= 0 ? (record[i] ?? '').trim() : '');
  const payer = cell(t.payer);
  if (payer === '' || !want(payer, cell(t.plan))) return undefined;
  return rateOf(
    payer,
    cell(t.plan),
    { dollar: cell(t.dollar), percentage: cell(t.percentage), algorithm: cell(t.algorithm), methodology: cell(t.methodology), median: cell(t.median), p10: cell(t.p10), p90: cell(t.p90) },
    (field) => cols.names[field === 'dollar' ? t.dollar : field === 'percentage' ? t.percentage : field === 'median' ? t.median : field === 'p10' ? t.p10 : t.p90] ?? field,
    label,
    { row },
  );
}

function itemOf(record: string[], row: number, cols: CsvColumns, label: string, want: (payer: string, plan: string) => boolean): PriceItem | undefined {
  const where = { row };
  const cell = (i: number) => (i >= 0 ? (record[i] ?? '').trim() : '');
  const codes: PriceItem['codes'] = [];
  for (const c of cols.codes) {
    const code = cell(c.code);
    const type = cell(c.type);
    if (code === '' && type === '') continue;
    if (code === '') fail(label, where, c.name, `the row has a code type (${type}) but no code`);
    if (type === '') fail(label, where, `${c.name}|type`, `the row has code ${code} but no code type`);
    if (!TYPE_SET.has(type.toUpperCase())) fail(label, where, `${c.name}|type`, `unknown code type "${type.slice(0, 40)}" (the CMS types: ${CODE_TYPES.join(', ')})`);
    codes.push(codeOf(code, type));
  }
  // Rows without a code (a modifier's payment adjustment, formats.md §3.2) price no item.
  if (codes.length === 0) return undefined;
  const item: PriceItem = {
    codes,
    setting: settingOf(cell(cols.setting), label, where, 'setting'),
    modifiers: modifiersOf(cell(cols.modifiers)),
    rates: [],
    row,
  };
  const bc = billingClassOf(cell(cols.billingClass), label, where, 'billing_class');
  if (bc) item.billingClass = bc;
  if (cell(cols.drugUnit)) item.drugUnit = cell(cols.drugUnit);
  if (cell(cols.drugType)) item.drugType = cell(cols.drugType).toUpperCase();
  const set = (key: 'gross' | 'cash' | 'min' | 'max', col: number) => {
    const v = money(cell(col), label, where, cols.names[col] ?? key);
    if (v !== undefined) item[key] = v;
  };
  set('gross', cols.gross);
  set('cash', cols.cash);
  set('min', cols.min);
  set('max', cols.max);
  if (cols.tall) {
    const rate = tallRate(record, row, cols, label, want);
    if (rate) item.rates.push(rate);
  } else {
    for (const g of cols.wide ?? []) {
      if (!want(g.payer, g.plan)) continue;
      const v = (k: keyof WideGroup['cols']) => (g.cols[k] !== undefined ? cell(g.cols[k] as number) : '');
      const rate = rateOf(
        g.payer,
        g.plan,
        { dollar: v('dollar'), percentage: v('percentage'), algorithm: v('algorithm'), methodology: v('methodology'), median: v('median'), p10: v('p10'), p90: v('p90') },
        (field) => cols.names[g.cols[field as keyof WideGroup['cols']] ?? -1] ?? field,
        label,
        where,
      );
      if (rate) item.rates.push(rate);
    }
  }
  return item;
}

type RawRate = { dollar: unknown; percentage: unknown; algorithm: unknown; methodology: unknown; median: unknown; p10: unknown; p90: unknown };

function rateOf(payer: string, plan: string, raw: RawRate, column: (field: string) => string, label: string, where: { row?: number; pointer?: string }): PriceRate | undefined {
  const rate: PriceRate = { payer: payer.trim(), plan: plan.trim() };
  const dollar = money(raw.dollar, label, where, column('dollar'));
  if (dollar !== undefined) rate.dollar = dollar;
  const pct = percentage(raw.percentage, label, where, column('percentage'));
  if (pct !== undefined) rate.percentage = pct;
  if (raw.algorithm !== undefined && raw.algorithm !== null && String(raw.algorithm).trim() !== '') rate.algorithm = true;
  const median = money(raw.median, label, where, column('median'));
  if (median !== undefined) rate.median = median;
  const p10 = money(raw.p10, label, where, column('p10'));
  if (p10 !== undefined) rate.p10 = p10;
  const p90 = money(raw.p90, label, where, column('p90'));
  if (p90 !== undefined) rate.p90 = p90;
  const methodology = raw.methodology === undefined || raw.methodology === null ? '' : String(raw.methodology).trim();
  if (methodology) rate.methodology = methodology.toLowerCase();
  if (rate.dollar === undefined && rate.percentage === undefined && !rate.algorithm && rate.median === undefined) return undefined;
  return rate;
}

function fileInfo(label: string, layout: PriceLayout, hospital: unknown, updated: unknown, version: string, locations: unknown, npis: unknown): PriceFileInfo {
  const info: PriceFileInfo = { label, version: version.trim(), layout, origin: 'file' };
  if (typeof hospital === 'string' && hospital.trim()) info.hospital = hospital.trim();
  if (typeof updated === 'string' && updated.trim()) info.lastUpdated = isoDate(updated);
  const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : typeof v === 'string' ? v.split('|') : []).map((s) => s.trim()).filter(Boolean);
  const loc = list(locations);
  if (loc.length > 0) info.locations = loc;
  const n = list(npis);
  if (n.length > 0) info.npis = n;
  return info;
}

// --- JSON ----------------------------------------------------------------------------------

type Json = string | number | boolean | null | Json[] | { [k: string]: Json };

async function readJson(texts: AsyncIterable<Uint8Array | string>, o: ReadPriceOptions): Promise<PriceReadResult> {
  const { JSONParser } = await import('@streamparser/json');
  const parser = new JSONParser({
    paths: ['$.hospital_name', '$.last_updated_on', '$.version', '$.location_name', '$.hospital_location', '$.type_2_npi', '$.standard_charge_information.*'],
    keepStack: false,
  });
  // Numbers stay as their digits: amounts are parsed as decimals, never as floats.
  (parser as unknown as { tokenizer: { parseNumber: (s: string) => unknown } }).tokenizer.parseNumber = (s: string) => s;
  const meta: Record<string, Json> = {};
  const rates = new RateFilter(o.keepRates);
  let read = 0;
  let kept = 0;
  let failure: unknown;
  parser.onValue = ({ value, key, stack }) => {
    if (failure) return;
    try {
      const parentKey = stack.length > 0 ? stack[stack.length - 1]?.key : undefined;
      if (typeof key === 'number' && parentKey === 'standard_charge_information') {
        // An element none of whose codes is wanted is not built into items at all.
        if (o.codes && !wanted(value as Json, o.codes)) {
          read++;
          return;
        }
        for (const item of jsonItems(value as Json, key, o.label)) {
          read++;
          if (o.codes && !item.codes.some((c) => o.codes?.has(c.code))) continue;
          item.rates = rates.take(item.rates);
          kept++;
          o.onItem(item);
        }
      } else if (typeof key === 'string') meta[key] = value as Json;
    } catch (err) {
      failure = err;
    }
  };
  parser.onError = (err) => {
    failure ??= err;
  };
  try {
    for await (const text of texts) {
      parser.write(text);
      if (failure) break;
    }
    if (!failure && !parser.isEnded) parser.end();
  } catch (err) {
    failure ??= err;
  }
  if (failure) {
    if (failure instanceof DataError) throw failure;
    throw new DataError(`not valid JSON: ${(failure as Error).message ?? String(failure)}`, { file: o.label });
  }
  const version = typeof meta.version === 'string' ? meta.version : meta.version === undefined ? '' : String(meta.version);
  if (!version) throw new DataError('the JSON price file has no "version" (formats.md §3.3)', { file: o.label, pointer: '/version', field: 'version' });
  if (!versionOk(version)) throw new DataError(`version: medbill reads price files of versions 2.x and 3.0 (the CMS templates), got "${version}"`, { file: o.label, pointer: '/version', field: 'version' });
  const info = fileInfo(o.label, 'json', meta.hospital_name, meta.last_updated_on, version, meta.location_name ?? meta.hospital_location, meta.type_2_npi);
  o.onInfo?.(info);
  return { info, itemsRead: read, itemsKept: kept, payers: [...rates.payers], payerSeen: rates.seen };
}

/** True when some code of a `standard_charge_information` element is wanted (malformed elements are left to {@link jsonItems} to report). */
function wanted(value: Json, codes: ReadonlySet<string>): boolean {
  const info = value && typeof value === 'object' && !Array.isArray(value) ? value.code_information : undefined;
  if (!Array.isArray(info)) return true;
  return info.some((c) => {
    if (!c || typeof c !== 'object' || Array.isArray(c)) return true;
    const code = c.code === undefined || c.code === null ? '' : String(c.code).trim();
    return codes.has(code) || codes.has(code.toUpperCase()) || codes.has(revenueCodeKey(code));
  });
}

function jsonItems(value: Json, index: number, label: string): PriceItem[] {
  const base = `/standard_charge_information/${index}`;
  if (!value || typeof value !== 'object' || Array.isArray(value)) return fail(label, { pointer: base }, 'standard_charge_information', 'expected an object');
  const codeInfo = value.code_information;
  if (!Array.isArray(codeInfo)) return fail(label, { pointer: `${base}/code_information` }, 'code_information', 'expected a list of { code, type }');
  const codes: PriceItem['codes'] = [];
  codeInfo.forEach((c, i) => {
    const where = { pointer: `${base}/code_information/${i}` };
    if (!c || typeof c !== 'object' || Array.isArray(c)) return fail(label, where, 'code_information', 'expected { code, type }');
    const code = c.code === undefined || c.code === null ? '' : String(c.code).trim();
    const type = c.type === undefined || c.type === null ? '' : String(c.type).trim();
    if (code === '') fail(label, where, 'code', 'missing code');
    if (!TYPE_SET.has(type.toUpperCase())) fail(label, where, 'type', `unknown code type "${type.slice(0, 40)}" (the CMS types: ${CODE_TYPES.join(', ')})`);
    codes.push(codeOf(code, type));
  });
  if (codes.length === 0) return [];
  const drug = value.drug_information && typeof value.drug_information === 'object' && !Array.isArray(value.drug_information) ? value.drug_information : undefined;
  const charges = value.standard_charges;
  if (!Array.isArray(charges)) return fail(label, { pointer: `${base}/standard_charges` }, 'standard_charges', 'expected a list');
  return charges.map((sc, j) => {
    const pointer = `${base}/standard_charges/${j}`;
    const where = { pointer };
    if (!sc || typeof sc !== 'object' || Array.isArray(sc)) return fail(label, where, 'standard_charges', 'expected an object');
    const item: PriceItem = {
      codes: codes.map((c) => ({ ...c })),
      setting: settingOf(String(sc.setting ?? ''), label, { pointer: `${pointer}/setting` }, 'setting'),
      modifiers: modifiersOf(sc.modifier_code),
      rates: [],
      pointer,
    };
    const bc = billingClassOf(String(sc.billing_class ?? ''), label, { pointer: `${pointer}/billing_class` }, 'billing_class');
    if (bc) item.billingClass = bc;
    if (drug?.unit !== undefined && drug.unit !== null) item.drugUnit = String(drug.unit);
    if (drug?.type !== undefined && drug.type !== null) item.drugType = String(drug.type).toUpperCase();
    const set = (key: 'gross' | 'cash' | 'min' | 'max', field: string) => {
      const v = money(sc[field], label, { pointer: `${pointer}/${field}` }, field);
      if (v !== undefined) item[key] = v;
    };
    set('gross', 'gross_charge');
    set('cash', 'discounted_cash');
    set('min', 'minimum');
    set('max', 'maximum');
    const payers = sc.payers_information;
    if (Array.isArray(payers)) {
      payers.forEach((p, k) => {
        if (!p || typeof p !== 'object' || Array.isArray(p)) return;
        const pw = { pointer: `${pointer}/payers_information/${k}` };
        const rate = rateOf(
          String(p.payer_name ?? ''),
          String(p.plan_name ?? ''),
          { dollar: p.standard_charge_dollar, percentage: p.standard_charge_percentage, algorithm: p.standard_charge_algorithm, methodology: p.methodology, median: p.median_amount, p10: p['10th_percentile'], p90: p['90th_percentile'] },
          (field) => ({ dollar: 'standard_charge_dollar', percentage: 'standard_charge_percentage', median: 'median_amount', p10: '10th_percentile', p90: '90th_percentile' })[field as 'dollar'] ?? field,
          label,
          pw,
        );
        if (rate && rate.payer !== '') item.rates.push(rate);
      });
    }
    return item;
  });
}
