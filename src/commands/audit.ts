/**
 * `medbill audit`: read bills, run the rules, print or write the reports.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { TextDecoder as NodeTextDecoder } from 'node:util';
import { basename, dirname, join, resolve } from 'node:path';
import { InvalidArgumentError, Option } from 'commander';
import { parseBillType, parseEncounter, parseInsurance } from '../bill/build.js';
import { LINE_FIELD_DOCS, LINE_FIELDS, lineFieldFor, type LineField } from '../bill/fields.js';
import { parseBill, type ReadOptions } from '../bill/read.js';
import { BILL_TYPES, ENCOUNTER_TYPES, INSURANCE_STATUSES, NETWORK_STATUSES, type NetworkStatus, type UsState } from '../bill/schema.js';
import { formatCents } from '../bill/values.js';
import { runBatch, type OutputSink, type Progress } from '../batch/run.js';
import { openKit, type JobSettings } from '../batch/jobs.js';
import { BillError, IoError, UsageError } from '../errors.js';
import { dataDir } from '../data/dir.js';
import { ExitCode } from '../exit-codes.js';
import { toolVersion } from '../paths.js';
import { loadRules, type RuleSet } from '../rules/loader.js';
import { severityRank, SEVERITIES, type Severity } from '../rules/schema.js';
import type { PlanOptions } from '../plan.js';
import {
  centsOption,
  collect,
  colorLevel,
  gfeOption,
  isoDateOption,
  percentOption,
  printProblems,
  repeat,
  ruleDirs,
  stateOption,
  type Io,
  type RegisterCommands,
} from './shared.js';

export { isoDateOption };

const FORMATS = ['text', 'json', 'ndjson', 'markdown'] as const;
const FAIL_ON = [...SEVERITIES, 'never'] as const;
const BILL_EXTENSIONS = ['.csv', '.tsv', '.txt', '.psv', '.json'];

interface AuditOptions {
  format: (typeof FORMATS)[number];
  output?: string;
  force?: boolean;
  failOn: (typeof FAIL_ON)[number];
  rules: string[];
  only: string[];
  disable: string[];
  map: string[];
  groupBy?: string;
  inputFormat?: 'csv' | 'json' | 'ndjson';
  inputList?: string;
  jobs?: number;
  assumeSorted?: boolean;
  bail?: boolean;
  quiet?: boolean;
  billType?: string;
  insurance?: string;
  encounter?: string;
  admission?: string;
  discharge?: string;
  diagnosis: string[];
  nonprofit?: boolean;
  statementDate?: string;
  facilityNetwork?: NetworkStatus;
  state?: UsState;
  gfe?: Array<{ provider?: string; amountCents: number }>;
  medicareAmount?: number;
  cashPrice?: number;
  agbPercent?: number;
  advocateFee?: number;
  color?: boolean;
  verbose?: boolean;
  dataDir?: string;
  prices?: string;
  payer?: string;
  plan?: string;
  locality?: string;
  zip?: string;
}

/** Commander option parser for a positive whole number. */
function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a whole number of 1 or more (got "${value}")`);
  return n;
}

function parseMap(entries: string[]): Partial<Record<LineField, string>> {
  const out: Partial<Record<LineField, string>> = {};
  for (const e of entries) {
    const eq = e.indexOf('=');
    if (eq <= 0) throw new UsageError(`--map ${e}: expected field=Header, e.g. --map charge="Amount Billed"`);
    const name = e.slice(0, eq).trim();
    const field = (LINE_FIELDS as readonly string[]).includes(name) ? (name as LineField) : lineFieldFor(name);
    if (!field) throw new UsageError(`--map ${e}: unknown field "${name}" (fields: ${LINE_FIELDS.join(', ')})`);
    out[field] = e.slice(eq + 1).trim().replace(/^["']|["']$/g, '');
  }
  return out;
}

/** Expands bill arguments: `-` (stdin), files, directories (their bill files) and glob patterns. Throws {@link UsageError}. */
async function expandInputs(args: string[], cwd: string): Promise<string[]> {
  const out: string[] = [];
  for (const arg of args) {
    if (arg === '-') {
      out.push('-');
      continue;
    }
    const p = resolve(cwd, arg);
    if (existsSync(p) && statSync(p).isDirectory()) {
      const files = (await readdir(p)).filter((f) => BILL_EXTENSIONS.some((x) => f.toLowerCase().endsWith(x))).sort();
      if (files.length === 0) throw new UsageError(`${arg}: the directory holds no bill files (${BILL_EXTENSIONS.join(', ')})`);
      out.push(...files.map((f) => join(arg, f)));
    } else if (!existsSync(p) && /[*?[\]{}]/.test(arg)) {
      const { glob } = await import('tinyglobby');
      const found = (await glob(arg, { cwd, onlyFiles: true })).sort();
      if (found.length === 0) throw new UsageError(`${arg}: no file matches this pattern`);
      out.push(...found);
    } else out.push(arg);
  }
  return out;
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
 * (Excel's "Unicode text" export). PDF, Excel and other binary files are refused with a
 * message that says what to export instead. Throws {@link BillError}.
 */
async function* decodeInput(chunks: AsyncIterable<Buffer | string>, name: string): AsyncIterable<string> {
  let decoder: NodeTextDecoder | undefined;
  for await (const chunk of chunks) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    if (!decoder) {
      decoder = new NodeTextDecoder(sniffEncoding(buf, name));
    }
    const text = decoder.decode(buf, { stream: true });
    if (text !== '') yield text;
  }
  const tail = decoder?.decode() ?? '';
  if (tail !== '') yield tail;
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

function openInput(input: string, io: Io, cwd: string): AsyncIterable<string> {
  if (input === '-') return decodeInput(io.stdin as AsyncIterable<Buffer | string>, '<stdin>');
  return decodeInput(createReadStream(resolve(cwd, input), { highWaterMark: 256 * 1024 }), input);
}

function plural(n: number, word: string): string {
  return `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
}

