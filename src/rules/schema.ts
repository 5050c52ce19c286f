/**
 * The rule-file schema (zod): the source of the rule type, of rule validation at load time
 * and of the JSON Schema printed by `medbill schema rule`. A rule file picks one built-in
 * check kind and gives it options; its predicates use a closed vocabulary over named
 * bill-line fields. Nothing in a rule file is executed.
 */
import { z } from 'zod';
import { BILL_TYPES, ENCOUNTER_TYPES, INSURANCE_STATUSES, NETWORK_STATUSES } from '../bill/schema.js';

/** Finding severities, highest first. */
export const SEVERITIES = ['error', 'warning', 'info'] as const;
/** How sure a rule is: `high` (line data alone decides), `medium` (a table or assumption), `low` (heuristic). */
export const CONFIDENCES = ['high', 'medium', 'low'] as const;
/** Finding categories (issue #2). */
export const CATEGORIES = [
  'duplicate',
  'unbundling',
  'add-on',
  'upcoding',
  'units',
  'date',
  'routine-supply',
  'arithmetic',
  'price',
  'surprise-billing',
  'other',
] as const;

/** `error` | `warning` | `info`. */
export type Severity = (typeof SEVERITIES)[number];
/** `high` | `medium` | `low`. */
export type Confidence = (typeof CONFIDENCES)[number];
/** One of {@link CATEGORIES}. */
export type Category = (typeof CATEGORIES)[number];

/** Rank of a severity: error 3, warning 2, info 1. */
export function severityRank(s: Severity): number {
  return s === 'error' ? 3 : s === 'warning' ? 2 : 1;
}

/** Bill-line fields a predicate may test. */
export const PREDICATE_FIELDS = [
  'line',
  'type',
  'dateOfService',
  'revenueCode',
  'code',
  'modifiers',
  'units',
  'unitPriceCents',
  'chargeCents',
  'description',
  'ndc',
  'diagnoses',
  'placeOfService',
  'renderingNpi',
  'minutes',
] as const;

/** One of {@link PREDICATE_FIELDS}. */
export type PredicateField = (typeof PREDICATE_FIELDS)[number];

/** A code value in a rule file: strings stay strings; numbers (`59`) become strings. */
export const CodeString = z.union([z.string(), z.number()]).transform(String);

/** A list of values written inline or as a named code set from the rule pack's tables: `{ set: name }`. */
export const ValueList = z.union([z.array(CodeString), z.object({ set: z.string() }).strict()]);

/** A list of values (see {@link ValueList}). */
export type ValueListInput = z.input<typeof ValueList>;

const FieldTest = z
  .object({
    field: z.enum(PREDICATE_FIELDS),
    eq: z.union([z.string(), z.number()]).optional(),
    in: ValueList.optional(),
    startsWith: z.union([CodeString, z.array(CodeString)]).optional(),
    hasAny: ValueList.optional(),
    gt: z.number().optional(),
    gte: z.number().optional(),
    lt: z.number().optional(),
    lte: z.number().optional(),
    between: z.tuple([CodeString, CodeString]).optional(),
    present: z.boolean().optional(),
    containsWord: z.union([z.string(), z.array(z.string())]).optional(),
  })
  .strict()
  .refine((t) => Object.keys(t).filter((k) => k !== 'field').length === 1, {
    message: 'a field test has "field" and exactly one operator: eq, in, startsWith, hasAny, gt, gte, lt, lte, between, present, containsWord',
  });

/** A predicate: `all`, `any`, `not`, or a field test. */
export type Predicate =
  | { all: Predicate[] }
  | { any: Predicate[] }
  | { not: Predicate }
  | z.output<typeof FieldTest>;

/** The predicate schema (recursive). */
export const PredicateSchema: z.ZodType<Predicate> = z.lazy(() =>
  z.union([
    z.object({ all: z.array(PredicateSchema).min(1) }).strict(),
    z.object({ any: z.array(PredicateSchema).min(1) }).strict(),
    z.object({ not: PredicateSchema }).strict(),
    FieldTest,
  ]),
) as z.ZodType<Predicate>;

/** The rule file (YAML). Unknown keys are an error. */
export const RuleFileSchema = z
  .object({
    schemaVersion: z.literal(1),
    id: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'rule ids are kebab-case, e.g. duplicate-line'),
    kind: z.string(),
    category: z.enum(CATEGORIES),
    severity: z.enum(SEVERITIES),
    confidence: z.enum(CONFIDENCES),
    title: z.string().min(1),
    message: z.string().min(1),
    enabled: z.boolean().optional(),
    docs: z
      .object({
        catalogue: z.string().optional().describe('the rule catalogue entry it implements, e.g. A1'),
        rationale: z.string().min(1),
        exceptions: z.array(z.string()).optional(),
        references: z.array(z.string()).min(1),
        facts: z.array(z.string()).optional().describe('ids of the facts (medbill facts) the rule states; `rules show` prints them'),
      })
      .strict(),
    appliesTo: z
      .object({
        billType: z.array(z.enum(BILL_TYPES)).optional(),
        encounter: z.array(z.enum(ENCOUNTER_TYPES)).optional(),
        insurance: z.array(z.enum(INSURANCE_STATUSES)).optional(),
        facilityNetwork: z.array(z.enum(NETWORK_STATUSES)).optional(),
        nonprofit: z.array(z.boolean()).optional(),
      })
      .strict()
      .optional(),
    where: PredicateSchema.optional(),
    unless: PredicateSchema.optional(),
    options: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

/** A parsed rule file (see {@link RuleFileSchema}). */
export type RuleFile = z.output<typeof RuleFileSchema>;
