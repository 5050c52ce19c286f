/**
 * `medbill audit`: read bills, run the rules, print or write the reports.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { isUtf8 } from 'node:buffer';
import { TextDecoder as NodeTextDecoder } from 'node:util';
import { basename, dirname, join, resolve } from 'node:path';
import { InvalidArgumentError, Option } from 'commander';
import { LINE_FIELD_DOCS, LINE_FIELDS } from '../bill/fields.js';
import { parseBill, type ReadOptions } from '../bill/read.js';
import { formatCents } from '../bill/values.js';
import { runBatch, type OutputSink, type Progress } from '../batch/run.js';
import { openKit, type JobSettings } from '../batch/jobs.js';
import { BillError, IoError, MedbillError, toProblems, UsageError, type Problem } from '../errors.js';
import { dataDir } from '../data/dir.js';
import { ExitCode } from '../exit-codes.js';
import { toolVersion } from '../paths.js';
import { loadRules, type RuleSet } from '../rules/loader.js';
import { severityRank, SEVERITIES, type Severity } from '../rules/schema.js';
import type { PlanOptions } from '../plan.js';
import type { Report } from '../report.js';
import { LETTER_KINDS, type LetterKind } from '../letters/model.js';
import { LETTER_FORMATS, type LetterFormat } from '../letters/options.js';
import { addBillOptions, addLetterOptions, addPriceOptions, decisionsOf, planOptionsOf, profileValuesOf, readOptionsOf, type BillFactOptions, type LetterContentOptions, type PriceOptionValues } from './bill-options.js';
import { collect, colorLevel, isoDateOption, printProblems, ruleDirs, type Io, type RegisterCommands } from './shared.js';

export { isoDateOption };

const FORMATS = ['text', 'json', 'ndjson', 'markdown'] as const;
const FAIL_ON = [...SEVERITIES, 'never'] as const;
const BILL_EXTENSIONS = ['.csv', '.tsv', '.txt', '.psv', '.json'];

/** The options of `medbill audit`, as commander parses them. */
export interface AuditOptions extends BillFactOptions, LetterContentOptions, PriceOptionValues {
  format: (typeof FORMATS)[number];
  output?: string;
  force?: boolean;
  failOn: (typeof FAIL_ON)[number];
  groupBy?: string;
  inputFormat?: 'csv' | 'json' | 'ndjson';
  inputList?: string;
  jobs?: number;
  assumeSorted?: boolean;
  bail?: boolean;
  quiet?: boolean;
  letters?: string;
  letterFormat: LetterFormat;
  letterKinds: string[];
  interactive?: boolean;
  color?: boolean;
  verbose?: boolean;
  dataDir?: string;
}

