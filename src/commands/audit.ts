/**
 * `medbill audit`: read bills, run the rules, print or write the reports.
 */
import { existsSync, statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { InvalidArgumentError, Option } from 'commander';
import { parseBillType, parseEncounter, parseInsurance } from '../bill/build.js';
import { LINE_FIELD_DOCS, LINE_FIELDS, lineFieldFor, type LineField } from '../bill/fields.js';
import { readBillFile, type ReadOptions } from '../bill/read.js';
import { BILL_TYPES, ENCOUNTER_TYPES, INSURANCE_STATUSES } from '../bill/schema.js';
import { parseDate } from '../bill/values.js';
import { dataDir } from '../data/dir.js';
import { openReference } from '../data/reference.js';
import { audit, errorReport } from '../engine.js';
import { UsageError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { formatBatchJson, formatJson, formatNdjsonLine } from '../formatters/json.js';
import { formatMarkdown } from '../formatters/markdown.js';
import { formatText } from '../formatters/text.js';
import { toolVersion } from '../paths.js';
import type { Report } from '../report.js';
import { loadRules, type RuleSet } from '../rules/loader.js';
import { severityRank, SEVERITIES, type Severity } from '../rules/schema.js';
import { collect, colorLevel, printProblems, repeat, ruleDirs, writeAtomic, type Io, type RegisterCommands } from './shared.js';

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
  dataDir?: string;
}

/** Commander option parser for a date option: any date form a bill may use, returned as ISO. */
export function isoDateOption(value: string): string {
  const d = parseDate(value);
  if (!d.ok || d.value === undefined) throw new InvalidArgumentError(`expected a date such as 2026-03-05 (got "${value}")`);
  return d.value;
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

function exitFor(reports: Report[], failOn: AuditOptions['failOn']): number {
  if (reports.some((r) => r.errors.length > 0)) return ExitCode.ERROR;
  if (failOn === 'never') return ExitCode.OK;
  const threshold = severityRank(failOn as Severity);
  return reports.some((r) => r.findings.some((f) => severityRank(f.severity) >= threshold)) ? ExitCode.FINDINGS : ExitCode.OK;
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
  // Imported CMS tables, when the data directory has any (SQLite is not loaded otherwise).
  const reference = await openReference(dataDir(o.dataDir, io.env, io.cwd));
  try {
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
        const report = audit(bill, ruleSet, reference ? { version, reference: reference.forBill(bill) } : { version });
        reports.push(report);
      }
    }
  } finally {
    reference?.close();
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

/** Adds `medbill audit`. */
export const registerAudit: RegisterCommands = (program, { io, state, cleanup }) => {
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
    .option('--admission <date>', 'admission date (inpatient)', isoDateOption)
    .option('--discharge <date>', 'discharge date (inpatient)', isoDateOption)
    .option('--diagnosis <code>', 'ICD-10-CM diagnosis code (repeatable)', repeat, [])
    .option('--nonprofit', 'the hospital is a nonprofit (tax-exempt) hospital')
    .option('--color', 'force colour')
    .option('--no-color', 'no colour (also when NO_COLOR is set or stdout is not a terminal)')
    .option('--data-dir <dir>', 'where imported CMS tables are (default: $MEDBILL_DATA_DIR, else $XDG_DATA_HOME/medbill, else ~/.local/share/medbill)')
    .option('--verbose', 'print notes about the input and stack traces of internal errors')
    .addHelpText('after', AUDIT_HELP)
    .action(async (inputs: string[], o: AuditOptions) => {
      state.code = await runAudit(inputs, o, io, cleanup);
    });
};
