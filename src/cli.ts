/**
 * The `medbill` command line: a thin shell over the library. `run(argv, io)` parses the
 * arguments with commander, does the I/O, and returns the exit code (src/exit-codes.ts);
 * it never calls process.exit. Reports go to stdout, progress, warnings and errors to
 * stderr, so `medbill audit bill.csv --format json | jq` always works.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { readdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { Argument, Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { parseBillType, parseEncounter, parseInsurance } from './bill/build.js';
import { LINE_FIELD_DOCS, LINE_FIELDS, lineFieldFor, type LineField } from './bill/fields.js';
import { readBillFile, type ReadOptions } from './bill/read.js';
import { BILL_TYPES, ENCOUNTER_TYPES, INSURANCE_STATUSES } from './bill/schema.js';
import { parseDate } from './bill/values.js';
import { audit, errorReport } from './engine.js';
import { formatProblem, IoError, MedbillError, toProblems, UsageError, type Problem } from './errors.js';
import { ExitCode } from './exit-codes.js';
import { toolVersion } from './paths.js';
import { formatBatchJson, formatJson, formatNdjsonLine } from './formatters/json.js';
import { formatMarkdown } from './formatters/markdown.js';
import { formatText } from './formatters/text.js';
import type { Report } from './report.js';
import type { SchemaName } from './schemas.js';

/** Names accepted by `medbill schema` (kept here so the schema module loads only when used). */
const SCHEMA_NAMES = ['report', 'batch', 'bill', 'rule'] as const;
import { defaultRulesDir, loadRules, type RuleSet } from './rules/loader.js';
import { severityRank, SEVERITIES, type Severity } from './rules/schema.js';

/** Where the CLI reads and writes; tests pass their own. */
export interface Io {
  stdout: { write(s: string): unknown; isTTY?: boolean; columns?: number };
  stderr: { write(s: string): unknown; isTTY?: boolean };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: Record<string, string | undefined>;
  cwd: string;
}

/** The process's own streams, environment and working directory. */
export function processIo(): Io {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, cwd: process.cwd() };
}

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
  inputFormat?: 'csv' | 'json';
  billType?: string;
  insurance?: string;
  encounter?: string;
  admission?: string;
  discharge?: string;
  diagnosis: string[];
  nonprofit?: boolean;
  color?: boolean;
  verbose?: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, ...value.split(',').map((v) => v.trim()).filter(Boolean)];
const repeat = (value: string, previous: string[]) => [...previous, value];

