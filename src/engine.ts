/**
 * The audit engine: `audit(bill, ruleSet, context) → Report`. Pure: no I/O, no clock. It
 * infers missing bill facts, runs each rule that applies to the bill, dresses the kinds'
 * finding drafts with the rule's metadata, sorts findings deterministically, computes the
 * coverage of every line (flagged, passed, or not checked and why) and the totals, where a
 * line hit by several rules is counted once (rule catalogue §1, "No double counting"), and
 * builds the negotiation plan (src/plan.ts) from the findings and the facts book.
 */
import { inferFacts } from './bill/infer.js';
import { billTotals } from './bill/totals.js';
import type { Bill, BillFacts, BillLine } from './bill/schema.js';
import { formatCents } from './bill/values.js';
import type { CheckOutput, DataUse, FindingDraft, ReferenceData } from './checks/types.js';
import type { Problem } from './errors.js';
import type { LoadedRule, RuleSet } from './rules/loader.js';
import { severityRank, type Severity } from './rules/schema.js';
import { buildPlan, isCorrection, type PlanOptions } from './plan.js';
import { findingKey } from './finding-key.js';
import type { Finding, LinePrice, Prices, Report } from './report.js';
import { REPORT_SCHEMA_VERSION } from './report-version.js';

/**
 * What the engine needs besides the bill and rules: the tool version printed in the report,
 * and reference data already fetched for this bill (see {@link ReferenceData}).
 */
export interface AuditContext {
  version: string;
  reference?: ReferenceData;
  /** What the negotiation plan needs beyond the bill: benchmarks and an advocate's fee the user gave (see {@link PlanOptions}). */
  plan?: PlanOptions;
  /** The user's decisions on findings (`--dismiss`, `--unsure`, the interactive review); see {@link FindingDecisions}. */
  decisions?: FindingDecisions;
}

/**
 * The user's decisions on findings, by key (`rule-id:LINE`, or a rule id for all of that rule's
 * findings; see {@link findingKey}): `dismiss` leaves a finding out of the findings, totals,
 * plan and letters (listed in `report.dismissed`); `unsure` keeps it but marks it
 * `decision: "unsure"`, so the plan and letters ask about its lines instead of disputing them.
 */
export interface FindingDecisions {
  dismiss: string[];
  unsure: string[];
}

/**
 * Applies the user's decisions to sorted findings. Pure. Keys that match no finding are
 * returned as warnings naming the option, so a typo is not silently ignored.
 */
export function applyDecisions(findings: Finding[], d: FindingDecisions | undefined): { kept: Finding[]; dismissed: NonNullable<Report['dismissed']>; warnings: string[] } {
  if (!d || (d.dismiss.length === 0 && d.unsure.length === 0)) return { kept: findings, dismissed: [], warnings: [] };
  const matches = (keys: string[], f: Finding) => keys.some((k) => k === f.ruleId || k === findingKey(f));
  const kept: Finding[] = [];
  const dismissed: NonNullable<Report['dismissed']> = [];
  for (const f of findings) {
    if (matches(d.dismiss, f)) dismissed.push({ key: findingKey(f), ruleId: f.ruleId, title: f.title, lines: f.lines, amountAtStakeCents: f.amountAtStakeCents });
    else kept.push(matches(d.unsure, f) ? { ...f, decision: 'unsure' } : f);
  }
  const warnings: string[] = [];
  for (const [option, keys] of [['--dismiss', d.dismiss], ['--unsure', d.unsure]] as const) {
    for (const k of keys) {
      if (!findings.some((f) => k === f.ruleId || k === findingKey(f))) warnings.push(`${option} ${k}: no finding with this key on this bill (keys are rule-id:LINE such as duplicate-line:9, or a rule id)`);
    }
  }
  return { kept, dismissed, warnings };
}

const FACT_HINT: Record<string, string> = {
  billType: 'give --bill-type facility|professional',
  encounter: 'give --encounter emergency|inpatient|outpatient|office',
  insurance: 'give --insurance',
  facilityNetwork: 'give --facility-network in-network|out-of-network',
  nonprofit: 'give --nonprofit or --no-nonprofit',
};

const APPLIES_KEYS = ['billType', 'encounter', 'insurance', 'facilityNetwork', 'nonprofit'] as const;

