/**
 * Parsers for the values found in bill cells: money, dates, units, codes, modifiers,
 * revenue codes, diagnoses. Each returns `{ ok: true, value }` or `{ ok: false, expected }`
 * so that callers (CSV and JSON readers) can name the file, row and column of a bad value.
 * No floating-point arithmetic touches money: amounts are parsed from their digits.
 */

/** Result of parsing one cell. `expected` says, in words, what a valid value looks like. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; expected: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const bad = <T>(expected: string): Parsed<T> => ({ ok: false, expected });

const MONEY_EXPECTED = 'an amount such as 1234.56, $1,234.56, (12.00), -12.00 or 500.00CR';

/**
 * The largest amount a line's cell may hold, either way: $1,000,000,000.00 (in cents). No line
 * of a medical bill comes near it, and it keeps every sum of a bill's amounts an exact integer
 * number of cents (below Number.MAX_SAFE_INTEGER for up to 90,000 lines).
 */
export const MAX_AMOUNT_CENTS = 100_000_000_000;

/** The largest stated total (a "TOTAL CHARGES" row, a bill's totals), either way: $1,000,000,000,000.00 in cents, still exact. */
export const MAX_TOTAL_CENTS = 100_000_000_000_000;

/** The most units a line may bill: 100,000 (more is an export error, not a quantity). */
export const MAX_UNITS = 100_000;

/**
 * Parses a money amount into integer cents. Accepts `$1,234.56`, `1234.5`, `(12.00)`,
 * `-12.00`, `12.00-`, `500.00CR`, `USD 12`, and JSON numbers (dollars). Parentheses, a minus
 * sign and a `CR` suffix all mean a credit (negative). More than two decimals are rounded
 * half away from zero. A comma used as a decimal separator (`12,50`) is refused as ambiguous,
 * and so is an amount beyond `maxCents` either way (default {@link MAX_AMOUNT_CENTS}).
 * Returns `undefined` as the value for an empty cell.
 */
export function parseMoney(input: string | number | null | undefined, maxCents: number = MAX_AMOUNT_CENTS): Parsed<number | undefined> {
  if (input === null || input === undefined) return ok(undefined);
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) return bad(MONEY_EXPECTED);
    if (Math.abs(input) * 100 > maxCents) return bad(tooLarge(maxCents));
    return parseMoney(input.toFixed(6), maxCents);
  }
  let s = input.trim();
  if (s === '') return ok(undefined);
  let negative = false;
  if (/^\(.*\)$/.test(s)) {
    negative = true;
    s = s.slice(1, -1).trim();
  }
  if (/cr$/i.test(s)) {
    negative = true;
    s = s.slice(0, -2).trim();
  } else if (/dr$/i.test(s)) {
    s = s.slice(0, -2).trim();
  }
  s = s.replace(/^usd\s*/i, '').replace(/\s*usd$/i, '');
  if (s.endsWith('-')) {
    negative = !negative;
    s = s.slice(0, -1).trim();
  }
  // Sign and currency symbol in either order: -$12, $-12, - $ 12
  const lead = /^([-+]?)\s*\$?\s*([-+]?)\s*/.exec(s);
  if (lead) {
    if (lead[1] === '-' || lead[2] === '-') negative = !negative;
    s = s.slice(lead[0].length);
  }
  s = s.replace(/\s+/g, '');
  const m = /^(\d{1,3}(?:,\d{3})+|\d+)?(?:\.(\d*))?$/.exec(s);
  if (!m || (m[1] === undefined && (m[2] === undefined || m[2] === ''))) return bad(MONEY_EXPECTED);
  const whole = (m[1] ?? '0').replace(/,/g, '');
  const frac = m[2] ?? '';
  let cents = Number(whole) * 100 + Number((frac + '00').slice(0, 2));
  if (frac.length > 2 && Number(frac[2]) >= 5) cents += 1;
  if (!(cents <= maxCents)) return bad(tooLarge(maxCents));
  return ok(negative && cents !== 0 ? -cents : cents);
}

function tooLarge(maxCents: number): string {
  return `an amount of at most ${formatCents(maxCents)} either way (a larger one is not a real amount on a bill)`;
}

/** Formats integer cents as `$1,234.56` (negative as `-$12.00`). */
export function formatCents(cents: number): string {
  const neg = cents < 0;
  const abs = Math.abs(Math.round(cents));
  const dollars = Math.floor(abs / 100)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const rest = (abs % 100).toString().padStart(2, '0');
  return `${neg ? '-' : ''}$${dollars}.${rest}`;
}

