/**
 * Units of work of a batch audit and how each is processed. A job is a whole small file, a
 * chunk of a multi-claim CSV file (complete records only), or a run of NDJSON bills. The same
 * {@link processJob} runs inline (`--jobs 1`) or in a worker thread, so the output is the same
 * bytes whatever the number of jobs. Pure apart from the rule loading done once per thread.
 */
import { buildBill, type BillOptions, type LineLayout, type RawBill, type RawLine } from '../bill/build.js';
import { csvRecords, CsvGrouper, groupToRawBill, type CsvGroup, type CsvLayout } from '../bill/csv.js';
import { parseBill, type ReadOptions } from '../bill/read.js';
import { readJson } from '../bill/json.js';
import { audit, errorReport, type AuditContext, type FindingDecisions } from '../engine.js';
import { toProblems, type Problem } from '../errors.js';
import { formatMarkdown } from '../formatters/markdown.js';
import { formatText } from '../formatters/text.js';
import type { Report } from '../report.js';
import type { RuleSet } from '../rules/loader.js';
import type { Bill } from '../bill/schema.js';
import { billCodes, openReference, type ReferenceSource } from '../data/reference.js';
import type { Locality } from '../prices/model.js';
import type { PriceSettings } from '../prices/source.js';
import type { PlanOptions } from '../plan.js';

/** Output formats a job renders each report in. */
export type OutputFormat = 'text' | 'json' | 'ndjson' | 'markdown';

/** What every job of a run shares: how to read, how to render. Sent once to each worker. */
export interface JobSettings {
  read: ReadOptions;
  format: OutputFormat;
  color: 0 | 1;
  width: number;
  version: string;
  /** Benchmarks and fees for the negotiation plan (`--medicare-amount`, `--advocate-fee`, ...). */
  plan?: PlanOptions;
  /** The data directory of imported CMS tables (each auditing thread opens its store read-only). */
  dataDir?: string;
  /** The user's decisions on findings (`--dismiss`, `--unsure`). */
  decisions?: FindingDecisions;
  /** Return each report object with its rendering (`JobResult.reports`), for letters written per bill (`--letters`). */
  keepReports?: boolean;
  /** Hospital prices of the run (`--prices`): items held in memory, or a store to open (src/prices/source.ts). */
  prices?: PriceSettings;
  /** The payment locality picked with `--locality` or `--zip`, for imported GPCIs. */
  locality?: Locality;
}

/** What a thread audits with: the loaded rules and, when tables were imported, the reference store; the run's hospital prices. */
export interface AuditKit {
  rules: RuleSet;
  reference?: ReferenceSource;
  prices?: ReferenceSource;
}

/**
 * Loads what a thread audits with: the rule packs, the reference store of `settings.dataDir`
 * (with the picked locality and imported price file), and the run's hospital prices (held in
 * memory, or a temporary store opened read-only). Throws RulesError/DataError.
 */
export async function openKit(rules: RuleSet, settings: JobSettings): Promise<AuditKit> {
  const p = settings.prices;
  const imported = p?.kind === 'store' && p.dir === settings.dataDir ? { name: p.name, ...(p.payer ? { payer: p.payer } : {}) } : undefined;
  const options = { ...(settings.locality ? { locality: settings.locality } : {}), ...(imported ? { prices: imported } : {}) };
  const reference = settings.dataDir ? await openReference(settings.dataDir, options) : undefined;
  const kit: AuditKit = reference ? { rules, reference } : { rules };
  if (p?.kind === 'memory') {
    const all = p.prices;
    kit.prices = {
      forBill(bill) {
        const { codes, revenueCodes } = billCodes(bill);
        const want = new Set([...codes, ...revenueCodes]);
        return { 'hospital-prices': { ...all, items: all.items.filter((i) => i.codes.some((c) => want.has(c.code))) } };
      },
      close() {},
    };
  } else if (p?.kind === 'store' && !imported) {
    const source = await openReference(p.dir, { prices: { name: p.name, ...(p.payer ? { payer: p.payer } : {}) } });
    if (source) kit.prices = source;
  }
  return kit;
}

/** A whole file read as one text (a single bill, a JSON bill, a small grouped file). */
export interface TextJob {
  kind: 'text';
  name: string;
  text: string;
}

/** A chunk of complete records of a delimited multi-claim file, after its header. */
export interface ChunkJob {
  kind: 'chunk';
  layout: CsvLayout;
  text: string;
  firstRow: number;
  quoted: boolean;
}

