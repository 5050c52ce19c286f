import { describe, expect, it } from 'vitest';
import { assist, atOrBelow, fplPercent, povertyGuideline } from '../src/assist.js';
import type { UsState } from '../src/bill/schema.js';
import { loadFacts } from '../src/facts.js';
import { cli } from './helpers.js';

const book = loadFacts();
const run = (input: Parameters<typeof assist>[0]) => assist(input, book, 'test');

// The published tables (rights.md (e)), sizes 1-8, in dollars: the facts file must reproduce them.
const TABLES: Record<string, number[]> = {
  '2025 48 states + DC': [15650, 21150, 26650, 32150, 37650, 43150, 48650, 54150],
  '2025 Alaska': [19550, 26430, 33310, 40190, 47070, 53950, 60830, 67710],
  '2025 Hawaii': [17990, 24320, 30650, 36980, 43310, 49640, 55970, 62300],
  '2026 48 states + DC': [15960, 21640, 27320, 33000, 38680, 44360, 50040, 55720],
  '2026 Alaska': [19950, 27050, 34150, 41250, 48350, 55450, 62550, 69650],
  '2026 Hawaii': [18360, 24890, 31420, 37950, 44480, 51010, 57540, 64070],
};
const STATE_OF: Record<string, UsState> = { '48 states + DC': 'OH', Alaska: 'AK', Hawaii: 'HI' };

describe('HHS poverty guidelines and FPL percentages', () => {
  for (const [label, row] of Object.entries(TABLES)) {
    const [year, ...area] = label.split(' ');
    it(`${label}: sizes 1-8 match the published table`, () => {
      const got = row.map((_, i) => povertyGuideline(book, Number(year), STATE_OF[area.join(' ')] as UsState, i + 1).guidelineCents / 100);
      expect(got).toEqual(row);
    });
  }

  it('adds the per-person amount above 8 people', () => {
    expect(povertyGuideline(book, 2026, 'CA', 9).guidelineCents).toBe(5572000 + 568000);
    expect(povertyGuideline(book, 2025, 'AK', 10).guidelineCents).toBe(6771000 + 2 * 688000);
  });

  it.each([
    // household, income, state, year, fplPercent
    [3, 40000_00, 'CA', 2026, 146.4],
    [3, 40000_00, 'CA', 2025, 150.1],
    [1, 15650_00, 'TX', 2025, 100],
    [4, 50000_00, 'AK', 2026, 121.2],
    [2, 30000_00, 'HI', 2026, 120.5],
    [5, 43310_00, 'HI', 2025, 100],
    [8, 0, 'NY', 2026, 0],
    [6, 200000_00, 'DC', 2026, 450.9],
  ] as const)('household %i, income %i cents, %s, %i → %d%% FPL', (household, incomeCents, state, year, expected) => {
    const r = run({ household, incomeCents, state, year });
    expect(r.fpl.fplPercent).toBe(expected);
    expect(r.fpl.year).toBe(year);
  });

  it('rounds half up to one decimal, on exact integer arithmetic', () => {
    // $15,967.98 / $15,960 = 1.0005 exactly → 100.05% → 100.1
    expect(fplPercent(1596798, 1596000)).toBe(100.1);
    expect(fplPercent(1596797, 1596000)).toBe(100);
    expect(fplPercent(4000000, 2732000)).toBe(146.4);
  });

  it('compares levels exactly, not on the rounded percentage', () => {
    // 200% of $27,320 is $54,640: at the level; one cent more is above it, though both round to 200.0%.
    expect(atOrBelow(5464000, 2732000, 200)).toBe(true);
    expect(atOrBelow(5464001, 2732000, 200)).toBe(false);
    const at = run({ household: 3, incomeCents: 5464000, state: 'OR', year: 2026 });
    const above = run({ household: 3, incomeCents: 5464001, state: 'OR', year: 2026 });
    expect(at.fpl.fplPercent).toBe(200);
    expect(above.fpl.fplPercent).toBe(200);
    expect(at.stateCharityCare.atYourIncome[0]?.benefit).toBe('100% discount');
    expect(above.stateCharityCare.atYourIncome[0]?.benefit).toBe('at least a 75% discount');
  });

  it('defaults to the newest guideline year in the facts file', () => {
    expect(run({ household: 3, incomeCents: 4000000, state: 'CA' }).fpl).toMatchObject({ year: 2026, guidelineCents: 2732000, fact: 'poverty-guidelines-2026' });
  });
});

