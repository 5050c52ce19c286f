/**
 * The versioned audit report (zod): the source of the report type and of the JSON Schema
 * printed by `medbill schema report`. Money is integer cents (fields end in `Cents`).
 * Additive changes keep `schemaVersion`; anything else bumps it.
 */
import { z } from 'zod';
import { BILL_TYPES, ENCOUNTER_TYPES, FACT_ORIGINS, INSURANCE_STATUSES, NETWORK_STATUSES, US_STATES } from './bill/schema.js';
import { CATEGORIES, CONFIDENCES, SEVERITIES } from './rules/schema.js';

import { REPORT_SCHEMA_VERSION } from './report-version.js';

export { findingKey } from './finding-key.js';

export { REPORT_SCHEMA_VERSION };

const cents = z.number().int();
const LocationSchema = z.object({
  file: z.string().optional(),
  row: z.number().int().optional(),
  line: z.number().int().optional(),
  column: z.string().optional(),
  pointer: z.string().optional(),
  field: z.string().optional(),
  key: z.string().optional(),
});

/** An error that stopped (part of) the audit: input, rules, I/O or internal. */
export const ProblemSchema = z.object({
  code: z.enum(['BILL_INVALID', 'RULES_INVALID', 'DATA_INVALID', 'USAGE', 'IO', 'INTERNAL']),
  message: z.string(),
  location: LocationSchema.optional(),
});

/** The disputed line of a finding, as the bill shows it. */
export const SubjectSchema = z.object({
  line: z.number().int(),
  row: z.number().int().optional().describe('the physical row of the line in a delimited file'),
  dateOfService: z.string().optional(),
  code: z.string().optional(),
  revenueCode: z.string().optional(),
  modifiers: z.array(z.string()),
  units: z.number().optional(),
  description: z.string().optional(),
  chargeCents: cents,
});

/** One finding: a rule that fired on one or more lines (or on the bill as a whole). */
export const FindingSchema = z.object({
  ruleId: z.string(),
  kind: z.string(),
  category: z.enum(CATEGORIES),
  severity: z.enum(SEVERITIES),
  confidence: z.enum(CONFIDENCES),
  title: z.string(),
  message: z.string(),
  lines: z.array(z.number().int()).describe('the disputed line first, then the lines it relates to; empty for a bill-level finding'),
  amountAtStakeCents: cents.describe('what disputing this finding would remove from the bill'),
  subject: SubjectSchema.optional(),
  evidence: z.record(z.string(), z.unknown()),
  references: z.array(z.string()),
  decision: z
    .enum(['unsure'])
    .optional()
    .describe('the user is not sure of this finding (--unsure or the interactive review): letters ask about its lines instead of disputing them, and the plan does not count it as a correction'),
});

const FactSchema = <T extends z.ZodType>(value: T) =>
  z.object({ value, origin: z.enum(FACT_ORIGINS), note: z.string().optional() });

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

/** A finding the user dismissed (`--dismiss`): left out of the findings, totals, plan and letters, listed here. */
export const DismissedSchema = z.object({
  key: z.string(),
  ruleId: z.string(),
  title: z.string(),
  lines: z.array(z.number().int()),
  amountAtStakeCents: cents,
});

/** Kinds of negotiation-plan steps, in the order the plan asks for them. */
export const PLAN_STEP_KINDS = [
  'corrections',
  'records',
  'balance-billing',
  'gfe-dispute',
  'financial-assistance',
  'self-pay-discount',
  'rate',
  'offer',
  'missing-facts',
  'import-data',
  'no-findings',
] as const;

/** One step of the negotiation plan: what to ask for, with the lines, deadline, amount and facts behind it. */
export const PlanStepSchema = z.object({
  kind: z.enum(PLAN_STEP_KINDS),
  text: z.string(),
  lines: z.array(z.number().int()).optional(),
  deadline: isoDate.optional(),
  amountCents: cents.optional(),
  ruleIds: z.array(z.string()).optional(),
  facts: z.array(z.string()).describe('ids of the facts (medbill facts) the step states'),
});

/** A benchmark an offer is anchored on: given by the user from a document, or found in the report. */
export const AnchorSchema = z.object({
  kind: z.enum(['medicare', 'cash-price', 'negotiated', 'agb', 'gfe']),
  amountCents: cents,
  source: z.string(),
});

/**
 * The negotiation plan built from the bill (additive to report schema version 1): who to
 * call, the steps in order, an offer range anchored on benchmarks (never on a rule-of-thumb
 * percentage), whether a billing advocate is worth considering, what protects credit, and
 * free help. Every legal statement in it comes from the facts file.
 */
