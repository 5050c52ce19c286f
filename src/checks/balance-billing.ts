/**
 * Check kind `balance-billing` (rule catalogue H1, H2; No Surprises Act): a bill-level finding
 * when the bill's facts put it under the federal balance-billing protections, so that the
 * patient owes only in-network cost sharing (42 U.S.C. 300gg-111, 300gg-131, 300gg-132;
 * 45 CFR 149.410, 149.420). Which bills qualify is the rule's `appliesTo` (insurance
 * out-of-network, an emergency encounter, or an in-network facility); this kind words the
 * finding from the facts book and, in `ancillary` mode, lists the lines that are ancillary
 * services (for which consent can never waive the protection). A bill with no ancillary
 * line gets an info finding: the protection still applies unless the patient signed a valid
 * notice-and-consent form. Amount at stake: 0, because what the patient owes (the in-network
 * cost sharing) is on the plan's explanation of benefits, not on the bill. Bill-level: it
 * leaves line coverage (flagged, passed, not checked) to the line rules.
 */
import { z } from 'zod';
import { billTotals } from '../bill/totals.js';
import { formatCents } from '../bill/values.js';
import { resolveList } from '../rules/predicates.js';
import { ValueList } from '../rules/schema.js';
import type { CodeSet } from '../rules/tables.js';
import { parseOptions, type CheckKind, type FindingDraft } from './types.js';

const Options = z
  .object({
    mode: z.enum(['emergency', 'ancillary']),
    protectionFact: z.string().default('nsa-balance-billing'),
    consentFact: z.string().default('nsa-consent'),
    ancillaryCodes: ValueList.optional(),
    ancillaryModifiers: ValueList.optional(),
  })
  .strict();

interface Prepared {
  mode: 'emergency' | 'ancillary';
  protectionFact: string;
  protection: string;
  consentFact: string;
  consent: string;
  codes?: CodeSet;
  modifiers?: CodeSet;
}

/** The `balance-billing` check kind. */
export const balanceBilling: CheckKind<Prepared> = {
  name: 'balance-billing',
  summary: 'a bill under the No Surprises Act balance-billing protections (in-network cost sharing only)',
  placeholders: ['balance', 'protection', 'consent', 'ancillaryLines'],
  options: Options,
  scope: 'bill',
  prepare(options, ctx) {
    const o = parseOptions(Options, options, ctx.ref);
    const p: Prepared = {
      mode: o.mode,
      protectionFact: o.protectionFact,
      protection: ctx.facts.get(o.protectionFact).text,
      consentFact: o.consentFact,
      consent: ctx.facts.get(o.consentFact).text,
    };
    if (o.mode === 'ancillary') {
      if (!o.ancillaryCodes) throw new Error('ancillary mode needs options.ancillaryCodes');
      p.codes = resolveList(o.ancillaryCodes, ctx.tables, { ...ctx.ref, key: 'options.ancillaryCodes' });
      if (o.ancillaryModifiers) p.modifiers = resolveList(o.ancillaryModifiers, ctx.tables, { ...ctx.ref, key: 'options.ancillaryModifiers' });
    }
    return p;
  },
  run({ bill, lines, exempt, options }) {
    const balanceCents = billTotals(bill).balanceCents;
    const base = { balance: formatCents(balanceCents), protection: options.protection, consent: options.consent };
    const facts = [options.protectionFact];
    if (options.mode === 'emergency') {
      const draft: FindingDraft = { lines: [], amountAtStakeCents: 0, values: { ...base, ancillaryLines: '' }, evidence: { balanceCents, facts } };
      return { findings: [draft], checked: [], gaps: [] };
    }
    const ancillary = lines.filter((l) => !exempt(l) && ((options.codes?.has(l.code) ?? false) || l.modifiers.some((m) => options.modifiers?.has(m) ?? false)));
    const listed = ancillary.map((l) => `${l.line} (${l.code ?? l.revenueCode ?? l.description ?? 'no code'})`).join(', ');
    const draft: FindingDraft = {
      lines: [],
      amountAtStakeCents: 0,
      values: { ...base, ancillaryLines: listed || 'none' },
      evidence: { balanceCents, ancillaryLines: ancillary.map((l) => l.line), facts: [...facts, options.consentFact] },
    };
    if (ancillary.length === 0) {
      // Non-ancillary care: protected unless a valid notice-and-consent form was signed (45 CFR 149.420).
      draft.severity = 'info';
      draft.note = 'No line is an ancillary service in medbill\'s code list, so the protection applies unless you signed a notice-and-consent form; ask the provider for a copy.';
    }
    return { findings: [draft], checked: [], gaps: [] };
  },
};