function isoOption(name: string) {
  return (value: string) => {
    const d = parseDate(value);
    if (!d.ok || d.value === undefined) throw new InvalidArgumentError(`expected a date such as 2026-03-05 (got "${value}")`);
    void name;
    return d.value;
  };
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

function colorLevel(flag: boolean | undefined, io: Io): 0 | 1 {
  if (flag === true) return 1;
  if (flag === false) return 0;
  if (io.env.NO_COLOR) return 0;
  if (io.env.FORCE_COLOR && io.env.FORCE_COLOR !== '0') return 1;
  return io.stdout.isTTY && io.env.TERM !== 'dumb' ? 1 : 0;
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

/** Writes `text` to `path` atomically (temp file, then rename). Refuses to replace a file without `force`. Throws {@link IoError}. */
async function writeAtomic(path: string, text: string, force: boolean | undefined, cleanup: Set<string>): Promise<void> {
  if (existsSync(path) && !force) throw new IoError(`${path} already exists; add --force to replace it`, { file: path });
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  cleanup.add(tmp);
  try {
    await writeFile(tmp, text, 'utf8');
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw new IoError(`cannot write ${path}: ${(err as Error).message}`, { file: path });
  } finally {
    cleanup.delete(tmp);
  }
}

function printProblems(problems: Problem[], io: Io, verbose?: boolean, err?: unknown): void {
  for (const p of problems) io.stderr.write(`medbill: ${formatProblem(p)}\n`);
  if (verbose && err instanceof Error && err.stack && !(err instanceof MedbillError)) io.stderr.write(`${err.stack}\n`);
}

function exitFor(reports: Report[], failOn: AuditOptions['failOn']): number {
  if (reports.some((r) => r.errors.length > 0)) return ExitCode.ERROR;
  if (failOn === 'never') return ExitCode.OK;
  const threshold = severityRank(failOn as Severity);
  return reports.some((r) => r.findings.some((f) => severityRank(f.severity) >= threshold)) ? ExitCode.FINDINGS : ExitCode.OK;
}

function ruleDirs(extra: string[], cwd: string): string[] {
  return [defaultRulesDir(), ...extra.map((d) => resolve(cwd, d))];
}

async function runAudit(inputs: string[], o: AuditOptions, io: Io, cleanup: Set<string>): Promise<number> {
  const version = toolVersion();
  const readOptions: ReadOptions = { diagnoses: o.diagnosis };
  const map = parseMap(o.map);
  if (Object.keys(map).length > 0) readOptions.map = map;
  if (o.groupBy) readOptions.groupBy = o.groupBy;
  if (o.inputFormat) readOptions.inputFormat = o.inputFormat;
  if (o.billType) readOptions.billType = parseBillType(o.billType);
  if (o.insurance) readOptions.insurance = parseInsurance(o.insurance);
  if (o.encounter) readOptions.encounter = parseEncounter(o.encounter);
  if (o.admission) readOptions.admissionDate = o.admission;
  if (o.discharge) readOptions.dischargeDate = o.discharge;
  if (o.nonprofit) readOptions.nonprofit = true;
  if (o.admission && o.discharge && o.discharge < o.admission) throw new UsageError(`--discharge ${o.discharge} is before --admission ${o.admission}`);

  const ruleSet: RuleSet = loadRules(ruleDirs(o.rules, io.cwd), { only: o.only, disable: o.disable });
  const files = await expandInputs(inputs, io.cwd);
  if (files.filter((f) => f === '-').length > 1) throw new UsageError('stdin (-) can be given only once');
  const reports: Report[] = [];
  const progress = io.stderr.isTTY && files.length > 3;
  for (const [i, file] of files.entries()) {
    if (progress) io.stderr.write(`\rmedbill: reading ${i + 1}/${files.length} ${file.slice(-50)}\x1b[K`);
    const shown = file === '-' ? '<stdin>' : file;
    const read = await readBillFile(file === '-' ? '-' : resolve(io.cwd, file), readOptions, io.stdin, shown);
    if (read.errors.length > 0) {
      reports.push(errorReport(shown, read.errors, ruleSet, { version }));
      continue;
    }
    for (const bill of read.bills) {
      bill.source.path = shown;
      const report = audit(bill, ruleSet, { version });
      reports.push(report);
    }
  }
  if (progress) io.stderr.write('\r\x1b[K');
  for (const r of reports) printProblems(r.errors, io, o.verbose);
  for (const r of reports) for (const w of r.warnings) if (o.verbose) io.stderr.write(`medbill: note: ${w.message}\n`);

  let text: string;
  if (o.format === 'json') text = reports.length === 1 ? formatJson(reports[0] as Report) : formatBatchJson(reports);
  else if (o.format === 'ndjson') text = reports.map(formatNdjsonLine).join('');
  else if (o.format === 'markdown') text = reports.map(formatMarkdown).join('\n---\n\n');
  else {
    const color = o.output ? 0 : colorLevel(o.color, io);
    text = reports.map((r) => formatText(r, { color, width: io.stdout.columns ?? 100 })).join('\n' + '─'.repeat(40) + '\n\n');
    if (reports.length > 1) {
      const stake = reports.reduce((s, r) => s + r.summary.amountAtStakeCents, 0);
      const failed = reports.filter((r) => r.errors.length > 0).length;
      text += `\n${reports.length} bills audited${failed ? `, ${failed} could not be read` : ''}; total at stake ${(stake / 100).toLocaleString('en-US', { style: 'currency', currency: 'USD' })}.\n`;
    }
  }
  if (o.output) await writeAtomic(resolve(io.cwd, o.output), text, o.force, cleanup);
  else io.stdout.write(text);
  return exitFor(reports, o.failOn);
}

const AUDIT_HELP = `
Examples:
  $ medbill audit fixtures/bills/example-er.csv
  $ medbill audit bill.csv --bill-type facility --insurance uninsured \\
      --admission 2026-03-02 --discharge 2026-03-05 --diagnosis J18.9
  $ medbill audit bill.csv --format json | jq '.findings[] | {ruleId, lines, amountAtStakeCents}'
  $ medbill audit claims.csv --group-by claim_id --format ndjson
  $ cat bill.tsv | medbill audit - --map charge="Amt Billed"
  $ medbill audit 'bills/*.csv' --fail-on warning

Columns read (any of their usual names; case and spaces ignored):
${LINE_FIELDS.map((f) => `  ${f.padEnd(16)}${LINE_FIELD_DOCS[f]}`).join('\n')}

Exit codes: 0 nothing at or above --fail-on; 1 findings at or above it;
2 usage, input, rule or I/O error (errors win); 130 interrupted.
`;

function buildProgram(io: Io, state: { code: number }, cleanup: Set<string>): Command {
  const program = new Command();
  program
    .name('medbill')
    .description('Audit itemized US medical bills offline: duplicate, unbundled, upcoded and mis-dated charges, each with its source and the amount at stake.')
    .version(toolVersion(), '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      outputError: (s, write) => write(s.startsWith('error:') ? `medbill: ${s}` : s),
    });

  program
    .command('audit')
    .description('audit one or more itemized bills (CSV, TSV, pipe-delimited or JSON; - for stdin)')
    .argument('<bill...>', 'bill files, directories, glob patterns, or - for stdin')
    .addOption(new Option('-f, --format <format>', 'report format').choices(FORMATS).default('text'))
    .option('-o, --output <file>', 'write the report to a file (atomically) instead of stdout')
    .option('--force', 'replace an existing --output file')
    .addOption(new Option('--fail-on <severity>', 'exit 1 when a finding is at or above this severity').choices(FAIL_ON).default('error'))
    .option('--rules <dir>', 'add a rule pack (repeatable)', repeat, [])
    .option('--only <ids>', 'run only these rules (comma-separated, repeatable)', collect, [])
    .option('--disable <ids>', 'do not run these rules (comma-separated, repeatable)', collect, [])
    .option('--map <field=Header>', 'read a column under another name, e.g. --map charge="Amt Billed" (repeatable)', repeat, [])
    .option('--group-by <column>', 'split a multi-claim file into one bill per value of this column')
    .addOption(new Option('--input-format <format>', 'force the input format instead of detecting it').choices(['csv', 'json']))
    .addOption(new Option('--bill-type <type>', 'facility (UB-04) or professional (CMS-1500)').choices(BILL_TYPES))
    .addOption(new Option('--insurance <status>', "the patient's insurance status").choices(INSURANCE_STATUSES))
    .addOption(new Option('--encounter <type>', 'the kind of visit').choices(ENCOUNTER_TYPES))
    .option('--admission <date>', 'admission date (inpatient)', isoOption('admission'))
    .option('--discharge <date>', 'discharge date (inpatient)', isoOption('discharge'))
    .option('--diagnosis <code>', 'ICD-10-CM diagnosis code (repeatable)', repeat, [])
    .option('--nonprofit', 'the hospital is a nonprofit (tax-exempt) hospital')
    .option('--color', 'force colour')
    .option('--no-color', 'no colour (also when NO_COLOR is set or stdout is not a terminal)')
    .option('--verbose', 'print notes about the input and stack traces of internal errors')
    .addHelpText('after', AUDIT_HELP)
    .action(async (inputs: string[], o: AuditOptions) => {
      state.code = await runAudit(inputs, o, io, cleanup);
    });

  program
    .command('schema')
    .description('print the JSON Schema of the report, the batch report, the native JSON bill or a rule file')
    .addArgument(new Argument('<name>', 'which schema').choices(SCHEMA_NAMES))
    .addHelpText('after', '\nExamples:\n  $ medbill schema report > report.schema.json\n  $ medbill schema bill\n')
    .action(async (name: string) => {
      const { jsonSchema } = await import('./schemas.js');
      io.stdout.write(JSON.stringify(jsonSchema(name as SchemaName), null, 2) + '\n');
      state.code = ExitCode.OK;
    });

  const rules = program.command('rules').description('list, show, validate and test rules');
  rules
    .command('list')
    .description('list the rules that would run')
    .option('--rules <dir>', 'add a rule pack (repeatable)', repeat, [])
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action((o: { rules: string[]; format: string }) => {
      const set = loadRules(ruleDirs(o.rules, io.cwd));
      if (o.format === 'json') {
        io.stdout.write(JSON.stringify(set.rules.map((r) => ({ id: r.id, kind: r.kind.name, category: r.def.category, severity: r.def.severity, confidence: r.def.confidence, title: r.def.title, file: r.file })), null, 2) + '\n');
      } else {
        const w = Math.max(...set.rules.map((r) => r.id.length));
        for (const r of set.rules) io.stdout.write(`${r.id.padEnd(w)}  ${r.def.severity.padEnd(7)}  ${r.def.category.padEnd(14)}  ${r.def.title}\n`);
        io.stdout.write(`\n${set.rules.length} rules (${set.digest}); medbill rules show ID for one.\n`);
      }
      state.code = ExitCode.OK;
    });
  rules
    .command('show')
    .description('show one rule: its file, what it checks, its sources and exceptions')
    .argument('<id>', 'rule id')
    .option('--rules <dir>', 'add a rule pack (repeatable)', repeat, [])
    .action((id: string, o: { rules: string[] }) => {
      const set = loadRules(ruleDirs(o.rules, io.cwd));
      const r = set.rules.find((x) => x.id === id);
      if (!r) throw new UsageError(`unknown rule id "${id}" (see medbill rules list)`);
      const d = r.def;
      const lines = [
        `${d.id} — ${d.title}`,
        `file:        ${r.file}`,
        `kind:        ${r.kind.name} (${r.kind.summary})`,
        `category:    ${d.category}    severity: ${d.severity}    confidence: ${d.confidence}`,
        ...(d.docs.catalogue ? [`catalogue:   ${d.docs.catalogue}`] : []),
        ...(d.appliesTo ? [`applies to:  ${Object.entries(d.appliesTo).map(([k, v]) => `${k} ${(v as string[]).join('|')}`).join(', ')}`] : []),
        '',
        d.docs.rationale.trim(),
        '',
        'Exceptions:',
        ...(d.docs.exceptions ?? ['none listed']).map((e) => `  - ${e}`),
        'Sources:',
        ...d.docs.references.map((e) => `  - ${e}`),
      ];
      io.stdout.write(lines.join('\n') + '\n');
      state.code = ExitCode.OK;
    });
  rules
    .command('validate')
    .description('validate a rule pack (the default pack when no directory is given)')
    .argument('[dir]', 'rules directory')
    .action((dir: string | undefined) => {
      const dirs = dir ? ruleDirs([dir], io.cwd) : [defaultRulesDir()];
      const set = loadRules(dirs);
      const pack = dirs[dirs.length - 1] as string;
      const count = set.rules.filter((r) => r.pack === pack).length;
      io.stdout.write(`${count} rule(s) in ${dir ?? pack} are valid.\n`);
      state.code = ExitCode.OK;
    });
  rules
    .command('test')
    .description('run each rule on its fixture (<fixtures>/<rule-id>.csv with an "expect" column)')
    .argument('[dir]', 'rules directory (default: the default pack)')
    .option('--fixtures <dir>', 'fixture directory (default: DIR/fixtures, or fixtures/rules for the default pack)')
    .action(async (dir: string | undefined, o: { fixtures?: string }) => {
      const { testRules } = await import('./rules/tester.js');
      const dirs = dir ? ruleDirs([dir], io.cwd) : [defaultRulesDir()];
      const pack = dirs[dirs.length - 1] as string;
      const fixtures = o.fixtures ? resolve(io.cwd, o.fixtures) : dir ? join(pack, 'fixtures') : resolve(pack, '..', 'fixtures', 'rules');
      const set = loadRules(dirs);
      const results = testRules(set, fixtures, pack);
      for (const r of results) {
        io.stdout.write(`${r.ok ? 'ok  ' : 'FAIL'}  ${r.ruleId}\n`);
        for (const p of r.problems) io.stdout.write(`      ${p}\n`);
      }
      const failed = results.filter((r) => !r.ok).length;
      io.stdout.write(`\n${results.length - failed} passed, ${failed} failed (fixtures: ${fixtures})\n`);
      state.code = failed > 0 ? ExitCode.FINDINGS : ExitCode.OK;
    });
  return program;
}

/**
 * Runs the CLI with `argv` (without node and script) and returns the exit code. Errors are
 * printed as one line each on stderr (no stack trace unless --verbose); SIGINT removes any
 * half-written output and exits 130.
 */
export async function run(argv: string[], io: Io = processIo()): Promise<number> {
  const state = { code: ExitCode.OK as number };
  const cleanup = new Set<string>();
  const onSigint = () => {
    for (const f of cleanup) {
      try {
        void rm(f, { force: true });
      } catch {
        /* nothing to clean */
      }
    }
    io.stderr.write('\nmedbill: interrupted\n');
    process.exitCode = ExitCode.INTERRUPTED;
    process.removeListener('SIGINT', onSigint);
    process.kill(process.pid, 'SIGINT');
  };
  if (io.stdout === process.stdout) process.on('SIGINT', onSigint);
  try {
    const program = buildProgram(io, state, cleanup);
    if (argv.length === 0) {
      program.outputHelp();
      return ExitCode.ERROR;
    }
    await program.parseAsync(argv, { from: 'user' });
    return state.code;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return ExitCode.OK;
      return ExitCode.ERROR;
    }
    const verbose = argv.includes('--verbose');
    printProblems(toProblems(err), io, verbose, err);
    return ExitCode.ERROR;
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}
