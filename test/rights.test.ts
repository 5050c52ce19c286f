import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BillOptions } from '../src/bill/build.js';
import { parseBill } from '../src/bill/read.js';
import { audit } from '../src/engine.js';
import { formatMarkdown } from '../src/formatters/markdown.js';
import { formatText } from '../src/formatters/text.js';
import type { PlanOptions } from '../src/plan.js';
import { ReportSchema, type Report } from '../src/report.js';
import { defaultRulesDir, loadRules } from '../src/rules/loader.js';
import { cli } from './helpers.js';

const rules = loadRules([defaultRulesDir()]);
const CASES = resolve(__dirname, '..', 'fixtures', 'cases');
const run = (text: string, opts: BillOptions = {}, plan?: PlanOptions, path = 'test.csv'): Report =>
  audit(parseBill(text, path, opts)[0]!, rules, { version: 'test', ...(plan ? { plan } : {}) });
const byRule = (r: Report, id: string) => r.findings.filter((f) => f.ruleId === id);

// A self-pay colonoscopy bill of $1,400.00 from one provider.
const SELF_PAY = 'line,dos,cpt,charge,description\n1,2026-04-20,45378,1100.00,Colonoscopy\n2,2026-04-20,88305,300.00,Tissue exam\n';
const selfPay = { billType: 'professional', insurance: 'self-pay', statementDate: '2026-05-01' } as const;

describe('Good Faith Estimate dispute (45 CFR 149.620)', () => {
  it('a bill exactly $400.00 over the estimate: the dispute is available, with the deadline from the bill date and the $25 fee', () => {
    const r = run(SELF_PAY, { ...selfPay, gfe: [{ amountCents: 100000 }] });
    const [f] = byRule(r, 'bill-above-good-faith-estimate');
    expect(f).toMatchObject({ category: 'surprise-billing', severity: 'error', lines: [], amountAtStakeCents: 40000 });
    expect(f?.message).toBe(
      'The bill comes to $1,400.00, $400.00 more than the Good Faith Estimate of $1,000.00: at least $400.00 over, so you can start patient-provider dispute resolution (fee $25.00) by 2026-08-29.',
    );
    expect(f?.evidence).toMatchObject({ billedCents: 140000, gfeCents: 100000, overCents: 40000, thresholdCents: 40000, feeCents: 2500, deadline: '2026-08-29', facts: ['nsa-gfe-dispute'] });
    const step = r.summary.plan?.steps.find((s) => s.kind === 'gfe-dispute');
    expect(step).toMatchObject({ deadline: '2026-08-29', amountCents: 40000, facts: ['nsa-gfe-dispute'] });
    expect(step?.text).toMatch(/^Start patient-provider dispute resolution by 2026-08-29 \(fee \$25\.00\): the bill is \$400\.00 over the Good Faith Estimate\./);
  });

  it('a bill $399.99 over the estimate: no dispute', () => {
    const r = run(SELF_PAY, { ...selfPay, gfe: [{ amountCents: 100001 }] });
    expect(byRule(r, 'bill-above-good-faith-estimate')).toEqual([]);
    expect(r.summary.plan?.steps.some((s) => s.kind === 'gfe-dispute')).toBe(false);
    // It ran and checked the bill: rules that ran without gaps are counted, not listed.
    expect(r.coverage.rules.find((c) => c.ruleId === 'bill-above-good-faith-estimate')).toBeUndefined();
    expect(r.coverage.rulesRun).toBeGreaterThan(0);
  });

  it('without a statement date it says how the deadline is counted', () => {
    const r = run(SELF_PAY, { billType: 'professional', insurance: 'self-pay', gfe: [{ amountCents: 50000 }] });
    expect(byRule(r, 'bill-above-good-faith-estimate')[0]?.message).toContain('by 120 days after the date on the bill (give --statement-date to compute it).');
  });

  it('compares per provider: a GFE for one NPI is compared with that NPI\'s lines only', () => {
    const csv = 'line,dos,cpt,charge,npi\n1,2026-04-22,45378,950.00,1234567893\n2,2026-04-22,00811,700.00,1111111112\n';
    const r = run(csv, { ...selfPay, gfe: [{ provider: '1234567893', amountCents: 55000 }, { provider: '1111111112', amountCents: 30001 }] });
    expect(byRule(r, 'bill-above-good-faith-estimate').map((f) => f.evidence.provider)).toEqual(['1234567893']);
    expect(byRule(r, 'bill-above-good-faith-estimate')[0]?.amountAtStakeCents).toBe(40000);
    const none = run(csv, { ...selfPay, gfe: [{ provider: '1999999992', amountCents: 100 }] });
    expect(none.coverage.rules.find((c) => c.ruleId === 'bill-above-good-faith-estimate')?.gaps[0]?.reason).toMatch(/^no lines from provider 1999999992 on this bill/);
  });

  it('without a GFE the rule is a bill-level gap and the next steps ask for --gfe', () => {
    const r = run(SELF_PAY, selfPay);
    expect(r.coverage.rules.find((c) => c.ruleId === 'bill-above-good-faith-estimate')?.gaps).toEqual([{ reason: 'no Good Faith Estimate given (give --gfe AMOUNT)', lines: [] }]);
    expect(r.coverage.notChecked).toBe(0);
    expect(r.summary.nextSteps.some((s) => s.includes('re-run with --gfe AMOUNT'))).toBe(true);
  });

  it('insured bills are not compared with an estimate', () => {
    const r = run(SELF_PAY, { ...selfPay, insurance: 'in-network', gfe: [{ amountCents: 100 }] });
    expect(r.coverage.rules.find((c) => c.ruleId === 'bill-above-good-faith-estimate')).toMatchObject({ applied: false });
  });
});

