/**
 * The contract between the engine and a check kind. A check kind is reviewed code that a
 * rule file selects by name and configures with options; it sees the bill's lines and
 * returns finding drafts, the lines it checked and the lines it could not check (gaps).
 * Check kinds are pure: no I/O, no clock.
 */
import type { z } from 'zod';
import type { Bill, BillFacts, BillLine } from '../bill/schema.js';
import { RulesError } from '../errors.js';
import type { FactBook } from '../facts.js';
import type { RuleRef } from '../rules/predicates.js';
import type { Confidence, Severity } from '../rules/schema.js';
import type { TableRegistry } from '../rules/tables.js';
import type { LinePrice } from '../report.js';

/** What a check kind's `run` receives. */
export interface CheckInput<O> {
  bill: Bill;
  /** Bill facts after options and inference. */
  facts: BillFacts;
  /** Active charge lines (not payments, not reversed) that pass the rule's `where`. */
  lines: BillLine[];
  /** All active charge lines of the bill (to look for companions, panels, primaries). */
  charges: BillLine[];
  /** True for a line the rule's `unless` exempts: it is never flagged. */
  exempt: (line: BillLine) => boolean;
  /** The rule's options after the kind's `prepare`. */
  options: O;
  /**
   * Reference data fetched for this bill before the audit (imported CMS tables, price
   * files), keyed by data kind. Empty when none was given. The engine stays pure: whatever
   * needs I/O to build this happens at the edge, before `audit`.
   */
  reference: ReferenceData;
}

/** Reference data passed into an audit, by kind (e.g. `ncci-ptp-practitioner`); each kind defines its own shape. */
export type ReferenceData = Readonly<Record<string, unknown>>;

/**
 * A finding before the engine dresses it with the rule's metadata. `lines` begins with the
 * disputed line (where the amount at stake lies), followed by the lines it relates to; an
 * empty list is a bill-level finding. `values` fill the rule's message placeholders.
 */
export interface FindingDraft {
  lines: number[];
  amountAtStakeCents: number;
  values?: Record<string, string | number>;
  evidence?: Record<string, unknown>;
  /** A lower severity than the rule's (e.g. a bypass modifier turns an error into info). */
  severity?: Severity;
  confidence?: Confidence;
  /** A sentence appended to the message (a caveat, an exception that may apply). */
  note?: string;
}

/** Lines a check could not check, and why (a missing field or fact, a code in no table). `lines: []` is bill-level. */
export interface Gap {
  lines: number[];
  reason: string;
}

/**
 * Reference data a check used, as the report's `coverage.data` lists it: the data kind
 * (`ncci-ptp-practitioner`, `mue-hospital`, `aoc`, …), a name, where it came from, its row
 * count and quarter, whether it was imported by the user or is the shipped curated table.
 * `file` is the curated table file this entry stands for (used, or replaced by an import);
 * the engine lists it under this entry instead of as a plain pack table.
 */
export interface DataUse {
  kind: string;
  name: string;
  source: string;
  rows?: number;
  period?: string;
  origin?: 'imported' | 'curated' | 'file';
  importedAt?: string;
  file?: string;
}

/** What a check kind's `run` returns. */
export interface CheckOutput {
  findings: FindingDraft[];
  /** Line numbers the check examined (flagged or not). */
  checked: number[];
  gaps: Gap[];
  /** Set when the rule does not apply to this bill (e.g. NCCI edits on an inpatient facility claim): why. */
  notApplied?: string;
  /** Reference data the check used for this bill. */
  data?: DataUse[];
  /** Curated table files the kind accounts for, used or not (so they are not listed as plain pack tables). */
  tableFiles?: string[];
  /** Price benchmarks of the lines checked (the `price-outlier` kind): the report's `prices` section. */
  prices?: LinePrice[];
}

/** What `prepare` gets: the pack's tables, the facts book and where the rule's options sit, for errors. */
export interface PrepareContext {
  tables: TableRegistry;
  /** The facts medbill may state (rules/tables/facts.yaml): thresholds and deadlines come from here. */
  facts: FactBook;
  ref: RuleRef;
}

/** A check kind: its name, what it does, its message placeholders, option preparation and the check. */
export interface CheckKind<O = unknown> {
  name: string;
  summary: string;
  /** Placeholders its findings fill, besides the common ones (see `COMMON_PLACEHOLDERS`). */
  placeholders: readonly string[];
  /** The schema of its `options` (documentation: `medbill rules kinds`; `prepare` validates with it). */
  options: z.ZodType;
  /**
   * `bill` for a kind whose findings are about the bill as a whole (its findings have no
   * lines): when a bill fact it needs is unknown, the gap is reported for the bill, not for
   * every line. Default `line`.
   */
  scope?: 'line' | 'bill';
  /** Validates and resolves the rule's options (sets, tables). Throws {@link RulesError}. */
  prepare(options: unknown, ctx: PrepareContext): O;
  run(input: CheckInput<O>): CheckOutput;
}

/** Placeholders every finding can use; they describe its first (disputed) line. */
export const COMMON_PLACEHOLDERS = ['line', 'date', 'code', 'revenueCode', 'item', 'description', 'charge', 'units', 'amount'] as const;

/** Validates options with a zod schema; errors name the rule file and `options.<path>`. Throws {@link RulesError}. */
export function parseOptions<S extends z.ZodType>(schema: S, options: unknown, ref: RuleRef): z.output<S> {
  // Options of an unchanged default-pack rule were validated (and defaulted) at build time.
  if (ref.validated !== undefined) return ref.validated as z.output<S>;
  // Other options are parsed once per rule at load time: compiling zod's eval-based fast path for
  // each kind's schema would cost start-up time and never pay back (ParseContext `jitless`).
  const r = schema.safeParse(options ?? {}, { jitless: true });
  if (!r.success) {
    const issue = r.error.issues[0];
    const key = ['options', ...(issue?.path ?? []).map(String)].join('.');
    throw new RulesError(`${key}: ${issue?.message ?? 'invalid'}`, { file: ref.file, key });
  }
  return r.data;
}

/** Units of a line for counting: the billed units, or 1 when the bill gives none. */
export function unitsOf(l: BillLine): number {
  return l.units !== undefined && l.units > 0 ? l.units : 1;
}

/** The part of a line's charge that `excessUnits` of its units account for, in cents (rounded). */
export function excessAmount(l: BillLine, excessUnits: number): number {
  const u = unitsOf(l);
  if (excessUnits >= u) return l.chargeCents;
  return Math.round((l.chargeCents * excessUnits) / u);
}

/** The provider a line belongs to (its rendering NPI, else the bill's single provider). */
export function providerOf(l: BillLine): string {
  return l.renderingNpi ?? '';
}

/** Groups lines by a key, keeping first-appearance order. */
export function groupBy<T>(items: T[], key: (t: T) => string | undefined): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const it of items) {
    const k = key(it);
    if (k === undefined) continue;
    const list = m.get(k);
    if (list) list.push(it);
    else m.set(k, [it]);
  }
  return m;
}

/** The lines of `lines` that have no date of service, as a gap (or nothing when all have one). */
export function undatedGap(lines: BillLine[]): Gap[] {
  const missing = lines.filter((l) => !l.dateOfService).map((l) => l.line);
  return missing.length > 0 ? [{ lines: missing, reason: 'no date of service' }] : [];
}
