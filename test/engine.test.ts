import { describe, expect, it } from 'vitest';
import { parseBill } from '../src/bill/read.js';
import { audit } from '../src/engine.js';
import { formatMarkdown } from '../src/formatters/markdown.js';
import { formatText } from '../src/formatters/text.js';
import { ReportSchema, type Report } from '../src/report.js';
import { defaultRulesDir, loadRules } from '../src/rules/loader.js';

const rules = loadRules([defaultRulesDir()]);
const run = (csv: string, opts = {}) => audit(parseBill(csv, 'test.csv', opts)[0]!, rules, { version: 'test' });

describe('audit', () => {
  it('counts a line hit by several rules once in the total at stake', () => {
    // Line 3 is an exact duplicate, a second initial IV push and over the hospital MUE for
    // 96374 (1 per day, MAI 3): $310 once, not $930.
    const report = run('line,dos,rev,cpt,units,charge\n1,2026-03-02,0260,96374,1,310.00\n2,2026-03-02,0260,96375,1,155.00\n3,2026-03-02,0260,96374,1,310.00\n');
    expect(report.findings.filter((f) => f.lines[0] === 3).map((f) => f.ruleId).sort()).toEqual(['duplicate-line', 'mue-unit-limit', 'one-initial-drug-administration']);
    expect(report.summary.amountAtStakeCents).toBe(31000);
    expect(report.summary.findings).toEqual({ error: 2, warning: 1, info: 0 });
  });

  it('produces a report that validates against the versioned schema, deterministically', () => {
    const csv = 'line,dos,rev,cpt,units,charge,description\n1,2026-03-02,0300,80053,1,100,Metabolic panel\n2,2026-03-02,0300,82947,1,20,Glucose\n';
    const a = run(csv);
    const b = run(csv);
    expect(a).toEqual(b);
    expect(ReportSchema.safeParse(a).success).toBe(true);
    expect(a.schemaVersion).toBe('1');
    expect(a.findings[0]).toMatchObject({ ruleId: 'lab-panel-component', category: 'unbundling', severity: 'error', lines: [2, 1], amountAtStakeCents: 2000, subject: { line: 2, code: '82947', chargeCents: 2000 } });
  });

  it('infers a facility bill from revenue codes and says so', () => {
    const report = run('dos,rev,cpt,charge\n2026-03-02,0450,99283,900\n');
    expect(report.input.facts.billType).toEqual({ value: 'facility', origin: 'inferred', note: 'the lines carry revenue codes, which appear only on facility (UB-04) bills' });
    expect(report.input.facts.encounter?.value).toBe('emergency');
  });

  it('options win over inference and are recorded as options', () => {
    const report = run('dos,rev,cpt,charge\n2026-03-02,0450,99283,900\n', { billType: 'professional', encounter: 'office' });
    expect(report.input.facts.billType).toEqual({ value: 'professional', origin: 'option' });
  });

  it('reports lines a rule could not check, with the reason, never as clean', () => {
    // An inpatient bill without admission/discharge dates: the stay rules cannot run.
    const report = run('dos,rev,cpt,charge,description\n2026-03-02,0120,,2400,Room\n2026-03-03,0120,,2400,Room\n,0300,85025,45,Blood count\n');
    const stay = report.coverage.rules.find((r) => r.ruleId === 'room-nights-exceed-stay');
    expect(stay?.gaps).toEqual([{ reason: 'no admission and discharge dates (give --admission and --discharge)', lines: [1, 2] }]);
    expect(report.coverage.rules.find((r) => r.ruleId === 'duplicate-line')?.gaps).toEqual([{ reason: 'no date of service', lines: [3] }]);
    expect(report.summary.nextSteps.some((s) => s.includes('--admission and --discharge'))).toBe(true);
  });

  it('marks a rule whose bill fact is unknown as a gap with the option to give', () => {
    const report = run('dos,cpt,charge,description\n2026-03-02,A4649,45.00,Gloves box\n');
    // No revenue codes and a HCPCS code on every line: read as professional, so the facility-only rule does not apply.
    expect(report.input.facts.billType?.value).toBe('professional');
    expect(report.coverage.rules.find((r) => r.ruleId === 'routine-supplies')).toMatchObject({ applied: false });
    const unknown = run('dos,charge,description\n2026-03-02,45.00,Gloves box\n');
    expect(unknown.coverage.rules.find((r) => r.ruleId === 'routine-supplies')?.gaps).toEqual([
      { reason: 'billType unknown (give --bill-type facility|professional)', lines: [1] },
    ]);
    expect(unknown.coverage.notCheckedLines.length).toBe(0);
  });

  it('lists a line no rule could check', () => {
    const report = run('cpt,charge\nCHG-1,45.00\n');
    expect(report.coverage.notCheckedLines).toEqual([{ line: 1, reasons: expect.arrayContaining(['duplicate-line: no date of service']) }]);
    expect(report.coverage.passed).toBe(0);
  });

  it('keeps payments out of the audited lines and in the totals', () => {
    const report = run('line,dos,cpt,charge,description\n1,2026-03-02,99213,150,Visit\n2,2026-03-09,,(50.00),Payment received\n');
    expect(report.coverage.lines).toBe(1);
    expect(report.summary).toMatchObject({ chargesCents: 15000, paymentsCents: -5000, balanceCents: 10000 });
  });

  it('checks a stated total against the lines, as a bill-level finding', () => {
    const report = run('dos,cpt,charge,description\n2026-03-02,99213,150,Visit\n2026-03-02,36415,25,Venipuncture\n,,200.00,TOTAL CHARGES\n');
    const f = report.findings.find((x) => x.ruleId === 'stated-total-mismatch');
    expect(f).toMatchObject({ lines: [], amountAtStakeCents: 2500, severity: 'error' });
    expect(f?.message).toBe('The bill states TOTAL CHARGES of $200.00, but its lines add up to $175.00 (a difference of $25.00).');
  });
});

