/**
 * The negotiation plan: the report's next steps as a structured plan built from one bill's
 * findings and facts. Pure: no I/O, no clock; dates come from the bill. Every legal or
 * financial statement comes from the facts book (rules/tables/facts.yaml, checked against
 * shared/reference/rights.md); the offer range is anchored only on benchmarks present in the
 * report (amounts the user read from the hospital's price file, its FAP or Medicare, and the
 * Good Faith Estimate), never on a rule-of-thumb share of the bill (rights.md (k): no source
 * supports one).
 */
import type { BillFacts } from './bill/schema.js';
import { formatCents } from './bill/values.js';
import { addDays } from './dates.js';
import type { FactBook } from './facts.js';
import type { Finding, Plan, PlanStep, Prices } from './report.js';

/**
 * What the user tells the plan beyond the bill, each read from a document (all optional):
 * the bill's total at Medicare rates and the hospital's discounted cash price for the same
 * services (cents), the AGB percentage its FAP states (26 CFR 1.501(r)-5), and a billing
 * advocate's fee as a percent of savings.
 */
export interface PlanOptions {
  medicareCents?: number;
  cashPriceCents?: number;
  agbPercent?: number;
  advocateFeePercent?: number;
}

/** Everything {@link buildPlan} reads: the audit's findings and totals, the bill's facts, the facts book. */
export interface PlanInput {
  findings: Finding[];
  facts: BillFacts;
  chargesCents: number;
  balanceCents: number;
  /** What the correction requests would remove, each line counted once (errors and warnings, billing-error categories). */
  correctionsCents: number;
  /** Distinct providers on the bill (rendering NPIs; 1 when the lines name none). */
  providers: number;
  /** "(give --x)" hints of checks that could not run. */
  missing: string[];
  /** True when some lines were not checked for want of CMS's full NCCI tables (medbill data import). */
  importData?: boolean;
  factBook: FactBook;
  options?: PlanOptions;
  /** The price comparison of the bill (the price-outlier rules): benchmark totals become offer anchors. */
  prices?: Prices;
}

/** Finding categories that are billing errors to correct (the others are rights, prices or reviews). */
export const CORRECTION_CATEGORIES: ReadonlySet<string> = new Set(['duplicate', 'unbundling', 'add-on', 'units', 'date', 'routine-supply', 'arithmetic']);

/**
 * True for a finding the plan asks to correct: a billing error (not a review, not one the user
 * marked unsure) with an amount at stake.
 */
export function isCorrection(f: Finding): boolean {
  return f.severity !== 'info' && f.decision !== 'unsure' && CORRECTION_CATEGORIES.has(f.category) && f.amountAtStakeCents > 0;
}

/**
 * True for a line finding the plan and letters ask about rather than dispute: a coding review
 * (upcoding), an informational finding, or one the user marked unsure.
 */
export function isReview(f: Finding): boolean {
  return f.lines.length > 0 && f.category !== 'price' && (f.category === 'upcoding' || f.severity === 'info' || f.decision === 'unsure');
}

const plural = (n: number, word: string) => `${word}${n === 1 ? '' : 's'}`;
const lineList = (ls: number[]) => `${plural(ls.length, 'line')} ${ls.join(', ')}`;
const firstLines = (fs: Finding[]) => [...new Set(fs.map((f) => f.lines[0]).filter((l): l is number => l !== undefined))].sort((a, b) => a - b);

/** The state's charity-care fact id (`charity-care-ca`), when the facts book has one. */
export function charityCareFactId(state: string | undefined, book: FactBook): string | undefined {
  if (!state) return undefined;
  const id = `charity-care-${state.toLowerCase()}`;
  return book.has(id) ? id : undefined;
}

