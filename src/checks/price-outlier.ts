/**
 * Check kind `price-outlier` (rule catalogue G1 and G3): a charge per unit above a multiple of
 * a benchmark, by more than a minimum difference. The benchmarks are Medicare's amount for the
 * service (`medicare`: the shipped table of national amounts or imported CMS fee schedules,
 * chosen by the bill's setting and the date of service), and the hospital's own prices from
 * its machine-readable file (45 CFR 180.50): its discounted cash price (`cash-price`), its
 * gross charge (`gross-charge`) and a payer's negotiated rate (`negotiated-rate`, `--payer`).
 *
 * A rule lists benchmarks in order; the first one the line's charge exceeds gives the finding,
 * so that a self-pay bill is compared first with the hospital's discounted cash price. The
 * amount at stake is charge − benchmark × units × multiple (never below 0). Price findings are
 * information for negotiation, not billing errors: a benchmark's severity is warning or info,
 * never error. A line no benchmark covers is not assessed (a gap with the reason), never
 * called fair. Every line's benchmarks go to the report's `prices` section (the text report's
 * "fair price" column). Pure: the price data comes in `reference` (`medicare`,
 * `hospital-prices`), fetched at the edge.
 */
import { z } from 'zod';
import { formatCents } from '../bill/values.js';
import { INSURANCE_STATUSES } from '../bill/schema.js';
import { RulesError } from '../errors.js';
import { fromNumber, mul, ratio, toCents, canonical, formatDollars, fromCents, compare, type Dec } from '../prices/decimal.js';
import { fileBenchmarks, matchItems, type FileBenchmark } from '../prices/match.js';
import { medicareAmount, type ShippedIndex } from '../prices/medicare.js';
import { type HospitalPrices, type MedicareData, type ShippedRate } from '../prices/model.js';
import type { Benchmark, LinePrice } from '../report.js';
import { resolveList } from '../rules/predicates.js';
import { ValueList } from '../rules/schema.js';
import type { CodeSet } from '../rules/tables.js';
import { parseOptions, unitsOf, type CheckKind, type DataUse, type FindingDraft, type Gap } from './types.js';

const KINDS = ['medicare', 'cash-price', 'gross-charge', 'negotiated-rate'] as const;
type Kind = (typeof KINDS)[number];

const Entry = z
  .object({
    source: z.enum(KINDS).describe('medicare, cash-price, gross-charge or negotiated-rate'),
    multiple: z.number().positive().default(1).describe('flag a charge above this multiple of the benchmark; the target of the amount at stake'),
    severity: z.enum(['warning', 'info']).default('info').describe('price findings are never errors'),
    warningMultiple: z.number().positive().optional().describe('at or above this multiple the finding is a warning even when severity is info'),
    insurance: z.array(z.enum(INSURANCE_STATUSES)).optional().describe('compare with this benchmark only for bills of these insurance statuses (e.g. the cash price for self-pay)'),
  })
  .strict();

const Options = z
  .object({
    benchmarks: z.array(Entry).min(1),
    minDifferenceCents: z.number().int().min(0).default(2500).describe('flag only when the charge exceeds the target by more than this'),
    medicareTable: z.string().default('medicare-rates').describe('the shipped table of national Medicare amounts (tables/<name>.csv)'),
    facilityPlaceOfService: ValueList.describe('places of service paid at the PFS facility amount'),
    pricingModifiers: ValueList.describe('modifiers that change a price (matched exactly against the price file; not priced from the shipped table)'),
  })
  .strict();

type EntryT = z.output<typeof Entry>;

interface Prepared {
  benchmarks: EntryT[];
  minDifferenceCents: number;
  shipped: ShippedIndex;
  shippedCodes: number;
  shippedFile: string;
  facilityPos: CodeSet;
  pricingModifiers: CodeSet;
  /** Medicare amounts from the shipped table, remembered by what decides them: the same lines come back bill after bill. */
  memo: Map<string, ReturnType<typeof medicareAmount>>;
}

const SCHEDULE_KEYS = new Set(['PFS-nonfacility', 'PFS-facility', 'PFS-26', 'PFS-TC', 'CLFS', 'OPPS', 'ASP']);

const NAMES: Record<Kind, string> = {
  medicare: 'the Medicare amount',
  'cash-price': "the hospital's discounted cash price",
  'gross-charge': "the hospital's own gross charge",
  'negotiated-rate': 'the negotiated rate',
};

