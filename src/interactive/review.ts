/**
 * `medbill audit BILL --interactive`: asks for the bill facts the audit is missing
 * (insurance, the stay's dates, the statement date, whether the hospital is tax-exempt, the
 * Good Faith Estimate, the state), walks through each finding with its explanation (keep,
 * dismiss, not sure), offers the letters the kept findings call for and fills in the profile.
 * Every answer becomes the value of an option (`--insurance`, `--dismiss`, `--letters`,
 * `--sender-name`, ...), the equivalent command is printed, and the audit then runs exactly as
 * those options would run it. Facts are asked first, since they change the findings. Without
 * a terminal it refuses (exit 2) and names the options; Ctrl-C exits 130 having written nothing.
 */
import { BILL_TYPES, INSURANCE_STATUSES } from '../bill/schema.js';
import { formatCents } from '../bill/values.js';
import type { AuditOptions } from '../commands/audit.js';
import { centsOption, isoDateOption, stateOption, type Io } from '../commands/shared.js';
import { UsageError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { findingKey } from '../finding-key.js';
import { LETTER_KIND_DOCS, type LetterKind } from '../letters/model.js';
import { LETTER_FORMATS, PROFILE_OPTIONS } from '../letters/options.js';
import type { Finding, Report } from '../report.js';
import { askProfile } from './profile.js';
import { inquirerPrompter, isInterrupt, type Prompter } from './prompts.js';

/** What the review needs from the audit command: the run's arguments, an audit of the bill, and the audit run itself. */
export interface ReviewHooks {
  argv: string[];
  review(o: AuditOptions): Promise<Report>;
  run(o: AuditOptions): Promise<number>;
}

const NO_TERMINAL =
  '--interactive needs a terminal (standard input and output); give the answers as options instead: --insurance, --admission, --discharge, --statement-date, --nonprofit or --no-nonprofit, --gfe and --state for the bill; ' +
  '--dismiss and --unsure for findings (keys such as duplicate-line:9); --letters DIR, --letter-kinds, --letter-format and --profile FILE (or --sender-name, --sender-address, --billing-office-name, --billing-office-address, --account) for letters';

function validator(parse: (v: string) => unknown, optional: boolean): (v: string) => true | string {
  return (v) => {
    if (v.trim() === '') return optional ? true : 'required';
    try {
      parse(v.trim());
      return true;
    } catch (err) {
      return (err as Error).message;
    }
  };
}

function findingText(f: Finding): string {
  const s = f.subject;
  const where = s ? `line ${s.line} · ${s.dateOfService ?? 'no date'} · ${s.code ?? (s.revenueCode ? `rev ${s.revenueCode}` : '')}${s.description ? ` · "${s.description}"` : ''} · ${formatCents(s.chargeCents)}` : 'whole bill';
  const stake = f.amountAtStakeCents > 0 ? `at stake ${formatCents(f.amountAtStakeCents)}` : 'no amount claimed';
  return [`\n${f.severity.toUpperCase()} · ${where} — ${stake}`, `  ${f.title} [${findingKey(f)}]`, `  ${f.message}`, `  Source: ${f.references[0] ?? 'see the rule'}`].join('\n');
}

/** Asks for the bill facts the report is missing; sets them on `o`. */
async function askFacts(ask: Prompter, report: Report, o: AuditOptions): Promise<void> {
  const f = report.input.facts;
  if (!f.billType && !o.billType) {
    const v = await ask.select('Is this a hospital (facility) bill or a doctor\'s (professional) bill?', [...BILL_TYPES.map((t) => ({ name: t, value: t as string })), { name: "I don't know", value: '' }], '');
    if (v) o.billType = v;
  }
  if (!f.insurance && !o.insurance) {
    const v = await ask.select('Insurance for this care', [...INSURANCE_STATUSES.map((s) => ({ name: s, value: s as string })), { name: "I don't know", value: '' }], '');
    if (v) o.insurance = v;
  }
  if ((f.encounter?.value === 'inpatient' || o.encounter === 'inpatient') && !(f.admissionDate && f.dischargeDate)) {
    if (!f.admissionDate && !o.admission) {
      const v = await ask.input('Admission date (blank if unknown)', { validate: validator(isoDateOption, true) });
      if (v.trim()) o.admission = isoDateOption(v.trim());
    }
    if (!f.dischargeDate && !o.discharge) {
      const v = await ask.input('Discharge date (blank if unknown)', { validate: validator(isoDateOption, true) });
      if (v.trim()) o.discharge = isoDateOption(v.trim());
    }
  }
  if (!f.statementDate && !o.statementDate) {
    const v = await ask.input('Date of the bill: the first statement after discharge; deadlines count from it (blank if unknown)', { validate: validator(isoDateOption, true) });
    if (v.trim()) o.statementDate = isoDateOption(v.trim());
  }
  if (!f.nonprofit && o.nonprofit === undefined) {
    const v = await ask.select('Is the hospital tax-exempt (nonprofit)?', [
      { name: 'yes', value: 'yes' },
      { name: 'no (for-profit)', value: 'no' },
      { name: "I don't know", value: '' },
    ], '');
    if (v) o.nonprofit = v === 'yes';
  }
  const insurance = o.insurance ?? f.insurance?.value;
  if ((insurance === 'uninsured' || insurance === 'self-pay') && !f.gfe && (o.gfe ?? []).length === 0) {
    const v = await ask.input('Good Faith Estimate you received for this care, in dollars (blank if none)', { validate: validator(centsOption, true) });
    if (v.trim()) o.gfe = [{ amountCents: centsOption(v.trim()) }];
  }
  if (!f.state && !o.state) {
    const v = await ask.input("State of the hospital and your home, e.g. CA (blank to skip): its charity-care law", { validate: validator(stateOption, true) });
    if (v.trim()) o.state = stateOption(v.trim());
  }
}

/** Walks through the findings; updates `o.dismiss` and `o.unsure`. */
async function askFindings(ask: Prompter, report: Report, o: AuditOptions): Promise<void> {
  if (report.findings.length === 0) {
    ask.say('\nNo findings on this bill.');
    return;
  }
  ask.say(`\n${report.findings.length} finding${report.findings.length === 1 ? '' : 's'} to review. Keep what you want to dispute, dismiss what your records show is right, and mark what you are not sure of: letters ask about those lines instead of disputing them.`);
  for (const [i, f] of report.findings.entries()) {
    ask.say(findingText(f));
    const key = findingKey(f);
    const now = o.unsure.includes(key) ? 'unsure' : 'keep';
    const v = await ask.select(`Finding ${i + 1} of ${report.findings.length}`, [
      { name: 'keep', value: 'keep' },
      { name: 'dismiss', value: 'dismiss' },
      { name: 'not sure', value: 'unsure' },
    ], now);
    o.unsure = o.unsure.filter((k) => k !== key);
    if (v === 'dismiss') o.dismiss = [...o.dismiss, key];
    else if (v === 'unsure') o.unsure = [...o.unsure, key];
  }
}

/** Offers the letters the report calls for and fills in the profile; sets the letter options on `o`. */
async function askLetters(ask: Prompter, report: Report, o: AuditOptions, io: Io): Promise<boolean> {
  const mod = await import('../letters/index.js');
  let profile = await mod.loadProfile(o.profile, profileValues(o), io.cwd);
  const called = mod.lettersCalledFor(report, profile);
  if (called.length === 0) {
    ask.say('\nThe findings you kept call for no letter.');
    return true;
  }
  const kinds = await ask.checkbox<LetterKind>(
    'Letters to write (space to toggle, enter to accept)',
    called.map((k) => ({ name: k, value: k, checked: o.letterKinds.length === 0 || o.letterKinds.includes(k), description: LETTER_KIND_DOCS[k] })),
  );
  if (kinds.length === 0) {
    o.letters = undefined;
    o.letterKinds = [];
    return true;
  }
  o.letterKinds = kinds;
  o.letters = (await ask.input('Directory for the letters', { default: o.letters ?? 'letters', validate: (v) => (v.trim() === '' ? 'required' : true) })).trim();
  o.letterFormat = await ask.select('Letter format', LETTER_FORMATS.map((f) => ({ name: f, value: f })), o.letterFormat);
  const answers = await askProfile(profile, kinds, io, 'all', ask);
  if (answers === 'interrupted') return false;
  for (const p of PROFILE_OPTIONS) {
    if (answers[p.key] !== undefined) (o as unknown as Record<string, unknown>)[p.key] = answers[p.key];
  }
  profile = mod.mergeProfiles(profile, mod.profileFromOptions(answers));
  mod.assertProfileComplete(profile, kinds);
  return true;
}

function profileValues(o: AuditOptions): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const p of PROFILE_OPTIONS) {
    const v = (o as unknown as Record<string, string | string[] | undefined>)[p.key];
    if (v !== undefined && !(Array.isArray(v) && v.length === 0)) out[p.key] = v;
  }
  return out;
}