describe('No Surprises Act balance bills', () => {
  const er = readFileSync(join(CASES, 'er-laceration-out-of-network', 'bill.json'), 'utf8');

  it('out-of-network emergency bill: a bill-level surprise-billing warning with the balance, from the facts file', () => {
    const r = run(er, {}, undefined, 'bill.json');
    const [f] = byRule(r, 'out-of-network-emergency');
    expect(f).toMatchObject({ category: 'surprise-billing', severity: 'warning', lines: [], amountAtStakeCents: 0, evidence: { balanceCents: 199000 } });
    expect(f?.message).toContain('leaves a balance of $1,990.00. For emergency care, ancillary care by out-of-network providers at in-network facilities, and air ambulance, the patient owes in-network cost sharing only.');
    const kinds = r.summary.plan?.steps.map((s) => s.kind);
    expect(kinds).toContain('balance-billing');
    expect(kinds).not.toContain('rate');
    expect(r.summary.plan?.help.map((h) => h.fact)).toContain('no-surprises-help-desk');
    expect(r.summary.plan?.help[0]?.text).toBe('No Surprises Help Desk: 1-800-985-3059 (cms.gov/nosurprises).');
  });

  it('the same emergency bill in network, or from Medicare, is not a surprise bill', () => {
    for (const insurance of ['in-network', 'medicare'] as const) {
      expect(byRule(run(er, { insurance }, undefined, 'bill.json'), 'out-of-network-emergency')).toEqual([]);
    }
  });

  const anesthesia = 'line,dos,cpt,modifiers,charge,description\n1,2026-04-10,00790,,2300.00,Anesthesia\n2,2026-04-10,47562,80,640.00,Assistant surgeon\n3,2026-04-10,99024,,0.00,Post-op visit\n';
  const oon = { billType: 'professional', insurance: 'out-of-network', encounter: 'outpatient' } as const;

  it('out-of-network ancillary provider at an in-network facility: lists the ancillary lines', () => {
    const r = run(anesthesia, { ...oon, facilityNetwork: 'in-network' });
    const [f] = byRule(r, 'out-of-network-ancillary-at-in-network-facility');
    expect(f).toMatchObject({ severity: 'warning', lines: [], evidence: { ancillaryLines: [1, 2] } });
    expect(f?.message).toContain('ancillary lines: 1 (00790), 2 (47562).');
    expect(f?.message).toContain('Consent can never be sought for ancillary services');
  });

  it('without the facility network status: a bill-level gap naming --facility-network', () => {
    const r = run(anesthesia, oon);
    expect(r.coverage.rules.find((c) => c.ruleId === 'out-of-network-ancillary-at-in-network-facility')?.gaps).toEqual([
      { reason: 'facilityNetwork unknown (give --facility-network in-network|out-of-network)', lines: [] },
    ]);
    expect(r.summary.nextSteps.some((s) => s.includes('--facility-network in-network|out-of-network'))).toBe(true);
  });

  it('non-ancillary care at an in-network facility: for review only (a consent form may have been signed)', () => {
    const r = run('line,dos,cpt,charge\n1,2026-04-11,47562,3200.00\n', { ...oon, facilityNetwork: 'in-network' });
    expect(byRule(r, 'out-of-network-ancillary-at-in-network-facility')[0]).toMatchObject({ severity: 'info' });
  });
});

