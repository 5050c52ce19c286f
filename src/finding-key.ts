/**
 * A finding's key, kept apart from the report schema so that the engine can use it without
 * loading the zod schemas at start-up.
 */

/**
 * A finding's key, as `--dismiss` and `--unsure` name it: `rule-id:LINE` (the disputed line)
 * for a line finding, the rule id for a bill-level one. Example: `duplicate-line:9`.
 */
export function findingKey(f: { ruleId: string; lines: number[] }): string {
  return f.lines[0] === undefined ? f.ruleId : `${f.ruleId}:${f.lines[0]}`;
}
