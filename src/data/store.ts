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
import { familyOf, isEditKind, type AocData, type AocPair, type DataKind, type DatasetInfo, type MueData, type MueLimit, type Period, type PtpData, type PtpEdit } from './model.js';
import type { AocRecord, DetectedSource, MueRecord, PtpRecord } from './parse.js';
import type { AspRecord, ClfsRecord, GpciRecord, OppsRecord, PfsRecord, ZipRecord } from '../prices/cms-files.js';
import { matchesPayer, type AspLimit, type ClfsRate, type Gpci, type HospitalPrices, type Locality, type MedicareData, type OppsRate, type PayerChoice, type PfsRvu, type PriceFileInfo, type PriceItem } from '../prices/model.js';

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

/**
 * The tables of the Medicare fee schedules and hospital price files (added after the first
 * release of the store: created on the next import, and looked for before reading). Amounts
 * and RVUs are decimal strings, as the files print them. A price-file item is kept as JSON
 * (its codes, setting, modifiers, standard charges and payer rates), found through its codes.
 */
const PRICE_SCHEMA = `
CREATE TABLE IF NOT EXISTS pfs (
  dataset INTEGER NOT NULL, code TEXT NOT NULL, modifier TEXT NOT NULL, status TEXT NOT NULL, work TEXT NOT NULL,
  pe_nonfac TEXT NOT NULL, pe_fac TEXT NOT NULL, mp TEXT NOT NULL, nonfac_na INTEGER NOT NULL, fac_na INTEGER NOT NULL, cf TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS pfs_code ON pfs (code);
CREATE TABLE IF NOT EXISTS gpci (
  dataset INTEGER NOT NULL, mac TEXT NOT NULL, state TEXT NOT NULL, locality TEXT NOT NULL, name TEXT NOT NULL,
  work TEXT NOT NULL, pe TEXT NOT NULL, mp TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS gpci_locality ON gpci (mac, locality);
CREATE TABLE IF NOT EXISTS zip_locality (dataset INTEGER NOT NULL, zip TEXT NOT NULL, state TEXT NOT NULL, mac TEXT NOT NULL, locality TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS zip_locality_zip ON zip_locality (zip);
CREATE TABLE IF NOT EXISTS clfs (
  dataset INTEGER NOT NULL, code TEXT NOT NULL, modifier TEXT NOT NULL, effective TEXT NOT NULL, indicator TEXT NOT NULL, rate TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS clfs_code ON clfs (code);
CREATE TABLE IF NOT EXISTS opps (dataset INTEGER NOT NULL, code TEXT NOT NULL, si TEXT NOT NULL, apc TEXT NOT NULL, rate TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS opps_code ON opps (code);
CREATE TABLE IF NOT EXISTS asp (dataset INTEGER NOT NULL, code TEXT NOT NULL, dosage TEXT NOT NULL, limit_amount TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS asp_code ON asp (code);
CREATE TABLE IF NOT EXISTS hpt_file (dataset INTEGER PRIMARY KEY, name TEXT NOT NULL, info TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS hpt_item (dataset INTEGER NOT NULL, item INTEGER NOT NULL, data TEXT NOT NULL, PRIMARY KEY (dataset, item)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS hpt_code (dataset INTEGER NOT NULL, code TEXT NOT NULL, item INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS hpt_code_code ON hpt_code (code, dataset);
`;

const FEE_TABLES = ['pfs', 'gpci', 'zip_locality', 'clfs', 'opps', 'asp', 'hpt_file', 'hpt_item', 'hpt_code'] as const;

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
  /** Imported Medicare fee schedules: the rows of the bill's codes (see `MedicareData`). */
  medicare?: MedicareData;
  /** An imported hospital price file picked with `--prices NAME`: the items of the bill's codes. */
  'hospital-prices'?: HospitalPrices;
}

