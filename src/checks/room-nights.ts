/**
 * Check kind `room-nights` (rule catalogue E1 and A8; formats.md 7.3). Room and board is
 * billed per night, midnight to midnight: the day of admission counts, the day of discharge
 * (or death, or the start of a leave of absence) does not, and a same-day admission and
 * discharge counts as one day (SSA POMS HI 00601.070; Noridian "Counting Inpatient Days";
 * Medicare Benefit Policy Manual ch. 3 §20.1). A room line dated D with N units covers the
 * nights D … D+N−1.
 *
 * `mode: stay-length` (E1) compares the distinct nights that room lines cover with discharge −
 * admission. Excess nights are taken first from nights on or after the discharge date, then
 * from the latest nights; each line covering an excess night is disputed for those nights ×
 * its unit charge (error). A room line dated on the discharge date while the total does not exceed the stay
 * is a warning with nothing claimed (some hospitals post a night on the next date).
 * Needs the admission and discharge dates.
 *
 * `mode: one-per-night` (A8) flags a night billed by more than one room line (a transfer day
 * billed as ICU and floor): the lower-priced line is disputed for that night.
 */
import { z } from 'zod';
import type { BillLine } from '../bill/schema.js';
import { addDays, daysBetween } from '../bill/values.js';
import { resolveList } from '../rules/predicates.js';
import { ValueList } from '../rules/schema.js';
import type { CodeSet } from '../rules/tables.js';
import { parseOptions, unitsOf, type CheckInput, type CheckKind, type CheckOutput, type FindingDraft, type Gap } from './types.js';

const Options = z
  .object({
    mode: z.enum(['stay-length', 'one-per-night']),
    roomRevenueCodes: ValueList,
    /** Room codes that belong to another patient's nights (newborn nursery 017x): counted on their own. */
    separateRevenueCodes: ValueList.optional(),
  })
  .strict();

interface Prepared {
  mode: 'stay-length' | 'one-per-night';
  rooms: CodeSet;
  separate?: CodeSet;
}

function nightsOf(l: BillLine): string[] {
  const n = Math.max(1, Math.round(unitsOf(l)));
  return Array.from({ length: n }, (_, i) => addDays(l.dateOfService as string, i));
}

function unitCharge(l: BillLine): number {
  return l.chargeCents / Math.max(1, Math.round(unitsOf(l)));
}

/** The `room-nights` check kind. */
export const roomNights: CheckKind<Prepared> = {
  name: 'room-nights',
  summary: 'room and board nights against the length of stay, and one room charge per night',
  placeholders: ['admission', 'discharge', 'billableNights', 'billedNights', 'excessNights', 'night', 'otherLine', 'why'],
  options: Options,
  prepare(options, ctx) {
    const o = parseOptions(Options, options, ctx.ref);
    const p: Prepared = { mode: o.mode, rooms: resolveList(o.roomRevenueCodes, ctx.tables, { ...ctx.ref, key: 'options.roomRevenueCodes' }) };
    if (o.separateRevenueCodes) p.separate = resolveList(o.separateRevenueCodes, ctx.tables, { ...ctx.ref, key: 'options.separateRevenueCodes' });
    return p;
  },
  run(input) {
    const { lines, options } = input;
    const rooms = lines.filter((l) => options.rooms.has(l.revenueCode) || (options.separate?.has(l.revenueCode) ?? false));
    const gaps: Gap[] = [];
    const undated = rooms.filter((l) => !l.dateOfService);
    if (undated.length > 0) gaps.push({ lines: undated.map((l) => l.line), reason: 'no date of service' });
    const dated = rooms.filter((l) => l.dateOfService);
    // A newborn's nursery nights are another patient's nights: each track is counted on its own.
    const tracks = [dated.filter((l) => !options.separate?.has(l.revenueCode)), dated.filter((l) => options.separate?.has(l.revenueCode))];
    const out = { findings: [] as FindingDraft[], checked: [] as number[], gaps };
    for (const track of tracks) {
      if (track.length === 0) continue;
      const r = runTrack(track, input);
      out.findings.push(...r.findings);
      out.checked.push(...r.checked);
      out.gaps.push(...r.gaps);
    }
    return out;
  },
};

