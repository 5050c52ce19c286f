/**
 * JSON, NDJSON and batch JSON renderings of reports. Pure. `--format json` prints one
 * {@link Report} for one bill and a {@link BatchReport} for several; `--format ndjson`
 * prints one report per line, whatever the count, for pipelines.
 */
import type { BatchReport, Report } from '../report.js';
import { REPORT_SCHEMA_VERSION } from '../report-version.js';

/** One report as pretty JSON (2-space indent) with a trailing newline. */
export function formatJson(report: Report): string {
  return JSON.stringify(report, null, 2) + '\n';
}

/** One report as a single NDJSON line. */
export function formatNdjsonLine(report: Report): string {
  return JSON.stringify(report) + '\n';
}

/** Wraps several reports in a batch report with summed totals. */
export function toBatch(reports: Report[]): BatchReport {
  const sum = (f: (r: Report) => number) => reports.reduce((s, r) => s + f(r), 0);
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    reports,
    summary: {
      bills: reports.length,
      billsWithErrors: reports.filter((r) => r.errors.length > 0).length,
      findings: {
        error: sum((r) => r.summary.findings.error),
        warning: sum((r) => r.summary.findings.warning),
        info: sum((r) => r.summary.findings.info),
      },
      amountAtStakeCents: sum((r) => r.summary.amountAtStakeCents),
      chargesCents: sum((r) => r.summary.chargesCents),
    },
  };
}

/** Several reports as one pretty JSON batch document. */
export function formatBatchJson(reports: Report[]): string {
  return JSON.stringify(toBatch(reports), null, 2) + '\n';
}
