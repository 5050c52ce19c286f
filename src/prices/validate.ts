/**
 * `medbill prices validate FILE`: whether a hospital price file follows the CMS schema, with
 * CMS's own validator (@cmsgov/hpt-validator, CC0, the library behind CMS's online validator
 * tool and CLI), which checks the v2.x and v3.0 CSV (tall and wide) and JSON layouts and
 * reports errors and alerts. medbill tells the layout and the version from the file (CSV row
 * 2, the JSON `version`), runs the validator on a stream of the file, and words each error
 * with its row and column (CSV) or JSON pointer.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { DataError, IoError } from '../errors.js';
import { looksLikePriceFile } from './hpt-read.js';

/** Versions the CMS validator knows (CsvValidator.allowedVersions / JsonValidator.allowedVersions). */
export const VALIDATOR_VERSIONS = ['2.0.0', '2.1.0', '2.2.0', '3.0.0'] as const;

/** One problem the validator found: where it is and what it says. */
export interface ValidationProblem {
  row?: number;
  column?: string;
  pointer?: string;
  message: string;
}

/** The outcome of a validation. */
export interface ValidationReport {
  file: string;
  format: 'csv' | 'json';
  version: string;
  valid: boolean;
  errors: ValidationProblem[];
  alerts: ValidationProblem[];
  /** True when the validator stopped at `maxErrors`. */
  truncated: boolean;
}

/** The most errors collected before the validator stops (a huge broken file would otherwise fill memory). */
export const MAX_ERRORS = 1000;

async function head(path: string, shown: string): Promise<Buffer> {
  let handle;
  try {
    handle = await open(path, 'r');
    const buf = Buffer.alloc(65536);
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    return buf.subarray(0, bytesRead);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new IoError(`cannot read ${shown}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (err as Error).message}`, { file: shown });
  } finally {
    await handle?.close();
  }
}

/** The version a price file states: CSV row 2 under `version`, or the JSON `version` near the top. Undefined when it cannot be told from the first 64 KB. */
function statedVersion(text: string, format: 'csv' | 'json'): string | undefined {
  if (format === 'json') return /"version"\s*:\s*"([^"]*)"/.exec(text)?.[1];
  const rows = text.replace(/^\ufeff/, '').split(/\r\n|\n|\r/);
  const cells = (line: string) => {
    const out: string[] = [];
    let cur = '';
    let q = false;
    for (let i = 0; i < line.length; i++) {
      const ch = line[i];
      if (ch === '"') {
        if (q && line[i + 1] === '"') (cur += '"', i++);
        else q = !q;
      } else if (ch === ',' && !q) (out.push(cur), (cur = ''));
      else cur += ch;
    }
    out.push(cur);
    return out;
  };
  const header = cells(rows[0] ?? '').map((h) => h.trim().toLowerCase());
  const i = header.indexOf('version');
  return i >= 0 ? cells(rows[1] ?? '')[i]?.trim() : undefined;
}

function normalizeVersion(v: string): string | undefined {
  const m = /^(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(v.trim());
  if (!m) return undefined;
  const full = `${m[1]}.${m[2] ?? '0'}.${m[3] ?? '0'}`;
  return (VALIDATOR_VERSIONS as readonly string[]).includes(full) ? full : undefined;
}

function problemOf(e: { path?: string; message: string; field?: string; columnName?: string }, format: 'csv' | 'json'): ValidationProblem {
  const path = e.path ?? '';
  if (format === 'json') return { ...(path ? { pointer: path } : {}), message: e.message };
  const cell = /^([A-Z]+)(\d+)$/.exec(path);
  if (cell) return { row: Number(cell[2]), column: e.columnName ?? cell[1], message: e.message };
  const row = /^row (\d+)$/i.exec(path);
  if (row) return { row: Number(row[1]), ...(e.columnName ? { column: e.columnName } : {}), message: e.message };
  return { ...(e.columnName ? { column: e.columnName } : {}), message: path ? `${path}: ${e.message}` : e.message };
}

/**
 * Validates a price file with the CMS validator. `asVersion` overrides the version the file
 * states. Throws {@link DataError} when the file is not a price file or its version is not one
 * the validator knows, {@link IoError} when it cannot be read.
 */
export async function validatePriceFile(path: string, shown: string, asVersion?: string): Promise<ValidationReport> {
  const buf = await head(path, shown);
  const text = buf.toString('utf8');
  const format = looksLikePriceFile(text);
  if (!format) throw new DataError(`not a hospital price file: a CSV one names hospital_name, last_updated_on and version in row 1; a JSON one is an object with standard_charge_information (formats.md §3)`, { file: shown });
  const stated = asVersion ?? statedVersion(text, format);
  if (stated === undefined) throw new DataError(`cannot find the version the file states (${format === 'csv' ? 'row 2, column "version"' : 'the JSON "version" in its first 64 KB'}); give --as-version 3.0.0`, { file: shown, field: 'version' });
  const version = normalizeVersion(stated);
  if (!version) throw new DataError(`version "${stated}": the CMS validator checks versions ${VALIDATOR_VERSIONS.join(', ')}`, { file: shown, field: 'version' });
  const validator = await import('@cmsgov/hpt-validator');
  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  const result = format === 'csv' ? await validator.validateCsv(stream, version, { maxErrors: MAX_ERRORS }) : await validator.validateJson(stream, version, { maxErrors: MAX_ERRORS });
  const errors = (result.errors as Array<{ path?: string; message: string; field?: string; columnName?: string }>).map((e) => problemOf(e, format));
  const alerts = (result.alerts as Array<{ path?: string; message: string; field?: string; columnName?: string }>).map((e) => problemOf(e, format));
  return { file: shown, format, version, valid: result.valid && errors.length === 0, errors, alerts, truncated: errors.length >= MAX_ERRORS };
}
