import { describe, expect, it } from 'vitest';
import { formatCents, MAX_TOTAL_CENTS, parseCodeCell, parseDate, parseDiagnoses, parseModifiers, parseMoney, parseRevenueCode, parseUnits } from '../src/bill/values.js';

const cents = (s: string | number) => {
  const r = parseMoney(s);
  if (!r.ok) throw new Error(r.expected);
  return r.value;
};

describe('parseMoney', () => {
  it.each([
    ['$1,234.56', 123456],
    ['1234.5', 123450],
    ['(12.00)', -1200],
    ['-12.00', -1200],
    ['500.00CR', -50000],
    ['500.00 cr', -50000],
    ['12.00-', -1200],
    ['-$12.00', -1200],
    ['$-12', -1200],
    ['USD 7', 700],
    ['.5', 50],
    ['0', 0],
    ['12.345', 1235],
    ['12.344', 1234],
    ['$16,726.00', 1672600],
  ])('%s → %i cents', (input, want) => {
    expect(cents(input)).toBe(want);
  });

  it('reads JSON numbers as dollars without float drift', () => {
    expect(cents(1234.56)).toBe(123456);
    expect(cents(0.1 + 0.2)).toBe(30);
    expect(cents(8200)).toBe(820000);
  });

  it('treats an empty cell as no amount', () => {
    expect(parseMoney('  ')).toEqual({ ok: true, value: undefined });
  });

  it.each(['12,50', '1.234,56', 'abc', '$', '12.3.4', '1,23'])('refuses %s', (input) => {
    const r = parseMoney(input);
    expect(r.ok).toBe(false);
  });

  it('formats cents as dollars', () => {
    expect(formatCents(123456)).toBe('$1,234.56');
    expect(formatCents(-50000)).toBe('-$500.00');
    expect(formatCents(5)).toBe('$0.05');
  });
});

describe('parseDate', () => {
  it.each([
    ['2026-03-07', '2026-03-07'],
    ['03/07/2026', '2026-03-07'],
    ['3/7/26', '2026-03-07'],
    ['4/14/26', '2026-04-14'],
    ['2026/03/07', '2026-03-07'],
    ['20260307', '2026-03-07'],
    ['03-07-2026', '2026-03-07'],
    ['Mar 7, 2026', '2026-03-07'],
    ['07-Mar-2026', '2026-03-07'],
    ['03/07/2026 14:05', '2026-03-07'],
    ['2026-03-07T14:05:00Z', '2026-03-07'],
    ['2/29/2028', '2028-02-29'],
    ['12/31/99', '1999-12-31'],
    ['1/2/68', '2068-01-02'],
  ])('%s → %s', (input, want) => {
    expect(parseDate(input)).toEqual({ ok: true, value: want });
  });

  it('refuses day-first and impossible dates, saying why', () => {
    const dayFirst = parseDate('13/03/2026');
    expect(dayFirst.ok).toBe(false);
    if (!dayFirst.ok) expect(dayFirst.expected).toContain('day-first');
    expect(parseDate('02/30/2026').ok).toBe(false);
    expect(parseDate('2/29/2026').ok).toBe(false);
    expect(parseDate('yesterday').ok).toBe(false);
  });
});

describe('parseUnits', () => {
  it('reads whole and decimal units', () => {
    expect(parseUnits('1')).toEqual({ ok: true, value: 1 });
    expect(parseUnits('1.00')).toEqual({ ok: true, value: 1 });
    expect(parseUnits('2.5')).toEqual({ ok: true, value: 2.5 });
    expect(parseUnits('')).toEqual({ ok: true, value: undefined });
    expect(parseUnits('two').ok).toBe(false);
  });

  it('refuses more than 100,000 units, saying so', () => {
    expect(parseUnits('100000')).toEqual({ ok: true, value: 100000 });
    expect(parseUnits('99999999999999999999')).toEqual({ ok: false, expected: 'a number of units of at most 100,000 either way' });
    expect(parseUnits(-100001).ok).toBe(false);
  });
});

describe('amount limit', () => {
  it('accepts up to $1,000,000,000.00 and refuses more as too large, so that every sum of a bill stays exact in cents', () => {
    expect(parseMoney('$1,000,000,000.00')).toEqual({ ok: true, value: 100_000_000_000 });
    expect(parseMoney('(1000000000.00)')).toEqual({ ok: true, value: -100_000_000_000 });
    const tooLarge = { ok: false, expected: 'an amount of at most $1,000,000,000.00 either way (a larger one is not a real amount on a bill)' };
    expect(parseMoney('$80,000,000,000,000.01')).toEqual(tooLarge);
    expect(parseMoney('-1000000000.01')).toEqual(tooLarge);
    expect(parseMoney('90071992547409.93')).toEqual(tooLarge);
    expect(parseMoney(1e300)).toEqual(tooLarge);
    expect(parseMoney(1000000000.01)).toEqual(tooLarge);
    // A stated total may be larger (the sum of many lines), up to $1,000,000,000,000.00.
    expect(parseMoney('$2,999,999,999.98', MAX_TOTAL_CENTS)).toEqual({ ok: true, value: 299_999_999_998 });
  });
});

describe('parseModifiers', () => {
  it.each([
    [['25'], ['25']],
    [['76, 59'], ['76', '59']],
    [['-25'], ['25']],
    [['25-59'], ['25', '59']],
    [['59RT'], ['59', 'RT']],
    [['lt'], ['LT']],
    [['25', '', 'XU'], ['25', 'XU']],
    [[['91']], ['91']],
  ])('%j → %j', (input, want) => {
    expect(parseModifiers(input as Array<string | string[]>)).toEqual({ ok: true, value: want });
  });

  it('refuses what is not a two-character modifier', () => {
    expect(parseModifiers(['5']).ok).toBe(false);
    expect(parseModifiers(['ABC']).ok).toBe(false);
  });
});

describe('codes', () => {
  it('upper-cases, trims and splits a modifier written after the code', () => {
    expect(parseCodeCell(' j2405 ')).toEqual({ code: 'J2405', modifiers: [] });
    expect(parseCodeCell('99285-25')).toEqual({ code: '99285', modifiers: ['25'] });
    expect(parseCodeCell('0042T')).toEqual({ code: '0042T', modifiers: [] });
  });

  it('keeps a value that is not a CPT/HCPCS code as other, never guessing', () => {
    expect(parseCodeCell('30012345')).toEqual({ modifiers: [], other: '30012345' });
  });

  it('zero-pads revenue codes to four digits', () => {
    expect(parseRevenueCode('450')).toEqual({ ok: true, value: '0450' });
    expect(parseRevenueCode('0120')).toEqual({ ok: true, value: '0120' });
    expect(parseRevenueCode('45').ok).toBe(false);
  });

  it('normalises ICD-10-CM diagnoses', () => {
    expect(parseDiagnoses('j189, S61.210A')).toEqual({ ok: true, value: ['J18.9', 'S61.210A'] });
    expect(parseDiagnoses('R05')).toEqual({ ok: true, value: ['R05'] });
    expect(parseDiagnoses('123').ok).toBe(false);
  });
});