const DATE_EXPECTED = 'a date such as 2026-03-07, 03/07/2026 or 3/7/26 (month first)';
const MONTHS: Record<string, number> = {
  jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, sept: 9, oct: 10, nov: 11, dec: 12,
};

function daysInMonth(y: number, m: number): number {
  return [31, y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1] ?? 0;
}

function isoDate(y: number, m: number, d: number): Parsed<string> {
  if (y < 1900 || y > 2199 || m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) {
    return bad(`${DATE_EXPECTED}; this is not a calendar date`);
  }
  return ok(`${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`);
}

function fullYear(y: string): number {
  // Two-digit years follow the POSIX strptime pivot: 69-99 are 1969-1999, 00-68 are 2000-2068.
  if (y.length !== 2) return Number(y);
  const n = Number(y);
  return n >= 69 ? 1900 + n : 2000 + n;
}

/**
 * Parses a date of service into ISO `YYYY-MM-DD`. Accepts `2026-03-07`, `2026/03/07`,
 * `20260307`, US month-first `03/07/2026`, `3/7/26`, `03-07-2026`, `Mar 7, 2026`,
 * `07-Mar-2026`, each optionally followed by a time. Two-digit years 00–68 are 2000–2068 and
 * 69–99 are 1969–1999 (the POSIX pivot). A
 * day-first date (`13/03/2026`) is refused: US bills put the month first. Empty → `undefined`.
 */
export function parseDate(input: string | null | undefined): Parsed<string | undefined> {
  if (input === null || input === undefined) return ok(undefined);
  const s = String(input).trim();
  if (s === '') return ok(undefined);
  const datePart = s.replace(/[T ]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*(am|pm|z|[+-]\d{2}:?\d{2})?$/i, '').trim();
  let m = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$/.exec(datePart);
  if (m) return isoDate(Number(m[1]), Number(m[2]), Number(m[3]));
  m = /^(\d{4})(\d{2})(\d{2})$/.exec(datePart);
  if (m) return isoDate(Number(m[1]), Number(m[2]), Number(m[3]));
  m = /^(\d{1,2})[-/.](\d{1,2})[-/.](\d{2}|\d{4})$/.exec(datePart);
  if (m) {
    const a = Number(m[1]);
    const b = Number(m[2]);
    if (a > 12 && b <= 12) {
      return bad(`${DATE_EXPECTED}; "${s}" looks day-first, which US bills do not use`);
    }
    return isoDate(fullYear(m[3] as string), a, b);
  }
  m = /^([a-z]{3,4})[a-z]*\.?\s+(\d{1,2}),?\s+(\d{4})$/i.exec(datePart);
  if (m && MONTHS[(m[1] as string).toLowerCase()]) {
    return isoDate(Number(m[3]), MONTHS[(m[1] as string).toLowerCase()] as number, Number(m[2]));
  }
  m = /^(\d{1,2})[- ]([a-z]{3,4})[a-z]*[- ](\d{2}|\d{4})$/i.exec(datePart);
  if (m && MONTHS[(m[2] as string).toLowerCase()]) {
    return isoDate(fullYear(m[3] as string), MONTHS[(m[2] as string).toLowerCase()] as number, Number(m[1]));
  }
  return bad(DATE_EXPECTED);
}

/**
 * Parses service units (`1`, `1.00`, `2.5`, JSON numbers). Negative units (reversal lines)
 * are allowed; callers decide what they mean. Empty → `undefined`.
 */
export function parseUnits(input: string | number | null | undefined): Parsed<number | undefined> {
  if (input === null || input === undefined) return ok(undefined);
  if (typeof input === 'number') return Number.isFinite(input) ? unitsWithin(input) : bad('a number of units such as 1 or 2.5');
  const s = input.trim().replace(/,/g, '');
  if (s === '') return ok(undefined);
  if (!/^[-+]?(\d+(\.\d*)?|\.\d+)$/.test(s)) return bad('a number of units such as 1 or 2.5');
  return unitsWithin(Number(s));
}

function unitsWithin(n: number): Parsed<number | undefined> {
  return Math.abs(n) > MAX_UNITS ? bad(`a number of units of at most ${MAX_UNITS.toLocaleString('en-US')} either way`) : ok(n);
}

/**
 * Splits modifier cells into a list of 2-character modifiers, upper-cased: `25`, `76, 59`,
 * `-25`, `25-59`, `59RT` (combined), `["25","59"]`. Several columns are passed as several
 * inputs. Anything that is not a 2-character code is refused.
 */
