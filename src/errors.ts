/**
 * Typed errors with stable string codes. Every error the user can cause carries a location
 * (file, row, column, field) so that it can be printed as one line without a stack trace.
 */

/** Stable error codes printed in reports (`errors[].code`) and mapped to exit code 2. */
export type ErrorCode = 'BILL_INVALID' | 'RULES_INVALID' | 'DATA_INVALID' | 'USAGE' | 'IO' | 'INTERNAL';

/**
 * Where a problem sits in the user's input. `row` is the 1-based physical line of a CSV file
 * (header included), `line` the bill's own line number, `column` the CSV header as written,
 * `pointer` a JSON pointer into a JSON bill, `field` the bill field it was read as.
 */
export interface Location {
  file?: string;
  row?: number;
  line?: number;
  column?: string;
  pointer?: string;
  field?: string;
  key?: string;
}

/** A problem as it appears in a report's `errors[]` or a bill's warnings. */
export interface Problem {
  code: ErrorCode;
  message: string;
  location?: Location;
}

/** Base class for every expected error: `code` picks the report code, `location` where it is. */
export class MedbillError extends Error {
  readonly code: ErrorCode;
  readonly location: Location | undefined;
  /** Further problems of the same kind (a bill with several bad cells reports them all). */
  readonly problems: Problem[];

  constructor(code: ErrorCode, message: string, location?: Location, problems: Problem[] = []) {
    super(message);
    this.name = 'MedbillError';
    this.code = code;
    this.location = location;
    this.problems = problems.length > 0 ? problems : [{ code, message, ...(location ? { location } : {}) }];
  }
}

/** A bill that cannot be read: bad cell, missing column, unreadable JSON. */
export class BillError extends MedbillError {
  constructor(message: string, location?: Location, problems: Problem[] = []) {
    super('BILL_INVALID', message, location, problems);
    this.name = 'BillError';
  }
}

/** A rule file or table that does not validate. */
export class RulesError extends MedbillError {
  constructor(message: string, location?: Location, problems: Problem[] = []) {
    super('RULES_INVALID', message, location, problems);
    this.name = 'RulesError';
  }
}

/** A reference-data file (CMS NCCI PTP, MUE, add-on code edits) that cannot be imported, or a damaged data store. */
export class DataError extends MedbillError {
  constructor(message: string, location?: Location, problems: Problem[] = []) {
    super('DATA_INVALID', message, location, problems);
    this.name = 'DataError';
  }
}

/** A command line that cannot be carried out as written. */
export class UsageError extends MedbillError {
  constructor(message: string) {
    super('USAGE', message);
    this.name = 'UsageError';
  }
}

/** A file that cannot be read or written. */
export class IoError extends MedbillError {
  constructor(message: string, location?: Location) {
    super('IO', message, location);
    this.name = 'IoError';
  }
}

/**
 * Formats a location as `file:row` followed by the column or pointer, e.g.
 * `bill.csv:14 column "Charges"` or `bill.json /lines/2/charge`.
 */
export function formatLocation(loc: Location | undefined): string {
  if (!loc) return '';
  let out = loc.file ?? '';
  if (loc.row !== undefined) out += `${out ? ':' : 'row '}${loc.row}`;
  const extra: string[] = [];
  if (loc.line !== undefined) extra.push(`(bill line ${loc.line})`);
  if (loc.column !== undefined) extra.push(`column "${loc.column}"`);
  if (loc.pointer !== undefined) extra.push(loc.pointer === '' ? '/' : loc.pointer);
  if (loc.key !== undefined) extra.push(`key "${loc.key}"`);
  return [out, ...extra].filter(Boolean).join(' ');
}

/** One printable line for a problem: `file:row column "X": message`. Control characters (raw bytes of a binary file) are shown as U+FFFD. */
export function formatProblem(p: Problem): string {
  const where = formatLocation(p.location);
  // eslint-disable-next-line no-control-regex
  const text = (where ? `${where}: ${p.message}` : p.message).replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '\ufffd');
  // A cap against pages of text from a binary file, well above the longest message medbill writes.
  return text.length > 1000 ? `${text.slice(0, 1000)}…` : text;
}

/** Turns anything thrown into a report problem; unknown exceptions become `INTERNAL`. */
export function toProblems(err: unknown): Problem[] {
  if (err instanceof MedbillError) return err.problems;
  const message = err instanceof Error ? err.message : String(err);
  return [{ code: 'INTERNAL', message: `internal error: ${message}` }];
}
