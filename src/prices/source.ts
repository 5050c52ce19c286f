/**
 * The edge between `medbill audit --prices/--payer/--locality/--zip` and the pure engine: turns
 * the options into what each auditing thread needs, once per run, with flat memory whatever
 * the size of the price file.
 *
 * - `--prices FILE` for bills whose codes can be read first (files, not stdin, not grouped
 *   claims or NDJSON, a few megabytes in all): the price file is streamed once, keeping only
 *   the items of those codes (and only the chosen payer's rates). The kept items are small and
 *   go to every worker thread with the run's settings.
 * - `--prices FILE` for anything else (a batch of claims streamed through worker threads): the
 *   price file is streamed once into a temporary store (the standard charges of every item,
 *   and the chosen payer's rates), which each thread opens read-only like the data store; it
 *   is removed at the end of the run.
 * - `--prices NAME`: a price file imported earlier (`medbill data import`), read from the data store.
 * - `--locality MAC-LL` or `--zip 12345`: the payment locality of the imported GPCIs (a ZIP code
 *   through CMS's ZIP code to carrier locality file).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Bill } from '../bill/schema.js';
import type { ReadOptions } from '../bill/read.js';
import { storePath } from '../data/dir.js';
import { DataError, IoError, UsageError, type Problem } from '../errors.js';
import { packageRoot } from '../paths.js';
import { fileChunks, readPriceFile, type KeepRates } from './hpt-read.js';
import { revenueCodeKey, type HospitalPrices, type Locality, type PayerChoice, type PriceItem } from './model.js';

/** How each auditing thread gets a bill's hospital prices. */
export type PriceSettings =
  | { kind: 'memory'; prices: HospitalPrices }
  | { kind: 'store'; dir: string; name: string; payer?: PayerChoice };

/** The price options of `medbill audit`. */
export interface PriceOptions {
  prices?: string;
  payer?: string;
  plan?: string;
  locality?: string;
  zip?: string;
}

/** What {@link preparePrices} needs to know about the run. */
export interface PriceRun {
  inputs: string[];
  cwd: string;
  dataDir: string;
  read: ReadOptions;
  inputFormat?: 'csv' | 'json' | 'ndjson';
  /** Files to remove if the run is interrupted. */
  cleanup: Set<string>;
  /** The bill reader (bill/read.ts `parseBill`), passed in so that this module does not pull the bill readers into its chunk. */
  parse(text: string, name: string, options: ReadOptions): Bill[];
}

/** What the run's settings get, notes for stderr, and what to remove when the run ends. */
export interface PreparedPrices {
  prices?: PriceSettings;
  locality?: Locality;
  notes: string[];
  dispose(): void;
}

/** Bills larger than this in all are not read ahead for their codes: their prices go through a temporary store. */
const READ_AHEAD_BYTES = 32 * 1024 * 1024;

/** `--locality 01112-05` (MAC and locality number; `01112:05` and `0111205` too). Throws {@link UsageError}. */
export function parseLocality(value: string): { mac: string; locality: string } {
  const m = /^\s*(\d{5})\s*[-:/ ]?\s*(\d{1,2})\s*$/.exec(value);
  if (!m) throw new UsageError(`--locality ${value}: expected the Medicare contractor (MAC) number and the locality number, e.g. 01112-05 (see the GPCI file)`);
  return { mac: m[1] as string, locality: (m[2] as string).padStart(2, '0') };
}

/** The CPT/HCPCS codes of the bills (and the revenue codes of lines without one), read ahead; undefined when the inputs cannot be read ahead. */
function billCodes(run: PriceRun): Set<string> | undefined {
  if (run.read.groupBy || run.inputFormat === 'ndjson') return undefined;
  let total = 0;
  const paths: string[] = [];
  for (const input of run.inputs) {
    if (input === '-' || /\.(ndjson|jsonl)$/i.test(input)) return undefined;
    const p = resolve(run.cwd, input);
    if (!existsSync(p) || !statSync(p).isFile()) return undefined;
    total += statSync(p).size;
    if (total > READ_AHEAD_BYTES) return undefined;
    paths.push(p);
  }
  const codes = new Set<string>();
  run.inputs.forEach((input, i) => {
    try {
      for (const bill of run.parse(readFileSync(paths[i] as string, 'utf8'), input, run.read)) {
        for (const l of bill.lines) {
          if (l.type !== 'charge') continue;
          if (l.code) codes.add(l.code);
          else if (l.revenueCode) codes.add(revenueCodeKey(l.revenueCode));
        }
      }
    } catch {
      // A bill that cannot be read is reported by the audit itself.
    }
  });
  return codes;
}

