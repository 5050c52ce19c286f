/**
 * Calendar arithmetic on ISO dates (`YYYY-MM-DD`), done in UTC so that no time zone or
 * daylight-saving change moves a deadline. Pure: nothing here reads the clock; the CLI reads
 * "today" at its edge ({@link todayIso}) and passes it in.
 */

const ISO = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True when `s` is a real calendar date written `YYYY-MM-DD`. */
export function isIsoDate(s: string): boolean {
  const m = ISO.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}

function parts(iso: string): [number, number, number] {
  const m = ISO.exec(iso);
  if (!m || !isIsoDate(iso)) throw new RangeError(`not an ISO date: "${iso}"`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

function format(d: Date): string {
  return `${String(d.getUTCFullYear()).padStart(4, '0')}-${String(d.getUTCMonth() + 1).padStart(2, '0')}-${String(d.getUTCDate()).padStart(2, '0')}`;
}

/**
 * The date `days` calendar days after `iso` (negative: before). Throws RangeError for a
 * string that is not an ISO calendar date. Example: addDays('2026-06-20', 120) → '2026-10-18'.
 */
export function addDays(iso: string, days: number): string {
  const [y, m, d] = parts(iso);
  return format(new Date(Date.UTC(y, m - 1, d + days)));
}

/**
 * The first day of the month `months` months before the month of `iso` (0: that month's
 * first day). Used for retroactive Medicaid, which counts whole months before the month of
 * application (42 U.S.C. 1396a(a)(34)). Example: firstOfMonthBefore('2027-03-10', 1) → '2027-02-01'.
 * Throws RangeError for a string that is not an ISO calendar date.
 */
export function firstOfMonthBefore(iso: string, months: number): string {
  const [y, m] = parts(iso);
  return format(new Date(Date.UTC(y, m - 1 - months, 1)));
}

/** Today's date on the machine's clock, as ISO `YYYY-MM-DD` in local time. Only the CLI edge calls this. */
export function todayIso(now: Date = new Date()): string {
  return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}-${String(now.getDate()).padStart(2, '0')}`;
}