/** Commander option parser for a positive whole number. */
function positiveInt(value: string): number {
  const n = /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a whole number of 1 or more (got "${value}")`);
  return n;
}

/** Bill arguments expanded: the inputs in order, and those that stand for no file (an empty directory, a pattern that matches nothing) with the reason. */
interface Inputs {
  files: string[];
  empty: Map<string, string>;
}

/**
 * Expands bill arguments: `-` (stdin), files, directories (their bill files) and glob patterns.
 * A directory without bill files or a pattern that matches nothing stays in the list, in its
 * place, with its reason in `empty`: in a batch it is reported there like an unreadable file.
 */
async function expandInputs(args: string[], cwd: string): Promise<Inputs> {
  const files: string[] = [];
  const empty = new Map<string, string>();
  for (const arg of args) {
    if (arg === '-') {
      files.push('-');
      continue;
    }
    const p = resolve(cwd, arg);
    if (existsSync(p) && statSync(p).isDirectory()) {
      const found = (await readdir(p)).filter((f) => BILL_EXTENSIONS.some((x) => f.toLowerCase().endsWith(x))).sort();
      if (found.length === 0) empty.set(arg, `the directory holds no bill files (${BILL_EXTENSIONS.join(', ')})`);
      files.push(...(found.length === 0 ? [arg] : found.map((f) => join(arg, f))));
    } else if (!existsSync(p) && /[*?[\]{}]/.test(arg)) {
      const { glob } = await import('tinyglobby');
      const found = (await glob(arg, { cwd, onlyFiles: true })).sort();
      if (found.length === 0) empty.set(arg, 'no file matches this pattern');
      files.push(...(found.length === 0 ? [arg] : found));
    } else files.push(arg);
  }
  // Nothing but empty arguments: nothing to audit, a usage error.
  const first = files.length > 0 && files.every((f) => empty.has(f)) ? (files[0] as string) : undefined;
  if (first !== undefined) throw new UsageError(`${first}: ${empty.get(first) as string}`);
  return { files, empty };
}

/** Opens an expanded input: an empty argument ({@link Inputs}) fails with its reason when read (an {@link IoError}, reported in its place). */
function openExpanded(input: string, inputs: Inputs, io: Io): AsyncIterable<string> {
  const reason = inputs.empty.get(input);
  if (reason === undefined) return openInput(input, io, io.cwd);
  return (async function* failing(): AsyncGenerator<string> {
    throw new IoError(reason, { file: input });
  })();
}

/**
 * An output sink over a writable stream: waits for 'drain' when the stream asks, and treats a
 * reader that went away (EPIPE: `medbill … | head`) as the end of the output, not an error.
 */
function streamSink(stream: NodeJS.WritableStream | Io['stdout']): OutputSink & { failure?: Error } {
  let closed = false;
  const sink: OutputSink & { failure?: Error } = {
    closed: () => closed,
    write: (text) =>
      new Promise<void>((done) => {
        if (closed) return done();
        const w = stream as NodeJS.WritableStream;
        if (w.write(text as string) === false && typeof w.once === 'function') w.once('drain', done);
        else done();
      }),
  };
  const w = stream as NodeJS.WritableStream;
  if (typeof w.on === 'function') {
    w.on('error', (err: NodeJS.ErrnoException) => {
      closed = true;
      if (err.code !== 'EPIPE') sink.failure = err;
      if (typeof w.emit === 'function') w.emit('drain');
    });
  }
  return sink;
}

/**
 * Opens an input as text: UTF-8, or UTF-16 when the file starts with its byte-order mark
 * (Excel's "Unicode text" export), or Windows-1252 from the first chunk that is not valid
 * UTF-8 to the end (a Windows export: Excel's "CSV" on Windows writes the ANSI code page).
 * PDF, Excel and other binary files are refused with a message that says what to export
 * instead. Throws {@link BillError}.
 */
async function* decodeInput(chunks: AsyncIterable<Buffer | string>, name: string): AsyncIterable<string> {
  let utf16: NodeTextDecoder | undefined;
  let win1252: { write(buf: Buffer): string; end(): string | undefined } | undefined;
  let sniffed = false;
  // UTF-8 bytes of a character cut by the chunk boundary, carried to the next chunk.
  let carry: Buffer = Buffer.alloc(0);
  for await (const chunk of chunks) {
    let buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    if (!sniffed) {
      sniffed = true;
      const encoding = sniffEncoding(buf, name);
      if (encoding !== 'utf-8') utf16 = new NodeTextDecoder(encoding);
    }
    if (utf16) {
      const text = utf16.decode(buf, { stream: true });
      if (text !== '') yield text;
      continue;
    }
    if (!win1252) {
      buf = carry.length > 0 ? Buffer.concat([carry, buf]) : buf;
      const cut = buf.length - incompleteUtf8Tail(buf);
      if (isUtf8(buf.subarray(0, cut))) {
        carry = Buffer.from(buf.subarray(cut));
        const text = buf.toString('utf8', 0, cut);
        if (text !== '') yield text;
        continue;
      }
      // Node's TextDecoder reads this label as Latin-1 (0x80-0x9F as control characters): iconv-lite has the real table.
      const iconv = (await import('iconv-lite')).default;
      win1252 = iconv.getDecoder('win1252');
      carry = Buffer.alloc(0);
    }
    const text = win1252.write(buf);
    if (text !== '') yield text;
  }
  // Bytes left in `carry` at the end never became a UTF-8 character: Windows-1252 too.
  const tail = utf16 ? utf16.decode() : win1252 ? (win1252.end() ?? '') : carry.length > 0 ? (await import('iconv-lite')).default.decode(carry, 'win1252') : '';
  if (tail !== '') yield tail;
}

/** How many bytes at the end of `buf` are the start of a UTF-8 character whose remaining bytes are not in `buf` (0 to 3). */
function incompleteUtf8Tail(buf: Buffer): number {
  for (let back = 1; back <= Math.min(3, buf.length); back++) {
    const b = buf[buf.length - back] as number;
    if ((b & 0xc0) === 0x80) continue; // a continuation byte: look further back
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return need > back ? back : 0;
  }
  return 0;
}

function sniffEncoding(buf: Buffer, name: string): string {
  if (buf[0] === 0xff && buf[1] === 0xfe) return 'utf-16le';
  if (buf[0] === 0xfe && buf[1] === 0xff) return 'utf-16be';
  const head = buf.subarray(0, 8).toString('latin1');
  const refuse = (what: string) => {
    throw new BillError(`this is ${what}, not a bill export: save the itemized bill as CSV (in a spreadsheet: File › Save As › CSV) or JSON`, { file: name });
  };
  if (head.startsWith('%PDF')) refuse('a PDF file');
  if (head.startsWith('PK\u0003\u0004')) refuse('a ZIP or Excel (.xlsx) file');
  if (head.startsWith('\u00d0\u00cf\u0011\u00e0')) refuse('an old Excel (.xls) file');
  const sample = buf.subarray(0, 4096);
  let nul = 0;
  let oddNul = 0;
  for (let i = 0; i < sample.length; i++) if (sample[i] === 0) (nul++, i % 2 === 1 && oddNul++);
  if (nul > 0 && oddNul > sample.length / 4) return 'utf-16le';
  if (nul > 0) refuse('a binary file');
  return 'utf-8';
}

/** Opens a bill input (`-`: stdin) as decoded text chunks (see {@link decodeInput}); errors surface while reading (BillError, or the file system's). */
export function openInput(input: string, io: Io, cwd: string): AsyncIterable<string> {
  if (input === '-') return decodeInput(io.stdin as AsyncIterable<Buffer | string>, '<stdin>');
  return decodeInput(createReadStream(resolve(cwd, input), { highWaterMark: 256 * 1024 }), input);
}

function plural(n: number, word: string): string {
  return `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
}

