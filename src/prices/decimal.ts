/**
 * Exact decimal arithmetic for fee-schedule figures: RVUs (2 decimals), GPCIs (3), the PFS
 * conversion factor (4, e.g. 33.4009), ASP payment limits per billing unit (3, e.g. 0.095)
 * and hospital price-file amounts. Values are parsed from their digits into a BigInt and a
 * scale (value = units / 10^scale), multiplied and added exactly, and rounded to integer cents
 * only at the end (half away from zero, as CMS rounds payment amounts to the cent). No
 * floating-point arithmetic touches money.
 */

/** An exact decimal: `units / 10^scale`. */
export interface Dec {
  readonly units: bigint;
  readonly scale: number;
}

const TEN = 10n;
const pow10 = (n: number): bigint => TEN ** BigInt(n);

/** Zero. */
export const ZERO: Dec = { units: 0n, scale: 0 };

/**
 * Parses a plain decimal number such as `33.4009`, `1200`, `0.75`, `.5` or `1,200.00` (a `$`
 * and thousands separators are tolerated, as CMS files print `$3,307.24`). Undefined for
 * anything else (`N/A`, `12,50`, `1e3`, an empty string).
 */
export function parseDecimal(input: string): Dec | undefined {
  let s = input.trim().replace(/^\$\s*/, '');
  let negative = false;
  if (s.startsWith('-')) {
    negative = true;
    s = s.slice(1).replace(/^\$\s*/, '');
  }
  if (/,/.test(s)) {
    if (!/^\d{1,3}(,\d{3})+(\.\d*)?$/.test(s)) return undefined;
    s = s.replace(/,/g, '');
  }
  const m = /^(\d*)(?:\.(\d*))?$/.exec(s);
  if (!m || (m[1] === '' && (m[2] ?? '') === '')) return undefined;
  const frac = m[2] ?? '';
  const units = BigInt(`${m[1] || '0'}${frac}` || '0');
  return { units: negative ? -units : units, scale: frac.length };
}

/** The decimal of an integer number of cents. */
export function fromCents(cents: number): Dec {
  return { units: BigInt(cents), scale: 2 };
}

/** The decimal of a count such as a line's units (`2`, `2.5`), from its shortest decimal form. Throws on a non-finite number. */
export function fromNumber(n: number): Dec {
  if (Number.isSafeInteger(n)) return { units: BigInt(n), scale: 0 };
  if (!Number.isFinite(n)) throw new Error(`not a finite number: ${n}`);
  const d = parseDecimal(n.toFixed(Math.min(20, Math.max(0, decimalsOf(n)))));
  if (!d) throw new Error(`cannot read ${n} as a decimal`);
  return d;
}

function decimalsOf(n: number): number {
  const s = String(n);
  if (s.includes('e')) return 10;
  const dot = s.indexOf('.');
  return dot < 0 ? 0 : s.length - dot - 1;
}

function align(a: Dec, b: Dec): [bigint, bigint, number] {
  if (a.scale === b.scale) return [a.units, b.units, a.scale];
  if (a.scale > b.scale) return [a.units, b.units * pow10(a.scale - b.scale), a.scale];
  return [a.units * pow10(b.scale - a.scale), b.units, b.scale];
}

/** a + b, exactly. */
export function add(a: Dec, b: Dec): Dec {
  const [x, y, scale] = align(a, b);
  return { units: x + y, scale };
}

/** a × b, exactly. */
export function mul(a: Dec, b: Dec): Dec {
  return { units: a.units * b.units, scale: a.scale + b.scale };
}

/** -1, 0 or 1 as a is below, equal to or above b. */
export function compare(a: Dec, b: Dec): number {
  const [x, y] = align(a, b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** True when the value is above zero. */
export function isPositive(a: Dec): boolean {
  return a.units > 0n;
}

/** The value rounded to integer cents, half away from zero (a number: amounts stay far below 2^53 cents). */
export function toCents(a: Dec): number {
  if (a.scale <= 2) return Number(a.units * pow10(2 - a.scale));
  const div = pow10(a.scale - 2);
  const neg = a.units < 0n;
  const abs = neg ? -a.units : a.units;
  let q = abs / div;
  if ((abs % div) * 2n >= div) q += 1n;
  return Number(neg ? -q : q);
}

/**
 * The ratio a / b rounded to one decimal (half away from zero), as a display string such
 * as `13.5`; undefined when b is not positive. Only for messages: amounts are never divided.
 */
export function ratio(a: Dec, b: Dec): string | undefined {
  if (b.units <= 0n) return undefined;
  const [x, y] = align(a, b);
  const tenths = (x * 100n) / y; // hundredths, truncated
  const rounded = (tenths + (tenths >= 0n ? 5n : -5n)) / 10n;
  const neg = rounded < 0n;
  const abs = neg ? -rounded : rounded;
  return `${neg ? '-' : ''}${abs / 10n}.${abs % 10n}`;
}

/** The decimal as plain text with its own scale kept (`0.095`, `608.43`, `1200`). */
export function formatDecimal(a: Dec): string {
  const neg = a.units < 0n;
  const digits = (neg ? -a.units : a.units).toString().padStart(a.scale + 1, '0');
  const int = a.scale === 0 ? digits : digits.slice(0, -a.scale);
  const frac = a.scale === 0 ? '' : `.${digits.slice(-a.scale)}`;
  return `${neg ? '-' : ''}${int}${frac}`;
}

/**
 * The decimal as canonical text: trailing zeros after the point dropped, but at least two
 * decimals when it has any (`1200`, `0.75`, `0.095`, `33.4009`). Used to store amounts.
 */
export function canonical(a: Dec): string {
  let s = formatDecimal(a);
  if (s.includes('.')) {
    s = s.replace(/0+$/, '');
    const decimals = s.length - s.indexOf('.') - 1;
    if (decimals < 2) s = s.padEnd(s.indexOf('.') + 3, '0');
  }
  return s;
}

/** Dollars for display: `$1,234.56`, or with the unit amount's own decimals when it has more than two (`$0.095`). */
export function formatDollars(a: Dec): string {
  const text = a.scale > 2 ? canonical(a) : formatDecimal(toCents(a) === 0 && a.units === 0n ? ZERO : { units: BigInt(toCents(a)), scale: 2 });
  const neg = text.startsWith('-');
  const body = neg ? text.slice(1) : text;
  const [int = '0', frac] = body.split('.');
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${neg ? '-' : ''}$${grouped}${frac !== undefined ? `.${frac.length < 2 ? frac.padEnd(2, '0') : frac}` : '.00'}`;
}