export const PlanSchema = z.object({
  contact: z.object({ who: z.string(), avoid: z.string(), text: z.string() }),
  steps: z.array(PlanStepSchema),
  offer: z.object({
    status: z.enum(['range', 'no-benchmark', 'nothing-owed']),
    balanceCents: cents.describe('the balance less what the corrections ask to remove'),
    paidCents: cents.optional().describe('already paid or credited (payments, adjustments, insurer payments): subtracted from the benchmarks, which are totals for the services'),
    anchors: z.array(AnchorSchema).describe('benchmarks: totals for the services on the bill'),
    lowCents: cents.optional().describe('the opening offer for the balance'),
    highCents: cents.optional().describe('the most to settle the balance for'),
    text: z.string(),
    facts: z.array(z.string()),
  }),
  advocate: z.object({
    consider: z.boolean(),
    reasons: z.array(z.string()),
    feePercent: z.number().optional().describe("the advocate's fee as a percent of savings, as the user gave it"),
    potentialSavingsCents: cents.optional(),
    feeCents: cents.optional(),
    text: z.string(),
    facts: z.array(z.string()),
  }),
  credit: z.array(z.object({ text: z.string(), fact: z.string() })),
  help: z.array(z.object({ text: z.string(), fact: z.string() })),
});

/** The negotiation plan (see {@link PlanSchema}). */
export type Plan = z.infer<typeof PlanSchema>;
/** A plan step (see {@link PlanStepSchema}). */
export type PlanStep = z.infer<typeof PlanStepSchema>;

/** The kinds of price benchmark: Medicare's amount, the hospital's discounted cash price, its gross charge, a payer's negotiated rate. */
export const BENCHMARK_KINDS = ['medicare', 'cash-price', 'gross-charge', 'negotiated-rate'] as const;

/** One benchmark for one line: what it is per unit, for the line's units, and where it comes from (source and vintage). */
export const BenchmarkSchema = z.object({
  kind: z.enum(BENCHMARK_KINDS),
  unitAmount: z.string().describe('dollars per unit, as the source gives it (a decimal string: ASP limits keep three decimals)'),
  amountCents: cents.describe("the unit amount × the line's units, rounded to the cent"),
  source: z.string().describe('the CMS fee schedule and release, or the hospital price file'),
  period: z.string().optional().describe("vintage: the CMS release (2026Q1) or year (2026), or the price file's last_updated_on"),
  origin: z.enum(['shipped', 'imported', 'file']).describe("medbill's shipped table, data imported with medbill data import, or a price file read for this run (--prices)"),
  detail: z.string().optional().describe('setting, locality, APC and status indicator, payer and plan, the row of the price file'),
  confidence: z.enum(CONFIDENCES).optional(),
});

/** The benchmarks of one charge line, and why each missing one is missing ("not assessed"). */
export const LinePriceSchema = z.object({
  line: z.number().int(),
  code: z.string().optional(),
  revenueCode: z.string().optional(),
  units: z.number(),
  chargeCents: cents,
  benchmarks: z.array(BenchmarkSchema),
  notAssessed: z.array(z.object({ kind: z.enum(BENCHMARK_KINDS), reason: z.string() })).describe('benchmarks that do not cover this line, and why: such a line is not compared, never called fair'),
});

/**
 * The price comparison of a bill (additive to report schema version 1): per charge line its
 * benchmarks, and per kind the total over the lines it covers. Information for negotiation,
 * not a finding of error.
 */
export const PricesSchema = z.object({
  lines: z.array(LinePriceSchema),
  totals: z.array(
    z.object({
      kind: z.enum(BENCHMARK_KINDS),
      lines: z.number().int().describe('charge lines this benchmark covers'),
      chargesCents: cents.describe('what the bill charges for those lines'),
      amountCents: cents.describe('the benchmark total for those lines'),
    }),
  ),
  note: z.string(),
});

