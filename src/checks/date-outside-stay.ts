/**
 * Check kind `date-outside-stay` (rule catalogue E2): on an inpatient bill, a line dated
 * after the discharge date (error) or before the admission date beyond the pre-admission
 * window (warning). Outpatient diagnostic services in the days before admission legitimately
 * appear on the inpatient claim (the Medicare 3-day payment window, 1 day for non-IPPS
 * hospitals), so lines within `preAdmissionDays` before admission are not flagged.
 * Amount at stake: the line's full charge. Needs the admission and discharge dates.
 */
import { z } from 'zod';
import { addDays } from '../bill/values.js';
import { parseOptions, type CheckKind, type FindingDraft, type Gap } from './types.js';

const Options = z.object({ preAdmissionDays: z.number().int().min(0).default(3) }).strict();

/** The `date-outside-stay` check kind. */
export const dateOutsideStay: CheckKind<{ preAdmissionDays: number }> = {
  name: 'date-outside-stay',
  summary: 'lines dated after discharge or before admission',
  placeholders: ['admission', 'discharge', 'side'],
  options: Options,
  prepare(options, ctx) {
    return parseOptions(Options, options, ctx.ref);
  },
  run({ lines, facts, exempt, options }) {
    const gaps: Gap[] = [];
    const findings: FindingDraft[] = [];
    const undated = lines.filter((l) => !l.dateOfService);
    if (undated.length > 0) gaps.push({ lines: undated.map((l) => l.line), reason: 'no date of service' });
    const dated = lines.filter((l) => l.dateOfService);
    if (!facts.admissionDate || !facts.dischargeDate) {
      if (dated.length > 0) gaps.push({ lines: dated.map((l) => l.line), reason: 'no admission and discharge dates (give --admission and --discharge)' });
      return { findings, checked: [], gaps };
    }
    const { admissionDate: admission, dischargeDate: discharge } = facts;
    const earliest = addDays(admission, -options.preAdmissionDays);
    for (const l of dated) {
      if (exempt(l)) continue;
      const d = l.dateOfService as string;
      const to = l.dateOfServiceTo ?? d;
      if (d > discharge || to > discharge) {
        findings.push({
          lines: [l.line],
          amountAtStakeCents: l.chargeCents,
          values: { admission, discharge, side: 'after discharge' },
          evidence: { dateOfService: d, admission, discharge },
        });
      } else if (d < earliest) {
        findings.push({
          lines: [l.line],
          amountAtStakeCents: l.chargeCents,
          severity: 'warning',
          values: { admission, discharge, side: 'before admission' },
          evidence: { dateOfService: d, admission, discharge, preAdmissionDays: options.preAdmissionDays },
          note: 'A service from an earlier, separate visit would belong on its own bill: ask which visit this line is from.',
        });
      }
    }
    return { findings, checked: dated.map((l) => l.line), gaps };
  },
};
