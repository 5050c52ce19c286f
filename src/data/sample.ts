/**
 * Writers of CMS-layout edit files (formats.md §1), used by `medbill data sample` to show an
 * import end to end without a CMS download, and by the tests to build small files in the
 * published layouts. `writeSample` turns medbill's own curated tables (code numbers only,
 * each row sourced) into the files CMS ships: zips holding a tab-delimited `.txt` (PTP),
 * a `.csv` (MUE) or a fixed-width `.txt` (AOC), each with the `.xlsx` beside it. Every file
 * says in its first line that it is a medbill sample, not a CMS file.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { IoError } from '../errors.js';
import { TableRegistry } from '../rules/tables.js';
import { periodStart, type Period } from './model.js';

/** The notice heading every sample file, where CMS puts the AMA copyright line. */
export const SAMPLE_NOTICE = 'SAMPLE written by medbill (medbill data sample) in the layout of the CMS file; not a CMS file. CPT codes are copyright American Medical Association; this sample holds code numbers only.';

/** One PTP row as the CMS file writes it: dates `YYYYMMDD`, deletion `*` when none, indicator 0/1/9. */
export interface PtpFileRow {
  column1: string;
  column2: string;
  pre1996?: boolean;
  effective: string;
  deletion: string;
  indicator: string;
  rationale?: string;
}

/** One MUE row as the CMS file writes it. */
export interface MueFileRow {
  code: string;
  value: number | string;
  mai: 1 | 2 | 3 | string;
  rationale?: string;
}

/** One AOC row as the CMS file writes it: dates Julian `YYYYDDD`, blank when none; primary `CCCCC` for type 2. */
export interface AocFileRow {
  type: 1 | 2 | 3 | string;
  addOn: string;
  addOnDeleted?: string;
  primary: string;
  primaryDeleted?: string;
  effective: string;
  deletion?: string;
}

const PTP_HEADER = ['Column 1', 'Column 2', '*=in existence prior to 1996', 'Effective Date', 'Deletion Date *=no data', 'Modifier 0=not allowed 1=allowed 9=not applicable', 'PTP Edit Rationale'];
const PTP_LEGEND = ['', '', '', '', '', '', ''];
const MAI_LABEL: Record<string, string> = { '1': '1 Line Edit', '2': '2 Date of Service Edit: Policy', '3': '3 Date of Service Edit: Clinical' };
const MUE_VALUE_HEADER: Record<string, string> = { 'mue-practitioner': 'Practitioner Services MUE Values', 'mue-hospital': 'Outpatient Hospital Services MUE Values', 'mue-dme': 'DME Supplier Services MUE Values' };
const AOC_HEADER = ['AOC_Edit_Type', 'Add-On_Code', 'AOC_DelDT', 'Primary_Code', 'Primary_Code_DelDT', 'AOC_Edit_EffDT', 'AOC_Edit_DelDT', 'Special_Instruction_Notes'];

function ptpCells(r: PtpFileRow): string[] {
  return [r.column1, r.column2, r.pre1996 ? '*' : '', r.effective, r.deletion, r.indicator, r.rationale ?? ''];
}

/** A PTP `.txt` in the CMS layout: notice, title, header, legend row, tab-delimited edits, CRLF line ends. */
export function ptpText(rows: PtpFileRow[], title: string): string {
  const lines = [SAMPLE_NOTICE, title, '', PTP_HEADER.join('\t'), PTP_LEGEND.join('\t'), ...rows.map((r) => ptpCells(r).join('\t'))];
  return lines.join('\r\n') + '\r\n';
}

/** The rows of a PTP `.xlsx` in the CMS layout. */
export function ptpSheet(rows: PtpFileRow[], title: string): string[][] {
  return [[SAMPLE_NOTICE], [title], PTP_HEADER, ...rows.map(ptpCells)];
}

const csvCell = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

function mueCells(r: MueFileRow): string[] {
  return [r.code, String(r.value), MAI_LABEL[String(r.mai)] ?? String(r.mai), r.rationale ?? ''];
}

