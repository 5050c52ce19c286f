/**
 * compose: a report and a profile → a letter model (src/letters/model.ts). Pure: no I/O and
 * no clock (the letter's date comes in `options.date`, read by the CLI at its edge). Every
 * legal or financial statement is a sentence of the facts file (rules/tables/facts.yaml: a
 * fact's `text` or one of its `letter` templates, which hold the first-person wording
 * shared/reference/rights.md suggests), filled with the bill's names, amounts and dates and
 * with the fact's own numbers; deadlines are computed from the bill's dates and the fact's
 * number of days. medbill's own sentences only ask for things. The disputed lines, what is
 * wrong with them and their sources come from the report's findings.
 */
import { formatCents } from '../bill/values.js';
import { addDays, isIsoDate } from '../dates.js';
import { UsageError } from '../errors.js';
import { formatDollars, type FactBook } from '../facts.js';
import { charityCareFactId, isCorrection, isReview } from '../plan.js';
import { findingKey } from '../finding-key.js';
import type { Finding, Report } from '../report.js';
import { longDate, shortDate, type Block, type Cell, type Deadline, type Letter, type LetterKind, type Origin, type Party, type Run, type SourceNote } from './model.js';
import { completeParty, missingProfileFields, recipientRole, type Profile } from './profile.js';

/**
 * What a letter needs beyond the report and the profile: the letter's `date` (ISO, required;
 * the CLI passes --date or today), and per kind: `offerCents` (settlement: the amount offered;
 * default the plan's opening offer), `noticeReceived` or `validationEnds` (debt-validation: the
 * date you received the collector's validation notice, or the end date the notice prints).
 */
export interface ComposeOptions {
  date: string;
  offerCents?: number;
  noticeReceived?: string;
  validationEnds?: string;
}

const SUBJECTS: Record<LetterKind, string> = {
  'itemized-bill': 'Request for an itemized statement and billing records',
  dispute: 'Dispute of charges and request for a corrected bill',
  'financial-assistance': 'Request for financial assistance',
  'billing-hold': 'Request to hold the account',
  settlement: 'Offer to settle the account',
  'gfe-dispute': 'Bill above the Good Faith Estimate: patient-provider dispute',
  'debt-validation': 'Dispute of debt and request for verification',
};

/** Letters never compose from a report that could not be trusted. */
function assertUsable(report: Report): void {
  if (report.errors.length > 0) {
    throw new UsageError(`the report of ${report.input.path} has errors (${report.errors[0]?.message ?? ''}); fix them and audit again before writing letters`);
  }
}

/** The gfe-excess findings a GFE dispute letter is about (kept, not marked unsure). */
function gfeFindings(report: Report): Finding[] {
  return report.findings.filter((f) => f.kind === 'gfe-excess' && f.decision !== 'unsure');
}

function balanceFindings(report: Report): Finding[] {
  return report.findings.filter((f) => f.kind === 'balance-billing' && f.severity !== 'info' && f.decision !== 'unsure');
}

function financialAssistanceCalledFor(report: Report): boolean {
  const f = report.input.facts;
  return f.insurance?.value === 'uninsured' || f.insurance?.value === 'self-pay' || f.nonprofit?.value === true || report.findings.some((x) => x.kind === 'financial-assistance' && x.decision !== 'unsure');
}

/**
 * The letter kinds a report's findings call for, in {@link LETTER_KINDS} order. Pure.
 * - `itemized-bill`: some lines could not be checked, or lines need their record reviewed;
 * - `dispute`: a billing error to correct, a line to review, or a balance bill;
 * - `financial-assistance`: an uninsured or self-pay patient, or a tax-exempt hospital;
 * - `billing-hold`: whenever a dispute, an application or a GFE dispute is under way;
 * - `settlement`: the plan has an offer range (a benchmark was given) opening above $0;
 * - `gfe-dispute`: a bill at least the threshold over its Good Faith Estimate;
 * - `debt-validation`: the profile names a debt collector.
 * A report with errors calls for none.
 */
