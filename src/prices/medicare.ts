/**
 * What Medicare pays for one bill line: the benchmark of rules.md G1. Pure: the fee-schedule
 * rows come in (medbill's shipped table of national amounts, and whatever the user imported),
 * the amount per unit and where it comes from go out, or the reason the line is not assessed.
 *
 * The schedule follows the claim (formats.md §2, rules.md G1):
 * - professional bills (CMS-1500): lab tests at the Clinical Laboratory Fee Schedule, Part B
 *   drugs at their ASP payment limit, everything else at the Physician Fee Schedule: the
 *   facility amount when the place of service is a facility (hospital, ASC, SNF; Pub. 100-04
 *   ch. 12 §20.4.2), else the non-facility amount; modifier 26 or TC takes that component's row;
 * - outpatient facility bills (UB-04): labs at the CLFS, drugs at ASP, other services at the
 *   OPPS Addendum B payment rate of their APC when their status indicator is paid separately;
 *   status N (packaged) has no separate payment, status A is paid under another fee schedule
 *   (the PFS non-facility amount);
 * - inpatient facility claims are paid per MS-DRG for the whole stay: no line has a Medicare amount.
 *
 * Imported CMS releases take precedence over the shipped table and are complete (a code absent
 * from an imported release has no amount in it). PFS amounts are national unless a locality
 * was picked and its GPCIs imported: [(work RVU × work GPCI) + (PE RVU × PE GPCI) + (MP RVU ×
 * MP GPCI)] × conversion factor, rounded to the cent (formats.md §2.1, payment formulas).
 * Modifiers that change the fee-schedule amount (bilateral, assistant, reduced, …) other than
 * 26 and TC are not priced: such a line is not assessed.
 */
import type { BillFacts, BillLine } from '../bill/schema.js';
import type { CodeSet } from '../rules/tables.js';
import { add, canonical, fromCents, mul, parseDecimal, toCents, type Dec } from './decimal.js';
import { pickSchedulePeriod, SCHEDULE_NAMES, type MedicareData, type PfsRvu, type Schedule, type ShippedRate } from './model.js';

/** A Medicare amount for a line. */
export interface MedicareBenchmark {
  /** Dollars per unit. */
  unit: Dec;
  schedule: Schedule;
  period: string;
  origin: 'shipped' | 'imported';
  /** The schedule and release in words, e.g. `CMS OPPS Addendum B 2026Q1 (medbill's shipped table)`. */
  source: string;
  /** Setting, locality, APC and status indicator, HCPCS billing unit. */
  detail: string;
  confidence?: 'high' | 'medium' | 'low';
  note?: string;
}

/** The outcome of a lookup: an amount, or why there is none (`gap` true when a bill fact is missing, with the option to give). */
export type MedicareResult = { ok: true; benchmark: MedicareBenchmark } | { ok: false; reason: string; gap?: boolean };

/** The shipped table, indexed by code. */
export type ShippedIndex = ReadonlyMap<string, ShippedRate[]>;

/** What the lookup needs besides the line: the shipped table, imported data, and the named code sets. */
export interface MedicareInput {
  facts: BillFacts;
  shipped: ShippedIndex;
  /** Rows the shipped table has, for messages. */
  shippedCodes: number;
  imported?: MedicareData;
  facilityPos: CodeSet;
  pricingModifiers: CodeSet;
}

const PAID_PFS_STATUS = new Set(['A', 'R', 'T']);
const PFS_STATUS: Record<string, string> = {
  B: 'bundled into other services',
  C: 'priced by the Medicare contractor, not nationally',
  E: 'excluded from the PFS by regulation',
  I: 'not valid for Medicare (another code is used)',
  J: 'anesthesia (paid by anesthesia units, not RVUs)',
  M: 'a measurement code',
  N: 'not covered by Medicare',
  P: 'bundled or excluded',
  X: 'excluded by statute',
};
const OPPS_NOT_PAID: Record<string, string> = {
  N: 'packaged under OPPS (status indicator N): no separate Medicare payment',
  C: 'inpatient-only under OPPS (status indicator C)',
  D: 'discontinued (status indicator D)',
  E1: 'not covered by Medicare (status indicator E1)',
  E2: 'no Medicare pricing (status indicator E2)',
  B: 'not recognised by OPPS on an outpatient claim (status indicator B)',
  M: 'not billable to the Medicare contractor (status indicator M)',
  Q4: 'a lab test paid under the Clinical Laboratory Fee Schedule (status indicator Q4)',
};

