/**
 * The streaming batch audit behind `medbill audit`: reads every input as it arrives, cuts a
 * multi-claim delimited file into chunks of complete records, audits the chunks on a pool of
 * worker threads (or inline with `--jobs 1`), stitches claims that span two chunks, and writes
 * each bill's report as soon as every report before it is written. Memory holds the chunks in
 * flight and one claim per file, never a whole file (except a single bill, which is one file).
 *
 * Claims must be contiguous in a grouped file. A claim that appears again after other claims
 * is an error ("interleaved"), reported with the rows involved; `--assume-sorted` skips that
 * check (and its memory for the claim ids seen), auditing a repeated claim as a new bill.
 */
import { join } from 'node:path';
import { applyFixes, groupToRawBill, csvRecords, detectCsvLayout, detectDelimiter, rowAt, scanCsv, type CsvLayout } from '../bill/csv.js';
import { errorReport } from '../engine.js';
import { BillError, IoError, MedbillError, toProblems, type Problem } from '../errors.js';
import { packageRoot } from '../paths.js';
import type { Report } from '../report.js';
import type { RuleSelection } from '../rules/loader.js';
import { auditRaw, edgeToGroup, processJob, render, statOf, type AuditKit, type BillStat, type EdgeGroup, type Job, type JobResult, type JobSettings } from './jobs.js';
import { WorkerPool } from './pool.js';

/** Where the reports go: `write` resolves when the text is accepted (back-pressure); `closed` is true once the reader went away. */
export interface OutputSink {
  write(text: string | Uint8Array): Promise<void>;
  closed?(): boolean;
}

/** Options of a batch run. */
export interface BatchOptions {
  /** Files (paths as the user gave them, resolved by `open`) or `-` for stdin. */
  inputs: string[];
  settings: JobSettings;
  /** The rules (and reference store) the writing thread audits with: whole files and chunk edges. */
  kit: AuditKit;
  ruleDirs: string[];
  selection: RuleSelection;
  jobs: number;
  assumeSorted: boolean;
  bail: boolean;
  inputFormat?: 'csv' | 'json' | 'ndjson';
  /** Opens an input as a UTF-8 text stream. */
  open(input: string): AsyncIterable<string>;
  /** Called with running totals every few hundred milliseconds (progress display). */
  onProgress?(p: Progress): void;
  /** Called with the errors of every report that has some (an unreadable input or claim), for stderr. */
  onProblem?(problems: Problem[]): void;
  /**
   * Called with every report, in output order, after it is written (set `settings.keepReports`
   * so that worker results carry their reports). Awaited: letters are written per bill here.
   */
  onReport?(report: Report): Promise<void>;
}

/** Running totals of a batch. */
export interface Progress {
  bills: number;
  lines: number;
  error: number;
  warning: number;
  info: number;
  /** Bills that could not be read or audited (their reports carry `errors`). */
  billsWithErrors: number;
  amountAtStakeCents: number;
  chargesCents: number;
  /** Highest severity rank seen (3 error … 0 none). */
  top: number;
}

const CHUNK_CHARS = 256 * 1024;
const NDJSON_LINES = 2000;

/** A job's result: started at once on a worker, or computed when the writer asks (inline). */
type Pending = () => Promise<JobResult>;

type Task =
  | { type: 'result'; file: FileState; result: Pending }
  | { type: 'problem'; file: FileState; problems: Problem[] }
  | { type: 'end'; file: FileState };

interface FileState {
  name: string;
  layout?: CsvLayout;
  /** The claim that may continue in the next chunk. */
  pending?: EdgeGroup;
  /** Claims already complete (interleaving check), with their first row. */
  seen?: Map<string, number>;
  stopped?: boolean;
}

