/**
 * Reading CMS edit files as CMS ships them: a zip (holding an `.xlsx` and a tab-delimited
 * `.txt` or a `.csv`), the text file on its own, or the `.xlsx` on its own (formats.md §1).
 * A source is one table file, with its rows as cells of text and each row's number in the
 * file, so that errors can name the file and row. Zip via fflate, xlsx via read-excel-file.
 */
import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { DataError, IoError } from '../errors.js';

/** One table file: a file given by the user, or an entry of a zip the user gave. */
export interface Source {
  /** The file the user named. */
  file: string;
  /** The entry's name when the table came out of a zip (else undefined). */
  entry?: string;
  /** `file` or `file!entry`, for messages. */
  label: string;
  /** Lower-cased names to look for the kind and quarter in: the entry's and the file's. */
  names: string[];
  format: 'text' | 'xlsx';
  /** Text of a text source (BOM removed). */
  text?: string;
  /** Rows of an xlsx source (first sheet), each cell as text. */
  rows?: string[][];
}

/** One row of a source: its 1-based row number in the file and its cells, trimmed. */
export interface SourceRow {
  row: number;
  cells: string[];
}

const TEXT_EXTENSIONS = new Set(['.txt', '.csv', '.tsv', '.dat', '']);

function isZip(buf: Uint8Array): boolean {
  return buf.length >= 4 && buf[0] === 0x50 && buf[1] === 0x4b && buf[2] === 0x03 && buf[3] === 0x04;
}

/** An xlsx is itself a zip holding `xl/workbook.xml`. */
function isXlsxZip(entries: string[]): boolean {
  return entries.includes('xl/workbook.xml') || entries.includes('[Content_Types].xml');
}

function decodeText(buf: Uint8Array): string {
  // CMS text files are ASCII codes and dates with a copyright line that may be Windows-1252
  // (®): latin1 decoding never fails, and codes and dates read the same in either.
  let text = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).toString('latin1');
  if (text.startsWith('\u00ef\u00bb\u00bf')) text = text.slice(3);
  return text;
}

function cellText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? '' : v.toISOString().slice(0, 10).replace(/-/g, '');
  return String(v).trim();
}

async function xlsxRows(buf: Uint8Array, label: string, file: string): Promise<string[][]> {
  const { readSheet } = await import('read-excel-file/node');
  try {
    const data = await readSheet(Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength));
    return data.map((r) => r.map(cellText));
  } catch (err) {
    throw new DataError(`cannot read the spreadsheet ${label}: ${(err as Error).message}`, { file });
  }
}

/**
 * Reads one file the user named into its table sources: a zip gives one source per `.txt`,
 * `.csv` or `.xlsx` entry (other entries such as PDFs are ignored), an xlsx one source, any
 * other file one text source. Throws {@link IoError} when the file cannot be read and
 * {@link DataError} when a zip or spreadsheet is damaged or a zip holds no table.
 */
export async function readSources(file: string, shown: string = file): Promise<Source[]> {
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new IoError(`cannot read ${shown}: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  const own = basename(shown).toLowerCase();
  if (!isZip(buf)) {
    if (extname(own) === '.xlsx') throw new DataError(`${shown} is not a valid xlsx file (it is not a zip archive)`, { file: shown });
    return [{ file: shown, label: shown, names: [own], format: 'text', text: decodeText(buf) }];
  }
  const { unzipSync } = await import('fflate');
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(buf);
  } catch (err) {
    throw new DataError(`cannot open the zip archive ${shown}: ${(err as Error).message}`, { file: shown });
  }
  const names = Object.keys(entries);
  if (isXlsxZip(names)) return [{ file: shown, label: shown, names: [own], format: 'xlsx', rows: await xlsxRows(buf, shown, shown) }];
  const out: Source[] = [];
  for (const name of names.sort()) {
    const data = entries[name] as Uint8Array;
    const base = basename(name).toLowerCase();
    if (name.endsWith('/') || base.startsWith('.') || name.startsWith('__MACOSX/')) continue;
    const ext = extname(base);
    const label = `${shown}!${name}`;
    if (ext === '.xlsx') out.push({ file: shown, entry: name, label, names: [base, own], format: 'xlsx', rows: await xlsxRows(data, label, shown) });
    else if (TEXT_EXTENSIONS.has(ext)) out.push({ file: shown, entry: name, label, names: [base, own], format: 'text', text: decodeText(data) });
  }
  if (out.length === 0) throw new DataError(`the zip archive ${shown} holds no .txt, .csv or .xlsx table (entries: ${names.join(', ') || 'none'})`, { file: shown });
  return out;
}

function splitDelimited(line: string, delimiter: string): string[] {
  return line.split(delimiter).map((c) => {
    const t = c.trim();
    return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1).replace(/""/g, '"').trim() : t;
  });
}

/**
 * The rows of a source. Text is cut as `layout` says (by default: tab-delimited when it has
 * tabs, as the PTP `.txt`; else comma-separated, as the MUE `.csv`, whose quoted copyright
 * cell spans lines, parsed with csv-parse; else fixed-width, returned one cell per line for
 * the caller to cut). Row numbers are
 * physical 1-based lines (xlsx: spreadsheet rows). Throws {@link DataError} on malformed CSV.
 */
export function* sourceRows(source: Source, layout?: 'tab' | 'comma' | 'fixed'): Generator<SourceRow> {
  if (source.format === 'xlsx') {
    const rows = source.rows ?? [];
    for (let i = 0; i < rows.length; i++) yield { row: i + 1, cells: rows[i] as string[] };
    return;
  }
  const text = source.text ?? '';
  const head = text.slice(0, 65536);
  const mode = layout ?? (head.includes('\t') ? 'tab' : head.includes(',') ? 'comma' : 'fixed');
  if (mode !== 'comma') {
    const delimiter = mode === 'tab' ? '\t' : '\n';
    let start = 0;
    let row = 0;
    while (start <= text.length) {
      let end = text.indexOf('\n', start);
      if (end < 0) end = text.length;
      row++;
      let line = text.slice(start, end);
      if (line.endsWith('\r')) line = line.slice(0, -1);
      yield { row, cells: delimiter === '\n' ? [line] : splitDelimited(line, delimiter) };
      start = end + 1;
    }
    return;
  }
  yield* csvRows(text, source.label, source.file);
}

function* csvRows(text: string, label: string, file: string): Generator<SourceRow> {
  let records: Array<{ record: string[]; info: { lines: number } }>;
  try {
    records = parseCsv(text, { relax_column_count: true, relax_quotes: true, skip_empty_lines: false, trim: true, info: true }) as unknown as Array<{ record: string[]; info: { lines: number } }>;
  } catch (err) {
    const line = (err as { lines?: number }).lines;
    throw new DataError(`${label}: not a readable CSV file: ${(err as Error).message}`, { file, ...(line !== undefined ? { row: line } : {}) });
  }
  for (const r of records) yield { row: r.info.lines, cells: r.record };
}
