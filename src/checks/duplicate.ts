/**
 * Check kind `duplicate` (rule catalogue A1): the same service billed more than once on one
 * date of service. Lines are grouped by provider, date, code (or revenue code plus
 * description when there is no CPT/HCPCS code), sorted modifiers, NDC and units; in a group
 * of two or more, every line after the first is a duplicate unless a line carries a repeat
 * modifier (76, 77, 91, 59, X{EPSU}, anatomic: the rule's `repeatModifiers`). Reversed lines
 * are already netted out by the reader. Amount at stake: the full charge of each repeat.
 */
import { z } from 'zod';
import type { BillLine } from '../bill/schema.js';
import { resolveList } from '../rules/predicates.js';
import { ValueList } from '../rules/schema.js';
import type { CodeSet } from '../rules/tables.js';
import { groupBy, parseOptions, providerOf, undatedGap, type CheckKind, type FindingDraft } from './types.js';
import { evidenceLines } from './evidence.js';

const Options = z
  .object({
    repeatModifiers: ValueList,
    /** Drug codes and pharmacy revenue codes: doses given at different times are billed on separate lines. */
    repeatableCodes: ValueList.optional(),
    repeatableRevenueCodes: ValueList.optional(),
    /** Severity for groups whose lines have no CPT/HCPCS code (inpatient-style lines are often real repeats). */
    noCodeSeverity: z.enum(['error', 'warning', 'info']).default('warning'),
    /** Severity when the repeated lines' charges differ. */
    chargesDifferSeverity: z.enum(['error', 'warning', 'info']).default('warning'),
  })
  .strict();

interface Prepared {
  repeat: CodeSet;
  repeatableCodes?: CodeSet;
  repeatableRevenueCodes?: CodeSet;
  noCodeSeverity: 'error' | 'warning' | 'info';
  chargesDifferSeverity: 'error' | 'warning' | 'info';
}

function identity(l: BillLine): string | undefined {
  if (l.code) return `c:${l.code}`;
  const desc = (l.description ?? '').toUpperCase().replace(/[^A-Z0-9]+/g, ' ').trim();
  if (!l.revenueCode && !desc && !l.otherCode) return undefined;
  return `r:${l.revenueCode ?? ''}|${l.otherCode ?? ''}|${desc}`;
}

/** The `duplicate` check kind. */
export const duplicate: CheckKind<Prepared> = {
  name: 'duplicate',
  summary: 'same code (or revenue code and description), date, modifiers, NDC and units billed on more than one line',
  placeholders: ['count', 'firstLine'],
  options: Options,
  prepare(options, ctx) {
    const o = parseOptions(Options, options, ctx.ref);
    const p: Prepared = {
      repeat: resolveList(o.repeatModifiers, ctx.tables, { ...ctx.ref, key: 'options.repeatModifiers' }),
      noCodeSeverity: o.noCodeSeverity,
      chargesDifferSeverity: o.chargesDifferSeverity,
    };
    if (o.repeatableCodes) p.repeatableCodes = resolveList(o.repeatableCodes, ctx.tables, { ...ctx.ref, key: 'options.repeatableCodes' });
    if (o.repeatableRevenueCodes) p.repeatableRevenueCodes = resolveList(o.repeatableRevenueCodes, ctx.tables, { ...ctx.ref, key: 'options.repeatableRevenueCodes' });
    return p;
  },
  run({ lines, exempt, options }) {
    const findings: FindingDraft[] = [];
    const checked: number[] = [];
    const noIdentity: number[] = [];
    const groups = groupBy(
      lines.filter((l) => l.dateOfService),
      (l) => {
        const id = identity(l);
        if (id === undefined) {
          noIdentity.push(l.line);
          return undefined;
        }
        checked.push(l.line);
        return [providerOf(l), l.dateOfService, id, [...l.modifiers].sort().join(','), l.ndc ?? '', l.units ?? 1].join('|');
      },
    );
    for (const group of groups.values()) {
      if (group.length < 2) continue;
      if (group.some((l) => l.modifiers.some((m) => options.repeat.has(m)))) continue;
      const [firstLine, ...rest] = group as [BillLine, ...BillLine[]];
      const repeats = evidenceLines(group);
      for (const l of rest) {
        if (exempt(l)) continue;
        const sameCharge = l.chargeCents === firstLine.chargeCents;
        const dose = (options.repeatableCodes?.has(l.code) ?? false) || (options.repeatableRevenueCodes?.has(l.revenueCode) ?? false);
        const severity = !l.code || dose ? options.noCodeSeverity : !sameCharge ? options.chargesDifferSeverity : undefined;
        const draft: FindingDraft = {
          lines: [l.line, firstLine.line],
          amountAtStakeCents: l.chargeCents,
          values: { count: group.length, firstLine: firstLine.line },
          evidence: { repeats, sameCharge },
        };
        if (severity) draft.severity = severity;
        if (dose) {
          draft.confidence = 'low';
          draft.note = 'Doses of a drug given at different times are billed on separate lines: check the medication administration record before disputing.';
        } else if (!l.code) {
          draft.confidence = 'low';
          draft.note = 'These lines carry no CPT/HCPCS code, so a real repeat (a second dose, a second supply) cannot be ruled out: ask for the record.';
        } else if (!sameCharge) draft.note = 'The charges differ, which can mean a different service: ask which service each line is.';
        findings.push(draft);
      }
    }
    const gaps = undatedGap(lines);
    if (noIdentity.length > 0) gaps.push({ lines: noIdentity, reason: 'no code, revenue code or description to compare' });
    return { findings, checked, gaps };
  },
};