function opened(label: string, path: string): AsyncIterable<Uint8Array> {
  return fileChunks(path, (err) => {
    throw new IoError(`cannot read ${label}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`, { file: label });
  });
}

/**
 * Prepares the price data of a run. Throws {@link UsageError} for options that cannot be
 * carried out (`--payer` without `--prices`, an unknown locality or ZIP code, a price name that
 * is neither a file nor an imported price file), `DataError` for a price file medbill cannot
 * read (naming file, row and field), `IoError` when it cannot be read at all.
 */
export async function preparePrices(o: PriceOptions, run: PriceRun): Promise<PreparedPrices> {
  const notes: string[] = [];
  const disposers: Array<() => void> = [];
  const out: PreparedPrices = { notes, dispose: () => disposers.forEach((d) => d()) };
  if ((o.payer !== undefined || o.plan !== undefined) && o.prices === undefined) throw new UsageError('--payer and --plan name a payer of the hospital price file: give the file with --prices FILE');
  if (o.plan !== undefined && o.payer === undefined) throw new UsageError('--plan needs --payer: the plan is one of that payer’s');
  if (o.locality !== undefined && o.zip !== undefined) throw new UsageError('give --locality or --zip, not both');
  const payer: PayerChoice | undefined = o.payer !== undefined ? { payer: o.payer, ...(o.plan !== undefined ? { plan: o.plan } : {}) } : undefined;
  const hasStore = existsSync(storePath(run.dataDir));

  if (o.locality !== undefined || o.zip !== undefined) {
    if (!hasStore) throw new UsageError(`${o.zip !== undefined ? '--zip' : '--locality'} picks a locality of CMS's GPCI file, which is not imported (data directory: ${run.dataDir}); import the RVU zip (GPCI2026.csv) and, for --zip, the ZIP code to carrier locality file: medbill data import`);
    const { openStore } = await import('../data/store.js');
    const store = await openStore(run.dataDir, { create: false });
    try {
      let loc: Locality;
      if (o.zip !== undefined) {
        if (!/^\d{5}(-?\d{4})?$/.test(o.zip.trim())) throw new UsageError(`--zip ${o.zip}: expected a five-digit ZIP code`);
        const found = store.localityOfZip(o.zip.trim().slice(0, 5));
        if (!found) throw new UsageError(`--zip ${o.zip}: not in an imported ZIP code to carrier locality file (import CMS's ZIP5 file with medbill data import, or give --locality MAC-LL)`);
        loc = { mac: found.mac, locality: found.locality, ...(found.state ? { state: found.state } : {}), via: `--zip ${o.zip.trim().slice(0, 5)}` };
      } else {
        const l = parseLocality(o.locality as string);
        loc = { ...l, via: `--locality ${l.mac}-${l.locality}` };
      }
      const g = store.gpcis(loc);
      if (g.length === 0) {
        const all = store.gpcis();
        if (all.length === 0) throw new UsageError(`${loc.via}: CMS's GPCI file is not imported (import the RVU zip or GPCI2026.csv with medbill data import)`);
        throw new UsageError(`${loc.via}: locality ${loc.mac}-${loc.locality} is not in the imported GPCI file (e.g. ${[...new Set(all.slice(0, 4).map((x) => `${x.mac}-${x.locality} ${x.name}`))].join(', ')})`);
      }
      if (g[0]?.name) loc.name = g[0].name;
      if (!loc.state && g[0]?.state) loc.state = g[0].state;
      out.locality = loc;
    } finally {
      store.close();
    }
  }

  if (o.prices === undefined) return out;
  const path = resolve(run.cwd, o.prices);
  if (!existsSync(path)) {
    if (hasStore) {
      const { openStore } = await import('../data/store.js');
      const store = await openStore(run.dataDir, { create: false });
      try {
        const files = store.priceFiles();
        if (files.some((f) => f.name === o.prices)) {
          out.prices = { kind: 'store', dir: run.dataDir, name: o.prices, ...(payer ? { payer } : {}) };
          return out;
        }
        if (files.length > 0) throw new UsageError(`--prices ${o.prices}: no such file, and no imported price file of that name (imported: ${files.map((f) => f.name).join(', ')})`);
      } finally {
        store.close();
      }
    }
    throw new UsageError(`--prices ${o.prices}: no such file (give the hospital's price file, or the name of one imported with medbill data import)`);
  }
  if (statSync(path).isDirectory()) throw new UsageError(`--prices ${o.prices}: a directory; give the hospital's price file`);
  const keepRates: KeepRates = payer ?? 'none';
  const codes = billCodes(run);
  if (codes) {
    const items: PriceItem[] = [];
    const r = await readPriceFile(opened(o.prices, path), { label: o.prices, codes, keepRates, onItem: (i) => items.push(i) });
    if (payer && !r.payerSeen) notes.push(`--payer "${payer.payer}"${payer.plan ? ` --plan "${payer.plan}"` : ''}: ${o.prices} has no rate of that payer for the bill's codes${r.payers.length > 0 ? ` (payers there: ${r.payers.slice(0, 8).join(', ')})` : ''}`);
    out.prices = { kind: 'memory', prices: { file: r.info, ...(payer ? { payer } : {}), items } };
    return out;
  }
  // A batch: stream the file once into a temporary store each thread reads, on a worker
  // thread with a bounded heap (this thread's memory stays as it was).
  const dir = mkdtempSync(join(tmpdir(), 'medbill-prices-'));
  const file = storePath(dir);
  run.cleanup.add(file);
  disposers.push(() => {
    run.cleanup.delete(file);
    rmSync(dir, { recursive: true, force: true });
  });
  let seen: { payerSeen: boolean; payers: string[] };
  try {
    seen = await inWorker({ dir, path, label: o.prices, ...(payer ? { payer } : {}) });
  } catch (err) {
    out.dispose();
    throw err;
  }
  if (payer && !seen.payerSeen) notes.push(`--payer "${payer.payer}"${payer.plan ? ` --plan "${payer.plan}"` : ''}: ${o.prices} has no rate of that payer${seen.payers.length > 0 ? ` (payers there: ${seen.payers.slice(0, 8).join(', ')})` : ''}`);
  out.prices = { kind: 'store', dir, name: 'run', ...(payer ? { payer } : {}) };
  return out;
}

