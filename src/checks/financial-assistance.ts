/**
 * Check kind `financial-assistance` (rule catalogue H7, first step; IRC 501(r), 26 CFR
 * 1.501(r)-4 to -6): an uninsured or self-pay patient at a tax-exempt hospital should ask for
 * the financial assistance policy (FAP) before paying. Which bills qualify is the rule's
 * `appliesTo` (insurance, nonprofit); this kind words the bill-level finding from the facts
 * book and computes, from the bill's statement date, the end of the 120-day period before
 * which no extraordinary collection action may start and the earliest end of the 240-day
 * application period. Amount at stake: 0 (what assistance gives depends on the FAP).
 */
import { z } from 'zod';
import { addDays } from '../dates.js';
import { parseOptions, type CheckKind } from './types.js';

const Options = z.object({ fapFact: z.string().default('fap-501r'), collectionsFact: z.string().default('fap-501r-collections') }).strict();

interface Prepared {
  fapFact: string;
  fap: string;
  collectionsFact: string;
  noEcaDays: number;
  applicationDays: number;
}

/** The `financial-assistance` check kind. */
export const financialAssistance: CheckKind<Prepared> = {
  name: 'financial-assistance',
  summary: 'an uninsured or self-pay patient at a tax-exempt hospital: ask for the FAP before paying',
  placeholders: ['fap', 'applyBy', 'noEcaBefore', 'applicationDays', 'noEcaDays'],
  options: Options,
  scope: 'bill',
  prepare(options, ctx) {
    const o = parseOptions(Options, options, ctx.ref);
    return {
      fapFact: o.fapFact,
      fap: ctx.facts.get(o.fapFact).text,
      collectionsFact: o.collectionsFact,
      noEcaDays: ctx.facts.number(o.collectionsFact, 'noEcaDays'),
      applicationDays: ctx.facts.number(o.collectionsFact, 'applicationDays'),
    };
  },
  run({ facts, options }) {
    const stmt = facts.statementDate;
    const applyBy = stmt ? addDays(stmt, options.applicationDays) : `${options.applicationDays} days after the first post-discharge statement`;
    const noEcaBefore = stmt ? addDays(stmt, options.noEcaDays) : `${options.noEcaDays} days after the first post-discharge statement`;
    return {
      findings: [
        {
          lines: [],
          amountAtStakeCents: 0,
          values: { fap: options.fap, applyBy, noEcaBefore, applicationDays: options.applicationDays, noEcaDays: options.noEcaDays },
          evidence: { ...(stmt ? { statementDate: stmt, applyBy, noEcaBefore } : {}), facts: [options.fapFact, options.collectionsFact] },
          ...(stmt
            ? { note: `(Dates counted from the statement dated ${stmt}; if an earlier statement was sent after discharge, they count from that one.)` }
            : { note: 'Give --statement-date (the first statement after discharge) to compute the dates.' }),
        },
      ],
      // Bill-level advice: it does not check lines, so it leaves line coverage alone.
      checked: [],
      gaps: [],
    };
  },
};