export function parseModifiers(inputs: Array<string | number | string[] | null | undefined>): Parsed<string[]> {
  const out: string[] = [];
  for (const input of inputs) {
    if (input === null || input === undefined) continue;
    const parts = Array.isArray(input) ? input.map(String) : String(input).split(/[\s,;|/:+-]+/);
    for (const raw of parts) {
      const t = raw.trim().toUpperCase();
      if (t === '') continue;
      if (!/^[0-9A-Z]+$/.test(t) || t.length % 2 !== 0 || t.length > 8) {
        return bad(`modifiers of two letters or digits, such as 25, 59 or "76, 59" (got "${raw.trim()}")`);
      }
      for (let i = 0; i < t.length; i += 2) out.push(t.slice(i, i + 2));
    }
  }
  return ok(out);
}

/** CPT (incl. category II/III, e.g. 0001F, 0042T) or HCPCS level II (e.g. J1170). */
const CODE_RE = /^(\d{4}[0-9A-Z]|[A-V]\d{4})$/;

/** Result of reading a CPT/HCPCS cell: the code, modifiers written after it, or what it was. */
export interface CodeCell {
  code?: string;
  modifiers: string[];
  /** A value that is not a CPT/HCPCS code (a chargemaster number, say), kept for the report. */
  other?: string;
}

/**
 * Reads a CPT/HCPCS cell: trims, upper-cases, splits a modifier written after a dash or
 * space (`99285-25`, `99285 25`). A value that is not shaped like a CPT/HCPCS code is returned
 * as `other`, never guessed at.
 */
export function parseCodeCell(input: string | number | null | undefined): CodeCell {
  if (input === null || input === undefined) return { modifiers: [] };
  const s = String(input).trim().toUpperCase();
  if (s === '') return { modifiers: [] };
  if (CODE_RE.test(s)) return { code: s, modifiers: [] };
  const m = /^(\d{4}[0-9A-Z]|[A-V]\d{4})[\s-]+([0-9A-Z]{2}(?:[\s,-]+[0-9A-Z]{2})*)$/.exec(s);
  if (m) {
    const mods = parseModifiers([m[2] as string]);
    if (mods.ok) return { code: m[1] as string, modifiers: mods.value };
  }
  return { modifiers: [], other: s };
}

/** True when `code` is shaped like a CPT or HCPCS level II code. */
export function isProcedureCode(code: string): boolean {
  return CODE_RE.test(code);
}

/**
 * Reads a NUBC revenue code: 3 or 4 digits, zero-padded to 4 (`450` → `0450`). Empty →
 * `undefined`.
 */
export function parseRevenueCode(input: string | number | null | undefined): Parsed<string | undefined> {
  if (input === null || input === undefined) return ok(undefined);
  const s = String(input).trim();
  if (s === '') return ok(undefined);
  if (!/^\d{3,4}$/.test(s)) return bad('a revenue code of 3 or 4 digits, such as 0450 or 450');
  return ok(s.padStart(4, '0'));
}

const ICD_RE = /^[A-Z]\d[0-9A-Z](?:\.?[0-9A-Z]{1,4})?$/;

/**
 * Reads ICD-10-CM diagnosis codes from a cell (`J18.9`, `j189`, `S61.210A, W20.8XXA`),
 * upper-cased and with the dot after the third character. Empty → `[]`.
 */
export function parseDiagnoses(input: string | string[] | null | undefined): Parsed<string[]> {
  if (input === null || input === undefined) return ok([]);
  const parts = Array.isArray(input) ? input : String(input).split(/[\s,;|]+/);
  const out: string[] = [];
  for (const raw of parts) {
    const t = raw.trim().toUpperCase();
    if (t === '') continue;
    if (!ICD_RE.test(t)) return bad(`ICD-10-CM diagnosis codes such as J18.9 or S61.210A (got "${raw.trim()}")`);
    const bare = t.replace('.', '');
    out.push(bare.length > 3 ? `${bare.slice(0, 3)}.${bare.slice(3)}` : bare);
  }
  return ok(out);
}

/** Reads a yes/no cell (`true`, `yes`, `y`, `1`, `false`, `no`, `n`, `0`). */
export function parseBoolean(input: string | number | boolean | null | undefined): Parsed<boolean | undefined> {
  if (input === null || input === undefined) return ok(undefined);
  if (typeof input === 'boolean') return ok(input);
  const s = String(input).trim().toLowerCase();
  if (s === '') return ok(undefined);
  if (['true', 'yes', 'y', '1'].includes(s)) return ok(true);
  if (['false', 'no', 'n', '0'].includes(s)) return ok(false);
  return bad('yes or no');
}

/** Whole days from ISO date `a` to ISO date `b` (b − a); both `YYYY-MM-DD`. */
export function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000);
}

/** The ISO date `days` after ISO date `d` (negative for before). */
export function addDays(d: string, days: number): string {
  return new Date(Date.parse(`${d}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}