/** What `--letters` needs once the reports come: the letter run and the loaded letters module. */
interface LetterSetup {
  mod: typeof import('../letters/index.js');
  run: import('../letters/index.js').LetterRun;
}

/** The letter kinds of `--letter-kinds`. Throws {@link UsageError} for an unknown kind. */
function letterKindsOf(list: string[]): LetterKind[] | undefined {
  if (list.length === 0) return undefined;
  for (const k of list) if (!(LETTER_KINDS as readonly string[]).includes(k)) throw new UsageError(`--letter-kinds ${k}: expected one of ${LETTER_KINDS.join(', ')}`);
  return [...new Set(list)] as LetterKind[];
}

/**
 * Checks the letter options before anything is audited or written (the profile must name the
 * sender and the billing office), loads the letters module and creates the directory.
 * Undefined without `--letters`. Throws {@link UsageError} or {@link IoError} (exit 2).
 */
async function prepareLetters(o: AuditOptions, io: Io, rules: RuleSet, cleanup: Set<string>): Promise<LetterSetup | undefined> {
  const kinds = letterKindsOf(o.letterKinds);
  if (o.letters === undefined) {
    if (kinds || o.profile !== undefined) throw new UsageError(`${kinds ? '--letter-kinds' : '--profile'} is for letters: give --letters DIR too`);
    return undefined;
  }
  const mod = await import('../letters/index.js');
  const profile = await mod.loadProfile(o.profile, profileValuesOf(o), io.cwd);
  mod.assertProfileComplete(profile, kinds ?? ['dispute', ...(profile.collector?.name ? (['debt-validation'] as const) : [])], kinds ? undefined : 'the letters');
  const clock = mod.letterClock(o.date, io.env);
  const dir = resolve(io.cwd, o.letters);
  await mod.ensureLetterDir(dir, o.letters);
  return {
    mod,
    run: {
      dir,
      format: o.letterFormat,
      ...(kinds ? { kinds } : {}),
      profile,
      facts: rules.facts,
      compose: {
        date: clock.date,
        ...(o.offer !== undefined ? { offerCents: o.offer } : {}),
        ...(o.noticeReceived ? { noticeReceived: o.noticeReceived } : {}),
        ...(o.validationEnds ? { validationEnds: o.validationEnds } : {}),
      },
      createdAt: clock.createdAt,
      force: o.force === true,
      cleanup,
      cwd: io.cwd,
    },
  };
}