/** Whether a rule applies to a bill with these facts: yes, no (with why), or unknown (a gap, with the missing fact). */
function applicability(rule: LoadedRule, facts: BillFacts): { applies: true } | { applies: false; why: string } | { applies: 'unknown'; missing: string } {
  const a = rule.def.appliesTo;
  if (!a) return { applies: true };
  for (const key of APPLIES_KEYS) {
    const allowed = a[key] as Array<string | boolean> | undefined;
    if (!allowed) continue;
    const value = facts[key];
    if (value === undefined) return { applies: 'unknown', missing: key };
    if (!allowed.includes(value)) return { applies: false, why: `applies to ${key} ${allowed.join(' or ')}; this bill is ${String(value)}` };
  }
  return { applies: true };
}

function itemOf(l: BillLine): string {
  if (l.code) return l.code;
  const parts = [l.revenueCode ? `rev ${l.revenueCode}` : '', l.description ? `"${l.description}"` : ''].filter(Boolean);
  return parts.join(' ') || `line ${l.line}`;
}

function render(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{([A-Za-z][A-Za-z0-9]*)\}/g, (_, k: string) => (values[k] !== undefined ? String(values[k]) : `{${k}}`));
}

function lowerOf(a: Severity, b: Severity | undefined): Severity {
  if (!b) return a;
  return severityRank(b) < severityRank(a) ? b : a;
}

function dress(rule: LoadedRule, draft: FindingDraft, byLine: Map<number, BillLine>): Finding {
  const first = draft.lines[0] !== undefined ? byLine.get(draft.lines[0]) : undefined;
  const common: Record<string, string | number> = { amount: formatCents(draft.amountAtStakeCents) };
  if (first) {
    Object.assign(common, {
      line: first.line,
      date: first.dateOfService ?? 'no date',
      code: first.code ?? first.revenueCode ?? '',
      revenueCode: first.revenueCode ?? '',
      item: itemOf(first),
      description: first.description ?? '',
      charge: formatCents(first.chargeCents),
      units: first.units ?? 1,
    });
  }
  let message = render(rule.def.message, { ...common, ...(draft.values ?? {}) });
  if (draft.note) message += ` ${draft.note}`;
  const finding: Finding = {
    ruleId: rule.id,
    kind: rule.kind.name,
    category: rule.def.category,
    severity: lowerOf(rule.def.severity, draft.severity),
    confidence: draft.confidence ?? rule.def.confidence,
    title: rule.def.title,
    message,
    lines: draft.lines,
    // What disputing a line can remove is at most what the line charges.
    amountAtStakeCents: Math.max(0, Math.min(Math.round(draft.amountAtStakeCents), first ? Math.max(0, first.chargeCents) : Number.MAX_SAFE_INTEGER)),
    evidence: draft.evidence ?? {},
    references: rule.def.docs.references,
  };
  if (first) {
    finding.subject = { line: first.line, modifiers: first.modifiers, chargeCents: first.chargeCents };
    if (first.source.row !== undefined) finding.subject.row = first.source.row;
    if (first.dateOfService) finding.subject.dateOfService = first.dateOfService;
    if (first.code) finding.subject.code = first.code;
    if (first.revenueCode) finding.subject.revenueCode = first.revenueCode;
    if (first.units !== undefined) finding.subject.units = first.units;
    if (first.description) finding.subject.description = first.description;
  }
  return finding;
}

/** The report's warnings: the bill's own, then one per decision warning (its message). */
function withDecisionWarnings(own: Bill['warnings'], decisions: string[]): Report['warnings'] {
  const out: Report['warnings'] = own.slice();
  for (const message of decisions) out.push({ message });
  return out;
}

function countDistinct(ns: number[]): number {
  for (let i = 1; i < ns.length; i++) if ((ns[i] as number) <= (ns[i - 1] as number)) return new Set(ns).size;
  return ns.length;
}

