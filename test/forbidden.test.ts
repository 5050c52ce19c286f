/**
 * rights.md item 26: claims medbill must never print. This test runs every command in every
 * format over the fixture bills and a spread of options (in process, through the same `run`
 * the CLI uses, plus the built CLI for its help), writes every letter kind in text, Markdown
 * and PDF (read back with pdftotext), adds the facts file, the rule files and the README, and
 * searches all of it. The detector is tested first on the claims themselves, so
 * that this test can fail.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { US_STATES } from '../src/bill/schema.js';
import { run, type Io } from '../src/cli.js';
import { loadFacts } from '../src/facts.js';
import { LETTER_KINDS } from '../src/letters/model.js';
import { cli, NO_DATA_DIR, runIn } from './helpers.js';
import { formatNdjsonLine } from '../src/formatters/json.js';
import type { Report } from '../src/report.js';
import { formatMarkdown } from '../src/formatters/markdown.js';
import { formatText } from '../src/formatters/text.js';

const ROOT = resolve(__dirname, '..');

/** Each forbidden claim of rights.md item 26, as a check over a text: the offending passages. */
const CHECKS: Array<{ claim: string; find: (text: string) => string[] }> = [
  {
    claim: '"80% of bills contain errors" (or any audited error rate like it)',
    find: (t) => near(t, /\b(80\s*(%|percent)|(eight|8)\s+(out\s+)?(of|in)\s+(ten|10))(?![.\d])/gi, /error|mistake|bills?\b/i, 120),
  },
  {
    claim: '"settle for 40-60 cents on the dollar" (an unsourced settlement share)',
    find: (t) => matches(t, [/cents on the dollar/gi, /\b\d{1,2}\s*(–|-|to)\s*\d{1,2}\s*cents\b/gi, /\b40\s*(–|-|to)\s*60\s*(%|percent)/gi, /\bsettle for (about |around )?\d/gi]),
  },
  {
    claim: '"advocates charge 25-35%"',
    find: (t) => matches(t, [/\b25\s*(–|-|to)\s*35\s*(%|percent)/gi, /advocates?\s+(typically\s+|usually\s+|often\s+)?(charge|take|keep)s?\s+(about\s+|around\s+)?\d{1,2}\s*(%|percent)/gi]),
  },
  {
    claim: '"a federal rule bans medical debt from credit reports"',
    find: (t) =>
      sentences(t).filter(
        (s) =>
          (/\b(federal|CFPB|national)\b[^.]*\b(bans?|banned|prohibits?|prohibited|bars?|barred|removes?|keeps?)\b[^.]*\bcredit reports?\b/i.test(s) ||
            /medical debts? (is|are|can no longer be|cannot be) (no longer |now )?(banned|removed|barred|allowed|reported)[^.]*credit reports?/i.test(s)) &&
          !/vacated|struck down|would have|never took effect|preempt/i.test(s),
      ),
  },
  {
    // The condition must be in the same sentence: "through Dec 31, 2026", the 2027 change, or
    // the application date it was computed for (which must then be before 2027).
    claim: '"3-month retroactive Medicaid" without the 2027 condition',
    find: (t) => {
      const list = sentences(t);
      return list.filter((s, i) => {
        if (!/\b(3|three)[- ]months?\b/i.test(s)) return false;
        if (!/medicaid|retroactive/i.test(s) && !/medicaid|retroactive/i.test(list[i - 1] ?? '')) return false;
        const dated = /application dated (\d{4}-\d{2}-\d{2})/.exec(s);
        if (dated) return (dated[1] as string) > '2026-12-31';
        return !/2027|2026-12-31|Dec(ember)? 31, 2026/.test(s);
      });
    },
  },
];

function matches(text: string, patterns: RegExp[]): string[] {
  return patterns.flatMap((p) => [...text.matchAll(p)].map((m) => context(text, m.index ?? 0, 80)));
}

function context(text: string, at: number, width: number): string {
  return text.slice(Math.max(0, at - width), at + width);
}