const dec = (s: string): Dec => parseDecimal(s) ?? { units: 0n, scale: 0 };

/** The setting of a professional line for the PFS: facility or non-facility; undefined when nothing says. */
function pfsSetting(line: BillLine, input: MedicareInput): 'facility' | 'non-facility' | undefined {
  if (input.facts.billType === 'facility') return 'non-facility';
  if (line.placeOfService) return input.facilityPos.has(line.placeOfService.padStart(2, '0')) ? 'facility' : 'non-facility';
  const e = input.facts.encounter;
  if (e === 'office') return 'non-facility';
  if (e === 'emergency' || e === 'inpatient' || e === 'outpatient') return 'facility';
  return undefined;
}

const shippedSource = (schedule: string, period: string) => `CMS ${schedule} ${period}, medbill's table`;

/**
 * Looks up the Medicare amount per unit for a charge line. Never throws: a line it cannot
 * price gets the reason (`gap` when a bill fact such as the bill type is missing).
 */
export function medicareAmount(line: BillLine, input: MedicareInput): MedicareResult {
  const { facts } = input;
  if (!line.code) return { ok: false, reason: 'no Medicare amount: the line has no CPT/HCPCS code' };
  if (!line.dateOfService) return { ok: false, reason: 'no Medicare amount: the line has no date of service' };
  if (facts.billType === undefined) return { ok: false, gap: true, reason: 'billType unknown (give --bill-type facility|professional)' };
  if (facts.billType === 'facility' && facts.encounter === undefined) return { ok: false, gap: true, reason: 'encounter unknown (give --encounter emergency|inpatient|outpatient|office)' };
  if (facts.billType === 'facility' && facts.encounter === 'inpatient') {
    return { ok: false, reason: 'no Medicare line amount: Medicare pays an inpatient stay per MS-DRG for the whole stay, not per line' };
  }
  const code = line.code;
  const date = line.dateOfService;
  const pricing = line.modifiers.filter((m) => input.pricingModifiers.has(m));
  const reasons: string[] = [];
  const order: Array<'CLFS' | 'ASP' | 'OPPS' | 'PFS'> = facts.billType === 'professional' ? ['CLFS', 'ASP', 'PFS'] : ['CLFS', 'ASP', 'OPPS'];
  for (const schedule of order) {
    const r = schedule === 'CLFS' ? clfs(code, date, line, pricing, input) : schedule === 'ASP' ? asp(code, date, pricing, input) : schedule === 'OPPS' ? opps(code, date, pricing, input) : pfs(code, date, pricing, input, pfsSetting(line, input));
    if (r === undefined) continue;
    if (r.ok) return r;
    if (r.gap) return r;
    reasons.push(r.reason);
  }
  if (reasons.length > 0) return { ok: false, reason: reasons[0] as string };
  const importedAny = (input.imported?.datasets.length ?? 0) > 0;
  return {
    ok: false,
    reason: importedAny
      ? `no Medicare amount: ${code} is in none of the imported CMS fee schedules for ${date.slice(0, 4)} nor in medbill's shipped table`
      : `no Medicare amount: ${code} is not in medbill's shipped table of ${input.shippedCodes} common codes (import CMS's fee schedules: medbill data import)`,
  };
}

function importedPeriods(input: MedicareInput, kind: string): string[] {
  return [...new Set((input.imported?.datasets ?? []).filter((d) => d.kind === kind).map((d) => d.period))];
}

function shippedPick(code: string, keys: string[], schedule: Schedule, date: string, input: MedicareInput): { row: ShippedRate; note?: string } | { reason: string } | undefined {
  const rows = (input.shipped.get(code) ?? []).filter((r) => keys.includes(r.schedule));
  if (rows.length === 0) return undefined;
  const pick = pickSchedulePeriod(schedule, [...new Set(rows.map((r) => r.period))], date);
  if (!pick) {
    const periods = [...new Set(rows.map((r) => r.period))].sort().join(', ');
    return { reason: `no Medicare amount for ${date}: medbill's shipped ${SCHEDULE_NAMES[schedule]} amounts for ${code} are for ${periods} (import CMS's file for that period: medbill data import)` };
  }
  // Prefer the first key (the setting's own row) among the picked period's rows.
  for (const k of keys) {
    const row = rows.find((r) => r.schedule === k && r.period === pick.period);
    if (row) return { row, ...(pick.note ? { note: pick.note } : {}) };
  }
  return undefined;
}

