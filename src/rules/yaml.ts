/**
 * Parsing of rule files (YAML) and tables (CSV), with a build-time cache.
 *
 * Codes and modifiers must stay strings: a plain YAML scalar written with a leading zero
 * (`0450`, `007`) is kept as the string it was written as instead of becoming a number, and
 * code fields accept numbers (`59`) and turn them back into strings in the rule schema.
 *
 * Start-up: the default pack's files are parsed (and its rules validated) at build time into
 * a content-addressed cache, `dist/rule-cache.json`, keyed by the SHA-256 of each file's
 * text. An unchanged file is read from the cache without loading the YAML parser; a changed
 * file, or one from a user's pack, is parsed and validated as usual.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { RulesError } from '../errors.js';
import { packageRoot } from '../paths.js';

type YamlModule = typeof import('yaml');
const require = createRequire(import.meta.url);
let yamlModule: YamlModule | undefined;

/** The cache file's content: parsed YAML, validated rule files, the validated facts file and CSV records, by text hash. */
export interface ParseCache {
  yaml: Record<string, unknown>;
  rules: Record<string, unknown>;
  /** A rule's options as its kind's schema outputs them (defaults applied), by rule-file text hash. */
  options: Record<string, unknown>;
  facts: Record<string, unknown>;
  csv: Record<string, Array<{ record: string[]; row: number }>>;
}

let cache: ParseCache | undefined;

/** Path of the build-time parse cache (`dist/rule-cache.json`). */
export function ruleCachePath(): string {
  return join(packageRoot(), 'dist', 'rule-cache.json');
}

/** SHA-256 (hex) of a text, the key of the parse cache. */
export function textHash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The parse cache (empty when the file is missing or unreadable). */
export function parseCache(): ParseCache {
  if (cache === undefined) {
    cache = { yaml: {}, rules: {}, options: {}, facts: {}, csv: {} };
    try {
      if (existsSync(ruleCachePath())) cache = { ...cache, ...(JSON.parse(readFileSync(ruleCachePath(), 'utf8')) as Partial<ParseCache>) };
    } catch {
      /* an unreadable cache only costs time */
    }
  }
  return cache;
}

/** Parses YAML text into plain data, without the cache. Throws {@link RulesError} with the file and row of a syntax error. */
export function parseYamlUncached(text: string, file: string): unknown {
  yamlModule ??= require('yaml') as YamlModule;
  const { parseDocument, visit, isScalar } = yamlModule;
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const row = e?.linePos?.[0]?.line;
    throw new RulesError(`not valid YAML: ${e?.message.split('\n')[0] ?? 'syntax error'}`, { file, ...(row ? { row } : {}) });
  }
  visit(doc, {
    Scalar(_key, node) {
      if (isScalar(node) && typeof node.value === 'number' && typeof node.source === 'string' && /^[+-]?0\d+$/.test(node.source)) {
        node.value = node.source;
      }
    },
  });
  return doc.toJS();
}

/** Parses YAML text into plain data, from the build-time cache when the text is unchanged. Throws {@link RulesError}. */
export function parseYaml(text: string, file: string): unknown {
  const hit = parseCache().yaml[textHash(text)];
  if (hit !== undefined) return structuredClone(hit);
  return parseYamlUncached(text, file);
}

type CsvParse = typeof import('csv-parse/sync').parse;
let csvParse: CsvParse | undefined;

/**
 * Parses a table (CSV with `#` comment lines and a header) into records with their physical
 * row numbers, from the cache when unchanged. Throws {@link RulesError} naming the file.
 */
export function parseTableCsv(text: string, file: string): Array<{ record: string[]; row: number }> {
  const hit = parseCache().csv[textHash(text)];
  if (hit !== undefined) return hit;
  csvParse ??= (require('csv-parse/sync') as { parse: CsvParse }).parse;
  try {
    const records = csvParse(text, { skip_empty_lines: true, bom: true, trim: true, comment: '#', info: true }) as unknown as Array<{ record: string[]; info: { lines: number } }>;
    return records.map((r) => ({ record: r.record, row: r.info.lines }));
  } catch (err) {
    throw new RulesError(`cannot read table: ${(err as Error).message}`, { file });
  }
}
