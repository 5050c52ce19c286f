/**
 * The letter model: what `compose` (src/letters/compose.ts) builds from a report and a profile,
 * and what the renderers (text, Markdown, PDF) print. Plain data, no I/O. Every sentence is a
 * run that says where its words come from: a fact of the facts file (a legal or financial
 * statement, rules/tables/facts.yaml), a finding of the report, or medbill's own wording,
 * which only asks for things and never states the law; the tests hold compose to that.
 * Money is integer cents, dates ISO `YYYY-MM-DD` (the renderers print them long-form).
 */

/** The seven letter kinds, in the order a patient usually sends them. */
export const LETTER_KINDS = ['itemized-bill', 'dispute', 'financial-assistance', 'billing-hold', 'settlement', 'gfe-dispute', 'debt-validation'] as const;

/** One of {@link LETTER_KINDS}. */
export type LetterKind = (typeof LETTER_KINDS)[number];

/** What each kind asks for (`medbill letter --help`, the interactive review). */
export const LETTER_KIND_DOCS: Record<LetterKind, string> = {
  'itemized-bill': 'ask for the itemized statement and your billing records (HIPAA right of access; Medicare and state rules where they apply)',
  dispute: 'dispute the charges the audit found: a table of every disputed line, its source and amount; asks for a corrected bill and a billing hold',
  'financial-assistance': 'ask for the financial assistance policy (FAP), its plain-language summary and the application (501(r) and the 240-day application period at a tax-exempt hospital)',
  'billing-hold': 'ask the billing office to hold the account (no collections, no credit reporting) while the bill is reviewed',
  settlement: 'offer a lump sum for a stated amount, with the benchmark it rests on (give one: --cash-price, --medicare-amount, --agb-percent or --gfe)',
  'gfe-dispute': 'tell the provider you are disputing a bill at least $400 over the Good Faith Estimate (No Surprises Act), with the deadline',
  'debt-validation': 'ask a debt collector to validate the debt, within the validation period',
};

/** A person or office: a name and address lines (street, city/state/ZIP), optionally a phone and e-mail. */
export interface Party {
  name: string;
  address: string[];
  phone?: string;
  email?: string;
}

/**
 * Where a run's words come from: `fact` (a sentence or source of the facts file: `id`, and the
 * letter template `template` it was filled from, or `field` 'text' | 'source' | 'title'),
 * `finding` (a finding's message, title or reference: its key), `bill` (values read from the
 * bill or the profile: names, codes, amounts, dates), or `medbill` (medbill's own wording:
 * requests and connecting words, never a statement of law).
 */
export type Origin =
  | { kind: 'fact'; id: string; template?: string; field?: 'text' | 'source' | 'title' }
  | { kind: 'finding'; key: string; field: 'message' | 'title' | 'reference' }
  | { kind: 'bill' }
  | { kind: 'medbill' };

/** A piece of text and where it comes from. */
export interface Run {
  text: string;
  origin: Origin;
}

/** A cell of the disputed-lines table. */
export interface Cell {
  runs: Run[];
  align?: 'left' | 'right';
}

/** A column of a table: its heading and its share of the table width (relative weights). */
export interface Column {
  heading: string;
  weight: number;
  align?: 'left' | 'right';
}

/** A block of a letter's body. */
export type Block =
  | { type: 'paragraph'; runs: Run[] }
  | { type: 'list'; items: Run[][] }
  | { type: 'table'; columns: Column[]; rows: Cell[][]; total?: { label: string; amountCents: number } }
  | { type: 'heading'; text: string };

/** A numbered source listed at the end of a letter (a rule reference or a fact's source). */
export interface SourceNote {
  /** The number printed in the table's Source column, `[n]`. */
  n: number;
  text: string;
  origin: Origin;
}

/** A deadline a letter states, computed from the bill's dates and a fact's number of days. */
export interface Deadline {
  label: string;
  date: string;
  fact: string;
}

/**
 * A composed letter. `date` is the letter's date (ISO); `subject` the Re: line; `reference`
 * label/value pairs printed under it (account, patient, dates of service); `body` the blocks;
 * `sources` the numbered sources; `deadlines` the dates it states; `facts` the ids of the facts
 * it cites; `notes` advice for the sender printed by the CLI, not in the letter.
 */
export interface Letter {
  kind: LetterKind;
  title: string;
  date: string;
  sender: Party;
  recipient: Party;
  subject: string;
  reference: Array<{ label: string; value: string }>;
  salutation: string;
  body: Block[];
  closing: string;
  signature: string;
  sources: SourceNote[];
  deadlines: Deadline[];
  facts: string[];
  notes: string[];
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** An ISO date written long-form, `2026-03-05` → `March 5, 2026`. Throws RangeError for a string that is not `YYYY-MM-DD`. */
export function longDate(iso: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  const month = m ? MONTHS[Number(m[2]) - 1] : undefined;
  if (!m || !month) throw new RangeError(`not an ISO date: "${iso}"`);
  return `${month} ${Number(m[3])}, ${m[1]}`;
}

/** An ISO date written short for a table, `2026-03-05` → `Mar 5, 2026`. Throws RangeError like {@link longDate}. */
export function shortDate(iso: string): string {
  const long = longDate(iso);
  const [month, rest] = [long.slice(0, long.indexOf(' ')), long.slice(long.indexOf(' '))];
  return `${month.slice(0, 3)}${rest}`;
}

/** The plain text of runs: each run is a sentence or phrase, joined by one space. */
export function runsText(runs: Run[]): string {
  return runs.map((r) => r.text).join(' ');
}
