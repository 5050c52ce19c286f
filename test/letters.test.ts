/**
 * Letters (issue #5), composed for the inpatient case (fixtures/cases/inpatient-pneumonia-
 * self-pay, the shared case): every disputed line, amount and source in the text; every legal
 * statement a sentence of the facts file (a fact's text or letter template, filled with the
 * bill's values); medbill's own sentences free of statements of law; deadlines computed from
 * the bill's dates. The checker is itself tested on letters that break the rule.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { addDays } from '../src/dates.js';
import { UsageError } from '../src/errors.js';
import { loadFacts } from '../src/facts.js';
import { composeLetter, lettersCalledFor } from '../src/letters/compose.js';
import { LETTER_KINDS, longDate, runsText, shortDate, type Letter, type LetterKind, type Run } from '../src/letters/model.js';
import { parseProfile, type Profile } from '../src/letters/profile.js';
import { pdfSafe } from '../src/letters/render-pdf.js';
import { escapeMarkdown, renderMarkdown, renderText, wrapText } from '../src/letters/render-text.js';
import { letterClock, letterFileName } from '../src/letters/write.js';
import type { Report } from '../src/report.js';
import { runIn } from './helpers.js';

const ROOT = resolve(__dirname, '..');
const CASE_DIR = resolve(ROOT, 'fixtures', 'cases', 'inpatient-pneumonia-self-pay');
const BILL = 'fixtures/cases/inpatient-pneumonia-self-pay/bill.csv';
/** The case's context (case.json) as options, plus the statement date and state the letters' dates and state law need. */
const FACTS = ['--insurance', 'uninsured', '--nonprofit', '--admission', '2026-03-02', '--discharge', '2026-03-05', '--diagnosis', 'J18.9', '--statement-date', '2026-03-20', '--state', 'IL'];
const DATE = '2026-03-25';
const facts = loadFacts();
const { parse: parseYaml } = await import('yaml');
const profile: Profile = parseProfile(readFileSync(resolve(ROOT, 'fixtures', 'letters', 'profile.yaml'), 'utf8'), 'profile.yaml', (t) => parseYaml(t, { schema: 'failsafe' }));
const COLLECTOR: Profile = { ...profile, collector: { name: 'Example Collections LLC', address: ['1 Sample Plaza', 'Springfield, IL 62703'], account: 'EC-42' } };

async function reportOf(extra: string[] = []): Promise<Report> {
  const r = await runIn(['audit', BILL, '--format', 'json', ...FACTS, ...extra]);
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout) as Report;
}

const compose = (kind: LetterKind, report: Report, p: Profile = profile, extra: Partial<Parameters<typeof composeLetter>[4]> = {}) => composeLetter(kind, report, p, facts, { date: DATE, ...extra });

// ---------------------------------------------------------------------------------------------
// The "no statement outside the facts file" check.

/** Words that state or cite the law: medbill's own sentences and the bill's values must not contain them. */
const LEGAL = /\b(CFR|U\.S\.C|USC|IRC|501\(r\)|No Surprises Act|HIPAA|FDCPA|Regulation F|statutes?|regulations?|laws?|legal(ly)?|entitled|required|requires?|must|may not|prohibit\w*|unlawful|illegal|rights?)\b|§/i;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Problems with one run: a fact run that is not its fact's sentence, a finding run that is not the finding's, or own words stating the law. */
function runProblems(run: Run, report: Report): string[] {
  const o = run.origin;
  if (o.kind === 'fact') {
    const fact = facts.get(o.id);
    if (o.template) {
      const template = facts.letter(o.id, o.template);
      const pattern = new RegExp(`^${escapeRegExp(template).replace(/\\\{[A-Za-z][A-Za-z0-9]*\\\}/g, '(.+?)')}$`, 'i');
      return pattern.test(run.text) ? [] : [`fact run ${o.id}.${o.template} is not its template: ${run.text}`];
    }
    if (o.field === 'text') return run.text === fact.text ? [] : [`fact run ${o.id} is not the fact's text: ${run.text}`];
    if (o.field === 'source') return run.text === `(${fact.source})` || run.text === fact.source ? [] : [`source run of ${o.id} is not its source: ${run.text}`];
    return [`fact run ${o.id} without a template or field`];
  }
  if (o.kind === 'finding') {
    const f = report.findings.find((x) => (x.lines[0] === undefined ? x.ruleId : `${x.ruleId}:${x.lines[0]}`) === o.key);
    if (!f) return [`finding run for an unknown finding ${o.key}`];
    const expected = o.field === 'message' ? [f.message] : o.field === 'title' ? [f.title] : f.references;
    return expected.includes(run.text) ? [] : [`finding run ${o.key}.${o.field} is not the finding's: ${run.text}`];
  }
  return LEGAL.test(run.text) ? [`${o.kind} words state or cite the law: ${run.text}`] : [];
}

