/**
 * Reference tables of a rule pack: named code sets (`tables/code-sets.yaml`) and CSV tables
 * (`tables/<name>.csv`), each row or set with its source. Tables are read once per pack and
 * only when a rule names them. A table name is a plain file stem, so a table can never be
 * read from outside the rules directory that names it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { z } from 'zod';
import { RulesError } from '../errors.js';
import { parseTableCsv, parseYaml } from './yaml.js';

/** A code's shape: every digit read as 9 (`0042T` → `9999T`, `0450` → `9999`). */
const shapeOf = (s: string) => s.replace(/[0-9]/g, '9');

/** A named set of codes (CPT/HCPCS, revenue codes, modifiers, ICD-10 prefixes): exact values and inclusive ranges. */
export class CodeSet {
  readonly name: string;
  readonly description: string;
  readonly source: string;
  private readonly values: Set<string>;
  private readonly ranges: Array<[string, string]>;
  private readonly prefixes: string[];

  constructor(name: string, description: string, source: string, values: string[], ranges: Array<[string, string]> = [], prefixes: string[] = []) {
    this.name = name;
    this.description = description;
    this.source = source;
    this.values = new Set(values);
    this.ranges = ranges;
    this.prefixes = prefixes;
  }

  /**
   * True when `v` is in the set: an exact value, within a range of the same shape (digits
   * where the bounds have digits, the same letters where they have letters, so that the CPT
   * range 00100-01999 does not take in Category III code 0042T), or starting with a prefix.
   */
  has(v: string | undefined): boolean {
    if (v === undefined) return false;
    if (this.values.has(v)) return true;
    if (this.ranges.length === 0 && this.prefixes.length === 0) return false;
    // Range and prefix tests are remembered per code: the same codes come back bill after bill.
    const known = this.memo.get(v);
    if (known !== undefined) return known;
    let hit = false;
    for (const [a, b] of this.ranges) if (v.length === a.length && v >= a && v <= b && shapeOf(v) === shapeOf(a)) hit = true;
    if (!hit) for (const p of this.prefixes) if (v.startsWith(p)) hit = true;
    if (this.memo.size > 50_000) this.memo.clear();
    this.memo.set(v, hit);
    return hit;
  }

  private readonly memo = new Map<string, boolean>();

  /** The exact values (ranges and prefixes not expanded), for listing. */
  list(): string[] {
    return [...this.values, ...this.ranges.map(([a, b]) => `${a}-${b}`), ...this.prefixes.map((p) => `${p}*`)];
  }
}

const CodeValue = z.union([z.string(), z.number()]).transform(String);

const CodeSetFileSchema = z.record(
  z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'set names are kebab-case'),
  z
    .object({
      description: z.string().min(1),
      source: z.string().min(1),
      values: z.array(CodeValue).optional(),
      ranges: z.array(z.tuple([CodeValue, CodeValue])).optional(),
      prefixes: z.array(CodeValue).optional(),
    })
    .strict(),
);

/** A CSV table: its header, its rows (all cells strings) and where it was read from. */
export interface Table {
  name: string;
  file: string;
  columns: string[];
  rows: Array<Record<string, string>>;
  /** Physical row (1-based line in the file) of each row, for error messages. */
  rowNumbers: number[];
}

/**
 * The tables of one or more rule packs. Lookups go through the packs from the last added
 * (a user pack) to the first (the default pack), so a user pack can replace a set or table
 * by giving it the same name.
 */
export class TableRegistry {
  private readonly dirs: string[] = [];
  private readonly sets = new Map<string, CodeSet>();
  private readonly setFiles: string[] = [];
  private readonly tables = new Map<string, Table>();

  /** Adds the tables of the rules directory `rulesDir` (reads `tables/code-sets.yaml` if present). Throws {@link RulesError}. */
  addPack(rulesDir: string): void {
    const dir = resolve(rulesDir);
    this.dirs.unshift(dir);
    const file = join(dir, 'tables', 'code-sets.yaml');
    if (!existsSync(file)) return;
    this.setFiles.push(file);
    const data = parseYaml(readFileSync(file, 'utf8'), file);
    const parsed = CodeSetFileSchema.safeParse(data);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new RulesError(`${issue?.path.join('.') || '(top)'}: ${issue?.message}`, { file, key: issue?.path.join('.') ?? '' });
    }
    for (const [name, s] of Object.entries(parsed.data)) {
      this.sets.set(name, new CodeSet(name, s.description, s.source, s.values ?? [], s.ranges ?? [], s.prefixes ?? []));
    }
  }

  /** The named code set. Throws {@link RulesError} (naming `from`) when no pack defines it. */
  set(name: string, from?: { file: string; key: string }): CodeSet {
    const s = this.sets.get(name);
    if (!s) {
      throw new RulesError(`unknown code set "${name}" (defined sets: ${[...this.sets.keys()].sort().join(', ')})`, from ? { file: from.file, key: from.key } : undefined);
    }
    return s;
  }

  /** All code sets, by name. */
  allSets(): CodeSet[] {
    return [...this.sets.values()];
  }

  /**
   * The CSV table `name` (file `tables/<name>.csv` in the newest pack that has it). Every
   * table must have the columns in `required` and a non-empty `source` on every row.
   * Throws {@link RulesError} naming the table file and row.
   */
  table(name: string, required: string[], from?: { file: string; key: string }): Table {
    const cached = this.tables.get(name);
    if (cached) {
      this.checkColumns(cached, required);
      return cached;
    }
    if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(name)) {
      throw new RulesError(`table names are kebab-case file stems inside the rules directory's tables/ folder, got "${name}"`, from);
    }
    for (const dir of this.dirs) {
      const file = join(dir, 'tables', `${name}.csv`);
      const rel = relative(dir, file);
      if (rel.startsWith('..') || rel.startsWith(sep)) continue;
      if (!existsSync(file)) continue;
      const records = parseTableCsv(readFileSync(file, 'utf8'), file);
      const columns = records[0]?.record ?? [];
      const rows: Array<Record<string, string>> = [];
      const rowNumbers: number[] = [];
      for (const r of records.slice(1)) {
        const row: Record<string, string> = {};
        columns.forEach((c, i) => (row[c] = r.record[i] ?? ''));
        rows.push(row);
        rowNumbers.push(r.row);
      }
      const t: Table = { name, file, columns, rows, rowNumbers };
      this.checkColumns(t, required);
      this.tables.set(name, t);
      return t;
    }
    throw new RulesError(`no table "${name}" (looked for tables/${name}.csv in ${this.dirs.join(', ')})`, from);
  }

  private checkColumns(t: Table, required: string[]): void {
    for (const c of [...required, 'source']) {
      if (!t.columns.includes(c)) throw new RulesError(`table has no "${c}" column (columns: ${t.columns.join(', ')})`, { file: t.file });
    }
    t.rows.forEach((r, i) => {
      if (!r.source) throw new RulesError('every row of a table needs its source', { file: t.file, row: t.rowNumbers[i] ?? i + 2 });
    });
  }

  /** Files read so far (for the rules digest). */
  files(): string[] {
    return [...this.setFiles, ...[...this.tables.values()].map((t) => t.file)];
  }
}
