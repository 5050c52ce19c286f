/**
 * Check kind `ptp-edit` (rule catalogue B1): NCCI procedure-to-procedure edits. For two lines
 * of the same provider on the same date of service, an edit (column 1, column 2) in force on
 * that date (effective date ≤ date of service, deletion date `*` or later than it) makes the
 * column-2 line not payable with the column-1 line. Modifier indicator 0: never bypassed;
 * 1: bypassed when an NCCI-associated modifier is on the column-2 line (anatomic modifiers
 * only when the two lines' sides differ; modifiers that sit on the E/M code, 24/25/57, on
 * either line), which turns the finding into a request for the record (info); 9: not an
 * edit. The practitioner table applies to professional bills, the outpatient hospital table
 * to outpatient facility bills; inpatient facility claims are not applicable.
 * Tables: the imported CMS PTP files when present (complete: a pair absent is no edit), else
 * the curated table (code numbers only, each row sourced; lines whose code it does not list
 * are not checked). Amount at stake: the column-2 line's charge.
 * Sources: formats.md §1.1 (CMS PTP file layout and indicators); rules.md B1 and 3.1.
 */
import { z } from 'zod';
import type { BillLine } from '../bill/schema.js';
import { activeOn, pickPeriod, tableLabel, type PtpEdit } from '../data/model.js';
import { RulesError } from '../errors.js';
import { resolveList } from '../rules/predicates.js';
import { ValueList } from '../rules/schema.js';
import type { CodeSet } from '../rules/tables.js';
import { curatedInfo, dataUses, resolveTable, type Curated } from './reference-tables.js';
import { groupBy, parseOptions, providerOf, type CheckKind, type FindingDraft, type Gap } from './types.js';

const Options = z
  .object({
    /** Curated fallback tables (file stems under tables/) for professional and facility bills. */
    tables: z.object({ professional: z.string(), facility: z.string() }).strict(),
    /** NCCI-associated modifiers that may bypass an indicator-1 edit from the column-2 line (rules.md 3.1 PTP_BYPASS). */
    bypassModifiers: ValueList,
    /** Anatomic modifiers: they bypass only when the two lines do not carry the same one. */
    anatomicModifiers: ValueList.optional(),
    /** Modifiers that bypass from either line (they sit on the E/M code, which may be column 1). */
    eitherLineModifiers: ValueList.optional(),
  })
  .strict();

interface Prepared {
  curated: { professional: Curated<PtpEdit>; facility: Curated<PtpEdit> };
  bypass: CodeSet;
  anatomic?: CodeSet;
  either?: CodeSet;
}

const CODE = /^[A-Z0-9]{5}$/;
const ISO = /^(\d{4}-\d{2}-\d{2})?$/;

function loadCurated(name: string, kind: 'ncci-ptp-practitioner' | 'ncci-ptp-hospital', ctx: Parameters<CheckKind['prepare']>[1], key: string): Curated<PtpEdit> {
  const table = ctx.tables.table(name, ['column1', 'column2', 'modifier_indicator'], { ...ctx.ref, key });
  const rows: PtpEdit[] = [];
  const codes = new Set<string>();
  table.rows.forEach((r, i) => {
    const row = table.rowNumbers[i] ?? i + 2;
    const column1 = r.column1 ?? '';
    const column2 = r.column2 ?? '';
    const indicator = r.modifier_indicator ?? '';
    if (!CODE.test(column1) || !CODE.test(column2)) throw new RulesError('column1 and column2 must be CPT/HCPCS codes', { file: table.file, row });
    if (indicator !== '0' && indicator !== '1' && indicator !== '9') throw new RulesError('modifier_indicator must be 0, 1 or 9', { file: table.file, row });
    if (!ISO.test(r.effective ?? '') || !ISO.test(r.deletion ?? '')) throw new RulesError('effective and deletion must be ISO dates or empty', { file: table.file, row });
    rows.push({ period: r.period ?? '', column1, column2, effective: r.effective ?? '', deletion: r.deletion ?? '', indicator, rationale: r.rationale ?? '', source: r.source ?? '' });
    codes.add(column1);
    codes.add(column2);
  });
  return { rows, info: curatedInfo(kind, table), file: table.file, codes };
}

/** Why an indicator-1 edit is bypassed (the modifier and the line carrying it), or undefined. */
function bypassOf(col1: BillLine, col2: BillLine, o: Prepared): string | undefined {
  const onCol2 = col2.modifiers.find((m) => o.bypass.has(m));
  if (onCol2) return `modifier ${onCol2} on line ${col2.line}`;
  const side = col2.modifiers.find((m) => o.anatomic?.has(m) && !col1.modifiers.includes(m));
  if (side) return `anatomic modifier ${side} on line ${col2.line}`;
  const onCol1 = col1.modifiers.find((m) => o.either?.has(m));
  if (onCol1) return `modifier ${onCol1} on line ${col1.line}`;
  return undefined;
}

interface Hit {
  col1: BillLine;
  edit: PtpEdit;
  bypass?: string;
}

/** Order of strength: an indicator-0 edit, then an unbypassed indicator-1 edit, then a bypassed one; then the earlier column-1 line. */
function stronger(a: Hit, b: Hit): boolean {
  const rank = (h: Hit) => (h.edit.indicator === '0' ? 0 : h.bypass ? 2 : 1);
  return rank(a) < rank(b) || (rank(a) === rank(b) && a.col1.line < b.col1.line);
}