/** Lines of an NDJSON stream of bills, one JSON bill per line. */
export interface NdjsonJob {
  kind: 'ndjson';
  name: string;
  lines: string[];
  firstRow: number;
}

/** A unit of work. */
export type Job = TextJob | ChunkJob | NdjsonJob;

/** Per-bill numbers the run needs for its summary, exit code and progress. */
export interface BillStat {
  lines: number;
  errors: number;
  error: number;
  warning: number;
  info: number;
  amountAtStakeCents: number;
  chargesCents: number;
  /** Highest finding severity rank (3 error, 2 warning, 1 info, 0 none). */
  top: number;
  /** The report's errors, for stderr (only when there are some). */
  problems?: Problem[];
}

/** A claim of a chunk that may continue in the neighbouring chunk: its rows, not yet audited. */
export interface EdgeGroup {
  claim: string;
  rows: Array<{ values: string[]; row: number; problem?: string }>;
  statedTotals: RawBill['statedTotals'];
  noteRows: number;
  skipped: CsvGroup['skipped'];
  firstRow: number;
}

/** What a job returns: rendered reports in input order with their numbers, and a chunk's edges. */
export interface JobResult {
  outputs: string[];
  /**
   * The outputs as UTF-8 bytes with the byte length of each, instead of `outputs`: a worker
   * sends these (transferred, not copied) so the writing thread never holds the reports as strings.
   */
  packed?: { bytes: Uint8Array; lengths: number[] };
  stats: BillStat[];
  /** The reports behind `outputs`, in the same order, when the settings ask for them (`keepReports`). */
  reports?: Report[];
  /** Chunk jobs: the claims in the chunk in order (first and last included) and their first rows, for the interleaving check. */
  claims?: Array<{ claim: string; firstRow: number }>;
  /** Chunk jobs: the first and last claim, unaudited; `single` when the chunk held one claim. */
  first?: EdgeGroup;
  last?: EdgeGroup;
  single?: boolean;
  /** File-level total rows skipped in a grouped chunk. */
  fileTotals?: number;
}

/** The audit context of one bill: the tool version, the plan options, the decisions, the bill's reference data. */
function ctxOf(s: JobSettings, kit: AuditKit, bill: Bill): AuditContext {
  const ctx: AuditContext = { version: s.version };
  if (s.plan) ctx.plan = s.plan;
  if (s.decisions) ctx.decisions = s.decisions;
  if (kit.reference) ctx.reference = kit.reference.forBill(bill);
  if (kit.prices) ctx.reference = { ...(ctx.reference ?? {}), ...kit.prices.forBill(bill) };
  return ctx;
}

/** Renders one report in the run's format (ndjson: one line; json: pretty, without trailing newline). */
export function render(report: Report, s: JobSettings): string {
  switch (s.format) {
    case 'ndjson':
      return JSON.stringify(report) + '\n';
    case 'json':
      return JSON.stringify(report, null, 2);
    case 'markdown':
      return formatMarkdown(report);
    default:
      return formatText(report, { color: s.color, width: s.width });
  }
}

/** The numbers of one report. */
export function statOf(r: Report): BillStat {
  const f = r.summary.findings;
  return {
    lines: r.input.lineCount,
    errors: r.errors.length,
    error: f.error,
    warning: f.warning,
    info: f.info,
    amountAtStakeCents: r.summary.amountAtStakeCents,
    chargesCents: r.summary.chargesCents,
    top: f.error > 0 ? 3 : f.warning > 0 ? 2 : f.info > 0 ? 1 : 0,
    ...(r.errors.length > 0 ? { problems: r.errors as Problem[] } : {}),
  };
}

/** Builds and audits one raw bill; a bill that cannot be read becomes an error report. */
export function auditRaw(raw: RawBill, options: BillOptions, kit: AuditKit, s: JobSettings): Report {
  const rules = kit.rules;
  try {
    const bill = buildBill(raw, options);
    return audit(bill, rules, ctxOf(s, kit, bill));
  } catch (err) {
    const problems = toProblems(err);
    if (raw.claim !== undefined) for (const p of problems) p.message = `claim ${raw.claim}: ${p.message}`;
    return errorReport(raw.path, problems, rules, { version: s.version }, raw.claim);
  }
}

