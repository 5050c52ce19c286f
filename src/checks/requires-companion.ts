/**
 * Check kind `requires-companion` (rule catalogue C4): a line that is only billable together
 * with a companion service on the same date of service, e.g. trauma team activation
 * (revenue code 068x, HCPCS G0390) without at least 30 minutes of critical care (99291):
 * Medicare and payers that follow it package the activation into the visit without it.
 * The rule's `where` selects the lines; `companions` lists the codes that satisfy them.
 * Amount at stake: the line's full charge.
 */
import { z } from 'zod';
import { resolveList } from '../rules/predicates.js';
import { ValueList } from '../rules/schema.js';
import type { CodeSet } from '../rules/tables.js';
import { parseOptions, undatedGap, type CheckKind, type FindingDraft } from './types.js';

const Options = z.object({ companions: ValueList }).strict();

/** The `requires-companion` check kind. */
export const requiresCompanion: CheckKind<{ companions: CodeSet }> = {
  name: 'requires-companion',
  summary: 'a line billed without the companion service it requires on the same day',
  placeholders: ['companions'],
  options: Options,
  prepare(options, ctx) {
    const o = parseOptions(Options, options, ctx.ref);
    return { companions: resolveList(o.companions, ctx.tables, { ...ctx.ref, key: 'options.companions' }) };
  },
  run({ lines, charges, exempt, options }) {
    const findings: FindingDraft[] = [];
    const dated = lines.filter((l) => l.dateOfService);
    for (const l of dated) {
      if (exempt(l)) continue;
      if (charges.some((x) => x.dateOfService === l.dateOfService && options.companions.has(x.code))) continue;
      findings.push({
        lines: [l.line],
        amountAtStakeCents: l.chargeCents,
        values: { companions: options.companions.list().join(', ') },
        evidence: { companions: options.companions.list() },
      });
    }
    return { findings, checked: dated.map((l) => l.line), gaps: undatedGap(lines) };
  },
};