/** The `ptp-edit` check kind. */
export const ptpEdit: CheckKind<Prepared> = {
  name: 'ptp-edit',
  summary: 'NCCI procedure-to-procedure edit: a column-2 code billed with its column-1 code the same day',
  placeholders: ['column1', 'column2', 'column1Line', 'indicator', 'table', 'rationale'],
  options: Options,
  prepare(options, ctx) {
    const o = parseOptions(Options, options, ctx.ref);
    const p: Prepared = {
      curated: {
        professional: loadCurated(o.tables.professional, 'ncci-ptp-practitioner', ctx, 'options.tables.professional'),
        facility: loadCurated(o.tables.facility, 'ncci-ptp-hospital', ctx, 'options.tables.facility'),
      },
      bypass: resolveList(o.bypassModifiers, ctx.tables, { ...ctx.ref, key: 'options.bypassModifiers' }),
    };
    if (o.anatomicModifiers) p.anatomic = resolveList(o.anatomicModifiers, ctx.tables, { ...ctx.ref, key: 'options.anatomicModifiers' });
    if (o.eitherLineModifiers) p.either = resolveList(o.eitherLineModifiers, ctx.tables, { ...ctx.ref, key: 'options.eitherLineModifiers' });
    return p;
  },
  run({ facts, lines, charges, exempt, options, reference }) {
    const coded = lines.filter((l) => l.code);
    const resolved = resolveTable(facts, lines, reference, options.curated, { professional: 'ncci-ptp-practitioner', facility: 'ncci-ptp-hospital' } as const, 'NCCI PTP edits');
    if ('done' in resolved) return resolved.done;
    const { kind, curated, imported, data, tableFiles } = resolved;
    const periods = data.datasets.map((d) => d.period);
    const byPair = groupBy(data.rows, (e) => `${e.column1}|${e.column2}`);

    const findings: FindingDraft[] = [];
    const used = new Set<string>();
    const checked: number[] = [];
    const uncovered: number[] = [];
    const undated: number[] = [];
    const byDay = groupBy(
      charges.filter((l) => l.code && l.dateOfService),
      (l) => `${providerOf(l)}|${l.dateOfService}`,
    );
    for (const l of coded) {
      const dos = l.dateOfService;
      if (!dos) {
        undated.push(l.line);
        continue;
      }
      if (!data.complete && !data.codes.has(l.code as string)) {
        uncovered.push(l.line);
        continue;
      }
      checked.push(l.line);
      if (exempt(l)) continue;
      const picked = imported ? pickPeriod(periods, dos) : undefined;
      if (picked) used.add(picked.period);
      let best: Hit | undefined;
      for (const x of byDay.get(`${providerOf(l)}|${dos}`) ?? []) {
        if (x.line === l.line || x.code === l.code) continue;
        for (const edit of byPair.get(`${x.code}|${l.code}`) ?? []) {
          if (picked && edit.period !== picked.period) continue;
          if (edit.indicator === '9' || !activeOn(edit.effective, edit.deletion, dos)) continue;
          const hit: Hit = { col1: x, edit };
          if (edit.indicator === '1') {
            const b = bypassOf(x, l, options);
            if (b) hit.bypass = b;
          }
          if (!best || stronger(hit, best)) best = hit;
        }
      }
      if (!best) continue;
      const { col1, edit } = best;
      const origin = imported ? 'imported' : 'curated';
      const period = imported ? edit.period : curated.info.period;
      const table = tableLabel(kind, period || 'undated', origin);
      const draft: FindingDraft = {
        lines: [l.line, col1.line],
        amountAtStakeCents: l.chargeCents,
        values: { column1: edit.column1, column2: edit.column2, column1Line: col1.line, indicator: edit.indicator, table, rationale: edit.rationale || 'not given' },
        evidence: {
          column1: edit.column1,
          column2: edit.column2,
          modifierIndicator: edit.indicator,
          effectiveDate: edit.effective || null,
          deletionDate: edit.deletion || null,
          rationale: edit.rationale || null,
          table: kind,
          period: period || null,
          origin,
          source: edit.source,
        },
      };
      const notes: string[] = [];
      const mods = l.modifiers.filter((m) => options.bypass.has(m) || options.anatomic?.has(m));
      if (edit.indicator === '0' && mods.length > 0) notes.push(`Modifier ${mods.join(', ')} does not bypass this edit: its modifier indicator is 0.`);
      if (best.bypass) {
        draft.severity = 'info';
        notes.push(`The ${best.bypass} may bypass this edit (modifier indicator 1) only if the record shows a distinct service (other site, session or encounter): ask for it.`);
      }
      if (picked && !picked.exact) notes.push(`No ${kind} table for the quarter of ${dos} is imported; the ${picked.period} table was used.`);
      if (notes.length > 0) draft.note = notes.join(' ');
      findings.push(draft);
    }
    const gaps: Gap[] = [];
    if (uncovered.length > 0) gaps.push({ lines: uncovered, reason: `code in no edit of the curated ${kind} table (import the CMS PTP file: medbill data import)` });
    if (undated.length > 0) gaps.push({ lines: undated, reason: 'no date of service' });
    return { findings, checked, gaps, data: dataUses(kind, data.datasets, curated.file, used), tableFiles };
  },
};