/** Rebuilds an edge group's raw lines with the file's layout. */
export function edgeToGroup(e: EdgeGroup, layout: CsvLayout): CsvGroup {
  const lines: RawLine[] = e.rows.map((r, i) => ({ values: r.values, layout: layout as LineLayout, file: layout.file, row: r.row, position: i + 1, ...(r.problem ? { problem: r.problem } : {}) }));
  return { claim: e.claim, lines, statedTotals: e.statedTotals, noteRows: e.noteRows, skipped: e.skipped, firstRow: e.firstRow };
}

function toEdge(g: CsvGroup): EdgeGroup {
  return {
    claim: g.claim ?? '',
    rows: g.lines.map((l) => ({ values: l.values as string[], row: l.row as number, ...(l.problem ? { problem: l.problem } : {}) })),
    statedTotals: g.statedTotals,
    noteRows: g.noteRows,
    skipped: g.skipped,
    firstRow: g.firstRow,
  };
}

/** A result being built: reports already encoded as UTF-8 (off the JS heap) until the job ends. */
interface Building extends JobResult {
  encoded?: Uint8Array[];
}

/**
 * Renders a report into the result, encoded to UTF-8 at once, so that a chunk's reports wait
 * as bytes outside the bounded heap of a worker, not as strings in it (the writer decodes a
 * JSON report again, one at a time, to frame it in the batch document).
 */
function push(result: JobResult, report: Report, s: JobSettings): void {
  ((result as Building).encoded ??= []).push(encoder.encode(render(report, s)));
  result.stats.push(statOf(report));
  if (s.keepReports) (result.reports ??= []).push(report);
}

/**
 * Processes one job with loaded rules. Never throws for bad input: a bill that cannot be read
 * becomes an error report in place; a chunk whose records cannot be grouped reports the
 * error as the chunk's only output.
 */
export function processJob(job: Job, kit: AuditKit, s: JobSettings): JobResult {
  const r = processJobInner(job, kit, s) as Building;
  const parts = r.encoded;
  if (!parts) return r;
  delete r.encoded;
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    bytes.set(p, at);
    at += p.length;
  }
  return { ...r, packed: { bytes, lengths: parts.map((p) => p.length) } };
}

const encoder = new TextEncoder();

function processJobInner(job: Job, kit: AuditKit, s: JobSettings): JobResult {
  const rules = kit.rules;
  const result: JobResult = { outputs: [], stats: [] };
  if (job.kind === 'text') {
    let bills;
    try {
      bills = parseBill(job.text, job.name, s.read);
    } catch (err) {
      push(result, errorReport(job.name, toProblems(err), rules, { version: s.version }), s);
      return result;
    }
    for (const bill of bills) push(result, audit(bill, rules, ctxOf(s, kit, bill)), s);
    return result;
  }
  if (job.kind === 'ndjson') {
    job.lines.forEach((line, i) => {
      const row = job.firstRow + i;
      if (line.trim() === '') return;
      let raws: RawBill[];
      try {
        raws = readJson(line, { file: job.name, ...(s.read.map ? { map: s.read.map } : {}), ...(s.read.groupBy ? { groupBy: s.read.groupBy } : {}) });
      } catch (err) {
        const problems: Problem[] = toProblems(err).map((p) => ({ ...p, location: { ...(p.location ?? {}), file: job.name, row } }));
        push(result, errorReport(job.name, problems, rules, { version: s.version }), s);
        return;
      }
      for (const raw of raws) {
        for (const l of raw.lines) l.row = row;
        push(result, auditRaw(raw, s.read, kit, s), s);
      }
    });
    return result;
  }
  const groups: CsvGroup[] = [];
  const grouper = new CsvGrouper(job.layout, (g) => groups.push(g));
  try {
    for (const r of csvRecords(job.text, job.layout.delimiter, job.firstRow, job.quoted)) grouper.add(r.record, r.row);
    grouper.finish();
  } catch (err) {
    push(result, errorReport(job.layout.file, toProblems(err), rules, { version: s.version }), s);
    return result;
  }
  result.claims = groups.map((g) => ({ claim: g.claim ?? '', firstRow: g.firstRow }));
  result.fileTotals = grouper.fileTotals;
  if (groups.length === 0) return result;
  result.first = toEdge(groups[0] as CsvGroup);
  if (groups.length === 1) {
    result.single = true;
    return result;
  }
  result.last = toEdge(groups[groups.length - 1] as CsvGroup);
  for (const g of groups.slice(1, -1)) {
    if (g.lines.length === 0) continue;
    push(result, auditRaw(groupToRawBill(g, job.layout), s.read, kit, s), s);
  }
  return result;
}
