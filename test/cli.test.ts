import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BatchReportSchema, ReportSchema, type Report } from '../src/report.js';
import { cli, runIn } from './helpers.js';

const ROOT = resolve(__dirname, '..');
const EXAMPLE = 'fixtures/bills/example-er-visit.csv';
const INVALID = 'fixtures/bills/invalid-amount.csv';
const CASES = resolve(ROOT, 'fixtures', 'cases');

describe('medbill audit', () => {
  it('audits the bundled example: text report, exit 1 for error findings', async () => {
    const r = await cli(['audit', EXAMPLE]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('medbill audit: fixtures/bills/example-er-visit.csv');
    expect(r.stdout).toContain('line 3 · 2026-06-02 · 82947');
    expect(r.stdout).toMatch(/At stake\s+\$597\.00/);
    expect(r.stdout).not.toMatch(/\x1b\[/);
    expect(r.stderr).toBe('');
  });

  it('prints colour only when asked or on a terminal, and honours NO_COLOR', async () => {
    expect((await cli(['audit', EXAMPLE, '--color'])).stdout).toMatch(/\x1b\[/);
    expect((await cli(['audit', EXAMPLE, '--color'], { env: { NO_COLOR: '1' } })).stdout).toMatch(/\x1b\[/);
    expect((await cli(['audit', EXAMPLE], { env: { FORCE_COLOR: '1', NO_COLOR: '1' } })).stdout).not.toMatch(/\x1b\[/);
  });

  it('--format json prints one versioned report that pipes cleanly', async () => {
    const r = await runIn(['audit', EXAMPLE, '--format', 'json']);
    const report = JSON.parse(r.stdout) as Report;
    expect(ReportSchema.safeParse(report).success).toBe(true);
    // Price findings (negotiation, not billing errors) are not counted as at stake.
    expect(report.summary.amountAtStakeCents).toBe(59700);
    expect(report.input).toMatchObject({ path: EXAMPLE, format: 'csv', chargesCents: 760600, paymentsCents: -25000 });
    const price = report.findings.filter((f) => f.category === 'price');
    expect(price.map((f) => [f.ruleId, f.lines[0]])).toEqual([
      ['charge-above-fair-price', 1],
      ['charge-above-fair-price', 2],
      ['charge-above-fair-price', 3],
      ['charge-above-fair-price', 9],
      ['charge-above-fair-price', 10],
    ]);
    for (const f of price) expect(['warning', 'info']).toContain(f.severity);
    expect(report.prices?.totals.find((t) => t.kind === 'medicare')?.lines).toBeGreaterThan(0);
    expect(report.findings.filter((f) => f.category !== 'price').map((f) => [f.ruleId, f.lines[0]])).toEqual([
      ['lab-panel-component', 3],
      ['duplicate-line', 5],
      ['duplicate-line', 7],
      ['one-initial-drug-administration', 7],
      ['venipuncture-once-per-encounter', 5],
      ['mue-unit-limit', 7],
      ['routine-supplies', 11],
      ['routine-supplies', 12],
    ]);
  });

  it('the plan points at the fair-price benchmarks the report holds, by what it knows of the coverage', async () => {
    const plan = async (...args: string[]) => (JSON.parse((await runIn(['audit', EXAMPLE, '--format', 'json', ...args])).stdout) as Report).summary.plan;
    const unknown = await plan();
    expect(unknown?.offer.status).toBe('no-benchmark');
    expect(unknown?.offer.text).toMatch(/^The fair-price table above shows benchmarks for this bill's services, but whether they are your price depends on your coverage, which medbill was not told: if you are uninsured or paying yourself, re-run with --insurance uninsured or --insurance self-pay/);
    expect((await plan('--insurance', 'in-network'))?.offer.text).toMatch(/with insurance your share follows your plan's terms rather than the price/);
    const selfPay = await plan('--insurance', 'self-pay');
    expect(selfPay?.offer.anchors.map((a) => a.kind)).toEqual(['medicare']);
  });

  it('--fail-on decides the exit code', async () => {
    expect((await runIn(['audit', EXAMPLE, '--fail-on', 'never'])).code).toBe(0);
    const er = join(CASES, 'er-laceration-out-of-network', 'bill.json');
    expect((await runIn(['audit', er])).code).toBe(0);
    expect((await runIn(['audit', er, '--fail-on', 'warning'])).code).toBe(1);
  });

  it('a bad bill: one line naming file, row, column and what was expected; exit 2; no stack trace', async () => {
    const r = await cli(['audit', INVALID]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'medbill: fixtures/bills/invalid-amount.csv:3 (bill line 2) column "Charges": charge: expected an amount such as 1234.56, $1,234.56, (12.00), -12.00 or 500.00CR, got "$2O.00"\n',
    );
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('a bad bill in JSON mode still prints the report, with errors[]', async () => {
    const r = await runIn(['audit', INVALID, '--format', 'json']);
    expect(r.code).toBe(2);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.errors).toEqual([
      {
        code: 'BILL_INVALID',
        message: 'charge: expected an amount such as 1234.56, $1,234.56, (12.00), -12.00 or 500.00CR, got "$2O.00"',
        location: { file: INVALID, field: 'charge', row: 3, column: 'Charges', line: 2 },
      },
    ]);
    expect(report.findings).toEqual([]);
  });

  it('errors win over findings: a batch with one bad file exits 2 and still reports the others', async () => {
    const r = await runIn(['audit', EXAMPLE, INVALID, 'no-such-file.csv', '--format', 'json']);
    expect(r.code).toBe(2);
    const batch = BatchReportSchema.parse(JSON.parse(r.stdout));
    expect(batch.reports.map((x) => [x.input.path, x.errors[0]?.code ?? 'ok'])).toEqual([
      [EXAMPLE, 'ok'],
      [INVALID, 'BILL_INVALID'],
      ['no-such-file.csv', 'IO'],
    ]);
    expect(batch.summary).toMatchObject({ bills: 3, billsWithErrors: 2 });
    expect(r.stderr).toContain('medbill: cannot read no-such-file.csv: no such file');
  });

  it('an empty directory or a pattern matching nothing among other bills is reported in its place; alone, it is a usage error', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'medbill-empty-'));
    const r = await runIn(['audit', EXAMPLE, empty, 'no-such-*.csv', '--format', 'ndjson', '-q']);
    expect(r.code).toBe(2);
    const reports = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Report);
    expect(reports.map((x) => [x.input.path, x.errors[0]?.message ?? 'ok'])).toEqual([
      [EXAMPLE, 'ok'],
      [empty, 'the directory holds no bill files (.csv, .tsv, .txt, .psv, .json)'],
      ['no-such-*.csv', 'no file matches this pattern'],
    ]);
    expect(r.stderr).toBe(`medbill: ${empty}: the directory holds no bill files (.csv, .tsv, .txt, .psv, .json)\nmedbill: no-such-*.csv: no file matches this pattern\n`);
    // The text summary counts what was audited, not the inputs.
    expect((await runIn(['audit', EXAMPLE, empty])).stdout).toContain('\n1 bill audited, 1 could not be read; total at stake $597.00.\n');
    const alone = await runIn(['audit', empty]);
    expect(alone.code).toBe(2);
    expect(alone.stderr).toBe(`medbill: ${empty}: the directory holds no bill files (.csv, .tsv, .txt, .psv, .json)\n`);
  });

  it('--jobs is capped at the number of cores, with a note', async () => {
    const { availableParallelism } = await import('node:os');
    const n = availableParallelism();
    const r = await runIn(['audit', join(CASES, 'batch-claims', 'claims.csv'), '--group-by', 'claim_id', '--format', 'ndjson', '--jobs', '500']);
    expect(r.stderr).toContain(`medbill: note: --jobs 500 is more than the ${n} cores here; using ${n}\n`);
    expect(r.stdout.trim().split('\n')).toHaveLength(3);
  });

  it('reads stdin with -', async () => {
    const csv = readFileSync(resolve(ROOT, EXAMPLE), 'utf8');
    const r = await cli(['audit', '-', '--format', 'json'], { input: csv });
    expect((JSON.parse(r.stdout) as Report).summary.amountAtStakeCents).toBe(59700);
  });

  it('expands globs and directories, one report per bill', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'medbill-dir-'));
    writeFileSync(join(dir, 'b.tsv'), readFileSync(join(CASES, 'office-visit-professional', 'bill.tsv')));
    writeFileSync(join(dir, 'a.json'), readFileSync(join(CASES, 'er-laceration-out-of-network', 'bill.json')));
    writeFileSync(join(dir, 'notes.md'), 'not a bill');
    const r = await runIn(['audit', 'fixtures/bills/example-*.csv', dir, '--format', 'ndjson']);
    const paths = r.stdout.trim().split('\n').map((l) => (JSON.parse(l) as Report).input.path);
    expect(paths).toEqual(['fixtures/bills/example-er-visit.csv', join(dir, 'a.json'), join(dir, 'b.tsv')]);
  });

  it('--group-by with --format json gives a batch report, one per claim', async () => {
    const r = await runIn(['audit', join(CASES, 'batch-claims', 'claims.csv'), '--group-by', 'claim_id', '--format', 'json']);
    const batch = BatchReportSchema.parse(JSON.parse(r.stdout));
    expect(batch.reports.map((x) => x.input.claim)).toEqual(['CLM-1001', 'CLM-1002', 'CLM-1003']);
    expect(batch.summary.amountAtStakeCents).toBe(4000 + 4500 + 3800 + 105000);
  });

  it('--output writes atomically and never replaces a file without --force', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'medbill-out-'));
    const out = join(dir, 'report.json');
    const first = await cli(['audit', EXAMPLE, '--format', 'json', '--output', out]);
    expect(first.code).toBe(1);
    expect(first.stdout).toBe('');
    expect((JSON.parse(readFileSync(out, 'utf8')) as Report).summary.amountAtStakeCents).toBe(59700);
    writeFileSync(out, 'keep me');
    const second = await cli(['audit', EXAMPLE, '--output', out]);
    expect(second.code).toBe(2);
    expect(second.stderr).toContain('already exists; add --force to replace it');
    expect(readFileSync(out, 'utf8')).toBe('keep me');
    expect((await cli(['audit', EXAMPLE, '--output', out, '--force'])).code).toBe(1);
    expect(readFileSync(out, 'utf8')).toContain('medbill audit');
  });

  it('bill facts from options reach the rules', async () => {
    const bill = join(CASES, 'inpatient-pneumonia-self-pay', 'bill.csv');
    const without = JSON.parse((await runIn(['audit', bill, '--format', 'json'])).stdout) as Report;
    expect(without.findings.some((f) => f.ruleId === 'room-nights-exceed-stay')).toBe(false);
    const withDates = JSON.parse((await runIn(['audit', bill, '--format', 'json', '--admission', '3/2/2026', '--discharge', '2026-03-05'])).stdout) as Report;
    expect(withDates.findings.find((f) => f.ruleId === 'room-nights-exceed-stay')?.lines).toEqual([17]);
    expect(withDates.input.facts.admissionDate).toEqual({ value: '2026-03-02', origin: 'option' });
  });

  it('--only and --disable select rules', async () => {
    const only = JSON.parse((await runIn(['audit', EXAMPLE, '--format', 'json', '--only', 'duplicate-line'])).stdout) as Report;
    expect(new Set(only.findings.map((f) => f.ruleId))).toEqual(new Set(['duplicate-line']));
    const dis = JSON.parse((await runIn(['audit', EXAMPLE, '--format', 'json', '--disable', 'duplicate-line,routine-supplies'])).stdout) as Report;
    expect(dis.findings.some((f) => f.ruleId === 'duplicate-line' || f.ruleId === 'routine-supplies')).toBe(false);
  });

  it.each([
    [['audit', EXAMPLE, '--format', 'yaml'], /argument 'yaml' is invalid/],
    [['audit', EXAMPLE, '--admission', '31/12/2026'], /expected a date/],
    [['audit', EXAMPLE, '--map', 'colour=Hue'], /unknown field "colour"/],
    [['audit', EXAMPLE, '--only', 'nope'], /unknown rule id "nope"/],
    [['audit', EXAMPLE, '--group-by', 'claim'], /--group-by claim: the header row has no such column/],
    [['audit', EXAMPLE, '--rules', 'no-such-dir'], /not a rules directory/],
    [['audit'], /no bill to audit/],
    [['frobnicate'], /unknown command/],
  ])('usage errors exit 2: %j', async (args, message) => {
    const r = await cli(args as string[]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('--help shows examples and the columns it reads', async () => {
    const r = await runIn(['audit', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Examples:');
    expect(r.stdout).toContain('dateOfService');
    expect(r.stdout).toContain('--fail-on');
  });
});

describe('medbill schema and rules', () => {
  it.each(['report', 'batch', 'bill', 'rule', 'assist', 'facts', 'profile'])('schema %s prints a JSON Schema', async (name) => {
    const r = await runIn(['schema', name]);
    expect(r.code).toBe(0);
    const schema = JSON.parse(r.stdout) as { $schema: string; type: string; properties: Record<string, unknown> };
    expect(schema.$schema).toContain('json-schema.org');
    expect(schema.type).toBe('object');
  });

  it('schema bill describes the native JSON bill', async () => {
    const schema = JSON.parse((await runIn(['schema', 'bill'])).stdout) as { properties: Record<string, unknown>; required: string[] };
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['provider', 'billType', 'insurance', 'encounter', 'admissionDate', 'dischargeDate', 'diagnoses', 'totals', 'lines']));
    expect(schema.required).toEqual(['lines']);
  });

  it('rules list, show, validate and test', async () => {
    const list = await runIn(['rules', 'list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain('duplicate-line');
    expect(list.stdout).toMatch(/34 rules \(sha256:/);
    const show = await runIn(['rules', 'show', 'room-nights-exceed-stay']);
    expect(show.stdout).toContain('SSA POMS HI 00601.070');
    expect(show.stdout).toContain('Exceptions:');
    expect((await runIn(['rules', 'validate'])).stdout).toMatch(/34 rule\(s\) in .* are valid/);
    const test = await runIn(['rules', 'test']);
    expect(test.code).toBe(0);
    expect(test.stdout).toContain('34 passed, 0 failed');
  });

  it('rules validate names file and key of a broken rule, exit 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'medbill-bad-'));
    writeFileSync(join(dir, 'bad-rule.yaml'), 'schemaVersion: 1\nid: bad-rule\nkind: duplicate\n');
    const r = await runIn(['rules', 'validate', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`medbill: ${join(dir, 'bad-rule.yaml')} key "category"`);
    expect(existsSync(join(dir, 'bad-rule.yaml'))).toBe(true);
  });
});

describe('inputs and outputs (regressions from a new-user review)', () => {
  it('refuses PDF, Excel and binary files with what to export instead', async () => {
    const d = mkdtempSync(join(tmpdir(), 'medbill-bin-'));
    writeFileSync(join(d, 'bill.pdf'), '%PDF-1.7\n%\u00e2\u00e3\n1 0 obj\n');
    writeFileSync(join(d, 'bill.xlsx'), Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0]));
    const r = await cli(['audit', join(d, 'bill.pdf'), join(d, 'bill.xlsx'), '--format', 'ndjson', '-q']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('this is a PDF file, not a bill export: save the itemized bill as CSV');
    expect(r.stderr).toContain('this is a ZIP or Excel (.xlsx) file, not a bill export');
  });

  it('reads UTF-16 text (Excel "Unicode text") with its byte-order mark', async () => {
    const d = mkdtempSync(join(tmpdir(), 'medbill-u16-'));
    const text = '\ufeffDOS\tCPT\tCharge\r\n03/05/2026\t36415\t25.00\r\n03/05/2026\t36415\t25.00\r\n';
    writeFileSync(join(d, 'bill.txt'), Buffer.from(text, 'utf16le'));
    const r = await runIn(['audit', join(d, 'bill.txt'), '--format', 'json']);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.input.format).toBe('tsv');
    expect(report.findings.map((f) => f.ruleId)).toContain('duplicate-line');
  });

  it('a file of more than 20,000 item rows read as one bill is refused with a pointer to --group-by', async () => {
    const d = mkdtempSync(join(tmpdir(), 'medbill-huge-'));
    const rows = Array.from({ length: 20_001 }, (_, i) => `2026-03-05,${80000 + (i % 900)},12.00`);
    writeFileSync(join(d, 'extract.csv'), `DOS,CPT,Charge\n${rows.join('\n')}\n`);
    const r = await runIn(['audit', join(d, 'extract.csv')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `medbill: ${join(d, 'extract.csv')}: 20,001 item rows in one bill, more than medbill audits as one bill (20,000): if this is an extract of many claims, add --group-by COLUMN (the claim or account id column) to audit each claim as its own bill; otherwise split the file\n`,
    );
  });

  it('reads a Windows export (not UTF-8) as Windows-1252, accents and curly quotes intact', async () => {
    const d = mkdtempSync(join(tmpdir(), 'medbill-1252-'));
    const row = Buffer.concat([Buffer.from('2026-03-05,99213,Visit caf'), Buffer.from([0xe9, 0x20, 0x93]), Buffer.from('x'), Buffer.from([0x94]), Buffer.from(',125.00\r\n')]);
    writeFileSync(join(d, 'bill.csv'), Buffer.concat([Buffer.from('DOS,CPT,Description,Charge\r\n'), row, row]));
    const r = await cli(['audit', join(d, 'bill.csv'), '--format', 'json']);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.findings.find((f) => f.ruleId === 'duplicate-line')?.subject?.description).toBe('Visit caf\u00e9 \u201cx\u201d');
  });

  it('Windows-1252 past the first 256 KB, and a UTF-8 character cut by the 256 KB read boundary, are both read right', async () => {
    const d = mkdtempSync(join(tmpdir(), 'medbill-late-'));
    const pad = (bytes: number) => {
      const rows: string[] = [];
      let size = 'DOS,CPT,Description,Charge\n'.length;
      for (let i = 0; size < bytes; i++) {
        const row = `2026-03-05,${80000 + (i % 900)},Plain line,1.00\n`;
        rows.push(row);
        size += row.length;
      }
      return Buffer.from('DOS,CPT,Description,Charge\n' + rows.join(''));
    };
    const late = Buffer.concat([Buffer.from('2026-03-05,99213,Visit caf'), Buffer.from([0xe9, 0x20, 0x80]), Buffer.from(',125.00\n')]);
    writeFileSync(join(d, 'late.csv'), Buffer.concat([pad(300_000), late, late]));
    const described = async (file: string) =>
      (JSON.parse((await cli(['audit', join(d, file), '--format', 'json', '-q'])).stdout) as Report).findings.filter((f) => f.ruleId === 'duplicate-line').map((f) => f.subject?.description).pop();
    expect(await described('late.csv')).toBe('Visit caf\u00e9 \u20ac');
    // UTF-8: "é" (2 bytes) starts on the last byte of the first 256 KB read.
    const head = pad(262_144 - 200);
    const before = Buffer.from('2026-03-05,99213,Visit ' + 'x'.repeat(262_144 - head.length - '2026-03-05,99213,Visit '.length - 1));
    const row = Buffer.concat([before, Buffer.from('\u00e9,125.00\n')]);
    expect(head.length + before.length).toBe(262_143);
    writeFileSync(join(d, 'cut.csv'), Buffer.concat([head, row, row]));
    expect(await described('cut.csv')).toBe('Visit ' + 'x'.repeat(before.length - 'Visit '.length - '2026-03-05,99213,'.length) + '\u00e9');
  });

  it('-o - writes to stdout, and --output may not overwrite a bill being audited', async () => {
    const r = await cli(['audit', EXAMPLE, '-o', '-', '--format', 'json']);
    expect((JSON.parse(r.stdout) as Report).summary.amountAtStakeCents).toBe(59700);
    expect(existsSync(resolve(ROOT, '-'))).toBe(false);
    const same = await cli(['audit', EXAMPLE, '-o', EXAMPLE, '--force']);
    expect(same.code).toBe(2);
    expect(same.stderr).toContain('is one of the bills being audited');
  });

  it('an --output directory that does not exist is an error naming the output, not a temp file', async () => {
    const r = await cli(['audit', EXAMPLE, '-o', '/no/such/dir/report.txt']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('medbill: cannot write /no/such/dir/report.txt: its directory does not exist\n');
  });

  it('a reader that closes the pipe early ends the run quietly', async () => {
    const { spawnSync } = await import('node:child_process');
    const d = mkdtempSync(join(tmpdir(), 'medbill-pipe-'));
    const { generateClaims } = (await import(join(ROOT, 'scripts', 'gen-claims.mjs'))) as { generateClaims: (out: string, lines: number) => Promise<number> };
    await generateClaims(join(d, 'claims.csv'), 5000);
    const r = spawnSync('bash', ['-c', `node bin/medbill.js audit ${join(d, 'claims.csv')} --group-by claim_id --format ndjson -q | head -c 10 >/dev/null`], { cwd: ROOT, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    // Every other command too (help, facts, schemas): no EPIPE stack trace.
    const others = spawnSync('bash', ['-c', 'for c in "audit --help" "--help" "facts" "schema report"; do node bin/medbill.js $c | head -c 10 >/dev/null; done'], { cwd: ROOT, encoding: 'utf8' });
    expect(others.stderr).toBe('');
  });

  it('every example path in --help exists', async () => {
    const help = (await runIn(['audit', '--help'])).stdout;
    for (const path of help.match(/fixtures\/[\w/.-]+/g) ?? []) expect(existsSync(resolve(ROOT, path)), path).toBe(true);
  });
});