/** Writes each bill's letters as its report comes (in output order); notes and failures go to stderr. */
async function startLetters(setup: LetterSetup, settings: JobSettings, io: Io, o: AuditOptions) {
  settings.keepReports = true;
  const written = new Set<string>();
  const notes: string[] = [];
  let failures = 0;
  let bills = 0;
  let none = 0;
  return {
    onReport: async (report: Report) => {
      if (report.errors.length > 0) return;
      bills++;
      try {
        const out = await setup.mod.writeLettersFor(report, setup.run, written);
        if (out.written.length === 0) none++;
        if (!o.quiet) for (const w of out.written) io.stderr.write(`medbill: wrote ${w}\n`);
        for (const s of out.skipped) if (!o.quiet) io.stderr.write(`medbill: ${s}\n`);
        for (const n of out.notes) if (!notes.includes(n)) notes.push(n);
      } catch (err) {
        failures++;
        printProblems(toProblems(err), io, o.verbose, err);
      }
    },
    failures: () => failures,
    finish: () => {
      if (o.quiet) return;
      if (none > 0) io.stderr.write(`medbill: ${bills === 1 ? 'the findings call for no letter' : `${none} of ${bills} bills call for no letter`}${setup.run.kinds ? ` of the kinds asked for (${setup.run.kinds.join(', ')})` : ''}\n`);
      for (const n of notes) io.stderr.write(`medbill: note: ${n}\n`);
    },
  };
}

/**
 * Prepares the price data of a run when any price option is given (the price code loads only
 * then, so a plain audit starts as fast as before), puts it into `settings` and prints its
 * notes on stderr unless `quiet`. Undefined without price options; dispose of the result when
 * the run ends. Throws what prices/source.ts `preparePrices` throws (exit 2).
 */
async function preparePriceSettings(o: PriceOptionValues & { quiet?: boolean }, run: import('../prices/source.js').PriceRun, settings: JobSettings, io: Io): Promise<{ dispose(): void } | undefined> {
  if (o.prices === undefined && o.payer === undefined && o.plan === undefined && o.locality === undefined && o.zip === undefined) return undefined;
  const { preparePrices } = await import('../prices/source.js');
  const p = await preparePrices(
    { ...(o.prices !== undefined ? { prices: o.prices } : {}), ...(o.payer !== undefined ? { payer: o.payer } : {}), ...(o.plan !== undefined ? { plan: o.plan } : {}), ...(o.locality !== undefined ? { locality: o.locality } : {}), ...(o.zip !== undefined ? { zip: o.zip } : {}) },
    run,
  );
  if (p.prices) settings.prices = p.prices;
  if (p.locality) settings.locality = p.locality;
  if (!o.quiet) for (const n of p.notes) io.stderr.write(`medbill: note: ${n}\n`);
  return p;
}