/** One bill's audit report. */
export const ReportSchema = z.object({
  schemaVersion: z.literal(REPORT_SCHEMA_VERSION),
  tool: z.object({
    name: z.literal('medbill'),
    version: z.string(),
    rules: z.object({ digest: z.string(), count: z.number().int(), packs: z.array(z.string()) }),
  }),
  input: z.object({
    path: z.string(),
    format: z.string().optional(),
    claim: z.string().optional(),
    lineCount: z.number().int(),
    chargesCents: cents,
    paymentsCents: cents,
    adjustmentsCents: cents,
    facts: z.object({
      billType: FactSchema(z.enum(BILL_TYPES)).optional(),
      insurance: FactSchema(z.enum(INSURANCE_STATUSES)).optional(),
      encounter: FactSchema(z.enum(ENCOUNTER_TYPES)).optional(),
      admissionDate: FactSchema(z.string()).optional(),
      dischargeDate: FactSchema(z.string()).optional(),
      statementDate: FactSchema(z.string()).optional(),
      nonprofit: FactSchema(z.boolean()).optional(),
      diagnoses: FactSchema(z.array(z.string())).optional(),
      facilityNetwork: FactSchema(z.enum(NETWORK_STATUSES)).optional(),
      state: FactSchema(z.enum(US_STATES)).optional(),
      gfe: FactSchema(z.array(z.object({ provider: z.string().optional(), amountCents: cents }))).optional(),
    }),
    provider: z.object({ name: z.string().optional(), npi: z.string().optional() }).optional(),
    statedTotals: z.array(z.object({ kind: z.string(), label: z.string(), amountCents: cents })),
    columns: z.object({ mapped: z.record(z.string(), z.string()), unused: z.array(z.string()) }).optional(),
  }),
  findings: z.array(FindingSchema),
  dismissed: z.array(DismissedSchema).optional().describe('findings the user dismissed (--dismiss or the interactive review); additive to schema version 1'),
  coverage: z.object({
    lines: z.number().int().describe('charge lines audited (payments, adjustments and netted reversals excluded)'),
    flagged: z.number().int(),
    passed: z.number().int(),
    notChecked: z.number().int(),
    notCheckedLines: z.array(z.object({ line: z.number().int(), reasons: z.array(z.string()) })),
    rulesRun: z.number().int().describe('rules that ran on this bill'),
    rules: z
      .array(
      z.object({
        ruleId: z.string(),
        applied: z.boolean(),
        notApplied: z.string().optional(),
        checked: z.number().int(),
        gaps: z.array(z.object({ reason: z.string(), lines: z.array(z.number().int()) })),
      }),
    )
      .describe('rules that did not apply to this bill, or could not check some of its lines (and why); rules that checked every line they concern are only counted in rulesRun'),
    data: z
      .array(
        z.object({
          kind: z.string().describe('curated (a rule-pack table), facts, or a data kind: ncci-ptp-practitioner, ncci-ptp-hospital, mue-practitioner, mue-hospital, mue-dme, aoc, pfs-rvu, pfs-gpci, clfs, opps, asp, medicare-rates (the shipped table), hospital-prices'),
          name: z.string(),
          source: z.string(),
          rows: z.number().int().optional(),
          period: z.string().optional().describe('the quarter of the table, e.g. 2026Q4'),
          origin: z.enum(['imported', 'curated', 'file']).optional().describe('imported by the user (medbill data import), shipped with medbill, or a file read for this run (--prices)'),
          importedAt: z.string().optional(),
          digest: z.string().optional(),
        }),
      )
      .describe('the reference data the audit used'),
  }),
  prices: PricesSchema.optional().describe('the price benchmarks of each charge line (the price-outlier rules): information for negotiation'),
  errors: z.array(ProblemSchema),
  warnings: z.array(z.object({ message: z.string(), location: LocationSchema.optional() })),
  summary: z.object({
    findings: z.object({ error: z.number().int(), warning: z.number().int(), info: z.number().int() }),
    amountAtStakeCents: cents.describe('each line counted once (the largest amount among its findings), plus bill-level findings; price findings (negotiation, not billing errors) are not counted'),
    amountAtStakeBySeverityCents: z.object({ error: cents, warning: cents, info: cents }),
    chargesCents: cents,
    paymentsCents: cents,
    adjustmentsCents: cents,
    insurancePaidCents: cents.describe('an insurance payment the bill states without itemizing it (negative)'),
    balanceCents: cents,
    nextSteps: z.array(z.string()),
    plan: PlanSchema.optional(),
  }),
});

/** One bill's audit report (see {@link ReportSchema}). */
export type Report = z.infer<typeof ReportSchema>;
/** A finding (see {@link FindingSchema}). */
export type Finding = z.infer<typeof FindingSchema>;
/** The price comparison (see {@link PricesSchema}). */
export type Prices = z.infer<typeof PricesSchema>;
/** One line's benchmarks (see {@link LinePriceSchema}). */
export type LinePrice = z.infer<typeof LinePriceSchema>;
/** One benchmark (see {@link BenchmarkSchema}). */
export type Benchmark = z.infer<typeof BenchmarkSchema>;
/** A report problem (see {@link ProblemSchema}). */
export type ReportProblem = z.infer<typeof ProblemSchema>;

/** Several bills' reports: what `--format json` prints when a run audits more than one bill. */
export const BatchReportSchema = z.object({
  schemaVersion: z.literal(REPORT_SCHEMA_VERSION),
  reports: z.array(ReportSchema),
  summary: z.object({
    bills: z.number().int(),
    billsWithErrors: z.number().int(),
    findings: z.object({ error: z.number().int(), warning: z.number().int(), info: z.number().int() }),
    amountAtStakeCents: cents,
    chargesCents: cents,
  }),
});

/** A batch report (see {@link BatchReportSchema}). */
export type BatchReport = z.infer<typeof BatchReportSchema>;
