/**
 * Importing CMS edit files (small files in the exact CMS layouts, fixtures/data/ and written
 * with the sample writers) and the semantics of the PTP, MUE and add-on code checks on
 * imported tables. Every test uses its own temporary data directory.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseBill } from '../src/bill/read.js';
import type { BillOptions } from '../src/bill/build.js';
import { dataDir, storePath } from '../src/data/dir.js';
import { importFiles, type ImportOptions } from '../src/data/import.js';
import { julianToIso, pickPeriod, ymdToIso } from '../src/data/model.js';
import { periodFromNames } from '../src/data/parse.js';
import { openReference } from '../src/data/reference.js';
import { aocSheet, aocText, mueCsv, ptpText, xlsxBytes, zipBytes, type AocFileRow, type MueFileRow, type PtpFileRow } from '../src/data/sample.js';
import { openStore } from '../src/data/store.js';
import { audit } from '../src/engine.js';
import { DataError, UsageError } from '../src/errors.js';
import type { Report } from '../src/report.js';
import { defaultRulesDir, loadRules } from '../src/rules/loader.js';

const FIXTURES = resolve(__dirname, '..', 'fixtures', 'data');
const NOW = '2026-11-29T12:00:00.000Z';

function tempDir(prefix = 'medbill-data-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Writes `files` into a fresh folder and imports them into a fresh data directory. */
async function importInto(files: Record<string, string | Uint8Array>, options: ImportOptions = {}, dir = join(tempDir(), 'data')) {
  const inDir = tempDir('medbill-in-');
  const paths = Object.entries(files).map(([name, content]) => {
    const p = join(inDir, name);
    writeFileSync(p, content);
    return { path: p, shown: name };
  });
  const result = await importFiles(dir, paths, options, NOW);
  return { dir, result };
}

const rules = loadRules([defaultRulesDir()]);

/** Audits a CSV bill with one rule of the default pack and the data directory's imported tables. */
async function auditWith(dir: string, csv: string, facts: BillOptions, ruleId: string): Promise<Report> {
  const ref = await openReference(dir);
  try {
    const bill = parseBill(csv, 'test.csv', facts)[0]!;
    return audit(bill, { ...rules, rules: rules.rules.filter((r) => r.id === ruleId) }, { version: 'test', reference: ref?.forBill(bill) ?? {} });
  } finally {
    ref?.close();
  }
}

const flagged = (r: Report) => r.findings.map((f) => [f.lines[0], f.severity, f.amountAtStakeCents]);
const PRO: BillOptions = { billType: 'professional' };
const OUTPATIENT: BillOptions = { billType: 'facility', encounter: 'outpatient' };

const ptpRow = (column1: string, column2: string, indicator: string, effective = '20100101', deletion = '*'): PtpFileRow => ({ column1, column2, effective, deletion, indicator });