function loadShipped(name: string, ctx: Parameters<CheckKind['prepare']>[1]): { index: Map<string, ShippedRate[]>; count: number; file: string } {
  const table = ctx.tables.table(name, ['code', 'schedule', 'amount_usd', 'period', 'confidence'], { ...ctx.ref, key: 'options.medicareTable' });
  const index = new Map<string, ShippedRate[]>();
  table.rows.forEach((r, i) => {
    const row = table.rowNumbers[i] ?? i + 2;
    const code = r.code ?? '';
    if (!/^[A-Z0-9]{5}$/.test(code)) throw new RulesError('code must be a CPT/HCPCS code of 5 letters or digits', { file: table.file, row });
    if (!SCHEDULE_KEYS.has(r.schedule ?? '')) throw new RulesError(`schedule must be one of ${[...SCHEDULE_KEYS].join(', ')}`, { file: table.file, row });
    // Checked by shape here (start-up stays small); amounts are parsed as decimals where they are used.
    const amount = r.amount_usd ?? '';
    if (!/^\d+(\.\d+)?$/.test(amount) || /^0+(\.0+)?$/.test(amount)) throw new RulesError('amount_usd must be an amount in dollars above 0, such as 95.19', { file: table.file, row });
    const period = r.period ?? '';
    if (!/^\d{4}(Q[1-4])?$/.test(period)) throw new RulesError('period must be a year (2026) or a quarter (2026Q1)', { file: table.file, row });
    const confidence = r.confidence as ShippedRate['confidence'];
    if (!['high', 'medium', 'low'].includes(confidence)) throw new RulesError('confidence must be high, medium or low', { file: table.file, row });
    const rate: ShippedRate = { code, schedule: r.schedule as string, amount, period, confidence, label: r.label ?? '', source: r.source ?? '' };
    const list = index.get(code);
    if (list) list.push(rate);
    else index.set(code, [rate]);
  });
  return { index, count: index.size, file: table.file };
}

/** One benchmark found for a line, before it becomes a report entry. */
interface Found {
  kind: Kind;
  unit: Dec;
  source: string;
  period?: string;
  origin: Benchmark['origin'];
  detail: string;
  confidence?: Benchmark['confidence'];
  note?: string;
  evidence: Record<string, unknown>;
}

function fromFile(kind: Kind, b: FileBenchmark, prices: HospitalPrices): Found {
  const f = prices.file;
  const name = f.hospital ? `${f.hospital}'s price file` : 'the price file';
  const found: Found = {
    kind,
    unit: b.unit,
    source: `${name} ${f.label}${f.lastUpdated ? `, last updated ${f.lastUpdated}` : ''} (version ${f.version}, ${f.layout})`,
    origin: f.origin === 'imported' ? 'imported' : 'file',
    detail: kind === 'negotiated-rate' ? `${b.detail}, ${b.where}` : b.where,
    evidence: { priceFile: f.label, hospital: f.hospital ?? null, lastUpdated: f.lastUpdated ?? null, where: b.where, codes: b.item.codes, setting: b.item.setting, modifiers: b.item.modifiers },
  };
  if (f.lastUpdated) found.period = f.lastUpdated;
  if (b.note) found.note = b.note;
  return found;
}

