/**
 * Helpers for the `evidence` of findings.
 */

/**
 * The most line numbers one finding's evidence lists for its group (20). Every finding of a
 * group of repeated lines carries the group's lines: without a cap, a bill of N identical
 * lines would make a report of N² line numbers (4,000 such lines once exhausted memory).
 */
export const MAX_EVIDENCE_LINES = 20;

/** The bill line numbers of a group for a finding's evidence: the first {@link MAX_EVIDENCE_LINES} (the group's size is in the finding's values). */
export function evidenceLines(group: ReadonlyArray<{ line: number }>): number[] {
  const out: number[] = [];
  for (const g of group) {
    if (out.length === MAX_EVIDENCE_LINES) break;
    out.push(g.line);
  }
  return out;
}