/** Quotes an argument for a POSIX shell when it needs it. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_/.,:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * The command line that does what the review decided without asking: the run's arguments
 * without `--interactive` and without the options the review set, then those options with
 * their final values. Pure.
 */
export function equivalentCommand(argv: string[], o: AuditOptions, managed: Set<string>): string[] {
  const valued = new Set(['--dismiss', '--unsure', '--letters', '--letter-format', '--letter-kinds', ...PROFILE_OPTIONS.map((p) => p.flag)]);
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--interactive' || a === '-i') continue;
    const flag = a.includes('=') ? a.slice(0, a.indexOf('=')) : a;
    if (managed.has(flag)) {
      if (valued.has(flag) && !a.includes('=')) i++;
      continue;
    }
    out.push(a);
  }
  const add = (flag: string, v: string | undefined) => {
    if (v !== undefined && v !== '') out.push(flag, v);
  };
  if (managed.has('--bill-type')) add('--bill-type', o.billType);
  if (managed.has('--insurance')) add('--insurance', o.insurance);
  if (managed.has('--admission')) add('--admission', o.admission);
  if (managed.has('--discharge')) add('--discharge', o.discharge);
  if (managed.has('--statement-date')) add('--statement-date', o.statementDate);
  if (managed.has('--nonprofit') && o.nonprofit !== undefined) out.push(o.nonprofit ? '--nonprofit' : '--no-nonprofit');
  if (managed.has('--gfe')) for (const g of o.gfe ?? []) add('--gfe', (g.amountCents / 100).toFixed(2));
  if (managed.has('--state')) add('--state', o.state);
  for (const k of o.dismiss) add('--dismiss', k);
  for (const k of o.unsure) add('--unsure', k);
  if (o.letters !== undefined) {
    add('--letters', o.letters);
    add('--letter-format', o.letterFormat);
    if (o.letterKinds.length > 0) add('--letter-kinds', o.letterKinds.join(','));
    for (const p of PROFILE_OPTIONS) {
      const v = (o as unknown as Record<string, string | string[] | undefined>)[p.key];
      if (Array.isArray(v)) for (const line of v) add(p.flag, line);
      else add(p.flag, v);
    }
  }
  return out;
}

