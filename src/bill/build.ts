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
  parseMoney,
  parseRevenueCode,
  parseUnits,
  type Parsed,
} from './values.js';

/** A raw value with where it sits (CSV column header or JSON pointer). */
export interface RawCell {
  value: string | number | boolean | Array<string | number> | null | undefined;
  column?: string;
  pointer?: string;
}

/** One item row before parsing: its cells by field, the file and physical row or pointer. */
export interface RawLine {
  fields: Partial<Record<LineField, RawCell[]>>;
  file: string;
  row?: number;
  pointer?: string;
  /** 1-based position among the item rows of its bill (the line number when the bill has none). */
  position: number;
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

function cellLocation(raw: RawLine, cell: RawCell | undefined, field: LineField, line?: number): Location {
  const loc: Location = { file: raw.file, field };
  if (raw.row !== undefined) loc.row = raw.row;
  if (line !== undefined) loc.line = line;
  if (cell?.column !== undefined) loc.column = cell.column;
  if (cell?.pointer !== undefined) loc.pointer = cell.pointer;
  return loc;
}

function first(raw: RawLine, field: LineField): RawCell | undefined {
  return raw.fields[field]?.find((c) => c.value !== undefined && c.value !== null && String(c.value).trim() !== '');
}

function text(cell: RawCell | undefined): string | undefined {
  if (!cell || cell.value === null || cell.value === undefined) return undefined;
  const s = Array.isArray(cell.value) ? cell.value.join(', ') : String(cell.value);
  const t = s.trim().replace(/\s+/g, ' ');
  return t === '' ? undefined : t;
}

const PAYMENT_WORDS = /\b(payments?|pmts?|paid|thank you|copay received|deposit|prepayment|pre-payment)\b/i;
const ADJUSTMENT_WORDS = /\b(adjustments?|adj|discounts?|write[- ]?offs?|w\/o|contractual|charity|financial assistance|allowance)\b/i;
const FEE_WORDS = /\b(fee|charge|service)\b/i;

/**
 * Decides what a line is. An explicit type wins. Otherwise a negative amount on a line with
 * a code or revenue code is a reversal of a charge, and a line whose description reads as a
 * payment or an adjustment (and has no code) is one, whatever its sign: a payment always
 * lowers what is owed.
 */
function classify(explicit: string | undefined, amountCents: number, hasCode: boolean, description: string | undefined): LineType {
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
    if (ADJUSTMENT_WORDS.test(desc)) return 'adjustment';
    if (PAYMENT_WORDS.test(desc)) return 'payment';
  }
  if (amountCents < 0) return hasCode ? 'reversal' : 'adjustment';
  return 'charge';
}