function clfs(code: string, date: string, line: BillLine, pricing: string[], input: MedicareInput): MedicareResult | undefined {
  const periods = importedPeriods(input, 'clfs');
  const pick = periods.length > 0 ? pickSchedulePeriod('CLFS', periods, date) : undefined;
  if (pick) {
    const rows = (input.imported?.clfs ?? []).filter((r) => r.code === code && r.period === pick.period);
    if (rows.length === 0) return undefined;
    if (pricing.length > 0) return { ok: false, reason: `no Medicare amount: modifier ${pricing.join(', ')} changes the lab fee schedule amount` };
    const mod = line.modifiers.includes('QW') ? 'QW' : '';
    const row = rows.find((r) => r.modifier === mod) ?? rows.find((r) => r.modifier === '');
    if (!row) return { ok: false, reason: `no Medicare amount: the CLFS lists ${code} only with modifier ${rows.map((r) => r.modifier).join(', ')}` };
    if (row.effective && row.effective > date) return { ok: false, reason: `no Medicare amount: the CLFS rate for ${code} takes effect on ${row.effective}, after ${date}` };
    const rate = dec(row.rate);
    if (rate.units <= 0n) return { ok: false, reason: `no Medicare amount: the CLFS gives ${code} no national limit (indicator ${row.indicator || 'L'}: priced by the Medicare contractor)` };
    return ok(rate, 'CLFS', pick.period, 'imported', `CMS CLFS ${pick.period}, imported (${row.source})`, row.modifier ? `modifier ${row.modifier}` : 'national limit', undefined, pick.note);
  }
  const s = shippedPick(code, ['CLFS'], 'CLFS', date, input);
  if (!s) return undefined;
  if ('reason' in s) return { ok: false, reason: s.reason };
  if (pricing.length > 0) return { ok: false, reason: `no Medicare amount: modifier ${pricing.join(', ')} changes the lab fee schedule amount` };
  return ok(dec(s.row.amount), 'CLFS', s.row.period, 'shipped', shippedSource('CLFS', s.row.period), 'national limit', s.row.confidence, s.note);
}

function asp(code: string, date: string, pricing: string[], input: MedicareInput): MedicareResult | undefined {
  const periods = importedPeriods(input, 'asp');
  const pick = periods.length > 0 ? pickSchedulePeriod('ASP', periods, date) : undefined;
  if (pick) {
    const row = (input.imported?.asp ?? []).find((r) => r.code === code && r.period === pick.period);
    if (!row) return undefined;
    if (pricing.length > 0) return { ok: false, reason: `no Medicare amount: modifier ${pricing.join(', ')} on a drug line` };
    return ok(dec(row.limit), 'ASP', pick.period, 'imported', `CMS ASP ${pick.period}, imported (${row.source})`, `per ${row.dosage || 'billing unit'}`);
  }
  if (periods.length > 0 && (input.imported?.asp ?? []).some((r) => r.code === code)) {
    return { ok: false, reason: `no Medicare amount for ${date}: ASP payment limits change every quarter, and the imported ASP files are for ${periods.sort().join(', ')}` };
  }
  const s = shippedPick(code, ['ASP'], 'ASP', date, input);
  if (!s) return undefined;
  if ('reason' in s) return { ok: false, reason: s.reason.replace(': medbill', ': ASP payment limits change every quarter, and medbill') };
  if (pricing.length > 0) return { ok: false, reason: `no Medicare amount: modifier ${pricing.join(', ')} on a drug line` };
  return ok(dec(s.row.amount), 'ASP', s.row.period, 'shipped', shippedSource('ASP', s.row.period), 'per HCPCS billing unit', s.row.confidence, s.note);
}