describe('uninsured patient at a nonprofit hospital', () => {
  const csv = 'line,dos,rev,cpt,charge\n1,2026-03-10,0450,99284,1800.00\n';
  it('asks for the FAP before paying, with the 501(r) dates from the statement date', () => {
    const r = run(csv, { insurance: 'uninsured', nonprofit: true, statementDate: '2026-06-20' });
    const [f] = byRule(r, 'uninsured-at-nonprofit-hospital');
    expect(f).toMatchObject({ category: 'other', severity: 'info', lines: [], amountAtStakeCents: 0, evidence: { applyBy: '2027-02-15', noEcaBefore: '2026-10-18' } });
    expect(f?.message).toContain('The application period runs at least until 2027-02-15, and no extraordinary collection action may start before 2026-10-18.');
    expect(r.summary.plan?.steps.find((s) => s.kind === 'financial-assistance')).toMatchObject({ deadline: '2027-02-15', facts: ['fap-501r', 'fap-501r-collections'] });
  });

  it('nonprofit status unknown: a gap naming --nonprofit; for-profit: no finding', () => {
    const unknown = run(csv, { insurance: 'uninsured' });
    expect(unknown.coverage.rules.find((c) => c.ruleId === 'uninsured-at-nonprofit-hospital')?.gaps[0]?.reason).toBe('nonprofit unknown (give --nonprofit or --no-nonprofit)');
    const forProfit = run(csv, { insurance: 'uninsured', nonprofit: false });
    expect(byRule(forProfit, 'uninsured-at-nonprofit-hospital')).toEqual([]);
    expect(forProfit.coverage.rules.find((c) => c.ruleId === 'uninsured-at-nonprofit-hospital')).toMatchObject({ applied: false });
  });
});

