/**
 * Turns raw cells (from a CSV row or a JSON line object) into normalised bill lines, and
 * assembles a bill: line types (charge, payment, adjustment, reversal), reversal netting,
 * line numbering and bill facts. Shared by the CSV and JSON readers so that a value means
 * the same thing whatever file it came from.
 */
import { BillError, type Location, type Problem } from '../errors.js';
import type { LineField, TotalKind } from './fields.js';
import type {
  Bill,
  BillFacts,
  BillLine,
  BillType,
  EncounterType,
  InsuranceStatus,
  LineType,
  NetworkStatus,
  UsState,
  SourceRef,
  StatedTotal,
} from './schema.js';
import { US_STATES } from './schema.js';
import {
  parseCodeCell,
  parseDate,
  parseDiagnoses,
  parseModifiers,
  MAX_TOTAL_CENTS,
  parseMoney,
  parseRevenueCode,
  parseUnits,
  type Parsed,
} from './values.js';

/** A raw cell value: CSV cells are strings; JSON values may be numbers, booleans or lists. */
export type CellValue = string | number | boolean | null | undefined | Array<string | number>;

/**
 * How the values of raw lines are laid out: the column headers (CSV) or keys (JSON) and, for
 * each line field, the columns that hold it (several for modifiers and diagnoses). Shared by
 * every line of a file, so a line is just an array of values.
 */
export interface LineLayout {
  headers: string[];
  fields: Partial<Record<LineField, number[]>>;
  /** True when values come from JSON: locations are JSON pointers (line pointer + "/" + key). */
  json?: boolean;
}

/** One item row before parsing: its values by column, the file and physical row or JSON pointer. */
export interface RawLine {
  values: CellValue[];
  layout: LineLayout;
  file: string;
  row?: number;
  pointer?: string;
  /** 1-based position among the item rows of its bill (the line number when the bill has none). */
  position: number;
  /** A problem with the row as a whole (more cells than the header), reported as the line's error. */
  problem?: string;
}

/** Facts the bill file itself states (JSON header fields); all optional. */
export interface FileFacts {
  providerName?: string;
  providerNpi?: string;
  nonprofit?: boolean;
  patientName?: string;
  accountNumber?: string;
  statementDate?: string;
  billType?: BillType;
  insurance?: InsuranceStatus;
  payer?: string;
  encounter?: EncounterType;
  admissionDate?: string;
  dischargeDate?: string;
  diagnoses?: string[];
  facilityNetwork?: NetworkStatus;
  state?: UsState;
  /** The provider's Good Faith Estimate for the whole bill, in cents. */
  gfeCents?: number;
}

/** Everything a reader produced for one bill, before line parsing. */
export interface RawBill {
  path: string;
  format: Bill['source']['format'];
  claim?: string;
  lines: RawLine[];
  statedTotals: Array<{ kind: TotalKind; label: string; value: string | number; source: SourceRef; location: Location }>;
  facts: FileFacts;
  mapped: Record<string, string>;
  unused: string[];
  warnings: Problem[];
}

/** Bill facts given on the command line (`--bill-type`, `--admission`, ...); they win over the file. */
export interface BillOptions {
  billType?: BillType;
  insurance?: InsuranceStatus;
  encounter?: EncounterType;
  admissionDate?: string;
  dischargeDate?: string;
  diagnoses?: string[];
  nonprofit?: boolean;
  /** Date of the bill (first post-discharge statement), any date form a bill may use. */
  statementDate?: string;
  facilityNetwork?: NetworkStatus;
  state?: UsState;
  /** Good Faith Estimates, per provider (NPI or name) or for the whole bill (no provider); cents. */
  gfe?: Array<{ provider?: string; amountCents: number }>;
}

const MAX_PROBLEMS = 20;

function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

function cellLocation(raw: RawLine, index: number, field: LineField, line?: number): Location {
  const loc: Location = { file: raw.file, field };
  if (raw.row !== undefined) loc.row = raw.row;
  if (line !== undefined) loc.line = line;
  const header = index >= 0 ? raw.layout.headers[index] : undefined;
  if (header !== undefined) {
    if (raw.layout.json) loc.pointer = `${raw.pointer ?? ''}/${escapePointer(header)}`;
    else loc.column = header;
  } else if (raw.pointer !== undefined) loc.pointer = raw.pointer;
  return loc;
}

