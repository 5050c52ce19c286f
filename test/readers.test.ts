import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseBill } from '../src/bill/read.js';
import { detectDelimiter } from '../src/bill/csv.js';
import { BillError } from '../src/errors.js';

function errorOf(fn: () => unknown): BillError {
  try {
    fn();
  } catch (err) {
    if (err instanceof BillError) return err;
    throw err;
  }
  throw new Error('expected a BillError');
}

describe('CSV reading', () => {
  it('detects comma, tab, pipe and semicolon delimiters', () => {
    expect(detectDelimiter('a,b,c\n1,2,3')).toBe(',');
    expect(detectDelimiter('a\tb\tc\n1\t"1,234.00"\t3')).toBe('\t');
    expect(detectDelimiter('DOS|CPT|Charge\n1/2/26|99213|1,200.00')).toBe('|');
    expect(detectDelimiter('DOS;CPT;Charge\n1/2/26;99213;120')).toBe(';');
  });

  it('reads BOM, CRLF, quoted cells, blank rows, a preamble and a TOTAL row', () => {
    const text =
      '\ufeffExample Regional Hospital — itemized statement\r\n' +
      'Account: TEST-0001\r\n' +
      '\r\n' +
      'Service Date,Proc Code,Mod,Qty,Description,Total Charge\r\n' +
      '03/02/2026,99284,,1,"ED VISIT, LEVEL 4","$2,845.00"\r\n' +
      '\r\n' +
      '03/02/2026,36415,,1,VENIPUNCTURE,$45.00\r\n' +
      ',,,,TOTAL CHARGES,"$2,890.00"\r\n';
    const [bill] = parseBill(text, 'messy.csv');
    expect(bill?.source.format).toBe('csv');
    expect(bill?.lines.map((l) => [l.line, l.code, l.chargeCents, l.description])).toEqual([
      [1, '99284', 284500, 'ED VISIT, LEVEL 4'],
      [2, '36415', 4500, 'VENIPUNCTURE'],
    ]);
    expect(bill?.lines[0]?.source.row).toBe(5);
    expect(bill?.statedTotals).toEqual([{ kind: 'charges', label: 'TOTAL CHARGES', amountCents: 289000, source: { file: 'messy.csv', row: 8 } }]);
    expect(bill?.columns.mapped).toMatchObject({ dateOfService: 'Service Date', code: 'Proc Code', modifiers: 'Mod', units: 'Qty', charge: 'Total Charge' });
  });

  it('keeps the bill line-number column and reads payments, adjustments and reversals as credits', () => {
    const text = [
      'Line,DOS,CPT,Description,Units,Amount',
      '10,2026-03-02,71046,Chest x-ray two views,1,610.00',
      '11,2026-03-02,71046,Chest x-ray two views,1,-610.00',
      '12,2026-03-02,85025,Blood count,1,45.00',
      '13,2026-03-03,,PAYMENT - THANK YOU,,(100.00)',
      '14,2026-03-03,,Self-pay discount adjustment,,50.00CR',
      '15,2026-03-03,,Patient payment received,,25.00',
    ].join('\n');
    const [bill] = parseBill(text, 'b.csv');
    const byLine = Object.fromEntries((bill?.lines ?? []).map((l) => [l.line, l]));
    expect(byLine[10]).toMatchObject({ type: 'charge', reversedBy: 11 });
    expect(byLine[11]).toMatchObject({ type: 'reversal', reverses: 10, chargeCents: -61000 });
    expect(byLine[12]?.type).toBe('charge');
    expect(byLine[13]).toMatchObject({ type: 'payment', chargeCents: -10000 });
    expect(byLine[14]).toMatchObject({ type: 'adjustment', chargeCents: -5000 });
    // A payment written as a positive amount still lowers what is owed.
    expect(byLine[15]).toMatchObject({ type: 'payment', chargeCents: -2500 });
  });

  it('numbers lines by position when the bill has no line column', () => {
    const text = readFileSync('fixtures/cases/office-visit-professional/bill.tsv', 'utf8');
    const [bill] = parseBill(text, 'bill.tsv');
    expect(bill?.source.format).toBe('tsv');
    expect(bill?.lines.map((l) => l.line)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(bill?.lines[9]).toMatchObject({ code: '85025', modifiers: ['91'], dateOfService: '2026-04-14', chargeCents: 4500, diagnoses: ['D64.9'] });
    expect(bill?.lines[3]).toMatchObject({ code: '95004', units: 16, chargeCents: 57851 });
  });

  it('reads several modifier columns and pipe-delimited files', () => {
    const text = 'DOS|CPT|Mod 1|Mod 2|Units|Billed\n4/1/26|20610|RT|59|1|$400.00\n';
    const [bill] = parseBill(text, 'p.txt');
    expect(bill?.source.format).toBe('psv');
    expect(bill?.lines[0]?.modifiers).toEqual(['RT', '59']);
  });

  it('honours --map for a header nobody anticipated', () => {
    const text = 'When,What,How Much\n2026-01-05,99213,120.00\n';
    expect(() => parseBill(text, 'x.csv')).toThrow(/no header row with a charge column/);
    const [bill] = parseBill(text, 'x.csv', { map: { dateOfService: 'When', code: 'What', charge: 'How Much' } });
    expect(bill?.lines[0]).toMatchObject({ dateOfService: '2026-01-05', code: '99213', chargeCents: 12000 });
  });

  it('splits a multi-claim file with --group-by, keeping each claim its own line numbers', () => {
    const text = readFileSync('fixtures/cases/batch-claims/claims.csv', 'utf8');
    const bills = parseBill(text, 'claims.csv', { groupBy: 'claim_id' });
    expect(bills.map((b) => [b.source.claim, b.lines.length])).toEqual([
      ['CLM-1001', 6],
      ['CLM-1002', 6],
      ['CLM-1003', 6],
    ]);
    expect(bills[2]?.lines[3]).toMatchObject({ line: 4, code: '99292', dateOfService: '2026-02-13', chargeCents: 105000 });
  });

  it('warns when a bill carries two claim ids, and refuses a multi-claim extract read without --group-by', () => {
    const two = 'Claim ID,CPT,Charge\nFAKE-1,99283,100.00\nFAKE-2,85025,20.00\n';
    const [bill] = parseBill(two, 'two.csv');
    expect(bill?.lines).toHaveLength(2);
    expect(bill?.warnings.map((w) => w.message)).toContain(
      'the lines carry 2 different claim ids in column "Claim ID" (FAKE-1 (row 2), FAKE-2 (row 3)); they are audited together as one bill (duplicates and edits across claims count): add --group-by "Claim ID" to audit each claim as its own bill if they are separate bills',
    );
    const many = 'Claim ID,CPT,Charge\n' + Array.from({ length: 21 }, (_, i) => `FAKE-${i + 1},85025,20.00\n`).join('');
    let err: unknown;
    try {
      parseBill(many, 'many.csv');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BillError);
    expect((err as BillError).message).toBe(
      'the lines carry 21 different claim ids in column "Claim ID" (FAKE-1 (row 2), FAKE-2 (row 3), ...): this looks like a multi-claim extract, and checks across claims would mix them; add --group-by "Claim ID" to audit each claim as its own bill',
    );
    expect(parseBill(many, 'many.csv', { groupBy: 'Claim ID' })).toHaveLength(21);
  });

  it('names file, row, column and what was expected for a bad cell', () => {
    const text = 'DOS,CPT,Charge\n2026-03-02,99213,120.00\n2026-03-02,85025,12,50\n13/03/2026,85027,40\n';
    const err = errorOf(() => parseBill(text, 'bad.csv'));
    expect(err.code).toBe('BILL_INVALID');
    // Row 3 has an unquoted "12,50": one cell too many.
    expect(err.problems[0]?.message).toBe('the row has 4 cells but the header has 3; an amount written with a comma (4,850.00) must be in quotes ("4,850.00")');
    expect(err.problems[0]?.location).toMatchObject({ file: 'bad.csv', row: 3 });
    expect(err.problems).toHaveLength(2);
    const p = err.problems[1];
    expect(p?.location).toMatchObject({ file: 'bad.csv', row: 4, line: 3, column: 'DOS', field: 'dateOfService' });
    expect(p?.message).toContain('day-first');
  });

  it('reports every bad cell, not only the first', () => {
    const text = 'DOS,CPT,Charge\n2026-03-02,99213,abc\n2026-02-30,85025,12.00\n';
    const err = errorOf(() => parseBill(text, 'bad.csv'));
    expect(err.problems.map((p) => [p.location?.row, p.location?.column])).toEqual([
      [2, 'Charge'],
      [3, 'DOS'],
    ]);
  });

  it('refuses an empty file and a file without item rows', () => {
    expect(() => parseBill('', 'e.csv')).toThrow(/empty/);
    expect(() => parseBill('DOS,CPT,Charge\n', 'h.csv')).toThrow(/no item rows/);
  });

  it('keeps a non-CPT value from the code column and warns', () => {
    const [bill] = parseBill('DOS,CPT,Charge\n2026-01-02,CDM-30012,10.00\n', 'x.csv');
    expect(bill?.lines[0]?.code).toBeUndefined();
    expect(bill?.lines[0]?.otherCode).toBe('CDM-30012');
    expect(bill?.warnings.some((w) => w.message.includes('not a CPT/HCPCS code'))).toBe(true);
  });
});

describe('JSON reading', () => {
  it('maps the portal-style ER case and reads amounts given as strings', () => {
    const text = readFileSync('fixtures/cases/er-laceration-out-of-network/bill.json', 'utf8');
    const [bill] = parseBill(text, 'bill.json');
    expect(bill?.facts).toMatchObject({
      billType: 'facility',
      insurance: 'out-of-network',
      encounter: 'emergency',
      admissionDate: '2026-06-02',
      dischargeDate: '2026-06-02',
      statementDate: '2026-06-20',
      nonprofit: false,
      diagnoses: ['S61.210A', 'W20.8XXA'],
    });
    expect(bill?.provider).toEqual({ name: 'Example Regional Medical Center', npi: '1234567893' });
    expect(bill?.lines.map((l) => [l.line, l.code ?? l.revenueCode, l.chargeCents])).toEqual([
      [1, '99285', 820000],
      [2, '90715', 18000],
      [3, '0270', 24200],
      [4, '0250', 800],
    ]);
    expect(bill?.statedTotals.map((t) => [t.kind, t.amountCents])).toEqual([
      ['charges', 863000],
      ['insurancePaid', 664000],
      ['balance', 199000],
    ]);
    expect(bill?.columns.mapped).toMatchObject({ insurance: 'insurance.status', encounter: 'encounter.type', payer: 'insurance.payer' });
    expect(bill?.columns.unused).toEqual([]);
  });

  it('names the fields it could not use', () => {
    const text = JSON.stringify({ facility: 'Test Hospital', mystery: 1, lines: [{ serviceDate: '2026-01-02', cpt: '99213', amount: 120, color: 'blue' }] });
    const [bill] = parseBill(text, 'p.json');
    expect(bill?.lines[0]).toMatchObject({ dateOfService: '2026-01-02', code: '99213', chargeCents: 12000 });
    expect(bill?.columns.unused).toEqual(['mystery', 'lines[].color']);
    expect(bill?.warnings[0]?.message).toBe('fields not used: mystery, lines[].color');
  });

  it('points at the JSON value that is wrong', () => {
    const text = JSON.stringify({ lines: [{ code: '99213', charge: '120.00' }, { code: '85025', charge: 'twelve' }] });
    const err = errorOf(() => parseBill(text, 'p.json'));
    expect(err.problems[0]?.location).toMatchObject({ file: 'p.json', pointer: '/lines/1/charge', field: 'charge' });
    const err2 = errorOf(() => parseBill('{"lines": [ {"charge": 1,} ]}', 'broken.json'));
    expect(err2.message).toMatch(/not valid JSON/);
    expect(err2.location?.row).toBe(1);
    const err3 = errorOf(() => parseBill(JSON.stringify({ lines: [{ charge: true }] }), 'p.json'));
    expect(err3.location?.pointer).toBe('/lines/0/charge');
  });

  it('accepts a top-level array of lines', () => {
    const [bill] = parseBill('[{"dateOfService":"2026-01-02","code":"99213","charge":120}]', 'a.json');
    expect(bill?.lines[0]?.chargeCents).toBe(12000);
  });
});

describe('real-world exports (regressions from a new-user review)', () => {
  const one = (text: string, opts = {}) => parseBill(text, 'x.csv', opts)[0]!;

  it('a specific header beats a generic one: Service Date over Date, CPT over a chargemaster Code', () => {
    const bill = one('Date,Service Date,Code,CPT,Description,Charge\n03/09/2026,03/05/2026,300123,85025,CBC,95.00\n');
    expect(bill.lines[0]).toMatchObject({ dateOfService: '2026-03-05', code: '85025' });
    expect(bill.columns.mapped).toMatchObject({ dateOfService: 'Service Date', code: 'CPT' });
    expect(bill.columns.unused).toEqual(['Date', 'Code']);
  });

  it('skips subtotal, previous-balance and transfer rows, and says so', () => {
    const bill = one(
      [
        'Line,Date,Rev,Description,Units,Charge',
        '1,03/05/2026,0120,ROOM SEMI-PRIVATE,1,"2,400.00"',
        '2,03/06/2026,0120,ROOM SEMI-PRIVATE,1,"2,400.00"',
        ',,,SUBTOTAL ROOM AND BOARD,,"4,800.00"',
        ',,,PREVIOUS BALANCE,,"1,000.00"',
        ',03/10/2026,,TRANSFER TO INSURANCE,,"-4,800.00"',
        ',,,TOTAL CHARGES,,"4,800.00"',
      ].join('\n'),
    );
    expect(bill.lines.map((l) => l.line)).toEqual([1, 2]);
    expect(bill.statedTotals.map((t) => [t.kind, t.amountCents])).toEqual([['charges', 480000]]);
    expect(bill.warnings.map((w) => w.message)).toContain('1 subtotal row(s), 1 previous-balance row(s), 1 balance-transfer row(s) were skipped: they are not charges of this bill and are not in its totals');
  });

  it('reads section headings and page-break rows in the date column as notes, and repeated headers as headers', () => {
    const bill = one(
      ['Date,Code,Description,Charge', 'PHARMACY,,,', '03/05/2026,J2405,Ondansetron,12.00', 'Page 2 of 2,,,', 'Date,Code,Description,Charge', '03/05/2026,85025,CBC,45.00'].join('\n'),
    );
    expect(bill.lines.map((l) => [l.line, l.code])).toEqual([
      [1, 'J2405'],
      [2, '85025'],
    ]);
  });

  it('tolerates spaces after a closing quote', () => {
    const bill = one('Date,Code,Charge\n03/05/2026,85025,"2,400.00"  \n03/05/2026,85027,"1.00" ,\n');
    expect(bill.lines.map((l) => l.chargeCents)).toEqual([240000, 100]);
  });

  it('nets a reversal posted on a later date against the charge it reverses', () => {
    const bill = one('Date,Code,Charge\n03/05/2026,85025,95.00\n03/05/2026,85025,95.00\n03/10/2026,85025,95.00CR\n');
    expect(bill.lines.map((l) => [l.line, l.type, l.reversedBy ?? l.reverses ?? null])).toEqual([
      [1, 'charge', null],
      [2, 'charge', 3],
      [3, 'reversal', 2],
    ]);
  });

  it('reads a refund as money back to the patient, and refuses negative units on a charge', () => {
    const bill = one('Date,Description,Charge\n03/05/2026,Patient payment,(100.00)\n03/20/2026,Refund to patient,40.00\n');
    expect(bill.lines.map((l) => [l.type, l.chargeCents])).toEqual([
      ['payment', -10000],
      ['payment', 4000],
    ]);
    expect(() => one('Date,Code,Units,Charge\n03/05/2026,J2405,-1,10.00\n')).toThrow(/units: expected a positive number on a charge line/);
  });

  it('knows more header names (Payments/Credits, Billed Amt)', () => {
    const bill = one('DOS,CPT,Billed Amt,Payments/Credits\n03/05/2026,99213,150.00,\n03/09/2026,,,50.00\n');
    expect(bill.lines.map((l) => [l.type, l.chargeCents])).toEqual([
      ['charge', 15000],
      ['adjustment', -5000],
    ]);
  });

  it('refuses a JSON bill whose discharge is before its admission', () => {
    const text = JSON.stringify({ admissionDate: '2026-03-08', dischargeDate: '2026-03-05', lines: [{ code: '99213', charge: 1 }] });
    expect(() => parseBill(text, 'b.json')).toThrow('dischargeDate 2026-03-05 is before admissionDate 2026-03-08');
  });

  it('says which JSON type it expected', () => {
    const err = errorOf(() => parseBill(JSON.stringify({ lines: [{ code: '99213', charge: true }] }), 'b.json'));
    expect(err.message).toBe('charge: expected an amount in dollars: a number such as 12.5 or a string such as "$1,234.56"');
  });
});
