/**
 * Check kind `panel-overlap` (rule catalogue B2(b)): two lab panels that share tests billed
 * for the same date of service (80048 with 80053, 80069 with 80053). CPT lets one collection
 * be reported as the larger panel plus the leftover tests individually. The smaller panel is
 * disputed; when all its tests are inside the larger panel its whole charge is at stake,
 * otherwise the overcharge is its charge less what its leftover tests cost separately, which
 * a bill does not show, so no amount is claimed. Panels come from the `parent`/`component`
 * table rows whose `kind` is `panel`.
 */
import { z } from 'zod';
import type { BillLine } from '../bill/schema.js';
import { componentsByParent } from './component-of.js';
import { groupBy, parseOptions, providerOf, type CheckKind, type FindingDraft } from './types.js';

const Options = z.object({ table: z.string(), exceptModifiers: z.array(z.union([z.string(), z.number()]).transform(String)).optional() }).strict();

interface Prepared {
  panels: Map<string, Set<string>>;
  except: Set<string>;
}

/** The `panel-overlap` check kind. */
export const panelOverlap: CheckKind<Prepared> = {
  name: 'panel-overlap',
  summary: 'two lab panels that share tests billed on the same day',
  placeholders: ['largerPanel', 'largerLine', 'shared', 'leftover'],
  options: Options,
  prepare(options, ctx) {
    const o = parseOptions(Options, options, ctx.ref);
    const table = ctx.tables.table(o.table, ['parent', 'component', 'kind'], { ...ctx.ref, key: 'options.table' });
    return { panels: componentsByParent(table.rows, 'panel'), except: new Set(o.exceptModifiers ?? []) };
  },
  run({ lines, exempt, options }) {
    const findings: FindingDraft[] = [];
    const panelLines = lines.filter((l) => l.code && options.panels.has(l.code) && l.dateOfService && !l.modifiers.some((m) => options.except.has(m)));
    for (const day of groupBy(panelLines, (l) => `${providerOf(l)}|${l.dateOfService}`).values()) {
      for (const small of day) {
        const sc = options.panels.get(small.code as string) as Set<string>;
        let best: { line: BillLine; shared: string[] } | undefined;
        for (const big of day) {
          if (big === small || big.code === small.code) continue;
          const bc = options.panels.get(big.code as string) as Set<string>;
          if (bc.size < sc.size || (bc.size === sc.size && big.line > small.line)) continue;
          const shared = [...sc].filter((c) => bc.has(c));
          if (shared.length > 0 && (!best || shared.length > best.shared.length)) best = { line: big, shared };
        }
        if (!best || exempt(small)) continue;
        const leftover = [...sc].filter((c) => !best!.shared.includes(c));
        const draft: FindingDraft = {
          lines: [small.line, best.line.line],
          amountAtStakeCents: leftover.length === 0 ? small.chargeCents : 0,
          values: { largerPanel: best.line.code as string, largerLine: best.line.line, shared: best.shared.join(', '), leftover: leftover.join(', ') || 'none' },
          evidence: { shared: best.shared, leftover },
        };
        if (leftover.length > 0) draft.note = `Its tests ${leftover.join(', ')} are not in ${best.line.code}; those may be billed on their own, so the overcharge is this panel's charge less their price.`;
        findings.push(draft);
      }
    }
    return { findings, checked: panelLines.map((l) => l.line), gaps: [] };
  },
};