/**
 * Runs the interactive review and then the audit it decided. Resolves with the exit code:
 * the audit's, 130 when the user pressed Ctrl-C (nothing written). Throws {@link UsageError}
 * (exit 2) without a terminal, or for more than one bill.
 */
export async function interactiveAudit(inputs: string[], given: AuditOptions, io: Io, hooks: ReviewHooks, prompter?: Prompter): Promise<number> {
  if (!prompter && (!io.stdin.isTTY || !io.stdout.isTTY)) throw new UsageError(NO_TERMINAL);
  if (inputs.includes('-')) throw new UsageError('--interactive reads the answers from the terminal, so the bill cannot come from standard input: give a file');
  const o: AuditOptions = { ...given, interactive: false, dismiss: [...given.dismiss], unsure: [...given.unsure], letterKinds: [...given.letterKinds] };
  const before = { ...o, gfe: o.gfe };
  let report = await hooks.review(o);
  const ask = prompter ?? (await inquirerPrompter(io));
  try {
    ask.say(`medbill: reviewing ${report.input.path} (${report.coverage.lines} charge lines, ${report.findings.length} finding${report.findings.length === 1 ? '' : 's'}). Ctrl-C stops without writing anything.`);
    await askFacts(ask, report, o);
    report = await hooks.review(o);
    await askFindings(ask, report, o);
    report = await hooks.review(o);
    if (!(await askLetters(ask, report, o, io))) throw Object.assign(new Error('interrupted'), { name: 'ExitPromptError' });
  } catch (err) {
    if (isInterrupt(err)) {
      io.stderr.write('\nmedbill: interrupted; nothing was written\n');
      return ExitCode.INTERRUPTED;
    }
    throw err;
  }
  const managed = new Set<string>(['--dismiss', '--unsure']);
  const changed = (flag: string, a: unknown, b: unknown) => {
    if (JSON.stringify(a) !== JSON.stringify(b)) managed.add(flag);
  };
  changed('--bill-type', before.billType, o.billType);
  changed('--insurance', before.insurance, o.insurance);
  changed('--admission', before.admission, o.admission);
  changed('--discharge', before.discharge, o.discharge);
  changed('--statement-date', before.statementDate, o.statementDate);
  changed('--nonprofit', before.nonprofit, o.nonprofit);
  changed('--gfe', before.gfe, o.gfe);
  changed('--state', before.state, o.state);
  if (o.letters !== undefined || given.letters !== undefined) for (const f of ['--letters', '--letter-format', '--letter-kinds', ...PROFILE_OPTIONS.map((p) => p.flag)]) managed.add(f);
  const command = ['medbill', ...equivalentCommand(hooks.argv, o, managed)];
  io.stderr.write(`\nmedbill: the same without questions:\n  ${command.map(shellQuote).join(' ')}\n\n`);
  return hooks.run(o);
}