describe('reading CMS file names, dates and quarters', () => {
  it.each([
    ['ccipra-v321r0-f1.txt', '2026Q2'],
    ['ccioph-v320r0-f1.txt', '2026Q1'],
    ['medicare-ncci-2026q4-practitioner-ptp-edits-ccipra-v323r0-f2.zip', '2026Q4'],
    ['MCR_MUE_PractitionerServices_Eff_10-01-2026.csv', '2026Q4'],
    ['medicare-ncci-2026-q2-practitioner-services-mue-table.zip', '2026Q2'],
    ['AOC_V2025Q4_01-MCR.txt', '2025Q4'],
    ['AOC_V2026Q2-MCR.xlsx', '2026Q2'],
  ])('%s → %s', (name, period) => {
    expect(periodFromNames([name.toLowerCase()])).toBe(period);
  });

  it('reads PTP dates (YYYYMMDD, * = none) and AOC Julian dates (YYYYDDD)', () => {
    expect(ymdToIso('20261001')).toBe('2026-10-01');
    expect(ymdToIso('*')).toBe('');
    expect(ymdToIso('20260231')).toBeUndefined();
    expect(julianToIso('2026091')).toBe('2026-04-01');
    expect(julianToIso('2024366')).toBe('2024-12-31');
    expect(julianToIso('2026366')).toBeUndefined();
    expect(julianToIso('')).toBe('');
  });

  it('picks the quarter of the date of service, else the latest earlier one, else the earliest', () => {
    expect(pickPeriod(['2026Q3', '2026Q4'], '2026-11-03')).toEqual({ period: '2026Q4', exact: true });
    expect(pickPeriod(['2026Q3', '2026Q4'], '2027-02-01')).toEqual({ period: '2026Q4', exact: false });
    expect(pickPeriod(['2026Q3', '2026Q4'], '2026-01-15')).toEqual({ period: '2026Q3', exact: false });
    expect(pickPeriod([], '2026-01-15')).toBeUndefined();
  });

  it('finds the data directory: --data-dir, MEDBILL_DATA_DIR, XDG_DATA_HOME, then ~/.local/share', () => {
    expect(dataDir('d', { MEDBILL_DATA_DIR: '/m', XDG_DATA_HOME: '/x' }, '/cwd', 'linux', '/home/u')).toBe('/cwd/d');
    expect(dataDir(undefined, { MEDBILL_DATA_DIR: '/m', XDG_DATA_HOME: '/x' }, '/cwd', 'linux', '/home/u')).toBe('/m');
    expect(dataDir(undefined, { XDG_DATA_HOME: '/x' }, '/cwd', 'linux', '/home/u')).toBe('/x/medbill');
    expect(dataDir(undefined, {}, '/cwd', 'linux', '/home/u')).toBe('/home/u/.local/share/medbill');
  });
});