function offerOf(input: PlanInput, correctedCents: number): Plan['offer'] {
  const { options = {}, facts, factBook } = input;
  const anchors: Plan['offer']['anchors'] = [];
  if (options.medicareCents !== undefined) anchors.push({ kind: 'medicare', amountCents: options.medicareCents, source: 'the Medicare amount for these services, as given (--medicare-amount)' });
  if (options.cashPriceCents !== undefined) {
    anchors.push({ kind: 'cash-price', amountCents: options.cashPriceCents, source: "the hospital's discounted cash price for these services, as given (--cash-price) from its price file" });
  }
  if (options.agbPercent !== undefined) {
    const gross = Math.max(0, input.chargesCents - input.correctionsCents);
    anchors.push({
      kind: 'agb',
      amountCents: Math.round((gross * options.agbPercent) / 100),
      source: `amounts generally billed (AGB): ${options.agbPercent}% of the corrected gross charges ${formatCents(gross)}, the AGB percentage given (--agb-percent) from the hospital's FAP`,
    });
  }
  // Benchmarks found by the price comparison, where the user gave none of that kind: the
  // benchmark total of the lines it covers plus the billed charges of the lines it does not.
  // Only where the patient pays the price itself (self-pay, uninsured, or out of network without
  // balance-billing protection): an insured patient's share follows the plan's terms, not the price.
  const paysPrice = facts.insurance === 'uninsured' || facts.insurance === 'self-pay' || (facts.insurance === 'out-of-network' && !input.findings.some((f) => f.kind === 'balance-billing' && f.severity !== 'info'));
  const chargeLines = input.prices?.lines.length ?? 0;
  for (const t of paysPrice ? (input.prices?.totals ?? []) : []) {
    const kind = t.kind === 'medicare' ? 'medicare' : t.kind === 'cash-price' ? 'cash-price' : t.kind === 'negotiated-rate' ? 'negotiated' : undefined;
    if (!kind || anchors.some((a) => a.kind === kind)) continue;
    const rest = Math.max(0, input.chargesCents - t.chargesCents);
    const what = { medicare: 'the Medicare amount', 'cash-price': "the hospital's discounted cash price", negotiated: 'the negotiated rate' }[kind];
    const covered = t.lines === chargeLines && rest === 0 ? `${what} for the services (${formatCents(t.amountCents)})` : `${what} for ${t.lines} of the bill's ${chargeLines} priced lines (${formatCents(t.amountCents)}) plus the billed charges of the rest (${formatCents(rest)})`;
    anchors.push({ kind, amountCents: t.amountCents + rest, source: `${covered}, from medbill's price comparison (see the fair-price column)` });
  }
  const wholeGfe = (facts.gfe ?? []).filter((g) => g.provider === undefined).reduce((s, g) => s + g.amountCents, 0);
  if (wholeGfe > 0) anchors.push({ kind: 'gfe', amountCents: wholeGfe, source: 'the Good Faith Estimate, as given (--gfe)' });
  const writing = factBook.get('settlement-in-writing');
  if (correctedCents <= 0) {
    return { status: 'nothing-owed', balanceCents: 0, anchors, text: 'Once the corrections are made, nothing is left to pay on this bill by these figures; ask for a statement showing a zero balance.', facts: [] };
  }
  if (anchors.length === 0 && !paysPrice && (input.prices?.totals.length ?? 0) > 0) {
    // The fair-price table has benchmarks, but they are the patient's price only without coverage.
    const whose =
      facts.insurance === undefined
        ? 'whether they are your price depends on your coverage, which medbill was not told: if you are uninsured or paying yourself, re-run with --insurance uninsured or --insurance self-pay for an offer range anchored on them'
        : "with insurance your share follows your plan's terms rather than the price, so medbill suggests no offer amount from them";
    return {
      status: 'no-benchmark',
      balanceCents: correctedCents,
      anchors,
      text: `The fair-price table above shows benchmarks for this bill's services, but ${whose}. ${writing.text}`,
      facts: [writing.id],
    };
  }
  if (anchors.length === 0) {
    return {
      status: 'no-benchmark',
      balanceCents: correctedCents,
      anchors,
      text:
        `The report holds no benchmark for this bill, so medbill suggests no offer amount (no published source supports a standard share of the bill to offer). ` +
        `Ask the hospital for its discounted cash price for these services and what Medicare would pay (or the AGB percentage in its FAP), ` +
        `then re-run with --cash-price, --medicare-amount or --agb-percent (or with the hospital's price file, --prices FILE) for an offer range. ${writing.text}`,
      facts: [writing.id],
    };
  }
  // Benchmarks are totals for the services; what was already paid or credited (payments,
  // adjustments, an insurer's payment) comes off them, so the offer is for the balance.
  const paid = Math.max(0, input.chargesCents - input.balanceCents);
  const due = (a: Plan['offer']['anchors'][number]) => Math.max(0, a.amountCents - paid);
  const sorted = [...anchors].sort((a, b) => a.amountCents - b.amountCents);
  const lowest = sorted[0] as (typeof sorted)[number];
  const highest = sorted[sorted.length - 1] as (typeof sorted)[number];
  const low = Math.min(due(lowest), correctedCents);
  const high = Math.min(due(highest), correctedCents);
  const name = (k: string) => ({ medicare: 'the Medicare amount', 'cash-price': 'the cash price', negotiated: 'the negotiated rate', agb: 'the AGB', gfe: 'the Good Faith Estimate' })[k] ?? k;
  const label = (a: (typeof sorted)[number]) => (paid > 0 ? `${name(a.kind)} ${formatCents(a.amountCents)} less ${formatCents(paid)} already paid or credited` : name(a.kind));
  let text: string;
  if (due(lowest) >= correctedCents) {
    text = `The benchmarks (${sorted.map((a) => `${name(a.kind)} ${formatCents(a.amountCents)}`).join(', ')}${paid > 0 ? `, less ${formatCents(paid)} already paid or credited` : ''}) are at or above the corrected balance of ${formatCents(correctedCents)}: pay no more than that balance.`;
  } else if (low === high) {
    text = `Offer ${formatCents(low)} (${label(lowest)}) against a corrected balance of ${formatCents(correctedCents)}.`;
  } else {
    text = `Open with ${formatCents(low)} (${label(lowest)}) and settle no higher than ${formatCents(high)} (${high === correctedCents && due(highest) > correctedCents ? 'the corrected balance' : label(highest)}), against a corrected balance of ${formatCents(correctedCents)}.`;
  }
  return { status: 'range', balanceCents: correctedCents, paidCents: paid, anchors, lowCents: low, highCents: high, text: `${text} ${writing.text}`, facts: [writing.id] };
}

