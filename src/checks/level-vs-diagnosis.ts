/**
 * Check kind `level-vs-diagnosis` (rule catalogue C2, C1(d)): a high E/M level (ED 99284/
 * 99285, office 99215/99205) whose only diagnoses are on a low-acuity list, with no
 * resource-intensive service (imaging, IV therapy, procedures, critical care) the same day.
 * A signal for review, not proof: the record decides, so findings ask for it. Diagnoses in
 * `ignoreDiagnoses` (external-cause codes V00–Y99) say nothing about acuity and are skipped.
 * A line's own diagnoses are used when it has any; otherwise the bill's diagnoses.
 * Amount at stake: the charge less the bill's own charge for `expectedLevel` when the bill
 * has a line with that code; otherwise nothing is claimed.
 */
import { z } from 'zod';
import { resolveList } from '../rules/predicates.js';
import { ValueList } from '../rules/schema.js';
import { CodeSet } from '../rules/tables.js';
import { parseOptions, type CheckKind, type FindingDraft, type Gap } from './types.js';

const Options = z
  .object({
    codes: ValueList,
    lowAcuityTable: z.string(),
    ignoreDiagnoses: ValueList.optional(),
    resourceCodes: ValueList,
    expectedLevel: z.union([z.string(), z.number()]).transform(String),
  })
  .strict();

interface Prepared {
  codes: CodeSet;
  lowAcuity: CodeSet;
  ignore?: CodeSet;
  resources: CodeSet;
  expectedLevel: string;
}

/** The `level-vs-diagnosis` check kind. */
export const levelVsDiagnosis: CheckKind<Prepared> = {
  name: 'level-vs-diagnosis',
  summary: 'a high E/M level with only low-acuity diagnoses and no resource-intensive service',
  placeholders: ['diagnoses', 'expectedLevel'],
  options: Options,
  prepare(options, ctx) {
    const o = parseOptions(Options, options, ctx.ref);
    const table = ctx.tables.table(o.lowAcuityTable, ['prefix'], { ...ctx.ref, key: 'options.lowAcuityTable' });
    const p: Prepared = {
      codes: resolveList(o.codes, ctx.tables, { ...ctx.ref, key: 'options.codes' }),
      lowAcuity: new CodeSet(o.lowAcuityTable, 'low-acuity diagnoses', table.file, [], [], table.rows.map((r) => r.prefix as string)),
      resources: resolveList(o.resourceCodes, ctx.tables, { ...ctx.ref, key: 'options.resourceCodes' }),
      expectedLevel: o.expectedLevel,
    };
    if (o.ignoreDiagnoses) p.ignore = resolveList(o.ignoreDiagnoses, ctx.tables, { ...ctx.ref, key: 'options.ignoreDiagnoses' });
    return p;
  },
  run({ lines, charges, facts, exempt, options }) {
    const findings: FindingDraft[] = [];
    const gaps: Gap[] = [];
    const levels = lines.filter((l) => options.codes.has(l.code));
    const checked: number[] = [];
    const noDx: number[] = [];
    for (const l of levels) {
      // The line's own diagnoses describe its visit; the bill's list (which may span visits) is the fallback.
      const dx = [...new Set(l.diagnoses.length > 0 ? l.diagnoses : facts.diagnoses)].filter((d) => !options.ignore?.has(d));
      if (dx.length === 0) {
        noDx.push(l.line);
        continue;
      }
      checked.push(l.line);
      if (exempt(l) || !dx.every((d) => options.lowAcuity.has(d))) continue;
      const resources = charges.filter((x) => x.line !== l.line && options.resources.has(x.code) && (!l.dateOfService || !x.dateOfService || x.dateOfService === l.dateOfService));
      if (resources.length > 0) continue;
      const alt = charges.find((x) => x.code === options.expectedLevel);
      const draft: FindingDraft = {
        lines: [l.line],
        amountAtStakeCents: alt ? Math.max(0, l.chargeCents - alt.chargeCents) : 0,
        values: { diagnoses: dx.join(', '), expectedLevel: options.expectedLevel },
        evidence: { diagnoses: dx, resourceLines: [], expectedLevel: options.expectedLevel, ...(alt ? { expectedLevelChargeLine: alt.line } : {}) },
      };
      if (!alt) draft.note = `What is at stake depends on the level the record supports (the bill shows no ${options.expectedLevel} charge to compare).`;
      findings.push(draft);
    }
    if (noDx.length > 0) gaps.push({ lines: noDx, reason: 'no diagnosis codes (give --diagnosis)' });
    return { findings, checked, gaps };
  },
};
