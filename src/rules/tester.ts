/**
 * The rule tester behind `medbill rules test` and the test suite. Each rule has a fixture
 * `<fixtures>/<rule-id>.csv`: an ordinary bill with one extra `expect` column holding the
 * rule id where the rule must fire, `ok:<rule-id>` where it must not (the exception cases),
 * and nothing elsewhere. Leading `#` lines are YAML bill facts (`# billType: facility`). A
 * `claim` column splits the fixture into several bills, and a `claims:` map in the header
 * gives a claim its own facts (`# claims: { B: { dischargeDate: 2026-03-05 } }`); facts are
 * billType, insurance, encounter, admissionDate, dischargeDate, statementDate, nonprofit,
 * diagnoses, facilityNetwork, state and gfe (dollars: `gfe: 1200.00`, or a list of
 * `{ provider, amount }`). A `prices:` map gives the hospital's price file for the price
 * rules, inline: `{ hospital, lastUpdated, payer, items: [{ codes: ["CPT:70551", "RC:0611"],
 * setting, modifiers, gross, cash, rates: [{ payer, plan, dollar }] }] }` (dollars). A
 * bill-level expectation goes on a total row. The tester compares exactly: the lines the rule
 * disputes (first line of each finding) must be exactly the lines marked with its id. A
 * finding the rule lowered to info (an exception noted for review, e.g. modifier 59 on a
 * panel component) does not count as firing, unless the rule itself is info.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { parseBill } from '../bill/read.js';
import { audit } from '../engine.js';
import { toProblems, formatProblem } from '../errors.js';
import type { LoadedRule, RuleSet } from './loader.js';
import { parseYaml } from './yaml.js';
import { parseBillType, parseEncounter, parseInsurance, parseNetwork, parseState, type BillOptions } from '../bill/build.js';
import { parseMoney } from '../bill/values.js';
import { matchesPayer, revenueCodeKey, type HospitalPrices, type PriceItem } from '../prices/model.js';

/** The outcome of testing one rule against its fixture. */
export interface RuleTestResult {
  ruleId: string;
  fixture: string;
  ok: boolean;
  /** What went wrong, one sentence each (empty when ok). */
  problems: string[];
  /** Lines expected to be flagged, and flagged, per claim (`''` when the fixture has one bill). */
  expected: string[];
  flagged: string[];
}

function toFacts(data: Record<string, unknown>): BillOptions {
  const facts: BillOptions = {};
  const str = (k: string) => (data[k] === undefined ? undefined : String(data[k]));
  if (str('billType')) facts.billType = parseBillType(str('billType'));
  if (str('insurance')) facts.insurance = parseInsurance(str('insurance'));
  if (str('encounter')) facts.encounter = parseEncounter(str('encounter'));
  if (str('admissionDate')) facts.admissionDate = str('admissionDate');
  if (str('dischargeDate')) facts.dischargeDate = str('dischargeDate');
  if (data.nonprofit !== undefined) facts.nonprofit = Boolean(data.nonprofit);
  if (Array.isArray(data.diagnoses)) facts.diagnoses = data.diagnoses.map(String);
  if (str('statementDate')) facts.statementDate = str('statementDate');
  if (str('facilityNetwork')) facts.facilityNetwork = parseNetwork(str('facilityNetwork'));
  if (str('state')) facts.state = parseState(str('state'));
  if (data.gfe !== undefined) {
    // `gfe: 1200.00` (the whole bill) or `gfe: [{ provider: NPI, amount: 1200.00 }]`, in dollars.
    const list = Array.isArray(data.gfe) ? (data.gfe as Array<Record<string, unknown>>) : [{ amount: data.gfe }];
    facts.gfe = list.map((g) => {
      const m = parseMoney(g.amount as string | number);
      if (!m.ok || m.value === undefined) throw new Error(`gfe: expected an amount in dollars, got ${JSON.stringify(g.amount)}`);
      return { ...(g.provider !== undefined ? { provider: String(g.provider) } : {}), amountCents: m.value };
    });
  }
  return facts;
}

