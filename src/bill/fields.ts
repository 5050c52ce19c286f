/**
 * The fields of a bill line and of a bill header, and the names they arrive under in CSV
 * headers and JSON keys. This table is the one place that knows the aliases: the CSV reader,
 * the JSON reader and `--map` all use it. Matching ignores case, spaces and punctuation
 * (`CPT/HCPCS`, `cpt_hcpcs` and `Cpt Hcpcs` are the same header).
 */

/** Fields of a bill line, as named in the native JSON bill and in `--map field=Header`. */
export const LINE_FIELDS = [
  'line',
  'type',
  'dateOfService',
  'dateOfServiceTo',
  'revenueCode',
  'code',
  'modifiers',
  'units',
  'unitPrice',
  'charge',
  'credit',
  'description',
  'ndc',
  'diagnoses',
  'placeOfService',
  'renderingNpi',
  'minutes',
  'claimId',
  'account',
] as const;

/** One of {@link LINE_FIELDS}. */
export type LineField = (typeof LINE_FIELDS)[number];

/** What each line field means, for `--help`, the README template and error messages. */
export const LINE_FIELD_DOCS: Record<LineField, string> = {
  line: "the bill's own line number",
  type: 'charge, payment, adjustment or reversal (otherwise inferred from the amount and description)',
  dateOfService: 'date of service (ISO 2026-03-07 or US 03/07/2026, 3/7/26)',
  dateOfServiceTo: 'last date of service for a span',
  revenueCode: 'NUBC revenue code (facility bills), e.g. 0450',
  code: 'CPT/HCPCS code, e.g. 99284 or J2405',
  modifiers: 'CPT/HCPCS modifiers, one column or several (25, "76, 59", -25)',
  units: 'service units (days for room and board)',
  unitPrice: 'charge per unit',
  charge: 'line charge (negative, (12.00) or 12.00CR for credits)',
  credit: 'a payment or credit amount in its own column',
  description: 'the line description',
  ndc: 'National Drug Code',
  diagnoses: 'ICD-10-CM diagnosis code(s) for the line',
  placeOfService: 'CMS place-of-service code (professional bills)',
  renderingNpi: 'rendering provider NPI',
  minutes: 'documented minutes (time-based services)',
  claimId: 'claim id (multi-claim files; see --group-by)',
  account: 'patient account number',
};

/**
 * Header aliases per field, most specific first: when two columns could hold the same field
 * (a "Date" posting column and a "Service Date" column; a chargemaster "Code" and a "CPT"
 * column), the column with the more specific alias wins and the other is left unused.
 */
const LINE_ALIASES: Record<LineField, string[]> = {
  line: ['line', 'lineno', 'linenumber', 'linenum', 'ln', 'lnno', 'lineitem', 'lineitemno', 'lineid', 'itemno', 'itemnumber', 'seqno', 'seq', 'sequence', 'item', 'no'],
  type: ['linetype', 'transactiontype', 'txntype', 'entrytype', 'chargetype', 'type'],
  dateOfService: ['dateofservice', 'dos', 'servicedate', 'svcdate', 'servdate', 'dosfrom', 'servicefromdate', 'fromdos', 'dateofsvc', 'svcdt', 'servicedt', 'datesofservice', 'serviceperiodstart', 'fromdate', 'datefrom', 'date'],
  dateOfServiceTo: ['dateofserviceto', 'dosto', 'servicetodate', 'todos', 'todate', 'dateto', 'throughdate', 'thrudate'],
  revenueCode: ['revenuecode', 'revcode', 'revcd', 'ubrevenuecode', 'revenuecentercode', 'revcodes', 'ubrev', 'revctr', 'revenuecenter', 'revenue', 'rev'],
  code: ['cpthcpcs', 'hcpcscpt', 'cpthcpcscode', 'cptorhcpcs', 'hcpcsorcpt', 'cpthcpc', 'cptcode', 'hcpcscode', 'cpt', 'hcpcs', 'cpt4', 'hcpc', 'procedurecode', 'proccode', 'svccode', 'servicecode', 'billingcode', 'procedure', 'proc', 'code'],
  modifiers: ['modifiers', 'modifier', 'mod', 'mods', 'mod1', 'mod2', 'mod3', 'mod4', 'modifier1', 'modifier2', 'modifier3', 'modifier4', 'cptmodifier', 'hcpcsmodifier', 'procmodifier', 'cptmod'],
  units: ['units', 'serviceunits', 'svcunits', 'unitsdays', 'qtyunits', 'unitsqty', 'unit', 'qty', 'quantity', 'days', 'count'],
  unitPrice: ['unitprice', 'unitcharge', 'priceperunit', 'chargeperunit', 'unitcost', 'unitamount', 'unitrate', 'unitchg', 'rate', 'price'],
  charge: ['charge', 'charges', 'totalcharge', 'totalcharges', 'chargeamount', 'chargeamt', 'chargesamount', 'billedamount', 'billedamt', 'billedcharge', 'billedcharges', 'amountbilled', 'amountcharged', 'linecharge', 'linetotal', 'grosscharge', 'grosscharges', 'extendedamount', 'extamount', 'billed', 'chg', 'chgs', 'amount', 'amt', 'fee', 'total', 'totalamount'],
  credit: ['credit', 'credits', 'payments', 'paymentsandadjustments', 'creditamount', 'paymentsandcredits', 'paymentscredits', 'paymentsadjustments'],
  description: ['description', 'desc', 'descr', 'servicedescription', 'itemdescription', 'chargedescription', 'chargedesc', 'proceduredescription', 'procdesc', 'descriptionofservice', 'servicename', 'itemname', 'narrative', 'details', 'detail', 'service'],
  ndc: ['ndc', 'ndccode', 'nationaldrugcode', 'ndcnumber'],
  diagnoses: ['diagnoses', 'diagnosis', 'diagnosiscode', 'diagnosiscodes', 'dxcode', 'dxcodes', 'icd10cm', 'icd10code', 'icdcode', 'icd10', 'icd', 'primarydx', 'dx', 'diag'],
  placeOfService: ['placeofservice', 'poscode', 'pos'],
  renderingNpi: ['renderingnpi', 'renderingprovidernpi', 'providernpi', 'npi'],
  minutes: ['minutes', 'mins', 'timeminutes', 'durationminutes', 'duration'],
  claimId: ['claimid', 'claimno', 'claimnumber', 'claimnum', 'clmid', 'claim', 'encounterid'],
  account: ['accountnumber', 'accountno', 'patientaccountnumber', 'patientaccount', 'acctno', 'account', 'acct'],
};