/** Every problem of a letter: its runs, and the fixed parts (subject, labels, salutation, table headings) stating law. */
function letterProblems(letter: Letter, report: Report): string[] {
  const out: string[] = [];
  for (const b of letter.body) {
    if (b.type === 'paragraph') for (const r of b.runs) out.push(...runProblems(r, report));
    if (b.type === 'list') for (const item of b.items) for (const r of item) out.push(...runProblems(r, report));
    if (b.type === 'table') {
      for (const row of b.rows) for (const cell of row) for (const r of cell.runs) out.push(...runProblems(r, report));
      for (const t of [...b.columns.map((c) => c.heading), b.total?.label ?? '']) if (LEGAL.test(t)) out.push(`table text states law: ${t}`);
    }
    if (b.type === 'heading' && LEGAL.test(b.text)) out.push(`heading states law: ${b.text}`);
  }
  for (const t of [letter.subject, letter.salutation, letter.closing, ...letter.reference.map((r) => `${r.label}: ${r.value}`)]) if (LEGAL.test(t)) out.push(`fixed text states law: ${t}`);
  for (const s of letter.sources) {
    const ok = s.origin.kind === 'fact' ? s.text === `${facts.get(s.origin.id).source} (${facts.get(s.origin.id).title})` : s.origin.kind === 'finding' && report.findings.some((f) => f.references.includes(s.text));
    if (!ok) out.push(`source [${s.n}] is neither a fact's source nor a rule reference: ${s.text}`);
  }
  return out;
}

let base: Report;
let withGfe: Report;
beforeAll(async () => {
  base = await reportOf();
  withGfe = await reportOf(['--gfe', '10000', '--cash-price', '6000']);
}, 60_000);

describe('the facts-only checker', () => {
  it('flags own words that state the law, a fact run that is not its sentence, and a source that is not one', () => {
    const letter = compose('dispute', base);
    const bad: Letter = structuredClone(letter);
    bad.body.push({ type: 'paragraph', runs: [{ text: 'Under 45 CFR 149.620 you must stop collecting.', origin: { kind: 'medbill' } }] });
    bad.body.push({ type: 'paragraph', runs: [{ text: 'Tax-exempt hospitals must forgive the bill.', origin: { kind: 'fact', id: 'fap-501r', field: 'text' } }] });
    bad.body.push({ type: 'paragraph', runs: [{ text: 'I am applying within the application period, which lasts at least 365 days after the first post-discharge statement, or so I heard.', origin: { kind: 'fact', id: 'fap-501r-collections', template: 'apply' } }] });
    bad.sources.push({ n: 99, text: 'A blog post', origin: { kind: 'medbill' } });
    const problems = letterProblems(bad, base);
    expect(problems).toHaveLength(4);
    expect(problems[0]).toContain('medbill words state or cite the law');
    expect(letterProblems(letter, base)).toEqual([]);
  });
});

