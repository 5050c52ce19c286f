/**
 * The reference-data store: one SQLite file (better-sqlite3) in the data directory, with one
 * indexed table per edit family, so that an audit looks up the handful of codes on a bill
 * without loading a table. Imports are all or nothing (one transaction for the whole
 * command); a re-import of the same kind, quarter and part replaces it. better-sqlite3 is
 * loaded here only, and only when a store is opened (it is a native module).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { DataError } from '../errors.js';
import { storePath } from './dir.js';
import { familyOf, type AocData, type AocPair, type DataKind, type DatasetInfo, type MueData, type MueLimit, type Period, type PtpData, type PtpEdit } from './model.js';
import type { AocRecord, DetectedSource, MueRecord, PtpRecord } from './parse.js';

/** Version of the store's schema (`PRAGMA user_version`). */
const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS datasets (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,
  period TEXT NOT NULL,
  part TEXT NOT NULL,
  source TEXT NOT NULL,
  rows INTEGER NOT NULL,
  imported_at TEXT NOT NULL,
  UNIQUE (kind, period, part)
);
CREATE TABLE IF NOT EXISTS ptp (
  dataset INTEGER NOT NULL, col1 TEXT NOT NULL, col2 TEXT NOT NULL,
  effective TEXT NOT NULL, deletion TEXT NOT NULL, indicator TEXT NOT NULL, rationale TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS ptp_pair ON ptp (col1, col2);
CREATE TABLE IF NOT EXISTS mue (
  dataset INTEGER NOT NULL, code TEXT NOT NULL, value INTEGER NOT NULL, mai INTEGER NOT NULL, rationale TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS mue_code ON mue (code);
CREATE TABLE IF NOT EXISTS aoc (
  dataset INTEGER NOT NULL, addon TEXT NOT NULL, primary_code TEXT NOT NULL, type INTEGER NOT NULL,
  effective TEXT NOT NULL, deletion TEXT NOT NULL, addon_deleted TEXT NOT NULL, primary_deleted TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS aoc_addon ON aoc (addon);
`;

/** One stored table part, as `medbill data list` shows it. */
export interface StoredDataset {
  id: number;
  kind: DataKind;
  period: Period;
  part: string;
  /** The file (and zip entry) it was imported from. */
  source: string;
  rows: number;
  /** ISO timestamp. */
  importedAt: string;
}

/** What one import did, per table part. */
export interface ImportOutcome {
  kind: DataKind;
  period: Period;
  part: string;
  source: string;
  rows: number;
  /** True when it replaced an earlier import of the same kind, quarter and part. */
  replaced: boolean;
}

/** Reference data of every imported kind for one bill, keyed by kind (see `AuditContext.reference`). */
export interface StoredReference {
  'ncci-ptp-practitioner'?: PtpData;
  'ncci-ptp-hospital'?: PtpData;
  'mue-practitioner'?: MueData;
  'mue-hospital'?: MueData;
  'mue-dme'?: MueData;
  aoc?: AocData;
}

type Db = BetterSqlite3.Database;

interface PtpRow {
  dataset: number;
  col1: string;
  col2: string;
  effective: string;
  deletion: string;
  indicator: '0' | '1' | '9';
  rationale: string;
}
interface MueRow {
  dataset: number;
  code: string;
  value: number;
  mai: 1 | 2 | 3;
  rationale: string;
}
interface AocRow {
  dataset: number;
  addon: string;
  primary_code: string;
  type: 1 | 2 | 3;
  effective: string;
  deletion: string;
  addon_deleted: string;
  primary_deleted: string;
}
/** Rows fetched so far, by code (PTP by column-1 code): every row of a fetched code with another fetched code. */
interface RowCache {
  fetched: Set<string>;
  ptp: Map<string, PtpRow[]>;
  mue: Map<string, MueRow[]>;
  aoc: Map<string, AocRow[]>;
}

/** The row parsers of each family (parse.ts `ptpRecords`, `mueRecords`, `aocRecords`). */
export interface RecordReaders {
  ptp(d: DetectedSource): Iterable<PtpRecord>;
  mue(d: DetectedSource): Iterable<MueRecord>;
  aoc(d: DetectedSource): Iterable<AocRecord>;
}

/** An open store. Close it when done. */
export class Store {
  private readonly db: Db;
  private datasetsCache: StoredDataset[] | undefined;
  private lookups: { ptpNew: BetterSqlite3.Statement; ptpOld: BetterSqlite3.Statement; mue: BetterSqlite3.Statement; aoc: BetterSqlite3.Statement } | undefined;
  private cache: RowCache | undefined;
  private readonly infoCache = new Map<DataKind, DatasetInfo[]>();

  /** Wraps an open database (use {@link openStore}). */
  constructor(db: Db) {
    this.db = db;
  }

  /** Every stored table part, by kind, period and part. */
  datasets(): StoredDataset[] {
    this.datasetsCache ??= (
      this.db.prepare('SELECT id, kind, period, part, source, rows, imported_at AS importedAt FROM datasets ORDER BY kind, period, part').all() as StoredDataset[]
    ).map((d) => ({ ...d }));
    return this.datasetsCache;
  }

  /**
   * Imports detected sources in one transaction: for each, any stored table of the same kind,
   * quarter and part is deleted and the rows `records` yields for it are inserted (the parsers
   * of parse.ts, passed in so that reading the store never loads them). A bad row anywhere
   * rolls back the whole command (nothing half-imported); the parser's {@link DataError},
   * naming file, row and field, is rethrown.
   */
  import(sources: DetectedSource[], records: RecordReaders, importedAt: string): ImportOutcome[] {
    const insertDataset = this.db.prepare('INSERT INTO datasets (kind, period, part, source, rows, imported_at) VALUES (?, ?, ?, ?, 0, ?)');
    const setRows = this.db.prepare('UPDATE datasets SET rows = ? WHERE id = ?');
    const find = this.db.prepare('SELECT id FROM datasets WHERE kind = ? AND period = ? AND part = ?');
    const insPtp = this.db.prepare('INSERT INTO ptp VALUES (?, ?, ?, ?, ?, ?, ?)');
    const insMue = this.db.prepare('INSERT INTO mue VALUES (?, ?, ?, ?, ?)');
    const insAoc = this.db.prepare('INSERT INTO aoc VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    const run = this.db.transaction(() => {
      const outcomes: ImportOutcome[] = [];
      for (const d of sources) {
        const old = find.get(d.kind, d.period, d.part) as { id: number } | undefined;
        if (old) this.deleteDataset(old.id);
        const id = Number(insertDataset.run(d.kind, d.period, d.part, d.source.label, importedAt).lastInsertRowid);
        let rows = 0;
        const family = familyOf(d.kind);
        if (family === 'ptp') for (const r of records.ptp(d)) (insPtp.run(id, r.column1, r.column2, r.effective, r.deletion, r.indicator, r.rationale), rows++);
        else if (family === 'mue') for (const r of records.mue(d)) (insMue.run(id, r.code, r.value, r.mai, r.rationale), rows++);
        else for (const r of records.aoc(d)) (insAoc.run(id, r.addOn, r.primary, r.type, r.effective, r.deletion, r.addOnDeleted, r.primaryDeleted), rows++);
        setRows.run(rows, id);
        outcomes.push({ kind: d.kind, period: d.period, part: d.part, source: d.source.label, rows, replaced: old !== undefined });
      }
      return outcomes;
    });
    try {
      return run();
    } finally {
      this.datasetsCache = undefined;
      this.cache = undefined;
      this.infoCache.clear();
    }
  }

  private deleteDataset(id: number): void {
    for (const t of ['ptp', 'mue', 'aoc']) this.db.prepare(`DELETE FROM ${t} WHERE dataset = ?`).run(id);
    this.db.prepare('DELETE FROM datasets WHERE id = ?').run(id);
  }

  /** Removes the stored tables of `kind` (only the quarter `period` when given), in one transaction; returns the parts removed. */
  remove(kind: DataKind, period?: Period): StoredDataset[] {
    const gone = this.datasets().filter((d) => d.kind === kind && (period === undefined || d.period === period));
    this.db.transaction(() => {
      for (const d of gone) this.deleteDataset(d.id);
    })();
    this.datasetsCache = undefined;
    this.cache = undefined;
    this.infoCache.clear();
    return gone;
  }

  /**
   * The stored reference data that concerns `codes` (the CPT/HCPCS codes of one bill): the PTP
   * edits between two of them, their MUEs, the add-on code edits of those that are add-ons,
   * for every imported kind and quarter. Imported CMS tables are complete: a code absent from
   * them has no edit of that kind. Rows already fetched for earlier bills are kept, so that a
   * batch of bills queries each code once.
   */
  reference(codes: string[]): StoredReference {
    const all = this.datasets();
    if (all.length === 0) return {};
    const c = this.fetch(codes);
    const want = new Set(codes);
    const byId = new Map(all.map((d) => [d.id, d]));
    const kinds = new Set(all.map((d) => d.kind));
    const out: StoredReference = {};
    for (const kind of ['ncci-ptp-practitioner', 'ncci-ptp-hospital'] as const) {
      if (!kinds.has(kind)) continue;
      const edits: PtpEdit[] = [];
      for (const code of want) {
        for (const r of c.ptp.get(code) ?? []) {
          const d = byId.get(r.dataset);
          if (d?.kind !== kind || !want.has(r.col2)) continue;
          edits.push({ period: d.period, column1: r.col1, column2: r.col2, effective: r.effective, deletion: r.deletion, indicator: r.indicator, rationale: r.rationale, source: d.source });
        }
      }
      out[kind] = { datasets: this.infos(kind), rows: edits, complete: true, codes: new Set(edits.flatMap((e) => [e.column1, e.column2])) };
    }
    for (const kind of ['mue-practitioner', 'mue-hospital', 'mue-dme'] as const) {
      if (!kinds.has(kind)) continue;
      const limits: MueLimit[] = [];
      for (const code of want) {
        for (const r of c.mue.get(code) ?? []) {
          const d = byId.get(r.dataset);
          if (d?.kind !== kind) continue;
          limits.push({ period: d.period, code: r.code, value: r.value, mai: r.mai, rationale: r.rationale, source: d.source });
        }
      }
      out[kind] = { datasets: this.infos(kind), rows: limits, complete: true, codes: new Set(limits.map((l) => l.code)) };
    }
    if (kinds.has('aoc')) {
      const pairs: AocPair[] = [];
      for (const code of want) {
        for (const r of c.aoc.get(code) ?? []) {
          const d = byId.get(r.dataset);
          if (d?.kind !== 'aoc') continue;
          pairs.push({ period: d.period, addOn: r.addon, primary: r.primary_code, type: r.type, effective: r.effective, deletion: r.deletion, addOnDeleted: r.addon_deleted, primaryDeleted: r.primary_deleted, source: d.source });
        }
      }
      out.aoc = { datasets: this.infos('aoc'), rows: pairs, complete: true, codes: new Set(pairs.map((p) => p.addOn)) };
    }
    return out;
  }

  /** The imported tables of `kind`, one entry per quarter (its parts merged). */
  private infos(kind: DataKind): DatasetInfo[] {
    const cached = this.infoCache.get(kind);
    if (cached) return cached;
    const byPeriod = new Map<Period, DatasetInfo>();
    for (const d of this.datasets().filter((x) => x.kind === kind)) {
      const info = byPeriod.get(d.period) ?? { kind, period: d.period, sources: [], rows: 0, importedAt: d.importedAt, origin: 'imported' as const };
      info.sources.push(d.source);
      info.rows += d.rows;
      if (d.importedAt > (info.importedAt ?? '')) info.importedAt = d.importedAt;
      byPeriod.set(d.period, info);
    }
    const infos = [...byPeriod.values()];
    this.infoCache.set(kind, infos);
    return infos;
  }

  /**
   * Makes sure the rows of `codes` are in the cache: for each code not fetched before, its
   * MUE and add-on rows, and the PTP edits between it and every fetched code (both ways).
   */
  private fetch(codes: string[]): RowCache {
    const c = (this.cache ??= { fetched: new Set(), ptp: new Map(), mue: new Map(), aoc: new Map() });
    const fresh = [...new Set(codes)].filter((x) => !c.fetched.has(x));
    if (fresh.length === 0) return c;
    this.lookups ??= {
      ptpNew: this.db.prepare('SELECT dataset, col1, col2, effective, deletion, indicator, rationale FROM ptp WHERE col1 IN (SELECT value FROM json_each(@fresh)) AND col2 IN (SELECT value FROM json_each(@known))'),
      ptpOld: this.db.prepare('SELECT dataset, col1, col2, effective, deletion, indicator, rationale FROM ptp WHERE col1 IN (SELECT value FROM json_each(@known)) AND col2 IN (SELECT value FROM json_each(@fresh))'),
      mue: this.db.prepare('SELECT dataset, code, value, mai, rationale FROM mue WHERE code IN (SELECT value FROM json_each(@fresh))'),
      aoc: this.db.prepare('SELECT dataset, addon, primary_code, type, effective, deletion, addon_deleted, primary_deleted FROM aoc WHERE addon IN (SELECT value FROM json_each(@fresh))'),
    };
    const families = new Set(this.datasets().map((d) => familyOf(d.kind)));
    const freshJson = JSON.stringify(fresh);
    const old = [...c.fetched];
    for (const x of fresh) {
      c.fetched.add(x);
      c.ptp.set(x, []);
      c.mue.set(x, []);
      c.aoc.set(x, []);
    }
    const push = <T>(m: Map<string, T[]>, key: string, row: T) => {
      const list = m.get(key);
      if (list) list.push(row);
      else m.set(key, [row]);
    };
    if (families.has('ptp')) {
      for (const r of this.lookups.ptpNew.all({ fresh: freshJson, known: JSON.stringify([...old, ...fresh]) }) as PtpRow[]) push(c.ptp, r.col1, r);
      if (old.length > 0) for (const r of this.lookups.ptpOld.all({ fresh: freshJson, known: JSON.stringify(old) }) as PtpRow[]) push(c.ptp, r.col1, r);
    }
    if (families.has('mue')) for (const r of this.lookups.mue.all({ fresh: freshJson }) as MueRow[]) push(c.mue, r.code, r);
    if (families.has('aoc')) for (const r of this.lookups.aoc.all({ fresh: freshJson }) as AocRow[]) push(c.aoc, r.addon, r);
    return c;
  }

  /** Closes the database. */
  close(): void {
    this.db.close();
  }
}

let addonPath: string | null | undefined;

/**
 * The compiled better-sqlite3 addon (build/Release/better_sqlite3.node, where `npm ci` builds
 * it), so that opening the store skips the `bindings` package's search of a dozen paths; null
 * when it is elsewhere (better-sqlite3 then finds it itself).
 */
function nativeBinding(): string | null {
  if (addonPath !== undefined) return addonPath;
  try {
    const pkg = createRequire(import.meta.url).resolve('better-sqlite3/package.json');
    const candidate = join(dirname(pkg), 'build', 'Release', 'better_sqlite3.node');
    addonPath = existsSync(candidate) ? candidate : null;
  } catch {
    addonPath = null;
  }
  return addonPath;
}

/**
 * Opens the store of data directory `dir`. `create`: make the directory and the database
 * when missing (import); otherwise open read-only and fail when there is none. Loads
 * better-sqlite3 on first use. Throws {@link DataError} when the file is not a medbill store
 * or was written by a newer medbill.
 */
export async function openStore(dir: string, mode: { create: boolean }): Promise<Store> {
  const { default: Database } = await import('better-sqlite3');
  const file = storePath(dir);
  let db: Db;
  try {
    if (mode.create) mkdirSync(dir, { recursive: true });
    const binding = nativeBinding();
    const options: BetterSqlite3.Options = mode.create ? {} : { readonly: true, fileMustExist: true };
    if (binding) options.nativeBinding = binding;
    db = new Database(file, options);
  } catch (err) {
    throw new DataError(`cannot open the data store ${file}: ${(err as Error).message}`, { file });
  }
  try {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) throw new DataError(`the data store ${file} was written by a newer medbill (store version ${version}); upgrade medbill`, { file });
    if (mode.create) {
      db.pragma('journal_mode = DELETE');
      db.pragma('synchronous = NORMAL');
      db.exec(SCHEMA);
      db.pragma(`user_version = ${SCHEMA_VERSION}`);
    } else if (version === 0) {
      // An empty or foreign file: nothing imported yet.
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'datasets'").all();
      if (tables.length === 0) throw new DataError(`${file} is not a medbill data store`, { file });
    }
  } catch (err) {
    db.close();
    if (err instanceof DataError) throw err;
    throw new DataError(`cannot read the data store ${file}: ${(err as Error).message}`, { file });
  }
  return new Store(db);
}
