/**
 * Batch audits (issue #7): the same bytes for --jobs 1 and --jobs 2, claims spanning chunk
 * boundaries, interleaved claims, a broken file in a batch, NDJSON in = CSV in, and no
 * progress bar in piped output.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { scanCsv } from '../src/bill/csv.js';
import { toBatch } from '../src/formatters/json.js';
import { BatchReportSchema, type Report } from '../src/report.js';
import { cli } from './helpers.js';

const ROOT = resolve(__dirname, '..');
const CLAIMS = join(ROOT, 'fixtures', 'cases', 'batch-claims', 'claims.csv');
const dir = mkdtempSync(join(tmpdir(), 'medbill-batch-'));
const big = join(dir, 'claims-12k.csv');
const interleaved = join(dir, 'interleaved.csv');

const ndjson = (out: string) => out.trim().split('\n').map((l) => JSON.parse(l) as Report);
const brief = (r: Report) => ({ claim: r.input.claim, findings: r.findings.map((f) => [f.ruleId, f.lines, f.amountAtStakeCents]) });

beforeAll(async () => {
  const { generateClaims } = (await import(join(ROOT, 'scripts', 'gen-claims.mjs'))) as { generateClaims: (out: string, lines: number, mean: number, seed: number, interleave: boolean) => Promise<number> };
  await generateClaims(big, 12000, 20, 7, false);
  await generateClaims(interleaved, 400, 10, 7, true);
});

/** Runs of the CLI over the generated file, shared by the tests that read them (each run is made once, when first needed). */
const once = <T>(f: () => Promise<T>): (() => Promise<T>) => {
  let p: Promise<T> | undefined;
  return () => (p ??= f());
};
const bigJobs1 = once(() => cli(['audit', big, '--group-by', 'claim_id', '--format', 'ndjson', '--jobs', '1', '-q']));
// Without -q: its stderr is the summary line checked below.
const bigJobs2 = once(() => cli(['audit', big, '--group-by', 'claim_id', '--format', 'ndjson', '--jobs', '2']));

