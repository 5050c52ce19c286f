/**
 * Check kind `component-of` (rule catalogue B2(a), B3): a test billed separately on the same
 * date of service as a panel or composite code that already includes it (80053 with 82947,
 * 85025 with 85027, 81001 with 81003). The parent → component pairs come from a table
 * (`parent`, `component`, `source` columns). A component with one of `exceptModifiers`
 * (91: a later draw for a new result) is legitimate; one with a `reviewModifiers` modifier
 * (59, X{EPSU}) is reported as info, since the record must show a distinct specimen.
 * Amount at stake: the component's full charge.
 */
import { z } from 'zod';
import type { BillLine } from '../bill/schema.js';
import { resolveList } from '../rules/predicates.js';
import { ValueList } from '../rules/schema.js';
import type { CodeSet } from '../rules/tables.js';
import { groupBy, parseOptions, providerOf, undatedGap, type CheckKind, type FindingDraft } from './types.js';

const Options = z
  .object({
    table: z.string(),
    exceptModifiers: ValueList.optional(),
    reviewModifiers: ValueList.optional(),
  })
  .strict();

interface Prepared {
  parentsOf: Map<string, Array<{ parent: string; source: string }>>;
  except?: CodeSet;
  review?: CodeSet;
}

/** The `component-of` check kind. */
export const componentOf: CheckKind<Prepared> = {
  name: 'component-of',
  summary: 'a component billed on the same day as a panel or composite code that includes it',
  placeholders: ['parent', 'parentLine'],
  options: Options,
  prepare(options, ctx) {
    const o = parseOptions(Options, options, ctx.ref);
    const table = ctx.tables.table(o.table, ['parent', 'component'], { ...ctx.ref, key: 'options.table' });
    const parentsOf = new Map<string, Array<{ parent: string; source: string }>>();
    for (const r of table.rows) {
      const list = parentsOf.get(r.component as string) ?? [];
      list.push({ parent: r.parent as string, source: r.source as string });
      parentsOf.set(r.component as string, list);
    }
    const p: Prepared = { parentsOf };
    if (o.exceptModifiers) p.except = resolveList(o.exceptModifiers, ctx.tables, { ...ctx.ref, key: 'options.exceptModifiers' });
    if (o.reviewModifiers) p.review = resolveList(o.reviewModifiers, ctx.tables, { ...ctx.ref, key: 'options.reviewModifiers' });
    return p;
  },
  run({ lines, charges, exempt, options }) {
    const findings: FindingDraft[] = [];
    const dated = lines.filter((l) => l.dateOfService && l.code);
    const parentsByDay = groupBy(
      charges.filter((l) => l.dateOfService && l.code && !l.modifiers.some((m) => options.except?.has(m))),
      (l) => `${providerOf(l)}|${l.dateOfService}`,
    );
    for (const l of dated) {
      const parents = options.parentsOf.get(l.code as string);
      if (!parents || exempt(l) || l.modifiers.some((m) => options.except?.has(m))) continue;
      const sameDay = parentsByDay.get(`${providerOf(l)}|${l.dateOfService}`) ?? [];
      let hit: { line: BillLine; source: string } | undefined;
      for (const p of parents) {
        const parentLine = sameDay.find((x) => x.code === p.parent && x.line !== l.line);
        if (parentLine) {
          hit = { line: parentLine, source: p.source };
          break;
        }
      }
      if (!hit) continue;
      const draft: FindingDraft = {
        lines: [l.line, hit.line.line],
        amountAtStakeCents: l.chargeCents,
        values: { parent: hit.line.code as string, parentLine: hit.line.line },
        evidence: { component: l.code, parent: hit.line.code, tableSource: hit.source },
      };
      if (l.modifiers.some((m) => options.review?.has(m))) {
        draft.severity = 'info';
        draft.note = `Modifier ${l.modifiers.join(', ')} claims a separate specimen or session: ask for the record that shows it.`;
      }
      findings.push(draft);
    }
    return { findings, checked: dated.map((l) => l.line), gaps: undatedGap(lines.filter((l) => l.code)) };
  },
};

/** Builds parent → set of components from a parent/component table (used by `panel-overlap`). */
export function componentsByParent(rows: Array<Record<string, string>>, kind?: string): Map<string, Set<string>> {
  const m = new Map<string, Set<string>>();
  for (const r of rows) {
    if (kind !== undefined && r.kind !== kind) continue;
    const s = m.get(r.parent as string) ?? new Set<string>();
    s.add(r.component as string);
    m.set(r.parent as string, s);
  }
  return m;
}
