/**
 * The terminal report: findings grouped by severity, each with its line, date, code,
 * charge, why and source, then totals, coverage and next steps. Pure: `(report, options) →
 * string`. Colour comes from a chalk instance the caller configures (off when not a TTY or
 * when NO_COLOR is set).
 */
import { Chalk, type ChalkInstance } from 'chalk';
import { formatCents } from '../bill/values.js';
import type { Benchmark, Finding, Prices, Report } from '../report.js';
import type { Severity } from '../rules/schema.js';

/** Options of the text formatter. `color` is a chalk level (0 = none). */
export interface TextOptions {
  color?: 0 | 1 | 2 | 3;
  /** Terminal width for wrapping (default 100). */
  width?: number;
}

/**
 * Word-wraps `text` to `width` columns, each line starting with `indent`. Words longer than a
 * line stay whole.
 */
export function wrap(text: string, width: number, indent: string): string {
  const out: string[] = [];
  let line = '';
  for (const w of text.split(/\s+/)) {
    if (line && (indent + line + ' ' + w).length > width) {
      out.push(indent + line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) out.push(indent + line);
  return out.join('\n');
}

/** Replaces control characters (terminal escapes in a description) with U+FFFD. */
export function printable(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '\ufffd');
}

const HEADINGS: Record<Severity, string> = { error: 'Errors', warning: 'Warnings', info: 'For review' };
const MARKS: Record<Severity, string> = { error: '✖', warning: '▲', info: '•' };


function factLine(report: Report): string {
  const f = report.input.facts;
  const parts: string[] = [];
  if (f.billType) parts.push(`${f.billType.value} bill${f.billType.origin === 'inferred' ? ' (inferred)' : ''}`);
  if (f.encounter) parts.push(`${f.encounter.value}${f.encounter.origin === 'inferred' ? ' (inferred)' : ''}`);
  if (f.insurance) parts.push(f.insurance.value);
  if (f.admissionDate || f.dischargeDate) parts.push(`stay ${f.admissionDate?.value ?? '?'} to ${f.dischargeDate?.value ?? '?'}`);
  if (f.nonprofit?.value) parts.push('nonprofit hospital');
  if (f.diagnoses) parts.push(`dx ${f.diagnoses.value.join(', ')}`);
  return parts.join(' · ');
}

function subjectLine(f: Finding): string {
  const s = f.subject;
  if (!s) return 'whole bill';
  const code = s.code ?? (s.revenueCode ? `rev ${s.revenueCode}` : '');
  const mods = s.modifiers.length > 0 ? `-${s.modifiers.join('-')}` : '';
  const where = s.row !== undefined && s.row !== s.line + 1 ? `line ${s.line} (row ${s.row})` : `line ${s.line}`;
  const parts = [where, s.dateOfService ?? 'no date', `${code}${mods}`, s.description ? `"${printable(s.description)}"` : '', formatCents(s.chargeCents)];
  return parts.filter(Boolean).join(' · ');
}

function findingBlock(f: Finding, c: ChalkInstance, width: number): string {
  const color = f.severity === 'error' ? c.red : f.severity === 'warning' ? c.yellow : c.cyan;
  const stake =
    f.amountAtStakeCents > 0
      ? c.bold(`at stake ${formatCents(f.amountAtStakeCents)}`)
      : c.dim(f.category === 'surprise-billing' ? "amount depends on your plan's in-network cost sharing" : f.lines.length === 0 ? 'no amount claimed' : 'amount depends on the record');
  const related = f.lines.length > 1 ? c.dim(` (see line${f.lines.length > 2 ? 's' : ''} ${f.lines.slice(1).join(', ')})`) : '';
  return [
    `  ${color(MARKS[f.severity])} ${c.bold(subjectLine(f))}${related} — ${stake}${f.decision === 'unsure' ? c.dim(' (you are not sure: letters ask about it)') : ''}`,
    `    ${c.bold(f.title)} ${c.dim(`[${f.ruleId} · ${f.category} · ${f.confidence} confidence]`)}`,
    wrap(printable(f.message), width, '    '),
    c.dim(wrap(`Source: ${f.references[0] ?? 'see the rule'}`, width, '    ')),
  ].join('\n');
}

function rangeList(lines: number[]): string {
  const sorted = [...new Set(lines)].sort((a, b) => a - b);
  const out: string[] = [];
  let start = sorted[0];
  let prev = sorted[0];
  for (const n of [...sorted.slice(1), undefined]) {
    if (n !== undefined && prev !== undefined && n === prev + 1) {
      prev = n;
      continue;
    }
    if (start !== undefined) out.push(start === prev ? `${start}` : `${start}-${prev}`);
    start = n;
    prev = n;
  }
  return out.join(', ');
}

const BENCHMARK_LABEL: Record<Benchmark['kind'], string> = { medicare: 'Medicare', 'cash-price': 'cash price', 'gross-charge': 'gross charge', 'negotiated-rate': 'negotiated' };

/** A unit amount in dollars as the source gives it, with at least two decimals (`$4.00`, `$0.095`). */
function unitDollars(amount: string): string {
  const [int = '0', frac = ''] = amount.split('.');
  return `$${int.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${frac.padEnd(2, '0')}`;
}

/** A benchmark in the fair-price column: amount, kind and vintage (`$608.43 Medicare OPPS 2026Q1`). */
function benchmarkText(b: Benchmark, units: number): string {
  const per = units !== 1 ? ` (${units} × ${unitDollars(b.unitAmount)})` : '';
  const schedule = b.source.replace(/^CMS /, '').replace(/ \(.*$/, '').replace(/OPPS Addendum B/, 'OPPS').replace(/, .*$/, '');
  const payer = (b.detail ?? '').replace(/^(negotiated rate|median allowed amount) of /, '').replace(/, (row \d+|\/.*)$/, '').replace(/, plan /, ' ');
  const what = b.kind === 'medicare' ? `Medicare ${schedule}` : b.kind === 'negotiated-rate' ? `negotiated${/^median/.test(b.detail ?? '') ? ' median' : ''} (${payer})` : BENCHMARK_LABEL[b.kind];
  return `${formatCents(b.amountCents)}${per} ${what}`;
}

/**
 * The "fair price" table: each charge line's charge beside its benchmarks (or why it was not
 * assessed), then the bill's total beside its total at Medicare rates and the other benchmarks.
 */
function pricesBlock(p: Prices, c: ChalkInstance, width: number): string[] {
  const out: string[] = [c.bold('Fair prices'), c.dim(wrap(p.note, width, '  '))];
  const codeOf = (l: Prices['lines'][number]) => l.code ?? (l.revenueCode ? `rev ${l.revenueCode}` : '');
  const codeWidth = Math.max(4, ...p.lines.map((l) => codeOf(l).length));
  const chargeWidth = Math.max(6, ...p.lines.map((l) => formatCents(l.chargeCents).length), formatCents(p.lines.reduce((s, l) => s + l.chargeCents, 0)).length);
  const lead = (line: string, code: string, charge: string) => `  ${line.padEnd(5)} ${code.padEnd(codeWidth)}  ${charge.padStart(chargeWidth)}   `;
  const indent = ' '.repeat(lead('', '', '').length);
  out.push(c.dim(`${lead('line', 'code', 'charge')}fair price`));
  for (const l of p.lines) {
    const text = l.benchmarks.length > 0 ? l.benchmarks.map((b) => benchmarkText(b, l.units)).join(' · ') : `not assessed: ${(l.notAssessed.find((n) => n.kind === 'medicare') ?? l.notAssessed[0])?.reason.replace(/^(not assessed: )?/, '') ?? 'no benchmark'}`;
    const body = wrap(text, width, indent).slice(indent.length);
    out.push(`${lead(String(l.line), codeOf(l), formatCents(l.chargeCents))}${l.benchmarks.length > 0 ? body : c.dim(body)}`);
  }
  const total = p.lines.reduce((s, l) => s + l.chargeCents, 0);
  const totals = p.totals.map((t) => {
    const name = t.kind === 'medicare' ? 'at Medicare rates' : t.kind === 'cash-price' ? 'at the cash price' : t.kind === 'negotiated-rate' ? 'at the negotiated rate' : 'at the gross charge';
    const all = t.lines === p.lines.length;
    return `${formatCents(t.amountCents)} ${name}${all ? ` (all ${t.lines} lines)` : ` for ${t.lines} of ${p.lines.length} lines (billed ${formatCents(t.chargesCents)} for them)`}`;
  });
  if (totals.length === 0) totals.push('no line has a benchmark');
  totals.forEach((t, i) => out.push(`${i === 0 ? lead('Total', '', formatCents(total)) : indent}${wrap(t, width, indent).slice(indent.length)}`));
  return out;
}

/** Renders one report as terminal text. */
export function formatText(report: Report, options: TextOptions = {}): string {
  const c = new Chalk({ level: options.color ?? 0 });
  const width = Math.max(60, Math.min(options.width ?? 100, 140));
  const out: string[] = [];
  const title = `${report.input.path}${report.input.claim !== undefined ? ` — claim ${report.input.claim}` : ''}`;
  out.push(c.bold(`medbill audit: ${title}`));
  if (report.errors.length > 0 && report.coverage.lines === 0) {
    out.push(c.red('  Not audited: the input could not be read (see the errors on stderr).'));
    for (const e of report.errors) out.push(wrap(`${e.code}: ${e.message}`, width, '  '));
    return out.join('\n') + '\n';
  }
  const facts = factLine(report);
  if (facts) out.push(c.dim(`  ${facts}`));
  for (const [key, fact] of Object.entries(report.input.facts)) {
    if (fact && typeof fact === 'object' && 'origin' in fact && fact.origin === 'inferred' && fact.note) out.push(c.dim(wrap(`${key} inferred: ${fact.note}`, width, '  ')));
  }
  for (const w of report.warnings) out.push(c.yellow(wrap(`note: ${w.message}`, width, '  ')));
  out.push('');
  if (report.findings.length === 0) out.push(c.green('  No findings.'));
  for (const sev of ['error', 'warning', 'info'] as const) {
    const list = report.findings.filter((f) => f.severity === sev);
    if (list.length === 0) continue;
    out.push(c.bold(`${HEADINGS[sev]} (${list.length})`));
    for (const f of list) out.push(findingBlock(f, c, width), '');
  }
  for (const e of report.errors) out.push(c.red(wrap(`error: ${e.message}`, width, '  ')));
  if (report.dismissed && report.dismissed.length > 0) {
    out.push(c.dim(wrap(`Dismissed by you (--dismiss): ${report.dismissed.map((d) => `${d.key} (${d.title}, ${formatCents(d.amountAtStakeCents)})`).join('; ')}`, width, '  ')), '');
  }
  if (report.prices) out.push(...pricesBlock(report.prices, c, width), '');

  const s = report.summary;
  const row = (label: string, value: string) => `  ${label.padEnd(16)}${value}`;
  out.push(c.bold('Totals'));
  out.push(row('Charges', formatCents(s.chargesCents)));
  if (s.paymentsCents !== 0) out.push(row('Payments', formatCents(s.paymentsCents)));
  if (s.adjustmentsCents !== 0) out.push(row('Adjustments', formatCents(s.adjustmentsCents)));
  if (s.insurancePaidCents !== 0) out.push(row('Insurance paid', formatCents(s.insurancePaidCents)));
  out.push(row('Balance', formatCents(s.balanceCents)));
  const by = s.amountAtStakeBySeverityCents;
  const split = [by.error ? `errors ${formatCents(by.error)}` : '', by.warning ? `warnings ${formatCents(by.warning)}` : '', by.info ? `review ${formatCents(by.info)}` : ''].filter(Boolean).join(', ');
  out.push(row('At stake', c.bold(formatCents(s.amountAtStakeCents)) + (split ? c.dim(`  (${split}; each line counted once)`) : '')));
  for (const t of report.input.statedTotals) out.push(row('Stated', `${t.label}: ${formatCents(t.amountCents)}`));
  const cov = report.coverage;
  out.push(row('Lines', `${cov.lines} charge line${cov.lines === 1 ? '' : 's'}: ${cov.flagged} flagged, ${cov.passed} passed, ${cov.notChecked} not checked by any rule`));
  for (const n of cov.notCheckedLines) out.push(c.dim(wrap(`line ${n.line} not checked: ${n.reasons.join('; ')}`, width, '    ')));
  const tables = cov.data.filter((d) => d.origin !== undefined);
  if (tables.length > 0) {
    const label = (d: (typeof tables)[number]) => `${d.kind}${d.period ? ` ${d.period}` : ''} (${d.origin === 'imported' ? 'imported' : 'medbill curated'})`;
    out.push(row('Tables', wrap(tables.map(label).join(', '), width - 18, ' '.repeat(18)).trimStart()));
  }
  const gaps = cov.rules.flatMap((r) => r.gaps.filter((g) => g.lines.length > 0).map((g) => ({ rule: r.ruleId, ...g })));
  if (gaps.length > 0) {
    out.push(c.dim('  Not checked by some rules:'));
    for (const g of gaps) out.push(c.dim(wrap(`${g.rule}: line${g.lines.length > 1 ? 's' : ''} ${rangeList(g.lines)} — ${g.reason}`, width, '    ')));
  }
  out.push('', c.bold('Next steps'));
  const plan = s.plan;
  if (!plan) {
    s.nextSteps.forEach((step, i) => out.push(wrap(`${i + 1}. ${step}`, width, '  ')));
    return out.join('\n') + '\n';
  }
  out.push(wrap(`Who to call: ${plan.contact.text}`, width, '  '));
  plan.steps.forEach((step, i) => out.push(wrap(`${i + 1}. ${step.text}`, width, '  ')));
  out.push(c.bold('  Billing advocate'), wrap(plan.advocate.text, width, '    '));
  out.push(c.bold('  Protect your credit'));
  for (const item of plan.credit) out.push(wrap(`- ${item.text}`, width, '    '));
  out.push(c.bold('  Free help'));
  for (const item of plan.help) out.push(wrap(`- ${item.text}`, width, '    '));
  out.push(c.dim(wrap('medbill is not legal advice. Its statements of law come from the facts listed by medbill facts, each with its source.', width, '  ')));
  return out.join('\n') + '\n';
}