function isEmpty(v: CellValue): boolean {
  if (v === undefined || v === null) return true;
  if (typeof v === 'string') return v.trim() === '';
  if (Array.isArray(v)) return v.length === 0;
  return false;
}

/** Index of the first column holding a non-empty value for `field`, or -1. */
function first(raw: RawLine, field: LineField): number {
  const cols = raw.layout.fields[field];
  if (!cols) return -1;
  for (const i of cols) if (!isEmpty(raw.values[i])) return i;
  return -1;
}

function valueAt(raw: RawLine, index: number): CellValue {
  return index >= 0 ? raw.values[index] : undefined;
}

function text(raw: RawLine, index: number): string | undefined {
  const v = valueAt(raw, index);
  if (v === undefined || v === null) return undefined;
  const s = Array.isArray(v) ? v.join(', ') : String(v);
  const t = s.trim();
  if (t === '') return undefined;
  return t.includes('  ') || t.includes('\t') || t.includes('\n') ? t.replace(/\s+/g, ' ') : t;
}

const PAYMENT_WORDS = /\b(payments?|pmts?|paid|thank you|copay received|deposit|prepayment|pre-payment)\b/i;
const REFUND_WORDS = /\b(refunds?|refunded)\b/i;
const ADJUSTMENT_WORDS = /\b(adjustments?|adj|discounts?|write[- ]?offs?|w\/o|contractual|charity|financial assistance|allowance)\b/i;
const FEE_WORDS = /\b(fee|charge|service)\b/i;

/**
 * Decides what a line is. An explicit type wins. Otherwise a negative amount on a line with
 * a code or revenue code is a reversal of a charge, and a line whose description reads as a
 * payment or an adjustment (and has no code) is one, whatever its sign: a payment always
 * lowers what is owed.
 */
function classify(explicit: string | undefined, amountCents: number, hasCode: boolean, description: string | undefined): LineType | 'refund' {
  if (explicit) {
    const t = explicit.toLowerCase().trim();
    if (t.startsWith('pay') || t === 'pmt') return 'payment';
    if (t.startsWith('adj') || t === 'credit' || t === 'discount') return 'adjustment';
    if (t.startsWith('rev') || t === 'void') return 'reversal';
    if (t.startsWith('charge') || t === 'debit' || t === 'chg') return 'charge';
  }
  const desc = description ?? '';
  const isFee = FEE_WORDS.test(desc) && amountCents > 0;
  if (!hasCode && !isFee) {
    if (REFUND_WORDS.test(desc)) return 'refund';
    if (ADJUSTMENT_WORDS.test(desc)) return 'adjustment';
    if (PAYMENT_WORDS.test(desc)) return 'payment';
  }
  if (amountCents < 0) return hasCode ? 'reversal' : 'adjustment';
  return 'charge';
}

function take<T>(parsed: Parsed<T>, raw: RawLine, index: number, field: LineField, problems: Problem[]): T | undefined {
  if (parsed.ok) return parsed.value;
  const shown = text(raw, index);
  problems.push({
    code: 'BILL_INVALID',
    message: `${field}: expected ${parsed.expected}${shown !== undefined ? `, got "${shown}"` : ''}`,
    location: cellLocation(raw, index, field),
  });
  return undefined;
}

/**
 * Parses one raw line into a {@link BillLine}, pushing one problem per bad cell onto
 * `problems` (each naming file, row, column and what was expected). Returns `undefined`
 * when the line has problems.
 */
