/**
 * `medbill letter KIND [BILL]`: one letter from a report (`--report report.json`, from
 * `medbill audit --format json`) or from a bill audited on the spot (with the same fact,
 * benchmark and decision options as `medbill audit`), and a profile (`--profile FILE`, the
 * profile options, or prompts on a terminal for what is missing). Writes a PDF, text or
 * Markdown file with a predictable name (or `-o FILE`, `-o -` for stdout), atomically, never
 * replacing a file without `--force`. The letter code, pdfkit and the prompts load only here.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Argument, Option } from 'commander';
import { IoError, MedbillError, UsageError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { loadFacts } from '../facts.js';
import type { Report } from '../report.js';
import { LETTER_KIND_DOCS, LETTER_KINDS, type LetterKind } from '../letters/model.js';
import { LETTER_FORMATS, type LetterFormat } from '../letters/options.js';
import { auditOneBill } from './audit.js';
import { addBillOptions, addLetterOptions, addPriceOptions, profileValuesOf, type BillFactOptions, type LetterContentOptions, type PriceOptionValues } from './bill-options.js';
import type { Io, RegisterCommands } from './shared.js';

interface LetterOptions extends BillFactOptions, LetterContentOptions, PriceOptionValues {
  report?: string;
  claim?: string;
  format: LetterFormat;
  output?: string;
  force?: boolean;
  prompt: boolean;
  quiet?: boolean;
}

/**
 * Reads a report file (`-`: stdin): one report, or a batch report with `--claim` picking the
 * bill. Throws {@link IoError} / {@link MedbillError} (USAGE) naming the file and what is wrong.
 */
async function readReport(file: string, claim: string | undefined, io: Io): Promise<Report> {
  let text: string;
  try {
    if (file === '-') {
      const chunks: Buffer[] = [];
      for await (const c of io.stdin) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
      text = Buffer.concat(chunks).toString('utf8');
    } else text = await readFile(resolve(io.cwd, file), 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new IoError(`--report ${file}: cannot read it (${code === 'ENOENT' ? 'no such file' : (code ?? (err as Error).message)})`, { file });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new MedbillError('USAGE', '--report: not JSON; expected a report from medbill audit --format json', { file });
  }
  const { ReportSchema } = await import('../report.js');
  if (data && typeof data === 'object' && Array.isArray((data as { reports?: unknown }).reports)) {
    const reports = (data as { reports: unknown[] }).reports;
    const claims = reports.map((r) => (r as { input?: { claim?: string } })?.input?.claim);
    if (claim === undefined) {
      throw new MedbillError('USAGE', `--report holds ${reports.length} reports; pick one with --claim (${claims.filter(Boolean).slice(0, 5).join(', ') || 'the reports have no claim ids: write one report per bill'})`, { file });
    }
    const i = claims.indexOf(claim);
    if (i < 0) throw new MedbillError('USAGE', `--claim ${claim}: no report for this claim (claims: ${claims.filter(Boolean).slice(0, 10).join(', ')})`, { file });
    data = reports[i];
  } else if (claim !== undefined && (data as { input?: { claim?: string } })?.input?.claim !== claim) {
    throw new MedbillError('USAGE', `--claim ${claim}: the report is for ${(data as { input?: { claim?: string } })?.input?.claim ?? 'a bill without a claim id'}`, { file });
  }
  const parsed = ReportSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = issue?.path.map(String).join('.') || '(top level)';
    throw new MedbillError('USAGE', `--report: ${key}: ${issue?.message ?? 'invalid'}; expected a report from medbill audit --format json (medbill schema report)`, { file, key });
  }
  return parsed.data;
}

const LETTER_HELP = `
Kinds:
${LETTER_KINDS.map((k) => `  ${k.padEnd(22)}${LETTER_KIND_DOCS[k]}`).join('\n')}

Examples:
  $ medbill audit bill.csv --insurance uninsured --nonprofit --statement-date 2026-03-20 --format json > report.json
  $ medbill letter dispute --report report.json --profile me.yaml
  $ medbill letter financial-assistance bill.csv --insurance uninsured --nonprofit \\
      --statement-date 2026-03-20 --profile me.yaml --format text -o -
  $ medbill letter settlement --report report.json --profile me.yaml --offer 2500
  $ medbill letter debt-validation --report report.json --profile me.yaml \\
      --collector-name "Example Collections" --collector-address "1 Sample Plaza" \\
      --collector-address "Springfield, IL 62701" --notice-received 2026-09-01

The file is named <bill>-<kind>.pdf (.txt, .md) in the current directory unless -o is given;
an existing file is replaced only with --force. A profile (YAML or JSON; medbill schema profile):

  sender: { name: Pat Example, address: ["100 Sample St", "Springfield, IL 62701"] }
  account: "A-000123"
  billingOffice: { name: Patient Financial Services, address: ["Example General Hospital", "200 Example Ave", "Springfield, IL 62702"] }

Letters state the law only from medbill's facts file (medbill facts). Not legal advice.
`;

