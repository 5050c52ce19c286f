/**
 * The versioned audit report (zod): the source of the report type and of the JSON Schema
 * printed by `medbill schema report`. Money is integer cents (fields end in `Cents`).
 * Additive changes keep `schemaVersion`; anything else bumps it.
 */
import { z } from 'zod';
import { BILL_TYPES, ENCOUNTER_TYPES, FACT_ORIGINS, INSURANCE_STATUSES } from './bill/schema.js';
import { CATEGORIES, CONFIDENCES, SEVERITIES } from './rules/schema.js';

import { REPORT_SCHEMA_VERSION } from './report-version.js';

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
});

const FactSchema = <T extends z.ZodType>(value: T) =>
  z.object({ value, origin: z.enum(FACT_ORIGINS), note: z.string().optional() });

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
    }),
    provider: z.object({ name: z.string().optional(), npi: z.string().optional() }).optional(),
    statedTotals: z.array(z.object({ kind: z.string(), label: z.string(), amountCents: cents })),
    columns: z.object({ mapped: z.record(z.string(), z.string()), unused: z.array(z.string()) }).optional(),
  }),
  findings: z.array(FindingSchema),
  coverage: z.object({
    lines: z.number().int().describe('charge lines audited (payments, adjustments and netted reversals excluded)'),
    flagged: z.number().int(),
    passed: z.number().int(),
    notChecked: z.number().int(),
    notCheckedLines: z.array(z.object({ line: z.number().int(), reasons: z.array(z.string()) })),
    rules: z.array(
      z.object({
        ruleId: z.string(),
        applied: z.boolean(),
        notApplied: z.string().optional(),
        checked: z.number().int(),
        gaps: z.array(z.object({ reason: z.string(), lines: z.array(z.number().int()) })),
      }),
    ),
    data: z
      .array(
        z.object({
          kind: z.string().describe('curated (a rule-pack table), or a data kind: ncci-ptp-practitioner, ncci-ptp-hospital, mue-practitioner, mue-hospital, mue-dme, aoc'),
          name: z.string(),
          source: z.string(),
          rows: z.number().int().optional(),
          period: z.string().optional().describe('the quarter of the table, e.g. 2026Q4'),
          origin: z.enum(['imported', 'curated']).optional().describe('imported by the user (medbill data import) or shipped with medbill'),
          importedAt: z.string().optional(),
        }),
      )
      .describe('the reference data the audit used'),
  }),
  errors: z.array(ProblemSchema),
  warnings: z.array(z.object({ message: z.string(), location: LocationSchema.optional() })),
  summary: z.object({
    findings: z.object({ error: z.number().int(), warning: z.number().int(), info: z.number().int() }),
    amountAtStakeCents: cents.describe('each line counted once (the largest amount among its findings), plus bill-level findings'),
    amountAtStakeBySeverityCents: z.object({ error: cents, warning: cents, info: cents }),
    chargesCents: cents,
    paymentsCents: cents,
    adjustmentsCents: cents,
    insurancePaidCents: cents.describe('an insurance payment the bill states without itemizing it (negative)'),
    balanceCents: cents,
    nextSteps: z.array(z.string()),
  }),
});

/** One bill's audit report (see {@link ReportSchema}). */
export type Report = z.infer<typeof ReportSchema>;
/** A finding (see {@link FindingSchema}). */
export type Finding = z.infer<typeof FindingSchema>;
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