/**
 * Prepares the run's prices ({@link preparePriceSettings}) and opens the audit kit (rules,
 * reference store, price store). `close()` releases all of them; on a failure to open, what was
 * prepared is released before the error is rethrown.
 */
async function openRunKit(
  o: PriceOptionValues & { quiet?: boolean },
  run: import('../prices/source.js').PriceRun,
  rules: RuleSet,
  settings: JobSettings,
  io: Io,
): Promise<{ kit: Awaited<ReturnType<typeof openKit>>; close(): void }> {
  const prepared = await preparePriceSettings(o, run, settings, io);
  try {
    const kit = await openKit(rules, settings);
    return {
      kit,
      close: () => {
        kit.reference?.close();
        kit.prices?.close();
        prepared?.dispose();
      },
    };
  } catch (err) {
    prepared?.dispose();
    throw err;
  }
}

async function runAudit(inputs: string[], o: AuditOptions, io: Io, cleanup: Set<string>): Promise<number> {
  const started = Date.now();
  const readOptions: ReadOptions = readOptionsOf(o);
  if (o.groupBy) readOptions.groupBy = o.groupBy;
  if (o.inputFormat === 'csv' || o.inputFormat === 'json') readOptions.inputFormat = o.inputFormat;
  const plan: PlanOptions = planOptionsOf(o);
  const decisions = decisionsOf(o);
  // More threads than cores only add memory (each thread holds its own copy of the rules) and
  // switching: --jobs is capped at the number of cores.
  const cores = availableParallelism();
  const jobs = Math.min(o.jobs ?? cores, cores);
  if (o.jobs !== undefined && o.jobs > cores && !o.quiet) io.stderr.write(`medbill: note: --jobs ${o.jobs} is more than the ${cores} cores here; using ${cores}\n`);

  const dirs = ruleDirs(o.rules, io.cwd);
  const selection = { only: o.only, disable: o.disable };
  const rules: RuleSet = loadRules(dirs, selection);
  const listed = o.inputList ? await readInputList(o.inputList, io.cwd) : [];
  const expanded = await expandInputs([...inputs, ...listed], io.cwd);
  const files = expanded.files;
  if (files.length === 0) throw new UsageError('no bill to audit: give files, directories, patterns, - for stdin, or --input-list');
  if (files.filter((f) => f === '-').length > 1) throw new UsageError('stdin (-) can be given only once');
  const perBill = [o.gfe?.some((g) => g.provider === undefined) ? '--gfe AMOUNT' : '', plan.medicareCents !== undefined ? '--medicare-amount' : '', plan.cashPriceCents !== undefined ? '--cash-price' : ''].filter(Boolean);
  if ((files.length > 1 || o.groupBy) && perBill.length > 0) {
    throw new UsageError(`${perBill.join(', ')} describe${perBill.length === 1 ? 's' : ''} one bill; audit one bill at a time with ${perBill.length === 1 ? 'it' : 'them'} (or give --gfe PROVIDER=AMOUNT)`);
  }
  if (files.includes('-') && io.stdin.isTTY) throw new UsageError('- reads a bill from standard input, but it is a terminal: pipe a bill in (medbill audit - < bill.csv) or give a file');
  const letterSetup = await prepareLetters(o, io, rules, cleanup);
  let sink: OutputSink & { failure?: Error };
  let finishOutput: () => Promise<void> = async () => {};
  const toFile = o.output !== undefined && o.output !== '-';
  if (toFile) {
    const shown = o.output as string;
    const target = resolve(io.cwd, shown);
    if (files.some((f) => f !== '-' && resolve(io.cwd, f) === target)) throw new UsageError(`--output ${shown} is one of the bills being audited; write the report elsewhere`);
    if (existsSync(target) && !o.force) throw new IoError(`${shown} already exists; add --force to replace it`);
    const tmp = join(dirname(target), `.${basename(target)}.${process.pid}.tmp`);
    let handle;
    try {
      handle = await open(tmp, 'wx');
    } catch (err) {
      throw new IoError(`cannot write ${shown}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'its directory does not exist' : (err as Error).message}`);
    }
    cleanup.add(tmp);
    const ws = handle.createWriteStream({ encoding: 'utf8' });
    sink = streamSink(ws);
    finishOutput = async () => {
      await new Promise<void>((done, fail) => ws.end((err?: Error | null) => (err ? fail(err) : done())));
      if (sink.failure) throw new IoError(`cannot write ${shown}: ${sink.failure.message}`);
      await rename(tmp, target);
      cleanup.delete(tmp);
    };
  } else sink = streamSink(io.stdout);

  const progress = io.stderr.isTTY === true && !o.quiet;
  let shown = false;
  const settings: JobSettings = {
    read: readOptions,
    format: o.format,
    color: toFile ? 0 : colorLevel(o.color, io),
    width: io.stdout.columns ?? 100,
    version: toolVersion(),
    plan,
    // Imported CMS tables: each thread that audits opens the store read-only (when there is one).
    dataDir: dataDir(o.dataDir, io.env, io.cwd),
    ...(decisions ? { decisions } : {}),
  };
  const letters = letterSetup ? await startLetters(letterSetup, settings, io, o) : undefined;
  let totals: Progress;
  const { kit, close } = await openRunKit(o, { inputs: files.filter((f) => !expanded.empty.has(f)), cwd: io.cwd, dataDir: settings.dataDir as string, read: readOptions, ...(o.inputFormat ? { inputFormat: o.inputFormat } : {}), cleanup, parse: parseBill }, rules, settings, io);
  try {
    totals = await runBatch(
      {
        inputs: files,
        settings,
        kit,
        ruleDirs: dirs,
        selection,
        jobs,
        assumeSorted: o.assumeSorted === true,
        bail: o.bail === true,
        ...(o.inputFormat ? { inputFormat: o.inputFormat } : {}),
        open: (input) => openExpanded(input, expanded, io),
        onProblem: (problems) => printProblems(problems, io, o.verbose),
        ...(letters ? { onReport: letters.onReport } : {}),
        onProgress: (p) => {
          if (!progress || Date.now() - started < 1500) return;
          shown = true;
          const secs = (Date.now() - started) / 1000;
          io.stderr.write(`\rmedbill: ${plural(p.lines, 'line')} · ${plural(p.bills, 'bill')} · ${plural(p.error + p.warning + p.info, 'finding')} · ${Math.round(p.lines / secs).toLocaleString('en-US')} lines/s\x1b[K`);
        },
      },
      sink,
    );
    await finishOutput();
  } catch (err) {
    for (const f of cleanup) await rm(f, { force: true });
    throw err;
  } finally {
    close();
  }
  if (shown) io.stderr.write('\r\x1b[K');
  if (o.format === 'ndjson' && !o.quiet) {
    const secs = ((Date.now() - started) / 1000).toFixed(1);
    io.stderr.write(
      `medbill: ${plural(totals.bills, 'bill')}, ${plural(totals.lines, 'line')}; findings: ${totals.error} error, ${totals.warning} warning, ${totals.info} info; ` +
        `at stake ${formatCents(totals.amountAtStakeCents)}${totals.billsWithErrors ? `; ${plural(totals.billsWithErrors, 'bill')} with errors` : ''}; ${secs} s\n`,
    );
  }
  if (letters) letters.finish();
  if (totals.billsWithErrors > 0 || (letters && letters.failures() > 0)) return ExitCode.ERROR;
  if (o.failOn === 'never') return ExitCode.OK;
  return totals.top >= severityRank(o.failOn as Severity) ? ExitCode.FINDINGS : ExitCode.OK;
}