/** The `prices:` fact of a fixture: a hospital price file written inline (see the module comment). Throws on a malformed one. */
function fixturePrices(data: unknown, file: string): HospitalPrices | undefined {
  if (data === undefined || data === null) return undefined;
  const p = data as { hospital?: string; lastUpdated?: string; payer?: string; plan?: string; items?: Array<Record<string, unknown>> };
  if (!Array.isArray(p.items)) throw new Error('prices: expected { hospital, lastUpdated, items: [...] }');
  const dollars = (v: unknown) => (v === undefined || v === null ? undefined : String(v));
  const items: PriceItem[] = p.items.map((i, n) => {
    const codes = (Array.isArray(i.codes) ? i.codes : []).map((c) => {
      const [type, code] = String(c).split(':');
      if (!type || !code) throw new Error(`prices.items.${n}.codes: expected "TYPE:CODE" such as "CPT:70551", got ${JSON.stringify(c)}`);
      return { code: type.toUpperCase() === 'RC' ? revenueCodeKey(code) : code.toUpperCase(), type: type.toUpperCase() };
    });
    const setting = String(i.setting ?? 'both') as PriceItem['setting'];
    const item: PriceItem = { codes, setting, modifiers: (Array.isArray(i.modifiers) ? i.modifiers : []).map(String), rates: [], row: n + 4 };
    for (const k of ['gross', 'cash', 'min', 'max'] as const) if (dollars(i[k]) !== undefined) item[k] = dollars(i[k]) as string;
    if (i.billingClass) item.billingClass = String(i.billingClass) as PriceItem['billingClass'];
    item.rates = (Array.isArray(i.rates) ? (i.rates as Array<Record<string, unknown>>) : []).map((r) => ({
      payer: String(r.payer ?? ''),
      plan: String(r.plan ?? ''),
      ...(dollars(r.dollar) !== undefined ? { dollar: dollars(r.dollar) as string } : {}),
      ...(dollars(r.median) !== undefined ? { median: dollars(r.median) as string } : {}),
    }));
    return item;
  });
  const payer = p.payer !== undefined ? { payer: String(p.payer), ...(p.plan !== undefined ? { plan: String(p.plan) } : {}) } : undefined;
  if (payer) for (const i of items) i.rates = i.rates.filter((r) => matchesPayer(r, payer));
  else for (const i of items) i.rates = [];
  return {
    file: { label: file, ...(p.hospital ? { hospital: String(p.hospital) } : {}), ...(p.lastUpdated ? { lastUpdated: String(p.lastUpdated) } : {}), version: '3.0.0', layout: 'tall-csv', origin: 'file' },
    ...(payer ? { payer } : {}),
    items,
  };
}

