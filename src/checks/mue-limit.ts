/**
 * Check kind `mue-limit` (rule catalogue D1): Medically Unlikely Edits, the most units of a
 * code one provider reports for one patient on one date of service. MUE adjudication
 * indicator (MAI) 1 limits the units per claim line: lines carrying a line-split modifier
 * (59, 76, 77, 91, X{EPSU}, anatomic) are counted on their own, the other lines of the code
 * that day together. MAI 2 and 3 limit the units per code per date of service, all lines
 * summed: MAI 2 is an absolute policy limit (error), MAI 3 a clinical one (warning: payable
 * on appeal with records). The practitioner table applies to professional bills, the
 * outpatient hospital table to outpatient facility bills; inpatient facility claims are not
 * applicable. Units above the limit are disputed from the last line back, each at its own
 * unit charge (charge ÷ units). Codes without an MUE (none published, or confidential) and
 * lines without units are not checked.
 * Sources: formats.md §1.2 (CMS MUE file layout, MAI meanings); rules.md D1 and 3.1 (MUE_LINE_SPLIT).
 */
import { z } from 'zod';
import type { BillLine } from '../bill/schema.js';
import { pickPeriod, tableLabel, type MueLimit } from '../data/model.js';
import { RulesError } from '../errors.js';
import { resolveList } from '../rules/predicates.js';
import { ValueList } from '../rules/schema.js';
import type { CodeSet } from '../rules/tables.js';
import { curatedInfo, dataUses, resolveTable, type Curated } from './reference-tables.js';
import { excessAmount, groupBy, parseOptions, providerOf, type CheckKind, type FindingDraft, type Gap } from './types.js';

const Options = z
  .object({
    /** Curated fallback tables (file stems under tables/) for professional and facility bills. */
    tables: z.object({ professional: z.string(), facility: z.string() }).strict(),
    /** Modifiers that make a line count on its own under MAI 1 (rules.md 3.1 MUE_LINE_SPLIT). */
    lineSplitModifiers: ValueList,
  })
  .strict();

interface Prepared {
  curated: { professional: Curated<MueLimit>; facility: Curated<MueLimit> };
  split: CodeSet;
}

const MAI_TEXT: Record<1 | 2 | 3, string> = {
  1: 'MAI 1, per claim line',
  2: 'MAI 2, per date of service, policy limit',
  3: 'MAI 3, per date of service, clinical limit',
};

function loadCurated(name: string, kind: 'mue-practitioner' | 'mue-hospital', ctx: Parameters<CheckKind['prepare']>[1], key: string): Curated<MueLimit> {
  const table = ctx.tables.table(name, ['code', 'mue_value', 'mai'], { ...ctx.ref, key });
  const rows: MueLimit[] = [];
  table.rows.forEach((r, i) => {
    const row = table.rowNumbers[i] ?? i + 2;
    if (!/^[A-Z0-9]{5}$/.test(r.code ?? '')) throw new RulesError('code must be a CPT/HCPCS code', { file: table.file, row });
    if (!/^\d+$/.test(r.mue_value ?? '')) throw new RulesError('mue_value must be a whole number', { file: table.file, row });
    if (!/^[123]$/.test(r.mai ?? '')) throw new RulesError('mai must be 1, 2 or 3', { file: table.file, row });
    rows.push({ period: r.period ?? '', code: r.code as string, value: Number(r.mue_value), mai: Number(r.mai) as 1 | 2 | 3, rationale: r.rationale ?? '', source: r.source ?? '' });
  });
  return { rows, info: curatedInfo(kind, table), file: table.file, codes: new Set(rows.map((r) => r.code)) };
}

/** Spreads `excess` units over `group` from the last line back: [line, units disputed on it]. */
function spread(group: BillLine[], excess: number, exempt: (l: BillLine) => boolean): Array<[BillLine, number]> {
  const out: Array<[BillLine, number]> = [];
  let left = excess;
  for (const l of [...group].sort((a, b) => b.line - a.line)) {
    if (left <= 0) break;
    const take = Math.min(left, l.units ?? 0);
    left -= take;
    if (take > 0 && !exempt(l)) out.push([l, take]);
  }
  return out;
}

