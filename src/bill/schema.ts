/**
 * The bill model. The zod schemas here are the single source of the bill's TypeScript types,
 * of the validation of native JSON bills and of the JSON Schema printed by
 * `medbill schema bill`. Money inside the model is integer cents; dates are ISO `YYYY-MM-DD`;
 * codes and modifiers are strings.
 */
import { z } from 'zod';

/** Bill types: a facility (UB-04 / 837I) or a professional (CMS-1500 / 837P) bill. */
export const BILL_TYPES = ['facility', 'professional'] as const;
/** Insurance status of the patient for this bill. */
export const INSURANCE_STATUSES = ['uninsured', 'self-pay', 'in-network', 'out-of-network', 'medicare', 'medicaid'] as const;
/** Encounter types. */
export const ENCOUNTER_TYPES = ['emergency', 'inpatient', 'outpatient', 'office'] as const;
/** Network status of the facility where the care was given, for the plan the patient has (No Surprises Act). */
export const NETWORK_STATUSES = ['in-network', 'out-of-network'] as const;
/** One of {@link NETWORK_STATUSES}. */
export type NetworkStatus = (typeof NETWORK_STATUSES)[number];

/**
 * US states and DC by postal code (the HHS poverty guidelines cover these; the territories
 * are not covered: rights.md (e)).
 */
export const US_STATES = [
  'AL', 'AK', 'AZ', 'AR', 'CA', 'CO', 'CT', 'DE', 'DC', 'FL', 'GA', 'HI', 'ID', 'IL', 'IN', 'IA', 'KS', 'KY', 'LA', 'ME', 'MD',
  'MA', 'MI', 'MN', 'MS', 'MO', 'MT', 'NE', 'NV', 'NH', 'NJ', 'NM', 'NY', 'NC', 'ND', 'OH', 'OK', 'OR', 'PA', 'RI', 'SC',
  'SD', 'TN', 'TX', 'UT', 'VT', 'VA', 'WA', 'WV', 'WI', 'WY',
] as const;
/** One of {@link US_STATES}. */
export type UsState = (typeof US_STATES)[number];

/** What a bill line is: a charge, a patient/insurer payment, an adjustment, or a reversal of a charge. */
export const LINE_TYPES = ['charge', 'payment', 'adjustment', 'reversal'] as const;

/** `facility` | `professional`. */
export type BillType = (typeof BILL_TYPES)[number];
/** One of {@link INSURANCE_STATUSES}. */
export type InsuranceStatus = (typeof INSURANCE_STATUSES)[number];
/** One of {@link ENCOUNTER_TYPES}. */
export type EncounterType = (typeof ENCOUNTER_TYPES)[number];
/** One of {@link LINE_TYPES}. */
export type LineType = (typeof LINE_TYPES)[number];

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected an ISO date YYYY-MM-DD');
const cents = z.number().int();

/** Where a line came from: the file, the physical CSV row or the JSON pointer. */
export const SourceRefSchema = z.object({
  file: z.string().optional(),
  row: z.number().int().optional(),
  pointer: z.string().optional(),
});

/** A normalised bill line. Amounts in integer cents; credits are negative. */
export const BillLineSchema = z.object({
  line: z.number().int().describe("the bill's own line number"),
  type: z.enum(LINE_TYPES),
  dateOfService: isoDate.optional(),
  dateOfServiceTo: isoDate.optional(),
  revenueCode: z.string().regex(/^\d{4}$/).optional(),
  code: z.string().optional().describe('CPT/HCPCS code'),
  otherCode: z.string().optional().describe('a value in the code column that is not a CPT/HCPCS code'),
  modifiers: z.array(z.string()),
  units: z.number().optional(),
  unitPriceCents: cents.optional(),
  chargeCents: cents,
  description: z.string().optional(),
  ndc: z.string().optional(),
  diagnoses: z.array(z.string()),
  placeOfService: z.string().optional(),
  renderingNpi: z.string().optional(),
  minutes: z.number().optional(),
  claimId: z.string().optional(),
  account: z.string().optional(),
  reverses: z.number().int().optional().describe('line number of the charge this reversal nets out'),
  reversedBy: z.number().int().optional().describe('line number of the reversal that nets this charge out'),
  source: SourceRefSchema,
});

/** A normalised bill line (see {@link BillLineSchema}). */
export type BillLine = z.infer<typeof BillLineSchema>;
/** Where a value came from. */
export type SourceRef = z.infer<typeof SourceRefSchema>;

/** Where a bill fact came from: the bill file, a command-line option, or inferred from lines. */
export const FACT_ORIGINS = ['file', 'option', 'inferred'] as const;

/** A total stated on the bill (a footer row such as "TOTAL CHARGES" or a JSON `totals` key). */
export const StatedTotalSchema = z.object({
  kind: z.enum(['charges', 'payments', 'adjustments', 'insurancePaid', 'balance']),
  label: z.string(),
  amountCents: cents,
  source: SourceRefSchema,
});

/** A stated total (see {@link StatedTotalSchema}). */
export type StatedTotal = z.infer<typeof StatedTotalSchema>;