export function lettersCalledFor(report: Report, profile: Profile = {}): LetterKind[] {
  if (report.errors.length > 0) return [];
  const out: LetterKind[] = [];
  const reviews = report.findings.some(isReview);
  const dispute = report.findings.some(isCorrection) || reviews || balanceFindings(report).length > 0;
  const fa = financialAssistanceCalledFor(report);
  const gfe = gfeFindings(report).length > 0;
  if (report.coverage.notChecked > 0 || reviews) out.push('itemized-bill');
  if (dispute) out.push('dispute');
  if (fa) out.push('financial-assistance');
  if (dispute || fa || gfe) out.push('billing-hold');
  const offer = report.summary.plan?.offer;
  if (offer?.status === 'range' && (offer.lowCents ?? 0) > 0) out.push('settlement');
  if (gfe) out.push('gfe-dispute');
  if (profile.collector?.name) out.push('debt-validation');
  return out;
}

/** Builds one letter: collects runs, sources and the facts cited. */
class Writer {
  readonly body: Block[] = [];
  readonly sources: SourceNote[] = [];
  readonly deadlines: Deadline[] = [];
  readonly facts: string[] = [];
  readonly notes: string[] = [];
  constructor(readonly book: FactBook) {}

  own(text: string): Run {
    return { text, origin: { kind: 'medbill' } };
  }

  bill(text: string): Run {
    return { text, origin: { kind: 'bill' } };
  }

  /**
   * A fact's letter template filled with `vars` and the fact's numbers (money in dollars).
   * `cite: false` for a request worded by a fact that states no law (nothing to list under
   * Sources). Throws Error for a placeholder nothing fills.
   */
  fact(id: string, template: string, vars: Record<string, string> = {}, o: { cite?: boolean } = {}): Run {
    const fact = this.book.get(id);
    const text = this.book.letter(id, template).replace(/\{([A-Za-z][A-Za-z0-9]*)\}/g, (_, k: string) => {
      if (vars[k] !== undefined) return vars[k] as string;
      const n = fact.numbers?.[k];
      if (n !== undefined) return k.endsWith('Cents') ? formatDollars(n) : String(n);
      throw new Error(`letter template ${id}.${template} has no value for {${k}}`);
    });
    if (o.cite !== false) this.cite(id);
    // A name filled in at the start of a sentence ("the hospital is ...") starts with a capital.
    return { text: text.charAt(0).toUpperCase() + text.slice(1), origin: { kind: 'fact', id, template } };
  }

  /** A fact's own text, as `medbill facts` prints it. */
  factText(id: string): Run {
    this.cite(id);
    return { text: this.book.get(id).text, origin: { kind: 'fact', id, field: 'text' } };
  }

  cite(id: string): void {
    if (!this.facts.includes(id)) this.facts.push(id);
  }

  paragraph(...runs: Array<Run | undefined | false>): void {
    const list = runs.filter((r): r is Run => Boolean(r));
    if (list.length > 0) this.body.push({ type: 'paragraph', runs: list });
  }

  /** The number of a source (rule reference), added once, in order of first use. */
  source(text: string, origin: Origin): number {
    const hit = this.sources.find((s) => s.text === text);
    if (hit) return hit.n;
    const n = this.sources.length + 1;
    this.sources.push({ n, text, origin });
    return n;
  }

  deadline(label: string, date: string, fact: string): void {
    this.deadlines.push({ label, date, fact });
  }

  /** Appends the cited facts' sources to the numbered sources. */
  finishSources(): void {
    for (const id of this.facts) {
      const f = this.book.get(id);
      this.source(`${f.source} (${f.title})`, { kind: 'fact', id, field: 'source' });
    }
  }
}

function itemOf(f: Finding): string {
  const s = f.subject;
  if (!s) return 'whole bill';
  const code = s.code ?? (s.revenueCode ? `rev ${s.revenueCode}` : '');
  return `${code}${s.modifiers.length > 0 ? `-${s.modifiers.join('-')}` : ''}`;
}

/** `line 1 (Mar 2, 2026, 99284, EMERGENCY DEPT VISIT LEVEL 4, $2,845.00)` for a line finding. */
function lineLabel(f: Finding): string {
  const s = f.subject;
  if (!s) return 'the bill as a whole';
  const parts = [s.dateOfService ? shortDate(s.dateOfService) : '', itemOf(f), s.description ?? '', formatCents(s.chargeCents)].filter(Boolean);
  return `Line ${s.line} (${parts.join(', ')})`;
}