/** Normalises a header or key for alias matching: lower case, `#` read as "no", only a–z and 0–9. */
export function normalizeHeader(h: string): string {
  return h.toLowerCase().replace(/#/g, 'no').replace(/[^a-z0-9]/g, '');
}

const LINE_INDEX = new Map<string, { field: LineField; rank: number }>();
for (const field of LINE_FIELDS) {
  LINE_ALIASES[field].forEach((alias, rank) => {
    if (!LINE_INDEX.has(alias)) LINE_INDEX.set(alias, { field, rank });
  });
  if (!LINE_INDEX.has(normalizeHeader(field))) LINE_INDEX.set(normalizeHeader(field), { field, rank: 0 });
}

/** The line field a CSV header or JSON key stands for, or `undefined` when it is not one. */
export function lineFieldFor(header: string): LineField | undefined {
  return LINE_INDEX.get(normalizeHeader(header))?.field;
}

/** How specific a header is for its field (0 = most specific); `undefined` when it is no alias. */
export function aliasRank(header: string): number | undefined {
  return LINE_INDEX.get(normalizeHeader(header))?.rank;
}

/** Bill-level (header) fields of the native JSON bill, after flattening. */
export const HEADER_FIELDS = [
  'providerName',
  'providerNpi',
  'nonprofit',
  'patientName',
  'accountNumber',
  'statementDate',
  'billType',
  'insurance',
  'payer',
  'encounter',
  'admissionDate',
  'dischargeDate',
  'diagnoses',
  'facilityNetwork',
  'state',
  'goodFaithEstimate',
] as const;

/** One of {@link HEADER_FIELDS}. */
export type HeaderField = (typeof HEADER_FIELDS)[number];

/**
 * Aliases of bill-level keys in JSON exports, including dotted paths into nested objects
 * (`insurance.status`, `encounter.admissionDate`), so that portal-style JSON maps onto the
 * native bill. Keys are normalised with {@link normalizeHeader} segment by segment.
 */
const HEADER_ALIASES: Record<HeaderField, string[]> = {
  providerName: ['provider.name', 'providername', 'provider', 'facility', 'facilityname', 'hospital', 'hospitalname', 'facility.name', 'hospital.name', 'billingprovider', 'billingprovider.name'],
  providerNpi: ['provider.npi', 'npi', 'providernpi', 'facility.npi', 'hospital.npi', 'billingprovider.npi', 'billingnpi'],
  nonprofit: ['provider.nonprofit', 'nonprofit', 'nonprofithospital', 'facility.nonprofit', 'hospital.nonprofit', 'taxexempt', 'provider.taxexempt'],
  patientName: ['patient.name', 'patientname', 'patient', 'guarantor', 'guarantorname'],
  accountNumber: ['patient.accountnumber', 'accountnumber', 'account', 'accountno', 'acct', 'patient.account', 'patient.accountno', 'patientaccountnumber', 'guarantoraccount'],
  statementDate: ['statementdate', 'billdate', 'invoicedate', 'statement.date', 'date'],
  billType: ['billtype', 'claimtype', 'form', 'billform'],
  insurance: ['insurance', 'insurance.status', 'insurancestatus', 'coverage', 'coveragestatus', 'networkstatus', 'insurance.network', 'insurance.networkstatus', 'payerstatus'],
  payer: ['payer', 'payername', 'insurance.payer', 'insurance.name', 'insurer', 'insurance.plan', 'plan', 'healthplan', 'insurance.payername'],
  encounter: ['encounter', 'encounter.type', 'encountertype', 'visittype', 'visit.type', 'settingtype', 'setting'],
  admissionDate: ['admissiondate', 'admitdate', 'encounter.admissiondate', 'encounter.admitdate', 'visit.admissiondate', 'admitted', 'admission'],
  dischargeDate: ['dischargedate', 'encounter.dischargedate', 'visit.dischargedate', 'discharged', 'discharge'],
  diagnoses: ['diagnoses', 'diagnosis', 'dx', 'diagnosiscodes', 'icd10', 'encounter.diagnoses'],
  facilityNetwork: ['facilitynetwork', 'facilitynetworkstatus', 'facility.network', 'facility.networkstatus', 'hospital.network', 'hospital.networkstatus'],
  state: ['state', 'provider.state', 'facility.state', 'hospital.state', 'servicestate'],
  goodFaithEstimate: ['goodfaithestimate', 'gfe', 'gfeamount', 'gfetotal', 'goodfaithestimate.amount', 'gfe.amount'],
};

const HEADER_INDEX = new Map<string, HeaderField>();
for (const field of HEADER_FIELDS) {
  HEADER_INDEX.set(normalizeHeader(field), field);
  for (const alias of HEADER_ALIASES[field]) HEADER_INDEX.set(alias, field);
}

/** The header field a (possibly dotted) JSON key path stands for, or `undefined`. */
export function headerFieldFor(path: string[]): HeaderField | undefined {
  return HEADER_INDEX.get(path.map(normalizeHeader).join('.'));
}

/** Kinds of stated totals recognised on a bill (footer rows or JSON `totals`). */
export const TOTAL_KINDS = ['charges', 'payments', 'adjustments', 'insurancePaid', 'balance'] as const;

/** One of {@link TOTAL_KINDS}. */
export type TotalKind = (typeof TOTAL_KINDS)[number];

const TOTAL_ALIASES: Record<TotalKind, string[]> = {
  charges: ['charges', 'totalcharges', 'totalcharge', 'total', 'grandtotal', 'totalbilled', 'billedtotal', 'grosscharges', 'chargestotal', 'totalamount'],
  payments: ['payments', 'totalpayments', 'patientpayments', 'paymentsreceived', 'amountpaid', 'paid', 'totalpaid', 'patientpaid'],
  adjustments: ['adjustments', 'totaladjustments', 'discounts', 'writeoffs', 'contractualadjustments'],
  insurancePaid: ['insurancepaid', 'insurancepayments', 'planpaid', 'payerpaid', 'insurancepayment', 'paidbyinsurance'],
  balance: ['balance', 'totaldue', 'balancedue', 'amountdue', 'patientbalance', 'youowe', 'patientresponsibility', 'totalbalance', 'accountbalance', 'pleasepay', 'amountowed', 'currentbalance'],
};

const TOTAL_INDEX = new Map<string, TotalKind>();
for (const kind of TOTAL_KINDS) for (const alias of TOTAL_ALIASES[kind]) TOTAL_INDEX.set(alias, kind);

/**
 * Recognises the label of a total/footer row or a JSON `totals` key (`TOTAL CHARGES`,
 * `Total Due`, `Balance Due`, `patientBalance`) and says which total it is.
 */
export function totalKindFor(label: string): TotalKind | undefined {
  const n = normalizeHeader(label);
  const direct = TOTAL_INDEX.get(n);
  if (direct) return direct;
  if (/^(grand)?totals?(charges?|billed|amount)?$/.test(n)) return 'charges';
  if (/^(total|net)?(balance|amount)due/.test(n) || /^total(patient)?(due|owed|balance)/.test(n)) return 'balance';
  if (/^total(patient|insurance)?payments?/.test(n)) return n.includes('insurance') ? 'insurancePaid' : 'payments';
  if (/^total(adjustments?|discounts?|credits?)/.test(n)) return 'adjustments';
  return undefined;
}

/**
 * Recognises statement rows that are neither charges nor totals of this bill: section
 * subtotals ("SUBTOTAL ROOM AND BOARD"), balances carried forward ("PREVIOUS BALANCE") and
 * transfers of a balance ("TRANSFER TO INSURANCE"). They are skipped, and reported as skipped.
 */
export function statementRowKind(label: string): 'subtotal' | 'balance-forward' | 'transfer' | undefined {
  const n = normalizeHeader(label);
  if (n.startsWith('subtotal') || n.startsWith('sectiontotal') || (n.startsWith('total') && n.length > 5 && totalKindFor(label) === undefined)) return 'subtotal';
  if (/^(previous|prior|last)(statement)?balance|^balance(brought)?forward|^beginningbalance|^openingbalance/.test(n)) return 'balance-forward';
  if (/^(balance)?transfer(red)?(to|from)/.test(n) || /^xfer(to|from)/.test(n)) return 'transfer';
  return undefined;
}