async function runAudit(inputs: string[], o: AuditOptions, io: Io, cleanup: Set<string>): Promise<number> {
  const started = Date.now();
  const readOptions: ReadOptions = { diagnoses: o.diagnosis };
  const map = parseMap(o.map);
  if (Object.keys(map).length > 0) readOptions.map = map;
  if (o.groupBy) readOptions.groupBy = o.groupBy;
  if (o.inputFormat === 'csv' || o.inputFormat === 'json') readOptions.inputFormat = o.inputFormat;
  if (o.billType) readOptions.billType = parseBillType(o.billType);
  if (o.insurance) readOptions.insurance = parseInsurance(o.insurance);
  if (o.encounter) readOptions.encounter = parseEncounter(o.encounter);
  if (o.admission) readOptions.admissionDate = o.admission;
  if (o.discharge) readOptions.dischargeDate = o.discharge;
  if (o.nonprofit !== undefined) readOptions.nonprofit = o.nonprofit;
  if (o.statementDate) readOptions.statementDate = o.statementDate;
  if (o.facilityNetwork) readOptions.facilityNetwork = o.facilityNetwork;
  if (o.state) readOptions.state = o.state;
  if (o.gfe && o.gfe.length > 0) readOptions.gfe = o.gfe;
  const plan: PlanOptions = {};
  if (o.medicareAmount !== undefined) plan.medicareCents = o.medicareAmount;
  if (o.cashPrice !== undefined) plan.cashPriceCents = o.cashPrice;
  if (o.agbPercent !== undefined) plan.agbPercent = o.agbPercent;
  if (o.advocateFee !== undefined) plan.advocateFeePercent = o.advocateFee;
  if (o.admission && o.discharge && o.discharge < o.admission) throw new UsageError(`--discharge ${o.discharge} is before --admission ${o.admission}`);
  const jobs = o.jobs ?? availableParallelism();

  const dirs = ruleDirs(o.rules, io.cwd);
  const selection = { only: o.only, disable: o.disable };
  const rules: RuleSet = loadRules(dirs, selection);
  const listed = o.inputList ? await readInputList(o.inputList, io.cwd) : [];
  const files = await expandInputs([...inputs, ...listed], io.cwd);
  if (files.length === 0) throw new UsageError('no bill to audit: give files, directories, patterns, - for stdin, or --input-list');
  if (files.filter((f) => f === '-').length > 1) throw new UsageError('stdin (-) can be given only once');
  const perBill = [o.gfe?.some((g) => g.provider === undefined) ? '--gfe AMOUNT' : '', plan.medicareCents !== undefined ? '--medicare-amount' : '', plan.cashPriceCents !== undefined ? '--cash-price' : ''].filter(Boolean);
  if ((files.length > 1 || o.groupBy) && perBill.length > 0) {
    throw new UsageError(`${perBill.join(', ')} describe${perBill.length === 1 ? 's' : ''} one bill; audit one bill at a time with ${perBill.length === 1 ? 'it' : 'them'} (or give --gfe PROVIDER=AMOUNT)`);
  }
  if (files.includes('-') && io.stdin.isTTY) throw new UsageError('- reads a bill from standard input, but it is a terminal: pipe a bill in (medbill audit - < bill.csv) or give a file');
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
  };
  let totals: Progress;
  // Price options load the price code only when given (start-up of a plain audit stays small).
  let prepared: { notes: string[]; dispose(): void } | undefined;
  if (o.prices !== undefined || o.payer !== undefined || o.plan !== undefined || o.locality !== undefined || o.zip !== undefined) {
    const { preparePrices } = await import('../prices/source.js');
    const p = await preparePrices(
      { ...(o.prices !== undefined ? { prices: o.prices } : {}), ...(o.payer !== undefined ? { payer: o.payer } : {}), ...(o.plan !== undefined ? { plan: o.plan } : {}), ...(o.locality !== undefined ? { locality: o.locality } : {}), ...(o.zip !== undefined ? { zip: o.zip } : {}) },
      { inputs: files, cwd: io.cwd, dataDir: settings.dataDir as string, read: readOptions, ...(o.inputFormat ? { inputFormat: o.inputFormat } : {}), cleanup, parse: parseBill },
    );
    prepared = p;
    if (p.prices) settings.prices = p.prices;
    if (p.locality) settings.locality = p.locality;
    if (!o.quiet) for (const n of p.notes) io.stderr.write(`medbill: note: ${n}\n`);
  }
  let kit;
  try {
    kit = await openKit(rules, settings);
  } catch (err) {
    prepared?.dispose();
    throw err;
  }
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
        open: (input) => openInput(input, io, io.cwd),
        onProblem: (problems) => printProblems(problems, io, o.verbose),
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
    kit.reference?.close();
    kit.prices?.close();
    prepared?.dispose();
  }
  if (shown) io.stderr.write('\r\x1b[K');
  if (o.format === 'ndjson' && !o.quiet) {
    const secs = ((Date.now() - started) / 1000).toFixed(1);
    io.stderr.write(
      `medbill: ${plural(totals.bills, 'bill')}, ${plural(totals.lines, 'line')}; findings: ${totals.error} error, ${totals.warning} warning, ${totals.info} info; ` +
        `at stake ${formatCents(totals.amountAtStakeCents)}${totals.billsWithErrors ? `; ${plural(totals.billsWithErrors, 'bill')} with errors` : ''}; ${secs} s\n`,
    );
  }
  if (totals.billsWithErrors > 0) return ExitCode.ERROR;
  if (o.failOn === 'never') return ExitCode.OK;
  return totals.top >= severityRank(o.failOn as Severity) ? ExitCode.FINDINGS : ExitCode.OK;
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
export const registerAudit: RegisterCommands = (program, { io, state, cleanup }) => {
  program
    .command('audit')
    .description('audit one or more itemized bills (CSV, TSV, pipe-delimited or JSON; - for stdin)')
    .argument('[bill...]', 'bill files, directories, glob patterns, or - for stdin')
    .addOption(new Option('-f, --format <format>', 'report format').choices(FORMATS).default('text'))
    .option('-o, --output <file>', 'write the report to a file (atomically) instead of stdout (- for stdout)')
    .option('--force', 'replace an existing --output file')
    .addOption(new Option('--fail-on <severity>', 'exit 1 when a finding is at or above this severity').choices(FAIL_ON).default('error'))
    .option('--rules <dir>', 'add a rule pack (repeatable)', repeat, [])
    .option('--only <ids>', 'run only these rules (comma-separated, repeatable)', collect, [])
    .option('--disable <ids>', 'do not run these rules (comma-separated, repeatable)', collect, [])
    .option('--map <field=Header>', 'read a column under another name, e.g. --map charge="Amt Billed" (repeatable)', repeat, [])
    .option('--group-by <column>', 'split a multi-claim file into one bill per value of this column')
    .addOption(new Option('--input-format <format>', 'force the input format instead of detecting it (ndjson: one JSON bill per line)').choices(['csv', 'json', 'ndjson']))
    .option('--input-list <file>', 'read bill paths from a file, one per line (# comments allowed)')
    .option('-j, --jobs <n>', `audit on this many worker threads (default: the number of cores, ${availableParallelism()} here)`, positiveInt)
    .option('--assume-sorted', 'with --group-by: trust that each claim is contiguous; a claim that appears again is audited as a new bill')
    .option('--bail', 'stop at the first bill that cannot be read')
    .option('-q, --quiet', 'no progress bar and no summary line on stderr')
    .addOption(new Option('--bill-type <type>', 'facility (UB-04) or professional (CMS-1500)').choices(BILL_TYPES))
    .addOption(new Option('--insurance <status>', "the patient's insurance status").choices(INSURANCE_STATUSES))
    .addOption(new Option('--encounter <type>', 'the kind of visit').choices(ENCOUNTER_TYPES))
    .option('--admission <date>', 'admission date (inpatient)', isoDateOption)
    .option('--discharge <date>', 'discharge date (inpatient)', isoDateOption)
    .option('--diagnosis <code>', 'ICD-10-CM diagnosis code (repeatable)', repeat, [])
    .option('--nonprofit', 'the hospital is a nonprofit (tax-exempt) hospital')
    .option('--no-nonprofit', 'the hospital is not tax-exempt (for-profit)')
    .option('--statement-date <date>', 'date of the bill (the first statement after discharge): deadlines count from it', isoDateOption)
    .addOption(new Option('--facility-network <status>', "the facility's network status for your plan (No Surprises Act checks)").choices(NETWORK_STATUSES))
    .option('--state <XX>', "US state (postal code) of the hospital and your home: its charity-care and credit-reporting laws in the next steps", stateOption)
    .option('--gfe <[provider=]amount>', 'Good Faith Estimate in dollars, for the bill or for one provider NPI (repeatable)', gfeOption)
    .option('--medicare-amount <dollars>', 'what Medicare pays for the services on this bill (offer benchmark)', centsOption)
    .option('--cash-price <dollars>', "the hospital's discounted cash price for these services, from its price file (offer benchmark)", centsOption)
    .option('--agb-percent <percent>', "the AGB percentage in the hospital's financial assistance policy (offer benchmark)", percentOption)
    .option('--advocate-fee <percent>', "a billing advocate's fee as a percent of savings, to see what it would cost", percentOption)
    .option('--color', 'force colour')
    .option('--no-color', 'no colour (also when NO_COLOR is set or stdout is not a terminal)')
    .option('--data-dir <dir>', 'where imported CMS tables are (default: $MEDBILL_DATA_DIR, else $XDG_DATA_HOME/medbill, else ~/.local/share/medbill)')
    .option('--prices <file|name>', "the hospital's machine-readable price file (CSV or JSON, v2.x or v3.0; streamed), or the name of one imported with medbill data import")
    .option('--payer <name>', "compare with this payer's negotiated rates in the price file")
    .option('--plan <name>', 'with --payer: that payer plan')
    .option('--locality <mac-ll>', 'Medicare payment locality for imported PFS amounts (contractor and locality number, e.g. 01112-05)')
    .option('--zip <zip>', 'Medicare payment locality of a ZIP code (needs the imported ZIP code to carrier locality file)')
    .option('--verbose', 'print notes about the input and stack traces of internal errors')
    .addHelpText('after', AUDIT_HELP)
    .action(async (inputs: string[], o: AuditOptions) => {
      state.code = await runAudit(inputs, o, io, cleanup);
    });
};