/** The disputed-lines table: one row per disputed line (its findings merged), amounts counted once per line. */
function disputeTable(w: Writer, corrections: Finding[]): Extract<Block, { type: 'table' }> {
  const groups = new Map<string, Finding[]>();
  for (const f of corrections) {
    const k = f.lines[0] === undefined ? `bill:${f.ruleId}` : `line:${f.lines[0]}`;
    groups.set(k, [...(groups.get(k) ?? []), f]);
  }
  const ordered = [...groups.values()].sort((a, b) => (a[0]?.lines[0] ?? Number.MAX_SAFE_INTEGER) - (b[0]?.lines[0] ?? Number.MAX_SAFE_INTEGER));
  let total = 0;
  const rows: Cell[][] = ordered.map((fs) => {
    const first = fs[0] as Finding;
    const s = first.subject;
    const amount = Math.max(...fs.map((f) => f.amountAtStakeCents));
    total += amount;
    // Each finding's first reference is its rule's primary source (the one the reports print).
    const refs = [...new Set(fs.flatMap((f) => (f.references[0] !== undefined ? [w.source(f.references[0], { kind: 'finding', key: findingKey(f), field: 'reference' })] : [])))];
    return [
      { runs: [w.bill(s ? String(s.line) : '-')], align: 'right' },
      { runs: [w.bill(s?.dateOfService ? shortDate(s.dateOfService) : '-')] },
      { runs: [w.bill(itemOf(first)), ...(s?.description ? [w.bill(s.description)] : [])] },
      { runs: [w.bill(s ? formatCents(s.chargeCents) : '-')], align: 'right' },
      { runs: fs.map((f) => ({ text: f.message, origin: { kind: 'finding', key: findingKey(f), field: 'message' } }) as Run) },
      { runs: [w.bill(refs.map((n) => `[${n}]`).join(' '))] },
      { runs: [w.bill(formatCents(amount))], align: 'right' },
    ];
  });
  return {
    type: 'table',
    columns: [
      { heading: 'Line', weight: 28, align: 'right' },
      { heading: 'Date', weight: 62 },
      { heading: 'Code and description', weight: 92 },
      { heading: 'Charge', weight: 56, align: 'right' },
      { heading: 'What is wrong', weight: 164 },
      { heading: 'Source', weight: 44 },
      { heading: 'Disputed', weight: 58, align: 'right' },
    ],
    rows,
    total: { label: `Total disputed (${rows.length} ${rows.length === 1 ? 'line' : 'lines'}, each counted once)`, amountCents: total },
  };
}

/** Everything the letters of one report share: parties, names, reference lines. */
interface Context {
  report: Report;
  profile: Profile;
  sender: Party;
  recipient: Party;
  hospital: string;
  /** ` (account A-1)` or '' */
  accountNote: string;
  /** ` from March 2, 2026 to March 5, 2026` or '' */
  datesNote: string;
  options: ComposeOptions;
}

function datesOf(report: Report): { from?: string; to?: string } {
  const f = report.input.facts;
  if (f.admissionDate && f.dischargeDate) return { from: f.admissionDate.value, to: f.dischargeDate.value };
  const dates = report.findings.map((x) => x.subject?.dateOfService).filter((d): d is string => d !== undefined).sort();
  return dates.length > 0 ? { from: dates[0] as string, to: dates[dates.length - 1] as string } : {};
}

function reference(ctx: Context, kind: LetterKind): Array<{ label: string; value: string }> {
  const { report, profile } = ctx;
  const out: Array<{ label: string; value: string }> = [];
  if (kind === 'debt-validation' && profile.collector?.account) out.push({ label: 'Your reference', value: profile.collector.account });
  if (profile.account) out.push({ label: kind === 'debt-validation' ? "Provider's account number" : 'Account number', value: profile.account });
  if (report.input.claim !== undefined) out.push({ label: 'Claim', value: report.input.claim });
  out.push({ label: 'Patient', value: profile.patient ?? ctx.sender.name });
  if (kind === 'debt-validation') out.push({ label: 'Provider', value: ctx.hospital });
  const f = report.input.facts;
  const { from, to } = datesOf(report);
  if (f.admissionDate && f.dischargeDate) out.push({ label: 'Admission and discharge', value: `${longDate(f.admissionDate.value)} to ${longDate(f.dischargeDate.value)}` });
  else if (from && to) out.push({ label: 'Dates of service', value: from === to ? longDate(from) : `${longDate(from)} to ${longDate(to)}` });
  if (f.statementDate) out.push({ label: 'Statement dated', value: longDate(f.statementDate.value) });
  out.push({ label: 'Balance billed', value: formatCents(report.summary.balanceCents) });
  return out;
}