function runTrack(dated: BillLine[], { facts, exempt, options }: CheckInput<Prepared>): CheckOutput {
  const findings: FindingDraft[] = [];
  const gaps: Gap[] = [];

  if (options.mode === 'one-per-night') {
    const byNight = new Map<string, BillLine[]>();
    for (const l of dated) for (const n of nightsOf(l)) byNight.set(n, [...(byNight.get(n) ?? []), l]);
    const excessByLine = new Map<BillLine, { nights: string[]; other: BillLine }>();
    for (const [night, ls] of [...byNight.entries()].sort()) {
      if (ls.length < 2) continue;
      const order = [...ls].sort((a, b) => unitCharge(b) - unitCharge(a) || a.line - b.line);
      for (const l of order.slice(1)) {
        const e = excessByLine.get(l) ?? { nights: [], other: order[0] as BillLine };
        e.nights.push(night);
        excessByLine.set(l, e);
      }
    }
    for (const [l, e] of [...excessByLine.entries()].sort((a, b) => a[0].line - b[0].line)) {
      if (exempt(l)) continue;
      findings.push({
        lines: [l.line, e.other.line],
        amountAtStakeCents: Math.min(l.chargeCents, Math.round(unitCharge(l) * e.nights.length)),
        values: { night: e.nights.join(', '), otherLine: e.other.line, excessNights: e.nights.length },
        evidence: { nights: e.nights, otherLine: e.other.line },
      });
    }
    return { findings, checked: dated.map((l) => l.line), gaps };
  }

  if (!facts.admissionDate || !facts.dischargeDate) {
    if (dated.length > 0) gaps.push({ lines: dated.map((l) => l.line), reason: 'no admission and discharge dates (give --admission and --discharge)' });
    return { findings, checked: [], gaps };
  }
  const admission = facts.admissionDate;
  const discharge = facts.dischargeDate;
  const billable = Math.max(1, daysBetween(admission, discharge));
  const sameDay = admission === discharge;
  // Nights are counted once however many room lines cover them: two rooms for one night is
  // the one-per-night rule's finding, not an extra night of stay.
  const byNight = new Map<string, BillLine[]>();
  for (const l of dated) for (const n of nightsOf(l)) byNight.set(n, [...(byNight.get(n) ?? []), l]);
  const billed = byNight.size;
  const excess = Math.max(0, billed - billable);
  // Excess nights: first those on or after the discharge date, then the latest ones.
  const order = [...byNight.keys()].sort((a, b) => {
    const pa = !sameDay && a >= discharge ? 0 : 1;
    const pb = !sameDay && b >= discharge ? 0 : 1;
    return pa - pb || (a < b ? 1 : a > b ? -1 : 0);
  });
  const excessByLine = new Map<BillLine, string[]>();
  for (const night of order.slice(0, excess)) for (const l of byNight.get(night) ?? []) excessByLine.set(l, [...(excessByLine.get(l) ?? []), night]);
  const common = { admission, discharge, billableNights: billable, billedNights: billed };
  const why = (night: string) =>
    sameDay
      ? 'an admission and discharge on the same day count as one day'
      : night === discharge
        ? 'the day of discharge is not a billable day'
        : night > discharge
          ? 'that night is after the discharge date'
          : `the stay has only ${billable} billable night${billable === 1 ? '' : 's'}`;
  for (const [l, ns] of [...excessByLine.entries()].sort((a, b) => a[0].line - b[0].line)) {
    if (exempt(l)) continue;
    ns.sort();
    findings.push({
      lines: [l.line],
      amountAtStakeCents: Math.min(l.chargeCents, Math.round(unitCharge(l) * ns.length)),
      values: { ...common, excessNights: ns.length, night: ns.join(', '), why: why(ns[ns.length - 1] as string) },
      evidence: { ...common, excessNights: ns },
    });
  }
  if (!sameDay && billed <= billable) {
    for (const l of dated) {
      if (exempt(l) || !nightsOf(l).some((n) => n >= discharge)) continue;
      findings.push({
        lines: [l.line],
        amountAtStakeCents: 0,
        severity: 'warning',
        values: { ...common, excessNights: 0, night: discharge, why: why(discharge) },
        evidence: { ...common },
        note: 'The total nights do not exceed the stay, so this may be a night posted on the next date: ask the hospital to confirm.',
      });
    }
  }
  return { findings, checked: dated.map((l) => l.line), gaps };
}