export function buildLine(raw: RawLine, problems: Problem[]): BillLine | undefined {
  const before = problems.length;
  if (raw.problem) problems.push({ code: 'BILL_INVALID', message: raw.problem, location: { file: raw.file, ...(raw.row !== undefined ? { row: raw.row } : {}) } });
  const num = (i: number) => {
    const v = valueAt(raw, i);
    return typeof v === 'number' ? v : text(raw, i);
  };
  const lineAt = first(raw, 'line');
  let line = raw.position;
  if (lineAt >= 0) {
    const n = parseUnits(num(lineAt));
    if (n.ok && n.value !== undefined && Number.isInteger(n.value) && n.value > 0) line = n.value;
    else take<number>({ ok: false, expected: 'a whole line number such as 12' }, raw, lineAt, 'line', problems);
  }

  const chargeAt = first(raw, 'charge');
  const creditAt = first(raw, 'credit');
  const charge = take(parseMoney(num(chargeAt)), raw, chargeAt, 'charge', problems);
  const credit = take(parseMoney(num(creditAt)), raw, creditAt, 'credit', problems);
  let amount: number | undefined = charge;
  if ((amount === undefined || amount === 0) && credit !== undefined && credit !== 0) amount = -Math.abs(credit);

  const codeRead = parseCodeCell(text(raw, first(raw, 'code')));
  const modCols = raw.layout.fields.modifiers ?? [];
  const modValues = modCols.map((i) => raw.values[i] as string | string[] | undefined);
  const mods = take(parseModifiers(modValues as Array<string | string[] | null | undefined>), raw, first(raw, 'modifiers'), 'modifiers', problems);
  const revAt = first(raw, 'revenueCode');
  const revenueCode = take(parseRevenueCode(text(raw, revAt)), raw, revAt, 'revenueCode', problems);
  const dateAt = first(raw, 'dateOfService');
  const dateOfService = take(parseDate(text(raw, dateAt)), raw, dateAt, 'dateOfService', problems);
  const dateToAt = first(raw, 'dateOfServiceTo');
  const dateOfServiceTo = take(parseDate(text(raw, dateToAt)), raw, dateToAt, 'dateOfServiceTo', problems);
  const unitsAt = first(raw, 'units');
  const units = take(parseUnits(num(unitsAt)), raw, unitsAt, 'units', problems);
  const priceAt = first(raw, 'unitPrice');
  const unitPrice = take(parseMoney(num(priceAt)), raw, priceAt, 'unitPrice', problems);
  const minutesAt = first(raw, 'minutes');
  const minutes = take(parseUnits(num(minutesAt)), raw, minutesAt, 'minutes', problems);
  const diagnoses: string[] = [];
  for (const i of raw.layout.fields.diagnoses ?? []) {
    const v = raw.values[i];
    if (isEmpty(v)) continue;
    const d = take(parseDiagnoses(v as string | string[]), raw, i, 'diagnoses', problems);
    if (d) for (const x of d) if (!diagnoses.includes(x)) diagnoses.push(x);
  }
  const description = text(raw, first(raw, 'description'));

  if (amount === undefined && problems.length === before) {
    problems.push({
      code: 'BILL_INVALID',
      message: `charge: expected ${chargeAt >= 0 || creditAt >= 0 ? 'an amount' : 'an amount on every item line'}, got nothing`,
      location: cellLocation(raw, chargeAt >= 0 ? chargeAt : (raw.layout.fields.charge?.[0] ?? -1), 'charge'),
    });
  }
  if (problems.length > before || amount === undefined) {
    for (const p of problems.slice(before)) if (p.location) p.location.line = line;
    return undefined;
  }

  const hasCode = codeRead.code !== undefined || revenueCode !== undefined;
  const kind = classify(text(raw, first(raw, 'type')), amount, hasCode, description);
  // A refund gives money back to the patient: a payment with the opposite sign (it raises the balance).
  const type: LineType = kind === 'refund' ? 'payment' : kind;
  let chargeCents = amount;
  if (kind === 'refund') chargeCents = Math.abs(amount);
  else if ((type === 'payment' || type === 'adjustment') && amount > 0) chargeCents = -amount;
  if (type === 'charge' && units !== undefined && units < 0) {
    problems.push({
      code: 'BILL_INVALID',
      message: `units: expected a positive number on a charge line, got ${units} (a credit is written as a negative amount)`,
      location: cellLocation(raw, unitsAt, 'units', line),
    });
    return undefined;
  }

  const source: SourceRef = { file: raw.file };
  if (raw.row !== undefined) source.row = raw.row;
  if (raw.pointer !== undefined) source.pointer = raw.pointer;
  const out: BillLine = {
    line,
    type,
    modifiers: [...codeRead.modifiers, ...(mods ?? [])],
    chargeCents,
    diagnoses,
    source,
  };
  if (dateOfService !== undefined) out.dateOfService = dateOfService;
  if (dateOfServiceTo !== undefined) out.dateOfServiceTo = dateOfServiceTo;
  if (revenueCode !== undefined) out.revenueCode = revenueCode;
  if (codeRead.code !== undefined) out.code = codeRead.code;
  if (codeRead.other !== undefined) {
    // A value that is not CPT/HCPCS-shaped: an NDC goes where it belongs, anything else is kept as-is.
    if (/^\d{5}-?\d{4}-?\d{2}$|^\d{11}$/.test(codeRead.other)) out.ndc = codeRead.other.replace(/-/g, '');
    else out.otherCode = codeRead.other;
  }
  if (units !== undefined) out.units = units;
  if (unitPrice !== undefined) out.unitPriceCents = unitPrice;
  if (description !== undefined) out.description = description;
  const ndc = text(raw, first(raw, 'ndc'));
  if (ndc !== undefined) out.ndc = ndc.replace(/[^0-9]/g, '') || ndc;
  const pos = text(raw, first(raw, 'placeOfService'));
  if (pos !== undefined) out.placeOfService = pos.padStart(2, '0');
  const npi = text(raw, first(raw, 'renderingNpi'));
  if (npi !== undefined) out.renderingNpi = npi;
  if (minutes !== undefined) out.minutes = minutes;
  const claim = text(raw, first(raw, 'claimId'));
  if (claim !== undefined) out.claimId = claim;
  const account = text(raw, first(raw, 'account'));
  if (account !== undefined) out.account = account;
  return out;
}