function openLine(w: Writer, ctx: Context): Run {
  return w.own(`I am writing about the bill for care at ${ctx.hospital}${ctx.datesNote}${ctx.accountNote}.`);
}

function composeItemized(w: Writer, ctx: Context): void {
  const f = ctx.report.input.facts;
  w.paragraph(openLine(w, ctx), w.own('Please send a fully itemized statement showing, for each line, the date of service, the CPT/HCPCS or revenue code, the units and the charge.'));
  w.paragraph(w.fact('hipaa-billing-records', 'request'), w.fact('hipaa-billing-records', 'timing'));
  if (f.insurance?.value === 'medicare') w.paragraph(w.fact('medicare-itemized-statement', 'request'));
  if (f.state?.value === 'TX') w.paragraph(w.fact('texas-itemized-bill', 'request'));
  if (f.state?.value === 'FL') w.paragraph(w.fact('florida-itemized-statement', 'request'));
  const reviews = ctx.report.findings.filter(isReview);
  if (reviews.length > 0) {
    w.paragraph(w.own('Please include the medical record behind these lines, so that I can check the service billed:'));
    w.body.push({ type: 'list', items: reviews.map((r) => [w.bill(`${lineLabel(r)}:`), { text: r.title, origin: { kind: 'finding', key: findingKey(r), field: 'title' } }]) });
  }
  w.paragraph(w.own('Please hold the account while I review the itemized statement, and send it to the address above.'));
}

function composeDispute(w: Writer, ctx: Context): void {
  const { report } = ctx;
  const corrections = report.findings.filter(isCorrection);
  const reviews = report.findings.filter(isReview);
  const balance = balanceFindings(report);
  if (corrections.length === 0 && reviews.length === 0 && balance.length === 0) {
    throw new UsageError(`nothing to dispute in ${report.input.path}: the audit found no billing error to correct, no line to review and no balance bill (dismissed findings are left out)`);
  }
  w.paragraph(w.own(`I am writing to dispute charges on the bill for care at ${ctx.hospital}${ctx.datesNote}${ctx.accountNote}.`));
  if (corrections.length > 0) {
    const table = disputeTable(w, corrections);
    w.paragraph(
      w.own(
        `I reviewed the itemized statement line by line. I dispute the ${table.rows.length === 1 ? 'charge' : `${table.rows.length} charges`} below, for the reasons given; the numbers in the Source column refer to the sources listed at the end of this letter.`,
      ),
    );
    w.body.push(table);
    w.paragraph(w.own(`Please remove ${table.rows.length === 1 ? 'this charge' : 'these charges'} (${formatCents(table.total?.amountCents ?? 0)} in all), send me a corrected itemized bill, and tell me in writing what you decide about each line.`));
  }
  if (reviews.length > 0) {
    w.paragraph(w.own(`I also ask for an explanation, and the medical record where it applies, for ${reviews.length === 1 ? 'this line, which I could not verify' : 'these lines, which I could not verify'}:`));
    w.body.push({ type: 'list', items: reviews.map((r) => [w.bill(`${lineLabel(r)}:`), { text: r.title, origin: { kind: 'finding', key: findingKey(r), field: 'title' } }]) });
  }
  for (const b of balance) {
    const ancillary = Array.isArray(b.evidence.ancillaryLines) ? (b.evidence.ancillaryLines as number[]) : undefined;
    w.paragraph(w.fact('nsa-balance-billing', ancillary ? 'ancillary' : 'emergency'), ancillary && ancillary.length > 0 ? w.bill(`The ancillary services are on ${ancillary.length === 1 ? 'line' : 'lines'} ${ancillary.join(', ')}.`) : undefined);
  }
  w.paragraph(
    w.own('While you review this dispute, please hold the account: no collection activity, no referral to a collection agency or debt buyer, and no reporting to credit bureaus.'),
    w.own('Please confirm the hold in writing.'),
  );
}