/** What the store worker is given: the temporary data directory, the price file, the payer whose rates to keep. */
export interface PriceStoreJob {
  dir: string;
  path: string;
  label: string;
  payer?: PayerChoice;
}

/**
 * Streams a price file into a new store in `job.dir` under the name `run` (the standard
 * charges of every item and the chosen payer's rates). Returns whether the payer was seen.
 * Throws `DataError` (naming file, row and field) or `IoError`; nothing is kept on error.
 */
export async function fillPriceStore(job: PriceStoreJob): Promise<{ payerSeen: boolean; payers: string[] }> {
  const { openStore } = await import('../data/store.js');
  const store = await openStore(job.dir, { create: true });
  let seen = { payerSeen: false, payers: [] as string[] };
  try {
    store.begin();
    await store.importPrices(
      'run',
      job.label,
      async (onItem, onInfo) => {
        const r = await readPriceFile(opened(job.label, job.path), { label: job.label, keepRates: job.payer ?? 'none', onItem, onInfo });
        seen = { payerSeen: r.payerSeen, payers: r.payers };
      },
      new Date(0).toISOString(),
    );
    store.commit();
    return seen;
  } catch (err) {
    store.rollback();
    throw err;
  } finally {
    store.close();
  }
}

/** Runs {@link fillPriceStore} on a worker thread (dist/prices-worker.mjs) with a bounded heap; a problem it reports is rethrown as the same kind of error. */
async function inWorker(job: PriceStoreJob): Promise<{ payerSeen: boolean; payers: string[] }> {
  const script = join(packageRoot(), 'dist', 'prices-worker.mjs');
  if (!existsSync(script)) return fillPriceStore(job);
  const { Worker } = await import('node:worker_threads');
  const worker = new Worker(script, { workerData: job, resourceLimits: { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 8 } });
  try {
    const msg = await new Promise<{ ok: true; seen: { payerSeen: boolean; payers: string[] } } | { ok: false; problems: Problem[] }>((done, fail) => {
      worker.once('message', done);
      worker.once('error', fail);
      worker.once('exit', (code) => fail(new Error(`the price-file thread exited with code ${code}`)));
    });
    if (msg.ok) return msg.seen;
    const first = msg.problems[0] as Problem;
    const Kind = first.code === 'IO' ? IoError : first.code === 'USAGE' ? UsageError : DataError;
    throw Kind === UsageError ? new UsageError(first.message) : new Kind(first.message, first.location);
  } finally {
    await worker.terminate();
  }
}

/** A bill's share of prices held in memory: the items that carry one of its codes. */
export function pricesForCodes(prices: HospitalPrices, codes: ReadonlySet<string>): HospitalPrices {
  return { ...prices, items: prices.items.filter((i) => i.codes.some((c) => codes.has(c.code))) };
}
