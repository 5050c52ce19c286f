/**
 * Which items of a hospital's price file price a bill line (rules.md G3), and the hospital's
 * own benchmarks for it: the gross charge (the chargemaster price), the discounted cash price
 * (what a self-pay patient is to pay) and the chosen payer's negotiated rate. Pure.
 *
 * An item prices a line only when everything that changes a price agrees (formats.md §3.2):
 * - the code and its type: a CPT/HCPCS code on the line matches the item's CPT or HCPCS code
 *   (a code present in the file only under another type, e.g. LOCAL or CDM, is not the same
 *   item); a line with only a revenue code matches an item priced by that revenue code alone;
 * - the setting: an inpatient stay matches inpatient or both, anything else outpatient or both;
 * - the billing class where the file gives one: facility bills facility or both, professional
 *   bills professional or both;
 * - the modifiers that change a price (26, TC, 50, 52, …: the named set): the same on both.
 * Where nothing matches the line is "not assessed", with the reason; it is never compared with
 * another item's price. Where several items match with different prices, the highest is used
 * (never overstating what is at stake) and the message says so.
 */
import type { BillFacts, BillLine } from '../bill/schema.js';
import type { CodeSet } from '../rules/tables.js';
import { compare, parseDecimal, type Dec } from './decimal.js';
import type { HospitalPrices, PriceItem } from './model.js';

/** A price-file benchmark for a line: dollars per unit and where it is in the file. */
export interface FileBenchmark {
  unit: Dec;
  item: PriceItem;
  /** `row 23` or the JSON pointer. */
  where: string;
  detail: string;
  /** Set when several matching items gave different amounts. */
  note?: string;
}

/** The three benchmarks of a price file for a line, each an amount or the reason there is none. */
export interface FileBenchmarks {
  gross: FileBenchmark | { reason: string };
  cash: FileBenchmark | { reason: string };
  negotiated: FileBenchmark | { reason: string };
}

/** Where an item is: its CSV row or JSON pointer. */
export function itemWhere(item: PriceItem): string {
  return item.row !== undefined ? `row ${item.row}` : item.pointer !== undefined ? item.pointer : 'the file';
}

const typeLabel = (types: string[]) => [...new Set(types)].join('/');

/**
 * The items that price `line`, or the reason none does. `gap` is set when a bill fact that
 * decides (the bill type, the encounter) is missing.
 */
export function matchItems(line: BillLine, facts: BillFacts, prices: HospitalPrices, pricingModifiers: CodeSet): { items: PriceItem[] } | { reason: string; gap?: boolean } {
  if (facts.billType === undefined) return { reason: 'billType unknown (give --bill-type facility|professional)', gap: true };
  if (facts.encounter === undefined) return { reason: 'encounter unknown (give --encounter emergency|inpatient|outpatient|office)', gap: true };
  const file = prices.file.hospital ? `${prices.file.hospital}'s price file` : 'the price file';
  let items: PriceItem[];
  if (line.code) {
    const code = line.code;
    items = prices.items.filter((i) => i.codes.some((c) => c.code === code && (c.type === 'CPT' || c.type === 'HCPCS')));
    if (items.length === 0) {
      const other = prices.items.flatMap((i) => i.codes.filter((c) => c.code === code).map((c) => c.type));
      if (other.length > 0) return { reason: `not assessed: ${code} appears in ${file} only as a ${typeLabel(other)} code, not as a CPT/HCPCS code` };
      return { reason: `not assessed: ${code} is not in ${file}` };
    }
    if (line.revenueCode) {
      const rc = line.revenueCode;
      const same = items.filter((i) => i.codes.some((c) => c.type === 'RC' && c.code === rc));
      if (same.length > 0) items = same;
    }
  } else if (line.revenueCode) {
    const rc = line.revenueCode;
    const withRc = prices.items.filter((i) => i.codes.some((c) => c.type === 'RC' && c.code === rc));
    items = withRc.filter((i) => !i.codes.some((c) => c.type === 'CPT' || c.type === 'HCPCS'));
    if (items.length === 0) {
      return { reason: withRc.length > 0 ? `not assessed: ${file} prices revenue code ${rc} only together with CPT/HCPCS codes, and the line has none` : `not assessed: revenue code ${rc} is not in ${file}` };
    }
  } else return { reason: 'not assessed: the line has neither a CPT/HCPCS code nor a revenue code' };

  const setting = facts.billType === 'facility' ? (facts.encounter === 'inpatient' ? 'inpatient' : 'outpatient') : facts.encounter === 'inpatient' ? 'inpatient' : 'outpatient';
  const bySetting = items.filter((i) => i.setting === setting || i.setting === 'both');
  if (bySetting.length === 0) return { reason: `not assessed: ${file} prices this item only for ${[...new Set(items.map((i) => i.setting))].join('/')} care, and this bill is ${setting}` };
  const billClass = facts.billType;
  const byClass = bySetting.filter((i) => i.billingClass === undefined || i.billingClass === 'both' || i.billingClass === billClass);
  if (byClass.length === 0) return { reason: `not assessed: ${file} prices this item only as a ${[...new Set(bySetting.map((i) => i.billingClass))].join('/')} charge, and this is a ${billClass} bill` };
  const lineMods = new Set(line.modifiers);
  const linePricing = line.modifiers.filter((m) => pricingModifiers.has(m)).sort().join('|');
  const byMods = byClass.filter((i) => {
    const pricing = i.modifiers.filter((m) => pricingModifiers.has(m)).sort().join('|');
    return pricing === linePricing && i.modifiers.every((m) => pricingModifiers.has(m) || lineMods.has(m));
  });
  if (byMods.length === 0) {
    const listed = [...new Set(byClass.map((i) => (i.modifiers.length > 0 ? `with modifier ${i.modifiers.join('|')}` : 'without modifiers')))].join(' and ');
    return { reason: `not assessed: modifier mismatch: ${file} prices this item ${listed}, and the line has ${line.modifiers.length > 0 ? `modifier ${line.modifiers.join(', ')}` : 'none'}` };
  }
  // A drug priced per package or volume (100 ML, 60 GM) is not a price per billed unit.
  const perUnit = byMods.filter((i) => i.drugUnit === undefined || (/^1(\.0*)?$/.test(i.drugUnit.trim()) && ['UN', 'EA', ''].includes(i.drugType ?? '')));
  if (perUnit.length === 0) {
    const i = byMods[0] as PriceItem;
    return { reason: `not assessed: ${file} prices this drug per ${i.drugUnit} ${i.drugType ?? ''}`.trimEnd() + ', not per billed unit' };
  }
  return { items: perUnit };
}

