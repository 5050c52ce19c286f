/**
 * The letter commands end to end (built CLI): `medbill letter KIND` from a report or a bill,
 * `medbill audit --letters DIR`, file names, never replacing a file without --force, bad
 * input (one line, exit 2, nothing written), `medbill schema profile`, and --interactive
 * refusing without a terminal.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, runIn } from './helpers.js';

const ROOT = resolve(__dirname, '..');
const BILL = resolve(ROOT, 'fixtures/cases/inpatient-pneumonia-self-pay/bill.csv');
const PROFILE = resolve(ROOT, 'fixtures/letters/profile.yaml');
const FACTS = ['--insurance', 'uninsured', '--nonprofit', '--admission', '2026-03-02', '--discharge', '2026-03-05', '--diagnosis', 'J18.9', '--statement-date', '2026-03-20', '--state', 'IL'];
const EPOCH = { SOURCE_DATE_EPOCH: '1774396800' };
const tmp = () => mkdtempSync(join(tmpdir(), 'medbill-letters-'));

describe('medbill letter', () => {
  it('from a report: the same letter as from the bill itself', async () => {
    const dir = tmp();
    const report = await runIn(['audit', BILL, ...FACTS, '--format', 'json', '-o', join(dir, 'report.json')]);
    expect(report.code).toBe(1);
    const fromReport = await runIn(['letter', 'financial-assistance', '--report', 'report.json', '--profile', PROFILE, '--format', 'text', '-o', '-', '--date', '2026-03-25'], { cwd: dir });
    const fromBill = await runIn(['letter', 'financial-assistance', BILL, ...FACTS, '--profile', PROFILE, '--format', 'text', '-o', '-', '--date', '2026-03-25'], { cwd: dir });
    expect(fromReport.code).toBe(0);
    expect(fromReport.stdout).toBe(fromBill.stdout);
    expect(fromReport.stdout.replace(/\s+/g, ' ')).toContain('the application period runs at least until November 15, 2026');
    expect(fromReport.stderr).toBe('');
  });

  it('names the file <bill>-<kind>.<ext>, never replaces it without --force, and replaces it atomically with it', async () => {
    const dir = tmp();
    const args = ['letter', 'dispute', BILL, ...FACTS, '--profile', PROFILE, '--format', 'markdown', '--date', '2026-03-25'];
    expect((await runIn(args, { cwd: dir })).stderr).toBe('medbill: wrote bill-dispute.md\n');
    writeFileSync(join(dir, 'bill-dispute.md'), 'my own notes\n');
    const again = await runIn(args, { cwd: dir });
    expect(again.code).toBe(2);
    expect(again.stderr).toBe('medbill: bill-dispute.md: already exists; add --force to replace it (nothing was written)\n');
    expect(readFileSync(join(dir, 'bill-dispute.md'), 'utf8')).toBe('my own notes\n');
    const forced = await runIn([...args, '--force'], { cwd: dir });
    expect(forced.code).toBe(0);
    expect(readFileSync(join(dir, 'bill-dispute.md'), 'utf8')).toContain('| Line | Date | Code and description |');
    expect(readdirSync(dir).sort()).toEqual(['bill-dispute.md']);
  });

  it('asks for nothing without a terminal: names the missing profile options, exit 2', async () => {
    const r = await cli(['letter', 'dispute', BILL, ...FACTS, '--sender-name', 'Pat Example']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'medbill: the dispute letter needs --sender-address, --billing-office-name, --billing-office-address (addresses: one option per line), or a --profile FILE with them (medbill schema profile prints its schema)\n',
    );
  });

  it('the profile options alone make a letter; options win over the profile file', async () => {
    const r = await runIn([
      'letter', 'billing-hold', BILL, ...FACTS, '--format', 'text', '-o', '-', '--date', '2026-03-25',
      '--profile', PROFILE, '--sender-name', 'Sam Sample', '--account', 'B-77',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith('Sam Sample\n100 Sample St\n')).toBe(true);
    expect(r.stdout).toContain('Account number: B-77');
  });

  it('bad input: one line naming the file or option, exit 2, no file', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'bad.yaml'), 'sender:\n  name: Pat Example\n  adress: [100 Sample St]\n');
    const cases: Array<[string[], RegExp, Record<string, string>?]> = [
      [['letter', 'dispute', BILL, '--profile', 'bad.yaml'], /^medbill: bad\.yaml key "sender": --profile: sender: unknown key\(s\) "adress"/],
      [['letter', 'dispute', BILL, '--profile', 'missing.yaml'], /^medbill: missing\.yaml: --profile missing\.yaml: cannot read it \(no such file\)\n$/],
      [['letter', 'dispute', '--report', 'nope.json', '--profile', PROFILE], /^medbill: nope\.json: --report nope\.json: cannot read it \(no such file\)\n$/],
      [['letter', 'dispute', '--report', BILL, '--profile', PROFILE], /--report: not JSON; expected a report from medbill audit --format json\n$/],
      [['letter', 'dispute', BILL, '--report', 'x.json'], /^medbill: give a bill to audit or --report, not both\n$/],
      [['letter', 'dispute'], /^medbill: give a bill to audit \(medbill letter dispute bill\.csv \.\.\.\) or --report report\.json\n$/],
      [['letter', 'appeal', BILL], /value 'appeal' is invalid for argument 'kind'\. Allowed choices are itemized-bill, dispute, financial-assistance, billing-hold, settlement, gfe-dispute, debt-validation/],
      [['letter', 'settlement', BILL, ...FACTS, '--profile', PROFILE], /^medbill: a settlement letter rests on a benchmark: audit the bill with --cash-price/],
      [['letter', 'gfe-dispute', BILL, ...FACTS, '--profile', PROFILE], /^medbill: no bill in .*bill\.csv is at least \$400 over a Good Faith Estimate: audit it with --insurance uninsured or self-pay, --gfe AMOUNT/],
      [['letter', 'dispute', BILL, '--profile', PROFILE, '--date', '2026-02-30'], /--date.*expected a date such as 2026-03-05/],
      [['letter', 'dispute', BILL, ...FACTS, '--profile', PROFILE], /^medbill: SOURCE_DATE_EPOCH: expected whole seconds since 1970-01-01 \(got "soon"\)\n$/, { SOURCE_DATE_EPOCH: 'soon' }],
    ];
    for (const [args, message, env] of cases) {
      const r = await runIn(args, { cwd: dir, env: env ?? {} });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    expect(readdirSync(dir)).toEqual(['bad.yaml']);
  });

  it('a batch report: --claim picks the bill', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'claims.csv'), 'claim,line,dos,rev,cpt,units,charge\nA1,1,2026-03-02,0320,71046,1,610.00\nB2,1,2026-04-02,0320,71046,1,610.00\nB2,2,2026-04-02,0320,71046,1,610.00\n');
    expect((await runIn(['audit', 'claims.csv', '--group-by', 'claim', '--format', 'json', '-o', 'batch.json'], { cwd: dir })).code).toBe(1);
    const none = await runIn(['letter', 'dispute', '--report', 'batch.json', '--profile', PROFILE], { cwd: dir });
    expect(none.code).toBe(2);
    expect(none.stderr).toBe('medbill: batch.json: --report holds 2 reports; pick one with --claim (A1, B2)\n');
    const b2 = await runIn(['letter', 'dispute', '--report', 'batch.json', '--claim', 'B2', '--profile', PROFILE, '--format', 'text', '-o', '-', '--date', '2026-05-01'], { cwd: dir });
    expect(b2.code).toBe(0);
    expect(b2.stdout).toContain('Claim: B2');
    expect(b2.stdout).toContain('Line 2 · Apr 2, 2026 · 71046 · charge $610.00 · disputed $610.00');
    const a1 = await runIn(['letter', 'dispute', '--report', 'batch.json', '--claim', 'A1', '--profile', PROFILE], { cwd: dir });
    expect(a1.code).toBe(2);
    expect(a1.stderr).toMatch(/nothing to dispute in claims\.csv/);
    const report = JSON.parse(readFileSync(join(dir, 'batch.json'), 'utf8')) as { reports: unknown[] };
    writeFileSync(join(dir, 'one.json'), JSON.stringify(report.reports[1]));
    const fromStdin = await cli(['letter', 'dispute', '--report', '-', '--profile', PROFILE, '--format', 'markdown', '-o', '-', '--date', '2026-05-01'], { cwd: dir, input: readFileSync(join(dir, 'one.json'), 'utf8') });
    expect(fromStdin.stdout).toContain('| 2 | Apr 2, 2026 | 71046 | $610.00 |');
  });

  it('--prices: the settlement offer rests on the price file and the Medicare amounts, as in medbill audit', async () => {
    const r = await runIn(['letter', 'settlement', 'fixtures/bills/example-er-visit.csv', '--insurance', 'self-pay', '--prices', 'fixtures/prices/example-standard-charges.csv', '--profile', PROFILE, '--format', 'text', '-o', '-', '--date', '2026-04-01']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('I offer $1,165.04 as a lump-sum payment in full settlement of this account.');
    expect(r.stdout.replace(/\s+/g, ' ')).toContain("Example General Hospital's own price file lists a discounted cash price of $5,131.20 for these services.");
  });

  it('debt-validation to a collector, with the validation period counted from the notice', async () => {
    const r = await runIn([
      'letter', 'debt-validation', BILL, ...FACTS, '--profile', PROFILE, '--format', 'text', '-o', '-', '--date', '2026-09-10',
      '--collector-name', 'Example Collections LLC', '--collector-address', '1 Sample Plaza', '--collector-address', 'Springfield, IL 62703', '--notice-received', '2026-09-01',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Example Collections LLC\n1 Sample Plaza\nSpringfield, IL 62703');
    expect(r.stdout.replace(/\s+/g, ' ')).toContain('which ends October 1, 2026, 30 days after I received your validation notice on September 1, 2026');
    expect(r.stderr).toContain('medbill: note: Send this letter by a trackable method');
  });

  it('prints no PDF on a terminal, and a PDF to a pipe with -o -', async () => {
    const r = await cli(['letter', 'dispute', BILL, ...FACTS, '--profile', PROFILE, '-o', '-'], { env: EPOCH });
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith('%PDF-1.')).toBe(true);
  });
});

describe('medbill audit --letters', () => {
  it('writes the letters the findings call for, with the report on stdout as usual', async () => {
    const dir = tmp();
    const r = await runIn(['audit', BILL, ...FACTS, '--letters', 'out', '--profile', PROFILE, '--date', '2026-03-25', '--letter-format', 'text'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('medbill audit:');
    expect(r.stderr).toBe(['medbill: wrote out/bill-dispute.txt', 'medbill: wrote out/bill-financial-assistance.txt', 'medbill: wrote out/bill-billing-hold.txt', ''].join('\n'));
    expect(readdirSync(join(dir, 'out')).sort()).toEqual(['bill-billing-hold.txt', 'bill-dispute.txt', 'bill-financial-assistance.txt']);
    // The same letter as medbill letter writes.
    const one = await runIn(['letter', 'dispute', BILL, ...FACTS, '--profile', PROFILE, '--date', '2026-03-25', '--format', 'text', '-o', '-']);
    expect(readFileSync(join(dir, 'out', 'bill-dispute.txt'), 'utf8')).toBe(one.stdout);
  });

  it('--letter-kinds limits the letters; a kind the findings do not call for is named and skipped', async () => {
    const dir = tmp();
    const r = await runIn(['audit', BILL, ...FACTS, '--letters', 'out', '--profile', PROFILE, '--letter-kinds', 'dispute,settlement', '--letter-format', 'markdown'], { cwd: dir, env: EPOCH });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`medbill: wrote out/bill-dispute.md\nmedbill: no settlement letter for ${BILL}: its findings do not call for one\n`);
    expect(readdirSync(join(dir, 'out'))).toEqual(['bill-dispute.md']);
  });

  it('an existing letter stops that bill\'s letters (exit 2) and is left as it was', async () => {
    const dir = tmp();
    const args = ['audit', BILL, ...FACTS, '--letters', 'out', '--profile', PROFILE, '--letter-format', 'text', '--date', '2026-03-25'];
    expect((await runIn(args, { cwd: dir })).code).toBe(1);
    writeFileSync(join(dir, 'out', 'bill-dispute.txt'), 'edited by hand\n');
    const before = statSync(join(dir, 'out', 'bill-billing-hold.txt')).mtimeMs;
    const again = await runIn(args, { cwd: dir });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/^medbill: out\/bill-dispute\.txt, out\/bill-financial-assistance\.txt, out\/bill-billing-hold\.txt already exist; add --force to replace them \(nothing was written\)\n/);
    expect(readFileSync(join(dir, 'out', 'bill-dispute.txt'), 'utf8')).toBe('edited by hand\n');
    expect(statSync(join(dir, 'out', 'bill-billing-hold.txt')).mtimeMs).toBe(before);
    expect(readdirSync(join(dir, 'out')).filter((f) => f.includes('.tmp'))).toEqual([]);
    const forced = await runIn([...args, '--force'], { cwd: dir });
    expect(forced.code).toBe(1);
    expect(readFileSync(join(dir, 'out', 'bill-dispute.txt'), 'utf8')).toContain('Total disputed (10 lines');
  });

  it('checks the profile before auditing anything', async () => {
    const dir = tmp();
    const r = await runIn(['audit', BILL, ...FACTS, '--letters', 'out'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^medbill: the letters need --sender-name, --sender-address, --billing-office-name, --billing-office-address/);
    expect(existsSync(join(dir, 'out'))).toBe(false);
    const kinds = await runIn(['audit', BILL, '--letter-kinds', 'dispute']);
    expect(kinds.code).toBe(2);
    expect(kinds.stderr).toBe('medbill: --letter-kinds is for letters: give --letters DIR too\n');
  });

  it('a multi-claim file: each claim\'s letters under its own name', async () => {
    const dir = tmp();
    const csv = [
      'claim,line,dos,rev,cpt,units,charge,description',
      'A1,1,2026-03-02,0300,80053,1,100.00,Metabolic panel',
      'A1,2,2026-03-02,0300,82947,1,20.00,Glucose',
      'B2,1,2026-04-02,0320,71046,1,610.00,Chest x-ray',
      'B2,2,2026-04-02,0320,71046,1,610.00,Chest x-ray',
      'C3,1,2026-05-02,0320,71046,1,610.00,Chest x-ray',
    ].join('\n');
    writeFileSync(join(dir, 'claims.csv'), csv + '\n');
    const r = await runIn(['audit', 'claims.csv', '--group-by', 'claim', '--letters', 'out', '--profile', PROFILE, '--letter-format', 'text', '--letter-kinds', 'dispute', '--format', 'ndjson', '-q'], { cwd: dir, env: EPOCH });
    expect(r.code).toBe(1);
    expect(readdirSync(join(dir, 'out')).sort()).toEqual(['claims-claim-A1-dispute.txt', 'claims-claim-B2-dispute.txt']);
    expect(readFileSync(join(dir, 'out', 'claims-claim-B2-dispute.txt'), 'utf8')).toContain('Claim: B2');
  });
});

describe('medbill audit --interactive without a terminal', () => {
  it('refuses with exit 2 and names the options to use instead', async () => {
    const r = await cli(['audit', BILL, '--interactive']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^medbill: --interactive needs a terminal \(standard input and output\); give the answers as options instead: --insurance, --admission, --discharge, --statement-date, --nonprofit or --no-nonprofit/);
    expect(r.stderr).toContain('--dismiss and --unsure for findings');
    expect(r.stderr).toContain('--letters DIR, --letter-kinds, --letter-format and --profile FILE');
  });
});

describe('medbill schema profile', () => {
  it('prints the JSON Schema of the profile', async () => {
    const r = await runIn(['schema', 'profile']);
    const schema = JSON.parse(r.stdout) as { properties: Record<string, unknown>; additionalProperties: boolean };
    expect(Object.keys(schema.properties)).toEqual(['schemaVersion', 'sender', 'patient', 'account', 'hospital', 'billingOffice', 'collector']);
    expect(schema.additionalProperties).toBe(false);
  });
});