/**
 * More distinct claim ids than this in one bill means a multi-claim extract read as one bill:
 * an error, since checks across claims (duplicates, PTP pairs, MUE totals) would mix claims
 * that may belong to different patients.
 */
export const MAX_CLAIMS_IN_ONE_BILL = 20;

/**
 * Warns when the lines carry two or more claim ids (an itemized statement may list several
 * claims of one patient; they are audited together), and throws {@link BillError} when they
 * carry more than {@link MAX_CLAIMS_IN_ONE_BILL}, pointing at `--group-by`.
 */
function checkClaims(raw: RawBill, lines: BillLine[], warnings: Bill['warnings']): void {
  const rows = new Map<string, number | undefined>();
  for (const l of lines) if (l.claimId !== undefined && !rows.has(l.claimId)) rows.set(l.claimId, l.source.row);
  if (rows.size < 2) return;
  const col = raw.lines[0]?.layout.fields.claimId?.[0];
  const name = (col !== undefined ? raw.lines[0]?.layout.headers[col] : undefined) ?? 'claim id';
  const at = ([id, row]: [string, number | undefined]) => `${id}${row !== undefined ? ` (row ${row})` : ''}`;
  const firstTwo = [...rows].slice(0, 2).map(at).join(', ');
  const head = `the lines carry ${rows.size.toLocaleString('en-US')} different claim ids in column "${name}" (${firstTwo}${rows.size > 2 ? ', ...' : ''})`;
  const fix = `add --group-by "${name}" to audit each claim as its own bill`;
  if (rows.size > MAX_CLAIMS_IN_ONE_BILL) {
    throw new BillError(`${head}: this looks like a multi-claim extract, and checks across claims would mix them; ${fix}`, { file: raw.path, field: name });
  }
  warnings.push({ message: `${head}; they are audited together as one bill (duplicates and edits across claims count): ${fix} if they are separate bills`, location: { file: raw.path, field: name } });
}

function netKey(l: BillLine): string {
  return [l.code ?? '', l.revenueCode ?? '', l.code || l.revenueCode ? '' : (l.description ?? '').toUpperCase()].join('|');
}

