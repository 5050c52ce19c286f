/**
 * `medbill data import|list|remove|sample` end to end with the built CLI, each run with its
 * own temporary data directory; and the audit's start-up path without imported data.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Report } from '../src/report.js';
import { cli } from './helpers.js';

const ROOT = resolve(__dirname, '..');
const FIXTURES = join(ROOT, 'fixtures', 'data');

function fresh(): { dir: string; env: { MEDBILL_DATA_DIR: string } } {
  const dir = join(mkdtempSync(join(tmpdir(), 'medbill-cli-data-')), 'data');
  return { dir, env: { MEDBILL_DATA_DIR: dir } };
}

describe('medbill data', () => {
  it('import, list, audit with the imported table, remove', async () => {
    const { dir, env } = fresh();
    expect((await cli(['data', 'list'], { env })).stdout).toContain('No CMS data imported');
    const imp = await cli(['data', 'import', join(FIXTURES, 'ccipra-v323r0-f1.txt'), join(FIXTURES, 'MCR_MUE_PractitionerServices_Eff_10-01-2026.csv')], { env });
    expect(imp.code).toBe(0);
    expect(imp.stdout).toContain('imported ncci-ptp-practitioner 2026Q4 part f1: 5 rows from');
    const list = await cli(['data', 'list', '--format', 'json'], { env });
    expect((JSON.parse(list.stdout) as { dataDir: string; tables: Array<{ kind: string; period: string; rows: number }> }).tables.map((t) => [t.kind, t.period, t.rows])).toEqual([
      ['mue-practitioner', '2026Q4', 4],
      ['ncci-ptp-practitioner', '2026Q4', 5],
    ]);
    const bill = join(mkdtempSync(join(tmpdir(), 'medbill-bill-')), 'bill.csv');
    writeFileSync(bill, 'line,date,code,units,charge\n1,2026-11-03,11000,1,500.00\n2,2026-11-03,11001,1,200.00\n');
    const audited = await cli(['audit', bill, '--bill-type', 'professional', '--format', 'json'], { env });
    const report = JSON.parse(audited.stdout) as Report;
    expect(audited.code).toBe(1);
    expect(report.findings.map((f) => [f.ruleId, f.lines, f.amountAtStakeCents])).toEqual([['ncci-ptp-edit', [2, 1], 20000]]);
    expect(report.coverage.data.filter((d) => d.origin === 'imported').map((d) => [d.kind, d.period])).toEqual([
      ['mue-practitioner', '2026Q4'],
      ['ncci-ptp-practitioner', '2026Q4'],
    ]);
    // --data-dir wins over MEDBILL_DATA_DIR: an empty directory, so the curated tables are used.
    const other = await cli(['audit', bill, '--bill-type', 'professional', '--format', 'json', '--data-dir', join(dir, '..', 'other')], { env });
    expect((JSON.parse(other.stdout) as Report).findings).toEqual([]);
    const removed = await cli(['data', 'remove', 'ncci-ptp-practitioner', '2026Q4'], { env });
    expect(removed.stdout).toBe('removed ncci-ptp-practitioner 2026Q4 part f1 (5 rows)\n');
    expect((await cli(['data', 'remove', 'ncci-ptp-practitioner'], { env })).stderr).toContain('no imported ncci-ptp-practitioner (see medbill data list)');
  });

  it('a malformed file: one line naming file, row and field, exit 2, no stack trace, nothing imported', async () => {
    const { dir, env } = fresh();
    const bad = join(mkdtempSync(join(tmpdir(), 'medbill-bad-')), 'ccipra-v323r0-f1.txt');
    writeFileSync(bad, 'Practitioner PTP edits\nColumn 1\tColumn 2\t*\tEffective Date\tDeletion Date\tModifier\tRationale\n11000\t11001\t\t20100101\t*\t0\tx\n12000\t12001\t\t2010-01-01\t*\t1\tx\n');
    const r = await cli(['data', 'import', bad], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`medbill: ${bad}:4: Effective Date: expected a date YYYYMMDD, got "2010-01-01"\n`);
    expect(existsSync(dir)).toBe(true);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('sample refuses to replace files without --force', async () => {
    const out = mkdtempSync(join(tmpdir(), 'medbill-sample-'));
    expect((await cli(['data', 'sample', '--out', out])).code).toBe(0);
    const again = await cli(['data', 'sample', '--out', out]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exists; add --force to replace it/);
    expect((await cli(['data', 'sample', '--out', out, '--force'])).code).toBe(0);
  });

  it('usage errors exit 2', async () => {
    const { env } = fresh();
    expect((await cli(['data', 'import', join(FIXTURES, 'ccipra-v323r0-f1.txt'), '--period', 'Q4-2026'], { env })).stderr).toMatch(/expected a quarter such as 2026Q4/);
    expect((await cli(['data', 'import', 'no-such-file.zip'], { env })).stderr).toBe('medbill: cannot read no-such-file.zip: no such file\n');
    expect((await cli(['data', 'remove', 'ptp'], { env })).code).toBe(2);
  });
});

describe('start-up without imported data', () => {
  const probe = (dataDirectory: string) =>
    execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { createRequire } from 'node:module';
         const require = createRequire(import.meta.url);
         const { run } = await import(${JSON.stringify(join(ROOT, 'dist', 'medbill.mjs'))});
         const sink = { write() {} };
         await run(['audit', 'fixtures/bills/example-er-visit.csv', '--data-dir', ${JSON.stringify(dataDirectory)}], { stdout: sink, stderr: sink, stdin: process.stdin, env: {}, cwd: ${JSON.stringify(ROOT)} });
         process.stdout.write(String(Object.keys(require.cache).some((k) => k.includes('better-sqlite3'))));`,
      ],
      { cwd: ROOT, encoding: 'utf8' },
    );

  it('an audit with no data directory neither loads better-sqlite3 nor creates the directory; one with a store does load it', async () => {
    const { dir, env } = fresh();
    expect(probe(dir)).toBe('false');
    expect(existsSync(dir)).toBe(false);
    await cli(['data', 'import', join(FIXTURES, 'ccipra-v323r0-f1.txt')], { env });
    expect(probe(dir)).toBe('true');
  });
});