/** An MUE `.csv` in the CMS layout: a quoted multi-line notice cell, the header, then the rows. */
export function mueCsv(rows: MueFileRow[], kind: 'mue-practitioner' | 'mue-hospital' | 'mue-dme'): string {
  const header = ['HCPCS/CPT Code', MUE_VALUE_HEADER[kind] as string, 'MUE Adjudication Indicator', 'MUE Rationale'];
  const lines = [`"${SAMPLE_NOTICE}\nAll rights reserved."`, header.map((h) => `"${h}"`).join(','), ...rows.map((r) => mueCells(r).map(csvCell).join(','))];
  return lines.join('\r\n') + '\r\n';
}

/** The rows of an MUE `.xlsx` in the CMS layout. */
export function mueSheet(rows: MueFileRow[], kind: 'mue-practitioner' | 'mue-hospital' | 'mue-dme'): string[][] {
  return [[SAMPLE_NOTICE], ['HCPCS/CPT Code', MUE_VALUE_HEADER[kind] as string, 'MUE Adjudication Indicator', 'MUE Rationale'], ...rows.map(mueCells)];
}

function aocCells(r: AocFileRow): string[] {
  return [String(r.type), r.addOn, r.addOnDeleted ?? '', r.primary, r.primaryDeleted ?? '', r.effective, r.deletion ?? '', ''];
}

/** An AOC `.txt`, fixed-width: each column starts where its header name starts. */
export function aocText(rows: AocFileRow[]): string {
  const widths = AOC_HEADER.map((h) => h.length + 2);
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] as number)).join('').trimEnd();
  return [SAMPLE_NOTICE, line(AOC_HEADER), ...rows.map((r) => line(aocCells(r)))].join('\r\n') + '\r\n';
}

/** The rows of an AOC `.xlsx` in the CMS layout: the notice in row 1, the header in row 2. */
export function aocSheet(rows: AocFileRow[]): string[][] {
  return [[SAMPLE_NOTICE], AOC_HEADER, ...rows.map(aocCells)];
}

/** An `.xlsx` file (bytes) of one sheet. */
export async function xlsxBytes(rows: string[][]): Promise<Uint8Array> {
  const { default: writeXlsxFile } = await import('write-excel-file/node');
  const width = Math.max(...rows.map((r) => r.length));
  const data = rows.map((r) => Array.from({ length: width }, (_, i) => (r[i] === undefined || r[i] === '' ? null : r[i])));
  return new Uint8Array(await writeXlsxFile(data as never).toBuffer());
}

/** A zip (bytes) of named entries. */
export async function zipBytes(entries: Record<string, string | Uint8Array>): Promise<Uint8Array> {
  const { zipSync, strToU8 } = await import('fflate');
  return zipSync(Object.fromEntries(Object.entries(entries).map(([k, v]) => [k, typeof v === 'string' ? strToU8(v) : v])));
}

/** Julian `YYYYDDD` of an ISO date (AOC files). */
export function isoToJulian(iso: string): string {
  const d = new Date(`${iso}T00:00:00Z`);
  const start = Date.UTC(d.getUTCFullYear(), 0, 1);
  return `${d.getUTCFullYear()}${String(Math.floor((d.getTime() - start) / 86400000) + 1).padStart(3, '0')}`;
}

/** The NCCI version in PTP file names for a quarter: 2026Q4 → `v323` (version 32 is 2026). */
export function ncciVersion(period: Period): string {
  return `v${Number(period.slice(0, 4)) - 2000 + 6}${Number(period.slice(5)) - 1}`;
}

/** The quarter samples are written for when a curated table has none. */
const SAMPLE_PERIOD: Period = '2026Q4';