describe('which letters the findings call for', () => {
  it('the inpatient case (uninsured, tax-exempt, billing errors): dispute, financial assistance and a hold', () => {
    expect(lettersCalledFor(base, profile)).toEqual(['dispute', 'financial-assistance', 'billing-hold']);
    // A benchmark adds the settlement, a bill $400 over its GFE the GFE dispute, a collector the validation letter.
    expect(lettersCalledFor(withGfe, COLLECTOR)).toEqual(['dispute', 'financial-assistance', 'billing-hold', 'settlement', 'gfe-dispute', 'debt-validation']);
  });

  it('no settlement when what was paid already covers the benchmark (the offer would open at $0)', async () => {
    // $500 paid; a $400 cash price leaves nothing to offer.
    const r = await reportOf(['--cash-price', '400']);
    expect(r.summary.plan?.offer).toMatchObject({ status: 'range', lowCents: 0 });
    expect(lettersCalledFor(r, profile)).not.toContain('settlement');
    expect(() => compose('settlement', r)).toThrow('the benchmarks, less the $500.00 already paid, leave no amount to offer: give the amount with --offer DOLLARS');
    expect(renderText(compose('settlement', r, profile, { offerCents: 30000 }))).toContain('I offer $300.00 as a lump-sum payment');
  });

  it('a line marked unsure calls for the itemized bill and records; a report with errors calls for none', async () => {
    const unsure = await reportOf(['--unsure', 'lab-panel-component:6']);
    expect(lettersCalledFor(unsure, profile)).toEqual(['itemized-bill', 'dispute', 'financial-assistance', 'billing-hold']);
    expect(lettersCalledFor({ ...base, errors: [{ code: 'BILL_INVALID', message: 'bad' }] }, profile)).toEqual([]);
  });
});