describe('data import', () => {
  it('imports the PTP .txt, the MUE .csv and the fixed-width AOC .txt in their CMS layouts', async () => {
    const dir = join(tempDir(), 'data');
    const files = ['ccipra-v323r0-f1.txt', 'MCR_MUE_PractitionerServices_Eff_10-01-2026.csv', 'AOC_V2026Q4_01-MCR.txt'].map((f) => ({ path: join(FIXTURES, f), shown: f }));
    const { outcomes } = await importFiles(dir, files, {}, NOW);
    expect(outcomes.map((o) => [o.kind, o.period, o.part, o.rows, o.replaced])).toEqual([
      ['ncci-ptp-practitioner', '2026Q4', 'f1', 5, false],
      ['mue-practitioner', '2026Q4', '', 4, false],
      ['aoc', '2026Q4', '', 5, false],
    ]);
    const store = await openStore(dir, { create: false });
    const ref = store.reference(['11000', '11001', '21000', '31001', '33001']);
    store.close();
    expect(ref['ncci-ptp-practitioner']?.rows).toEqual([
      { period: '2026Q4', column1: '11000', column2: '11001', effective: '1996-01-01', deletion: '', indicator: '0', rationale: 'Mutually exclusive procedures', source: 'ccipra-v323r0-f1.txt' },
    ]);
    expect(ref['mue-practitioner']?.rows).toEqual([{ period: '2026Q4', code: '21000', value: 2, mai: 1, rationale: 'Anatomic Consideration', source: 'MCR_MUE_PractitionerServices_Eff_10-01-2026.csv' }]);
    expect(ref.aoc?.rows.map((p) => [p.addOn, p.primary, p.type, p.effective, p.deletion])).toEqual([
      ['31001', '31000', 1, '2013-01-01', ''],
      ['31001', '31002', 1, '2013-01-01', '2026-11-01'],
      ['33001', '', 2, '2013-01-01', ''],
    ]);
  });

  it('imports a CMS zip holding the .xlsx and the .txt of one table once, and reads an .xlsx on its own', async () => {
    const rows = [ptpRow('11000', '11001', '0'), ptpRow('12000', '12001', '1')];
    const xlsx = await xlsxBytes([['notice'], ['title'], ['Column 1', 'Column 2', '*=in existence prior to 1996', 'Effective Date', 'Deletion Date', 'Modifier', 'PTP Edit Rationale'], ...rows.map((r) => [r.column1, r.column2, '', r.effective, r.deletion, r.indicator, 'x'])]);
    const zip = await zipBytes({ 'ccioph-v323r0-f1.txt': ptpText(rows, 'Hospital PTP edits'), 'ccioph-v323r0-f1.xlsx': xlsx, 'readme.pdf': 'not a table' });
    const { dir, result } = await importInto({ 'medicare-ncci-2026q4-hospital-ptp-edits-ccioph-v323r0-f1.zip': zip });
    expect(result.outcomes.map((o) => [o.kind, o.period, o.rows, o.source])).toEqual([['ncci-ptp-hospital', '2026Q4', 2, 'medicare-ncci-2026q4-hospital-ptp-edits-ccioph-v323r0-f1.zip!ccioph-v323r0-f1.txt']]);
    expect(result.skipped).toEqual(['medicare-ncci-2026q4-hospital-ptp-edits-ccioph-v323r0-f1.zip!ccioph-v323r0-f1.xlsx: same table as medicare-ncci-2026q4-hospital-ptp-edits-ccioph-v323r0-f1.zip!ccioph-v323r0-f1.txt, not imported twice']);
    const alone = await importInto({ 'ccioph-v323r0-f1.xlsx': xlsx });
    expect(alone.result.outcomes.map((o) => [o.kind, o.period, o.rows])).toEqual([['ncci-ptp-hospital', '2026Q4', 2]]);
    const a = await openStore(dir, { create: false });
    const b = await openStore(alone.dir, { create: false });
    expect(b.reference(['11000', '11001', '12000', '12001'])['ncci-ptp-hospital']?.rows.map(({ source: _s, rationale: _r, ...e }) => e)).toEqual(
      a.reference(['11000', '11001', '12000', '12001'])['ncci-ptp-hospital']?.rows.map(({ source: _s, rationale: _r, ...e }) => e),
    );
    a.close();
    b.close();
  });

  it('imports an AOC .xlsx (notice row, then the header) and an MUE .xlsx', async () => {
    const aoc: AocFileRow[] = [{ type: 1, addOn: '31001', primary: '31000', effective: '2013001' }];
    const mue: MueFileRow[] = [{ code: '21000', value: 2, mai: 1 }];
    const { result } = await importInto({
      'AOC_V2026Q2-MCR.xlsx': await xlsxBytes(aocSheet(aoc)),
      'MCR_MUE_OutpatientHospitalServices_Eff_04-01-2026.xlsx': await xlsxBytes([['notice'], ['HCPCS/CPT Code', 'Outpatient Hospital Services MUE Values', 'MUE Adjudication Indicator', 'MUE Rationale'], ...mue.map((r) => [r.code, String(r.value), '1 Line Edit', ''])]),
    });
    expect(result.outcomes.map((o) => [o.kind, o.period, o.rows])).toEqual([
      ['aoc', '2026Q2', 1],
      ['mue-hospital', '2026Q2', 1],
    ]);
  });

  it('re-importing the same kind and quarter replaces it: no duplicates, other quarters kept', async () => {
    const file = (rows: PtpFileRow[]) => ({ 'ccipra-v323r0-f1.txt': ptpText(rows, 'PTP') });
    const { dir } = await importInto(file([ptpRow('11000', '11001', '0'), ptpRow('12000', '12001', '1')]));
    await importInto({ 'ccipra-v322r0-f1.txt': ptpText([ptpRow('11000', '11001', '1')], 'PTP') }, {}, dir);
    const again = await importInto(file([ptpRow('11000', '11001', '0')]), {}, dir);
    expect(again.result.outcomes.map((o) => [o.period, o.rows, o.replaced])).toEqual([['2026Q4', 1, true]]);
    const store = await openStore(dir, { create: false });
    expect(store.datasets().map((d) => [d.kind, d.period, d.part, d.rows])).toEqual([
      ['ncci-ptp-practitioner', '2026Q3', 'f1', 1],
      ['ncci-ptp-practitioner', '2026Q4', 'f1', 1],
    ]);
    expect(store.reference(['11000', '11001', '12000', '12001'])['ncci-ptp-practitioner']?.rows.map((e) => [e.period, e.column1, e.indicator])).toEqual([
      ['2026Q3', '11000', '1'],
      ['2026Q4', '11000', '0'],
    ]);
    store.close();
  });

  it("applies each quarter's table to the dates of service in that quarter, and says when it used another quarter's", async () => {
    const { dir } = await importInto({ 'ccipra-v322r0-f1.txt': ptpText([ptpRow('11000', '11001', '1')], 'PTP') });
    await importInto({ 'ccipra-v323r0-f1.txt': ptpText([ptpRow('11000', '11001', '0')], 'PTP') }, {}, dir);
    const bill = (date: string) => `line,date,code,modifiers,units,charge\n1,${date},11000,,1,500.00\n2,${date},11001,59,1,200.00\n`;
    const q3 = await auditWith(dir, bill('2026-08-03'), PRO, 'ncci-ptp-edit');
    expect(flagged(q3)).toEqual([[2, 'info', 20000]]);
    expect(q3.coverage.data.filter((d) => d.kind === 'ncci-ptp-practitioner').map((d) => d.period)).toEqual(['2026Q3']);
    const q4 = await auditWith(dir, bill('2026-11-03'), PRO, 'ncci-ptp-edit');
    expect(flagged(q4)).toEqual([[2, 'error', 20000]]);
    expect(q4.coverage.data.filter((d) => d.kind === 'ncci-ptp-practitioner').map((d) => d.period)).toEqual(['2026Q4']);
    const later = await auditWith(dir, bill('2027-02-01'), PRO, 'ncci-ptp-edit');
    expect(later.findings[0]?.message).toContain('No ncci-ptp-practitioner table for the quarter of 2027-02-01 is imported; the 2026Q4 table was used.');
  });

  it('a malformed file: an error naming file, row and field, and nothing half-imported', async () => {
    const { dir } = await importInto({ 'ccipra-v323r0-f1.txt': ptpText([ptpRow('11000', '11001', '0')], 'PTP') });
    const bad = ptpText([ptpRow('12000', '12001', '1'), ptpRow('13000', '13001', '1', '2026-10-01')], 'PTP');
    const good = mueCsv([{ code: '21000', value: 2, mai: 1 }], 'mue-practitioner');
    const err = await importInto({ 'MCR_MUE_PractitionerServices_Eff_10-01-2026.csv': good, 'ccipra-v323r0-f1.txt': bad }, {}, dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    expect((err as DataError).message).toBe('Effective Date: expected a date YYYYMMDD, got "2026-10-01"');
    expect((err as DataError).location).toEqual({ file: 'ccipra-v323r0-f1.txt', row: 7, field: 'Effective Date' });
    // The earlier import is intact and the good file of the failed command was not stored either.
    const store = await openStore(dir, { create: false });
    expect(store.datasets().map((d) => [d.kind, d.rows])).toEqual([['ncci-ptp-practitioner', 1]]);
    expect(store.reference(['11000', '11001'])['ncci-ptp-practitioner']?.rows[0]?.indicator).toBe('0');
    store.close();
  });

  it('a failed first import leaves no store behind', async () => {
    const dir = join(tempDir(), 'data');
    const err = await importInto({ 'MCR_MUE_PractitionerServices_Eff_10-01-2026.csv': mueCsv([{ code: '21000', value: 'two', mai: 1 }], 'mue-practitioner') }, {}, dir).catch((e: unknown) => e);
    expect((err as DataError).location).toEqual({ file: 'MCR_MUE_PractitionerServices_Eff_10-01-2026.csv', row: 4, field: 'MUE Values' });
    expect(existsSync(storePath(dir))).toBe(false);
  });

  it.each([
    ['not a CMS file', { 'notes.txt': 'hello\tworld\n' }, {}, /not a CMS file medbill reads: no header row of an NCCI PTP, MUE or add-on code edit file/],
    ['no quarter in the name', { 'edits.txt': ptpText([ptpRow('11000', '11001', '0')], 'Practitioner PTP') }, {}, /give --period/],
    ['a PTP file that does not say which table', { 'edits-2026q4.txt': ptpText([ptpRow('11000', '11001', '0')], 'PTP edits') }, {}, /give --kind/],
    ['a --kind of another family', { 'ccipra-v323r0-f1.txt': ptpText([ptpRow('11000', '11001', '0')], 'PTP') }, { kind: 'mue-hospital' as const }, /--kind mue-hospital was given, but the file is an NCCI PTP file/],
    ['a bad indicator', { 'ccipra-v323r0-f1.txt': ptpText([ptpRow('11000', '11001', '2')], 'PTP') }, {}, /Modifier: expected the modifier indicator 0, 1 or 9, got "2"/],
    ['a bad code', { 'ccipra-v323r0-f1.txt': ptpText([ptpRow('1100', '11001', '0')], 'PTP') }, {}, /Column 1: expected a CPT\/HCPCS code/],
  ])('refuses %s', async (_what, files, options, message) => {
    const err = await importInto(files, options).catch((e: unknown) => e);
    expect(err instanceof DataError || err instanceof UsageError).toBe(true);
    expect((err as Error).message).toMatch(message);
  });

  it('takes --kind and --period for a file whose name says neither', async () => {
    const { result } = await importInto({ 'edits.txt': ptpText([ptpRow('11000', '11001', '0')], 'PTP edits') }, { kind: 'ncci-ptp-hospital', period: '2026Q3' });
    expect(result.outcomes.map((o) => [o.kind, o.period])).toEqual([['ncci-ptp-hospital', '2026Q3']]);
  });

  it('keeps no descriptor text: columns other than codes, dates, indicators and rationale are never stored', async () => {
    const csv = mueCsv([{ code: '21000', value: 2, mai: 1 }], 'mue-practitioner').replace('"MUE Rationale"', '"MUE Rationale","Descriptor"').replace(/(21000,2,1 Line Edit,)/, '$1,ZZDESCRIPTORTEXTZZ');
    const { dir } = await importInto({ 'MCR_MUE_PractitionerServices_Eff_10-01-2026.csv': csv });
    expect(readFileSync(storePath(dir)).includes(Buffer.from('ZZDESCRIPTORTEXTZZ'))).toBe(false);
    expect(csv).toContain('ZZDESCRIPTORTEXTZZ');
  });
});

describe('PTP edits from an imported table', () => {
  const table = [
    ptpRow('11000', '11001', '0'),
    ptpRow('12000', '12001', '1'),
    ptpRow('13000', '13001', '9'),
    ptpRow('14000', '14001', '1', '20261001'),
    ptpRow('15000', '15001', '1', '20100101', '20261115'),
    ptpRow('99213', '16001', '1'),
  ];
  const pro = importInto({ 'ccipra-v323r0-f1.txt': ptpText(table, 'Practitioner PTP edits') });
  const pair = (a: string, b: string, date: string, modsA = '', modsB = '') => `line,date,code,modifiers,units,charge\n1,${date},${a},${modsA},1,500.00\n2,${date},${b},${modsB},1,200.00\n`;

  it('indicator 0: the column-2 line is flagged, with the codes, indicator, table and period; a modifier does not bypass it', async () => {
    const { dir } = await pro;
    const r = await auditWith(dir, pair('11000', '11001', '2026-11-03', '', '59'), PRO, 'ncci-ptp-edit');
    expect(flagged(r)).toEqual([[2, 'error', 20000]]);
    expect(r.findings[0]?.lines).toEqual([2, 1]);
    expect(r.findings[0]?.message).toContain('11001 on 2026-11-03 is the column-2 code of an NCCI procedure-to-procedure edit with 11000 (line 1), modifier indicator 0 (ncci-ptp-practitioner 2026Q4)');
    expect(r.findings[0]?.message).toContain('Modifier 59 does not bypass this edit');
    expect(r.findings[0]?.evidence).toMatchObject({ column1: '11000', column2: '11001', modifierIndicator: '0', table: 'ncci-ptp-practitioner', period: '2026Q4', origin: 'imported' });
    expect(r.coverage.data.find((d) => d.kind === 'ncci-ptp-practitioner')).toMatchObject({ origin: 'imported', period: '2026Q4', rows: 6 });
  });

  it('indicator 1: an error without a modifier; info with an NCCI-associated modifier on the column-2 line, or 25 on the E/M line', async () => {
    const { dir } = await pro;
    expect(flagged(await auditWith(dir, pair('12000', '12001', '2026-11-03'), PRO, 'ncci-ptp-edit'))).toEqual([[2, 'error', 20000]]);
    expect(flagged(await auditWith(dir, pair('12000', '12001', '2026-11-03', '', 'XS'), PRO, 'ncci-ptp-edit'))).toEqual([[2, 'info', 20000]]);
    expect(flagged(await auditWith(dir, pair('12000', '12001', '2026-11-03', '59', ''), PRO, 'ncci-ptp-edit'))).toEqual([[2, 'error', 20000]]);
    expect(flagged(await auditWith(dir, pair('12000', '12001', '2026-11-03', '', '76'), PRO, 'ncci-ptp-edit'))).toEqual([[2, 'error', 20000]]);
    expect(flagged(await auditWith(dir, pair('99213', '16001', '2026-11-03', '25', ''), PRO, 'ncci-ptp-edit'))).toEqual([[2, 'info', 20000]]);
  });

  it('indicator 1 and anatomic modifiers: different sides bypass, the same side does not', async () => {
    const { dir } = await pro;
    expect(flagged(await auditWith(dir, pair('12000', '12001', '2026-11-03', 'LT', 'RT'), PRO, 'ncci-ptp-edit'))).toEqual([[2, 'info', 20000]]);
    expect(flagged(await auditWith(dir, pair('12000', '12001', '2026-11-03', 'RT', 'RT'), PRO, 'ncci-ptp-edit'))).toEqual([[2, 'error', 20000]]);
  });

  it('indicator 9 is not an edit; the reversed order and other providers or days are not flagged', async () => {
    const { dir } = await pro;
    expect(flagged(await auditWith(dir, pair('13000', '13001', '2026-11-03'), PRO, 'ncci-ptp-edit'))).toEqual([]);
    expect(flagged(await auditWith(dir, pair('11001', '11000', '2026-11-03'), PRO, 'ncci-ptp-edit'))).toEqual([[1, 'error', 50000]]);
    const twoDoctors = 'line,date,code,units,charge,npi\n1,2026-11-03,11000,1,500,1111111112\n2,2026-11-03,11001,1,200,1111111120\n';
    expect(flagged(await auditWith(dir, twoDoctors, PRO, 'ncci-ptp-edit'))).toEqual([]);
    const twoDays = 'line,date,code,units,charge\n1,2026-11-03,11000,1,500\n2,2026-11-04,11001,1,200\n';
    expect(flagged(await auditWith(dir, twoDays, PRO, 'ncci-ptp-edit'))).toEqual([]);
  });

  it('applies an edit from its effective date, and not on or after its deletion date', async () => {
    const { dir } = await pro;
    expect(flagged(await auditWith(dir, pair('14000', '14001', '2026-09-30'), PRO, 'ncci-ptp-edit'))).toEqual([]);
    expect(flagged(await auditWith(dir, pair('14000', '14001', '2026-10-01'), PRO, 'ncci-ptp-edit'))).toEqual([[2, 'error', 20000]]);
    expect(flagged(await auditWith(dir, pair('15000', '15001', '2026-11-14'), PRO, 'ncci-ptp-edit'))).toEqual([[2, 'error', 20000]]);
    expect(flagged(await auditWith(dir, pair('15000', '15001', '2026-11-15'), PRO, 'ncci-ptp-edit'))).toEqual([]);
  });

  it('uses the hospital table for outpatient facility bills and none for inpatient facility bills', async () => {
    const { dir } = await pro;
    await importInto({ 'ccioph-v323r0-f1.txt': ptpText([ptpRow('12000', '12001', '0')], 'Hospital PTP edits') }, {}, dir);
    const out = await auditWith(dir, pair('12000', '12001', '2026-11-03', '', '59'), OUTPATIENT, 'ncci-ptp-edit');
    expect(flagged(out)).toEqual([[2, 'error', 20000]]);
    expect(out.findings[0]?.evidence).toMatchObject({ table: 'ncci-ptp-hospital', modifierIndicator: '0' });
    // 11000/11001 is only in the practitioner table: the hospital table has no such edit.
    expect(flagged(await auditWith(dir, pair('11000', '11001', '2026-11-03'), OUTPATIENT, 'ncci-ptp-edit'))).toEqual([]);
    const inpatient = await auditWith(dir, pair('12000', '12001', '2026-11-03'), { billType: 'facility', encounter: 'inpatient' }, 'ncci-ptp-edit');
    expect(flagged(inpatient)).toEqual([]);
    expect(inpatient.coverage.rules[0]).toMatchObject({ ruleId: 'ncci-ptp-edit', applied: false, notApplied: expect.stringContaining('inpatient facility claims') });
  });

  it('with an imported (complete) table every coded line is checked; without one, codes the curated table lacks are not checked', async () => {
    const { dir } = await pro;
    const bill = 'line,date,code,units,charge\n1,2026-11-03,77777,1,500\n';
    expect((await auditWith(dir, bill, PRO, 'ncci-ptp-edit')).coverage.notCheckedLines).toEqual([]);
    const none = await auditWith(join(tempDir(), 'none'), bill, PRO, 'ncci-ptp-edit');
    expect(none.coverage.notCheckedLines).toEqual([{ line: 1, reasons: ['ncci-ptp-edit: code in no edit of the curated ncci-ptp-practitioner table (import the CMS PTP file: medbill data import)'] }]);
    expect(none.coverage.data.find((d) => d.kind === 'ncci-ptp-practitioner')).toMatchObject({ origin: 'curated', name: 'tables/ncci-ptp-practitioner.csv', rows: 2 });
  });
});

describe('MUEs from an imported table', () => {
  const rows: MueFileRow[] = [
    { code: '21000', value: 2, mai: 1 },
    { code: '22000', value: 1, mai: 2 },
    { code: '23000', value: 3, mai: 3 },
    { code: '24000', value: 0, mai: 2 },
  ];
  const imported = importInto({ 'MCR_MUE_PractitionerServices_Eff_10-01-2026.csv': mueCsv(rows, 'mue-practitioner') });
  const bill = (...lines: Array<[string, string, number, string]>) =>
    'line,date,code,modifiers,units,charge\n' + lines.map(([code, mods, units, charge], i) => `${i + 1},2026-11-03,${code},${mods},${units},${charge}`).join('\n') + '\n';

  it('MAI 1: units per line; unmodified lines of the day count as one line, split lines on their own', async () => {
    const { dir } = await imported;
    expect(flagged(await auditWith(dir, bill(['21000', '', 3, '300.00']), PRO, 'mue-unit-limit'))).toEqual([[1, 'error', 10000]]);
    expect(flagged(await auditWith(dir, bill(['21000', '', 2, '200.00']), PRO, 'mue-unit-limit'))).toEqual([]);
    expect(flagged(await auditWith(dir, bill(['21000', '', 1, '100.00'], ['21000', '', 2, '200.00']), PRO, 'mue-unit-limit'))).toEqual([[2, 'error', 10000]]);
    expect(flagged(await auditWith(dir, bill(['21000', '', 2, '200.00'], ['21000', 'RT', 2, '200.00'], ['21000', '59', 2, '200.00']), PRO, 'mue-unit-limit'))).toEqual([]);
  });

  it('MAI 2: units summed per day whatever the modifiers, an error; an MUE of 0 disputes every unit', async () => {
    const { dir } = await imported;
    const r = await auditWith(dir, bill(['22000', '', 1, '100.00'], ['22000', '59', 1, '100.00']), PRO, 'mue-unit-limit');
    expect(flagged(r)).toEqual([[2, 'error', 10000]]);
    expect(r.findings[0]?.message).toBe(
      '22000 on 2026-11-03: 2 unit(s) billed on lines 1, 2 together, above the Medically Unlikely Edit of 1 (MAI 2, per date of service, policy limit; mue-practitioner 2026Q4), so 1 unit(s) are over the limit.',
    );
    expect(flagged(await auditWith(dir, bill(['24000', '', 2, '90.00']), PRO, 'mue-unit-limit'))).toEqual([[1, 'error', 9000]]);
  });

  it('MAI 3: units summed per day, a warning that can be appealed with records', async () => {
    const { dir } = await imported;
    const r = await auditWith(dir, bill(['23000', '', 2, '200.00'], ['23000', '76', 3, '300.00']), PRO, 'mue-unit-limit');
    expect(flagged(r)).toEqual([[2, 'warning', 20000]]);
    expect(r.findings[0]?.message).toContain('on appeal');
  });

  it('a code without an MUE and a line without units are not checked, never clean', async () => {
    const { dir } = await imported;
    const r = await auditWith(dir, 'line,date,code,charge\n1,2026-11-03,21000,100\n2,2026-11-03,29999,100\n'.replace('code,charge\n1,2026-11-03,21000,100', 'code,units,charge\n1,2026-11-03,21000,,100').replace('2,2026-11-03,29999,100', '2,2026-11-03,29999,1,100'), PRO, 'mue-unit-limit');
    expect(r.coverage.notCheckedLines).toEqual([
      { line: 1, reasons: ['mue-unit-limit: no units on the line'] },
      { line: 2, reasons: ['mue-unit-limit: no published MUE for the code in mue-practitioner (CMS keeps some MUEs confidential)'] },
    ]);
  });
});

describe('add-on code edits from an imported table', () => {
  const rows: AocFileRow[] = [
    { type: 1, addOn: '31001', primary: '31000', effective: '2013001' },
    { type: 3, addOn: '32001', primary: '32000', effective: '2013001' },
    { type: 2, addOn: '33001', primary: 'CCCCC', effective: '2013001' },
    { type: 1, addOn: '34001', primary: '34000', effective: '2013001', addOnDeleted: '2026305' },
  ];
  const imported = importInto({ 'AOC_V2026Q4_01-MCR.txt': aocText(rows) });
  const bill = (date: string, ...codes: string[]) => 'line,date,code,units,charge\n' + codes.map((c, i) => `${i + 1},${date},${c},1,100.00`).join('\n') + '\n';

  it('type 1: an error without a listed primary the same day, nothing with one', async () => {
    const { dir } = await imported;
    const r = await auditWith(dir, bill('2026-11-03', '31001', '99213'), PRO, 'add-on-without-primary');
    expect(flagged(r)).toEqual([[1, 'error', 10000]]);
    expect(r.findings[0]?.evidence).toMatchObject({ aocType: '1', acceptedPrimaries: ['31000'], origin: 'imported', period: '2026Q4' });
    expect(flagged(await auditWith(dir, bill('2026-11-03', '31001', '31000'), PRO, 'add-on-without-primary'))).toEqual([]);
  });

  it('type 3: a warning; type 2: info only, and only when nothing else was billed that day', async () => {
    const { dir } = await imported;
    expect(flagged(await auditWith(dir, bill('2026-11-03', '32001', '99213'), PRO, 'add-on-without-primary'))).toEqual([[1, 'warning', 10000]]);
    expect(flagged(await auditWith(dir, bill('2026-11-03', '33001'), PRO, 'add-on-without-primary'))).toEqual([[1, 'info', 10000]]);
    expect(flagged(await auditWith(dir, bill('2026-11-03', '33001', '99213'), PRO, 'add-on-without-primary'))).toEqual([]);
  });

  it('a complete table: a code absent from it is known not to be an add-on (checked); a deleted add-on is not checked after its deletion date', async () => {
    const { dir } = await imported;
    const r = await auditWith(dir, bill('2026-11-03', '77777'), PRO, 'add-on-without-primary');
    expect(r.coverage.notCheckedLines).toEqual([]);
    expect(flagged(await auditWith(dir, bill('2026-10-31', '34001'), PRO, 'add-on-without-primary'))).toEqual([[1, 'error', 10000]]);
    const after = await auditWith(dir, bill('2026-11-01', '34001'), PRO, 'add-on-without-primary');
    expect(flagged(after)).toEqual([]);
    expect(after.coverage.notCheckedLines[0]?.reasons[0]).toMatch(/not in force on its date of service/);
  });
});
