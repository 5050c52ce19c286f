/**
 * The terminal rendering of `medbill assist` (see src/assist.ts). Pure: `(result, options) →
 * string`; colour from a chalk instance the caller configures.
 */
import { Chalk } from 'chalk';
import type { AssistResult } from '../assist.js';
import { stateName } from '../assist.js';
import { formatCents } from '../bill/values.js';
import { wrap } from './text.js';


/** Renders an assist result as terminal text. */
export function formatAssistText(r: AssistResult, options: { color?: 0 | 1 | 2 | 3; width?: number } = {}): string {
  const c = new Chalk({ level: options.color ?? 0 });
  const width = Math.max(60, Math.min(options.width ?? 100, 140));
  const out: string[] = [];
  const i = r.input;
  out.push(c.bold(`medbill assist: household of ${i.household}, income ${formatCents(i.incomeCents)} a year, ${i.state}, ${r.fpl.year} guidelines`), '');
  out.push(c.bold(`Federal poverty level (FPL): ${r.fpl.fplPercent.toFixed(1)}%`));
  out.push(wrap(r.fpl.text, width, '  '));
  const g = r.facts.find((f) => f.id === r.fpl.fact);
  if (g) out.push(c.dim(wrap(`Source: ${g.source}.`, width, '  ')));
  out.push('', c.bold(`State charity care: ${stateName(r.stateCharityCare.state)}`));
  if (r.stateCharityCare.atYourIncome.length > 0) {
    out.push(`  At ${r.fpl.fplPercent.toFixed(1)}% FPL:`);
    for (const a of r.stateCharityCare.atYourIncome) out.push(wrap(`- ${a.text}`, width, '    '));
  }
  out.push(wrap(r.stateCharityCare.text, width, '  '));
  out.push('', c.bold('At a tax-exempt (nonprofit) hospital: IRC 501(r)'));
  for (const t of r.nonprofitHospital.text) out.push(wrap(t, width, '  '));
  if (r.medicaid) {
    out.push('', c.bold('Retroactive Medicaid'));
    for (const t of r.medicaid.text) out.push(wrap(t, width, '  '));
  }
  out.push('', c.bold('Sources and re-check dates'));
  for (const f of r.facts) out.push(c.dim(wrap(`${f.id}: ${f.source} (re-check ${f.recheck ?? 'not needed: historical figure'})`, width, '  ')));
  out.push(
    '',
    wrap(
      'medbill is not legal advice. It states only the facts listed by medbill facts, each with its source; whether you qualify is decided by the hospital, under its own policy, and by your state Medicaid agency.',
      width,
      '',
    ),
  );
  return out.join('\n') + '\n';
}