/** The `mue-limit` check kind. */
export const mueLimit: CheckKind<Prepared> = {
  name: 'mue-limit',
  summary: 'Medically Unlikely Edit: more units of a code than one provider reports for one patient on one day',
  placeholders: ['billed', 'limit', 'mai', 'excess', 'scope', 'table'],
  options: Options,
  prepare(options, ctx) {
    const o = parseOptions(Options, options, ctx.ref);
    return {
      curated: {
        professional: loadCurated(o.tables.professional, 'mue-practitioner', ctx, 'options.tables.professional'),
        facility: loadCurated(o.tables.facility, 'mue-hospital', ctx, 'options.tables.facility'),
      },
      split: resolveList(o.lineSplitModifiers, ctx.tables, { ...ctx.ref, key: 'options.lineSplitModifiers' }),
    };
  },
  run({ facts, lines, exempt, options, reference }) {
    const coded = lines.filter((l) => l.code);
    const resolved = resolveTable(facts, lines, reference, options.curated, { professional: 'mue-practitioner', facility: 'mue-hospital' } as const, 'MUEs');
    if ('done' in resolved) return resolved.done;
    const { kind, curated, imported, data, tableFiles } = resolved;
    const periods = data.datasets.map((d) => d.period);
    const byCode = groupBy(data.rows, (r) => r.code);

    const findings: FindingDraft[] = [];
    const used = new Set<string>();
    const checked: number[] = [];
    const noLimit: number[] = [];
    const noUnits: number[] = [];
    const undated: number[] = [];
    const ready: BillLine[] = [];
    for (const l of coded) {
      if (!l.dateOfService) undated.push(l.line);
      else if (l.units === undefined) noUnits.push(l.line);
      else ready.push(l);
    }
    for (const group of groupBy(ready, (l) => `${providerOf(l)}|${l.dateOfService}|${l.code}`).values()) {
      const first = group[0] as BillLine;
      const dos = first.dateOfService as string;
      const picked = imported ? pickPeriod(periods, dos) : undefined;
      if (picked) used.add(picked.period);
      const candidates = (byCode.get(first.code as string) ?? []).filter((r) => !picked || r.period === picked.period);
      // A curated table may list a code for several quarters: the latest applies.
      const limit = candidates.sort((a, b) => (a.period < b.period ? 1 : -1))[0];
      if (!limit) {
        noLimit.push(...group.map((l) => l.line));
        continue;
      }
      checked.push(...group.map((l) => l.line));
      // MAI 1: split lines on their own, the rest of the day's lines of the code as one line.
      const units: BillLine[][] = limit.mai === 1 ? [group.filter((l) => !l.modifiers.some((m) => options.split.has(m))), ...group.filter((l) => l.modifiers.some((m) => options.split.has(m))).map((l) => [l])] : [group];
      const origin = imported ? 'imported' : 'curated';
      const period = imported ? limit.period : curated.info.period;
      const table = tableLabel(kind, period || 'undated', origin);
      for (const set of units.filter((s) => s.length > 0)) {
        const billed = set.reduce((s, l) => s + (l.units ?? 0), 0);
        if (billed <= limit.value) continue;
        const excess = billed - limit.value;
        const scope = set.length === 1 ? `on line ${(set[0] as BillLine).line}` : `on lines ${set.map((l) => l.line).join(', ')} together`;
        for (const [l, over] of spread(set, excess, exempt)) {
          const draft: FindingDraft = {
            lines: [l.line, ...set.filter((x) => x.line !== l.line).map((x) => x.line)],
            amountAtStakeCents: excessAmount(l, over),
            values: { billed, limit: limit.value, mai: MAI_TEXT[limit.mai], excess, scope, table },
            evidence: { code: limit.code, mueValue: limit.value, mai: limit.mai, unitsBilled: billed, unitsOverOnThisLine: over, rationale: limit.rationale || null, table: kind, period: period || null, origin, source: limit.source },
          };
          const notes: string[] = [];
          if (limit.mai === 3) {
            draft.severity = 'warning';
            notes.push('MAI 3 is a clinical limit: the payer may pay the extra units on appeal if the record shows they were given and needed.');
          }
          if (limit.mai === 1) notes.push('More units are billable only on separate lines with a modifier such as 59, 76, 91, XS or an anatomic modifier.');
          if (limit.value === 0) notes.push('An MUE of 0 means the code is not payable in this setting.');
          if (picked && !picked.exact) notes.push(`No ${kind} table for the quarter of ${dos} is imported; the ${picked.period} table was used.`);
          if (notes.length > 0) draft.note = notes.join(' ');
          findings.push(draft);
        }
      }
    }
    const gaps: Gap[] = [];
    if (noLimit.length > 0) {
      gaps.push({
        lines: noLimit,
        reason: imported ? `no published MUE for the code in ${kind} (CMS keeps some MUEs confidential)` : `code not in the curated ${kind} table (import the CMS MUE file: medbill data import)`,
      });
    }
    if (noUnits.length > 0) gaps.push({ lines: noUnits, reason: 'no units on the line' });
    if (undated.length > 0) gaps.push({ lines: undated, reason: 'no date of service' });
    return { findings, checked, gaps, data: dataUses(kind, data.datasets, curated.file, used), tableFiles };
  },
};
