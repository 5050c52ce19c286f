/**
 * Prices (issue #4): the hospital price-file reader on every layout and version in the corpus
 * (and a file with a BOM and mixed line ends), matching by code type, setting and modifiers,
 * Medicare amounts from the shipped table and from imported CMS files (facility vs
 * non-facility, 2025 vs 2026, a locality), the price-outlier findings and the fair-price
 * column, `medbill prices validate` on the validator fixtures, and the CLI options. Every CMS
 * file here is made up in the CMS layout (code numbers and sourced amounts; "Made-up" text
 * where CMS puts descriptors).
 */
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseBill } from '../src/bill/read.js';
import type { BillOptions } from '../src/bill/build.js';
import { importFiles } from '../src/data/import.js';
import { openReference } from '../src/data/reference.js';
import { openStore } from '../src/data/store.js';
import { audit } from '../src/engine.js';
import { DataError } from '../src/errors.js';
import { canonical, formatDollars, fromNumber, mul, parseDecimal, toCents } from '../src/prices/decimal.js';
import { readPriceFile, type ReadPriceOptions } from '../src/prices/hpt-read.js';
import { pickSchedulePeriod, type HospitalPrices, type PriceItem } from '../src/prices/model.js';
import type { Report } from '../src/report.js';
import { defaultRulesDir, loadRules } from '../src/rules/loader.js';
import { cli, runIn } from './helpers.js';

const ROOT = resolve(__dirname, '..');
const SHARED = resolve(ROOT, '..', 'shared', 'corpus');
// The corpus lives in ../shared; fixtures/hpt is a copy so that a clean clone (CI) runs these tests too.
const COPY = join(ROOT, 'fixtures', 'hpt');
const CORPUS = existsSync(SHARED) ? SHARED : COPY;
const HPT = join(CORPUS, 'cms-hpt');
const FIX = join(CORPUS, 'cms-hpt-validator-fixtures');
const NOW = '2026-11-29T12:00:00.000Z';
const rules = loadRules([defaultRulesDir()]);

