/**
 * Check kind `unit-price` (rule catalogue D2(d)): units × unit price must equal the line
 * charge. A charge above the product (beyond a rounding tolerance of one cent per unit) is
 * an overcharge of the difference; a charge below it is reported as info. Lines without
 * units or a unit price are not checked when the bill shows unit prices at all.
 */
import { z } from 'zod';
import { formatCents } from '../bill/values.js';
import { parseOptions, type CheckKind, type FindingDraft, type Gap } from './types.js';

const Options = z.object({ toleranceCentsPerUnit: z.number().int().min(0).default(1) }).strict();

/** The `unit-price` check kind. */
export const unitPrice: CheckKind<{ toleranceCentsPerUnit: number }> = {
  name: 'unit-price',
  summary: 'units × unit price differs from the line charge',
  placeholders: ['unitPrice', 'expected'],
  options: Options,
  prepare(options, ctx) {
    return parseOptions(Options, options, ctx.ref);
  },
  run({ lines, exempt, options }) {
    const findings: FindingDraft[] = [];
    const gaps: Gap[] = [];
    const priced = lines.filter((l) => l.unitPriceCents !== undefined && l.units !== undefined);
    if (priced.length > 0) {
      const missing = lines.filter((l) => l.unitPriceCents === undefined || l.units === undefined);
      if (missing.length > 0) gaps.push({ lines: missing.map((l) => l.line), reason: 'no units or no unit price' });
    }
    for (const l of priced) {
      const expected = Math.round((l.units as number) * (l.unitPriceCents as number));
      const diff = l.chargeCents - expected;
      const tolerance = Math.max(1, Math.ceil(Math.abs(l.units as number))) * options.toleranceCentsPerUnit;
      if (Math.abs(diff) <= tolerance || exempt(l)) continue;
      const draft: FindingDraft = {
        lines: [l.line],
        amountAtStakeCents: Math.max(0, diff),
        values: { unitPrice: formatCents(l.unitPriceCents as number), expected: formatCents(expected) },
        evidence: { units: l.units, unitPriceCents: l.unitPriceCents, expectedCents: expected, chargeCents: l.chargeCents },
      };
      if (diff < 0) {
        draft.severity = 'info';
        draft.note = 'The charge is lower than units × unit price, so this is in your favour; it may still point at a wrong unit count.';
      }
      findings.push(draft);
    }
    return { findings, checked: priced.map((l) => l.line), gaps };
  },
};