/**
 * Nets reversals out: each reversal (a negative line with a code) cancels an unreversed charge
 * with the same code/revenue code and the same absolute amount: one on the same date of service
 * when there is one (the nearest earlier, else later), otherwise the nearest earlier one on
 * another date (a reversal is often posted on a later date). Both lines are then left out of
 * the audit. A reversal that matches no charge stays a credit. Mutates `lines`.
 */
export function netReversals(lines: BillLine[]): void {
  for (let i = 0; i < lines.length; i++) {
    const rev = lines[i] as BillLine;
    if (rev.type !== 'reversal') continue;
    const key = netKey(rev);
    const candidates = lines
      .map((l, j) => ({ l, j }))
      .filter(
        ({ l }) =>
          l.type === 'charge' &&
          l.reversedBy === undefined &&
          l.chargeCents === -rev.chargeCents &&
          netKey(l) === key,
      )
      .sort((a, b) => {
        const sameA = !a.l.dateOfService || !rev.dateOfService || a.l.dateOfService === rev.dateOfService ? 0 : 1;
        const sameB = !b.l.dateOfService || !rev.dateOfService || b.l.dateOfService === rev.dateOfService ? 0 : 1;
        const da = a.j < i ? i - a.j : 1e9 + a.j;
        const db = b.j < i ? i - b.j : 1e9 + b.j;
        return sameA - sameB || da - db;
      })
      .filter((c, k) => k === 0 && (c.j < i || !c.l.dateOfService || !rev.dateOfService || c.l.dateOfService === rev.dateOfService));
    const match = candidates[0];
    if (match) {
      match.l.reversedBy = rev.line;
      rev.reverses = match.l.line;
    }
  }
}

/** Reads an insurance status from words people use (`self pay`, `OON`, `Out of Network`). */
export function parseInsurance(s: string | undefined): InsuranceStatus | undefined {
  if (!s) return undefined;
  const n = s.toLowerCase().replace(/[^a-z]/g, '');
  const table: Record<string, InsuranceStatus> = {
    uninsured: 'uninsured', none: 'uninsured', noinsurance: 'uninsured',
    selfpay: 'self-pay', self: 'self-pay', cash: 'self-pay',
    innetwork: 'in-network', inn: 'in-network', network: 'in-network', commercial: 'in-network',
    outofnetwork: 'out-of-network', oon: 'out-of-network', outnetwork: 'out-of-network', nonnetwork: 'out-of-network',
    medicare: 'medicare', medicareadvantage: 'medicare', medicaid: 'medicaid',
  };
  return table[n];
}

/** Reads an encounter type (`ED`, `ER`, `Emergency`, `Inpatient`, `Observation` → outpatient). */
export function parseEncounter(s: string | undefined): EncounterType | undefined {
  if (!s) return undefined;
  const n = s.toLowerCase().replace(/[^a-z]/g, '');
  const table: Record<string, EncounterType> = {
    emergency: 'emergency', ed: 'emergency', er: 'emergency', emergencydepartment: 'emergency', emergencyroom: 'emergency',
    inpatient: 'inpatient', ip: 'inpatient', admission: 'inpatient',
    outpatient: 'outpatient', op: 'outpatient', observation: 'outpatient', clinic: 'outpatient', ambulatory: 'outpatient',
    office: 'office', officevisit: 'office', physicianoffice: 'office',
  };
  return table[n];
}

/** Reads a network status (`in-network`, `INN`, `out of network`, `OON`). */
export function parseNetwork(s: string | undefined): NetworkStatus | undefined {
  if (!s) return undefined;
  const n = s.toLowerCase().replace(/[^a-z]/g, '');
  if (['innetwork', 'inn', 'network', 'participating', 'par'].includes(n)) return 'in-network';
  if (['outofnetwork', 'oon', 'outnetwork', 'nonnetwork', 'nonparticipating', 'nonpar'].includes(n)) return 'out-of-network';
  return undefined;
}

/** Reads a US state postal code (`ca`, `CA`); undefined for anything else (the territories are not covered). */
export function parseState(s: string | undefined): UsState | undefined {
  if (!s) return undefined;
  const t = s.trim().toUpperCase();
  return (US_STATES as readonly string[]).includes(t) ? (t as UsState) : undefined;
}