describe('state charity care', () => {
  it('Washington: both hospital tiers at the household level', () => {
    const r = run({ household: 3, incomeCents: 9000000, state: 'WA', year: 2026 }); // 329.4% FPL
    expect(r.fpl.fplPercent).toBe(329.4);
    expect(r.stateCharityCare.atYourIncome.map((a) => [a.group, a.benefit])).toEqual([
      ['Tier 1 hospitals (large systems and named large hospitals)', '75% discount'],
      ['Tier 2 hospitals', null],
    ]);
    expect(r.stateCharityCare.atYourIncome[1]?.text).toContain("above the law's highest level (300% FPL)");
  });

  it('Illinois: non-rural and rural hospitals; California above 400%', () => {
    const il = run({ household: 1, incomeCents: 8000000, state: 'IL', year: 2026 }); // 501.3%
    expect(il.stateCharityCare.atYourIncome.map((a) => a.benefit)).toEqual(['discount', null]);
    const ca = run({ household: 1, incomeCents: 8000000, state: 'CA', year: 2026 });
    expect(ca.stateCharityCare.atYourIncome.map((a) => a.benefit)).toEqual([null]);
    expect(ca.stateCharityCare.fact).toBe('charity-care-ca');
  });

  it('a state without a law on file says so and does not claim the state has none', () => {
    const r = run({ household: 2, incomeCents: 3000000, state: 'TX', year: 2026 });
    expect(r.stateCharityCare.fact).toBeNull();
    expect(r.stateCharityCare.text).toContain('medbill has no state charity-care law on file for TX (its table covers CA, CO, IL, MD, NY, OR, WA); that does not mean the state has none.');
  });
});

describe('501(r) at a tax-exempt hospital', () => {
  it('computes the 120-day and 240-day dates from the first statement after discharge', () => {
    const r = run({ household: 2, incomeCents: 3000000, state: 'WA', nonprofit: true, statementDate: '2026-06-20' });
    expect(r.nonprofitHospital).toMatchObject({ nonprofit: true, noEcaBefore: '2026-10-18', applyBy: '2027-02-15', facts: ['fap-501r', 'fap-501r-collections', 'fap-501r-scope'] });
  });

  it('says what to give when the facts are missing, and that 501(r) does not apply to for-profit hospitals', () => {
    expect(run({ household: 2, incomeCents: 3000000, state: 'WA', nonprofit: true }).nonprofitHospital.text.at(-1)).toBe('Give --statement-date (the first statement after discharge) to compute these dates.');
    expect(run({ household: 2, incomeCents: 3000000, state: 'WA', nonprofit: false }).nonprofitHospital.text[0]).toContain('it does not apply to for-profit hospitals');
  });
});