/**
 * Writes the 501(r) dates paragraph counted from the first post-discharge statement date
 * (ISO `YYYY-MM-DD`): the end of the application period and of the bar on extraordinary
 * collection actions, with the day counts of facts.yaml `fap-501r-collections` (26 CFR
 * 1.501(r)-6). Returns both dates (ISO).
 */
function fap501rDates(w: Writer, statementDate: string): { applicationEnds: string; noEcaEnds: string } {
  const applicationEnds = addDays(statementDate, w.book.number('fap-501r-collections', 'applicationDays'));
  const noEcaEnds = addDays(statementDate, w.book.number('fap-501r-collections', 'noEcaDays'));
  w.paragraph(w.fact('fap-501r-collections', 'dates', { statementDate: longDate(statementDate), applicationEnds: longDate(applicationEnds), noEcaEnds: longDate(noEcaEnds) }));
  return { applicationEnds, noEcaEnds };
}

function composeFinancialAssistance(w: Writer, ctx: Context): void {
  const f = ctx.report.input.facts;
  const insurance = f.insurance?.value;
  w.paragraph(
    openLine(w, ctx),
    insurance === 'uninsured' ? w.own('I had no health insurance for this care.') : insurance === 'self-pay' ? w.own('I am paying this bill myself.') : undefined,
    w.own('I ask to apply for financial assistance.'),
  );
  w.paragraph(w.own(`Please send me ${ctx.hospital}'s financial assistance policy (FAP), its plain-language summary and the application, and tell me what documents you need from me.`));
  if (f.nonprofit?.value === true) {
    w.paragraph(w.fact('fap-501r', 'exempt', { hospital: ctx.hospital }), w.fact('fap-501r-collections', 'eca'), w.fact('fap-501r-collections', 'apply'));
    const stmt = f.statementDate?.value;
    if (stmt) {
      const { applicationEnds, noEcaEnds } = fap501rDates(w, stmt);
      w.deadline('FAP application period runs at least until', applicationEnds, 'fap-501r-collections');
      w.deadline('No extraordinary collection action before', noEcaEnds, 'fap-501r-collections');
    } else {
      w.notes.push('Give --statement-date (the date of the first statement after discharge) so that the letter states the application period and collection dates.');
    }
    w.paragraph(w.fact('fap-501r-collections', 'pending'), w.own('Please suspend collection on this account while my application is pending.'));
  } else {
    w.paragraph(w.own('Please hold the account while my application is pending.'));
    if (f.nonprofit === undefined) w.notes.push('If the hospital is tax-exempt (nonprofit), give --nonprofit: the letter then cites IRC 501(r), the amounts generally billed (AGB) and the 240-day application period.');
  }
  const stateFact = charityCareFactId(f.state?.value, w.book);
  if (stateFact) {
    const fact = w.book.get(stateFact);
    w.paragraph(w.own('Please also consider my application under the following:'), w.factText(stateFact), { text: `(${fact.source})`, origin: { kind: 'fact', id: stateFact, field: 'source' } });
  }
}

function composeBillingHold(w: Writer, ctx: Context): void {
  const { report } = ctx;
  const f = report.input.facts;
  const corrections = report.findings.filter(isCorrection);
  const reviews = report.findings.filter(isReview);
  const gfe = gfeFindings(report);
  const fa = financialAssistanceCalledFor(report);
  const reasons: string[] = [];
  if (corrections.length > 0 || reviews.length > 0) {
    const lines = [...new Set([...corrections, ...reviews].map((x) => x.lines[0]).filter((n): n is number => n !== undefined))].sort((a, b) => a - b);
    reasons.push(lines.length > 0 ? `you review the charges I dispute (${lines.length === 1 ? 'line' : 'lines'} ${lines.join(', ')})` : 'you review the charges I dispute');
  }
  if (fa) reasons.push('my application for financial assistance is processed');
  if (gfe.length > 0) reasons.push('the patient-provider dispute about the Good Faith Estimate is pending');
  if (reasons.length === 0) reasons.push('I review the itemized bill');
  const list = reasons.length === 1 ? reasons[0] : `${reasons.slice(0, -1).join(', ')} and ${reasons[reasons.length - 1]}`;
  w.paragraph(openLine(w, ctx), w.own(`Please place the account on hold while ${list}.`));
  w.paragraph(
    w.own('While the account is on hold, please do not start or continue any collection activity, do not refer the account to a collection agency or sell it, do not report it to credit bureaus, and do not add interest or late fees.'),
  );
  if (fa && f.nonprofit?.value === true) {
    w.paragraph(w.fact('fap-501r-collections', 'pending'));
    const stmt = f.statementDate?.value;
    if (stmt) w.deadline('No extraordinary collection action before', fap501rDates(w, stmt).noEcaEnds, 'fap-501r-collections');
  }
  if (gfe.length > 0) w.paragraph(w.fact('nsa-gfe-dispute', 'pending'));
  w.paragraph(w.own('Please confirm the hold in writing, with the date it ends or what it depends on.'));
}

