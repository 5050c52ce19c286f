import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { addDays, firstOfMonthBefore, isIsoDate } from '../src/dates.js';
import { RulesError } from '../src/errors.js';
import { defaultFactsFile, formatDollars, loadFacts } from '../src/facts.js';
import { defaultRulesDir, loadRules } from '../src/rules/loader.js';
import { cli } from './helpers.js';

const book = loadFacts();

describe('dates (UTC, no clock)', () => {
  it('adds calendar days across months, years and leap days', () => {
    expect(addDays('2026-06-20', 120)).toBe('2026-10-18');
    expect(addDays('2026-06-20', 240)).toBe('2027-02-15');
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(addDays('2027-02-28', 1)).toBe('2027-03-01');
    expect(addDays('2026-01-01', -1)).toBe('2025-12-31');
  });

  it('finds the first day of the month N months before', () => {
    expect(firstOfMonthBefore('2027-03-10', 1)).toBe('2027-02-01');
    expect(firstOfMonthBefore('2027-03-10', 3)).toBe('2026-12-01');
    expect(firstOfMonthBefore('2026-12-31', 3)).toBe('2026-09-01');
    expect(firstOfMonthBefore('2027-01-01', 2)).toBe('2026-11-01');
  });

  it('refuses what is not a calendar date', () => {
    expect(isIsoDate('2026-02-29')).toBe(false);
    expect(isIsoDate('2028-02-29')).toBe(true);
    expect(() => addDays('2026-13-01', 1)).toThrow(RangeError);
  });
});

describe('the facts file', () => {
  it('holds every fact of rights.md the tool states, each with source, checked and re-check dates', () => {
    const ids = book.all().map((f) => f.id);
    for (const id of ['nsa-gfe-dispute', 'nsa-balance-billing', 'fap-501r', 'fap-501r-collections', 'poverty-guidelines-2025', 'poverty-guidelines-2026', 'medicaid-retroactive-through-2026', 'medicaid-retroactive-from-2027', 'cfpb-medical-debt-rule-vacated', 'bureau-medical-debt-policies']) {
      expect(ids).toContain(id);
    }
    for (const f of book.all()) {
      expect(f.source.length, f.id).toBeGreaterThan(3);
      expect(isIsoDate(f.checked), f.id).toBe(true);
      if (f.recheck !== null) expect(isIsoDate(f.recheck), f.id).toBe(true);
      expect(f.rightsMd, f.id).toMatch(/table item \d+|section \([a-k]\)/);
    }
    // Every item 1-25 of the rights.md table is covered by at least one fact.
    const items = new Set(book.all().flatMap((f) => [...f.rightsMd.matchAll(/table item (\d+)/g)].map((m) => Number(m[1]))));
    expect([...items].sort((a, b) => a - b)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
  });

  it('keeps the numbers code computes with in step with the text it prints', () => {
    for (const f of book.all()) {
      for (const [key, n] of Object.entries(f.numbers ?? {})) {
        if (key === 'year' || key === 'states') continue;
        const shown = key.endsWith('Cents') ? formatDollars(n) : String(n);
        expect(f.text, `${f.id}.numbers.${key}`).toContain(shown);
      }
    }
    expect(book.number('nsa-gfe-dispute', 'thresholdCents')).toBe(40000);
    expect(book.number('nsa-gfe-dispute', 'deadlineDays')).toBe(120);
    expect(book.number('nsa-gfe-dispute', 'feeCents')).toBe(2500);
    expect(book.number('fap-501r-collections', 'applicationDays')).toBe(240);
    expect(book.date('medicaid-retroactive-from-2027', 'from')).toBe('2027-01-01');
  });

  it('lists stale facts by the date given, never by the clock', () => {
    expect(book.stale('2026-06-01').map((f) => f.id)).toEqual([]);
    expect(book.stale('2026-12-01').map((f) => f.id)).toEqual(['price-transparency', 'price-transparency-2026']);
    // On the re-check date itself the fact is not yet past it.
    expect(book.stale('2027-01-31').map((f) => f.id)).not.toContain('poverty-guidelines-2026');
    expect(book.stale('2027-02-01').map((f) => f.id)).toContain('poverty-guidelines-2026');
    // A fixed (historical) figure is never stale.
    expect(book.stale('2099-01-01').map((f) => f.id)).not.toContain('poverty-guidelines-2025');
  });

  it('throws a rules error naming the file for an unknown fact or number', () => {
    expect(() => book.get('no-such-fact')).toThrow(RulesError);
    expect(() => book.number('nsa-gfe-dispute', 'nope')).toThrow(/no number "nope"/);
  });

  it('rejects a broken facts file with the file and key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'medbill-facts-'));
    const file = join(dir, 'facts.yaml');
    writeFileSync(file, readFileSync(defaultFactsFile(), 'utf8').replace('recheck: "2027-06-30"', 'recheck: "2027-06-31"'));
    try {
      loadFacts(file);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(RulesError);
      expect((err as RulesError).message).toMatch(/recheck: expected an ISO date/);
      expect((err as RulesError).problems[0]?.location?.file).toBe(file);
    }
  });

  it('a rule naming a fact that does not exist fails to load', () => {
    const dir = mkdtempSync(join(tmpdir(), 'medbill-rules-'));
    const rule = readFileSync(join(defaultRulesDir(), 'out-of-network-emergency.yaml'), 'utf8')
      .replace('id: out-of-network-emergency', 'id: my-nsa-rule')
      .replace('facts: [nsa-balance-billing', 'facts: [no-such-fact');
    writeFileSync(join(dir, 'my-nsa-rule.yaml'), rule);
    expect(() => loadRules([defaultRulesDir(), dir])).toThrow(/docs\.facts\.0: unknown fact "no-such-fact"/);
  });
});

describe('medbill facts', () => {
  it('--stale lists the facts past their re-check date on --today', async () => {
    const r = await cli(['facts', '--stale', '--today', '2026-12-01']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('price-transparency  [price-transparency]  PAST RE-CHECK (due 2026-11-01)');
    expect(r.stdout).toContain('2 facts past the re-check date as of 2026-12-01.');
    const early = await cli(['facts', '--stale', '--today', '2026-06-01']);
    expect(early.stdout).toBe('0 facts past the re-check date as of 2026-06-01.\n');
  });

  it('--format json gives every fact with its numbers, source and stale flag', async () => {
    const r = await cli(['facts', '--format', 'json', '--today', '2027-02-01']);
    const out = JSON.parse(r.stdout) as { today: string; facts: Array<{ id: string; stale: boolean; numbers?: Record<string, number>; source: string }> };
    expect(out.today).toBe('2027-02-01');
    expect(out.facts.length).toBe(book.all().length);
    const g = out.facts.find((f) => f.id === 'poverty-guidelines-2026');
    expect(g).toMatchObject({ stale: true, source: '91 FR 1797 (Jan 15, 2026), FR Doc. 2026-00755' });
    expect(g?.numbers?.contiguousBaseCents).toBe(1596000);
  });

  it('shows one fact by id and refuses an unknown id or a bad date with exit 2', async () => {
    const one = await cli(['facts', 'nsa-gfe-dispute', '--today', '2026-06-01']);
    expect(one.stdout).toContain('thresholdCents 40000 ($400.00), deadlineDays 120, feeCents 2500 ($25.00)');
    const bad = await cli(['facts', 'nope']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('medbill: unknown fact id "nope" (see medbill facts)\n');
    const badDate = await cli(['facts', '--today', '31/12/2026']);
    expect(badDate.code).toBe(2);
    expect(badDate.stderr).toMatch(/--today <date>.*expected a date/);
  });
});