/**
 * Builds the negotiation plan for one audited bill. Pure. Throws {@link RulesError} (from the
 * facts book) only when the shipped facts file lacks a fact the plan states.
 */
export function buildPlan(input: PlanInput): Plan {
  const { findings, facts, factBook } = input;
  const fact = (id: string) => factBook.get(id);
  const uninsured = facts.insurance === 'uninsured' || facts.insurance === 'self-pay';
  const steps: PlanStep[] = [];

  const corrections = findings.filter(isCorrection);
  const corrLines = firstLines(corrections);
  if (corrLines.length > 0) {
    steps.push({
      kind: 'corrections',
      text: `Ask the billing office (patient financial services) in writing to correct ${lineList(corrLines)} and to send a corrected itemized bill; ask them to hold the account while they review it.`,
      lines: corrLines,
      amountCents: input.correctionsCents,
      ruleIds: [...new Set(corrections.map((f) => f.ruleId))],
      facts: [],
    });
  }
  const reviews = findings.filter(isReview);
  const reviewLines = firstLines(reviews);
  if (reviewLines.length > 0) {
    steps.push({ kind: 'records', text: `Ask for the medical record behind ${lineList(reviewLines)} to check the level or service billed.`, lines: reviewLines, ruleIds: [...new Set(reviews.map((f) => f.ruleId))], facts: [] });
  }

  const balance = findings.filter((f) => f.category === 'surprise-billing' && f.kind === 'balance-billing' && f.severity !== 'info' && f.decision !== 'unsure');
  if (balance.length > 0) {
    steps.push({
      kind: 'balance-billing',
      text: `${fact('nsa-balance-billing').text} Ask the provider to rebill so that you owe only your in-network cost sharing, and ask your plan what that amount is (it is on the explanation of benefits). If they do not, call the No Surprises Help Desk (below).`,
      ruleIds: [...new Set(balance.map((f) => f.ruleId))],
      facts: ['nsa-balance-billing', 'no-surprises-help-desk'],
    });
  }
  for (const g of findings.filter((f) => f.kind === 'gfe-excess' && f.decision !== 'unsure')) {
    const e = g.evidence as { overCents?: number; deadline?: string; feeCents?: number };
    const by = e.deadline ? `by ${e.deadline}` : `within ${factBook.number('nsa-gfe-dispute', 'deadlineDays')} days of the date on the bill`;
    steps.push({
      kind: 'gfe-dispute',
      text: `Start patient-provider dispute resolution ${by} (fee ${formatCents(e.feeCents ?? factBook.number('nsa-gfe-dispute', 'feeCents'))}): the bill is ${formatCents(e.overCents ?? 0)} over the Good Faith Estimate. Tell the provider, and ask them to pause collection while it is pending. ${fact('nsa-gfe-dispute').text}`,
      ...(e.deadline ? { deadline: e.deadline } : {}),
      amountCents: g.amountAtStakeCents,
      ruleIds: [g.ruleId],
      facts: ['nsa-gfe-dispute'],
    });
  }

  const stateFact = charityCareFactId(facts.state, factBook);
  if (uninsured || facts.nonprofit === true || facts.billType === 'facility' || stateFact) {
    const parts = ['Ask for the financial assistance policy (FAP), its plain-language summary and the application, and apply before paying; ask that the account be held while the application is pending.'];
    const used: string[] = [];
    let deadline: string | undefined;
    if (facts.nonprofit === true) {
      parts.push(fact('fap-501r').text, fact('fap-501r-collections').text);
      used.push('fap-501r', 'fap-501r-collections');
      if (facts.statementDate) {
        const days = factBook.number('fap-501r-collections', 'applicationDays');
        deadline = addDays(facts.statementDate, days);
        parts.push(
          `Counted from the statement dated ${facts.statementDate}: no extraordinary collection action before ${addDays(facts.statementDate, factBook.number('fap-501r-collections', 'noEcaDays'))}; applications must be accepted at least until ${deadline}, so apply before then.`,
        );
      }
    } else if (facts.nonprofit === undefined) {
      parts.push('If the hospital is tax-exempt (nonprofit), federal rules apply: re-run with --nonprofit for them.');
    } else {
      parts.push(fact('fap-501r-scope').text);
      used.push('fap-501r-scope');
    }
    if (stateFact) {
      parts.push(`${fact(stateFact).text} (Run medbill assist --state ${facts.state} with your household size and income to see your level.)`);
      used.push(stateFact);
    }
    steps.push({ kind: 'financial-assistance', text: parts.join(' '), ...(deadline ? { deadline } : {}), facts: used });
  }

  if (uninsured) {
    steps.push({
      kind: 'self-pay-discount',
      text: `Ask for the self-pay (uninsured) discount and for the hospital's discounted cash price for these services. ${fact('price-transparency').text}`,
      facts: ['price-transparency'],
    });
  }
  if (uninsured || (facts.insurance === 'out-of-network' && balance.length === 0)) {
    // (An out-of-network bill under the balance-billing protections is settled by the step above, not by a rate.)
    steps.push({
      kind: 'rate',
      text: 'Ask to pay what an insurer would: the rate the hospital has negotiated with an insurer (its price file lists them by payer) or the Medicare rate for the same services.',
      facts: ['price-transparency'],
    });
  } else if (facts.insurance === 'in-network') {
    steps.push({ kind: 'rate', text: "Compare the balance with the patient responsibility on your plan's explanation of benefits (EOB) and ask the billing office about any difference.", facts: [] });
  } else if (facts.insurance === 'medicare' || facts.insurance === 'medicaid') {
    steps.push({ kind: 'rate', text: `Compare the balance with what ${facts.insurance === 'medicare' ? 'Medicare' : 'Medicaid'} says you owe. ${fact('nsa-scope').text}`, facts: ['nsa-scope'] });
  }

  const correctedCents = Math.max(0, input.balanceCents - input.correctionsCents);
  const offer = offerOf(input, correctedCents);
  steps.push({ kind: 'offer', text: offer.text, ...(offer.lowCents !== undefined ? { amountCents: offer.lowCents } : {}), facts: offer.facts });

  if (input.missing.length > 0) steps.push({ kind: 'missing-facts', text: `Some checks could not run: re-run with ${input.missing.join(', ')} to cover them.`, facts: [] });
  if (input.importData) {
    steps.push({ kind: 'import-data', text: "Some lines were not checked against CMS's full NCCI tables: download them from CMS and run medbill data import (see the README, CMS edit data).", facts: [] });
  }
  if (corrLines.length === 0 && reviewLines.length === 0) {
    steps.unshift({ kind: 'no-findings', text: 'No billing errors were found by these rules; lines listed as not checked were not covered by any rule.', facts: [] });
  }

  // Billing advocate: worth considering when the case is more than a letter can settle:
  // several providers, a record review, a dispute involving the plan or a formal process. No
  // dollar threshold is used (none is sourced); the fee math uses the user's own percentage.
  const reasons: string[] = [];
  if (input.providers > 1) reasons.push(`several providers bill on it (${input.providers} rendering NPIs)`);
  if (reviewLines.length > 0) reasons.push(`the coding review of ${lineList(reviewLines)} needs the medical record read`);
  if (balance.length > 0) reasons.push('the balance-billing question involves your plan as well as the provider');
  if (findings.some((f) => f.kind === 'gfe-excess')) reasons.push('a patient-provider dispute has a deadline and a formal process');
  const potential = Math.max(0, input.balanceCents - (offer.lowCents ?? correctedCents));
  const fee = input.options?.advocateFeePercent;
  const advFact = fact('advocate-fees');
  let advText =
    reasons.length > 0
      ? `A billing advocate may be worth it here: ${reasons.join('; ')}. The larger the bill and the more providers involved, the more an advocate can be worth.`
      : 'You can likely handle this bill yourself with the steps above; a billing advocate is worth more for large bills and bills from several providers.';
  const advocate: Plan['advocate'] = { consider: reasons.length > 0, reasons, potentialSavingsCents: potential, text: '', facts: [advFact.id] };
  if (fee !== undefined) {
    const feeCents = Math.round((potential * fee) / 100);
    advocate.feePercent = fee;
    advocate.feeCents = feeCents;
    advText += ` At the fee you gave (${fee}% of savings), an advocate who obtained all ${formatCents(potential)} of the potential savings on this bill would cost ${formatCents(feeCents)}, leaving you ${formatCents(potential - feeCents)}.`;
  } else {
    advText += ' Give --advocate-fee PERCENT (a share-of-savings fee you were quoted) to see what it would cost on this bill.';
  }
  advocate.text = `${advText} ${advFact.text}`;

  const credit: Plan['credit'] = [];
  for (const id of ['bureau-medical-debt-policies', 'bureau-policies-scope', 'cfpb-medical-debt-rule-vacated']) credit.push({ text: fact(id).text, fact: id });
  const stateLaw = facts.state ? fact('state-medical-debt-reporting-laws').rows?.find((r) => r.state === facts.state) : undefined;
  if (stateLaw) {
    credit.push({ text: `${facts.state} law also restricts reporting of medical debt (enacted ${stateLaw.year}, ${stateLaw.law}). ${fact('state-medical-debt-reporting-laws').text}`, fact: 'state-medical-debt-reporting-laws' });
    credit.push({ text: fact('cfpb-preemption-interpretive-rule').text, fact: 'cfpb-preemption-interpretive-rule' });
  }
  credit.push({ text: `If a debt collector contacts you: ${fact('fdcpa-validation-period').text}`, fact: 'fdcpa-validation-period' });

  const help: Plan['help'] = [];
  if (balance.length > 0 || findings.some((f) => f.kind === 'gfe-excess') || facts.insurance === 'out-of-network') help.push({ text: fact('no-surprises-help-desk').text, fact: 'no-surprises-help-desk' });
  help.push({ text: fact('patient-advocate-foundation').text, fact: 'patient-advocate-foundation' });

  return {
    contact: {
      who: 'patient financial services or a financial counselor',
      avoid: 'the general billing line',
      text: 'Call the hospital\'s patient financial services office and ask for a financial counselor, not the general billing line; note the date, the name and what was said on every call, and confirm requests in writing.',
    },
    steps,
    offer,
    advocate,
    credit,
    help,
  };
}