function composeSettlement(w: Writer, ctx: Context): void {
  const { report, options } = ctx;
  const plan = report.summary.plan;
  if (!plan) throw new UsageError(`the report of ${report.input.path} has no negotiation plan (summary.plan); audit the bill again with this version of medbill`);
  const offer = plan.offer;
  if (offer.status === 'nothing-owed') throw new UsageError('nothing is left to pay once the corrections are made, so there is nothing to settle: send the dispute letter');
  if (offer.anchors.length === 0) {
    throw new UsageError(
      'a settlement letter rests on a benchmark: audit the bill with --cash-price (the discounted cash price in the hospital\'s price file), --medicare-amount, --agb-percent (from its FAP), --gfe (your Good Faith Estimate) or --prices FILE (the hospital\'s price file itself)',
    );
  }
  const amount = options.offerCents ?? offer.lowCents;
  if (amount === undefined || (options.offerCents === undefined && amount <= 0)) {
    throw new UsageError(`the benchmarks, less the ${formatCents(offer.paidCents ?? 0)} already paid, leave no amount to offer: give the amount with --offer DOLLARS`);
  }
  if (amount <= 0) throw new UsageError(`--offer ${formatCents(amount)}: expected an amount above $0.00`);
  if (amount > offer.balanceCents) throw new UsageError(`--offer ${formatCents(amount)} is more than the balance left after the corrections, ${formatCents(offer.balanceCents)}: offer less, or pay the corrected balance`);
  const corrections = report.findings.filter(isCorrection);
  const correctionsCents = report.summary.balanceCents - offer.balanceCents;
  w.paragraph(openLine(w, ctx), w.own(`The balance billed is ${formatCents(report.summary.balanceCents)}.`));
  if (corrections.length > 0 && correctionsCents > 0) {
    w.paragraph(w.own(`I dispute ${formatCents(correctionsCents)} of it as billing errors; without those charges the balance is ${formatCents(offer.balanceCents)}.`));
  }
  w.paragraph(w.own(`I offer ${formatCents(amount)} as a lump-sum payment in full settlement of this account.`));
  const basis: Run[] = [];
  for (const a of [...offer.anchors].sort((x, y) => x.amountCents - y.amountCents)) {
    if (a.kind === 'cash-price') basis.push(w.fact('price-transparency', 'cashPrice', { hospital: ctx.hospital, amount: formatCents(a.amountCents) }));
    else if (a.kind === 'medicare') basis.push(w.bill(`Medicare pays ${formatCents(a.amountCents)} for these services.`));
    else if (a.kind === 'agb') {
      const pct = /(\d+(?:\.\d+)?)%/.exec(a.source)?.[1];
      basis.push(w.bill(`The amounts generally billed (AGB) under ${ctx.hospital}'s financial assistance policy${pct ? ` (${pct}% of gross charges)` : ''} come to ${formatCents(a.amountCents)} for the corrected charges.`));
    } else basis.push(w.bill(`The Good Faith Estimate I received for this care was ${formatCents(a.amountCents)}.`));
  }
  const paid = offer.paidCents ?? 0;
  const lowest = offer.lowCents;
  w.paragraph(
    w.own(offer.anchors.length === 1 ? 'My offer rests on this amount:' : 'My offer rests on these amounts:'),
    ...basis,
    paid > 0 ? w.own(`I have already paid or been credited ${formatCents(paid)}, which I subtract from ${offer.anchors.length === 1 ? 'it' : 'them'}.`) : undefined,
    amount === lowest ? w.own(`${offer.anchors.length === 1 ? 'That amount' : 'The lowest of them'}${paid > 0 ? ', less what I have already paid,' : ''} is ${formatCents(amount)}.`) : undefined,
  );
  w.paragraph(w.fact('settlement-in-writing', 'confirm', {}, { cite: false }));
  w.notes.push(`${w.book.get('settlement-in-writing').text}`);
}

