/**
 * JSON Schemas generated from the zod schemas (one fact in one place): the report, the
 * native JSON bill, the rule file, the assist result, the facts file and the letter profile,
 * as printed by `medbill schema NAME`.
 */
import { z } from 'zod';
import { AssistResultSchema } from './assist.js';
import { FactsFileSchema } from './facts.js';
import { BillInputSchema } from './bill/schema.js';
import { BatchReportSchema, ReportSchema } from './report.js';
import { RuleFileSchema } from './rules/schema.js';
import { ProfileSchema } from './letters/profile.js';

/** Names accepted by `medbill schema`. */
export const SCHEMA_NAMES = ['report', 'batch', 'bill', 'rule', 'assist', 'facts', 'profile'] as const; // keep in step with cli.ts

/** One of {@link SCHEMA_NAMES}. */
export type SchemaName = (typeof SCHEMA_NAMES)[number];

const TITLES: Record<SchemaName, string> = {
  report: 'medbill audit report (one bill)',
  batch: 'medbill batch report (several bills, --format json)',
  bill: 'medbill native JSON bill',
  rule: 'medbill rule file (YAML)',
  assist: 'medbill assist result (--format json)',
  facts: 'medbill facts file (rules/tables/facts.yaml)',
  profile: 'medbill letter profile (--profile FILE, YAML or JSON)',
};

/** The JSON Schema (draft 2020-12) for `name`, as a plain object. */
export function jsonSchema(name: SchemaName): Record<string, unknown> {
  const schema = { report: ReportSchema, batch: BatchReportSchema, bill: BillInputSchema, rule: RuleFileSchema, assist: AssistResultSchema, facts: FactsFileSchema, profile: ProfileSchema }[name];
  const out = z.toJSONSchema(schema, { io: name === 'bill' || name === 'rule' || name === 'facts' || name === 'profile' ? 'input' : 'output', unrepresentable: 'any' }) as Record<string, unknown>;
  return { $id: `https://medbill.invalid/schema/${name}.json`, title: TITLES[name], ...out };
}
