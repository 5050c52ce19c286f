/**
 * Options shared by `medbill audit` and `medbill letter`: the rule packs, the column map, the
 * bill facts a CSV cannot carry, the negotiation-plan benchmarks and the decisions on findings
 * (one list, so both commands build the same report from the same flags); and the letter
 * options (profile, date, offer, validation-notice dates).
 */
import { Option, type Command } from 'commander';
import { parseBillType, parseEncounter, parseInsurance } from '../bill/build.js';
import { LINE_FIELDS, lineFieldFor, type LineField } from '../bill/fields.js';
import type { ReadOptions } from '../bill/read.js';
import { BILL_TYPES, ENCOUNTER_TYPES, INSURANCE_STATUSES, NETWORK_STATUSES, type NetworkStatus, type UsState } from '../bill/schema.js';
import type { FindingDecisions } from '../engine.js';
import { UsageError } from '../errors.js';
import { PROFILE_OPTIONS, type ProfileOptionValues } from '../letters/options.js';
import type { PlanOptions } from '../plan.js';
import { centsOption, collect, gfeOption, isoDateOption, percentOption, repeat, stateOption } from './shared.js';

/** The options {@link addBillOptions} adds, as commander parses them. */
export interface BillFactOptions {
  rules: string[];
  only: string[];
  disable: string[];
  map: string[];
  billType?: string;
  insurance?: string;
  encounter?: string;
  admission?: string;
  discharge?: string;
  diagnosis: string[];
  nonprofit?: boolean;
  statementDate?: string;
  facilityNetwork?: NetworkStatus;
  state?: UsState;
  gfe?: Array<{ provider?: string; amountCents: number }>;
  medicareAmount?: number;
  cashPrice?: number;
  agbPercent?: number;
  advocateFee?: number;
  dismiss: string[];
  unsure: string[];
  dataDir?: string;
}

/** The price options ({@link addPriceOptions}), as commander parses them. */
export interface PriceOptionValues {
  prices?: string;
  payer?: string;
  plan?: string;
  locality?: string;
  zip?: string;
}

/** Adds the price options (a hospital price file, a payer and plan, a Medicare locality) shared by medbill audit and medbill letter. */
export function addPriceOptions(cmd: Command): Command {
  return cmd
    .option('--prices <file|name>', "the hospital's machine-readable price file (CSV or JSON, v2.x or v3.0; streamed), or the name of one imported with medbill data import")
    .option('--payer <name>', "compare with this payer's negotiated rates in the price file")
    .option('--plan <name>', 'with --payer: that payer plan')
    .option('--locality <mac-ll>', 'Medicare payment locality for imported PFS amounts (contractor and locality number, e.g. 01112-05)')
    .option('--zip <zip>', 'Medicare payment locality of a ZIP code (needs the imported ZIP code to carrier locality file)');
}

/** Adds the rule, column-map, bill-fact, benchmark and decision options to a command. */
export function addBillOptions(cmd: Command): Command {
  return cmd
    .option('--rules <dir>', 'add a rule pack (repeatable)', repeat, [])
    .option('--only <ids>', 'run only these rules (comma-separated, repeatable)', collect, [])
    .option('--disable <ids>', 'do not run these rules (comma-separated, repeatable)', collect, [])
    .option('--map <field=Header>', 'read a column under another name, e.g. --map charge="Amt Billed" (repeatable)', repeat, [])
    .addOption(new Option('--bill-type <type>', 'facility (UB-04) or professional (CMS-1500)').choices(BILL_TYPES))
    .addOption(new Option('--insurance <status>', "the patient's insurance status").choices(INSURANCE_STATUSES))
    .addOption(new Option('--encounter <type>', 'the kind of visit').choices(ENCOUNTER_TYPES))
    .option('--admission <date>', 'admission date (inpatient)', isoDateOption)
    .option('--discharge <date>', 'discharge date (inpatient)', isoDateOption)
    .option('--diagnosis <code>', 'ICD-10-CM diagnosis code (repeatable)', repeat, [])
    .option('--nonprofit', 'the hospital is a nonprofit (tax-exempt) hospital')
    .option('--no-nonprofit', 'the hospital is not tax-exempt (for-profit)')
    .option('--statement-date <date>', 'date of the bill (the first statement after discharge): deadlines count from it', isoDateOption)
    .addOption(new Option('--facility-network <status>', "the facility's network status for your plan (No Surprises Act checks)").choices(NETWORK_STATUSES))
    .option('--state <XX>', "US state (postal code) of the hospital and your home: its charity-care and credit-reporting laws in the next steps", stateOption)
    .option('--gfe <[provider=]amount>', 'Good Faith Estimate in dollars, for the bill or for one provider NPI (repeatable)', gfeOption)
    .option('--medicare-amount <dollars>', 'what Medicare pays for the services on this bill (offer benchmark)', centsOption)
    .option('--cash-price <dollars>', "the hospital's discounted cash price for these services, from its price file (offer benchmark)", centsOption)
    .option('--agb-percent <percent>', "the AGB percentage in the hospital's financial assistance policy (offer benchmark)", percentOption)
    .option('--advocate-fee <percent>', "a billing advocate's fee as a percent of savings, to see what it would cost", percentOption)
    .option('--dismiss <keys>', 'leave these findings out of the report, plan and letters: rule-id:LINE (e.g. duplicate-line:9) or a rule id (comma-separated, repeatable)', collect, [])
    .option('--unsure <keys>', 'mark these findings as not sure: letters ask about their lines instead of disputing them (comma-separated, repeatable)', collect, [])
    .option('--data-dir <dir>', 'where imported CMS tables are (default: $MEDBILL_DATA_DIR, else $XDG_DATA_HOME/medbill, else ~/.local/share/medbill)');
}