describe('retroactive Medicaid by application date', () => {
  it('2026-12-31 (just before the change): 3 months before the month of application, for every group', () => {
    const m = run({ household: 1, incomeCents: 1000000, state: 'OH', medicaidApplicationDate: '2026-12-31' }).medicaid;
    expect(m).toMatchObject({ rule: 'through-2026', windows: [{ group: 'all', months: 3, coverageFrom: '2026-09-01' }] });
  });

  it('2027-01-01 (just after): 1 month for expansion adults, 2 months for other groups', () => {
    const m = run({ household: 1, incomeCents: 1000000, state: 'OH', medicaidApplicationDate: '2027-01-01' }).medicaid;
    expect(m?.rule).toBe('from-2027');
    expect(m?.windows).toEqual([
      { group: 'expansion-adult', months: 1, coverageFrom: '2026-12-01' },
      { group: 'other', months: 2, coverageFrom: '2026-11-01' },
    ]);
  });

  it('rights.md example: an expansion adult applying 2027-03-10 is covered back to 2027-02-01', () => {
    const m = run({ household: 1, incomeCents: 1000000, state: 'OH', medicaidApplicationDate: '2027-03-10', medicaidGroup: 'expansion-adult' }).medicaid;
    expect(m?.windows).toEqual([{ group: 'expansion-adult', months: 1, coverageFrom: '2027-02-01' }]);
  });

  it('always states the 2027 change beside the 3-month rule', () => {
    const m = run({ household: 1, incomeCents: 1000000, state: 'OH', medicaidApplicationDate: '2026-05-15' }).medicaid;
    expect(m?.text.join(' ')).toContain('From Jan 1, 2027 (application date): 1 month before the month of application for Medicaid expansion adults, 2 months for other groups.');
  });
});

describe('medbill assist (CLI)', () => {
  it('--format json: fplPercent is a number with one decimal', async () => {
    const r = await cli(['assist', '--household', '3', '--income', '40000', '--state', 'CA', '--year', '2026', '--format', 'json']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/"fplPercent": 146\.4,/);
    const out = JSON.parse(r.stdout) as { fpl: { fplPercent: number; guidelineCents: number }; input: { incomeCents: number } };
    expect(out.fpl.fplPercent).toBe(146.4);
    expect(out.fpl.guidelineCents).toBe(2732000);
    expect(out.input.incomeCents).toBe(4000000);
  });

  it('text: the percentage, the state law at that level, the 501(r) dates and the sources', async () => {
    const r = await cli(['assist', '--household', '3', '--income', '$40,000', '--state', 'or', '--nonprofit', '--statement-date', '6/20/2026']);
    expect(r.code).toBe(0);
    const text = r.stdout.replace(/\s+/g, ' ');
    expect(r.stdout).toContain('Federal poverty level (FPL): 146.4%');
    expect(text).toContain('- nonprofit hospitals and their nonprofit clinics: 100% discount (at or below 200% FPL).');
    expect(text).toContain('no extraordinary collection action before 2026-10-18; the application period lasts at least until 2027-02-15.');
    expect(text).toContain('medbill is not legal advice.');
    expect(text).toContain('poverty-guidelines-2026: 91 FR 1797 (Jan 15, 2026), FR Doc. 2026-00755 (re-check 2027-01-31)');
  });

  it.each([
    [['assist', '--household', '0', '--income', '1', '--state', 'CA'], 'medbill: --household: expected a whole number of people from 1 to 99 (got 0)\n'],
    [['assist', '--household', 'three', '--income', '1', '--state', 'CA'], /option '--household <n>' argument 'three' is invalid. expected a whole number/],
    [['assist', '--household', '2', '--income', 'lots', '--state', 'CA'], /option '--income <dollars>' argument 'lots' is invalid. expected an amount in dollars/],
    [['assist', '--household', '2', '--income', '1', '--state', 'PR'], /Puerto Rico and the other territories are not covered/],
    [['assist', '--household', '2', '--income', '1', '--state', 'CA', '--year', '2024'], 'medbill: --year: expected one of 2026, 2025 (the years medbill has HHS poverty guidelines for; got 2024)\n'],
    [['assist', '--household', '2', '--income', '1', '--state', 'CA', '--medicaid-group', 'other'], 'medbill: --medicaid-group needs --medicaid-application DATE\n'],
    [['assist', '--income', '1', '--state', 'CA'], /required option '--household <n>' not specified/],
  ])('bad input exits 2 with a message naming the option: %j', async (args, message) => {
    const r = await cli(args as string[]);
    expect(r.code).toBe(2);
    if (typeof message === 'string') expect(r.stderr).toBe(message);
    else expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