describe('each letter for the inpatient case', () => {
  it.each(LETTER_KINDS)('%s: facts-only, with the parties, date and account', (kind) => {
    const letter = compose(kind, withGfe, COLLECTOR, { noticeReceived: '2026-09-01' });
    expect(letterProblems(letter, withGfe)).toEqual([]);
    const text = renderText(letter);
    expect(text).toContain('Pat Example\n100 Sample St\nSpringfield, IL 62701');
    expect(text).toContain('March 25, 2026');
    expect(text).toContain(kind === 'debt-validation' ? 'Example Collections LLC\n1 Sample Plaza' : 'Patient Financial Services\nExample General Hospital\n200 Example Ave');
    expect(text).toMatch(/[Aa]ccount number: 000123/);
    expect(text).toContain('Admission and discharge: March 2, 2026 to March 5, 2026');
    expect(text.trimEnd().endsWith(letter.sources.length > 0 ? letter.sources[letter.sources.length - 1]?.text.split(' ').pop() ?? '' : 'Pat Example')).toBe(true);
    // Every fact it cites is listed under Sources with its citation.
    for (const id of letter.facts) expect(text).toContain(facts.get(id).source.split(' ')[0] as string);
  });

  it('dispute: every disputed line of the case, with its date, code, charge, amount and source, and the total', () => {
    const letter = compose('dispute', base);
    const text = renderText(letter);
    const flat = text.replace(/\s+/g, ' ');
    const spec = JSON.parse(readFileSync(resolve(CASE_DIR, 'case.json'), 'utf8')) as { expect: Array<{ lines: number[]; must: string; amountCents?: number }> };
    const flagged = spec.expect.filter((e) => e.must === 'flag');
    const table = letter.body.find((b) => b.type === 'table');
    if (table?.type !== 'table') throw new Error('no table');
    // One row per disputed line; the duplicate pair 8/9 disputes line 9 (the repeat).
    const rows = table.rows.map((r) => r.map((c) => runsText(c.runs)));
    expect(rows.map((r) => Number(r[0]))).toEqual([3, 4, 6, 9, 12, 17, 18, 19, 20, 24]);
    for (const e of flagged) {
      const line = e.lines[e.lines.length - 1] as number;
      const row = rows.find((r) => Number(r[0]) === line);
      expect(row, `line ${line}`).toBeDefined();
      const cents = e.amountCents as number;
      const dollars = `$${(cents / 100).toLocaleString('en-US', { minimumFractionDigits: 2 })}`;
      expect(row?.[6]).toBe(dollars);
      expect(text).toContain(`Line ${line} ·`);
      expect(flat).toContain(`disputed ${dollars}`);
    }
    expect(rows.find((r) => r[0] === '17')).toEqual(['17', 'Mar 5, 2026', 'rev 0120 ROOM & BOARD SEMI-PRIVATE', '$2,400.00', expect.stringContaining('the day of discharge is not a billable day'), '[4]', '$2,400.00']);
    // Line 12 is disputed by two rules: both reasons, both sources, the amount once.
    const twelve = rows.find((r) => r[0] === '12');
    expect(twelve?.[4]).toContain('line 12 repeats line 10');
    expect(twelve?.[4]).toContain('only one initial service is billed per encounter');
    expect(twelve?.[5]).toBe('[2] [3]');
    expect(twelve?.[6]).toBe('$310.00');
    expect(table.total).toEqual({ label: 'Total disputed (10 lines, each counted once)', amountCents: 394300 });
    expect(flat).toContain('Total disputed (10 lines, each counted once): $3,943.00');
    expect(flat).toContain('Please remove these charges ($3,943.00 in all), send me a corrected itemized bill');
    expect(flat).toContain('please hold the account');
    // Every disputed finding's source is listed, numbered as the table cites it.
    for (const f of base.findings.filter((x) => x.lines.length > 0 && x.category !== 'other')) {
      const n = letter.sources.find((s) => s.text === f.references[0])?.n;
      expect(n, f.ruleId).toBeDefined();
      expect(flat).toContain(`[${n}] ${f.references[0]}`);
    }
    // The dispute states no law at all: nothing to cite from the facts file.
    expect(letter.facts).toEqual([]);
  });

  it('dispute: a dismissed finding leaves the table and the total; an unsure one is asked about instead', async () => {
    const r = await reportOf(['--dismiss', 'lab-panel-component:4', '--unsure', 'room-nights-exceed-stay:17']);
    const letter = compose('dispute', r);
    const text = renderText(letter);
    expect(text).not.toContain('Line 4 ·');
    expect(text).not.toContain('Line 17 ·');
    expect(text.replace(/\s+/g, ' ')).toContain('Total disputed (8 lines, each counted once): $1,455.00');
    expect(text.replace(/\s+/g, ' ')).toContain('the medical record where it applies, for this line, which I could not verify: - Line 17 (Mar 5, 2026, rev 0120, ROOM & BOARD SEMI-PRIVATE, $2,400.00): Room and board charged for more nights than the stay');
    expect(letterProblems(letter, r)).toEqual([]);
    expect(r.dismissed).toEqual([{ key: 'lab-panel-component:4', ruleId: 'lab-panel-component', title: 'Lab test billed on top of a panel that includes it', lines: [4, 2], amountAtStakeCents: 8800 }]);
  });

  it('financial-assistance: 501(r), the AGB, the 240-day application period and the dates counted from the statement', () => {
    const letter = compose('financial-assistance', base);
    const text = renderText(letter).replace(/\s+/g, ' ');
    expect(text).toContain("Please send me Example General Hospital's financial assistance policy (FAP), its plain-language summary and the application");
    expect(text).toContain('Example General Hospital is a tax-exempt hospital. Under IRC 501(r) it must have a written financial assistance policy (FAP)');
    expect(text).toContain('more than the amounts generally billed (AGB) to insured patients');
    expect(text).toContain('which lasts at least 240 days after the first post-discharge statement');
    expect(text).toContain('Counted from the statement dated March 20, 2026, the application period runs at least until November 15, 2026, and no extraordinary collection action may start before July 18, 2026.');
    expect(letter.deadlines).toEqual([
      { label: 'FAP application period runs at least until', date: addDays('2026-03-20', 240), fact: 'fap-501r-collections' },
      { label: 'No extraordinary collection action before', date: addDays('2026-03-20', 120), fact: 'fap-501r-collections' },
    ]);
    expect(letter.deadlines.map((d) => d.date)).toEqual(['2026-11-15', '2026-07-18']);
    // The state's charity-care law, as the facts file states it, with its source.
    expect(text).toContain(`${facts.get('charity-care-il').text} (${facts.get('charity-care-il').source})`);
    expect(letter.facts).toEqual(['fap-501r', 'fap-501r-collections', 'charity-care-il']);
  });

  it('financial-assistance at a hospital not known to be tax-exempt cites no 501(r) and says what to give', async () => {
    const r = await runIn(['audit', BILL, '--format', 'json', '--insurance', 'uninsured', '--admission', '2026-03-02', '--discharge', '2026-03-05']);
    const report = JSON.parse(r.stdout) as Report;
    const letter = compose('financial-assistance', report);
    expect(renderText(letter)).not.toMatch(/501\(r\)|tax-exempt/);
    expect(letter.facts).toEqual([]);
    expect(letter.notes.join(' ')).toContain('give --nonprofit');
  });

  it('gfe-dispute: the amounts, the $400 threshold, the 120-day deadline counted from the bill, the pause', () => {
    const letter = compose('gfe-dispute', withGfe);
    const text = renderText(letter).replace(/\s+/g, ' ');
    expect(text).toContain('The bill is $16,726.00, which is at least $400 more than the Good Faith Estimate of $10,000.00 (it is $6,726.00 more). I am starting patient-provider dispute resolution under 45 CFR 149.620');
    expect(text).toContain('The dispute can be started within 120 calendar days of receiving the initial bill; counted from the bill dated March 20, 2026, that is by July 18, 2026.');
    expect(text).toContain('While the dispute is pending, the provider may not send the bill to collections');
    expect(letter.deadlines).toEqual([{ label: 'Start patient-provider dispute resolution by', date: '2026-07-18', fact: 'nsa-gfe-dispute' }]);
    expect(letter.notes.join(' ')).toContain('1-800-985-3059');
  });

  it('gfe-dispute: refused when the bill is less than $400 over the estimate', async () => {
    // $16,726.00 billed: an estimate of $16,326.01 leaves $399.99 over.
    const r = await reportOf(['--gfe', '16326.01']);
    expect(() => compose('gfe-dispute', r)).toThrow(UsageError);
    expect(() => compose('gfe-dispute', r)).toThrow(/at least \$400 over a Good Faith Estimate/);
    const ok = await reportOf(['--gfe', '16326.00']);
    expect(renderText(compose('gfe-dispute', ok))).toContain('(it is $400.00 more)');
  });

  it('settlement: the amount, the benchmark it rests on, what was paid, the written confirmation', () => {
    const letter = compose('settlement', withGfe);
    const text = renderText(letter).replace(/\s+/g, ' ');
    expect(text).toContain('The balance billed is $16,226.00.');
    expect(text).toContain('I dispute $3,943.00 of it as billing errors; without those charges the balance is $12,283.00.');
    expect(text).toContain('I offer $5,500.00 as a lump-sum payment in full settlement of this account.');
    expect(text).toContain("Example General Hospital's own price file lists a discounted cash price of $6,000.00 for these services.");
    expect(text).toContain('The Good Faith Estimate I received for this care was $10,000.00.');
    expect(text).toContain('I have already paid or been credited $500.00');
    expect(text).toContain('Before I pay, please confirm in writing that this payment will be accepted as payment in full');
    expect(text).not.toMatch(/cents on the dollar|\d+\s*%\s*of the (bill|balance)/);
    expect(renderText(compose('settlement', withGfe, profile, { offerCents: 450000 }))).toContain('I offer $4,500.00 as a lump-sum payment');
  });

  it('settlement: refused without a benchmark, or for more than the corrected balance', () => {
    expect(() => compose('settlement', base)).toThrow(/rests on a benchmark: audit the bill with --cash-price/);
    expect(() => compose('settlement', withGfe, profile, { offerCents: 1_228_301 })).toThrow(/more than the balance left after the corrections, \$12,283\.00/);
  });

  it('debt-validation: the dispute and verification request, the validation period counted from the notice', () => {
    const letter = compose('debt-validation', base, COLLECTOR, { noticeReceived: '2026-09-01', date: '2026-09-10' });
    const text = renderText(letter).replace(/\s+/g, ' ');
    expect(text).toContain('Your reference: EC-42');
    expect(text).toContain("Provider's account number: 000123");
    expect(text).toContain('I dispute this debt and request verification under 15 U.S.C. 1692g(b) and 12 CFR 1006.38');
    expect(text).toContain('This dispute is sent within the validation period, which ends October 1, 2026, 30 days after I received your validation notice on September 1, 2026.');
    expect(text).toContain('you must report it as disputed (15 U.S.C. 1692e(8))');
    expect(letter.deadlines).toEqual([{ label: 'Validation period ends', date: '2026-10-01', fact: 'fdcpa-validation-period' }]);
    const printed = compose('debt-validation', base, COLLECTOR, { validationEnds: '2026-10-03', date: '2026-09-10' });
    expect(renderText(printed).replace(/\s+/g, ' ')).toContain('which your validation notice says ends October 3, 2026.');
    const late = compose('debt-validation', base, COLLECTOR, { noticeReceived: '2026-09-01', date: '2026-10-05' });
    expect(late.notes.join(' ')).toContain('The validation period ended on October 1, 2026');
  });

  it('itemized-bill: HIPAA access with its 30 days; Medicare, Texas and Florida rules only where they apply', async () => {
    const plain = renderText(compose('itemized-bill', base)).replace(/\s+/g, ' ');
    expect(plain).toContain('Please send a fully itemized statement showing, for each line, the date of service, the CPT/HCPCS or revenue code, the units and the charge.');
    expect(plain).toContain('I also request my billing records under the HIPAA right of access (45 CFR 164.524).');
    expect(plain).toContain('within 30 calendar days of receiving it (one 30-day extension');
    expect(plain).not.toMatch(/1395b-7|185\.002|395\.301/);
    const medicareTx = JSON.parse((await runIn(['audit', BILL, '--format', 'json', '--insurance', 'medicare', '--state', 'TX'])).stdout) as Report;
    const text = renderText(compose('itemized-bill', medicareTx)).replace(/\s+/g, ' ');
    expect(text).toContain('As a Medicare beneficiary, I also request, under 42 U.S.C. 1395b-7(b), an itemized statement');
    expect(text).toContain('Under Tex. Health & Safety Code §185.002');
    expect(text).not.toContain('395.301');
    const fl = JSON.parse((await runIn(['audit', BILL, '--format', 'json', '--state', 'FL'])).stdout) as Report;
    expect(renderText(compose('itemized-bill', fl))).toContain('Fla. Stat. §395.301');
  });

  it('billing-hold: the reasons, the 501(r) pause and the GFE-dispute pause with their sources', () => {
    const text = renderText(compose('billing-hold', withGfe)).replace(/\s+/g, ' ');
    expect(text).toContain('Please place the account on hold while you review the charges I dispute (lines 3, 4, 6, 9, 12, 17, 18, 19, 20, 24), my application for financial assistance is processed and the patient-provider dispute about the Good Faith Estimate is pending.');
    expect(text).toContain('While a financial assistance application is pending, extraordinary collection actions are suspended (26 CFR 1.501(r)-6).');
    expect(text).toContain('(45 CFR 149.620)');
  });
});