describe('formatters', () => {
  const report = run('line,dos,rev,cpt,units,charge,description\n1,2026-03-02,0320,71046,1,610.00,Chest x-ray\n2,2026-03-02,0320,71046,1,610.00,Chest x-ray\n');

  it('text: finding, amount, source, totals and next steps, without colour by default', () => {
    const text = formatText(report);
    expect(text).toContain('line 2 · 2026-03-02 · 71046 · "Chest x-ray" · $610.00 (see line 1) — at stake $610.00');
    expect(text).toContain(`Source: ${report.findings[0]?.references[0]?.slice(0, 30)}`);
    expect(text).toMatch(/At stake\s+\$610\.00/);
    expect(text).toContain('Next steps');
    expect(text).not.toMatch(/\x1b\[/);
    expect(formatText(report, { color: 1 })).toMatch(/\x1b\[/);
  });

  it('markdown: one table row per finding with the rule id', () => {
    const md = formatMarkdown(report);
    expect(md).toContain('| error | 2, 1 | 2026-03-02 | 71046 | $610.00 | $610.00 |');
    expect(md).toContain('`duplicate-line`');
  });
});

describe('regressions from a new-user review', () => {
  it('an ICU-to-floor transfer night is one duplicate night, not an extra night of stay', () => {
    const csv = 'line,dos,rev,units,charge,description\n1,2026-03-05,0200,2,8000,ICU\n2,2026-03-06,0120,2,4800,Floor\n';
    const report = run(csv, { admissionDate: '2026-03-05', dischargeDate: '2026-03-08' });
    expect(report.findings.map((f) => [f.ruleId, f.lines, f.amountAtStakeCents])).toEqual([['room-charged-twice-same-night', [2, 1], 240000]]);
  });

  it('repeated drug doses are a low-confidence warning, not an error', () => {
    const report = run('dos,rev,cpt,units,charge,description\n2026-03-05,0636,J1885,1,31.00,Ketorolac\n2026-03-05,0636,J1885,1,31.00,Ketorolac\n');
    expect(report.findings.map((f) => [f.ruleId, f.severity, f.confidence])).toEqual([['duplicate-line', 'warning', 'low']]);
  });

  it('never puts more at stake than the line charges', () => {
    const report = run('dos,cpt,units,unit price,charge\n2026-03-05,J2405,2,50.00,90.00\n2026-03-05,99213,1,10.00,500.00\n');
    for (const f of report.findings) expect(f.amountAtStakeCents).toBeLessThanOrEqual(f.subject?.chargeCents ?? 0);
    // Line 2 is also 5.3 times the Medicare amount of 99213 (a price finding: $500.00 - 3 x $95.19).
    expect(report.findings.map((f) => [f.lines[0], f.amountAtStakeCents])).toEqual([[2, 49000], [2, 21443], [1, 0]]);
  });
});

describe('decisions on findings (--dismiss, --unsure)', () => {
  const csv = 'line,dos,rev,cpt,units,charge\n1,2026-03-02,0300,80053,1,100.00\n2,2026-03-02,0300,82947,1,20.00\n3,2026-03-02,0320,71046,1,610.00\n4,2026-03-02,0320,71046,1,610.00\n';
  const bill = () => parseBill(csv, 'test.csv')[0]!;
  // The shipped Medicare amounts also put price findings (negotiation information) on these lines.
  const coding = (r: Report) => r.findings.filter((f) => f.category !== 'price');

  it('dismiss: the finding leaves the findings, totals and plan, and is listed as dismissed', () => {
    const all = audit(bill(), rules, { version: 'test' });
    expect(coding(all).map((f) => `${f.ruleId}:${f.lines[0]}`)).toEqual(['lab-panel-component:2', 'duplicate-line:4']);
    expect(all.findings.filter((f) => f.category === 'price').map((f) => `${f.ruleId}:${f.lines[0]}`)).toEqual(['charge-above-fair-price:1', 'charge-above-fair-price:3', 'charge-above-fair-price:4']);
    expect(all.summary.amountAtStakeCents).toBe(63000);
    const r = audit(bill(), rules, { version: 'test', decisions: { dismiss: ['duplicate-line:4'], unsure: [] } });
    expect(coding(r).map((f) => f.ruleId)).toEqual(['lab-panel-component']);
    expect(r.dismissed).toEqual([{ key: 'duplicate-line:4', ruleId: 'duplicate-line', title: 'Same service billed twice on one day', lines: [4, 3], amountAtStakeCents: 61000 }]);
    expect(r.summary.amountAtStakeCents).toBe(2000);
    expect(r.summary.plan?.steps.find((s) => s.kind === 'corrections')).toMatchObject({ lines: [2], amountCents: 2000 });
    expect(ReportSchema.safeParse(r).success).toBe(true);
    // A rule id dismisses every finding of that rule.
    expect(coding(audit(bill(), rules, { version: 'test', decisions: { dismiss: ['lab-panel-component', 'duplicate-line'], unsure: [] } }))).toEqual([]);
  });

  it('unsure: the finding stays, marked, and the plan asks for the record instead of a correction', () => {
    const r = audit(bill(), rules, { version: 'test', decisions: { dismiss: [], unsure: ['duplicate-line:4'] } });
    expect(r.findings.find((f) => f.ruleId === 'duplicate-line')?.decision).toBe('unsure');
    expect(r.summary.plan?.steps.find((s) => s.kind === 'corrections')).toMatchObject({ lines: [2], amountCents: 2000 });
    expect(r.summary.plan?.steps.find((s) => s.kind === 'records')).toMatchObject({ lines: [4] });
  });

  it('a key that matches no finding is a warning, not silence', () => {
    const r = audit(bill(), rules, { version: 'test', decisions: { dismiss: ['duplicate-line:9'], unsure: ['no-such-rule'] } });
    expect(r.warnings.map((w) => w.message)).toEqual([
      '--dismiss duplicate-line:9: no finding with this key on this bill (keys are rule-id:LINE such as duplicate-line:9, or a rule id)',
      '--unsure no-such-rule: no finding with this key on this bill (keys are rule-id:LINE such as duplicate-line:9, or a rule id)',
    ]);
    expect(coding(r)).toHaveLength(2);
  });
});
