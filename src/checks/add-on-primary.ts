/**
 * Check kind `add-on-primary` (rule catalogue B5): an add-on code billed without one of its
 * primary codes on the same date of service for the same provider (99292 without 99291,
 * 17003 without 17000, 96375 without an initial IV code). CMS add-on code edit types
 * (formats.md §1.3): type 1, only the listed primaries (error); type 2, CMS lists no primary
 * and the payer decides (info, and only when nothing else was billed that day); type 3, the
 * listed primaries or others the payer accepts (warning).
 * Tables: the imported CMS AOC file when present (complete: a code absent from it is not an
 * add-on; each pair applies from its effective date and not on or after its deletion date,
 * or the add-on's or primary's deletion date), else the curated table with `addon`,
 * `primary`, `source` and an optional `type` column, where codes not in the table are not
 * checked unless the table is declared `complete`. Amount at stake: the add-on's charge.
 */
import { z } from 'zod';
import { activeOn, pickPeriod, tableLabel, type AocData, type AocPair } from '../data/model.js';
import { curatedInfo, dataUses, listCodes } from './reference-tables.js';
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
  type: '1' | '2' | '3';
  sources: string[];
}

interface Prepared {
  addOns: Map<string, AddOn>;
  primaryCodes: Set<string>;
  complete: boolean;
  notCoveredReason: string;
  file: string;
  info: ReturnType<typeof curatedInfo>;
}

/** The add-on edit of `code` on `dos` from imported AOC pairs: undefined when the code is no add-on, null when its edit is not in force that day. */
function importedAddOn(pairs: AocPair[], dos: string): AddOn | null {
  const active = pairs.filter((p) => activeOn(p.effective, p.deletion, dos) && (p.addOnDeleted === '' || p.addOnDeleted > dos));
  if (active.length === 0) return null;
  // The most restrictive type in force decides: 1 before 3 before 2.
  const type = active.some((p) => p.type === 1) ? '1' : active.some((p) => p.type === 3) ? '3' : '2';
  const primaries = new Set(active.filter((p) => p.primary !== '' && (p.primaryDeleted === '' || p.primaryDeleted > dos)).map((p) => p.primary));
  return { primaries, type, sources: [...new Set(active.map((p) => p.source))] };
}

/** The `add-on-primary` check kind. */
export const addOnPrimary: CheckKind<Prepared> = {
  name: 'add-on-primary',
  summary: 'an add-on code billed without one of its primary codes on the same day',
  placeholders: ['primaries', 'aocType', 'table'],
  options: Options,
  prepare(options, ctx) {
    const o = parseOptions(Options, options, ctx.ref);
    const table = ctx.tables.table(o.table, ['addon', 'primary'], { ...ctx.ref, key: 'options.table' });
    const addOns = new Map<string, AddOn>();
    const primaryCodes = new Set<string>();
    for (const r of table.rows) {
      const type = r.type === '2' || r.type === '3' ? r.type : '1';
      const a = addOns.get(r.addon as string) ?? { primaries: new Set<string>(), type, sources: [] };
      if (r.primary) {
        a.primaries.add(r.primary);
        primaryCodes.add(r.primary);
      }
      if (!a.sources.includes(r.source as string)) a.sources.push(r.source as string);
      addOns.set(r.addon as string, a);
    }
    return { addOns, primaryCodes, complete: o.complete, notCoveredReason: o.notCoveredReason, file: table.file, info: curatedInfo('aoc', table) };
  },
  run({ lines, charges, exempt, options, reference }) {
    const imported = reference.aoc as AocData | undefined;
    const findings: FindingDraft[] = [];
    const gaps: Gap[] = [];
    const coded = lines.filter((l) => l.code);
    const byDay = groupBy(
      charges.filter((l) => l.code && l.dateOfService),
      (l) => `${providerOf(l)}|${l.dateOfService}`,
    );
    const pairsByAddOn = imported ? groupBy(imported.rows, (p) => p.addOn) : undefined;
    const periods = imported ? imported.datasets.map((d) => d.period) : [];
    const checked: number[] = [];
    const used = new Set<string>();
    const uncovered: number[] = [];
    const undated: number[] = [];
    const inactive: number[] = [];
    for (const l of coded) {
      const code = l.code as string;
      let a: AddOn | null | undefined;
      let picked: ReturnType<typeof pickPeriod>;
      if (pairsByAddOn) {
        if (!l.dateOfService) {
          if (pairsByAddOn.has(code)) undated.push(l.line);
          else checked.push(l.line);
          continue;
        }
        picked = pickPeriod(periods, l.dateOfService);
        if (picked) used.add(picked.period);
        const pairs = (pairsByAddOn.get(code) ?? []).filter((p) => p.period === picked?.period);
        a = pairs.length === 0 ? undefined : importedAddOn(pairs, l.dateOfService);
        if (a === null) {
          inactive.push(l.line);
          continue;
        }
        if (!a) {
          checked.push(l.line);
          continue;
        }
      } else {
        a = options.addOns.get(code);
        if (!a) {
          if (options.complete || options.primaryCodes.has(code)) checked.push(l.line);
          else uncovered.push(l.line);
          continue;
        }
        if (!l.dateOfService) {
          undated.push(l.line);
          continue;
        }
      }
      checked.push(l.line);
      if (exempt(l)) continue;
      const sameDay = (byDay.get(`${providerOf(l)}|${l.dateOfService}`) ?? []).filter((x) => x.line !== l.line);
      const table = imported ? tableLabel('aoc', picked?.period ?? '', 'imported') : 'the curated add-on table';
      const notes: string[] = [];
      if (picked && !picked.exact) notes.push(`No aoc table for the quarter of ${l.dateOfService} is imported; the ${picked.period} table was used.`);
      const draft: FindingDraft = {
        lines: [l.line],
        amountAtStakeCents: l.chargeCents,
        values: { primaries: listCodes(a.primaries), aocType: a.type, table },
        evidence: { addOn: code, acceptedPrimaries: [...a.primaries], aocType: a.type, origin: imported ? 'imported' : 'curated', period: picked?.period ?? null, tableSource: a.sources },
      };
      if (a.type === '2') {
        // No CMS primary list: only an add-on billed with nothing else that day is worth asking about.
        if (sameDay.length > 0) continue;
        draft.severity = 'info';
        draft.values = { ...draft.values, primaries: 'none listed by CMS' };
        notes.unshift('CMS lists no primary codes for this add-on (type 2: the payer decides), and nothing else was billed that day: ask which service it was added to.');
      } else {
        if (sameDay.some((x) => a.primaries.has(x.code as string))) continue;
        if (a.type === '3') {
          draft.severity = 'warning';
          notes.unshift('For this add-on the payer may accept other primary codes as well.');
        }
      }
      if (notes.length > 0) draft.note = notes.join(' ');
      findings.push(draft);
    }
    if (uncovered.length > 0) gaps.push({ lines: uncovered, reason: options.notCoveredReason });
    if (undated.length > 0) gaps.push({ lines: undated, reason: 'no date of service' });
    if (inactive.length > 0) gaps.push({ lines: inactive, reason: 'the add-on code edit for this code is not in force on its date of service (deleted or not yet effective)' });
    const data = imported ? dataUses('aoc', imported.datasets, options.file, used) : dataUses('aoc', [options.info], options.file);
    return { findings, checked, gaps, data, tableFiles: [options.file] };
  },
};