/** Bounded FIFO between the reader and the writer: the reader waits when it is full. */
class TaskQueue {
  private items: Task[] = [];
  private waitingReader: (() => void) | undefined;
  private waitingWriter: (() => void) | undefined;
  private closed = false;
  constructor(private readonly limit: number) {}
  async push(t: Task): Promise<void> {
    while (this.items.length >= this.limit) await new Promise<void>((r) => (this.waitingReader = r));
    this.items.push(t);
    this.waitingWriter?.();
    this.waitingWriter = undefined;
  }
  close(): void {
    this.closed = true;
    this.waitingWriter?.();
    this.waitingWriter = undefined;
  }
  async shift(): Promise<Task | undefined> {
    while (this.items.length === 0) {
      if (this.closed) return undefined;
      await new Promise<void>((r) => (this.waitingWriter = r));
    }
    const t = this.items.shift();
    this.waitingReader?.();
    this.waitingReader = undefined;
    return t;
  }
}

function looksJson(head: string): boolean {
  return /^\s*[[{]/.test(head);
}

/**
 * Runs the batch: reads, audits and writes every input, in input order. Resolves with the
 * totals. Bad input never throws: it becomes an error report in its place (and `--bail` stops
 * the run after it). Worker failures reject.
 */
export async function runBatch(o: BatchOptions, out: OutputSink): Promise<Progress> {
  const total: Progress = { bills: 0, lines: 0, error: 0, warning: 0, info: 0, billsWithErrors: 0, amountAtStakeCents: 0, chargesCents: 0, top: 0 };
  const s = o.settings;
  const pool = o.jobs > 1 ? new LazyPool(o) : undefined;
  const queue = new TaskQueue(Math.max(4, o.jobs * 3));
  let stop = false;
  const run = (job: Job): Pending => {
    if (!pool) return () => Promise.resolve(processJob(job, o.kit, s));
    const started = pool.run(job);
    started.catch(() => undefined); // awaited in order by the writer
    return () => started;
  };
  const emitter = new Emitter(out, s);

  const producer = (async () => {
    for (const input of o.inputs) {
      if (stop) break;
      const file: FileState = { name: input === '-' ? '<stdin>' : input };
      try {
        await readInput(input, file, o, run, queue, () => stop || file.stopped === true);
      } catch (err) {
        const problems = err instanceof MedbillError || !(err instanceof Error) || typeof (err as NodeJS.ErrnoException).code !== 'string' ? toProblems(err) : ioProblems(file.name, err as NodeJS.ErrnoException);
        await queue.push({ type: 'problem', file, problems });
      }
      await queue.push({ type: 'end', file });
    }
    queue.close();
  })();

  const account = (st: BillStat) => {
    total.bills++;
    total.lines += st.lines;
    total.error += st.error;
    total.warning += st.warning;
    total.info += st.info;
    if (st.errors > 0) total.billsWithErrors++;
    total.amountAtStakeCents += st.amountAtStakeCents;
    total.chargesCents += st.chargesCents;
    total.top = Math.max(total.top, st.top);
    if (st.problems) o.onProblem?.(st.problems);
    if (st.errors > 0 && o.bail) stop = true;
  };
  const auditEdge = async (file: FileState, edge: EdgeGroup) => {
    const layout = file.layout as CsvLayout;
    const report = auditRaw(groupToRawBill(edgeToGroup(edge, layout), layout), s.read, o.kit, s);
    account(statOf(report));
    await emitter.emit(render(report, s));
    await o.onReport?.(report);
  };
  const problemReport = async (file: FileState, problems: Problem[]) => {
    const report = errorReport(file.name, problems, o.kit.rules, { version: s.version });
    account(statOf(report));
    await emitter.emit(render(report, s));
    await o.onReport?.(report);
  };
  /** Marks a claim complete; false (after reporting) when it was complete before: interleaved input. */
  const complete = async (file: FileState, claim: string, firstRow: number): Promise<boolean> => {
    if (!file.seen) return true;
    const before = file.seen.get(claim);
    if (before === undefined) {
      file.seen.set(claim, firstRow);
      return true;
    }
    file.stopped = true;
    await problemReport(file, [
      {
        code: 'BILL_INVALID',
        message:
          `claims are interleaved: claim ${claim} appears again at row ${firstRow} after other claims (it started at row ${before}), so its report above covers only its first rows. ` +
          'medbill reads a multi-claim file one claim at a time and does not hold the whole file: sort the file by the --group-by column first (keeping the header on top), ' +
          'or give --assume-sorted to audit each run of rows of a claim as its own bill',
        location: { file: file.name, row: firstRow },
      },
    ]);
    return false;
  };

  const emitAll = async (r: JobResult) => {
    if (r.packed) {
      let at = 0;
      for (const [i, n] of r.packed.lengths.entries()) {
        account(r.stats[i] as BillStat);
        await emitter.emit(r.packed.bytes.subarray(at, at + n));
        at += n;
        if (r.reports?.[i]) await o.onReport?.(r.reports[i]);
      }
      return;
    }
    for (const [i, text] of r.outputs.entries()) {
      account(r.stats[i] as BillStat);
      await emitter.emit(text);
      if (r.reports?.[i]) await o.onReport?.(r.reports[i]);
    }
  };

  const consumer = (async () => {
    let ticker = Date.now();
    for (;;) {
      const task = await queue.shift();
      if (!task) break;
      const file = task.file;
      if (task.type === 'problem') {
        if (!file.stopped) await problemReport(file, task.problems);
        file.stopped = true;
        continue;
      }
      if (task.type === 'end') {
        if (file.pending && !file.stopped) {
          const p = file.pending;
          file.pending = undefined;
          if (await complete(file, p.claim, p.firstRow)) await auditEdge(file, p);
        }
        continue;
      }
      const r = await task.result();
      // Let signals (Ctrl-C) and I/O callbacks run between chunks.
      await new Promise<void>((done) => setImmediate(done));
      if (out.closed?.()) stop = true;
      if (file.stopped || stop) continue;
      if (!r.first) {
        // Whole files, NDJSON runs, or a chunk error: reports in order.
        await emitAll(r);
      } else {
        const first = r.first;
        if (file.pending && file.pending.claim === first.claim) {
          // The claim continues from the previous chunk.
          file.pending = mergeEdges(file.pending, first);
        } else {
          if (file.pending) {
            const p = file.pending;
            file.pending = undefined;
            if (!(await complete(file, p.claim, p.firstRow))) continue;
            await auditEdge(file, p);
          }
          file.pending = first;
        }
        if (!r.single) {
          const p = file.pending as EdgeGroup;
          file.pending = undefined;
          if (!(await complete(file, p.claim, p.firstRow))) continue;
          await auditEdge(file, p);
          const inner = (r.claims ?? []).slice(1, -1);
          let ok = true;
          for (const c of inner) if (!(ok = await complete(file, c.claim, c.firstRow))) break;
          if (!ok) continue;
          await emitAll(r);
          const last = r.last as EdgeGroup;
          if (file.seen?.has(last.claim)) {
            await complete(file, last.claim, last.firstRow);
            continue;
          }
          file.pending = last;
        }
      }
      if (o.onProgress && Date.now() - ticker > 250) {
        ticker = Date.now();
        o.onProgress(total);
      }
    }
  })();

  try {
    await Promise.all([producer, consumer]);
  } finally {
    await pool?.close();
  }
  await emitter.finish(total);
  return total;
}

function mergeEdges(a: EdgeGroup, b: EdgeGroup): EdgeGroup {
  const skipped = { ...a.skipped };
  for (const k of ['subtotal', 'balance-forward', 'transfer'] as const) skipped[k] += b.skipped[k];
  return { claim: a.claim, rows: [...a.rows, ...b.rows], statedTotals: [...a.statedTotals, ...b.statedTotals], noteRows: a.noteRows + b.noteRows, skipped, firstRow: a.firstRow };
}

function ioProblems(name: string, e: NodeJS.ErrnoException): Problem[] {
  const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'is a directory' : e.code === 'EACCES' ? 'permission denied' : e.message;
  return new IoError(`cannot read ${name}: ${why}`).problems;
}

/** Starts the worker pool on the first job, so a run of one small bill never pays for it. */
class LazyPool {
  private pool: WorkerPool | undefined;
  constructor(private readonly o: BatchOptions) {}
  run(job: Job): Promise<JobResult> {
    this.pool ??= new WorkerPool(this.o.jobs, join(packageRoot(), 'dist', 'worker.mjs'), { ruleDirs: this.o.ruleDirs, selection: this.o.selection, settings: this.o.settings });
    return this.pool.run(job);
  }
  async close(): Promise<void> {
    await this.pool?.close();
  }
}

/**
 * Reads one input and queues its jobs. A whole file becomes one job unless it is a grouped
 * delimited file (chunks of about 256 KB) or NDJSON (runs of lines). Whole files, and inputs
 * that are a single chunk or run, are audited inline even with a pool: starting the worker
 * threads (about 150 ms) costs more than such an audit.
 */
async function readInput(
  input: string,
  file: FileState,
  o: BatchOptions,
  run: (job: Job) => Pending,
  queue: TaskQueue,
  stopped: () => boolean,
): Promise<void> {
  const s = o.settings;
  const iter = o.open(input)[Symbol.asyncIterator]();
  let buf = '';
  let eof = false;
  const more = async (): Promise<boolean> => {
    if (eof) return false;
    const n = await iter.next();
    if (n.done) {
      eof = true;
      return false;
    }
    buf += n.value;
    return true;
  };
  await more();
  if (buf.charCodeAt(0) === 0xfeff) buf = buf.slice(1);
  const lower = file.name.toLowerCase();
  const ndjson = o.inputFormat === 'ndjson' || (o.inputFormat === undefined && (lower.endsWith('.ndjson') || lower.endsWith('.jsonl')));
  if (ndjson) {
    let row = 1;
    for (;;) {
      while (!eof && buf.split('\n', NDJSON_LINES + 1).length <= NDJSON_LINES) await more();
      if (stopped()) return;
      const cut = eof ? buf.length : buf.lastIndexOf('\n') + 1;
      const lines = buf.slice(0, cut).split('\n');
      if (lines[lines.length - 1] === '') lines.pop();
      buf = buf.slice(cut);
      if (lines.length > 0) {
        const job: Job = { kind: 'ndjson', name: file.name, lines: lines.map((l) => l.replace(/\r$/, '')), firstRow: row };
        // All of the input in one run: audited here, as a one-chunk file is (below).
        const whole = row === 1 && eof && buf === '';
        await queue.push({ type: 'result', file, result: whole ? () => Promise.resolve(processJob(job, o.kit, s)) : run(job) });
        row += lines.length;
      }
      if (eof && buf === '') return;
    }
  }
  const json = o.inputFormat === 'json' || (o.inputFormat === undefined && (lower.endsWith('.json') || looksJson(buf.slice(0, 200))));
  if (json || !s.read.groupBy) {
    while (await more());
    const job: Job = { kind: 'text', name: file.name, text: buf };
    // A single bill is audited where it was read; a thread hop would cost more than the audit.
    await queue.push({ type: 'result', file, result: () => Promise.resolve(processJob(job, o.kit, s)) });
    return;
  }
  if (!o.assumeSorted) file.seen = new Map();
  // Grouped delimited file: find the header in the first complete records, then stream chunks.
  while (!eof && buf.length < 65536) await more();
  if (buf.trim() === '') throw new BillError('the file is empty: expected a header row and item rows', { file: file.name });
  const delimiter = detectDelimiter(buf);
  let head = scanCsv(buf, delimiter, eof);
  if (head.error) throw new BillError(head.error.message, { file: file.name, row: rowAt(buf, head.error.offset, 1) });
  const headRecords = csvRecords(applyFixes(buf.slice(0, head.complete), head.fixes), delimiter, 1, head.quoted);
  const { layout, headerAt } = detectCsvLayout(headRecords, delimiter, { file: file.name, ...(s.read.map ? { map: s.read.map } : {}), groupBy: s.read.groupBy });
  file.layout = layout;
  // Text after the header record: from the start of the row after the header's last line.
  const next = headRecords[headerAt + 1];
  let row = next ? next.row : rowAt(buf, head.complete, 1);
  let offset = next ? offsetOfRow(buf, row) : head.complete;
  buf = buf.slice(offset);
  let chunks = 0;
  for (;;) {
    while (!eof && buf.length < CHUNK_CHARS) await more();
    if (stopped()) return;
    head = scanCsv(buf, delimiter, eof);
    if (head.error) throw new BillError(head.error.message, { file: file.name, row: rowAt(buf, head.error.offset, row) });
    if (head.complete === 0 && !eof) {
      if (!(await more())) continue;
      continue;
    }
    const text = applyFixes(buf.slice(0, head.complete), head.fixes);
    buf = buf.slice(head.complete);
    if (text !== '') {
      const job: Job = { kind: 'chunk', layout, text, firstRow: row, quoted: head.quoted };
      // A file that is one chunk is audited where it was read: starting the worker threads
      // would cost more than the audit (the same bytes either way: processJob is the same).
      const whole = chunks === 0 && eof && buf === '';
      await queue.push({ type: 'result', file, result: whole ? () => Promise.resolve(processJob(job, o.kit, s)) : run(job) });
      chunks++;
      row = rowAt(text, text.length, row);
    }
    if (eof && buf === '') return;
  }
}

function offsetOfRow(text: string, row: number): number {
  let off = 0;
  for (let r = 1; r < row; r++) {
    const i = text.indexOf('\n', off);
    if (i < 0) return text.length;
    off = i + 1;
  }
  return off;
}

const utf8 = new TextDecoder();

/** Writes rendered reports in the run's format, framing several JSON reports as one batch report. */
class Emitter {
  private count = 0;
  private held: string | undefined;
  constructor(
    private readonly out: OutputSink,
    private readonly s: JobSettings,
  ) {}

  async emit(output: string | Uint8Array): Promise<void> {
    this.count++;
    const f = this.s.format;
    // A JSON report comes as bytes from a job: it is framed (indented) as text.
    const text = f === 'json' && typeof output !== 'string' ? utf8.decode(output) : output;
    if (f === 'ndjson') return this.out.write(text);
    if (typeof text !== 'string') {
      if (this.count > 1) await this.out.write(f === 'markdown' ? '\n---\n\n' : '\n' + '─'.repeat(40) + '\n\n');
      return this.out.write(text);
    }
    if (f === 'json') {
      if (this.count === 1) {
        this.held = text;
        return;
      }
      const indent = (t: string) => '    ' + t.replace(/\n/g, '\n    ');
      if (this.count === 2) {
        await this.out.write(`{\n  "schemaVersion": "1",\n  "reports": [\n${indent(this.held as string)}`);
        this.held = undefined;
      }
      return this.out.write(`,\n${indent(text)}`);
    }
    const sep = f === 'markdown' ? '\n---\n\n' : '\n' + '─'.repeat(40) + '\n\n';
    return this.out.write(this.count > 1 ? sep + text : text);
  }

  async finish(t: Progress): Promise<void> {
    const f = this.s.format;
    if (f === 'json') {
      if (this.count === 1) return this.out.write((this.held as string) + '\n');
      if (this.count === 0) return;
      const summary = {
        bills: t.bills,
        billsWithErrors: t.billsWithErrors,
        findings: { error: t.error, warning: t.warning, info: t.info },
        amountAtStakeCents: t.amountAtStakeCents,
        chargesCents: t.chargesCents,
      };
      return this.out.write(`\n  ],\n  "summary": ${JSON.stringify(summary, null, 2).replace(/\n/g, '\n  ')}\n}\n`);
    }
    if (f === 'text' && this.count > 1) {
      const failed = t.billsWithErrors;
      const audited = this.count - failed;
      return this.out.write(`\n${audited} bill${audited === 1 ? '' : 's'} audited${failed ? `, ${failed} could not be read` : ''}; total at stake ${(t.amountAtStakeCents / 100).toLocaleString('en-US', { style: 'currency', currency: 'USD' })}.\n`);
    }
  }
}