function opps(code: string, date: string, pricing: string[], input: MedicareInput): MedicareResult | undefined {
  const periods = importedPeriods(input, 'opps');
  const pick = periods.length > 0 ? pickSchedulePeriod('OPPS', periods, date) : undefined;
  if (pick) {
    const row = (input.imported?.opps ?? []).find((r) => r.code === code && r.period === pick.period);
    if (!row) return { ok: false, reason: `no Medicare amount: ${code} is not in the imported OPPS Addendum B ${pick.period}` };
    if (row.si === 'A') return pfsForOutpatient(code, date, pricing, input, `status indicator A (paid under another fee schedule)`);
    const why = OPPS_NOT_PAID[row.si];
    if (why) return { ok: false, reason: `no Medicare amount: ${code} is ${why}` };
    const rate = dec(row.rate);
    if (row.rate === '' || rate.units <= 0n) return { ok: false, reason: `no Medicare amount: Addendum B ${pick.period} gives ${code} no payment rate (status indicator ${row.si || 'none'})` };
    if (pricing.length > 0) return { ok: false, reason: `no Medicare amount: modifier ${pricing.join(', ')} changes the OPPS payment` };
    return ok(rate, 'OPPS', pick.period, 'imported', `CMS OPPS Addendum B ${pick.period}, imported (${row.source})`, `APC ${row.apc || '-'}, SI ${row.si || '-'}, national, before wage index`, undefined, pick.note);
  }
  const s = shippedPick(code, ['OPPS'], 'OPPS', date, input);
  if (!s) {
    return { ok: false, reason: `no Medicare amount: ${code} has no OPPS payment rate in medbill's shipped table (packaged or not listed; import CMS's OPPS Addendum B: medbill data import)` };
  }
  if ('reason' in s) return { ok: false, reason: s.reason };
  if (pricing.length > 0) return { ok: false, reason: `no Medicare amount: modifier ${pricing.join(', ')} changes the OPPS payment` };
  const apc = /APC (\w+); SI (\w+)/.exec(s.row.label);
  return ok(dec(s.row.amount), 'OPPS', s.row.period, 'shipped', shippedSource('OPPS Addendum B', s.row.period), `${apc ? `APC ${apc[1]}, SI ${apc[2]}, ` : ''}national, before wage index`, s.row.confidence, s.note);
}

function pfsForOutpatient(code: string, date: string, pricing: string[], input: MedicareInput, why: string): MedicareResult {
  const r = pfs(code, date, pricing, input, 'non-facility');
  if (r?.ok) return { ok: true, benchmark: { ...r.benchmark, detail: `${r.benchmark.detail}; OPPS ${why}` } };
  return r ?? { ok: false, reason: `no Medicare amount: ${code} has OPPS ${why}, and no PFS amount` };
}

