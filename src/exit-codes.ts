/**
 * The exit-code contract of the `medbill` command (DESIGN.md, "The report and exit codes").
 * An error always wins over findings: a run that hit a usage, input, rule, I/O or internal
 * error exits 2 even when it also produced findings.
 */
export const ExitCode = {
  /** Nothing at or above the `--fail-on` severity was found, and no error occurred. */
  OK: 0,
  /** At least one finding at or above `--fail-on` (default `error`); the report was written first. */
  FINDINGS: 1,
  /** Usage, bill input, rule, I/O or internal error. */
  ERROR: 2,
  /** Interrupted (SIGINT / Ctrl-C); nothing partial was written. */
  INTERRUPTED: 130,
} as const;

/** One of the numeric values of {@link ExitCode}. */
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];