describe('the negotiation plan', () => {
  const inpatient = readFileSync(join(CASES, 'inpatient-pneumonia-self-pay', 'bill.csv'), 'utf8');
  const facts: BillOptions = { billType: 'facility', insurance: 'uninsured', nonprofit: true, admissionDate: '2026-03-02', dischargeDate: '2026-03-05', diagnoses: ['J18.9'], state: 'CA' };

  it('asks in order: corrections, financial assistance, self-pay discount, insurer or Medicare rate, then the offer', () => {
    const r = run(inpatient, facts);
    expect(r.summary.plan?.steps.map((s) => s.kind)).toEqual(['corrections', 'financial-assistance', 'self-pay-discount', 'rate', 'offer', 'missing-facts']);
    expect(r.summary.plan?.steps[0]).toMatchObject({ lines: [3, 4, 6, 9, 12, 17, 18, 19, 20, 24], amountCents: 394300 });
    expect(r.summary.plan?.contact).toMatchObject({ who: 'patient financial services or a financial counselor', avoid: 'the general billing line' });
    expect(r.summary.nextSteps).toEqual([r.summary.plan?.contact.text, ...(r.summary.plan?.steps.map((s) => s.text) ?? [])]);
    expect(ReportSchema.safeParse(r).success).toBe(true);
  });

  it('without a benchmark it offers no amount and says which benchmarks to give', () => {
    const offer = run(inpatient, facts).summary.plan?.offer;
    expect(offer).toMatchObject({ status: 'no-benchmark', balanceCents: 1622600 - 394300, anchors: [] });
    expect(offer?.lowCents).toBeUndefined();
    expect(offer?.text).toContain('--cash-price, --medicare-amount or --agb-percent');
  });

  it('anchors the offer range on the benchmarks given, capped at the corrected balance', () => {
    const r = run(inpatient, facts, { medicareCents: 420000, cashPriceCents: 600000, agbPercent: 40 });
    const offer = r.summary.plan?.offer;
    // AGB: 40% of the corrected gross charges (16,726.00 - 3,943.00 = 12,783.00) = 5,113.20.
    expect(offer?.anchors).toEqual([
      { kind: 'medicare', amountCents: 420000, source: 'the Medicare amount for these services, as given (--medicare-amount)' },
      { kind: 'cash-price', amountCents: 600000, source: "the hospital's discounted cash price for these services, as given (--cash-price) from its price file" },
      { kind: 'agb', amountCents: 511320, source: "amounts generally billed (AGB): 40% of the corrected gross charges $12,783.00, the AGB percentage given (--agb-percent) from the hospital's FAP" },
    ]);
    // The benchmarks are totals for the services; the $500.00 already paid comes off them.
    expect(offer).toMatchObject({ status: 'range', balanceCents: 1228300, paidCents: 50000, lowCents: 370000, highCents: 550000 });
    expect(offer?.text).toMatch(
      /^Open with \$3,700\.00 \(the Medicare amount \$4,200\.00 less \$500\.00 already paid or credited\) and settle no higher than \$5,500\.00 \(the cash price \$6,000\.00 less \$500\.00 already paid or credited\), against a corrected balance of \$12,283\.00\./,
    );
    const capped = run(inpatient, facts, { cashPriceCents: 2000000 }).summary.plan?.offer;
    expect(capped).toMatchObject({ lowCents: 1228300, highCents: 1228300 });
  });

  it('advocate: reasons from the bill, and the cost at the fee the user gives', () => {
    const r = run(inpatient, facts, { medicareCents: 420000, advocateFeePercent: 30 });
    const adv = r.summary.plan?.advocate;
    expect(adv).toMatchObject({ consider: false, reasons: [], feePercent: 30, potentialSavingsCents: 1622600 - 370000, feeCents: 375780 });
    expect(adv?.text).toContain('At the fee you gave (30% of savings), an advocate who obtained all $12,526.00 of the potential savings on this bill would cost $3,757.80, leaving you $8,768.20.');
    const twoNpis = run('line,dos,cpt,charge,npi\n1,2026-04-22,45378,950.00,1234567893\n2,2026-04-22,00811,700.00,1111111112\n', { ...selfPay, gfe: [{ amountCents: 100000 }] });
    expect(twoNpis.summary.plan?.advocate).toMatchObject({ consider: true, reasons: ['several providers bill on it (2 rendering NPIs)', 'a patient-provider dispute has a deadline and a formal process'] });
    expect(adv?.text).toContain('Independent billing advocates charge in different ways (hourly, flat fee or a share of savings)');
    const without = run(inpatient, facts).summary.plan?.advocate;
    expect(without?.feeCents).toBeUndefined();
    expect(without?.text).toContain('Give --advocate-fee PERCENT');
  });

  it('credit: the bureaus\' policies, the vacated CFPB rule, the state law when the state has one', () => {
    const credit = run(inpatient, facts).summary.plan?.credit ?? [];
    expect(credit.map((c) => c.fact)).toEqual(['bureau-medical-debt-policies', 'bureau-policies-scope', 'cfpb-medical-debt-rule-vacated', 'state-medical-debt-reporting-laws', 'cfpb-preemption-interpretive-rule', 'fdcpa-validation-period']);
    expect(credit[2]?.text).toBe('The CFPB medical-debt credit-reporting rule (finalized Jan 2025) was vacated on July 11, 2025 and never took effect.');
    expect(credit[3]?.text).toMatch(/^CA law also restricts reporting of medical debt \(enacted 2024, SB 1061\)\./);
    const tx = run(inpatient, { ...facts, state: 'TX' }).summary.plan?.credit.map((c) => c.fact);
    expect(tx).not.toContain('state-medical-debt-reporting-laws');
  });

  it('is shown in the text and markdown reports', () => {
    const r = run(inpatient, facts, { cashPriceCents: 600000 });
    const text = formatText(r).replace(/\s+/g, ' ');
    expect(text).toContain('Who to call: Call the hospital\'s patient financial services office and ask for a financial counselor, not the general billing line');
    expect(text).toContain('Billing advocate');
    expect(text).toContain('Protect your credit - The three nationwide credit bureaus do not report paid medical collections');
    expect(text).toContain('medbill is not legal advice.');
    const md = formatMarkdown(r);
    expect(md).toContain('### Protect your credit');
    expect(md).toContain('**Who to call:**');
  });
});

