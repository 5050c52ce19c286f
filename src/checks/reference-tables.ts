/**
 * What the table-driven check kinds (PTP pairs, MUE limits, add-on codes) share: which CMS
 * table applies to a bill (practitioner table for professional bills, outpatient hospital
 * table for outpatient facility bills, none for inpatient facility claims: rules.md B1, D1),
 * choosing imported data over the shipped curated table, and how each use is reported in
 * the report's `coverage.data`.
 */
import type { BillFacts, BillLine } from '../bill/schema.js';
import type { DataKind, DatasetInfo, TableData } from '../data/model.js';
import type { Table } from '../rules/tables.js';
import type { CheckOutput, DataUse, ReferenceData } from './types.js';

/** The table a bill needs, or why none applies (`notApplied`), or the fact that is missing to tell (`gap`). */
export type TableChoice<K extends DataKind> = { kind: K } | { notApplied: string } | { gap: string };

/**
 * Which of two tables applies: `professional` for professional (CMS-1500) bills,
 * `facility` for outpatient facility (UB-04) bills; inpatient facility claims are not
 * subject to NCCI PTP edits or MUEs (Medicare pays them per DRG; rules.md B1 and D1).
 * The gap reasons use the same wording as the engine's missing-fact gaps, so the report's
 * next steps name the option to give.
 */
export function chooseTable<K extends DataKind>(facts: BillFacts, tables: { professional: K; facility: K }, what: string): TableChoice<K> {
  if (facts.billType === undefined) return { gap: 'billType unknown (give --bill-type facility|professional)' };
  if (facts.billType === 'professional') return { kind: tables.professional };
  if (facts.encounter === undefined) return { gap: 'encounter unknown (give --encounter emergency|inpatient|outpatient|office)' };
  if (facts.encounter === 'inpatient') return { notApplied: `${what} do not apply to inpatient facility claims (Medicare pays them per DRG; rules.md B1, D1)` };
  return { kind: tables.facility };
}

/** The table a check uses for one bill: imported when the user imported that kind, else the curated one. */
export interface ResolvedTable<K extends DataKind, R> {
  kind: K;
  curated: Curated<R>;
  imported?: TableData<R>;
  data: TableData<R>;
  /** The curated table files the kind accounts for (see `CheckOutput.tableFiles`). */
  tableFiles: string[];
}

/**
 * Picks the table for a bill ({@link chooseTable}) and its data (imported, else curated), or
 * the output to return at once: rule not applicable (inpatient facility), or every coded line
 * a gap when the fact that decides is missing.
 */
export function resolveTable<K extends DataKind, R>(
  facts: BillFacts,
  lines: BillLine[],
  reference: ReferenceData,
  curated: { professional: Curated<R>; facility: Curated<R> },
  kinds: { professional: K; facility: K },
  what: string,
): ResolvedTable<K, R> | { done: CheckOutput } {
  const tableFiles = [curated.professional.file, curated.facility.file];
  const choice = chooseTable(facts, kinds, what);
  if ('notApplied' in choice) return { done: { findings: [], checked: [], gaps: [], notApplied: choice.notApplied, tableFiles } };
  if ('gap' in choice) {
    const coded = lines.filter((l) => l.code).map((l) => l.line);
    return { done: { findings: [], checked: [], gaps: coded.length > 0 ? [{ lines: coded, reason: choice.gap }] : [], tableFiles } };
  }
  const own = choice.kind === kinds.professional ? curated.professional : curated.facility;
  const imported = reference[choice.kind] as TableData<R> | undefined;
  const data: TableData<R> = imported ?? { datasets: [own.info], rows: own.rows, complete: false, codes: own.codes };
  return { kind: choice.kind, curated: own, ...(imported ? { imported } : {}), data, tableFiles };
}

/** A curated table turned into reference data: its rows and the dataset entry naming it. */
export interface Curated<R> {
  rows: R[];
  info: DatasetInfo;
  /** The table file (for the report's data list). */
  file: string;
  /** The codes the table covers. */
  codes: Set<string>;
}

/** The dataset entry of a curated table: its period is the latest `period` column value, when it has one. */
export function curatedInfo(kind: DataKind, table: Table): DatasetInfo {
  const periods = [...new Set(table.rows.map((r) => r.period ?? '').filter(Boolean))].sort();
  return { kind, period: periods[periods.length - 1] ?? '', sources: [table.file], rows: table.rows.length, origin: 'curated' };
}

/**
 * The report entries for using `datasets` of `kind` (imported or curated): only the quarters
 * in `used` (the quarters picked for the bill's dates of service) when any was picked.
 */
export function dataUses(kind: DataKind, datasets: DatasetInfo[], curatedFile?: string, used?: Set<string>): DataUse[] {
  const shown = used && used.size > 0 ? datasets.filter((d) => used.has(d.period)) : datasets;
  return shown.map((d) => {
    const use: DataUse = {
      kind,
      name: d.origin === 'imported' ? `imported ${kind} ${d.period}` : `tables/${(d.sources[0] ?? '').replace(/^.*[\\/]/, '')}`,
      source: d.origin === 'imported' ? `CMS file(s) imported by the user: ${d.sources.join(', ')}` : 'medbill curated table (code numbers only, each row names its source)',
      rows: d.rows,
      origin: d.origin,
    };
    if (d.period) use.period = d.period;
    if (d.importedAt) use.importedAt = d.importedAt;
    if (curatedFile) use.file = curatedFile;
    return use;
  });
}

/** Lists at most `max` codes, then "and N more". */
export function listCodes(codes: Iterable<string>, max = 8): string {
  const all = [...codes];
  return all.length <= max ? all.join(', ') : `${all.slice(0, max).join(', ')} and ${all.length - max} more`;
}
