/**
 * Reads JSON bills: the native bill (`medbill schema bill`) and portal-style exports whose
 * keys differ (nested `insurance.status`, `encounter.admissionDate`, `totals.patientBalance`,
 * line keys such as `serviceDate` or `cptCode`). Keys are mapped through the same alias
 * table as CSV headers; every key that could not be used is named in the report.
 */
import { BillError, type Problem } from '../errors.js';
import { parseBillType, parseEncounter, parseInsurance, parseNetwork, parseState, type CellValue, type FileFacts, type LineLayout, type RawBill, type RawLine } from './build.js';
import { aliasRank, headerFieldFor, lineFieldFor, normalizeHeader, totalKindFor, type HeaderField, type LineField } from './fields.js';
import { BillLineInputSchema } from './schema.js';
import { parseBoolean, parseMoney } from './values.js';

/** Options of the JSON reader. */
export interface JsonOptions {
  file: string;
  map?: Partial<Record<LineField, string>>;
  groupBy?: string;
}

const LINE_ARRAY_KEYS = new Set(['lines', 'items', 'lineitems', 'charges', 'details', 'services', 'claimlines', 'transactions', 'itemizedcharges', 'chargedetails']);

function pointerOf(path: Array<string | number>): string {
  return path.length === 0 ? '' : '/' + path.map((p) => String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
}

function rowOfOffset(text: string, offset: number): number {
  let row = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) row++;
  return row;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

type Scalar = string | number | boolean | null;

/**
 * Parses JSON text into raw bills. Throws {@link BillError} for invalid JSON (with the row),
 * for a document without a list of lines, and for values of the wrong JSON type (with the
 * JSON pointer and what was expected).
 */
export function readJson(input: string, opts: JsonOptions): RawBill[] {
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    const msg = (err as Error).message;
    const pos = /position (\d+)/.exec(msg);
    throw new BillError(`not valid JSON: ${msg.replace(/ in JSON at position \d+.*$/, '')}`, {
      file: opts.file,
      ...(pos ? { row: rowOfOffset(text, Number(pos[1])) } : {}),
    });
  }
  const warnings: Problem[] = [];
  const unused: string[] = [];
  const mapped: Record<string, string> = {};
  const facts: FileFacts = {};
  const totals: RawBill['statedTotals'] = [];
  let lines: unknown[] | undefined;
  let linesKey = 'lines';

  if (Array.isArray(doc)) {
    lines = doc;
    linesKey = '';
  } else if (isObject(doc)) {
    const headerValues: Partial<Record<HeaderField, { value: Scalar | Scalar[]; pointer: string; key: string }>> = {};
    const walk = (obj: Record<string, unknown>, path: string[]) => {
      for (const [key, value] of Object.entries(obj)) {
        const here = [...path, key];
        const n = normalizeHeader(key);
        if (path.length === 0 && LINE_ARRAY_KEYS.has(n) && Array.isArray(value) && lines === undefined) {
          lines = value;
          linesKey = key;
          continue;
        }
        if (path.length === 0 && n === 'totals' && isObject(value)) {
          for (const [tk, tv] of Object.entries(value)) {
            const kind = totalKindFor(tk);
            if (kind && (typeof tv === 'string' || typeof tv === 'number')) {
              totals.push({ kind, label: `totals.${tk}`, value: tv, source: { file: opts.file, pointer: pointerOf([key, tk]) }, location: { file: opts.file, pointer: pointerOf([key, tk]) } });
              mapped[`totals.${kind}`] = `${key}.${tk}`;
            } else unused.push(`${key}.${tk}`);
          }
          continue;
        }
        if (path.length === 0 && n === 'schemaversion') continue;
        const field = headerFieldFor(here);
        if (field && (typeof value !== 'object' || value === null || (Array.isArray(value) && value.every((v) => typeof v === 'string')))) {
          if (!headerValues[field]) {
            headerValues[field] = { value: value as Scalar | Scalar[], pointer: pointerOf(here), key: here.join('.') };
            mapped[field] = here.join('.');
          } else unused.push(here.join('.'));
          continue;
        }
        if (isObject(value) && path.length < 2) {
          walk(value, here);
          continue;
        }
        unused.push(here.join('.'));
      }
    };
    walk(doc, []);
    const str = (f: HeaderField) => {
      const v = headerValues[f]?.value;
      return v === undefined || v === null || Array.isArray(v) ? undefined : String(v);
    };
    const bad = (f: HeaderField, expected: string): never => {
      const hv = headerValues[f];
      throw new BillError(`${hv?.key ?? f}: expected ${expected}, got ${JSON.stringify(hv?.value)}`, { file: opts.file, pointer: hv?.pointer ?? '', field: f });
    };
    if (str('providerName')) facts.providerName = str('providerName');
    if (str('providerNpi')) facts.providerNpi = str('providerNpi');
    if (headerValues.nonprofit) {
      const b = parseBoolean(headerValues.nonprofit.value as string | boolean);
      if (!b.ok) bad('nonprofit', 'true or false');
      else if (b.value !== undefined) facts.nonprofit = b.value;
    }
    if (str('patientName')) facts.patientName = str('patientName');
    if (str('accountNumber')) facts.accountNumber = str('accountNumber');
    if (str('statementDate')) facts.statementDate = str('statementDate');
    if (str('billType')) facts.billType = parseBillType(str('billType')) ?? bad('billType', 'facility or professional');
    if (str('insurance')) facts.insurance = parseInsurance(str('insurance')) ?? bad('insurance', 'one of uninsured, self-pay, in-network, out-of-network, medicare, medicaid');
    if (str('payer')) facts.payer = str('payer');
    if (str('encounter')) facts.encounter = parseEncounter(str('encounter')) ?? bad('encounter', 'one of emergency, inpatient, outpatient, office');
    if (str('admissionDate')) facts.admissionDate = str('admissionDate');
    if (str('dischargeDate')) facts.dischargeDate = str('dischargeDate');
    if (str('facilityNetwork')) facts.facilityNetwork = parseNetwork(str('facilityNetwork')) ?? bad('facilityNetwork', 'in-network or out-of-network');
    if (str('state')) facts.state = parseState(str('state')) ?? bad('state', 'a US state postal code such as CA (the territories are not covered)');
    if (headerValues.goodFaithEstimate) {
      const m = parseMoney(headerValues.goodFaithEstimate.value as string | number);
      if (!m.ok || m.value === undefined || m.value < 0) bad('goodFaithEstimate', 'an amount in dollars such as 1200.00');
      else facts.gfeCents = m.value;
    }
    const dx = headerValues.diagnoses?.value;
    if (dx !== undefined && dx !== null) facts.diagnoses = Array.isArray(dx) ? dx.map(String) : String(dx).split(/[\s,;]+/);
  }
  if (!Array.isArray(lines)) {
    throw new BillError('no list of bill lines found: expected a "lines" array (or "items", "charges", "lineItems"), or a top-level array of lines', { file: opts.file, pointer: '' });
  }
  if (lines.length === 0) throw new BillError('the list of bill lines is empty', { file: opts.file, pointer: pointerOf(linesKey ? [linesKey] : []) });

  // Map each line's keys onto line fields, then check the JSON types with the native schema.
  const overrides = new Map<string, LineField>();
  for (const [field, key] of Object.entries(opts.map ?? {})) if (key !== undefined) overrides.set(normalizeHeader(key), field as LineField);
  const unusedLineKeys = new Set<string>();
  const groupKey = opts.groupBy !== undefined ? normalizeHeader(opts.groupBy) : undefined;
  const groups = new Map<string, RawLine[]>();
  lines.forEach((item, i) => {
    const base = linesKey ? [linesKey, i] : [i];
    if (!isObject(item)) {
      throw new BillError(`expected a line object, got ${Array.isArray(item) ? 'an array' : JSON.stringify(item)}`, { file: opts.file, pointer: pointerOf(base) });
    }
    const keys = Object.keys(item);
    const layout: LineLayout = { headers: keys, fields: {}, json: true };
    const values: CellValue[] = keys.map((k) => item[k] as CellValue);
    const canonical: Record<string, unknown> = {};
    const ranks = new Map<LineField, number>();
    let claim = '';
    keys.forEach((key, index) => {
      const n = normalizeHeader(key);
      if (groupKey !== undefined && n === groupKey) claim = String(item[key] ?? '');
      const forced = overrides.get(n);
      const field = forced ?? lineFieldFor(key);
      if (!field) {
        if (!(groupKey !== undefined && n === groupKey)) unusedLineKeys.add(key);
        return;
      }
      if (field === 'modifiers' || field === 'diagnoses') {
        (layout.fields[field] ??= []).push(index);
        canonical[field] = item[key];
        return;
      }
      // Two keys for one field: the more specific name wins (a "date" beside a "serviceDate").
      const rank = forced ? -1 : (aliasRank(key) ?? 99);
      const prev = ranks.get(field);
      if (prev !== undefined && prev <= rank) {
        unusedLineKeys.add(key);
        return;
      }
      if (prev !== undefined) unusedLineKeys.add(keys[(layout.fields[field] as number[])[0] as number] as string);
      ranks.set(field, rank);
      layout.fields[field] = [index];
      canonical[field] = item[key];
    });
    for (const [field, [index]] of Object.entries(layout.fields) as Array<[string, number[]]>) {
      if (mapped[`lines.${field}`] === undefined) mapped[`lines.${field}`] = keys[index as number] as string;
    }
    const checked = BillLineInputSchema.safeParse(canonical);
    if (!checked.success) {
      const issue = checked.error.issues[0];
      const key = String(issue?.path[0] ?? '');
      const origKey = Object.keys(item).find((k) => (overrides.get(normalizeHeader(k)) ?? lineFieldFor(k)) === key) ?? key;
      throw new BillError(`${origKey}: ${issue?.message ?? 'invalid value'}`, { file: opts.file, pointer: pointerOf([...base, origKey]), field: key });
    }
    if (groupKey !== undefined && claim === '') {
      throw new BillError(`--group-by ${opts.groupBy}: this line has no "${opts.groupBy}" value`, { file: opts.file, pointer: pointerOf(base) });
    }
    const list = groups.get(claim) ?? [];
    if (!groups.has(claim)) groups.set(claim, list);
    list.push({ values, layout, file: opts.file, pointer: pointerOf(base), position: list.length + 1 });
  });
  for (const k of unusedLineKeys) unused.push(`${linesKey || '[]'}[].${k}`);
  if (unused.length > 0) {
    warnings.push({ code: 'BILL_INVALID', message: `fields not used: ${unused.join(', ')}`, location: { file: opts.file } });
  }
  return [...groups.entries()].map(([claim, rawLines]) => {
    const bill: RawBill = {
      path: opts.file,
      format: 'json',
      lines: rawLines,
      statedTotals: groups.size > 1 ? [] : totals,
      facts,
      mapped,
      unused,
      warnings,
    };
    if (groupKey !== undefined) bill.claim = claim;
    return bill;
  });
}