function factsFromComments(text: string, file: string): { facts: BillOptions; claims: Record<string, BillOptions>; body: string; prices?: HospitalPrices } {
  const lines = text.split(/\r?\n/);
  const head: string[] = [];
  while (lines.length > 0 && (lines[0] as string).startsWith('#')) head.push((lines.shift() as string).replace(/^#\s?/, ''));
  const data = head.length > 0 ? ((parseYaml(head.join('\n'), file) as Record<string, unknown> | null) ?? {}) : {};
  const claims: Record<string, BillOptions> = {};
  for (const [k, v] of Object.entries((data.claims as Record<string, Record<string, unknown>> | undefined) ?? {})) claims[k] = toFacts(v ?? {});
  const prices = fixturePrices(data.prices, file);
  return { facts: toFacts(data), claims, body: '\n'.repeat(head.length) + lines.join('\n'), ...(prices ? { prices } : {}) };
}

/** Tests one rule of `ruleSet` against its fixture in `fixturesDir`. Never throws. */
export function testRule(rule: LoadedRule, ruleSet: RuleSet, fixturesDir: string): RuleTestResult {
  const fixture = join(fixturesDir, `${rule.id}.csv`);
  const result: RuleTestResult = { ruleId: rule.id, fixture, ok: false, problems: [], expected: [], flagged: [] };
  if (!rule.def.docs.rationale.trim()) result.problems.push('the rule has no docs.rationale');
  if (!existsSync(fixture)) {
    result.problems.push(`no fixture: write ${fixture} (a bill with an "expect" column)`);
    return result;
  }
  try {
    const { facts, claims, body, prices } = factsFromComments(readFileSync(fixture, 'utf8'), fixture);
    const records = parse(body, { relax_column_count: true, skip_empty_lines: true, info: true, bom: true }) as unknown as Array<{ record: string[]; info: { lines: number } }>;
    const header = (records[0]?.record ?? []).map((h) => h.trim().toLowerCase());
    const expectAt = header.indexOf('expect');
    if (expectAt < 0) throw new Error('the fixture has no "expect" column');
    const claimAt = header.indexOf('claim');
    const expectByRow = new Map<number, string>();
    for (const r of records.slice(1)) expectByRow.set(r.info.lines, (r.record[expectAt] ?? '').trim());
    const claimByRow = new Map<number, string>();
    if (claimAt >= 0) for (const r of records.slice(1)) claimByRow.set(r.info.lines, (r.record[claimAt] ?? '').trim());
    const bills = parseBill(body, fixture, { ...facts, ...(claimAt >= 0 ? { groupBy: 'claim' } : {}) }).map((b) => {
      const own = claims[b.source.claim ?? ''];
      if (!own) return b;
      const [rebuilt] = parseBill(body, fixture, { ...facts, ...own, groupBy: 'claim' }).filter((x) => x.source.claim === b.source.claim);
      return rebuilt ?? b;
    });
    const single: RuleSet = { ...ruleSet, rules: [rule] };
    const expected = new Set<string>();
    const okLines = new Set<string>();
    let positives = 0;
    let oks = 0;
    for (const [row, e] of expectByRow) {
      const claim = claimByRow.get(row) ?? '';
      const bill = bills.find((b) => (b.source.claim ?? '') === claim);
      const line = bill?.lines.find((l) => l.source.row === row);
      const key = `${claim}#${line ? line.line : 'bill'}`;
      if (e === rule.id) {
        expected.add(key);
        positives++;
      } else if (e === `ok:${rule.id}`) {
        okLines.add(key);
        oks++;
      } else if (e !== '') result.problems.push(`row ${row}: expect "${e}" names another rule (use ${rule.id} or ok:${rule.id})`);
    }
    if (positives === 0) result.problems.push(`the fixture marks no line where ${rule.id} must fire`);
    if (oks === 0) result.problems.push(`the fixture marks no ok:${rule.id} line (an exception the rule must not flag)`);
    const flagged = new Set<string>();
    const why = new Map<string, string>();
    for (const bill of bills) {
      const report = audit(bill, single, { version: 'test', ...(prices ? { reference: { 'hospital-prices': prices } } : {}) });
      const cov = report.coverage.rules[0];
      for (const l of bill.lines) {
        const key = `${bill.source.claim ?? ''}#${l.line}`;
        if (cov && !cov.applied) why.set(key, cov.notApplied ?? cov.gaps[0]?.reason ?? 'the rule did not apply');
        else if (rule.where && !rule.where(l)) why.set(key, "the rule's where excludes it");
        else {
          const gap = cov?.gaps.find((g) => g.lines.includes(l.line));
          if (gap) why.set(key, `not checked: ${gap.reason}`);
        }
      }
      for (const e of report.errors) result.problems.push(e.message);
      for (const f of report.findings) {
        if (f.severity === 'info' && rule.def.severity !== 'info') continue;
        flagged.add(`${bill.source.claim ?? ''}#${f.lines[0] ?? 'bill'}`);
      }
    }
    const show = (s: Set<string>) => [...s].map((k) => (k.startsWith('#') ? k.slice(1) : k)).sort();
    result.expected = show(expected);
    result.flagged = show(flagged);
    const missing = [...expected].filter((k) => !flagged.has(k));
    const extra = [...flagged].filter((k) => !expected.has(k));
    for (const k of missing) result.problems.push(`did not fire on ${show(new Set([k]))[0]}${why.has(k) ? ` (${why.get(k)})` : ''}`);
    if (extra.length > 0) {
      const onOk = extra.filter((k) => okLines.has(k));
      const other = extra.filter((k) => !okLines.has(k));
      if (onOk.length > 0) result.problems.push(`fired on exception line(s) ${show(new Set(onOk)).join(', ')} marked ok:${rule.id}`);
      if (other.length > 0) result.problems.push(`fired on unmarked line(s) ${show(new Set(other)).join(', ')}`);
    }
  } catch (err) {
    for (const p of toProblems(err)) result.problems.push(formatProblem(p));
  }
  result.ok = result.problems.length === 0;
  return result;
}

/** Tests every rule of `ruleSet` whose pack is `pack` (all rules when `pack` is undefined). */
export function testRules(ruleSet: RuleSet, fixturesDir: string, pack?: string): RuleTestResult[] {
  return ruleSet.rules.filter((r) => pack === undefined || r.pack === pack).map((r) => testRule(r, ruleSet, fixturesDir));
}