/**
 * Writes the sample files into `outDir` from the curated tables of the rules directory
 * `rulesDir`: the practitioner PTP table, the practitioner and outpatient hospital MUE
 * tables and the add-on code table (a table with no rows, such as the hospital PTP table, is
 * not written). Curated rows carry no dates, so each edit is written as in force since
 * before any bill (PTP 1996-01-01, AOC 2013-01-01). Refuses to replace a file unless `force`.
 * Returns the files written. Throws {@link IoError}.
 */
export async function writeSample(outDir: string, rulesDir: string, force = false): Promise<string[]> {
  const tables = new TableRegistry();
  tables.addPack(rulesDir);
  const files: Record<string, Uint8Array> = {};

  const ptp = tables.table('ncci-ptp-practitioner', ['column1', 'column2', 'modifier_indicator']);
  if (ptp.rows.length > 0) {
    const stem = `ccipra-${ncciVersion(SAMPLE_PERIOD)}r0-f1`;
    const rows: PtpFileRow[] = ptp.rows.map((r) => ({
      column1: r.column1 as string,
      column2: r.column2 as string,
      effective: (r.effective || '1996-01-01').replace(/-/g, ''),
      deletion: r.deletion ? r.deletion.replace(/-/g, '') : '*',
      indicator: r.modifier_indicator as string,
      rationale: r.rationale ?? '',
    }));
    const title = `Practitioner PTP edits, ${SAMPLE_PERIOD} (sample)`;
    files[`medicare-ncci-${SAMPLE_PERIOD.toLowerCase()}-practitioner-ptp-edits-${stem}.zip`] = await zipBytes({ [`${stem}.txt`]: ptpText(rows, title), [`${stem}.xlsx`]: await xlsxBytes(ptpSheet(rows, title)) });
  }
  for (const [kind, name, setting] of [
    ['mue-practitioner', 'PractitionerServices', 'practitioner-services'],
    ['mue-hospital', 'OutpatientHospitalServices', 'outpatient-hospital-services'],
  ] as const) {
    const t = tables.table(kind, ['code', 'mue_value', 'mai']);
    if (t.rows.length === 0) continue;
    const period = [...new Set(t.rows.map((r) => r.period).filter(Boolean))].sort().pop() ?? SAMPLE_PERIOD;
    const [y, m, d] = periodStart(period).split('-');
    const stem = `MCR_MUE_${name}_Eff_${m}-${d}-${y}`;
    const rows: MueFileRow[] = t.rows.map((r) => ({ code: r.code as string, value: r.mue_value as string, mai: r.mai as string, rationale: r.rationale ?? '' }));
    files[`medicare-ncci-${period.slice(0, 4)}-q${period.slice(5)}-${setting}-mue-table.zip`] = await zipBytes({ [`${stem}.csv`]: mueCsv(rows, kind), [`${stem}.xlsx`]: await xlsxBytes(mueSheet(rows, kind)) });
  }
  const aoc = tables.table('add-on-primaries', ['addon', 'primary']);
  if (aoc.rows.length > 0) {
    const rows: AocFileRow[] = aoc.rows.map((r) => ({ type: r.type || '1', addOn: r.addon as string, primary: r.primary || 'CCCCC', effective: isoToJulian('2013-01-01') }));
    files[`medicare-ncci-${SAMPLE_PERIOD.toLowerCase()}-add-on-code-edits.zip`] = await zipBytes({ [`AOC_V${SAMPLE_PERIOD}-MCR.xlsx`]: await xlsxBytes(aocSheet(rows)), [`AOC_V${SAMPLE_PERIOD}_01-MCR.txt`]: aocText(rows) });
  }
  mkdirSync(outDir, { recursive: true });
  const names = Object.keys(files).sort();
  for (const n of names) if (existsSync(join(outDir, n)) && !force) throw new IoError('already exists; add --force to replace it', { file: join(outDir, n) });
  for (const n of names) {
    try {
      writeFileSync(join(outDir, n), files[n] as Uint8Array);
    } catch (err) {
      throw new IoError(`cannot write ${join(outDir, n)}: ${(err as Error).message}`, { file: join(outDir, n) });
    }
  }
  return names.map((n) => join(outDir, n));
}