/** What the audit asks of the store beyond the bill's codes: the payment locality, and which imported price file and payer to use. */
export interface ReferenceOptions {
  locality?: Locality;
  prices?: { name: string; payer?: PayerChoice };
  /** Revenue codes of lines without a CPT/HCPCS code (a price file may price them). */
  revenueCodes?: string[];
}

/** The imported hospital price files, as `--prices NAME` names them. */
export interface StoredPriceFile {
  dataset: number;
  name: string;
  info: PriceFileInfo;
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

/** The row parsers of each family (parse.ts `ptpRecords`, `mueRecords`, `aocRecords`; prices/cms-files.ts for the fee schedules). */
export interface RecordReaders {
  ptp(d: DetectedSource): Iterable<PtpRecord>;
  mue(d: DetectedSource): Iterable<MueRecord>;
  aoc(d: DetectedSource): Iterable<AocRecord>;
  pfs?(d: DetectedSource): Iterable<PfsRecord>;
  gpci?(d: DetectedSource): Iterable<GpciRecord>;
  zip?(d: DetectedSource): Iterable<ZipRecord>;
  clfs?(d: DetectedSource): Iterable<ClfsRecord>;
  opps?(d: DetectedSource): Iterable<OppsRecord>;
  asp?(d: DetectedSource): Iterable<AspRecord>;
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
        else if (family === 'aoc') for (const r of records.aoc(d)) (insAoc.run(id, r.addOn, r.primary, r.type, r.effective, r.deletion, r.addOnDeleted, r.primaryDeleted), rows++);
        else rows = this.importFee(id, d, records);
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
    for (const t of ['ptp', 'mue', 'aoc', ...FEE_TABLES.filter((x) => this.hasTable(x))]) this.db.prepare(`DELETE FROM ${t} WHERE dataset = ?`).run(id);
    this.db.prepare('DELETE FROM datasets WHERE id = ?').run(id);
  }

  private tables: Set<string> | undefined;
  /** True when the store has table `name` (stores made before the fee-schedule tables lack them). */
  private hasTable(name: string): boolean {
    this.tables ??= new Set((this.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>).map((r) => r.name));
    return this.tables.has(name);
  }

