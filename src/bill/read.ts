/**
 * Entry points for reading bills from text or files: detects JSON vs delimited text, runs
 * the matching reader and assembles {@link Bill}s. File-system access lives here and in the
 * CLI only; the readers themselves are pure.
 */
import { readFile } from 'node:fs/promises';
import { BillError, IoError, type Problem, toProblems } from '../errors.js';
import { buildBill, type BillOptions } from './build.js';
import { readCsv } from './csv.js';
import type { LineField } from './fields.js';
import { readJson } from './json.js';
import type { Bill } from './schema.js';

/** Options for reading a bill: reader options and the bill facts given on the command line. */
export interface ReadOptions extends BillOptions {
  map?: Partial<Record<LineField, string>>;
  groupBy?: string;
  /** Force the input format instead of detecting it. */
  inputFormat?: 'csv' | 'json';
}

/** The outcome of reading one input: the bills it held, or the problems that stopped it. */
export interface ReadResult {
  path: string;
  bills: Bill[];
  /** Set when the input could not be read; `bills` is then empty. */
  errors: Problem[];
  /** The claim being read when the error happened, in a grouped file. */
  claim?: string;
}

/** True when the text is a JSON document (first non-space character `{` or `[`). */
export function looksLikeJson(text: string): boolean {
  const t = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  return /^\s*[[{]/.test(t);
}

/**
 * Parses bill text (CSV/TSV/pipe or JSON) into bills. `path` names the source in errors.
 * Throws {@link BillError} when the text cannot be read as a bill.
 */
export function parseBill(text: string, path: string, options: ReadOptions = {}): Bill[] {
  const json = options.inputFormat ? options.inputFormat === 'json' : path.toLowerCase().endsWith('.json') || looksLikeJson(text);
  const readerOpts = { file: path, ...(options.map ? { map: options.map } : {}), ...(options.groupBy ? { groupBy: options.groupBy } : {}) };
  const raws = json ? readJson(text, readerOpts) : readCsv(text, readerOpts);
  return raws.map((raw) => {
    try {
      return buildBill(raw, options);
    } catch (err) {
      if (err instanceof BillError && raw.claim !== undefined) {
        for (const p of err.problems) p.message = `claim ${raw.claim}: ${p.message}`;
      }
      throw err;
    }
  });
}

/** Reads all of standard input as UTF-8 text. */
export async function readStdin(stream: NodeJS.ReadableStream = process.stdin): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Reads one bill file (or stdin for `-`) and parses it; `name` is how the file is named in
 * reports and errors (default: `path`). Never throws: problems are returned in `errors` so
 * that a batch goes on past a bad file.
 */
export async function readBillFile(path: string, options: ReadOptions = {}, stdin?: NodeJS.ReadableStream, name?: string): Promise<ReadResult> {
  const shown = name ?? (path === '-' ? '<stdin>' : path);
  let text: string;
  try {
    text = path === '-' ? await readStdin(stdin) : await readFile(path, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'is a directory' : e.code === 'EACCES' ? 'permission denied' : e.message;
    return { path: shown, bills: [], errors: new IoError(`cannot read ${shown}: ${why}`).problems };
  }
  try {
    return { path: shown, bills: parseBill(text, shown, options), errors: [] };
  } catch (err) {
    return { path, bills: [], errors: toProblems(err) };
  }
}
