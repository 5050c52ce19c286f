/**
 * `medbill data import` as a library call: reads the files (zips, xlsx, text), recognises each
 * table's kind, quarter and part, and imports them all in one transaction. When a zip holds
 * the same table twice (CMS ships an `.xlsx` and a `.txt` of each), one copy is imported: the
 * text for PTP and MUE files (the layout formats.md §1 documents column by column), the
 * spreadsheet for add-on code edits (its header names every column).
 */
import { existsSync, rmSync } from 'node:fs';
import { DataError } from '../errors.js';
import { storePath } from './dir.js';
import { familyOf, type DataKind, type Period } from './model.js';
import { aocRecords, detectSource, mueRecords, ptpRecords, type DetectedSource } from './parse.js';
import { readSources } from './sources.js';
import type { ImportOutcome } from './store.js';

/** `--kind` and `--period`: what the files do not say themselves. */
export interface ImportOptions {
  kind?: DataKind;
  period?: Period;
}

/** What an import did: the tables stored, and the duplicate copies it left out (one sentence each). */
export interface ImportResult {
  outcomes: ImportOutcome[];
  skipped: string[];
}

/**
 * Imports `files` (each `{ path, shown }`: where to read it, how to name it in messages) into
 * the store of data directory `dir`, creating it when needed. All or nothing: on any error
 * nothing is stored, and a store this call created is removed again. `now` is the import
 * timestamp (ISO). Throws {@link DataError}, `UsageError` or `IoError`.
 */
export async function importFiles(dir: string, files: Array<{ path: string; shown: string }>, options: ImportOptions, now: string): Promise<ImportResult> {
  const detected: DetectedSource[] = [];
  for (const f of files) {
    for (const source of await readSources(f.path, f.shown)) detected.push(detectSource(source, options));
  }
  const groups = new Map<string, DetectedSource[]>();
  for (const d of detected) {
    const key = `${d.kind}|${d.period}|${d.part}`;
    groups.set(key, [...(groups.get(key) ?? []), d]);
  }
  const chosen: DetectedSource[] = [];
  const skipped: string[] = [];
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
    const outcomes = store.import(chosen, { ptp: ptpRecords, mue: mueRecords, aoc: aocRecords }, now);
    done = true;
    return { outcomes, skipped };
  } finally {
    store.close();
    if (!done && !existed) for (const f of [storePath(dir), `${storePath(dir)}-journal`]) rmSync(f, { force: true });
  }
}