describe('letters refuse what they cannot write', () => {
  it('names the profile options a letter lacks', () => {
    expect(() => compose('dispute', base, { sender: { name: 'Pat Example' } })).toThrow('the dispute letter needs --sender-address, --billing-office-name, --billing-office-address (or a --profile FILE with them)');
    expect(() => compose('debt-validation', base, profile)).toThrow('the debt-validation letter needs --collector-name, --collector-address');
  });

  it('a report with errors, and a dispute with everything dismissed', async () => {
    expect(() => compose('dispute', { ...base, errors: [{ code: 'BILL_INVALID', message: 'charge: bad amount' }] })).toThrow(/has errors \(charge: bad amount\)/);
    const keys = base.findings.filter((f) => f.lines.length > 0).map((f) => `${f.ruleId}:${f.lines[0]}`);
    const r = await reportOf(['--dismiss', keys.join(',')]);
    expect(() => compose('dispute', r)).toThrow(/nothing to dispute/);
  });

  it('a date that is not ISO', () => {
    expect(() => composeLetter('dispute', base, profile, facts, { date: '03/25/2026' })).toThrow(RangeError);
  });
});

describe('letter pieces', () => {
  it('the same inputs give the same letter and the same bytes', () => {
    expect(compose('dispute', base)).toEqual(compose('dispute', base));
    expect(renderText(compose('financial-assistance', base))).toBe(renderText(compose('financial-assistance', base)));
  });

  it('dates long and short, wrapping, Markdown escaping, PDF-safe text', () => {
    expect(longDate('2026-03-05')).toBe('March 5, 2026');
    expect(shortDate('2026-12-31')).toBe('Dec 31, 2026');
    expect(() => longDate('2026-13-01')).toThrow(RangeError);
    expect(wrapText('aaa bbb ccc ddd', 8, '  ', '- ')).toBe('- aaa\n  bbb\n  ccc\n  ddd');
    expect(escapeMarkdown('a|b *c* [d] <e>')).toBe('a\\|b \\*c\\* \\[d\\] \\<e\\>');
    expect(pdfSafe('≥ $400 — § 1.501(r) “quoted” ✓\u0007')).toBe('>= $400 — § 1.501(r) “quoted” ? ');
  });

  it('markdown: a table row per disputed line and the total', () => {
    const md = renderMarkdown(compose('dispute', base));
    expect(md).toContain('| Line | Date | Code and description | Charge | What is wrong | Source | Disputed |');
    expect(md.split('\n').filter((l) => /^\| \d+ \|/.test(l))).toHaveLength(10);
    expect(md).toContain('| 9 | Mar 2, 2026 | 71046<br>CHEST X-RAY 2 VIEWS | $610.00 |');
    expect(md).toContain('**$3,943.00** |');
  });

  it('file names are predictable; the clock is read only at the edge', () => {
    expect(letterFileName(base, 'dispute', 'pdf')).toBe('bill-dispute.pdf');
    expect(letterFileName({ ...base, input: { ...base.input, path: 'a b/claims.csv', claim: 'C/7' } }, 'settlement', 'markdown')).toBe('claims-claim-C-7-settlement.md');
    expect(letterFileName({ ...base, input: { ...base.input, path: '<stdin>' } }, 'billing-hold', 'text')).toBe('stdin-billing-hold.txt');
    const now = new Date('2030-01-02T03:04:05Z');
    expect(letterClock('2026-03-25', {}, now)).toEqual({ date: '2026-03-25', createdAt: now });
    expect(letterClock(undefined, { SOURCE_DATE_EPOCH: '1774396800' }, now)).toEqual({ date: '2026-03-25', createdAt: new Date('2026-03-25T00:00:00Z') });
    expect(() => letterClock(undefined, { SOURCE_DATE_EPOCH: 'yesterday' }, now)).toThrow(/SOURCE_DATE_EPOCH: expected whole seconds/);
  });

  it('profile files: scalars stay text, unknown keys are named', () => {
    const p = parseProfile('account: 000123\nsender: { name: Pat Example, address: "100 Sample St\\nSpringfield, IL 62701" }\n', 'p.yaml', (t) => parseYaml(t, { schema: 'failsafe' }));
    expect(p).toEqual({ account: '000123', sender: { name: 'Pat Example', address: ['100 Sample St', 'Springfield, IL 62701'] } });
    expect(() => parseProfile('sender: { nam: Pat }\n', 'p.yaml', (t) => parseYaml(t, { schema: 'failsafe' }))).toThrow(/--profile: sender: unknown key\(s\) "nam"/);
    expect(() => parseProfile('sender: [', 'p.yaml', (t) => parseYaml(t, { schema: 'failsafe' }))).toThrow(/--profile: not valid YAML or JSON/);
  });
});