/**
 * Audits exactly one bill with the options' facts, benchmarks and decisions, the same way
 * `medbill audit` does, and returns its report (for the interactive review and `medbill
 * letter`). Throws {@link UsageError} when the arguments name no bill or several (or a grouped
 * file), and the bill's own error (exit 2) when it cannot be read.
 */
export async function auditOneBill(inputs: string[], o: BillFactOptions & PriceOptionValues & { groupBy?: string; inputFormat?: string }, io: Io, what: string): Promise<Report> {
  if (o.groupBy) throw new UsageError(`${what} works on one bill: --group-by splits a file into several; audit them with --letters DIR instead`);
  const expanded = await expandInputs(inputs, io.cwd);
  const files = expanded.files;
  if (files.length !== 1) throw new UsageError(`${what} works on one bill (got ${files.length === 0 ? 'none' : files.length}); audit several with --letters DIR instead`);
  const readOptions = readOptionsOf(o);
  if (o.inputFormat === 'csv' || o.inputFormat === 'json') readOptions.inputFormat = o.inputFormat;
  const decisions = decisionsOf(o);
  const dirs = ruleDirs(o.rules, io.cwd);
  const selection = { only: o.only, disable: o.disable };
  const rules = loadRules(dirs, selection);
  const reports: Report[] = [];
  const settings: JobSettings = {
    read: readOptions,
    format: 'ndjson',
    color: 0,
    width: 100,
    version: toolVersion(),
    plan: planOptionsOf(o),
    keepReports: true,
    dataDir: dataDir(o.dataDir, io.env, io.cwd),
    ...(decisions ? { decisions } : {}),
  };
  const cleanup = new Set<string>();
  const { kit, close } = await openRunKit({ ...o, quiet: true }, { inputs: files, cwd: io.cwd, dataDir: settings.dataDir as string, read: readOptions, ...(o.inputFormat === 'csv' || o.inputFormat === 'json' ? { inputFormat: o.inputFormat } : {}), cleanup, parse: parseBill }, rules, settings, io);
  try {
  await runBatch(
    {
      inputs: files,
      settings,
      kit,
      ruleDirs: dirs,
      selection,
      jobs: 1,
      assumeSorted: false,
      bail: true,
      open: (input) => openExpanded(input, expanded, io),
      onReport: async (r) => {
        reports.push(r);
      },
    },
    { write: async () => {} },
  );
  } finally {
    close();
    for (const f of cleanup) await rm(f, { force: true });
  }
  const report = reports[0];
  if (!report) throw new UsageError(`${files[0]}: no bill was read`);
  if (report.errors.length > 0) throw new MedbillError(report.errors[0]?.code ?? 'BILL_INVALID', report.errors[0]?.message ?? 'the bill could not be read', report.errors[0]?.location, report.errors as Problem[]);
  if (reports.length > 1) throw new UsageError(`${files[0]} holds ${reports.length} bills; ${what} works on one bill (audit them with --letters DIR instead)`);
  return report;
}