/** Reads a bill type (`facility`, `UB-04`, `institutional`, `professional`, `CMS-1500`). */
export function parseBillType(s: string | undefined): BillType | undefined {
  if (!s) return undefined;
  const n = s.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (['facility', 'ub04', 'institutional', 'hospital', '837i', 'cms1450'].includes(n)) return 'facility';
  if (['professional', 'cms1500', '837p', 'physician'].includes(n)) return 'professional';
  return undefined;
}

/**
 * The most item rows one bill may have: 20,000. A long inpatient stay's itemized bill holds a
 * few thousand; more is a claims extract read as one bill, whose report would take gigabytes
 * (50,000 lines took 1.5 GB and 8 s here).
 */
export const MAX_LINES_IN_ONE_BILL = 20_000;

/**
 * Assembles a {@link Bill} from a reader's output: parses every line (collecting every bad
 * cell, at most 20), nets reversals, parses stated totals and merges bill facts, where
 * command-line options win over the file. Throws {@link BillError} listing the problems, or
 * when the bill has more than {@link MAX_LINES_IN_ONE_BILL} item rows.
 */
export function buildBill(raw: RawBill, options: BillOptions = {}): Bill {
  if (raw.lines.length > MAX_LINES_IN_ONE_BILL) {
    throw new BillError(
      `${raw.lines.length.toLocaleString('en-US')} item rows in one bill, more than medbill audits as one bill (${MAX_LINES_IN_ONE_BILL.toLocaleString('en-US')}): ` +
        (raw.claim !== undefined
          ? 'this one claim has them all: split it into smaller bills'
          : 'if this is an extract of many claims, add --group-by COLUMN (the claim or account id column) to audit each claim as its own bill; otherwise split the file'),
      { file: raw.path },
    );
  }
  const problems: Problem[] = [];
  const lines: BillLine[] = [];
  for (const r of raw.lines) {
    const l = buildLine(r, problems);
    if (l) lines.push(l);
    if (problems.length >= MAX_PROBLEMS) break;
  }
  const statedTotals: StatedTotal[] = [];
  for (const t of raw.statedTotals) {
    const m = parseMoney(t.value, MAX_TOTAL_CENTS);
    if (!m.ok || m.value === undefined) {
      problems.push({ code: 'BILL_INVALID', message: `total "${t.label}": expected ${m.ok ? 'an amount' : m.expected}, got "${t.value}"`, location: t.location });
      continue;
    }
    statedTotals.push({ kind: t.kind, label: t.label, amountCents: m.value, source: t.source });
  }
  const origins: BillFacts['origins'] = {};
  const facts: BillFacts = { diagnoses: [], origins };
  const factDate = (key: 'admissionDate' | 'dischargeDate' | 'statementDate', value: string | undefined, origin: 'file' | 'option') => {
    if (value === undefined) return;
    const d = parseDate(value);
    if (!d.ok || d.value === undefined) {
      problems.push({ code: origin === 'option' ? 'USAGE' : 'BILL_INVALID', message: `${key}: expected ${d.ok ? 'a date' : d.expected}, got "${value}"`, location: { file: raw.path, field: key } });
      return;
    }
    facts[key] = d.value;
    origins[key] = { origin };
  };
  const f = raw.facts;
  factDate('statementDate', options.statementDate ?? f.statementDate, options.statementDate ? 'option' : 'file');
  factDate('admissionDate', options.admissionDate ?? f.admissionDate, options.admissionDate ? 'option' : 'file');
  factDate('dischargeDate', options.dischargeDate ?? f.dischargeDate, options.dischargeDate ? 'option' : 'file');
  if (facts.admissionDate && facts.dischargeDate && facts.dischargeDate < facts.admissionDate) {
    const fromOption = origins.dischargeDate?.origin === 'option' || origins.admissionDate?.origin === 'option';
    problems.push({
      code: fromOption ? 'USAGE' : 'BILL_INVALID',
      message: `dischargeDate ${facts.dischargeDate} is before admissionDate ${facts.admissionDate}`,
      location: { file: raw.path, field: 'dischargeDate' },
    });
  }
  const setFact = <K extends 'billType' | 'insurance' | 'encounter' | 'nonprofit' | 'facilityNetwork' | 'state' | 'gfe'>(key: K, opt: BillFacts[K] | undefined, file: BillFacts[K] | undefined) => {
    if (opt !== undefined) {
      facts[key] = opt;
      origins[key] = { origin: 'option' };
    } else if (file !== undefined) {
      facts[key] = file;
      origins[key] = { origin: 'file' };
    }
  };
  setFact('billType', options.billType, f.billType);
  setFact('insurance', options.insurance, f.insurance);
  setFact('encounter', options.encounter, f.encounter);
  setFact('nonprofit', options.nonprofit, f.nonprofit);
  setFact('facilityNetwork', options.facilityNetwork, f.facilityNetwork);
  setFact('state', options.state, f.state);
  setFact('gfe', options.gfe && options.gfe.length > 0 ? options.gfe.map((g) => ({ ...g })) : undefined, f.gfeCents !== undefined ? [{ amountCents: f.gfeCents }] : undefined);
  const dx: string[] = [];
  const addDx = (list: string[] | undefined, origin: 'file' | 'option', where: Location) => {
    if (!list) return;
    const parsed = parseDiagnoses(list);
    if (!parsed.ok) {
      problems.push({ code: origin === 'option' ? 'USAGE' : 'BILL_INVALID', message: `diagnoses: expected ${parsed.expected}`, location: where });
      return;
    }
    for (const d of parsed.value) if (!dx.includes(d)) dx.push(d);
    if (parsed.value.length > 0 && !origins.diagnoses) origins.diagnoses = { origin };
  };
  addDx(options.diagnoses, 'option', { field: 'diagnosis' });
  addDx(f.diagnoses, 'file', { file: raw.path, field: 'diagnoses' });
  let fromLines = false;
  for (const l of lines) for (const d of l.diagnoses) if (!dx.includes(d)) { dx.push(d); fromLines = true; }
  if (fromLines && !origins.diagnoses) origins.diagnoses = { origin: 'file', note: 'from the diagnosis column of the lines' };
  facts.diagnoses = dx;

  if (problems.length > 0) {
    const head = problems[0] as Problem;
    throw new BillError(head.message, head.location, problems.slice(0, MAX_PROBLEMS));
  }
  const seen = new Map<number, number>();
  const warnings: Bill['warnings'] = raw.warnings.map((w) => ({ message: w.message, ...(w.location ? { location: { ...w.location } } : {}) }));
  for (const l of lines) {
    const prev = seen.get(l.line);
    if (prev !== undefined) {
      warnings.push({ message: `line number ${l.line} appears more than once (rows ${prev} and ${l.source.row ?? '?'}); findings name the line number, so check which row is meant`, location: { file: raw.path, line: l.line } });
    } else seen.set(l.line, l.source.row ?? 0);
    if (l.otherCode !== undefined && l.type === 'charge') {
      warnings.push({ message: `line ${l.line}: "${l.otherCode}" in the code column is not a CPT/HCPCS code; rules that need a code do not check this line`, location: { file: raw.path, line: l.line, field: 'code' } });
    }
  }
  checkClaims(raw, lines, warnings);
  netReversals(lines);
  const source: Bill['source'] = { path: raw.path, format: raw.format };
  if (raw.claim !== undefined) source.claim = raw.claim;
  const provider: Bill['provider'] = {};
  if (f.providerName) provider.name = f.providerName;
  if (f.providerNpi) provider.npi = f.providerNpi;
  const patient: Bill['patient'] = {};
  if (f.patientName) patient.name = f.patientName;
  const account = f.accountNumber ?? lines.find((l) => l.account)?.account;
  if (account) patient.accountNumber = account;
  const bill: Bill = {
    source,
    provider,
    patient,
    facts,
    statedTotals,
    lines,
    columns: { mapped: raw.mapped, unused: raw.unused },
    warnings,
  };
  if (f.payer) bill.payer = f.payer;
  return bill;
}