function composeGfeDispute(w: Writer, ctx: Context): void {
  const { report } = ctx;
  const found = gfeFindings(report);
  if (found.length === 0) {
    const threshold = formatDollars(w.book.number('nsa-gfe-dispute', 'thresholdCents'));
    throw new UsageError(
      `no bill in ${report.input.path} is at least ${threshold} over a Good Faith Estimate: audit it with --insurance uninsured or self-pay, --gfe AMOUNT (the estimate you received) and --statement-date (for the deadline)`,
    );
  }
  const insurance = report.input.facts.insurance?.value;
  w.paragraph(
    openLine(w, ctx),
    w.own(`${insurance === 'self-pay' ? 'I paid for this care myself' : 'I had no health insurance for this care'} and received a Good Faith Estimate before it.`),
  );
  for (const g of found) {
    const e = g.evidence as { provider?: string; billedCents?: number; gfeCents?: number; overCents?: number; statementDate?: string; deadline?: string };
    w.paragraph(
      e.provider ? w.bill(`For the services of provider ${e.provider}:`) : undefined,
      w.fact('nsa-gfe-dispute', 'dispute', { billed: formatCents(e.billedCents ?? 0), gfe: formatCents(e.gfeCents ?? 0), over: formatCents(e.overCents ?? 0) }),
    );
    if (e.deadline && e.statementDate) {
      w.paragraph(w.fact('nsa-gfe-dispute', 'deadline', { statementDate: longDate(e.statementDate), deadline: longDate(e.deadline) }));
      w.deadline('Start patient-provider dispute resolution by', e.deadline, 'nsa-gfe-dispute');
    } else {
      w.notes.push('Give --statement-date (the date on the bill) so that the letter states the dispute deadline.');
    }
  }
  w.paragraph(w.fact('nsa-gfe-dispute', 'pending'), w.own('Please confirm in writing that collection on this account is paused while the dispute is pending.'));
  w.notes.push(`Start the dispute itself with CMS through its patient-provider dispute resolution process${w.deadlines[0] ? ` by ${longDate(w.deadlines[0].date)}` : ''}, and enclose a copy of the Good Faith Estimate with this letter. ${w.book.get('nsa-gfe-dispute').text}`);
  w.notes.push(w.book.get('no-surprises-help-desk').text);
}

function composeDebtValidation(w: Writer, ctx: Context): void {
  const { report, options, profile } = ctx;
  const ref = profile.collector?.account ? ` (your reference ${profile.collector.account})` : '';
  w.paragraph(w.own(`I am writing about the debt you are trying to collect from me${ref}, which you say is for care at ${ctx.hospital}${ctx.datesNote}.`));
  w.paragraph(w.fact('fdcpa-validation-period', 'dispute'));
  const days = w.book.number('fdcpa-validation-period', 'validationDays');
  let ends: string | undefined;
  if (options.validationEnds) {
    ends = options.validationEnds;
    w.paragraph(w.fact('fdcpa-validation-period', 'printed', { validationEnds: longDate(ends) }));
  } else if (options.noticeReceived) {
    ends = addDays(options.noticeReceived, days);
    w.paragraph(w.fact('fdcpa-validation-period', 'received', { validationEnds: longDate(ends), received: longDate(options.noticeReceived) }));
  } else {
    w.notes.push('Give --notice-received DATE (when you received the collector\'s validation notice) or --validation-ends DATE (the end date the notice prints) so that the letter states the end of the validation period.');
  }
  if (ends) {
    w.deadline('Validation period ends', ends, 'fdcpa-validation-period');
    if (ends < options.date) w.notes.push(`The validation period ended on ${longDate(ends)}, before this letter's date: the collector need not stop collecting, but you can still dispute the debt.`);
  }
  w.paragraph(w.fact('fdcpa-validation-period', 'stop'));
  w.paragraph(w.own('Please also send me proof of your authority to collect this debt, or of its assignment to you, and the dates of service.'), w.fact('fdcpa-disputed-reporting', 'reporting'));
  const corrections = report.findings.filter(isCorrection);
  if (corrections.length > 0) {
    const lines = [...new Set(corrections.map((x) => x.lines[0]).filter((n): n is number => n !== undefined))].sort((a, b) => a - b);
    const stake = report.summary.plan?.steps.find((s) => s.kind === 'corrections')?.amountCents;
    w.paragraph(w.own(`The bill also includes charges I dispute as billing errors${lines.length > 0 ? ` (${lines.length === 1 ? 'line' : 'lines'} ${lines.join(', ')} of the itemized bill${stake ? `, ${formatCents(stake)} in all` : ''})` : ''}.`));
  }
  w.paragraph(w.own('Please communicate with me about this debt in writing only.'));
  w.notes.push(`Send this letter by a trackable method (or through the electronic channel the notice names)${ends ? ` before ${longDate(ends)}` : ' within the validation period'}, and keep a copy.`);
  w.notes.push(w.book.get('fdcpa-scope').text);
}