function temp(prefix = 'medbill-prices-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

async function read(path: string, o: Partial<ReadPriceOptions> = {}): Promise<{ items: PriceItem[]; info: Awaited<ReturnType<typeof readPriceFile>> }> {
  const items: PriceItem[] = [];
  const info = await readPriceFile(createReadStream(path), { label: path.replace(/^.*\//, ''), keepRates: 'all', onItem: (i) => items.push(i), ...o });
  return { items, info };
}

/** Audits a CSV bill with the price rules and the given reference data. */
function auditPrices(csv: string, facts: BillOptions, reference: Record<string, unknown> = {}, only = ['charge-above-fair-price', 'charge-above-gross-charge']): Report {
  const bill = parseBill(csv, 'bill.csv', facts)[0]!;
  return audit(bill, { ...rules, rules: rules.rules.filter((r) => only.includes(r.id)) }, { version: 'test', reference });
}

const prices = (items: PriceItem[], payer?: string): HospitalPrices => ({
  file: { label: 'prices.csv', hospital: 'Example Hospital', lastUpdated: '2026-04-01', version: '3.0.0', layout: 'tall-csv', origin: 'file' },
  ...(payer ? { payer: { payer } } : {}),
  items,
});

const benchmark = (r: Report, line: number, kind: string) => r.prices?.lines.find((l) => l.line === line)?.benchmarks.find((b) => b.kind === kind);
const reason = (r: Report, line: number, kind: string) => r.prices?.lines.find((l) => l.line === line)?.notAssessed.find((n) => n.kind === kind)?.reason;

describe.skipIf(!existsSync(SHARED))('fixtures/hpt', () => {
  it('is an exact copy of the shared corpus price files', () => {
    for (const sub of ['cms-hpt', 'cms-hpt-validator-fixtures']) {
      for (const f of readdirSync(join(COPY, sub))) expect(readFileSync(join(COPY, sub, f), 'utf8'), f).toBe(readFileSync(join(SHARED, sub, f), 'utf8'));
    }
  });
});

describe('decimal arithmetic (money never goes through floats)', () => {
  it('parses, multiplies and rounds to the cent half away from zero', () => {
    expect(toCents(mul(parseDecimal('2.85')!, parseDecimal('33.4009')!))).toBe(9519); // 95.192565
    expect(toCents(mul(parseDecimal('1.72')!, parseDecimal('32.3465')!))).toBe(5564); // 55.63598
    expect(toCents(parseDecimal('0.005')!)).toBe(1);
    expect(toCents(mul(parseDecimal('0.095')!, fromNumber(4)))).toBe(38);
    expect(toCents(mul(parseDecimal('0.1')!, parseDecimal('0.2')!))).toBe(2);
    expect(canonical(parseDecimal('1200')!)).toBe('1200');
    expect(canonical(parseDecimal('0.750')!)).toBe('0.75');
    expect(canonical(parseDecimal('$3,307.24')!)).toBe('3307.24');
    expect(formatDollars(parseDecimal('0.095')!)).toBe('$0.095');
    expect(formatDollars(parseDecimal('1234.5')!)).toBe('$1,234.50');
    for (const bad of ['N/A', '12,50', '1e3', '', '.', 'abc']) expect(parseDecimal(bad), bad).toBeUndefined();
  });
});

describe('which release of a fee schedule prices a date of service', () => {
  it('annual schedules: the year, the quarter, the latest earlier quarter, else the earliest of that year with a note; never another year', () => {
    expect(pickSchedulePeriod('PFS', ['2026'], '2026-06-02')).toEqual({ period: '2026' });
    expect(pickSchedulePeriod('PFS', ['2026'], '2025-12-31')).toBeUndefined();
    expect(pickSchedulePeriod('OPPS', ['2026Q1', '2026Q3'], '2026-06-02')).toEqual({ period: '2026Q1' });
    expect(pickSchedulePeriod('OPPS', ['2026Q1', '2026Q3'], '2026-08-02')).toEqual({ period: '2026Q3' });
    expect(pickSchedulePeriod('CLFS', ['2026Q2'], '2026-02-02')?.note).toMatch(/earlier in the year/);
  });
  it('ASP limits change every quarter: only the date’s own quarter', () => {
    expect(pickSchedulePeriod('ASP', ['2025Q4'], '2025-11-02')).toEqual({ period: '2025Q4' });
    expect(pickSchedulePeriod('ASP', ['2025Q4'], '2026-01-02')).toBeUndefined();
  });
});

describe('reading hospital price files: every layout and version of the corpus', () => {
  it('v3.0 tall, wide and JSON give the same items and standard charges', async () => {
    const tall = await read(join(HPT, 'V3.0.0_Tall_CSV_Format_Example.csv'));
    const wide = await read(join(HPT, 'V3.0.0_Wide_CSV_Format_Example.csv'));
    const json = await read(join(HPT, 'v3_json_format_example.json'));
    expect([tall.info.info.layout, wide.info.info.layout, json.info.info.layout]).toEqual(['tall-csv', 'wide-csv', 'json']);
    for (const r of [tall, wide, json]) {
      expect(r.info.info).toMatchObject({ version: '3.0.0', hospital: 'West Mercy Hospital', lastUpdated: '2026-04-01', npis: ['0000000001', '0000000002', '0000000003'] });
      const mri = r.items.find((i) => i.codes.some((c) => c.code === '70551'));
      expect(mri).toMatchObject({ codes: [{ code: '0611', type: 'RC' }, { code: '70551', type: 'CPT' }], setting: 'outpatient', gross: '1200', cash: '1080', min: '250', max: '400' });
      expect(mri?.rates.map((x) => [x.payer, x.plan, x.dollar])).toEqual([
        ['Platform Health Insurance', 'PPO', '400'],
        ['Region Health Insurance', 'HMO', '250'],
      ]);
      const er = r.items.find((i) => i.codes.some((c) => c.code === '99283'));
      expect(er?.rates[0]).toMatchObject({ payer: 'Platform Health Insurance', percentage: '80', median: '12000.12', p10: '5123.74', p90: '16784.22' });
      const aspirin = r.items.find((i) => i.codes.some((c) => c.code === '10135-0729-62'));
      expect(aspirin).toMatchObject({ setting: 'both', gross: '2', cash: '1.50', drugUnit: '1', drugType: 'UN' });
    }
    // Where each item is: the CSV row, the JSON pointer.
    expect(tall.items.find((i) => i.codes.some((c) => c.code === '70551'))?.row).toBe(4);
    expect(wide.items.find((i) => i.codes.some((c) => c.code === '70551'))?.row).toBe(4);
    expect(json.items.find((i) => i.codes.some((c) => c.code === '70551'))?.pointer).toBe('/standard_charge_information/0/standard_charges/0');
    // Rows without a code (a modifier's payment adjustment) price no item.
    expect(tall.items.every((i) => i.codes.length > 0)).toBe(true);
  });

  it('v2.0 tall, wide and JSON (and the validator’s valid v2 samples) are read', async () => {
    for (const f of [join(HPT, 'V2.0.0_Tall_CSV_Format_Example.csv'), join(HPT, 'V2.0.0_Wide_CSV_Format_Example.csv'), join(HPT, 'V2.0.0_JSON_Format_Example.json'), join(FIX, 'sample-tall-valid.csv'), join(FIX, 'sample-wide-valid.csv'), join(FIX, 'sample-valid.json'), join(FIX, 'sample-tall-mixed-line-endings.csv')]) {
      const r = await read(f);
      expect(r.info.info.version, f).toMatch(/^2\.0(\.0)?$/);
      expect(r.info.info.hospital, f).toBe('West Mercy Hospital');
      const speech = r.items.find((i) => i.codes.some((c) => c.code === '92626'));
      if (speech) expect(speech, f).toMatchObject({ setting: 'outpatient', gross: '150', cash: '125' });
      expect(r.items.length, f).toBeGreaterThan(3);
    }
    // The wide v2 example writes payer names with underscores: they match a payer written with spaces.
    const wide = await read(join(HPT, 'V2.0.0_Wide_CSV_Format_Example.csv'), { keepRates: { payer: 'Platform Health Insurance' } });
    expect(wide.info.payerSeen).toBe(true);
    const v3 = await read(join(FIX, '3.0_sample-valid.json'));
    expect(v3.items[0]?.codes).toEqual([{ code: '470', type: 'MS-DRG' }, { code: '175869', type: 'CMG' }]);
  });

  it('a file with a byte-order mark and mixed line ends (CRLF, LF, a lone CR) reads like the plain file, rows counted the same', async () => {
    const plain = readFileSync(join(HPT, 'V3.0.0_Tall_CSV_Format_Example.csv'), 'utf8');
    const lines = plain.split('\n');
    const mixed = '\ufeff' + lines.map((l, i) => l + (i === lines.length - 1 ? '' : i % 3 === 0 ? '\r\n' : i % 3 === 1 ? '\n' : '\r')).join('');
    const dir = temp();
    writeFileSync(join(dir, 'mixed.csv'), mixed);
    const a = await read(join(HPT, 'V3.0.0_Tall_CSV_Format_Example.csv'));
    const b = await read(join(dir, 'mixed.csv'));
    expect(b.items).toEqual(a.items);
    expect(b.info.info.version).toBe('3.0.0');
  });

  it('keeps only the items of the wanted codes and the chosen payer’s rates', async () => {
    const r = await read(join(HPT, 'V3.0.0_Tall_CSV_Format_Example.csv'), { codes: new Set(['70551', '80048']), keepRates: { payer: 'region health insurance', plan: 'HMO' } });
    // The example's two rows of 80048 give different minimums (150, 125): two items.
    expect(r.items.map((i) => i.codes.map((c) => c.code).join('+'))).toEqual(['0611+70551', '0301+80048', '0301+80048']);
    expect(r.items.flatMap((i) => i.rates.map((x) => x.dollar))).toEqual(['250', '125']);
    expect(r.info.payerSeen).toBe(true);
  });

  it('a value it cannot use stops the read with the file, row and field (the invalid validator fixture)', async () => {
    await expect(read(join(FIX, 'sample-lots-of-errors.csv'))).rejects.toMatchObject({ location: { file: 'sample-lots-of-errors.csv', row: 4, field: 'code|1|type' } });
    await expect(read(join(FIX, 'sample-lots-of-errors.csv'))).rejects.toThrow(/unknown code type "MS-DRG A"/);
    // CMS's templates are not price files: their code columns are placeholders.
    await expect(read(join(HPT, 'V3.0.0_Tall_CSV_Format_Template.csv'))).rejects.toThrow(/not the item header of a CMS price file/);
  });
});

describe('reading hospital price files: made-up files', () => {
  const write = (name: string, text: string) => {
    const p = join(temp(), name);
    writeFileSync(p, text);
    return p;
  };
  const HEAD = 'hospital_name,last_updated_on,version,location_name,hospital_address,license_number|CA,type_2_npi,attestation,attester_name\nExample Hospital,4/1/2026,3.0.0,Example Hospital,1 Example St,00000,0000000001,true,Pat Example\n';
  const COLS = 'description,code|1,code|1|type,setting,standard_charge|gross,standard_charge|discounted_cash,payer_name,plan_name,modifiers,standard_charge|negotiated_dollar,standard_charge|negotiated_percentage,standard_charge|negotiated_algorithm,median_amount,10th_percentile,90th_percentile,count,standard_charge|min,standard_charge|max,standard_charge|methodology,additional_generic_notes\n';

  it('amounts: bare numbers; blank, zero and nine nines are no amount; text is an error naming row and column', async () => {
    const ok = write('ok.csv', HEAD + COLS + 'Made-up,99285,CPT,outpatient,999999999,0,Payer A,Plan 1,,1200.50,,,,,,,,,fee schedule,\n');
    const r = await read(ok);
    expect(r.items[0]).toMatchObject({ codes: [{ code: '99285', type: 'CPT' }], rates: [{ payer: 'Payer A', dollar: '1200.50' }] });
    expect(r.items[0]?.gross).toBeUndefined();
    expect(r.items[0]?.cash).toBeUndefined();
    expect(r.info.info.lastUpdated).toBe('2026-04-01');
    const bad = write('bad.csv', HEAD + COLS + 'Made-up,99285,CPT,outpatient,N/A,1,Payer A,Plan 1,,1,,,,,,,,,fee schedule,\n');
    await expect(read(bad)).rejects.toMatchObject({ message: 'standard_charge|gross: expected an amount in dollars such as 1200 or 0.75, got "N/A"', location: { file: 'bad.csv', row: 4, field: 'standard_charge|gross' } });
    const setting = write('setting.csv', HEAD + COLS + 'Made-up,99285,CPT,er,1,1,,,,,,,,,,,,,,\n');
    await expect(read(setting)).rejects.toThrow(/setting: expected inpatient, outpatient or both, got "er"/);
    const version = write('version.csv', HEAD.replace('3.0.0', '1.0') + COLS);
    await expect(read(version)).rejects.toThrow(/versions 2.x and 3.0/);
    await expect(read(write('notes.txt', 'hello\n'))).rejects.toBeInstanceOf(DataError);
    await expect(read(write('bad.json', '{"version":"3.0.0","standard_charge_information":[{"code_information":[{"code":"1","type":"CPT"}],"standard_charges":[{"setting":"outpatient","gross_charge":"x"}]}]}'))).rejects.toMatchObject({
      location: { pointer: '/standard_charge_information/0/standard_charges/0/gross_charge', field: 'gross_charge' },
    });
    await expect(read(write('trunc.json', '{"version":"3.0.0","standard_charge_information":[{"code_'))).rejects.toThrow(/not valid JSON/);
  });

  it('a quote that never closes is an error, not a buffer that grows forever', async () => {
    await expect(read(write('open.csv', HEAD + COLS + '"Made-up,99285,CPT,outpatient,1,1,,,,,,,,,,,,,,\n'))).rejects.toThrow(/quoted cell/);
  });
});

describe('matching a line to the hospital’s prices', () => {
  const FACILITY_OUT: BillOptions = { billType: 'facility', encounter: 'outpatient', insurance: 'self-pay' };
  const items: PriceItem[] = [
    { codes: [{ code: '0611', type: 'RC' }, { code: '70551', type: 'CPT' }], setting: 'outpatient', modifiers: [], gross: '1200', cash: '1080', rates: [{ payer: 'Payer A', plan: 'PPO', dollar: '400' }], row: 4 },
    { codes: [{ code: '93005', type: 'LOCAL' }], setting: 'outpatient', modifiers: [], gross: '150', cash: '120', rates: [], row: 5 },
    { codes: [{ code: '71046', type: 'CPT' }], setting: 'outpatient', modifiers: ['26'], gross: '90', cash: '80', rates: [], row: 6 },
    { codes: [{ code: '0120', type: 'RC' }], setting: 'inpatient', modifiers: [], gross: '5000', cash: '4500', rates: [], pointer: '/standard_charge_information/3/standard_charges/0' },
  ];
  const bill = 'line,date,rev,cpt,mod,units,charge\n1,2026-05-04,0611,70551,,1,1500.00\n2,2026-05-04,0730,93005,,1,400.00\n3,2026-05-04,0320,71046,,1,300.00\n4,2026-05-04,0320,71046,26,1,100.00\n5,2026-05-04,0120,,,1,6000.00\n';

  it('by code and code type, setting and modifiers; everything else is not assessed, with the reason', () => {
    const r = auditPrices(bill, FACILITY_OUT, { 'hospital-prices': prices(items, 'Payer A') });
    expect(benchmark(r, 1, 'cash-price')).toMatchObject({ unitAmount: '1080', amountCents: 108000, origin: 'file', detail: 'row 4', period: '2026-04-01' });
    expect(benchmark(r, 1, 'negotiated-rate')).toMatchObject({ unitAmount: '400', amountCents: 40000 });
    // A code present only as another code type.
    expect(reason(r, 2, 'cash-price')).toBe("not assessed: 93005 appears in Example Hospital's price file only as a LOCAL code, not as a CPT/HCPCS code");
    // A modifier mismatch: the file prices 71046 only with -26.
    expect(reason(r, 3, 'cash-price')).toBe("not assessed: modifier mismatch: Example Hospital's price file prices this item with modifier 26, and the line has none");
    expect(benchmark(r, 4, 'cash-price')).toMatchObject({ amountCents: 8000 });
    // Setting: an inpatient-only item does not price an outpatient bill.
    expect(reason(r, 5, 'cash-price')).toMatch(/prices this item only for inpatient care, and this bill is outpatient/);
    // The self-pay bill is compared first with the cash price: line 1 ($1,500 against $1,080).
    const f = r.findings.find((x) => x.lines[0] === 1 && x.ruleId === 'charge-above-fair-price');
    expect(f).toMatchObject({ category: 'price', severity: 'warning', amountAtStakeCents: 42000, evidence: { benchmark: 'cash-price', priceFile: 'prices.csv', where: 'row 4', lastUpdated: '2026-04-01' } });
    expect(f?.message).toContain("the hospital's discounted cash price of $1,080.00");
    expect(f?.message).toContain('Information for negotiation, not a billing error');
    // Gross charge: 1500 > 1200, and 100 > 90 for the -26 line.
    expect(r.findings.filter((x) => x.ruleId === 'charge-above-gross-charge').map((x) => [x.lines[0], x.amountAtStakeCents])).toEqual([
      [1, 30000],
      [4, 1000],
    ]);
    // Price findings are never errors, and are not counted as at stake.
    expect(r.findings.every((x) => x.severity !== 'error')).toBe(true);
    expect(r.summary.amountAtStakeCents).toBe(0);
  });

  it('an insured bill is not compared with the cash price; --payer compares with the payer’s negotiated rate', () => {
    const r = auditPrices(bill, { billType: 'facility', encounter: 'outpatient', insurance: 'out-of-network' }, { 'hospital-prices': prices(items, 'Payer A') });
    const f = r.findings.find((x) => x.lines[0] === 1 && x.ruleId === 'charge-above-fair-price');
    expect(f).toMatchObject({ severity: 'info', amountAtStakeCents: 110000, evidence: { benchmark: 'negotiated-rate' } });
    expect(f?.message).toContain("Payer A's negotiated rate of $400.00");
  });
});

describe('Medicare amounts from the shipped table', () => {
  const PRO: BillOptions = { billType: 'professional' };
  it('facility vs non-facility by place of service, and a date in 2025 vs 2026', () => {
    const r = auditPrices('line,date,cpt,pos,charge\n1,2026-03-10,99213,11,500.00\n2,2026-03-10,99213,22,500.00\n3,2025-03-10,99213,11,500.00\n4,2026-03-10,99213,,500.00\n', PRO);
    expect(benchmark(r, 1, 'medicare')).toMatchObject({ unitAmount: '95.19', amountCents: 9519, period: '2026', origin: 'shipped', detail: 'non-facility, national (GPCIs 1.000)' });
    expect(benchmark(r, 2, 'medicare')).toMatchObject({ unitAmount: '57.45', amountCents: 5745, detail: 'facility, national (GPCIs 1.000)' });
    expect(reason(r, 3, 'medicare')).toMatch(/no Medicare amount for 2025-03-10: medbill's shipped Physician Fee Schedule amounts for 99213 are for 2026/);
    // No place of service: the encounter decides (inferred as an office visit from 99213).
    expect(benchmark(r, 4, 'medicare')).toMatchObject({ unitAmount: '95.19' });
    expect(r.findings.map((f) => [f.lines[0], f.severity, f.amountAtStakeCents])).toEqual([
      [1, 'warning', 50000 - 3 * 9519],
      [2, 'warning', 50000 - 3 * 5745],
      [4, 'warning', 50000 - 3 * 9519],
    ]);
    expect(r.coverage.rules.find((c) => c.ruleId === 'charge-above-fair-price')?.gaps.map((g) => g.lines)).toEqual([[3]]);
    // Nothing says where the service was: a gap naming the option to give, not a guess.
    const unknown = auditPrices('line,date,cpt,charge\n1,2026-03-10,71046,500.00\n', PRO);
    expect(reason(unknown, 1, 'medicare')).toMatch(/place of service unknown \(give --encounter/);
  });

  it('outpatient facility bills: OPPS, labs at the CLFS, drugs only in their ASP quarter; inpatient stays are not priced per line', () => {
    const csv = 'line,date,rev,cpt,units,charge\n1,2026-06-02,0450,99285,1,8200.00\n2,2026-06-02,0300,36415,1,40.00\n3,2025-11-02,0250,J2405,4,80.00\n4,2026-06-02,0250,J2405,4,80.00\n5,2026-06-02,0260,96376,1,300.00\n';
    const r = auditPrices(csv, { billType: 'facility', encounter: 'emergency' });
    expect(benchmark(r, 1, 'medicare')).toMatchObject({ unitAmount: '608.43', detail: 'APC 5025, SI J2, national, before wage index' });
    expect(benchmark(r, 2, 'medicare')).toMatchObject({ unitAmount: '9.34', source: "CMS CLFS 2026Q2, medbill's table" });
    // ASP keeps CMS's three decimals: 4 units × $0.091 = $0.364.
    expect(benchmark(r, 3, 'medicare')).toMatchObject({ unitAmount: '0.091', amountCents: 36 });
    expect(reason(r, 4, 'medicare')).toMatch(/ASP payment limits change every quarter/);
    expect(reason(r, 5, 'medicare')).toMatch(/no OPPS payment rate in medbill's shipped table/);
    expect(r.findings.find((f) => f.lines[0] === 1)).toMatchObject({ severity: 'warning', amountAtStakeCents: 820000 - 3 * 60843 });
    const inpatient = auditPrices(csv, { billType: 'facility', encounter: 'inpatient' });
    expect(inpatient.coverage.rules.find((c) => c.ruleId === 'charge-above-fair-price')?.notApplied).toMatch(/per MS-DRG/);
    expect(inpatient.prices).toBeUndefined();
  });

  it('3 to 5 times Medicare is for review (info); 5 times or more a warning; within $25 of the target nothing', () => {
    const r = auditPrices('line,date,rev,cpt,charge\n1,2026-06-02,0320,71046,350.00\n2,2026-06-02,0320,71046,450.00\n3,2026-06-02,0300,36415,30.00\n', { billType: 'facility', encounter: 'outpatient' });
    expect(r.findings.map((f) => [f.lines[0], f.severity])).toEqual([
      [2, 'warning'],
      [1, 'info'],
    ]);
  });
});

/** Made-up CMS files in the published layouts. */
const cms = {
  pprrvu(cf: string, rows: string[][]): string {
    const width = 32;
    const pad = (cells: string[]) => [...cells, ...Array(width - cells.length).fill('')].join(',');
    const banner = ['CPT codes and descriptions only are copyright American Medical Association (made-up sample).', 'Made-up relative value file for a test', '', ''];
    const labels1 = pad(['', '', '', '', 'NOT USED FOR', 'WORK', 'NON-FAC', 'NON-FAC', 'FACILITY', 'FACILITY', 'MP', 'NON-FACILITY', 'FACILITY', 'PCTC', 'GLOB', 'PRE', 'INTRA', 'POST', 'MULT', 'BILAT', 'ASST', 'CO-', 'TEAM', '', 'ENDO', 'CONV']);
    const labels2 = pad(['HCPCS', 'MOD', 'DESCRIPTION', 'STATUS CODE', 'MEDICARE PAYMENT', 'RVU', 'PE RVU', 'NA INDICATOR', 'PE RVU', 'NA INDICATOR', 'RVU', 'TOTAL', 'TOTAL', 'IND', 'DAYS', 'OP', 'OP', 'OP', 'PROC', 'SURG', 'SURG', 'SURG', 'SURG', '', 'BASE', 'FACTOR']);
    const data = rows.map((r) => {
      const [code, mod, status, work, peNf, peF, mp, nfNa = '', fNa = ''] = r as [string, string, string, string, string, string, string, string?, string?];
      const cells = [code, mod, 'Made-up descriptor text', status, '', work, peNf, nfNa, peF, fNa, mp, '0.00', '0.00', '0', 'XXX', '0.00', '0.00', '0.00', '0', '0', '0', '0', '0', '9', '', cf, '09', '0', '99', '0.00', '0.00', '0.00'];
      return cells.join(',');
    });
    return [...banner.map((b) => pad([b])), labels1, labels2, ...data].join('\r\n') + '\r\n';
  },
  gpci(year: string): string {
    return [
      `Addendum E. Final CY ${year} Geographic Practice Cost Indices (GPCIs) by State and Medicare Locality (made-up sample)`,
      `"Medicare Administrative Contractor (MAC)","State","Locality Number","Locality Name","${year} PW GPCI (with 1.0 Floor)","${year} PE GPCI","${year} MP GPCI"`,
      '"01112","CA","05","EXAMPLE CITY","1.000","1.050","1.900"',
      '"01112","CA","99","REST OF EXAMPLE STATE","1.000","0.950","1.300"',
      '"*","","","Footnote row","","",""',
    ].join('\n');
  },
  zip5(): string {
    const line = (state: string, zip: string, mac: string, loc: string) => `${state}${zip}${mac}${loc}`.padEnd(75, ' ') + '20261';
    return [line('CA', '94110', '01112', '05'), line('CA', '96001', '01112', '99')].join('\r\n') + '\r\n';
  },
  clfs(): string {
    return ['Made-up CLFS sample', 'CPT codes and descriptions only are copyright AMA', '', '', 'YEAR,HCPCS,MOD,EFF_DATE,INDICATOR,RATE,SHORTDESC,LONGDESC,EXTENDEDLONGDESC', '2026,85025,,20260101,N,7.77,Made-up,Made-up,Made-up', '2026,85025,QW,20260101,N,7.77,Made-up,Made-up,Made-up', '2026,87999,,20260101,L,0.00,Made-up,Made-up,Made-up', '2026,87998,,20260701,N,20.00,Made-up,Made-up,Made-up'].join('\n');
  },
  opps(): string {
    return ['"Addendum B.-Made-up OPPS sample, January 2026",,,,,,,', ',,,,,,,', 'HCPCS Code,Short Descriptor,SI,APC,Relative Weight,Payment Rate,National Unadjusted Copayment,Minimum Unadjusted Copayment', '99285,"Made-up, text",J2,5025,6.6,"$1,608.43",.,"$121.69"', '96376,Made-up,N,,,,.,.', '77067,Made-up,A,,,,.,.', '\u000199284,Made-up,J2,5024,4.6,$426.30,.,.'].join('\n');
  },
  asp(): string {
    return ['Payment Allowance Limits for Medicare Part B Drugs (made-up sample),,,', ',,,', '"Effective January 1, 2026 through March 31, 2026",,,', ',,,', 'HCPCS Code,Short Description,HCPCS Code Dosage,Payment Limit,Co-insurance Percentage', 'J2405,Made-up,1 MG,0.093,20.000', 'A9606,Made-up,1 microCurie,N/A,20.000'].join('\n');
  },
};

describe('importing CMS fee schedules (made-up files in the CMS layouts) and pricing from them', () => {
  const dir = join(temp(), 'data');
  const inDir = temp('medbill-cms-in-');
  const files: Record<string, string> = {
    'PPRRVU2026_Jan_nonQPP.csv': cms.pprrvu('33.4009', [
      ['99213', '', 'A', '1.30', '1.46', '0.33', '0.09'],
      ['71046', '26', 'A', '0.22', '0.09', '0.09', '0.02'],
      ['99999', '', 'C', '0.00', '0.00', '0.00', '0.00'],
      ['47562', '', 'A', '10.00', '0.00', '5.00', '1.00', 'NA', ''],
    ]),
    'PPRRVU2025_Jan.csv': cms.pprrvu('32.3465', [['99213', '', 'A', '1.30', '1.46', '0.33', '0.09']]),
    'GPCI2026.csv': cms.gpci('2026'),
    'ZIP5_JAN2026.txt': cms.zip5(),
    'PUF_CLFS_CY2026_Q1V1.csv': cms.clfs(),
    'january-2026-addendum-b.csv': cms.opps(),
    'asp-pricing-file.csv': cms.asp(),
  };
  const paths = Object.entries(files).map(([name, text]) => {
    writeFileSync(join(inDir, name), text);
    return { path: join(inDir, name), shown: name };
  });

  it('imports each file as CMS ships it, telling kind and quarter, and stores no descriptor text', async () => {
    const { outcomes } = await importFiles(dir, paths, {}, NOW);
    expect(outcomes.map((o) => `${o.kind} ${o.period}${o.part ? ` ${o.part}` : ''}: ${o.rows}`).sort()).toEqual([
      'asp 2026Q1: 1',
      'clfs 2026Q1: 4',
      'opps 2026Q1: 4',
      'pfs-gpci 2026Q1: 2',
      'pfs-rvu 2025Q1: 1',
      'pfs-rvu 2026Q1 nonqpp: 4',
      'pfs-zip-locality 2026Q1: 2',
    ]);
    const db = readFileSync(join(dir, 'medbill.sqlite'));
    expect(db.includes(Buffer.from('Made-up'))).toBe(false);
    const store = await openStore(dir, { create: false });
    try {
      expect(store.localityOfZip('94110')).toMatchObject({ mac: '01112', locality: '05', state: 'CA' });
      expect(store.gpcis({ mac: '01112', locality: '05' })[0]).toMatchObject({ name: 'EXAMPLE CITY', work: '1.00', pe: '1.05', mp: '1.90' });
    } finally {
      store.close();
    }
  });

  async function auditImported(csv: string, facts: BillOptions, locality?: { mac: string; locality: string }): Promise<Report> {
    const ref = await openReference(dir, locality ? { locality: { ...locality, via: `--locality ${locality.mac}-${locality.locality}` } } : {});
    try {
      const bill = parseBill(csv, 'bill.csv', facts)[0]!;
      return audit(bill, { ...rules, rules: rules.rules.filter((r) => r.id === 'charge-above-fair-price') }, { version: 'test', reference: ref?.forBill(bill) ?? {} });
    } finally {
      ref?.close();
    }
  }

  it('PFS: RVUs × conversion factor by year (2025 vs 2026), facility vs non-facility, -26 rows, status and NA indicators', async () => {
    const r = await auditImported('line,date,cpt,mod,pos,charge\n1,2026-03-10,99213,,11,500.00\n2,2026-03-10,99213,,22,500.00\n3,2025-03-10,99213,,11,500.00\n4,2026-03-10,71046,26,22,90.00\n5,2026-03-10,99999,,11,90.00\n6,2026-03-10,47562,,11,9000.00\n7,2026-03-10,99214,,11,300.00\n', { billType: 'professional' });
    // (1.30 + 1.46 + 0.09) × 33.4009 = 95.19; with the facility PE 0.33: 57.45; 2025: × 32.3465 = 92.19.
    expect(benchmark(r, 1, 'medicare')).toMatchObject({ unitAmount: '95.19', origin: 'imported', period: '2026Q1' });
    expect(benchmark(r, 2, 'medicare')).toMatchObject({ unitAmount: '57.45' });
    expect(benchmark(r, 3, 'medicare')).toMatchObject({ unitAmount: '92.19', period: '2025Q1' });
    expect(benchmark(r, 3, 'medicare')?.detail).toContain('conversion factor 32.3465');
    // -26: (0.22 + 0.09 + 0.02) × 33.4009 = 11.02.
    expect(benchmark(r, 4, 'medicare')).toMatchObject({ unitAmount: '11.02' });
    expect(reason(r, 5, 'medicare')).toMatch(/PFS status C for 99999: priced by the Medicare contractor/);
    expect(reason(r, 6, 'medicare')).toMatch(/no non-facility amount \(NA/);
    // An imported release is complete: a code absent from it falls to none, not to the shipped table.
    expect(reason(r, 7, 'medicare')).toMatch(/none of the imported CMS fee schedules/);
  });

  it('a locality: the GPCIs scale each RVU', async () => {
    const r = await auditImported('line,date,cpt,pos,charge\n1,2026-03-10,99213,11,500.00\n', { billType: 'professional' }, { mac: '01112', locality: '05' });
    // (1.30 × 1.000 + 1.46 × 1.050 + 0.09 × 1.900) × 33.4009 = 3.004 × 33.4009 = 100.34.
    expect(benchmark(r, 1, 'medicare')).toMatchObject({ unitAmount: '100.34' });
    expect(benchmark(r, 1, 'medicare')?.detail).toContain('locality 01112-05 (EXAMPLE CITY)');
  });

  it('OPPS (status indicators), CLFS (effective dates, contractor-priced rows, QW) and ASP from the imported files', async () => {
    const r = await auditImported(
      'line,date,rev,cpt,mod,units,charge\n1,2026-02-02,0450,99285,,1,8200.00\n2,2026-02-02,0450,99284,,1,3000.00\n3,2026-02-02,0260,96376,,1,300.00\n4,2026-02-02,0300,85025,QW,1,95.00\n5,2026-02-02,0300,87999,,1,95.00\n6,2026-02-02,0300,87998,,1,95.00\n7,2026-02-02,0250,J2405,,4,80.00\n8,2026-05-02,0250,J2405,,4,80.00\n9,2026-02-02,0403,77067,,1,400.00\n',
      { billType: 'facility', encounter: 'emergency' },
    );
    expect(benchmark(r, 1, 'medicare')).toMatchObject({ unitAmount: '1608.43', detail: 'APC 5025, SI J2, national, before wage index' });
    // A stray non-printable byte in Addendum B's HCPCS cell is dropped.
    expect(benchmark(r, 2, 'medicare')).toMatchObject({ unitAmount: '426.30' });
    expect(reason(r, 3, 'medicare')).toMatch(/packaged under OPPS \(status indicator N\)/);
    expect(benchmark(r, 4, 'medicare')).toMatchObject({ unitAmount: '7.77', detail: 'modifier QW' });
    expect(reason(r, 5, 'medicare')).toMatch(/no national limit \(indicator L/);
    expect(reason(r, 6, 'medicare')).toMatch(/takes effect on 2026-07-01, after 2026-02-02/);
    expect(benchmark(r, 7, 'medicare')).toMatchObject({ unitAmount: '0.093', amountCents: 37 });
    expect(reason(r, 8, 'medicare')).toMatch(/ASP payment limits change every quarter/);
    // OPPS status indicator A: paid under another fee schedule (the PFS non-facility amount; 77067 is not in the imported PFS).
    expect(reason(r, 9, 'medicare')).toBeDefined();
  });
});

describe('medbill prices validate (the CMS validator)', () => {
  it('valid files exit 0; the invalid validator fixtures exit 2 with one clear line per error', async () => {
    for (const f of ['V3.0.0_Tall_CSV_Format_Example.csv', 'V3.0.0_Wide_CSV_Format_Example.csv', 'v3_json_format_example.json', 'V2.0.0_JSON_Format_Example.json']) {
      const r = await runIn(['prices', 'validate', join(HPT, f)]);
      expect(r.code, `${f}: ${r.stdout}`).toBe(0);
      expect(r.stdout).toMatch(/follows the CMS price file schema/);
    }
    for (const f of ['sample-tall-valid.csv', 'sample-wide-valid.csv', 'sample-valid.json', '3.0_sample-valid.json', 'sample-tall-mixed-line-endings.csv']) expect((await runIn(['prices', 'validate', join(FIX, f)])).code, f).toBe(0);
    const csv = await runIn(['prices', 'validate', join(FIX, 'sample-lots-of-errors.csv')]);
    expect(csv.code).toBe(2);
    expect(csv.stdout).toMatch(/does not follow the CMS price file schema 2\.0\.0 \(CSV\): 22 error\(s\)/);
    expect(csv.stdout).toContain(`error: ${join(FIX, 'sample-lots-of-errors.csv')}:4 column "code|1|type": "code|1|type" value "MS-DRG A" is not one of the allowed valid values`);
    expect(csv.stderr).toBe('');
    const median = await runIn(['prices', 'validate', join(FIX, '3.0_sample-missing-median.json'), '--format', 'json']);
    expect(median.code).toBe(2);
    const m = JSON.parse(median.stdout) as { valid: boolean; errors: Array<{ pointer: string; message: string }> };
    expect(m.valid).toBe(false);
    expect(m.errors[0]).toEqual({ pointer: '/standard_charge_information/0/standard_charges/0/payers_information/3', message: "must have required property 'median_amount'" });
    const payer = await runIn(['prices', 'validate', join(FIX, '3.0_sample-payer-no-charge.json')]);
    expect(payer.code).toBe(2);
    expect(payer.stdout).toContain("must have required property 'standard_charge_dollar'");
    const notPrice = await runIn(['prices', 'validate', join(ROOT, 'README.md')]);
    expect(notPrice.code).toBe(2);
    expect(notPrice.stderr).toMatch(/^medbill: README\.md|^medbill: .*README\.md: not a hospital price file/);
    expect(notPrice.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);
});

describe('medbill audit --prices (CLI)', () => {
  const bill = join(temp(), 'bill.csv');
  writeFileSync(bill, 'Line,Date of Service,Rev Code,CPT,Mod,Units,Description,Charges\n1,2026-05-04,0450,99283,,1,ER VISIT LEVEL 3,4500.00\n2,2026-05-04,0301,80048,,1,BASIC METABOLIC PANEL,320.00\n3,2026-05-04,0611,70551,,1,MRI BRAIN,1500.00\n4,2026-05-04,0611,70551,26,1,MRI BRAIN PROF,300.00\n');
  const args = ['audit', bill, '--bill-type', 'facility', '--encounter', 'outpatient', '--insurance', 'self-pay', '--format', 'json', '--payer', 'Platform Health Insurance'];
  const summary = (r: Report) => r.prices?.lines.map((l) => [l.line, ...l.benchmarks.map((b) => `${b.kind}:${b.amountCents}`)]);

  it('the same benchmarks from the tall CSV, wide CSV and JSON v3 files; findings are warnings; the exit code stays 0', async () => {
    const out: Array<ReturnType<typeof summary>> = [];
    for (const f of ['V3.0.0_Tall_CSV_Format_Example.csv', 'V3.0.0_Wide_CSV_Format_Example.csv', 'v3_json_format_example.json']) {
      const r = await cli([...args, '--prices', join(HPT, f)]);
      expect(r.code, r.stderr).toBe(0);
      const report = JSON.parse(r.stdout) as Report;
      out.push(summary(report));
      expect(report.coverage.data.find((d) => d.kind === 'hospital-prices')).toMatchObject({ period: '2026-04-01', origin: 'file' });
      expect(report.findings.filter((x) => x.category === 'price').every((x) => x.severity !== 'error')).toBe(true);
      // The plan's offer is anchored on the benchmarks found (self-pay).
      expect(report.summary.plan?.offer.anchors.map((a) => a.kind)).toEqual(['medicare', 'cash-price', 'negotiated']);
    }
    expect(out[1]).toEqual(out[0]);
    expect(out[2]).toEqual(out[0]);
    expect(out[0]).toEqual([
      [1, 'medicare:27889', 'cash-price:360000', 'negotiated-rate:1200012', 'gross-charge:400000'],
      [2, 'medicare:846', 'cash-price:27000', 'negotiated-rate:15000', 'gross-charge:30000'],
      [3, 'cash-price:108000', 'negotiated-rate:40000', 'gross-charge:120000'],
      [4],
    ]);
  }, 60_000);

  it('the text report shows the fair-price column and the total at Medicare rates', async () => {
    const r = await cli([...args.filter((a) => a !== 'json' && a !== '--format'), '--prices', join(HPT, 'V3.0.0_Tall_CSV_Format_Example.csv')]);
    expect(r.stdout).toMatch(/Fair prices\n/);
    expect(r.stdout).toMatch(/line {2}code {6}charge {3}fair price/);
    expect(r.stdout).toMatch(/1 {5}99283 {2}\$4,500\.00 {3}\$278\.89 Medicare OPPS 2026Q1 · \$3,600\.00 cash price/);
    expect(r.stdout).toMatch(/Total +\$6,620\.00 {3}\$287\.35 at Medicare rates for 2 of 4 lines \(billed \$4,820\.00 for them\)/);
    expect(r.stdout).toMatch(/4 {5}70551 {4}\$300\.00 {3}not assessed: /);
  }, 30_000);

  it('a batch (grouped claims) goes through a temporary store, removed at the end; the same benchmarks', async () => {
    const dir = temp();
    const claims = join(dir, 'claims.csv');
    writeFileSync(claims, 'claim_id,line,service_date,revenue_code,hcpcs,units,charge_amount\nC1,1,2026-05-04,0450,99283,1,4500.00\nC1,2,2026-05-04,0301,80048,1,320.00\nC2,1,2026-05-05,0611,70551,1,1500.00\n');
    // The run's own temporary directory: other test files running at the same time make stores too.
    const tmp = join(dir, 'tmp');
    mkdirSync(tmp);
    const env = { TMPDIR: tmp };
    const r = await cli(['audit', claims, '--group-by', 'claim_id', '--bill-type', 'facility', '--encounter', 'outpatient', '--insurance', 'self-pay', '--format', 'ndjson', '-q', '--jobs', '2', '--prices', join(HPT, 'v3_json_format_example.json')], { env });
    expect(r.code, r.stderr).toBe(0);
    const reports = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Report);
    expect(reports.map(summary)).toEqual([
      [
        [1, 'medicare:27889', 'cash-price:360000', 'gross-charge:400000'],
        [2, 'medicare:846', 'cash-price:27000', 'gross-charge:30000'],
      ],
      [[1, 'cash-price:108000', 'gross-charge:120000']],
    ]);
    expect(readdirSync(tmp)).toEqual([]);
    // A bad price file in a batch (read on the price-file thread): the same one line, exit 2, nothing left behind.
    const bad = await cli(['audit', claims, '--group-by', 'claim_id', '--format', 'ndjson', '-q', '--jobs', '2', '--prices', join(FIX, 'sample-lots-of-errors.csv')], { env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^medbill: .*sample-lots-of-errors\.csv:\d+: [^\n]+\n$/);
    expect(readdirSync(tmp)).toEqual([]);
  }, 60_000);

  it('a price file imported with medbill data import is used by name', async () => {
    const env = { MEDBILL_DATA_DIR: join(temp(), 'data') };
    const imp = await cli(['data', 'import', join(HPT, 'V3.0.0_Wide_CSV_Format_Example.csv'), '--name', 'west-mercy'], { env });
    expect(imp.code, imp.stderr).toBe(0);
    expect(imp.stdout).toMatch(/imported hospital-prices 2026-04-01 part west-mercy: 23 rows/);
    const list = await cli(['data', 'list'], { env });
    expect(list.stdout).toContain('west-mercy');
    const r = await cli([...args, '--prices', 'west-mercy'], { env });
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as Report;
    expect(summary(report)?.[2]).toEqual([3, 'cash-price:108000', 'negotiated-rate:40000', 'gross-charge:120000']);
    expect(report.coverage.data.find((d) => d.kind === 'hospital-prices')).toMatchObject({ origin: 'imported' });
    const gone = await cli(['data', 'remove', 'hospital-prices', 'west-mercy'], { env });
    expect(gone.code, gone.stderr).toBe(0);
  }, 60_000);

  it('bad price input: one line naming file, row and field, exit 2, nothing imported; usage errors exit 2', async () => {
    const env = { MEDBILL_DATA_DIR: join(temp(), 'data') };
    const imp = await cli(['data', 'import', join(FIX, 'sample-lots-of-errors.csv')], { env });
    expect(imp.code).toBe(2);
    expect(imp.stderr).toBe(`medbill: ${join(FIX, 'sample-lots-of-errors.csv')}:4: code|1|type: unknown code type "MS-DRG A" (the CMS types: CPT, NDC, HCPCS, RC, ICD, DRG, MS-DRG, R-DRG, S-DRG, APS-DRG, AP-DRG, APR-DRG, APC, LOCAL, EAPG, HIPPS, CDT, CDM, TRIS-DRG, CMG, MS-LTC-DRG)\n`);
    expect(existsSync(join(env.MEDBILL_DATA_DIR, 'medbill.sqlite'))).toBe(false);
    expect((await cli(['audit', bill, '--payer', 'X'])).stderr).toMatch(/--payer and --plan name a payer of the hospital price file/);
    expect((await cli(['audit', bill, '--prices', 'no-such-file.csv'])).code).toBe(2);
    expect((await cli(['audit', bill, '--zip', '94110'])).stderr).toMatch(/--zip picks a locality of CMS's GPCI file, which is not imported/);
    expect((await cli(['audit', bill, '--locality', 'somewhere'])).stderr).toMatch(/^medbill: (--locality picks|--locality somewhere: expected)/);
    const note = await cli([...args.slice(0, -2), '--payer', 'Nobody Health', '--prices', join(HPT, 'V3.0.0_Tall_CSV_Format_Example.csv')]);
    expect(note.code).toBe(0);
    expect(note.stderr).toMatch(/note: --payer "Nobody Health": .* has no rate of that payer for the bill's codes \(payers there: Platform Health Insurance, Region Health Insurance\)/);
  }, 60_000);

  it('--zip picks the locality of imported GPCIs (CLI)', async () => {
    const env = { MEDBILL_DATA_DIR: join(temp(), 'data') };
    const inDir = temp('medbill-cms-in-');
    writeFileSync(join(inDir, 'PPRRVU2026_Jan_nonQPP.csv'), cms.pprrvu('33.4009', [['99213', '', 'A', '1.30', '1.46', '0.33', '0.09']]));
    writeFileSync(join(inDir, 'GPCI2026.csv'), cms.gpci('2026'));
    writeFileSync(join(inDir, 'ZIP5_JAN2026.txt'), cms.zip5());
    expect((await cli(['data', 'import', ...readdirSync(inDir).map((f) => join(inDir, f))], { env })).code).toBe(0);
    const pro = join(temp(), 'pro.csv');
    writeFileSync(pro, 'line,date,cpt,pos,charge\n1,2026-03-10,99213,11,500.00\n');
    const national = JSON.parse((await cli(['audit', pro, '--bill-type', 'professional', '--format', 'json'], { env })).stdout) as Report;
    expect(benchmark(national, 1, 'medicare')).toMatchObject({ unitAmount: '95.19' });
    const local = JSON.parse((await cli(['audit', pro, '--bill-type', 'professional', '--format', 'json', '--zip', '94110'], { env })).stdout) as Report;
    expect(benchmark(local, 1, 'medicare')).toMatchObject({ unitAmount: '100.34' });
    const unknown = await cli(['audit', pro, '--zip', '12345'], { env });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/--zip 12345: not in an imported ZIP code to carrier locality file/);
  }, 60_000);
});
