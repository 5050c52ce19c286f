/**
 * Check kind `stated-total` (arithmetic): the totals a bill states (a "TOTAL CHARGES" footer,
 * "Balance Due", JSON `totals`) against the sum of its lines. Charges are compared with the
 * sum of charge lines net of reversals; a balance with charges + payments + adjustments, less
 * any stated insurance payment (and stated payments or adjustments the lines do not show).
 * A stated total above the lines is an overcharge of the difference (bill-level finding);
 * below them it is a warning that lines may be missing. A bill that states no total is
 * reported as not checked.
 */
import { z } from 'zod';
import { billTotals } from '../bill/totals.js';
import { formatCents } from '../bill/values.js';
import { parseOptions, type CheckKind, type FindingDraft } from './types.js';

const Options = z.object({ toleranceCents: z.number().int().min(0).default(0) }).strict();

/** The `stated-total` check kind. */
export const statedTotal: CheckKind<{ toleranceCents: number }> = {
  name: 'stated-total',
  summary: "the bill's stated totals against the sum of its lines",
  placeholders: ['label', 'stated', 'computed', 'difference'],
  options: Options,
  prepare(options, ctx) {
    return parseOptions(Options, options, ctx.ref);
  },
  run({ bill, options }) {
    const findings: FindingDraft[] = [];
    const totals = billTotals(bill);
    for (const t of bill.statedTotals) {
      let computed: number | undefined;
      if (t.kind === 'charges') computed = totals.chargesCents;
      else if (t.kind === 'balance') computed = totals.balanceCents;
      else if (t.kind === 'payments' && totals.paymentsCents !== 0) computed = totals.paymentsCents;
      if (computed === undefined) continue;
      const statedCents = t.kind === 'payments' ? -Math.abs(t.amountCents) : t.amountCents;
      const diff = statedCents - computed;
      if (Math.abs(diff) <= options.toleranceCents) continue;
      const draft: FindingDraft = {
        lines: [],
        amountAtStakeCents: t.kind === 'payments' ? 0 : Math.max(0, diff),
        values: { label: t.label, stated: formatCents(statedCents), computed: formatCents(computed), difference: formatCents(Math.abs(diff)) },
        evidence: { total: t.kind, label: t.label, statedCents, computedCents: computed, source: t.source },
      };
      if (diff < 0 || t.kind === 'payments') {
        draft.severity = 'warning';
        draft.note = t.kind === 'payments' ? 'Ask for a statement of every payment applied to the account.' : 'The lines add up to more than the stated total: ask whether the itemization is complete.';
      }
      findings.push(draft);
    }
    const gaps = bill.statedTotals.length === 0 ? [{ lines: [], reason: 'the bill states no total to check the lines against' }] : [];
    return { findings, checked: [], gaps };
  },
};