const COMPOSERS: Record<LetterKind, (w: Writer, ctx: Context) => void> = {
  'itemized-bill': composeItemized,
  dispute: composeDispute,
  'financial-assistance': composeFinancialAssistance,
  'billing-hold': composeBillingHold,
  settlement: composeSettlement,
  'gfe-dispute': composeGfeDispute,
  'debt-validation': composeDebtValidation,
};

/**
 * Composes one letter of `kind` from a report, a profile and the facts book. Pure and
 * deterministic: the same inputs give the same letter. Throws {@link UsageError} (exit 2) when
 * the profile lacks the sender or recipient, when the report has errors, or when the report
 * does not support the kind (nothing to dispute, no Good Faith Estimate finding, no benchmark
 * for a settlement, an offer above the corrected balance); throws RangeError for a date that
 * is not ISO, and {@link RulesError} when the facts file lacks a fact or template a letter cites.
 */
export function composeLetter(kind: LetterKind, report: Report, profile: Profile, facts: FactBook, options: ComposeOptions): Letter {
  for (const [name, d] of [['date', options.date], ['noticeReceived', options.noticeReceived], ['validationEnds', options.validationEnds]] as const) {
    if (d !== undefined && !isIsoDate(d)) throw new RangeError(`compose: ${name} is not an ISO date: "${d}"`);
  }
  assertUsable(report);
  const missing = missingProfileFields(profile, kind);
  if (missing.length > 0) throw new UsageError(`the ${kind} letter needs ${missing.join(', ')} (or a --profile FILE with them)`);
  const sender = completeParty(profile.sender) as Party;
  const recipient = completeParty(profile[recipientRole(kind)]) as Party;
  const hospital = profile.hospital ?? report.input.provider?.name ?? (kind === 'debt-validation' ? 'the provider' : 'the hospital');
  const { from, to } = datesOf(report);
  const ctx: Context = {
    report,
    profile,
    sender,
    recipient,
    hospital,
    accountNote: profile.account && kind !== 'debt-validation' ? ` (account ${profile.account})` : '',
    datesNote: from && to ? (from === to ? ` on ${longDate(from)}` : ` from ${longDate(from)} to ${longDate(to)}`) : '',
    options,
  };
  const w = new Writer(facts);
  COMPOSERS[kind](w, ctx);
  w.finishSources();
  if (!profile.account && kind !== 'debt-validation') w.notes.push('No account number was given (--account or the profile\'s account): add it so that the billing office can find the bill.');
  if (!profile.hospital && !report.input.provider?.name) w.notes.push(`The letter calls the provider "${hospital}": give --hospital NAME (or the profile's hospital) to name it.`);
  return {
    kind,
    title: SUBJECTS[kind],
    date: options.date,
    sender,
    recipient,
    subject: SUBJECTS[kind],
    reference: reference(ctx, kind),
    salutation: `Dear ${recipient.name}:`,
    body: w.body,
    closing: 'Sincerely,',
    signature: sender.name,
    sources: w.sources,
    deadlines: w.deadlines,
    facts: w.facts,
    notes: w.notes,
  };
}