/** Adds `medbill letter`. */
export const registerLetter: RegisterCommands = (program, { io, state, cleanup }) => {
  const cmd = program
    .command('letter')
    .description('write a letter from a report or a bill: itemized bill request, dispute, financial assistance, billing hold, settlement, GFE dispute, debt validation')
    .addArgument(new Argument('<kind>', 'which letter').choices(LETTER_KINDS))
    .argument('[bill]', 'a bill to audit (instead of --report)')
    .option('--report <file>', 'a report from medbill audit --format json (- for stdin)')
    .option('--claim <id>', 'with a batch report: the claim to write about')
    .addOption(new Option('-f, --format <format>', 'letter format').choices(LETTER_FORMATS).default('pdf'))
    .option('-o, --output <file>', 'write the letter here (- for stdout) instead of <bill>-<kind>.<ext> in the current directory')
    .option('--force', 'replace an existing file')
    .option('--no-prompt', 'never ask for missing profile fields, even on a terminal')
    .option('-q, --quiet', 'no notes on stderr');
  addLetterOptions(cmd);
  addBillOptions(cmd);
  addPriceOptions(cmd);
  cmd.addHelpText('after', LETTER_HELP).action(async (kind: LetterKind, bill: string | undefined, o: LetterOptions) => {
    if (o.report !== undefined && bill !== undefined) throw new UsageError('give a bill to audit or --report, not both');
    if (o.report === undefined && bill === undefined) throw new UsageError('give a bill to audit (medbill letter dispute bill.csv ...) or --report report.json');
    if (o.report !== undefined && (o.dismiss.length > 0 || o.unsure.length > 0)) {
      throw new UsageError('--dismiss and --unsure decide findings when a bill is audited: give them to medbill audit (or audit the bill here instead of --report)');
    }
    const mod = await import('../letters/index.js');
    let profile = await mod.loadProfile(o.profile, profileValuesOf(o), io.cwd);
    if (mod.missingProfileFields(profile, kind).length > 0 && o.prompt && io.stdin.isTTY && io.stdout.isTTY) {
      const { askProfile } = await import('../interactive/profile.js');
      const answers = await askProfile(profile, [kind], io, 'missing');
      if (answers === 'interrupted') {
        io.stderr.write('\nmedbill: interrupted; nothing was written\n');
        state.code = ExitCode.INTERRUPTED;
        return;
      }
      profile = mod.mergeProfiles(profile, mod.profileFromOptions(answers));
    }
    mod.assertProfileComplete(profile, [kind]);
    const clock = mod.letterClock(o.date, io.env);
    const report = o.report !== undefined ? await readReport(o.report, o.claim, io) : await auditOneBill([bill as string], o, io, 'medbill letter');
    const facts = loadFacts();
    const letter = mod.composeLetter(kind, report, profile, facts, {
      date: clock.date,
      ...(o.offer !== undefined ? { offerCents: o.offer } : {}),
      ...(o.noticeReceived ? { noticeReceived: o.noticeReceived } : {}),
      ...(o.validationEnds ? { validationEnds: o.validationEnds } : {}),
    });
    const data = await mod.renderLetter(letter, o.format, clock.createdAt);
    if (o.output === '-') {
      if (o.format === 'pdf' && io.stdout.isTTY) throw new UsageError('-o - would print a PDF on the terminal: redirect it (> letter.pdf), give -o FILE, or use --format text');
      (io.stdout as { write(chunk: string | Uint8Array): unknown }).write(o.format === 'pdf' ? data : data.toString('utf8'));
    } else {
      const path = resolve(io.cwd, o.output ?? mod.letterFileName(report, kind, o.format));
      const shown = o.output ?? mod.letterFileName(report, kind, o.format);
      await mod.writeFilesAtomic([{ path, data }], { force: o.force === true, cleanup, shown: () => shown });
      if (!o.quiet) io.stderr.write(`medbill: wrote ${shown}\n`);
    }
    if (!o.quiet) for (const n of letter.notes) io.stderr.write(`medbill: note: ${n}\n`);
    state.code = ExitCode.OK;
  });
};