describe('batch audits', () => {
  it('--jobs 1 and --jobs 2 write the same bytes (shared batch case)', async () => {
    const one = await cli(['audit', CLAIMS, '--group-by', 'claim_id', '--format', 'ndjson', '--jobs', '1', '-q']);
    const two = await cli(['audit', CLAIMS, '--group-by', 'claim_id', '--format', 'ndjson', '--jobs', '2', '-q']);
    expect(one.code).toBe(1);
    expect(two.stdout).toBe(one.stdout);
    expect(ndjson(one.stdout).map((r) => r.input.claim)).toEqual(['CLM-1001', 'CLM-1002', 'CLM-1003']);
  });

  it('--jobs 1 and --jobs 2 write the same bytes on a generated file of several chunks, and every claim is reported once, whole', async () => {
    const one = await bigJobs1();
    const two = await bigJobs2();
    expect(two.stdout).toBe(one.stdout);
    const reports = ndjson(one.stdout);
    const claims = reports.map((r) => r.input.claim as string);
    expect(new Set(claims).size).toBe(claims.length);
    // Every data row of the file is in exactly one report.
    const rows = readFileSync(big, 'utf8').trim().split('\n').length - 1;
    expect(reports.reduce((s, r) => s + r.input.lineCount, 0)).toBe(rows);
    // Line numbers restart at 1 in every claim, also for claims cut by a chunk boundary.
    for (const r of reports) expect(r.coverage.lines).toBe(r.input.lineCount);
    expect(reports.every((r) => r.errors.length === 0)).toBe(true);
  });

  it('--format json streams one batch document equal to the batch of the NDJSON reports', async () => {
    const json = await cli(['audit', big, '--group-by', 'claim_id', '--format', 'json', '--jobs', '2']);
    const nd = await bigJobs1();
    const batch = BatchReportSchema.parse(JSON.parse(json.stdout));
    expect(json.stdout).toBe(JSON.stringify(toBatch(ndjson(nd.stdout)), null, 2) + '\n');
    expect(batch.summary.bills).toBe(ndjson(nd.stdout).length);
  });

  it('interleaved claims: says so, names the claim and rows, and exits 2; --assume-sorted audits each run as its own bill', async () => {
    const r = await cli(['audit', interleaved, '--group-by', 'claim_id', '--format', 'ndjson', '-q']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^medbill: .*interleaved\.csv:\d+: claims are interleaved: claim CLM-0000001 appears again at row \d+ after other claims \(it started at row 2\)/);
    expect(r.stderr).toContain('sort the file by the --group-by column first');
    // The whole message, to its last words (it was once cut at 400 characters).
    expect(r.stderr).toMatch(/or give --assume-sorted to audit each run of rows of a claim as its own bill\n$/);
    const reports = ndjson(r.stdout);
    expect(reports[reports.length - 1]?.errors[0]?.message).toMatch(/claims are interleaved/);
    const sorted = await cli(['audit', interleaved, '--group-by', 'claim_id', '--format', 'ndjson', '--assume-sorted', '-q']);
    expect(sorted.code).not.toBe(2);
    const runs = ndjson(sorted.stdout).map((x) => x.input.claim);
    expect(runs.filter((c) => c === 'CLM-0000001').length).toBe(2);
  });

  it('a broken file in a batch of three: two reports, one error, exit 2', async () => {
    const broken = join(dir, 'broken.csv');
    writeFileSync(broken, 'DOS,CPT,Charge\n2026-01-02,99213,"120.00\n');
    const r = await cli(['audit', 'fixtures/bills/example-er-visit.csv', broken, join(ROOT, 'fixtures', 'cases', 'office-visit-professional', 'bill.tsv'), '--format', 'ndjson', '--jobs', '2', '-q']);
    expect(r.code).toBe(2);
    const reports = ndjson(r.stdout);
    expect(reports.map((x) => x.errors.length)).toEqual([0, 1, 0]);
    expect(reports[1]?.errors[0]?.message).toBe('a quoted cell is never closed (a " with no closing ")');
    expect(r.stderr).toBe(`medbill: ${broken}:2: a quoted cell is never closed (a " with no closing ")\n`);
  });

  it('--bail stops at the first bill that cannot be read', async () => {
    const broken = join(dir, 'broken2.csv');
    writeFileSync(broken, 'no,header,here\n');
    const r = await cli(['audit', broken, 'fixtures/bills/example-er-visit.csv', '--format', 'ndjson', '--bail', '-q']);
    expect(r.code).toBe(2);
    expect(ndjson(r.stdout)).toHaveLength(1);
  });

  it('NDJSON bills in give the same findings as the CSV in', async () => {
    const csv = await cli(['audit', CLAIMS, '--group-by', 'claim_id', '--format', 'ndjson', '-q']);
    const rows = readFileSync(CLAIMS, 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    const byClaim = new Map<string, object[]>();
    for (const [claim, line, date, rev, code, mods, units, charge, description] of rows) {
      const list = byClaim.get(claim as string) ?? [];
      list.push({ line: Number(line), dateOfService: date, revenueCode: rev, code, modifiers: mods, units: Number(units), charge, description });
      byClaim.set(claim as string, list);
    }
    const input = [...byClaim.values()].map((lines) => JSON.stringify({ billType: 'facility', lines })).join('\n') + '\n';
    const nd = await cli(['audit', '-', '--input-format', 'ndjson', '--format', 'ndjson', '-q'], { input });
    expect(nd.code).toBe(csv.code);
    const strip = (r: Report) => ({ ...brief(r), claim: undefined });
    expect(ndjson(nd.stdout).map(strip)).toEqual(ndjson(csv.stdout).map(strip));
  });

  it('an NDJSON line that is not a bill is an error naming its row, and the others are audited', async () => {
    const input = '{"lines":[{"code":"99213","charge":100,"dateOfService":"2026-01-02"}]}\nnot json\n';
    const r = await cli(['audit', '-', '--input-format', 'ndjson', '--format', 'ndjson', '-q'], { input });
    expect(r.code).toBe(2);
    expect(ndjson(r.stdout).map((x) => x.errors.length)).toEqual([0, 1]);
    expect(r.stderr).toMatch(/^medbill: <stdin>:2: not valid JSON/);
  });

  it('no progress bar in piped output, and one summary line on stderr for NDJSON', async () => {
    const r = await bigJobs2();
    expect(r.stderr).not.toContain('\r');
    expect(r.stderr).not.toMatch(/\x1b\[/);
    expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(r.stdout).not.toMatch(/\x1b\[/);
  });

  it('--input-list reads paths from a file', async () => {
    const list = join(dir, 'list.txt');
    writeFileSync(list, `# bills\n${join(ROOT, 'fixtures', 'bills', 'example-er-visit.csv')}\n\n${CLAIMS}\n`);
    const r = await cli(['audit', '--input-list', list, '--format', 'ndjson', '-q']);
    expect(ndjson(r.stdout).map((x) => x.input.path)).toEqual([join(ROOT, 'fixtures', 'bills', 'example-er-visit.csv'), CLAIMS]);
  });
});

describe('scanCsv', () => {
  it('finds the last complete record of a block and quoting errors', () => {
    expect(scanCsv('a,b\nc,"d\ne"\nf,g', ',', false).complete).toBe('a,b\nc,"d\ne"\n'.length);
    expect(scanCsv('a,b\nc,"d\ne', ',', false)).toEqual({ complete: 4, quoted: true });
    expect(scanCsv('a,b\nc,"d\ne', ',', true).error?.message).toMatch(/never closed/);
    expect(scanCsv('a,"b"c,d\n', ',', true).error?.message).toMatch(/text after a closing quote/);
    expect(scanCsv('a,b"c,d\n', ',', true)).toEqual({ complete: 8, quoted: true });
    expect(scanCsv('a,"b ""x"" c",d\n', ',', true).error).toBeUndefined();
  });
});

describe('interruption', () => {
  it('Ctrl-C stops a long run with 130 and leaves no output file or temp file behind', async () => {
    const { spawn } = await import('node:child_process');
    const { readdirSync, existsSync } = await import('node:fs');
    const d = mkdtempSync(join(tmpdir(), 'medbill-int-'));
    const { generateClaims } = (await import(join(ROOT, 'scripts', 'gen-claims.mjs'))) as { generateClaims: (out: string, lines: number) => Promise<number> };
    await generateClaims(join(d, 'big.csv'), 300000);
    const out = join(d, 'report.ndjson');
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'medbill.js'), 'audit', join(d, 'big.csv'), '--group-by', 'claim_id', '--format', 'ndjson', '--jobs', '1', '-o', out], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    // Interrupt once the run is writing (its temporary output file exists), however loaded the machine is.
    for (let waited = 0; waited < 20_000 && !readdirSync(d).some((f) => f.endsWith('.tmp')); waited += 50) await new Promise((r) => setTimeout(r, 50));
    expect(readdirSync(d).some((f) => f.endsWith('.tmp'))).toBe(true);
    child.kill('SIGINT');
    const [code, signal] = await new Promise<[number | null, string | null]>((done) => child.on('exit', (c, s) => done([c, s])));
    expect(code === 130 || signal === 'SIGINT').toBe(true);
    expect(stderr).toContain('interrupted');
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(d).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