function pfs(code: string, date: string, pricing: string[], input: MedicareInput, setting: 'facility' | 'non-facility' | undefined): MedicareResult | undefined {
  const mod = pricing.length === 0 ? '' : pricing.length === 1 && (pricing[0] === '26' || pricing[0] === 'TC' || pricing[0] === '53') ? (pricing[0] as string) : undefined;
  const periods = importedPeriods(input, 'pfs-rvu');
  const pick = periods.length > 0 ? pickSchedulePeriod('PFS', periods, date) : undefined;
  if (pick) {
    const rows = (input.imported?.pfs ?? []).filter((r) => r.code === code && r.period === pick.period);
    if (rows.length === 0) return undefined;
    if (setting === undefined) return { ok: false, gap: true, reason: 'place of service unknown (give --encounter emergency|inpatient|outpatient|office, or a place-of-service column)' };
    if (mod === undefined) return { ok: false, reason: `no Medicare amount: modifier ${pricing.join(', ')} changes the PFS amount (payment policy indicators)` };
    const variant = (r: PfsRvu) => (r.variant === 'nonqpp' ? 0 : r.variant === '' ? 1 : 2);
    const row = rows.filter((r) => r.modifier === mod).sort((a, b) => variant(a) - variant(b))[0];
    if (!row) return { ok: false, reason: `no Medicare amount: the PFS ${pick.period} lists ${code} ${mod ? `without a -${mod} row` : 'only with modifiers'}` };
    if (!PAID_PFS_STATUS.has(row.status)) return { ok: false, reason: `no Medicare amount: PFS status ${row.status || '(none)'} for ${code}: ${PFS_STATUS[row.status] ?? 'not paid under the PFS'}` };
    if (setting === 'facility' ? row.facilityNa : row.nonFacilityNa) return { ok: false, reason: `no Medicare amount: the PFS gives ${code} no ${setting} amount (NA: rarely or never done there)` };
    if (row.conversionFactor === '') return { ok: false, reason: `no Medicare amount: the imported PFS row of ${code} has no conversion factor` };
    const gpcis = (input.imported?.gpci ?? []).filter((g) => input.imported?.locality && g.mac === input.imported.locality.mac && g.locality === input.imported.locality.locality);
    const gPick = gpcis.length > 0 ? pickSchedulePeriod('PFS', [...new Set(gpcis.map((g) => g.period))], date) : undefined;
    const g = gPick ? gpcis.find((x) => x.period === gPick.period) : undefined;
    const pe = setting === 'facility' ? row.peFacility : row.peNonFacility;
    const one = dec('1');
    const sum = add(add(mul(dec(row.work), g ? dec(g.work) : one), mul(dec(pe), g ? dec(g.pe) : one)), mul(dec(row.mp), g ? dec(g.mp) : one));
    // CMS rounds the fee-schedule amount to the cent.
    const amount = fromCents(toCents(mul(sum, dec(row.conversionFactor))));
    const where = g ? `locality ${g.mac}-${g.locality}${g.name ? ` (${g.name})` : ''}, GPCIs ${g.period}` : 'national (GPCIs 1.000)';
    const notes = [pick.note, input.imported?.locality && !g ? `No GPCIs of locality ${input.imported.locality.mac}-${input.imported.locality.locality} for ${date.slice(0, 4)} are imported: national amount.` : undefined].filter(Boolean);
    return ok(
      amount,
      'PFS',
      pick.period,
      'imported',
      `CMS PFS ${pick.period}${row.variant === 'qpp' ? ' (QP conversion factor)' : ''}, imported (${row.source})`,
      `${setting}${mod ? `, -${mod}` : ''}, ${where}, conversion factor ${canonical(dec(row.conversionFactor))}`,
      undefined,
      notes.length > 0 ? notes.join('; ') : undefined,
    );
  }
  const keys = mod === '26' ? ['PFS-26'] : mod === 'TC' ? ['PFS-TC'] : setting === 'facility' ? ['PFS-facility', 'PFS-nonfacility'] : ['PFS-nonfacility'];
  const any = (input.shipped.get(code) ?? []).some((r) => r.schedule.startsWith('PFS'));
  if (!any) return undefined;
  if (setting === undefined) return { ok: false, gap: true, reason: 'place of service unknown (give --encounter emergency|inpatient|outpatient|office, or a place-of-service column)' };
  if (mod === undefined) return { ok: false, reason: `no Medicare amount: modifier ${pricing.join(', ')} changes the PFS amount (payment policy indicators)` };
  const s = shippedPick(code, keys, 'PFS', date, input);
  if (!s) {
    if (mod) return { ok: false, reason: `no Medicare amount: medbill's shipped table has no -${mod} amount for ${code} (no public 2026 source; import CMS's PFS relative value file)` };
    return { ok: false, reason: `no Medicare amount: medbill's shipped table has no ${setting} amount for ${code} (the PFS marks it NA there, or import CMS's PFS relative value file)` };
  }
  if ('reason' in s) return { ok: false, reason: s.reason };
  const own = s.row.schedule === (setting === 'facility' ? 'PFS-facility' : 'PFS-nonfacility') || mod !== '';
  const note = [s.note, own ? undefined : 'The non-facility amount, which the table gives for codes priced the same in both settings.'].filter(Boolean).join('; ');
  return ok(dec(s.row.amount), 'PFS', s.row.period, 'shipped', shippedSource('PFS', s.row.period), `${setting}${mod ? `, -${mod}` : ''}, national (GPCIs 1.000)`, s.row.confidence, note || undefined);
}

function ok(unit: Dec, schedule: Schedule, period: string, origin: 'shipped' | 'imported', source: string, detail: string, confidence?: 'high' | 'medium' | 'low', note?: string): MedicareResult {
  const b: MedicareBenchmark = { unit, schedule, period, origin, source, detail };
  if (confidence) b.confidence = confidence;
  if (note) b.note = note;
  return { ok: true, benchmark: b };
}
