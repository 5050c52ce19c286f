/**
 * Check kind `add-on-primary` (rule catalogue B5): an add-on code billed without one of its
 * primary codes on the same date of service for the same provider (99292 without 99291,
 * 17003 without 17000, 96375 without an initial IV code). Pairs come from a table with
 * `addon`, `primary` and `source` columns and an optional CMS add-on code edit `type`
 * (1: only the listed primaries; 2: no primaries defined, info only; 3: listed primaries or
 * others the payer accepts, warning). Lines whose code is not in the table are reported as
 * not checked unless the table is declared `complete`. Amount at stake: the add-on's charge.
 */
import { z } from 'zod';
import { groupBy, parseOptions, providerOf, type CheckKind, type FindingDraft, type Gap } from './types.js';

const Options = z
  .object({
    table: z.string(),
    /** True when the table lists every add-on code, so a code not in it is known not to be an add-on. */
    complete: z.boolean().default(false),
    /** Why a code outside the table is not checked (shown in coverage). */
    notCoveredReason: z.string().default('code not in the add-on code table'),
  })
  .strict();

interface AddOn {
  primaries: Set<string>;
  type: string;
  sources: string[];
}

interface Prepared {
  addOns: Map<string, AddOn>;
  primaryCodes: Set<string>;
  complete: boolean;
  notCoveredReason: string;
}

/** The `add-on-primary` check kind. */
export const addOnPrimary: CheckKind<Prepared> = {
  name: 'add-on-primary',
  summary: 'an add-on code billed without one of its primary codes on the same day',
  placeholders: ['primaries', 'aocType'],
  options: Options,
  prepare(options, ctx) {
    const o = parseOptions(Options, options, ctx.ref);
    const table = ctx.tables.table(o.table, ['addon', 'primary'], { ...ctx.ref, key: 'options.table' });
    const addOns = new Map<string, AddOn>();
    const primaryCodes = new Set<string>();
    for (const r of table.rows) {
      const a = addOns.get(r.addon as string) ?? { primaries: new Set<string>(), type: r.type || '1', sources: [] };
      if (r.primary) {
        a.primaries.add(r.primary);
        primaryCodes.add(r.primary);
      }
      if (!a.sources.includes(r.source as string)) a.sources.push(r.source as string);
      addOns.set(r.addon as string, a);
    }
    return { addOns, primaryCodes, complete: o.complete, notCoveredReason: o.notCoveredReason };
  },
  run({ lines, charges, exempt, options }) {
    const findings: FindingDraft[] = [];
    const gaps: Gap[] = [];
    const coded = lines.filter((l) => l.code);
    const byDay = groupBy(
      charges.filter((l) => l.code && l.dateOfService),
      (l) => `${providerOf(l)}|${l.dateOfService}`,
    );
    const checked: number[] = [];
    const uncovered: number[] = [];
    const undated: number[] = [];
    for (const l of coded) {
      const a = options.addOns.get(l.code as string);
      if (!a) {
        if (options.complete || options.primaryCodes.has(l.code as string)) checked.push(l.line);
        else uncovered.push(l.line);
        continue;
      }
      if (!l.dateOfService) {
        undated.push(l.line);
        continue;
      }
      checked.push(l.line);
      if (a.type === '2' || exempt(l)) continue;
      const sameDay = byDay.get(`${providerOf(l)}|${l.dateOfService}`) ?? [];
      if (sameDay.some((x) => x.line !== l.line && a.primaries.has(x.code as string))) continue;
      const draft: FindingDraft = {
        lines: [l.line],
        amountAtStakeCents: l.chargeCents,
        values: { primaries: [...a.primaries].join(', '), aocType: a.type },
        evidence: { addOn: l.code, acceptedPrimaries: [...a.primaries], aocType: a.type, tableSource: a.sources },
      };
      if (a.type === '3') {
        draft.severity = 'warning';
        draft.note = 'For this add-on the payer may accept other primary codes as well.';
      }
      findings.push(draft);
    }
    if (uncovered.length > 0) gaps.push({ lines: uncovered, reason: options.notCoveredReason });
    if (undated.length > 0) gaps.push({ lines: undated, reason: 'no date of service' });
    return { findings, checked, gaps };
  },
};