function highest(items: PriceItem[], value: (i: PriceItem) => string | undefined, what: string): FileBenchmark | undefined {
  let best: { d: Dec; item: PriceItem } | undefined;
  const seen = new Set<string>();
  for (const item of items) {
    const v = value(item);
    if (v === undefined) continue;
    const d = parseDecimal(v);
    if (!d) continue;
    seen.add(v);
    if (!best || compare(d, best.d) > 0) best = { d, item };
  }
  if (!best) return undefined;
  const b: FileBenchmark = { unit: best.d, item: best.item, where: itemWhere(best.item), detail: what };
  if (seen.size > 1) b.note = `The file lists ${seen.size} ${what} amounts for this item; the highest is used.`;
  return b;
}

/** The gross charge, discounted cash price and negotiated rate of the matched items (or why each is missing). */
export function fileBenchmarks(items: PriceItem[], prices: HospitalPrices): FileBenchmarks {
  const gross = highest(items, (i) => i.gross, 'gross charge');
  const cash = highest(items, (i) => i.cash, 'discounted cash price');
  let negotiated: FileBenchmarks['negotiated'];
  if (!prices.payer) negotiated = { reason: 'no payer was named (give --payer NAME for its negotiated rate)' };
  else {
    const payer = prices.payer.payer;
    const withRate = items.filter((i) => i.rates.length > 0);
    const dollar = highest(withRate, (i) => maxOf(i.rates.map((r) => r.dollar)), `negotiated rate of ${payer}`);
    const median = dollar ? undefined : highest(withRate, (i) => maxOf(i.rates.map((r) => r.median)), `median allowed amount of ${payer}`);
    if (dollar || median) {
      const b = (dollar ?? median) as FileBenchmark;
      const plans = [...new Set(b.item.rates.map((r) => r.plan).filter(Boolean))];
      negotiated = { ...b, detail: `${b.detail}${plans.length > 0 ? `, plan ${plans.join(', ')}` : ''}`, ...(plans.length > 1 ? { note: `${b.note ? `${b.note} ` : ''}The highest of the plans ${plans.join(', ')} is used (give --plan NAME for one).` } : {}) };
    } else if (withRate.length > 0) negotiated = { reason: `the negotiated rate of ${payer} for this item is a percentage or an algorithm, not a dollar amount` };
    else negotiated = { reason: `the price file lists no negotiated rate of ${payer} for this item` };
  }
  return {
    gross: gross ?? { reason: 'the price file gives this item no gross charge' },
    cash: cash ?? { reason: 'the price file gives this item no discounted cash price' },
    negotiated,
  };
}

function maxOf(values: Array<string | undefined>): string | undefined {
  let best: { s: string; d: Dec } | undefined;
  for (const v of values) {
    if (v === undefined) continue;
    const d = parseDecimal(v);
    if (d && (!best || compare(d, best.d) > 0)) best = { s: v, d };
  }
  return best?.s;
}