  /** Inserts the rows of a fee-schedule source (PFS, GPCI, ZIP code localities, CLFS, OPPS, ASP); returns the count. */
  private importFee(id: number, d: DetectedSource, records: RecordReaders): number {
    let rows = 0;
    const family = familyOf(d.kind);
    const need = <T>(f: ((d: DetectedSource) => Iterable<T>) | undefined): Iterable<T> => {
      if (!f) throw new Error(`no reader for ${d.kind}`);
      return f(d);
    };
    if (family === 'pfs') {
      const ins = this.db.prepare('INSERT INTO pfs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
      for (const r of need(records.pfs)) (ins.run(id, r.code, r.modifier, r.status, r.work, r.peNonFacility, r.peFacility, r.mp, r.nonFacilityNa ? 1 : 0, r.facilityNa ? 1 : 0, r.conversionFactor), rows++);
    } else if (family === 'gpci') {
      const ins = this.db.prepare('INSERT INTO gpci VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
      for (const r of need(records.gpci)) (ins.run(id, r.mac, r.state, r.locality, r.name, r.work, r.pe, r.mp), rows++);
    } else if (family === 'zip') {
      const ins = this.db.prepare('INSERT INTO zip_locality VALUES (?, ?, ?, ?, ?)');
      for (const r of need(records.zip)) (ins.run(id, r.zip, r.state, r.mac, r.locality), rows++);
    } else if (family === 'clfs') {
      const ins = this.db.prepare('INSERT INTO clfs VALUES (?, ?, ?, ?, ?, ?)');
      for (const r of need(records.clfs)) (ins.run(id, r.code, r.modifier, r.effective, r.indicator, r.rate), rows++);
    } else if (family === 'opps') {
      const ins = this.db.prepare('INSERT INTO opps VALUES (?, ?, ?, ?, ?)');
      for (const r of need(records.opps)) (ins.run(id, r.code, r.si, r.apc, r.rate), rows++);
    } else if (family === 'asp') {
      const ins = this.db.prepare('INSERT INTO asp VALUES (?, ?, ?, ?)');
      for (const r of need(records.asp)) (ins.run(id, r.code, r.dosage, r.limit), rows++);
    } else throw new Error(`cannot import ${d.kind} this way`);
    return rows;
  }

  /** Starts a transaction around several imports (a CMS file and a price file in one command): all or nothing. */
  begin(): void {
    this.db.exec('BEGIN');
  }

  /** Commits what {@link begin} started. */
  commit(): void {
    this.db.exec('COMMIT');
    this.datasetsCache = undefined;
    this.cache = undefined;
    this.infoCache.clear();
  }

  /** Rolls back what {@link begin} started (nothing of the command is stored). */
  rollback(): void {
    if (this.db.inTransaction) this.db.exec('ROLLBACK');
    this.datasetsCache = undefined;
    this.cache = undefined;
    this.infoCache.clear();
  }

  /**
   * Imports a hospital price file under `name` (replacing an earlier import of that name):
   * `read` streams the file, calling the callbacks it is given for its header and for each
   * item. Call inside {@link begin}/{@link commit}: a bad row stops the import and the caller
   * rolls back. Returns what was stored.
   */
  async importPrices(name: string, label: string, read: (onItem: (item: PriceItem) => void, onInfo: (info: PriceFileInfo) => void) => Promise<unknown>, importedAt: string): Promise<ImportOutcome> {
    const old = this.db.prepare("SELECT id FROM datasets WHERE kind = 'hospital-prices' AND part = ?").all(name) as Array<{ id: number }>;
    for (const o of old) this.deleteDataset(o.id);
    const id = Number(this.db.prepare("INSERT INTO datasets (kind, period, part, source, rows, imported_at) VALUES ('hospital-prices', '', ?, ?, 0, ?)").run(name, label, importedAt).lastInsertRowid);
    const insItem = this.db.prepare('INSERT INTO hpt_item VALUES (?, ?, ?)');
    const insCode = this.db.prepare('INSERT INTO hpt_code VALUES (?, ?, ?)');
    let items = 0;
    let info: PriceFileInfo | undefined;
    await read(
      (item) => {
        items++;
        insItem.run(id, items, JSON.stringify(item));
        for (const c of new Set(item.codes.map((x) => x.code))) insCode.run(id, c, items);
      },
      (i) => (info = i),
    );
    const stored: PriceFileInfo = { ...(info as PriceFileInfo), label, origin: 'imported' };
    this.db.prepare('INSERT INTO hpt_file VALUES (?, ?, ?)').run(id, name, JSON.stringify(stored));
    this.db.prepare('UPDATE datasets SET rows = ?, period = ? WHERE id = ?').run(items, stored.lastUpdated ?? '', id);
    this.datasetsCache = undefined;
    return { kind: 'hospital-prices', period: stored.lastUpdated ?? '', part: name, source: label, rows: items, replaced: old.length > 0 };
  }

  /** The imported hospital price files. */
  priceFiles(): StoredPriceFile[] {
    if (!this.hasTable('hpt_file')) return [];
    return (this.db.prepare('SELECT dataset, name, info FROM hpt_file ORDER BY name').all() as Array<{ dataset: number; name: string; info: string }>).map((r) => ({ dataset: r.dataset, name: r.name, info: JSON.parse(r.info) as PriceFileInfo }));
  }

  /** The payment locality of a ZIP code in the imported ZIP code to carrier locality file (the latest quarter that lists it). */
  localityOfZip(zip: string): (Locality & { period: Period }) | undefined {
    if (!this.hasTable('zip_locality')) return undefined;
    const r = this.db
      .prepare("SELECT z.mac, z.locality, z.state, d.period FROM zip_locality z JOIN datasets d ON d.id = z.dataset WHERE z.zip = ? ORDER BY d.period DESC LIMIT 1")
      .get(zip) as { mac: string; locality: string; state: string; period: string } | undefined;
    return r ? { mac: r.mac, locality: r.locality, state: r.state, via: `--zip ${zip}`, period: r.period } : undefined;
  }

  /** The imported GPCI rows of a locality (every quarter), or of every locality when none is given (for listing). */
  gpcis(locality?: { mac: string; locality: string }): Gpci[] {
    if (!this.hasTable('gpci')) return [];
    const sql = 'SELECT g.*, d.period, d.source FROM gpci g JOIN datasets d ON d.id = g.dataset' + (locality ? ' WHERE g.mac = ? AND g.locality = ?' : '');
    const rows = (locality ? this.db.prepare(sql).all(locality.mac, locality.locality) : this.db.prepare(sql).all()) as Array<Record<string, string>>;
    return rows.map((r) => ({ period: r.period as string, mac: r.mac as string, state: r.state as string, locality: r.locality as string, name: r.name as string, work: r.work as string, pe: r.pe as string, mp: r.mp as string, source: r.source as string }));
  }

  /** Removes the stored tables of `kind` (only the quarter `period`, or the part `part` such as a price file's name, when given), in one transaction; returns the parts removed. */
  remove(kind: DataKind, period?: Period, part?: string): StoredDataset[] {
    const gone = this.datasets().filter((d) => d.kind === kind && (period === undefined || d.period === period) && (part === undefined || d.part === part));
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
  reference(codes: string[], options: ReferenceOptions = {}): StoredReference {
    const all = this.datasets();
    if (all.length === 0) return {};
    const out = codes.length > 0 ? this.editReference(codes, all) : {};
    const medicare = codes.length > 0 ? this.medicareReference(codes, all, options.locality) : undefined;
    if (medicare) out.medicare = medicare;
    if (options.prices) {
      const prices = this.priceReference([...codes, ...(options.revenueCodes ?? [])], options.prices);
      if (prices) out['hospital-prices'] = prices;
    }
    return out;
  }

  /** The NCCI edit tables' rows for `codes` (see {@link reference}). */
  private editReference(codes: string[], all: StoredDataset[]): StoredReference {
    if (!all.some((d) => isEditKind(d.kind))) return {};
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



  private feeCache = new Map<string, { pfs: PfsRvu[]; clfs: ClfsRate[]; opps: OppsRate[]; asp: AspLimit[] }>();
  private gpciCache = new Map<string, Gpci[]>();

  /** The imported fee-schedule rows of `codes`, every quarter; undefined when no fee schedule was imported. */
  private medicareReference(codes: string[], all: StoredDataset[], locality: Locality | undefined): MedicareData | undefined {
    const feeKinds = new Set(['pfs-rvu', 'clfs', 'opps', 'asp', 'pfs-gpci']);
    if (!all.some((d) => feeKinds.has(d.kind))) return undefined;
    const byId = new Map(all.map((d) => [d.id, d]));
    const out: MedicareData = { datasets: [], pfs: [], clfs: [], opps: [], asp: [], gpci: [] };
    for (const kind of ['pfs-rvu', 'pfs-gpci', 'clfs', 'opps', 'asp'] as const) if (all.some((d) => d.kind === kind)) out.datasets.push(...this.infos(kind));
    const q = {
      pfs: this.db.prepare('SELECT * FROM pfs WHERE code = ?'),
      clfs: this.db.prepare('SELECT * FROM clfs WHERE code = ?'),
      opps: this.db.prepare('SELECT * FROM opps WHERE code = ?'),
      asp: this.db.prepare('SELECT * FROM asp WHERE code = ?'),
    };
    const prov = (r: { dataset: number }) => {
      const d = byId.get(r.dataset);
      return { period: d?.period ?? '', source: d?.source ?? '' };
    };
    for (const code of new Set(codes)) {
      let rows = this.feeCache.get(code);
      if (!rows) {
        rows = {
          pfs: this.hasTable('pfs') ? (q.pfs.all(code) as Array<Record<string, string | number>>).map((r) => ({ ...prov(r as { dataset: number }), variant: byId.get(r.dataset as number)?.part ?? '', code: r.code as string, modifier: r.modifier as string, status: r.status as string, work: r.work as string, peNonFacility: r.pe_nonfac as string, peFacility: r.pe_fac as string, mp: r.mp as string, nonFacilityNa: r.nonfac_na === 1, facilityNa: r.fac_na === 1, conversionFactor: r.cf as string })) : [],
          clfs: this.hasTable('clfs') ? (q.clfs.all(code) as Array<Record<string, string | number>>).map((r) => ({ ...prov(r as { dataset: number }), code: r.code as string, modifier: r.modifier as string, effective: r.effective as string, indicator: r.indicator as string, rate: r.rate as string })) : [],
          opps: this.hasTable('opps') ? (q.opps.all(code) as Array<Record<string, string | number>>).map((r) => ({ ...prov(r as { dataset: number }), code: r.code as string, si: r.si as string, apc: r.apc as string, rate: r.rate as string })) : [],
          asp: this.hasTable('asp') ? (q.asp.all(code) as Array<Record<string, string | number>>).map((r) => ({ ...prov(r as { dataset: number }), code: r.code as string, dosage: r.dosage as string, limit: r.limit_amount as string })) : [],
        };
        this.feeCache.set(code, rows);
      }
      out.pfs.push(...rows.pfs);
      out.clfs.push(...rows.clfs);
      out.opps.push(...rows.opps);
      out.asp.push(...rows.asp);
    }
    if (locality) {
      const key = `${locality.mac}-${locality.locality}`;
      let g = this.gpciCache.get(key);
      if (!g) this.gpciCache.set(key, (g = this.gpcis(locality)));
      out.gpci = g;
      out.locality = locality;
    }
    return out;
  }

  private priceCache = new Map<string, PriceItem[]>();

  /** The items of an imported price file that carry one of `codes`, with only the chosen payer's rates. */
  private priceReference(codes: string[], choice: { name: string; payer?: PayerChoice }): HospitalPrices | undefined {
    const file = this.priceFiles().find((f) => f.name === choice.name);
    if (!file) return undefined;
    const get = this.db.prepare('SELECT i.item, i.data FROM hpt_code c JOIN hpt_item i ON i.dataset = c.dataset AND i.item = c.item WHERE c.code = ? AND c.dataset = ?');
    const seen = new Set<number>();
    const items: PriceItem[] = [];
    for (const code of new Set(codes)) {
      const key = `${file.dataset}|${code}`;
      let list = this.priceCache.get(key);
      if (!list) {
        list = (get.all(code, file.dataset) as Array<{ item: number; data: string }>).map((r) => ({ ...(JSON.parse(r.data) as PriceItem), id: r.item }) as PriceItem);
        // A batch meets thousands of codes: the cache is kept small (an indexed lookup is cheap).
        if (this.priceCache.size >= 2000) this.priceCache.clear();
        this.priceCache.set(key, list);
      }
      for (const it of list) {
        const id = (it as PriceItem & { id: number }).id;
        if (seen.has(id)) continue;
        seen.add(id);
        const { id: _id, ...item } = it as PriceItem & { id: number };
        items.push({ ...item, rates: choice.payer ? item.rates.filter((r) => matchesPayer(r, choice.payer as PayerChoice)) : [] });
      }
    }
    return { file: file.info, ...(choice.payer ? { payer: choice.payer } : {}), items };
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
      db.exec(PRICE_SCHEMA);
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
