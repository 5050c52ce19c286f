/**
 * Check kind `frequency-limit` (rule catalogue A7 and B4): codes that may be billed only a
 * limited number of times per day or per stay (36415 venipuncture once per encounter, one ED
 * visit level per visit, one office E/M per day per provider, 99291 once per day, one initial
 * drug-administration code per encounter, 99238/99239 once per stay). Units (or lines) are
 * counted per provider and scope, across the whole code set or per code; the lines kept are
 * the first ones or the highest-charged ones (so the lower-level visit is the one disputed),
 * and what exceeds the limit is at stake: the excess units times the line's unit charge.
 * Lines carrying one of `exceptModifiers` (e.g. 27 for a separate visit, 59/XU for a second
 * IV site) are separate encounters and are not counted.
 */
import { z } from 'zod';
import type { BillLine } from '../bill/schema.js';
import { resolveList } from '../rules/predicates.js';
import { ValueList } from '../rules/schema.js';
import type { CodeSet } from '../rules/tables.js';
import { excessAmount, groupBy, parseOptions, providerOf, unitsOf, type CheckKind, type FindingDraft, type Gap } from './types.js';
import { evidenceLines } from './evidence.js';

const Options = z
  .object({
    codes: ValueList.describe('CPT/HCPCS codes the limit applies to'),
    max: z.number().int().min(1),
    scope: z.enum(['day', 'stay']).describe('day: per date of service; stay: per bill'),
    per: z.enum(['set', 'code']).default('set').describe('set: the limit is shared by all codes of the set; code: each code has its own'),
    count: z.enum(['units', 'lines']).default('units'),
    keep: z.enum(['first', 'highest-charge']).default('first'),
    exceptModifiers: ValueList.optional(),
  })
  .strict();

interface Prepared {
  codes: CodeSet;
  max: number;
  scope: 'day' | 'stay';
  per: 'set' | 'code';
  count: 'units' | 'lines';
  keep: 'first' | 'highest-charge';
  except?: CodeSet;
}

/** The `frequency-limit` check kind. */
export const frequencyLimit: CheckKind<Prepared> = {
  name: 'frequency-limit',
  summary: 'codes billed more often than allowed per day or per stay',
  placeholders: ['billed', 'max', 'scope', 'kept', 'keptLine', 'keptCode', 'excess'],
  options: Options,
  prepare(options, ctx) {
    const o = parseOptions(Options, options, ctx.ref);
    const p: Prepared = {
      codes: resolveList(o.codes, ctx.tables, { ...ctx.ref, key: 'options.codes' }),
      max: o.max,
      scope: o.scope,
      per: o.per,
      count: o.count,
      keep: o.keep,
    };
    if (o.exceptModifiers) p.except = resolveList(o.exceptModifiers, ctx.tables, { ...ctx.ref, key: 'options.exceptModifiers' });
    return p;
  },
  run({ lines, exempt, options }) {
    const findings: FindingDraft[] = [];
    const gaps: Gap[] = [];
    const inSet = lines.filter((l) => options.codes.has(l.code));
    const counted = inSet.filter((l) => !l.modifiers.some((m) => options.except?.has(m)));
    const undated = options.scope === 'day' ? counted.filter((l) => !l.dateOfService) : [];
    if (undated.length > 0) gaps.push({ lines: undated.map((l) => l.line), reason: 'no date of service' });
    const groups = groupBy(
      counted.filter((l) => options.scope === 'stay' || l.dateOfService),
      (l) => [providerOf(l), options.scope === 'day' ? l.dateOfService : '', options.per === 'code' ? l.code : ''].join('|'),
    );
    for (const group of groups.values()) {
      const amount = (l: BillLine) => (options.count === 'units' ? unitsOf(l) : 1);
      const total = group.reduce((s, l) => s + amount(l), 0);
      if (total <= options.max) continue;
      const order = [...group].sort((a, b) => {
        if (options.keep === 'highest-charge') {
          const ua = a.chargeCents / unitsOf(a);
          const ub = b.chargeCents / unitsOf(b);
          if (ua !== ub) return ub - ua;
        }
        return a.line - b.line;
      });
      const kept = order[0] as BillLine;
      // The lines that use up the allowance are the ones kept.
      const keptLines: BillLine[] = [];
      let left = options.max;
      for (const l of order) {
        if (left <= 0) break;
        keptLines.push(l);
        left -= amount(l);
      }
      const keptText = keptLines.map((k) => `${k.line} (${k.code ?? ''})`);
      let remaining = options.max;
      for (const l of order) {
        const n = amount(l);
        const allowed = Math.min(n, remaining);
        remaining -= allowed;
        const excess = n - allowed;
        if (excess <= 0 || exempt(l)) continue;
        const excessUnits = options.count === 'units' ? excess : unitsOf(l);
        findings.push({
          lines: l === kept ? [l.line] : [l.line, kept.line],
          amountAtStakeCents: excessAmount(l, excessUnits),
          values: {
            billed: total,
            max: options.max,
            scope: options.scope === 'day' ? 'day' : 'stay',
            kept:
              keptLines.length === 1 && keptLines[0] === l
                ? `${options.max} unit${options.max > 1 ? 's' : ''} of this line`
                : `line${keptText.length > 1 ? 's' : ''} ${keptText.join(', ')}${allowed > 0 ? ` and ${allowed} unit${allowed > 1 ? 's' : ''} of this line` : ''}`,
            keptLine: kept.line,
            keptCode: kept.code ?? '',
            excess: excessUnits,
          },
          evidence: { counted: evidenceLines(group), billed: total, max: options.max, excessUnits },
        });
      }
    }
    return { findings, checked: inSet.map((l) => l.line), gaps };
  },
};