/** Parses `--map field=Header` entries. Throws {@link UsageError} for an unknown field or a malformed entry. */
export function parseMap(entries: string[]): Partial<Record<LineField, string>> {
  const out: Partial<Record<LineField, string>> = {};
  for (const e of entries) {
    const eq = e.indexOf('=');
    if (eq <= 0) throw new UsageError(`--map ${e}: expected field=Header, e.g. --map charge="Amount Billed"`);
    const name = e.slice(0, eq).trim();
    const field = (LINE_FIELDS as readonly string[]).includes(name) ? (name as LineField) : lineFieldFor(name);
    if (!field) throw new UsageError(`--map ${e}: unknown field "${name}" (fields: ${LINE_FIELDS.join(', ')})`);
    out[field] = e.slice(eq + 1).trim().replace(/^["']|["']$/g, '');
  }
  return out;
}

/** The read options (bill facts, column map) the parsed options give. Throws {@link UsageError} for a bad --map or a discharge before admission. */
export function readOptionsOf(o: BillFactOptions): ReadOptions {
  const readOptions: ReadOptions = { diagnoses: o.diagnosis };
  const map = parseMap(o.map);
  if (Object.keys(map).length > 0) readOptions.map = map;
  if (o.billType) readOptions.billType = parseBillType(o.billType);
  if (o.insurance) readOptions.insurance = parseInsurance(o.insurance);
  if (o.encounter) readOptions.encounter = parseEncounter(o.encounter);
  if (o.admission) readOptions.admissionDate = o.admission;
  if (o.discharge) readOptions.dischargeDate = o.discharge;
  if (o.nonprofit !== undefined) readOptions.nonprofit = o.nonprofit;
  if (o.statementDate) readOptions.statementDate = o.statementDate;
  if (o.facilityNetwork) readOptions.facilityNetwork = o.facilityNetwork;
  if (o.state) readOptions.state = o.state;
  if (o.gfe && o.gfe.length > 0) readOptions.gfe = o.gfe;
  if (o.admission && o.discharge && o.discharge < o.admission) throw new UsageError(`--discharge ${o.discharge} is before --admission ${o.admission}`);
  return readOptions;
}

/** The negotiation-plan options (benchmarks in cents, fee percent) the parsed options give. */
export function planOptionsOf(o: BillFactOptions): PlanOptions {
  const plan: PlanOptions = {};
  if (o.medicareAmount !== undefined) plan.medicareCents = o.medicareAmount;
  if (o.cashPrice !== undefined) plan.cashPriceCents = o.cashPrice;
  if (o.agbPercent !== undefined) plan.agbPercent = o.agbPercent;
  if (o.advocateFee !== undefined) plan.advocateFeePercent = o.advocateFee;
  return plan;
}

/** The decisions on findings (`--dismiss`, `--unsure`), or undefined when none was given. Throws {@link UsageError} for a key given to both. */
export function decisionsOf(o: BillFactOptions): FindingDecisions | undefined {
  if (o.dismiss.length === 0 && o.unsure.length === 0) return undefined;
  const both = o.dismiss.filter((k) => o.unsure.includes(k));
  if (both.length > 0) throw new UsageError(`${both.join(', ')}: given to both --dismiss and --unsure; choose one`);
  return { dismiss: [...o.dismiss], unsure: [...o.unsure] };
}

/** The letter options {@link addLetterOptions} adds, as commander parses them. */
export interface LetterContentOptions extends ProfileOptionValues {
  profile?: string;
  date?: string;
  offer?: number;
  noticeReceived?: string;
  validationEnds?: string;
}

/** Adds the profile, date and per-kind letter options (shared by `audit --letters` and `letter`). */
export function addLetterOptions(cmd: Command): Command {
  cmd.option('--profile <file>', 'who sends the letters and to whom: a YAML or JSON profile (medbill schema profile)');
  for (const p of PROFILE_OPTIONS) {
    if ('lines' in p) cmd.option(`${p.flag} <line>`, p.help, repeat, []);
    else cmd.option(`${p.flag} <text>`, p.help);
  }
  return cmd
    .option('--date <date>', "the letters' date (default: today, or the date of SOURCE_DATE_EPOCH when it is set)", isoDateOption)
    .option('--offer <dollars>', "settlement: the lump sum to offer (default: the plan's opening offer)", centsOption)
    .option('--notice-received <date>', "debt-validation: when you received the collector's validation notice (the letter counts the validation period from it)", isoDateOption)
    .option('--validation-ends <date>', 'debt-validation: the end of the validation period, as the notice prints it', isoDateOption);
}

/** The profile option values among parsed options (the keys of {@link PROFILE_OPTIONS}). */
export function profileValuesOf(o: LetterContentOptions): ProfileOptionValues {
  const out: ProfileOptionValues = {};
  for (const p of PROFILE_OPTIONS) {
    const v = o[p.key];
    if (v !== undefined && !(Array.isArray(v) && v.length === 0)) out[p.key] = v;
  }
  return out;
}