function reviewReport(inputs: string[], o: AuditOptions, io: Io): Promise<Report> {
  return auditOneBill(inputs, o, io, 'the interactive review');
}

async function readInputList(path: string, cwd: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(resolve(cwd, path), 'utf8');
  } catch (err) {
    throw new IoError(`--input-list ${path}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { file: path });
  }
  return text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
}

const AUDIT_HELP = `
Examples:
  $ medbill audit fixtures/bills/example-er-visit.csv
  $ medbill audit bill.csv --bill-type facility --insurance uninsured \\
      --admission 2026-03-02 --discharge 2026-03-05 --diagnosis J18.9
  $ medbill audit bill.csv --format json | jq '.findings[] | {ruleId, lines, amountAtStakeCents}'
  $ medbill audit claims.csv --group-by claim_id --format ndjson
  $ cat bill.tsv | medbill audit - --map charge="Amt Billed"
  $ medbill audit 'bills/*.csv' --fail-on warning
  $ medbill audit bill.csv --insurance self-pay --gfe 1200 --statement-date 2026-05-01
  $ medbill audit bill.csv --insurance uninsured --nonprofit --state CA --cash-price 3100 --advocate-fee 30
  $ medbill audit bill.csv --insurance self-pay --prices hospital-standard-charges.csv
  $ medbill audit bill.json --prices prices.json --payer "Example Health Plan" --plan PPO
  $ medbill audit bill.csv --bill-type professional --zip 94110   (imported PFS, GPCI and ZIP5 files)

Columns read (any of their usual names; case and spaces ignored):
${LINE_FIELDS.map((f) => `  ${f.padEnd(16)}${LINE_FIELD_DOCS[f]}`).join('\n')}

Exit codes: 0 nothing at or above --fail-on; 1 findings at or above it;
2 usage, input, rule or I/O error (errors win); 130 interrupted.
`;

/** Adds `medbill audit`. */
export const registerAudit: RegisterCommands = (program, { io, state, cleanup, argv }) => {
  const cmd = program.command('audit');
  cmd
    .description('audit one or more itemized bills (CSV, TSV, pipe-delimited or JSON; - for stdin)')
    .argument('[bill...]', 'bill files, directories, glob patterns, or - for stdin')
    .addOption(new Option('-f, --format <format>', 'report format').choices(FORMATS).default('text'))
    .option('-o, --output <file>', 'write the report to a file (atomically) instead of stdout (- for stdout)')
    .option('--force', 'replace an existing --output file or letters')
    .addOption(new Option('--fail-on <severity>', 'exit 1 when a finding is at or above this severity').choices(FAIL_ON).default('error'))
    .option('--group-by <column>', 'split a multi-claim file into one bill per value of this column')
    .addOption(new Option('--input-format <format>', 'force the input format instead of detecting it (ndjson: one JSON bill per line)').choices(['csv', 'json', 'ndjson']))
    .option('--input-list <file>', 'read bill paths from a file, one per line (# comments allowed)')
    .option('-j, --jobs <n>', `audit on this many worker threads, at most the number of cores (default: the number of cores, ${availableParallelism()} here)`, positiveInt)
    .option('--assume-sorted', 'with --group-by: trust that each claim is contiguous; a claim that appears again is audited as a new bill')
    .option('--bail', 'stop at the first bill that cannot be read')
    .option('-q, --quiet', 'no progress bar and no summary line on stderr')
    .option('--color', 'force colour')
    .option('--no-color', 'no colour (also when NO_COLOR is set or stdout is not a terminal)')
    .option('--verbose', 'print notes about the input and stack traces of internal errors');
  addBillOptions(cmd);
  addPriceOptions(cmd);
  cmd
    .option('--letters <dir>', 'write the letters the findings call for into this directory (see medbill letter --help)')
    .addOption(new Option('--letter-format <format>', 'format of the letters').choices(LETTER_FORMATS).default('pdf'))
    .option('--letter-kinds <kinds>', `write only these letters, when the findings call for them (comma-separated: ${LETTER_KINDS.join(', ')})`, collect, []);
  addLetterOptions(cmd);
  cmd
    .option('-i, --interactive', 'review the findings in the terminal (keep, dismiss, not sure), fill in missing bill facts, then choose letters and fill in the profile')
    .addHelpText('after', AUDIT_HELP)
    .action(async (inputs: string[], o: AuditOptions) => {
      if (o.interactive) {
        const { interactiveAudit } = await import('../interactive/review.js');
        state.code = await interactiveAudit(inputs, o, io, {
          argv,
          run: (final: AuditOptions) => runAudit(inputs, final, io, cleanup),
          review: (final: AuditOptions) => reviewReport(inputs, final, io),
        });
        return;
      }
      state.code = await runAudit(inputs, o, io, cleanup);
    });
};