type DataEntry = Report['coverage']['data'][number] & { file?: string };
const tablesCache = new WeakMap<RuleSet, DataEntry[]>();
/** The rule pack's tables as report data entries (with their file, for filtering), computed once per rule set. */
function tablesOf(ruleSet: RuleSet): DataEntry[] {
  let t = tablesCache.get(ruleSet);
  if (!t) {
    t = ruleSet.tables.files().map((f) => ({ kind: 'curated', name: f.replace(/^.*\/(rules\/)?tables\//, 'tables/'), source: 'medbill rule pack (each row names its source)', file: f }));
    t.push({ kind: 'facts', name: 'tables/facts.yaml', source: 'the facts medbill may state, checked against shared/reference/rights.md (each fact names its source)', rows: ruleSet.facts.all().length, digest: ruleSet.facts.digest });
    tablesCache.set(ruleSet, t);
  }
  return t;
}

/** Deterministic order: severity (error first), then bill-level last, first line, rule id, lines. */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    severityRank(b.severity) - severityRank(a.severity) ||
    (a.lines[0] ?? Number.MAX_SAFE_INTEGER) - (b.lines[0] ?? Number.MAX_SAFE_INTEGER) ||
    (a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : 0) ||
    a.lines.join(',').localeCompare(b.lines.join(','))
  );
}

/**
 * Total at stake: per disputed line the largest amount among the findings that dispute it
 * (capped at the line's charge), plus bill-level findings. Also split by the severity of the
 * finding that gave each line its amount.
 */
export function amountAtStake(findings: Finding[], byLine: Map<number, BillLine>): { total: number; bySeverity: Record<Severity, number> } {
  const best = new Map<number, Finding>();
  const bySeverity: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  let total = 0;
  for (const f of findings) {
    const first = f.lines[0];
    if (first === undefined) {
      total += f.amountAtStakeCents;
      bySeverity[f.severity] += f.amountAtStakeCents;
      continue;
    }
    const prev = best.get(first);
    if (!prev || f.amountAtStakeCents > prev.amountAtStakeCents || (f.amountAtStakeCents === prev.amountAtStakeCents && severityRank(f.severity) > severityRank(prev.severity))) {
      best.set(first, f);
    }
  }
  for (const [line, f] of best) {
    const cap = byLine.get(line)?.chargeCents ?? f.amountAtStakeCents;
    const amount = Math.min(f.amountAtStakeCents, Math.max(0, cap));
    total += amount;
    bySeverity[f.severity] += amount;
  }
  return { total, bySeverity };
}

/**
 * The options that would let checks run that could not: the "(give --x)" part of each gap
 * reason, once each, in the order first seen.
 */
function missingHints(gaps: Map<string, number[]>): string[] {
  const missing: string[] = [];
  for (const reason of gaps.keys()) {
    for (const m of reason.matchAll(/\(give ([^)]+)\)/g)) {
      const hint = (m[1] as string).trim();
      if (!missing.includes(hint)) missing.push(hint);
    }
  }
  return missing;
}

/**
 * Audits one bill with a rule set. Pure and deterministic: the same bill and rules always
 * give the same report. Errors inside a check kind become report `errors` (code INTERNAL)
 * rather than exceptions, so one broken rule does not hide the others' findings.
 */
export function audit(bill: Bill, ruleSet: RuleSet, context: AuditContext): Report {
  const facts = inferFacts(bill, ruleSet.tables);
  const charges = bill.lines.filter((l) => l.type === 'charge' && l.reversedBy === undefined);
  const byLine = new Map<number, BillLine>();
  for (const l of bill.lines) if (!byLine.has(l.line)) byLine.set(l.line, l);
  const findings: Finding[] = [];
  const errors: Problem[] = [];
  const checked = new Set<number>();
  const allGaps = new Map<string, number[]>();
  const ruleCoverage: Report['coverage']['rules'] = [];
  let rulesRun = 0;
  const dataUsed = new Map<string, DataUse>();
  const kindFiles = new Set<string>();
  const linePrices = new Map<number, LinePrice>();

  for (const rule of ruleSet.rules) {
    const app = applicability(rule, facts);
    if (app.applies === false) {
      ruleCoverage.push({ ruleId: rule.id, applied: false, notApplied: app.why, checked: 0, gaps: [] });
      continue;
    }
    rulesRun++;
    const scoped = rule.where ? charges.filter(rule.where) : charges;
    let out: CheckOutput;
    if (app.applies === 'unknown') {
      const reason = `${app.missing} unknown (${FACT_HINT[app.missing] ?? `give ${app.missing}`})`;
      // A bill-level rule's gap is the bill's, not every line's.
      const lines = rule.kind.scope === 'bill' ? [] : scoped.map((l) => l.line);
      out = { findings: [], checked: [], gaps: scoped.length > 0 || rule.kind.scope === 'bill' ? [{ lines, reason }] : [] };
    } else {
      try {
        const unless = rule.unless;
        out = rule.kind.run({ bill, facts, lines: scoped, charges, exempt: unless ? (l) => unless(l) : () => false, options: rule.options, reference: context.reference ?? {} });
      } catch (err) {
        errors.push({ code: 'INTERNAL', message: `rule ${rule.id} failed: ${(err as Error).message}`, location: { file: rule.file } });
        ruleCoverage.push({ ruleId: rule.id, applied: false, notApplied: 'failed (see errors)', checked: 0, gaps: [] });
        continue;
      }
    }
    for (const f of out.tableFiles ?? []) kindFiles.add(f);
    if (out.notApplied !== undefined) {
      ruleCoverage.push({ ruleId: rule.id, applied: false, notApplied: out.notApplied, checked: 0, gaps: [] });
      continue;
    }
    for (const d of out.data ?? []) dataUsed.set(`${d.kind}|${d.name}|${d.period ?? ''}`, d);
    for (const p of out.prices ?? []) mergeLinePrice(linePrices, p);
    for (const d of out.findings) findings.push(dress(rule, d, byLine));
    for (const n of out.checked) checked.add(n);
    for (const g of out.gaps) {
      const reason = `${rule.id}: ${g.reason}`;
      const list = allGaps.get(reason);
      if (list) list.push(...g.lines);
      else allGaps.set(reason, [...g.lines]);
    }
    // Rules that ran and checked every line they concern are counted, not listed.
    if (out.gaps.length > 0 || app.applies !== true) {
      ruleCoverage.push({ ruleId: rule.id, applied: app.applies === true, checked: countDistinct(out.checked), gaps: out.gaps.map((g) => ({ reason: g.reason, lines: g.lines })) });
    }
  }
  findings.sort(compareFindings);
  const decided = applyDecisions(findings, context.decisions);
  if (decided.kept !== findings) findings.splice(0, findings.length, ...decided.kept);

  // Plain loops rather than map/filter chains here and below: in a worker thread, V8 kept
  // deoptimizing this function at those chains (hundreds of times a run), which made
  // --jobs 2 slower than --jobs 1.
  const flaggedLines = new Set<number>();
  for (const f of findings) if (f.lines[0] !== undefined) flaggedLines.add(f.lines[0]);
  const notCheckedLines: Report['coverage']['notCheckedLines'] = [];
  let passed = 0;
  for (const l of charges) {
    if (flaggedLines.has(l.line)) continue;
    if (checked.has(l.line)) {
      passed++;
      continue;
    }
    const reasons: string[] = [];
    for (const [reason, lines] of allGaps) if (lines.includes(l.line)) reasons.push(reason);
    notCheckedLines.push({ line: l.line, reasons: reasons.length > 0 ? reasons.sort() : ['no rule covers this line'] });
  }
  const flagged = charges.filter((l) => flaggedLines.has(l.line)).length;

  const totals = billTotals(bill);
  const { chargesCents, paymentsCents, adjustmentsCents } = totals;
  // Price findings are information for negotiation, not billing errors: not counted as at stake.
  const stake = amountAtStake(findings.filter((f) => f.category !== 'price'), byLine);
  const prices = linePrices.size > 0 ? pricesOf([...linePrices.values()].sort((a, b) => a.line - b.line)) : undefined;
  const count = (s: Severity) => findings.filter((f) => f.severity === s).length;

  const factsOut: Report['input']['facts'] = {};
  for (const key of ['billType', 'insurance', 'encounter', 'admissionDate', 'dischargeDate', 'statementDate', 'nonprofit', 'diagnoses', 'facilityNetwork', 'state', 'gfe'] as const) {
    const value = facts[key];
    const origin = facts.origins[key];
    if (value === undefined || (Array.isArray(value) && value.length === 0)) continue;
    (factsOut as Record<string, unknown>)[key] = { value, origin: origin?.origin ?? 'file', ...(origin?.note ? { note: origin.note } : {}) };
  }
  // Pack tables, except those a table-driven kind accounts for (it lists the data it used instead).
  const tablesUsed: Report['coverage']['data'] = tablesOf(ruleSet)
    .filter((t) => !kindFiles.has(t.file ?? ''))
    .map(({ file: _file, ...t }) => t);
  for (const d of [...dataUsed.values()].sort((a, b) => (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : (a.period ?? '') < (b.period ?? '') ? -1 : 1))) {
    const { file: _file, ...entry } = d;
    tablesUsed.push(entry);
  }
  const corrections = amountAtStake(findings.filter(isCorrection), byLine).total;
  const npis = new Set<string>();
  for (const l of charges) if (l.renderingNpi !== undefined) npis.add(l.renderingNpi);
  const providers = npis.size || 1;
  const plan = buildPlan({
    findings,
    facts,
    chargesCents,
    balanceCents: totals.balanceCents,
    correctionsCents: corrections,
    providers,
    missing: missingHints(allGaps),
    importData: [...allGaps.keys()].some((reason) => reason.includes('medbill data import')),
    factBook: ruleSet.facts,
    ...(context.plan ? { options: context.plan } : {}),
    ...(prices ? { prices } : {}),
  });

  const report: Report = {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: { name: 'medbill', version: context.version, rules: { digest: ruleSet.digest, count: ruleSet.rules.length, packs: ruleSet.packs } },
    input: {
      path: bill.source.path,
      format: bill.source.format,
      lineCount: bill.lines.length,
      chargesCents,
      paymentsCents,
      adjustmentsCents,
      facts: factsOut,
      statedTotals: bill.statedTotals.map((t) => ({ kind: t.kind, label: t.label, amountCents: t.amountCents })),
      columns: bill.columns,
    },
    findings,
    coverage: {
      lines: charges.length,
      flagged,
      passed,
      notChecked: notCheckedLines.length,
      notCheckedLines,
      rulesRun,
      rules: ruleCoverage,
      data: tablesUsed,
    },
    errors,
    warnings: withDecisionWarnings(bill.warnings, decided.warnings),
    summary: {
      findings: { error: count('error'), warning: count('warning'), info: count('info') },
      amountAtStakeCents: stake.total,
      amountAtStakeBySeverityCents: stake.bySeverity,
      chargesCents,
      paymentsCents,
      adjustmentsCents,
      insurancePaidCents: totals.insurancePaidCents,
      balanceCents: totals.balanceCents,
      nextSteps: [plan.contact.text, ...plan.steps.map((st) => st.text)],
      plan,
    },
  };
  if (bill.source.claim !== undefined) report.input.claim = bill.source.claim;
  if (bill.provider.name || bill.provider.npi) report.input.provider = bill.provider;
  if (decided.dismissed.length > 0) report.dismissed = decided.dismissed;
  if (prices) report.prices = prices;
  return report;
}

/** Merges one rule's benchmarks of a line into what other rules found for it (each kind once; a found benchmark wins over a reason). */
function mergeLinePrice(into: Map<number, LinePrice>, p: LinePrice): void {
  const have = into.get(p.line);
  if (!have) {
    into.set(p.line, { ...p, benchmarks: [...p.benchmarks], notAssessed: [...p.notAssessed] });
    return;
  }
  for (const b of p.benchmarks) if (!have.benchmarks.some((x) => x.kind === b.kind)) have.benchmarks.push(b);
  have.notAssessed = [...have.notAssessed, ...p.notAssessed].filter((n, i, all) => !have.benchmarks.some((b) => b.kind === n.kind) && all.findIndex((x) => x.kind === n.kind) === i);
}

/** The report's prices section: each line's benchmarks and, per kind, its total over the lines it covers. */
function pricesOf(lines: LinePrice[]): Prices {
  const order = ['medicare', 'cash-price', 'negotiated-rate', 'gross-charge'] as const;
  const totals: Prices['totals'] = [];
  for (const kind of order) {
    const covered = lines.filter((l) => l.benchmarks.some((b) => b.kind === kind));
    if (covered.length === 0) continue;
    totals.push({
      kind,
      lines: covered.length,
      chargesCents: covered.reduce((s, l) => s + l.chargeCents, 0),
      amountCents: covered.reduce((s, l) => s + (l.benchmarks.find((b) => b.kind === kind)?.amountCents ?? 0), 0),
    });
  }
  for (const l of lines) l.benchmarks.sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind));
  return {
    lines,
    totals,
    note: 'Benchmarks are information for negotiation, not findings of error. A line without a benchmark was not assessed: it is not called fair.',
  };
}