/** Passages (±width chars) around each match of `p` that also contain `also`. */
function near(text: string, p: RegExp, also: RegExp, width: number): string[] {
  return [...text.matchAll(p)].map((m) => context(text, m.index ?? 0, width)).filter((w) => also.test(w));
}

/** Sentences of a text (or of the strings in a JSON document). */
function sentences(text: string): string[] {
  return text.replace(/\s+/g, ' ').split(/(?<=[.!?;])"?,?\s+/);
}

function violations(text: string): string[] {
  return CHECKS.flatMap((c) => c.find(text).map((passage) => `${c.claim}: …${passage.replace(/\s+/g, ' ')}…`));
}

/** Runs the CLI in process and returns everything it wrote (stdout and stderr). */
async function outputs(argv: string[]): Promise<{ stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = { write: (s: string) => ((stdout += s), true), isTTY: false, columns: 100 };
  const err = { write: (s: string) => ((stderr += s), true), isTTY: false };
  const io: Io = { stdout: out, stderr: err, stdin: Readable.from([]) as unknown as Io['stdin'], env: { NO_COLOR: '1', MEDBILL_DATA_DIR: NO_DATA_DIR }, cwd: ROOT };
  await run(argv, io);
  return { stdout, stderr };
}

async function output(argv: string[]): Promise<string> {
  let out = '';
  const sink = { write: (s: string) => ((out += s), true), isTTY: false, columns: 100 };
  const io: Io = { stdout: sink, stderr: sink, stdin: Readable.from([]) as unknown as Io['stdin'], env: { NO_COLOR: '1', MEDBILL_DATA_DIR: NO_DATA_DIR }, cwd: ROOT };
  await run(argv, io);
  return out;
}

describe('the forbidden-claims detector (rights.md item 26)', () => {
  it.each([
    'About 80% of medical bills contain at least one error.',
    'Eight in ten bills have mistakes.',
    'Offer to settle for 40–60 cents on the dollar.',
    'Most hospitals settle for 50% of the balance.',
    'Billing advocates charge 25–35% of what they save you.',
    'Advocates usually take 30% of the savings.',
    'A federal rule bans medical debt from credit reports.',
    'Since 2025 the CFPB rule removes medical bills from credit reports.',
    'Medicaid can pay for 3 months of care before you applied.',
    'Retroactive Medicaid covers three months.',
    'For an application dated 2027-03-10, any group: Medicaid can cover care from 2026-12-01 (3 months before the month of application).',
    'Medicaid retroactive coverage: 3 months before the month of application for applications. From Jan 1, 2027 it changes.',
  ])('flags %j', (claim) => {
    expect(violations(claim).length).toBeGreaterThan(0);
  });

  it.each([
    'Medicaid retroactive coverage: 3 months before the month of application for applications through Dec 31, 2026. From Jan 1, 2027 (application date): 1 month for Medicaid expansion adults, 2 months for other groups.',
    'The CFPB medical-debt credit-reporting rule (finalized Jan 2025) was vacated on July 11, 2025 and never took effect.',
    'A 2025 federal rule that would have barred medical debt from credit reports was struck down before it took effect.',
    'In a 2022 KFF survey, 43% of adults said they had received a medical or dental bill they thought contained an error.',
    'At the fee you gave (30% of savings), an advocate who obtained all $1,000.00 of the potential savings would cost $300.00.',
    'your income of $40,000 is about 80.0% of the guideline',
    'For an application dated 2026-06-01, any eligibility group: Medicaid can cover care from 2026-03-01 (3 months before the month of application).',
  ])('passes %j', (text) => {
    expect(violations(text)).toEqual([]);
  });
});

describe('no forbidden claim anywhere in medbill\'s output', () => {
  it('covers every command medbill has', async () => {
    const help = await output(['--help']);
    const commands = [...help.matchAll(/^ {2}([a-z]+)\b/gm)].map((m) => m[1]).filter((c) => c !== 'help');
    expect(commands.sort()).toEqual(['assist', 'audit', 'data', 'facts', 'letter', 'prices', 'rules', 'schema']);
  });

  it('help and usage of every command (the built CLI, and in process for each command)', async () => {
    let all = '';
    for (const args of [['--help'], ['-V']]) {
      const r = await cli(args);
      all += r.stdout + r.stderr;
    }
    for (const c of ['audit', 'letter', 'assist', 'facts', 'schema', 'rules', 'rules list', 'rules show', 'rules validate', 'rules test', 'data', 'data import', 'data list', 'data remove', 'data sample', 'prices', 'prices validate']) {
      all += await output([...c.split(' '), '--help']);
    }
    expect(all).toContain('medbill assist');
    expect(all).toContain('debt-validation');
    expect(violations(all)).toEqual([]);
  });

  it('audit: every fixture bill, every format, with the rights and plan options', async () => {
    const bills: Array<{ file: string; args: string[] }> = [];
    for (const f of readdirSync(join(ROOT, 'fixtures', 'bills'))) bills.push({ file: join('fixtures', 'bills', f), args: [] });
    for (const c of readdirSync(join(ROOT, 'fixtures', 'cases'))) {
      const dir = join(ROOT, 'fixtures', 'cases', c);
      if (!readdirSync(join(ROOT, 'fixtures', 'cases')).includes(c) || c.endsWith('.md')) continue;
      const spec = JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8')) as { bill: string; groupBy?: string };
      bills.push({ file: join('fixtures', 'cases', c, spec.bill), args: spec.groupBy ? ['--group-by', spec.groupBy] : [] });
    }
    for (const id of ['out-of-network-emergency', 'out-of-network-ancillary-at-in-network-facility', 'bill-above-good-faith-estimate', 'uninsured-at-nonprofit-hospital']) {
      bills.push({ file: join('fixtures', 'rules', `${id}.csv`), args: ['--group-by', 'claim'] });
    }
    const variants = [
      [],
      ['--insurance', 'uninsured', '--nonprofit', '--statement-date', '2026-06-20', '--state', 'CA', '--cash-price', '5000', '--medicare-amount', '1200', '--agb-percent', '35', '--advocate-fee', '30'],
      ['--insurance', 'self-pay', '--gfe', '100', '--gfe', '1234567893=50', '--state', 'NY', '--no-nonprofit', '--advocate-fee', '25'],
      ['--insurance', 'out-of-network', '--encounter', 'emergency', '--state', 'CO'],
      ['--insurance', 'out-of-network', '--facility-network', 'in-network', '--encounter', 'outpatient', '--bill-type', 'professional', '--state', 'WA'],
      ['--insurance', 'medicare', '--statement-date', '2026-12-31'],
      ['--insurance', 'in-network', '--state', 'TX', '--cash-price', '1'],
      // The price comparison against a price file and a payer's negotiated rates.
      ['--insurance', 'self-pay', '--prices', 'fixtures/prices/example-standard-charges.csv', '--payer', 'Example Health Plan'],
    ];
    let all = '';
    let runs = 0;
    for (const b of bills) {
      for (const v of variants) {
        // One audit per bill and variant; every format is rendered from its report (the
        // formatters are pure, and the CLI prints exactly what they return).
        const { stdout, stderr } = await outputs(['audit', b.file, '--format', 'json', ...b.args, ...v]);
        all += stdout + stderr;
        if (stdout === '') continue; // a usage error (e.g. --gfe AMOUNT with several claims): its message is searched above
        const doc = JSON.parse(stdout) as Report | { reports: Report[] };
        for (const report of 'reports' in doc ? doc.reports : [doc]) {
          all += formatText(report) + formatMarkdown(report) + formatNdjsonLine(report);
          runs++;
        }
      }
    }
    expect(all).toContain('Fair prices');
    expect(runs).toBeGreaterThan(90);
    // The search saw the plan, the rights findings and the facts in it.
    for (const seen of ['Protect your credit', 'out-of-network-emergency', 'bill-above-good-faith-estimate', 'uninsured-at-nonprofit-hospital', 'out-of-network-ancillary-at-in-network-facility', 'was vacated on July 11, 2025', 'Open with']) {
      expect(all).toContain(seen);
    }
    expect(violations(all)).toEqual([]);
  }, 120_000);

  it('assist: every state, both years, several incomes, 501(r) and Medicaid variants, text and JSON', async () => {
    let all = '';
    const incomes = ['0', '20000', '40000', '90000', '250000'];
    for (const [i, state] of US_STATES.entries()) {
      for (const year of ['2025', '2026']) {
        const income = incomes[i % incomes.length] as string;
        for (const format of ['text', 'json']) {
          all += await output(['assist', '--household', String((i % 9) + 1), '--income', income, '--state', state, '--year', year, '--format', format]);
        }
      }
    }
    const extras = [
      ['--nonprofit', '--statement-date', '2026-06-20'],
      ['--nonprofit'],
      ['--no-nonprofit'],
      ['--medicaid-application', '2026-06-01'],
      ['--medicaid-application', '2026-12-31'],
      ['--medicaid-application', '2027-01-01'],
      ['--medicaid-application', '2027-03-10', '--medicaid-group', 'expansion-adult'],
      ['--medicaid-application', '2027-03-10', '--medicaid-group', 'other'],
    ];
    for (const state of ['CA', 'WA', 'OR', 'NY', 'IL', 'CO', 'MD', 'AK', 'HI', 'TX']) {
      for (const e of extras) for (const format of ['text', 'json']) all += await output(['assist', '--household', '3', '--income', '40000', '--state', state, '--format', format, ...e]);
    }
    all += await output(['assist', '--household', '0', '--income', '1', '--state', 'CA']);
    expect(all).toContain('Retroactive Medicaid');
    expect(all).toContain('"fplPercent": 146.4');
    expect(violations(all)).toEqual([]);
  }, 120_000);

  it('facts, schema and rules commands, in every format', async () => {
    let all = '';
    for (const today of ['2026-01-01', '2026-12-01', '2027-12-31']) {
      for (const format of ['text', 'json']) {
        all += await output(['facts', '--today', today, '--format', format]);
        all += await output(['facts', '--stale', '--today', today, '--format', format]);
      }
    }
    for (const name of ['report', 'batch', 'bill', 'rule', 'assist', 'facts', 'profile']) all += await output(['schema', name]);
    all += await output(['prices', 'validate', 'fixtures/prices/example-standard-charges.csv']);
    all += await output(['rules', 'list']);
    all += await output(['rules', 'list', '--format', 'json']);
    all += await output(['rules', 'validate']);
    all += await output(['rules', 'test']);
    for (const f of readdirSync(join(ROOT, 'rules')).filter((x) => x.endsWith('.yaml'))) all += await output(['rules', 'show', f.replace(/\.yaml$/, '')]);
    expect(all).toContain('medicaid-retroactive-from-2027');
    expect(violations(all)).toEqual([]);
  }, 60_000);

  it('letters: every kind, in text, Markdown and PDF, over the fixture bills and the rights and plan options', async () => {
    const profile = join(ROOT, 'fixtures', 'letters', 'profile.yaml');
    const letterArgs = ['--profile', profile, '--collector-name', 'Example Collections LLC', '--collector-address', '1 Sample Plaza', '--collector-address', 'Springfield, IL 62703', '--notice-received', '2026-09-01', '--date', '2026-09-10'];
    const bills: Array<{ file: string; args: string[] }> = [];
    for (const f of readdirSync(join(ROOT, 'fixtures', 'bills'))) bills.push({ file: join('fixtures', 'bills', f), args: [] });
    for (const c of readdirSync(join(ROOT, 'fixtures', 'cases')).filter((x) => !x.endsWith('.md'))) {
      const spec = JSON.parse(readFileSync(join(ROOT, 'fixtures', 'cases', c, 'case.json'), 'utf8')) as { bill: string; groupBy?: string };
      bills.push({ file: join('fixtures', 'cases', c, spec.bill), args: spec.groupBy ? ['--group-by', spec.groupBy] : [] });
    }
    for (const id of ['out-of-network-emergency', 'out-of-network-ancillary-at-in-network-facility', 'bill-above-good-faith-estimate', 'uninsured-at-nonprofit-hospital']) {
      bills.push({ file: join('fixtures', 'rules', `${id}.csv`), args: ['--group-by', 'claim'] });
    }
    const variants = [
      ['--insurance', 'uninsured', '--nonprofit', '--statement-date', '2026-06-20', '--state', 'CA', '--cash-price', '5000', '--medicare-amount', '1200', '--agb-percent', '35'],
      ['--insurance', 'self-pay', '--gfe', '100', '--state', 'NY', '--no-nonprofit', '--statement-date', '2026-05-01'],
      ['--insurance', 'out-of-network', '--encounter', 'emergency', '--state', 'TX'],
      ['--insurance', 'out-of-network', '--facility-network', 'in-network', '--encounter', 'outpatient', '--bill-type', 'professional', '--state', 'FL'],
      ['--insurance', 'medicare', '--statement-date', '2026-12-31', '--unsure', 'duplicate-line', '--dismiss', 'routine-supplies'],
    ];
    let all = '';
    const kinds = new Set<string>();
    for (const [bi, b] of bills.entries()) {
      for (const [vi, v] of variants.entries()) {
        // Text and Markdown render the same letter model: alternate them rather than audit twice.
        for (const format of [(bi + vi) % 2 === 0 ? 'text' : 'markdown']) {
          const dir = mkdtempSync(join(tmpdir(), 'medbill-forbidden-'));
          all += await output(['audit', b.file, '--format', 'json', ...b.args, ...v, '--letters', dir, '--letter-format', format, ...letterArgs]);
          for (const f of readdirSync(dir)) {
            kinds.add(f.replace(/^.*?-(itemized-bill|dispute|financial-assistance|billing-hold|settlement|gfe-dispute|debt-validation)\.(txt|md)$/, '$1'));
            all += readFileSync(join(dir, f), 'utf8');
          }
        }
      }
    }
    expect([...kinds].sort(), [...kinds].join()).toEqual([...LETTER_KINDS].sort());
    // PDF: every kind for the inpatient case, back to text with pdftotext.
    const inpatient = ['fixtures/cases/inpatient-pneumonia-self-pay/bill.csv', '--insurance', 'uninsured', '--nonprofit', '--admission', '2026-03-02', '--discharge', '2026-03-05', '--statement-date', '2026-03-20', '--state', 'IL', '--gfe', '10000', '--cash-price', '6000', '--unsure', 'lab-panel-component:6'];
    const dir = mkdtempSync(join(tmpdir(), 'medbill-forbidden-'));
    for (const kind of LETTER_KINDS) {
      const file = join(dir, `${kind}.pdf`);
      const r = await runIn(['letter', kind, ...inpatient, ...letterArgs, '-o', file]);
      expect(r.code, `${kind}: ${r.stderr}`).toBe(0);
      all += r.stderr + execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
    }
    for (const seen of ['Dispute of charges', 'IRC 501(r)', '45 CFR 149.620', '15 U.S.C. 1692g(b)', 'HIPAA right of access', 'lump-sum payment', 'Please place the account on hold']) expect(all).toContain(seen);
    expect(violations(all)).toEqual([]);
  }, 240_000);

  it('the facts file, the rule pack and the README', () => {
    const files = [join(ROOT, 'README.md'), join(ROOT, 'rules', 'tables', 'facts.yaml'), ...readdirSync(join(ROOT, 'rules')).filter((f) => f.endsWith('.yaml')).map((f) => join(ROOT, 'rules', f))];
    for (const f of readdirSync(join(ROOT, 'rules', 'tables'))) files.push(join(ROOT, 'rules', 'tables', f));
    for (const f of files) expect(violations(readFileSync(f, 'utf8')), f).toEqual([]);
    // Each fact's text on its own, as it is printed.
    for (const fact of loadFacts().all()) expect(violations(fact.text), fact.id).toEqual([]);
  });
});
