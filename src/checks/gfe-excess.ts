/**
 * Check kind `gfe-excess` (rule catalogue H4; No Surprises Act, 45 CFR 149.610, 149.620): an
 * uninsured or self-pay patient may start patient-provider dispute resolution when a
 * provider's or facility's bill is at least the threshold above that provider's Good Faith
 * Estimate (GFE), within a deadline counted from the bill, for a fee. Threshold, deadline and
 * fee come from the facts book (fact `nsa-gfe-dispute`: $400, 120 days, $25). Comparison is
 * per provider: a GFE given without a provider is compared with the whole bill; one given for
 * an NPI or name is compared with the bill when it is that provider's, else with the lines of
 * that rendering NPI. The billed amount is the charges net of reversals and of adjustments
 * (discounts), before payments. Amount at stake: billed − GFE, the most the dispute can
 * remove. The deadline is the bill's statement date + the fact's days; without a statement
 * date the finding says how to compute it. No GFE given: a bill-level gap.
 */
import { z } from 'zod';
import { billTotals } from '../bill/totals.js';
import { formatCents } from '../bill/values.js';
import { addDays } from '../dates.js';
import { parseOptions, type CheckKind, type FindingDraft, type Gap } from './types.js';

const Options = z.object({ fact: z.string().default('nsa-gfe-dispute') }).strict();

interface Prepared {
  fact: string;
  thresholdCents: number;
  deadlineDays: number;
  feeCents: number;
}

/** The `gfe-excess` check kind. */
export const gfeExcess: CheckKind<Prepared> = {
  name: 'gfe-excess',
  summary: 'a self-pay bill at least the dispute threshold above its Good Faith Estimate (per provider)',
  placeholders: ['provider', 'billed', 'gfe', 'over', 'threshold', 'fee', 'deadline', 'deadlineDays'],
  options: Options,
  scope: 'bill',
  prepare(options, ctx) {
    const o = parseOptions(Options, options, ctx.ref);
    return {
      fact: o.fact,
      thresholdCents: ctx.facts.number(o.fact, 'thresholdCents'),
      deadlineDays: ctx.facts.number(o.fact, 'deadlineDays'),
      feeCents: ctx.facts.number(o.fact, 'feeCents'),
    };
  },
  run({ bill, facts, charges, options }) {
    const findings: FindingDraft[] = [];
    const gaps: Gap[] = [];
    const estimates = facts.gfe ?? [];
    if (estimates.length === 0) return { findings, checked: [], gaps: [{ lines: [], reason: 'no Good Faith Estimate given (give --gfe AMOUNT)' }] };
    const totals = billTotals(bill);
    const deadline = facts.statementDate ? addDays(facts.statementDate, options.deadlineDays) : undefined;
    for (const g of estimates) {
      let billedCents: number;
      let lines = charges;
      const p = g.provider?.trim();
      const isBillProvider = p === undefined || p === '' || p === bill.provider.npi || (bill.provider.name !== undefined && p.toLowerCase() === bill.provider.name.toLowerCase());
      if (isBillProvider) billedCents = totals.chargesCents + totals.adjustmentsCents;
      else {
        lines = charges.filter((l) => l.renderingNpi === p);
        if (lines.length === 0) {
          gaps.push({ lines: [], reason: `no lines from provider ${p} on this bill (a --gfe NPI=AMOUNT is matched with the bill's NPI or name, or the lines' rendering NPI)` });
          continue;
        }
        billedCents = lines.reduce((s, l) => s + l.chargeCents, 0);
      }
      const overCents = billedCents - g.amountCents;
      // The dispute is available when the bill is at least the threshold above the estimate (45 CFR 149.620).
      if (overCents < options.thresholdCents) continue;
      findings.push({
        lines: [],
        amountAtStakeCents: overCents,
        values: {
          provider: isBillProvider ? '' : ` from ${p}`,
          billed: formatCents(billedCents),
          gfe: formatCents(g.amountCents),
          over: formatCents(overCents),
          threshold: formatCents(options.thresholdCents),
          fee: formatCents(options.feeCents),
          deadline: deadline ?? `${options.deadlineDays} days after the date on the bill (give --statement-date to compute it)`,
          deadlineDays: options.deadlineDays,
        },
        evidence: {
          ...(isBillProvider ? {} : { provider: p }),
          billedCents,
          gfeCents: g.amountCents,
          overCents,
          thresholdCents: options.thresholdCents,
          feeCents: options.feeCents,
          ...(facts.statementDate ? { statementDate: facts.statementDate } : {}),
          ...(deadline ? { deadline } : {}),
          facts: [options.fact],
        },
      });
    }
    // Bill-level: the comparison is of totals, so line coverage is left to the line rules.
    return { findings, checked: [], gaps };
  },
};