describe('medbill audit options for rights', () => {
  const bill = join(CASES, 'inpatient-pneumonia-self-pay', 'bill.csv');
  it('--gfe, --statement-date and the plan options reach the report', async () => {
    const r = await cli(['audit', bill, '--format', 'json', '--insurance', 'self-pay', '--gfe', '16000', '--statement-date', '2026-03-20', '--cash-price', '6000', '--advocate-fee', '25%', '--state', 'ny']);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.input.facts.gfe).toEqual({ value: [{ amountCents: 1600000 }], origin: 'option' });
    expect(report.input.facts.state).toEqual({ value: 'NY', origin: 'option' });
    expect(byRule(report, 'bill-above-good-faith-estimate')[0]?.evidence).toMatchObject({ overCents: 72600, deadline: '2026-07-18' });
    expect(report.summary.plan?.advocate.feePercent).toBe(25);
    expect(report.coverage.data.find((d) => d.kind === 'facts')).toMatchObject({ name: 'tables/facts.yaml', rows: expect.any(Number), digest: expect.stringMatching(/^sha256:/) });
  });

  it.each([
    [['audit', bill, '--gfe', 'soon'], /option '--gfe <\[provider=\]amount>' argument 'soon' is invalid. expected AMOUNT or PROVIDER=AMOUNT/],
    [['audit', bill, '--gfe', '=100'], /expected AMOUNT or PROVIDER=AMOUNT/],
    [['audit', bill, '--state', 'GU'], /expected a US state postal code/],
    [['audit', bill, '--facility-network', 'maybe'], /argument 'maybe' is invalid. Allowed choices are in-network, out-of-network/],
    [['audit', bill, '--agb-percent', '140'], /expected a percentage from 0 to 100/],
    [['audit', bill, bill, '--gfe', '100'], 'medbill: --gfe AMOUNT describes one bill; audit one bill at a time with it (or give --gfe PROVIDER=AMOUNT)\n'],
  ])('bad input exits 2: %j', async (args, message) => {
    const r = await cli(args as string[]);
    expect(r.code).toBe(2);
    if (typeof message === 'string') expect(r.stderr).toBe(message);
    else expect(r.stderr).toMatch(message);
  });
});

describe('rights facts in a JSON bill', () => {
  const bill = (extra: Record<string, unknown>) =>
    JSON.stringify({ statementDate: '2026-05-01', insurance: 'self-pay', billType: 'professional', ...extra, lines: [{ dateOfService: '2026-04-20', code: '45378', charge: '1400.00' }] });

  it('reads facilityNetwork, state and goodFaithEstimate, and options win over them', () => {
    const [b] = parseBill(bill({ facilityNetwork: 'In Network', state: 'ny', goodFaithEstimate: '$1,000.00' }), 'b.json');
    expect(b?.facts).toMatchObject({ facilityNetwork: 'in-network', state: 'NY', gfe: [{ amountCents: 100000 }], statementDate: '2026-05-01' });
    const r = audit(b!, rules, { version: 'test' });
    expect(byRule(r, 'bill-above-good-faith-estimate')[0]?.evidence).toMatchObject({ overCents: 40000, deadline: '2026-08-29' });
    const [o] = parseBill(bill({ goodFaithEstimate: 1000 }), 'b.json', { gfe: [{ amountCents: 120000 }], statementDate: '2026-06-01' });
    expect(o?.facts.gfe).toEqual([{ amountCents: 120000 }]);
    expect(o?.facts.origins.gfe).toEqual({ origin: 'option' });
    expect(o?.facts.statementDate).toBe('2026-06-01');
  });

  it('refuses a state that is not a US state, naming the key', () => {
    expect(() => parseBill(bill({ state: 'PR' }), 'b.json')).toThrow(/^state: expected a US state postal code such as CA \(the territories are not covered\), got "PR"$/);
  });
});
