/**
 * Runs the built CLI on every bill under ../shared/cases and checks each expectation of its
 * case.json whose capability this build supports (core, rights, prices). See ../shared/cases/README.md.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Report } from '../src/report.js';
import { cli } from './helpers.js';

// The cases live in ../shared/cases; fixtures/cases is a copy so that a clean clone (CI)
// runs them too. When both exist they must be identical (see the last test).
const SHARED = resolve(__dirname, '..', '..', 'shared', 'cases');
const COPY = resolve(__dirname, '..', 'fixtures', 'cases');
const CASES = existsSync(SHARED) ? SHARED : COPY;
const SUPPORTED = new Set(['core', 'rights', 'prices']);

interface Expectation {
  lines: number[];
  must: 'flag' | 'not-flag';
  category?: string;
  amountCents?: number;
  capability?: string;
  claim?: string;
  why: string;
}

interface Case {
  case: string;
  bill: string;
  groupBy?: string;
  context: Record<string, unknown>;
  totals?: { chargesCents?: number; paymentsCents?: number };
  expect: Expectation[];
}

function argsFor(c: Case): string[] {
  const ctx = c.context;
  const args: string[] = [];
  if (ctx.billType) args.push('--bill-type', String(ctx.billType));
  if (ctx.insurance) args.push('--insurance', String(ctx.insurance));
  if (ctx.encounter) args.push('--encounter', String(ctx.encounter));
  if (ctx.admissionDate) args.push('--admission', String(ctx.admissionDate));
  if (ctx.dischargeDate) args.push('--discharge', String(ctx.dischargeDate));
  if (ctx.nonprofitHospital) args.push('--nonprofit');
  for (const d of (ctx.diagnoses as string[] | undefined) ?? []) args.push('--diagnosis', d);
  if (c.groupBy) args.push('--group-by', c.groupBy);
  return args;
}

const cases: Case[] = existsSync(CASES)
  ? readdirSync(CASES)
      .filter((d) => existsSync(join(CASES, d, 'case.json')))
      .map((d) => ({ ...(JSON.parse(readFileSync(join(CASES, d, 'case.json'), 'utf8')) as Case), dir: d }))
  : [];

describe('shared cases', () => {
  it('finds the cases', () => {
    expect(cases.map((c) => c.case).sort()).toEqual(['batch-claims', 'er-laceration-out-of-network', 'inpatient-pneumonia-self-pay', 'office-visit-professional']);
  });

  it.skipIf(!existsSync(SHARED))('fixtures/cases is an exact copy of ../shared/cases', () => {
    const list = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? list(join(dir, e.name)).map((f) => join(e.name, f)) : [e.name])).sort();
    expect(list(COPY)).toEqual(list(SHARED));
    for (const f of list(SHARED)) expect(readFileSync(join(COPY, f), 'utf8'), f).toBe(readFileSync(join(SHARED, f), 'utf8'));
  });

  for (const c of cases) {
    describe(c.case, () => {
      let reports: Report[] = [];
      let exitCode = -1;
      it('audits with the built CLI (NDJSON, one report per bill)', async () => {
        const r = await cli(['audit', join(CASES, c.case, c.bill), '--format', 'ndjson', ...argsFor(c)]);
        exitCode = r.code;
        reports = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Report);
        // NDJSON runs end with one summary line on stderr, and nothing else.
        expect(r.stderr).toMatch(/^medbill: \d+ bills?, \d+ lines?; findings: \d+ error, \d+ warning, \d+ info; at stake \$[\d,.]+; [\d.]+ s\n$/);
        for (const rep of reports) expect(rep.errors).toEqual([]);
        expect([0, 1]).toContain(exitCode);
      });
      if (c.totals?.chargesCents !== undefined) {
        it(`reads total charges ${c.totals.chargesCents}`, () => {
          expect(reports.reduce((s, r) => s + r.summary.chargesCents, 0)).toBe(c.totals?.chargesCents);
          if (c.totals?.paymentsCents !== undefined) expect(-reports.reduce((s, r) => s + r.summary.paymentsCents, 0)).toBe(c.totals.paymentsCents);
        });
      }
      for (const e of c.expect) {
        const cap = e.capability ?? 'core';
        const label = `${e.must} ${e.claim ? `${e.claim} ` : ''}lines [${e.lines.join(', ')}]${e.category ? ` ${e.category}` : ''}${e.amountCents !== undefined ? ` ${e.amountCents}¢` : ''}: ${e.why}`;
        it.skipIf(!SUPPORTED.has(cap))(label, () => {
          const report = e.claim ? reports.find((r) => r.input.claim === e.claim) : reports[0];
          expect(report, `report for ${e.claim ?? 'the bill'}`).toBeDefined();
          const findings = (report as Report).findings;
          if (e.must === 'flag') {
            const hits = findings.filter(
              (f) => (e.lines.length === 0 ? f.lines.length === 0 : f.lines.some((l) => e.lines.includes(l))) && (!e.category || f.category === e.category),
            );
            expect(hits.length, JSON.stringify(findings.map((f) => [f.ruleId, f.lines, f.category]))).toBeGreaterThan(0);
            if (e.amountCents !== undefined) expect(hits.map((f) => f.amountAtStakeCents)).toContain(e.amountCents);
          } else {
            const bad = findings.filter(
              (f) =>
                f.severity !== 'info' &&
                f.lines[0] !== undefined &&
                e.lines.includes(f.lines[0]) &&
                (e.category ? f.category === e.category : f.category !== 'price'),
            );
            expect(bad.map((f) => `${f.ruleId} on line ${f.lines[0]}`)).toEqual([]);
          }
        });
      }
    });
  }

  it('inpatient case: the amount at stake is the sum of the must-flag lines (394300 cents), each line counted once', async () => {
    const c = cases.find((x) => x.case === 'inpatient-pneumonia-self-pay') as Case;
    const r = await cli(['audit', join(CASES, c.case, c.bill), '--format', 'json', ...argsFor(c)]);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.summary.amountAtStakeCents).toBe(394300);
    expect(report.coverage.notChecked).toBe(0);
    expect(r.code).toBe(1);
  });

  it('batch case: exit code 1 and one NDJSON report per claim', async () => {
    const c = cases.find((x) => x.case === 'batch-claims') as Case;
    const r = await cli(['audit', join(CASES, c.case, c.bill), '--format', 'ndjson', ...argsFor(c)]);
    expect(r.code).toBe(1);
    expect(r.stdout.trim().split('\n').map((l) => (JSON.parse(l) as Report).input.claim)).toEqual(['CLM-1001', 'CLM-1002', 'CLM-1003']);
  });

  describe('with the curated tables imported as CMS-layout files (medbill data sample, then data import)', () => {
    const work = mkdtempSync(join(tmpdir(), 'medbill-cases-data-'));
    const data = join(work, 'data');
    const summary = (stdout: string) =>
      stdout
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as Report).findings.map((f) => [f.ruleId, f.lines, f.severity, f.amountAtStakeCents, f.category]));

    it('writes the sample files and imports them', async () => {
      const sample = await cli(['data', 'sample', '--out', join(work, 'sample')]);
      expect(sample.code).toBe(0);
      const zips = readdirSync(join(work, 'sample')).sort();
      expect(zips).toEqual([
        'medicare-ncci-2026-q2-practitioner-services-mue-table.zip',
        'medicare-ncci-2026-q4-outpatient-hospital-services-mue-table.zip',
        'medicare-ncci-2026q4-add-on-code-edits.zip',
        'medicare-ncci-2026q4-practitioner-ptp-edits-ccipra-v323r0-f1.zip',
      ]);
      const imported = await cli(['data', 'import', ...zips.map((z) => join(work, 'sample', z))], { env: { MEDBILL_DATA_DIR: data } });
      expect(imported.code).toBe(0);
      expect(imported.stdout.split('\n').filter((l) => l.startsWith('imported')).map((l) => l.replace(/ from .*/, ''))).toEqual([
        'imported mue-practitioner 2026Q2: 80 rows',
        'imported mue-hospital 2026Q4: 103 rows',
        'imported aoc 2026Q4: 228 rows',
        'imported ncci-ptp-practitioner 2026Q4 part f1: 2 rows',
      ]);
    });

    for (const c of cases) {
      it(`${c.case}: the same findings as with the curated tables, and the report says the imported tables were used`, async () => {
        const args = ['audit', join(CASES, c.case, c.bill), '--format', 'ndjson', '-q', ...argsFor(c)];
        const curated = await cli(args);
        const withData = await cli(args, { env: { MEDBILL_DATA_DIR: data } });
        expect(withData.stderr).toBe('');
        expect(summary(withData.stdout)).toEqual(summary(curated.stdout));
        const used = (JSON.parse(withData.stdout.trim().split('\n')[0] as string) as Report).coverage.data.filter((d) => d.origin === 'imported').map((d) => d.kind);
        expect(used).toContain('aoc');
      });
    }
  });
});