/** The report for an input that could not be audited: no findings, its errors, exit code 2. */
export function errorReport(path: string, errors: Problem[], ruleSet: RuleSet | undefined, context: AuditContext, claim?: string): Report {
  const report: Report = {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: { name: 'medbill', version: context.version, rules: { digest: ruleSet?.digest ?? '', count: ruleSet?.rules.length ?? 0, packs: ruleSet?.packs ?? [] } },
    input: { path, lineCount: 0, chargesCents: 0, paymentsCents: 0, adjustmentsCents: 0, facts: {}, statedTotals: [] },
    findings: [],
    coverage: { lines: 0, flagged: 0, passed: 0, notChecked: 0, notCheckedLines: [], rulesRun: 0, rules: [], data: [] },
    errors,
    warnings: [],
    summary: {
      findings: { error: 0, warning: 0, info: 0 },
      amountAtStakeCents: 0,
      amountAtStakeBySeverityCents: { error: 0, warning: 0, info: 0 },
      chargesCents: 0,
      paymentsCents: 0,
      adjustmentsCents: 0,
      insurancePaidCents: 0,
      balanceCents: 0,
      nextSteps: ['Fix the errors above and run the audit again: nothing was checked.'],
    },
  };
  if (claim !== undefined) report.input.claim = claim;
  return report;
}