function take<T>(parsed: Parsed<T>, raw: RawLine, cell: RawCell | undefined, field: LineField, problems: Problem[]): T | undefined {
  if (parsed.ok) return parsed.value;
  const shown = cell ? text(cell) : undefined;
  problems.push({
    code: 'BILL_INVALID',
    message: `${field}: expected ${parsed.expected}${shown !== undefined ? `, got "${shown}"` : ''}`,
    location: cellLocation(raw, cell, field),
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
  const lineCell = first(raw, 'line');
  let line = raw.position;
  if (lineCell) {
    const n = parseUnits(typeof lineCell.value === 'number' ? lineCell.value : text(lineCell));
    if (n.ok && n.value !== undefined && Number.isInteger(n.value) && n.value > 0) line = n.value;
    else take<number>({ ok: false, expected: 'a whole line number such as 12' }, raw, lineCell, 'line', problems);
  }

  const chargeCell = first(raw, 'charge');
  const creditCell = first(raw, 'credit');
  const charge = take(parseMoney(chargeCell?.value as string | number | undefined), raw, chargeCell, 'charge', problems);
  const credit = take(parseMoney(creditCell?.value as string | number | undefined), raw, creditCell, 'credit', problems);
  let amount: number | undefined = charge;
  if ((amount === undefined || amount === 0) && credit !== undefined && credit !== 0) amount = -Math.abs(credit);

  const codeCell = first(raw, 'code');
  const codeRead = parseCodeCell(codeCell ? text(codeCell) : undefined);
  const modCells = (raw.fields.modifiers ?? []).map((c) => c.value as string | string[] | undefined);
  const mods = take(parseModifiers(modCells as Array<string | string[] | null | undefined>), raw, first(raw, 'modifiers'), 'modifiers', problems);
  const revCell = first(raw, 'revenueCode');
  const revenueCode = take(parseRevenueCode(revCell ? text(revCell) : undefined), raw, revCell, 'revenueCode', problems);
  const dateCell = first(raw, 'dateOfService');
  const dateOfService = take(parseDate(dateCell ? text(dateCell) : undefined), raw, dateCell, 'dateOfService', problems);
  const dateToCell = first(raw, 'dateOfServiceTo');
  const dateOfServiceTo = take(parseDate(dateToCell ? text(dateToCell) : undefined), raw, dateToCell, 'dateOfServiceTo', problems);
  const unitsCell = first(raw, 'units');
  const units = take(parseUnits(unitsCell?.value as string | number | undefined), raw, unitsCell, 'units', problems);
  const priceCell = first(raw, 'unitPrice');
  const unitPrice = take(parseMoney(priceCell?.value as string | number | undefined), raw, priceCell, 'unitPrice', problems);
  const minutesCell = first(raw, 'minutes');
  const minutes = take(parseUnits(minutesCell?.value as string | number | undefined), raw, minutesCell, 'minutes', problems);
  const dxCells = raw.fields.diagnoses ?? [];
  const diagnoses: string[] = [];
  for (const c of dxCells) {
    const d = take(parseDiagnoses(c.value as string | string[] | undefined), raw, c, 'diagnoses', problems);
    if (d) for (const x of d) if (!diagnoses.includes(x)) diagnoses.push(x);
  }
  const description = text(first(raw, 'description'));

  if (amount === undefined && problems.length === before) {
    problems.push({
      code: 'BILL_INVALID',
      message: `charge: expected ${chargeCell || creditCell ? 'an amount' : 'an amount on every item line'}, got nothing`,
      location: cellLocation(raw, chargeCell ?? raw.fields.charge?.[0], 'charge'),
    });
  }
  if (problems.length > before || amount === undefined) {
    for (const p of problems.slice(before)) if (p.location) p.location.line = line;
    return undefined;
  }

  const hasCode = codeRead.code !== undefined || revenueCode !== undefined;
  const typeCell = first(raw, 'type');
  const type = classify(text(typeCell), amount, hasCode, description);
  let chargeCents = amount;
  if ((type === 'payment' || type === 'adjustment') && amount > 0) chargeCents = -amount;

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
  const ndc = text(first(raw, 'ndc'));
  if (ndc !== undefined) out.ndc = ndc.replace(/[^0-9]/g, '') || ndc;
  const pos = text(first(raw, 'placeOfService'));
  if (pos !== undefined) out.placeOfService = pos.padStart(2, '0');
  const npi = text(first(raw, 'renderingNpi'));
  if (npi !== undefined) out.renderingNpi = npi;
  if (minutes !== undefined) out.minutes = minutes;
  const claim = text(first(raw, 'claimId'));
  if (claim !== undefined) out.claimId = claim;
  const account = text(first(raw, 'account'));
  if (account !== undefined) out.account = account;
  return out;
}

function netKey(l: BillLine): string {
  return [l.code ?? '', l.revenueCode ?? '', l.code || l.revenueCode ? '' : (l.description ?? '').toUpperCase()].join('|');
}

/**
 * Nets reversals out: each reversal (a negative line with a code) cancels the nearest earlier
 * (else later) unreversed charge with the same code/revenue code, the same date of service
 * when both have one, and the same absolute amount. Both lines are then left out of the audit.
 * A reversal that matches no charge stays a credit. Mutates `lines`.
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
          netKey(l) === key &&
          (!l.dateOfService || !rev.dateOfService || l.dateOfService === rev.dateOfService),
      )
      .sort((a, b) => {
        const da = a.j < i ? i - a.j : 1e9 + a.j;
        const db = b.j < i ? i - b.j : 1e9 + b.j;
        return da - db;
      });
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
 * Assembles a {@link Bill} from a reader's output: parses every line (collecting every bad
 * cell, at most 20), nets reversals, parses stated totals and merges bill facts, where
 * command-line options win over the file. Throws {@link BillError} listing the problems.
 */
export function buildBill(raw: RawBill, options: BillOptions = {}): Bill {
  const problems: Problem[] = [];
  const lines: BillLine[] = [];
  for (const r of raw.lines) {
    const l = buildLine(r, problems);
    if (l) lines.push(l);
    if (problems.length >= MAX_PROBLEMS) break;
  }
  const statedTotals: StatedTotal[] = [];
  for (const t of raw.statedTotals) {
    const m = parseMoney(t.value);
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
