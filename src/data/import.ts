/**
 * `medbill data import` as a library call: reads the files (zips, xlsx, text), recognises each
 * table's kind, quarter and part, and imports them all in one transaction. When a zip holds
 * the same table twice (CMS ships an `.xlsx` and a `.txt` of each), one copy is imported: the
 * text for PTP and MUE files (the layout formats.md §1 documents column by column) and the
 * fee schedules, the spreadsheet for add-on code edits (its header names every column). An
 * entry of a zip that is no table medbill reads (the record layout, the anesthesia or LOCCO
 * files of an RVU zip) is skipped with a note, as long as the zip holds one that it reads.
 * A hospital price file (45 CFR 180.50; it can be gigabytes) is streamed into the store,
 * never read whole.
 */
import { existsSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { DataError, IoError, UsageError } from '../errors.js';
import { storePath } from './dir.js';
import { familyOf, type DataKind, type Period } from './model.js';
import { aocRecords, detectSource, mueRecords, ptpRecords, type DetectedSource } from './parse.js';
import { readSources } from './sources.js';
import type { ImportOutcome } from './store.js';

/** `--kind`, `--period` and `--name`: what the files do not say themselves. */
export interface ImportOptions {
  kind?: DataKind;
  period?: Period;
  /** The name a hospital price file is kept under (`medbill audit --prices NAME`); default: from its file name. */
  name?: string;
}

/** What an import did: the tables stored, and the copies or entries it left out (one sentence each). */
export interface ImportResult {
  outcomes: ImportOutcome[];
  skipped: string[];
}

/** A price file's default name: its file name without the extension, lower-cased, words joined by hyphens. */
export function priceFileName(file: string): string {
  return basename(file, extname(file)).toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'prices';
}

/** The first bytes of a file, to tell a hospital price file from a CMS table. Throws {@link IoError}. */
async function head(path: string, shown: string): Promise<string> {
  let handle;
  try {
    handle = await open(path, 'r');
    const buf = Buffer.alloc(65536);
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    return buf.subarray(0, bytesRead).toString('latin1');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new IoError(`cannot read ${shown}: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  } finally {
    await handle?.close();
  }
}

/**
 * Imports `files` (each `{ path, shown }`: where to read it, how to name it in messages) into
 * the store of data directory `dir`, creating it when needed. All or nothing: on any error
 * nothing is stored, and a store this call created is removed again. `now` is the import
 * timestamp (ISO). Throws {@link DataError}, `UsageError` or `IoError`.
 */
export async function importFiles(dir: string, files: Array<{ path: string; shown: string }>, options: ImportOptions, now: string): Promise<ImportResult> {
  const { looksLikePriceFile } = await import('../prices/hpt-read.js');
  const detected: DetectedSource[] = [];
  const prices: Array<{ path: string; shown: string; name: string }> = [];
  const skipped: string[] = [];
  for (const f of files) {
    const isPrice = options.kind === 'hospital-prices' || (options.kind === undefined && looksLikePriceFile(await head(f.path, f.shown)) !== undefined);
    if (isPrice) {
      prices.push({ ...f, name: options.name ?? priceFileName(f.shown) });
      continue;
    }
    const sources = await readSources(f.path, f.shown);
    const inZip = sources.length > 1 || sources[0]?.entry !== undefined;
    let firstError: unknown;
    let found = 0;
    const notes: string[] = [];
    for (const source of sources) {
      try {
        detected.push(detectSource(source, options));
        found++;
      } catch (err) {
        if (!inZip || !(err instanceof DataError)) throw err;
        firstError ??= err;
        notes.push(`${source.label}: not a table medbill reads, skipped`);
      }
    }
    if (found === 0 && firstError) throw firstError;
    skipped.push(...notes);
  }
  const names = new Set<string>();
  for (const p of prices) {
    if (names.has(p.name)) throw new UsageError(`two price files would be kept under the name "${p.name}"; import them one at a time with --name`);
    names.add(p.name);
  }
  const groups = new Map<string, DetectedSource[]>();
  for (const d of detected) {
    const key = `${d.kind}|${d.period}|${d.part}`;
    groups.set(key, [...(groups.get(key) ?? []), d]);
  }
  const chosen: DetectedSource[] = [];
  for (const list of groups.values()) {
    const first = list[0] as DetectedSource;
    if (list.length > 1) {
      if (new Set(list.map((d) => d.source.file)).size > 1) {
        throw new DataError(`${list.map((d) => d.source.label).join(' and ')} are the same table (${first.kind} ${first.period}${first.part ? ` part ${first.part}` : ''}); import one of them`, { file: first.source.label });
      }
      const preferText = familyOf(first.kind) !== 'aoc';
      const pick = list.find((d) => (d.source.format === 'text') === preferText) ?? first;
      for (const d of list) if (d !== pick) skipped.push(`${d.source.label}: same table as ${pick.source.label}, not imported twice`);
      chosen.push(pick);
    } else chosen.push(first);
  }
  const existed = existsSync(storePath(dir));
  const { openStore } = await import('./store.js');
  const store = await openStore(dir, { create: true });
  let done = false;
  try {
    const cms = await import('../prices/cms-files.js');
    store.begin();
    const outcomes = store.import(chosen, { ptp: ptpRecords, mue: mueRecords, aoc: aocRecords, pfs: cms.pfsRecords, gpci: cms.gpciRecords, zip: cms.zipRecords, clfs: cms.clfsRecords, opps: cms.oppsRecords, asp: cms.aspRecords }, now);
    if (prices.length > 0) {
      const { fileChunks, readPriceFile } = await import('../prices/hpt-read.js');
      for (const p of prices) {
        const bytes = fileChunks(p.path, (err) => {
          throw new IoError(`cannot read ${p.shown}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`, { file: p.shown });
        });
        const outcome = await store.importPrices(p.name, p.shown, (onItem, onInfo) => readPriceFile(bytes, { label: p.shown, keepRates: 'all', onItem, onInfo }), now);
        outcomes.push(outcome);
      }
    }
    store.commit();
    done = true;
    return { outcomes, skipped };
  } finally {
    if (!done) store.rollback();
    store.close();
    if (!done && !existed) for (const f of [storePath(dir), `${storePath(dir)}-journal`]) rmSync(f, { force: true });
  }
}