/** The `price-outlier` check kind. */
export const priceOutlier: CheckKind<Prepared> = {
  name: 'price-outlier',
  summary: 'a charge per unit above a multiple of a benchmark: the Medicare amount, or the hospital’s own cash price, gross charge or negotiated rate',
  placeholders: ['benchmark', 'benchmarkTotal', 'unitAmount', 'ratio', 'ask', 'source', 'detail'],
  options: Options,
  prepare(options, ctx) {
    const o = parseOptions(Options, options, ctx.ref);
    const shipped = o.benchmarks.some((b) => b.source === 'medicare') ? loadShipped(o.medicareTable, ctx) : { index: new Map(), count: 0, file: '' };
    return {
      benchmarks: o.benchmarks,
      minDifferenceCents: o.minDifferenceCents,
      shipped: shipped.index,
      shippedCodes: shipped.count,
      shippedFile: shipped.file,
      facilityPos: resolveList(o.facilityPlaceOfService, ctx.tables, { ...ctx.ref, key: 'options.facilityPlaceOfService' }),
      pricingModifiers: resolveList(o.pricingModifiers, ctx.tables, { ...ctx.ref, key: 'options.pricingModifiers' }),
      memo: new Map(),
    };
  },
  run({ facts, lines, exempt, options, reference }) {
    const medicare = reference.medicare as MedicareData | undefined;
    const prices = reference['hospital-prices'] as HospitalPrices | undefined;
    const tableFiles = options.shippedFile ? [options.shippedFile] : [];
    const wants = new Set(options.benchmarks.map((b) => b.source));
    // Which benchmarks can apply to this bill at all.
    const unavailable = (b: EntryT): string | undefined => {
      if (b.insurance && (facts.insurance === undefined || !b.insurance.includes(facts.insurance))) return `compared only for ${b.insurance.join(' or ')} bills`;
      if (b.source === 'medicare') return facts.billType === 'facility' && facts.encounter === 'inpatient' ? 'Medicare pays an inpatient stay per MS-DRG for the whole stay, not per line' : undefined;
      if (!prices) return 'no hospital price file was given (--prices FILE)';
      if (b.source === 'negotiated-rate' && !prices.payer) return 'no payer was named (--payer NAME)';
      return undefined;
    };
    const active = options.benchmarks.filter((b) => unavailable(b) === undefined);
    if (active.length === 0) return { findings: [], checked: [], gaps: [], notApplied: [...new Set(options.benchmarks.map((b) => `${b.source}: ${unavailable(b)}`))].join('; '), tableFiles };

    const findings: FindingDraft[] = [];
    const checked: number[] = [];
    const gaps = new Map<string, number[]>();
    const linePrices: LinePrice[] = [];
    const usedMedicare = new Map<string, DataUse>();
    for (const line of lines) {
      if (line.chargeCents <= 0) continue;
      const units = unitsOf(line);
      const unitsDec = fromNumber(units);
      const found = new Map<Kind, Found>();
      const missing = new Map<Kind, { reason: string; gap?: boolean }>();
      if (wants.has('medicare')) {
        // Without imported data the amount depends only on these (a pure lookup, remembered).
        const key = medicare ? undefined : `${line.code}|${line.dateOfService}|${facts.billType}|${facts.encounter}|${line.placeOfService ?? ''}|${line.modifiers.join(',')}`;
        let r = key !== undefined ? options.memo.get(key) : undefined;
        if (!r) {
          r = medicareAmount(line, { facts, shipped: options.shipped, shippedCodes: options.shippedCodes, ...(medicare ? { imported: medicare } : {}), facilityPos: options.facilityPos, pricingModifiers: options.pricingModifiers });
          if (key !== undefined) {
            if (options.memo.size > 50_000) options.memo.clear();
            options.memo.set(key, r);
          }
        }
        if (r.ok) {
          const b = r.benchmark;
          const f: Found = { kind: 'medicare', unit: b.unit, source: b.source, period: b.period, origin: b.origin, detail: b.detail, evidence: { schedule: b.schedule } };
          if (b.confidence) f.confidence = b.confidence;
          if (b.note) f.note = b.note;
          found.set('medicare', f);
          usedMedicare.set(`${b.origin}|${b.schedule}|${b.period}`, medicareUse(b.origin, b.schedule, b.period, b.source, options.shippedFile));
        } else missing.set('medicare', r.gap ? { reason: r.reason, gap: true } : { reason: r.reason });
      }
      if (prices && (wants.has('cash-price') || wants.has('gross-charge') || wants.has('negotiated-rate'))) {
        const m = matchItems(line, facts, prices, options.pricingModifiers);
        if ('items' in m) {
          const fb = fileBenchmarks(m.items, prices);
          const put = (kind: Kind, v: FileBenchmark | { reason: string }) => {
            if (!wants.has(kind)) return;
            if ('unit' in v) found.set(kind, fromFile(kind, v, prices));
            else if (kind !== 'negotiated-rate' || prices.payer) missing.set(kind, { reason: `not assessed: ${v.reason}` });
          };
          put('gross-charge', fb.gross);
          put('cash-price', fb.cash);
          put('negotiated-rate', fb.negotiated);
        } else for (const k of ['cash-price', 'gross-charge', 'negotiated-rate'] as const) if (wants.has(k)) missing.set(k, m.gap ? { reason: m.reason, gap: true } : { reason: m.reason });
      }
      const lp: LinePrice = { line: line.line, units, chargeCents: line.chargeCents, benchmarks: [], notAssessed: [] };
      if (line.code) lp.code = line.code;
      if (line.revenueCode) lp.revenueCode = line.revenueCode;
      for (const k of KINDS) {
        const f = found.get(k);
        if (f) {
          const b: Benchmark = { kind: k, unitAmount: canonical(f.unit), amountCents: toCents(mul(f.unit, unitsDec)), source: f.source, origin: f.origin, detail: f.detail };
          if (f.period) b.period = f.period;
          if (f.confidence) b.confidence = f.confidence;
          lp.benchmarks.push(b);
        } else if (missing.has(k)) lp.notAssessed.push({ kind: k, reason: (missing.get(k) as { reason: string }).reason });
      }
      linePrices.push(lp);

      const applicable = active.filter((b) => found.has(b.source));
      if (applicable.length === 0) {
        const first = active.map((b) => missing.get(b.source)).find((x) => x !== undefined);
        const reason = first?.reason ?? 'no benchmark covers this line';
        const list = gaps.get(reason);
        if (list) list.push(line.line);
        else gaps.set(reason, [line.line]);
        continue;
      }
      checked.push(line.line);
      if (exempt(line)) continue;
      const charge = fromCents(line.chargeCents);
      for (const entry of applicable) {
        const f = found.get(entry.source) as Found;
        const total = mul(f.unit, unitsDec);
        const target = mul(total, fromNumber(entry.multiple));
        const targetCents = toCents(target);
        const diff = line.chargeCents - targetCents;
        if (diff <= options.minDifferenceCents) continue;
        const r = ratio(charge, total) ?? '';
        const severity = entry.warningMultiple !== undefined && compare(charge, mul(total, fromNumber(entry.warningMultiple))) >= 0 ? 'warning' : entry.severity;
        const benchmarkTotal = formatCents(toCents(total));
        const askText = entry.multiple === 1 ? `${NAMES[entry.source]} (${benchmarkTotal})` : `${entry.multiple}× ${NAMES[entry.source]} (${formatCents(targetCents)})`;
        const draft: FindingDraft = {
          lines: [line.line],
          amountAtStakeCents: Math.max(0, diff),
          severity,
          values: {
            benchmark: entry.source === 'negotiated-rate' && prices?.payer ? `${prices.payer.payer}'s negotiated rate` : NAMES[entry.source],
            benchmarkTotal,
            unitAmount: formatDollars(f.unit),
            ratio: r,
            ask: askText,
            source: f.source,
            detail: f.detail,
          },
          // The benchmark's words (source, detail) are in the message; the other benchmarks in the report's prices section.
          evidence: {
            benchmark: entry.source,
            unitAmount: canonical(f.unit),
            units,
            benchmarkCents: toCents(total),
            multiple: entry.multiple,
            targetCents,
            ratio: r,
            period: f.period ?? null,
            origin: f.origin,
            detail: f.detail,
            ...f.evidence,
          },
        };
        // A low-confidence benchmark lowers the finding's confidence; a table never raises it.
        if (f.confidence === 'low') draft.confidence = 'low';
        const notes = [f.note, f.kind === 'medicare' && f.confidence === 'low' ? 'This Medicare amount is marked low confidence in medbill’s table; check it against CMS’s file.' : undefined].filter(Boolean);
        if (notes.length > 0) draft.note = notes.join(' ');
        findings.push(draft);
        break;
      }
    }
    const data: DataUse[] = [...usedMedicare.values()];
    if (prices) {
      const f = prices.file;
      const use: DataUse = { kind: 'hospital-prices', name: f.label, source: `${f.hospital ?? 'hospital'} price file, version ${f.version}, ${f.layout}${f.origin === 'imported' ? ' (imported with medbill data import)' : ' (read for this run)'}`, origin: f.origin === 'imported' ? 'imported' : 'file' };
      if (f.lastUpdated) use.period = f.lastUpdated;
      data.push(use);
    }
    if (medicare) {
      for (const d of medicare.datasets) {
        if (!d.kind.startsWith('pfs-gpci') || !medicare.locality) continue;
        data.push({ kind: d.kind, name: `imported ${d.kind} ${d.period}`, source: `CMS file(s) imported by the user: ${d.sources.join(', ')} (locality ${medicare.locality.mac}-${medicare.locality.locality}, ${medicare.locality.via})`, rows: d.rows, period: d.period, origin: 'imported' });
      }
    }
    const gapList: Gap[] = [...gaps].map(([reason, ls]) => ({ lines: ls, reason }));
    return { findings, checked, gaps: gapList, data, tableFiles, prices: linePrices };
  },
};

function medicareUse(origin: 'shipped' | 'imported', schedule: string, period: string, source: string, shippedFile: string): DataUse {
  if (origin === 'shipped') {
    return { kind: 'medicare-rates', name: 'tables/medicare-rates.csv', source: `medbill's shipped table of national Medicare amounts (${schedule} ${period}; each row names its CMS release and where it was read)`, period, origin: 'curated', file: shippedFile };
  }
  const kind = schedule === 'PFS' ? 'pfs-rvu' : schedule.toLowerCase();
  return { kind, name: `imported ${kind} ${period}`, source: `CMS file(s) imported by the user: ${source.replace(/^.*, imported \(/, '').replace(/\)$/, '')}`, period, origin: 'imported' };
}
