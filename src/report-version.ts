/** The report schema version (see src/report.ts); additive changes keep it, anything else bumps it. */
export const REPORT_SCHEMA_VERSION = '1';
