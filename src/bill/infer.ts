/**
 * Infers bill facts the file does not state, from its lines, and says how: revenue codes
 * appear only on facility (UB-04) bills; room-and-board revenue codes mean an inpatient
 * stay; an emergency-department revenue code or ED E/M code means an emergency visit. A
 * fact given in the file or as an option is never overridden. Uses the rule pack's named
 * code sets, so the code lists live in one place.
 */
import type { CodeSet, TableRegistry } from '../rules/tables.js';
import type { Bill, BillFacts } from './schema.js';

/** Sets the inference uses (defined in the default pack's `tables/code-sets.yaml`). */
const SETS = {
  room: 'room-and-board-revenue',
  nursery: 'nursery-revenue',
  edRevenue: 'ed-revenue',
  edEm: 'ed-em',
  officeEm: 'office-em',
  inpatientEm: 'inpatient-em',
} as const;

const setCache = new WeakMap<TableRegistry, Map<string, CodeSet | undefined>>();
function setsOf(tables: TableRegistry): Map<string, CodeSet | undefined> {
  let m = setCache.get(tables);
  if (!m) {
    m = new Map();
    for (const name of Object.values(SETS)) {
      try {
        m.set(name, tables.set(name));
      } catch {
        m.set(name, undefined);
      }
    }
    setCache.set(tables, m);
  }
  return m;
}

/** Returns the bill's facts with inferred `billType` and `encounter` where they were unknown. Pure. */
export function inferFacts(bill: Bill, tables: TableRegistry): BillFacts {
  const facts: BillFacts = { ...bill.facts, diagnoses: [...bill.facts.diagnoses], origins: { ...bill.facts.origins } };
  const charges = bill.lines.filter((l) => l.type === 'charge');
  const set = (name: string) => setsOf(tables).get(name);
  if (!facts.billType && charges.length > 0) {
    if (charges.some((l) => l.revenueCode)) {
      facts.billType = 'facility';
      facts.origins.billType = { origin: 'inferred', note: 'the lines carry revenue codes, which appear only on facility (UB-04) bills' };
    } else if (charges.every((l) => l.code) || charges.some((l) => l.placeOfService)) {
      facts.billType = 'professional';
      facts.origins.billType = { origin: 'inferred', note: 'no line carries a revenue code, so this reads as a professional (CMS-1500) bill; give --bill-type facility if it is a hospital bill' };
    }
  }
  if (!facts.encounter && charges.length > 0) {
    const room = set(SETS.room);
    const nursery = set(SETS.nursery);
    const edRev = set(SETS.edRevenue);
    const edEm = set(SETS.edEm);
    const officeEm = set(SETS.officeEm);
    const inpatientEm = set(SETS.inpatientEm);
    const any = (f: (l: (typeof charges)[number]) => boolean) => charges.some(f);
    if (facts.billType === 'facility' && any((l) => (room?.has(l.revenueCode) ?? false) || (nursery?.has(l.revenueCode) ?? false))) {
      facts.encounter = 'inpatient';
      facts.origins.encounter = { origin: 'inferred', note: 'room-and-board revenue codes (010x–021x) mean an inpatient stay' };
    } else if (any((l) => (edRev?.has(l.revenueCode) ?? false) || (edEm?.has(l.code) ?? false) || l.placeOfService === '23')) {
      const hit = charges.find((l) => edRev?.has(l.revenueCode)) ?? charges.find((l) => edEm?.has(l.code)) ?? charges.find((l) => l.placeOfService === '23');
      const why = hit && edRev?.has(hit.revenueCode) ? `emergency-department revenue code ${hit.revenueCode}` : hit && edEm?.has(hit.code) ? `ED visit code ${hit.code}` : 'place of service 23 (emergency department)';
      facts.encounter = 'emergency';
      facts.origins.encounter = { origin: 'inferred', note: `line ${hit?.line ?? '?'} has ${why}` };
    } else if (facts.billType === 'facility') {
      facts.encounter = 'outpatient';
      facts.origins.encounter = { origin: 'inferred', note: 'a facility bill without room-and-board or emergency lines' };
    } else if (facts.billType === 'professional' && any((l) => (inpatientEm?.has(l.code) ?? false) || l.placeOfService === '21')) {
      facts.encounter = 'inpatient';
      facts.origins.encounter = { origin: 'inferred', note: 'hospital inpatient visit codes or place of service 21' };
    } else if (facts.billType === 'professional' && any((l) => (officeEm?.has(l.code) ?? false) || l.placeOfService === '11')) {
      facts.encounter = 'office';
      facts.origins.encounter = { origin: 'inferred', note: 'office visit codes or place of service 11' };
    }
  }
  return facts;
}