/** Facts about the bill that rules use, each with its origin. */
export const BillFactsSchema = z.object({
  billType: z.enum(BILL_TYPES).optional(),
  insurance: z.enum(INSURANCE_STATUSES).optional(),
  encounter: z.enum(ENCOUNTER_TYPES).optional(),
  admissionDate: isoDate.optional(),
  dischargeDate: isoDate.optional(),
  nonprofit: z.boolean().optional(),
  diagnoses: z.array(z.string()),
  statementDate: isoDate.optional().describe('date of the bill (the first post-discharge statement): deadlines count from it'),
  facilityNetwork: z.enum(NETWORK_STATUSES).optional().describe("the facility's network status for the patient's plan"),
  state: z.enum(US_STATES).optional().describe('US state (postal code) of the hospital and the patient, whose charity-care and credit-reporting laws the next steps name'),
  gfe: z
    .array(z.object({ provider: z.string().optional().describe('NPI or name; absent: the whole bill'), amountCents: cents }))
    .optional()
    .describe('Good Faith Estimates (uninsured/self-pay), per provider or facility'),
  origins: z.record(z.string(), z.object({ origin: z.enum(FACT_ORIGINS), note: z.string().optional() })),
});

/** Bill facts (see {@link BillFactsSchema}). */
export type BillFacts = z.infer<typeof BillFactsSchema>;

/** A normalised bill: header facts, stated totals and lines. */
export const BillSchema = z.object({
  source: z.object({
    path: z.string(),
    format: z.enum(['csv', 'tsv', 'psv', 'ssv', 'json']),
    claim: z.string().optional(),
  }),
  provider: z.object({ name: z.string().optional(), npi: z.string().optional() }),
  patient: z.object({ name: z.string().optional(), accountNumber: z.string().optional() }),
  payer: z.string().optional(),
  facts: BillFactsSchema,
  statedTotals: z.array(StatedTotalSchema),
  lines: z.array(BillLineSchema),
  columns: z.object({ mapped: z.record(z.string(), z.string()), unused: z.array(z.string()) }),
  warnings: z.array(z.object({ message: z.string(), location: z.record(z.string(), z.unknown()).optional() })),
});

/** A normalised bill (see {@link BillSchema}). */
export type Bill = z.infer<typeof BillSchema>;

// ---------------------------------------------------------------------------------------
// The native JSON bill (input). Amounts are dollars, as numbers or strings ("1,234.56").

const Money = z
  .union([z.number(), z.string()], { error: 'expected an amount in dollars: a number such as 12.5 or a string such as "$1,234.56"' })
  .describe('dollars: 1234.56, "1,234.56", "$12.00", "(12.00)"');
const Text = z.union([z.string(), z.number()], { error: 'expected a string or a number' });
const Count = z.union([z.number(), z.string()], { error: 'expected a number such as 1 or 2.5' });

/** A line of the native JSON bill. Only `charge` is required. */
export const BillLineInputSchema = z
  .object({
    line: z.union([z.number().int(), z.string()], { error: 'expected a whole line number' }).optional(),
    type: z.enum([...LINE_TYPES, 'credit']).optional(),
    dateOfService: z.string({ error: 'expected a date string such as "2026-03-07"' }).optional(),
    dateOfServiceTo: z.string({ error: 'expected a date string such as "2026-03-07"' }).optional(),
    revenueCode: Text.optional(),
    code: Text.optional(),
    modifiers: z.union([z.array(Text), Text], { error: 'expected modifiers as a string ("25, 59") or a list (["25", "59"])' }).optional(),
    units: Count.optional(),
    unitPrice: Money.optional(),
    charge: Money.optional(),
    credit: Money.optional(),
    description: z.string({ error: 'expected text' }).optional(),
    ndc: Text.optional(),
    diagnoses: z.union([z.array(z.string()), z.string()], { error: 'expected diagnosis codes as a string or a list of strings' }).optional(),
    placeOfService: Text.optional(),
    renderingNpi: Text.optional(),
    minutes: Count.optional(),
    claimId: Text.optional(),
    account: Text.optional(),
  })
  .strict();

/** The native JSON bill that `medbill audit bill.json` reads and `medbill schema bill` prints. */
export const BillInputSchema = z
  .object({
    schemaVersion: z.literal('1').optional(),
    provider: z
      .object({ name: z.string().optional(), npi: Text.optional(), nonprofit: z.boolean().optional() })
      .strict()
      .optional(),
    patient: z.object({ name: z.string().optional(), accountNumber: Text.optional() }).strict().optional(),
    statementDate: z.string().optional(),
    facilityNetwork: z.enum(NETWORK_STATUSES).optional(),
    state: z.string().optional().describe('US state postal code, e.g. CA'),
    goodFaithEstimate: Money.optional().describe("the provider's Good Faith Estimate for this bill (uninsured/self-pay)"),
    billType: z.enum(BILL_TYPES).optional(),
    insurance: z.enum(INSURANCE_STATUSES).optional(),
    payer: z.string().optional(),
    encounter: z.enum(ENCOUNTER_TYPES).optional(),
    admissionDate: z.string().optional(),
    dischargeDate: z.string().optional(),
    diagnoses: z.array(z.string()).optional(),
    totals: z
      .object({
        charges: Money.optional(),
        payments: Money.optional(),
        adjustments: Money.optional(),
        insurancePaid: Money.optional(),
        balance: Money.optional(),
      })
      .strict()
      .optional(),
    lines: z.array(BillLineInputSchema).min(1),
  })
  .strict();

/** The native JSON bill (input side). */
export type BillInput = z.infer<typeof BillInputSchema>;
/** A native JSON bill line (input side). */
export type BillLineInput = z.infer<typeof BillLineInputSchema>;
