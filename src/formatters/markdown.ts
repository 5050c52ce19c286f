/**
 * The Markdown report (for pasting into a ticket, an email or a notes app). Pure.
 */
import { formatCents } from '../bill/values.js';
import type { Report } from '../report.js';

const esc = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** Renders one report as Markdown. */
export function formatMarkdown(report: Report): string {
  const out: string[] = [];
  out.push(`# medbill audit: ${esc(report.input.path)}${report.input.claim !== undefined ? ` (claim ${esc(report.input.claim)})` : ''}`, '');
  if (report.errors.length > 0) {
    out.push('## Errors', '');
    for (const e of report.errors) out.push(`- **${e.code}**: ${esc(e.message)}`);
    out.push('');
  }
  const s = report.summary;
  out.push(
    `Charges **${formatCents(s.chargesCents)}**, payments ${formatCents(s.paymentsCents)}, balance ${formatCents(s.balanceCents)}; ` +
      `**${formatCents(s.amountAtStakeCents)} at stake** in ${report.findings.length} finding(s) ` +
      `(${s.findings.error} error, ${s.findings.warning} warning, ${s.findings.info} for review).`,
    '',
  );
  if (report.findings.length > 0) {
    out.push('| Severity | Line | Date | Code | Charge | At stake | Finding | Rule |', '|---|---|---|---|---|---|---|---|');
    for (const f of report.findings) {
      const sub = f.subject;
      out.push(
        `| ${f.severity}${f.decision === 'unsure' ? ' (not sure)' : ''} | ${f.lines.join(', ') || 'bill'} | ${sub?.dateOfService ?? ''} | ${sub?.code ?? (sub?.revenueCode ? `rev ${sub.revenueCode}` : '')} | ${sub ? formatCents(sub.chargeCents) : ''} | ${formatCents(f.amountAtStakeCents)} | ${esc(f.message)} | \`${f.ruleId}\` |`,
      );
    }
    if (report.dismissed && report.dismissed.length > 0) out.push('', `Dismissed by you: ${report.dismissed.map((d) => `\`${d.key}\` (${formatCents(d.amountAtStakeCents)})`).join(', ')}.`);
    out.push('', '### Sources', '');
    const seen = new Set<string>();
    for (const f of report.findings) {
      if (seen.has(f.ruleId)) continue;
      seen.add(f.ruleId);
      out.push(`- \`${f.ruleId}\`: ${f.references.map(esc).join('; ')}`);
    }
    out.push('');
  }
  if (report.prices) {
    const label: Record<string, string> = { medicare: 'Medicare', 'cash-price': 'cash price', 'negotiated-rate': 'negotiated', 'gross-charge': 'gross charge' };
    out.push('## Fair prices', '', `_${esc(report.prices.note)}_`, '', '| Line | Code | Charge | Fair price |', '|---|---|---|---|');
    for (const l of report.prices.lines) {
      const fair = l.benchmarks.length > 0 ? l.benchmarks.map((b) => `${formatCents(b.amountCents)} ${label[b.kind]} (${esc(b.source)})`).join('; ') : `not assessed: ${esc((l.notAssessed.find((n) => n.kind === 'medicare') ?? l.notAssessed[0])?.reason ?? 'no benchmark')}`;
      out.push(`| ${l.line} | ${l.code ?? (l.revenueCode ? `rev ${l.revenueCode}` : '')} | ${formatCents(l.chargeCents)} | ${fair} |`);
    }
    for (const t of report.prices.totals) out.push(`| **Total** | ${label[t.kind]} | ${formatCents(t.chargesCents)} | ${formatCents(t.amountCents)} for ${t.lines} of ${report.prices.lines.length} lines |`);
    out.push('');
  }
  const cov = report.coverage;
  out.push('## Coverage', '', `${cov.lines} charge lines: ${cov.flagged} flagged, ${cov.passed} passed, ${cov.notChecked} not checked by any rule.`, '');
  for (const n of cov.notCheckedLines) out.push(`- line ${n.line}: ${esc(n.reasons.join('; '))}`);
  out.push('', '## Next steps', '');
  const plan = s.plan;
  if (!plan) {
    s.nextSteps.forEach((step, i) => out.push(`${i + 1}. ${esc(step)}`));
    return out.join('\n') + '\n';
  }
  out.push(`**Who to call:** ${esc(plan.contact.text)}`, '');
  plan.steps.forEach((step, i) => out.push(`${i + 1}. ${esc(step.text)}`));
  out.push('', '### Billing advocate', '', esc(plan.advocate.text), '', '### Protect your credit', '');
  for (const item of plan.credit) out.push(`- ${esc(item.text)}`);
  out.push('', '### Free help', '');
  for (const item of plan.help) out.push(`- ${esc(item.text)}`);
  out.push('', '_medbill is not legal advice. Its statements of law come from the facts listed by `medbill facts`, each with its source._');
  return out.join('\n') + '\n';
}
