/**
 * Loads rule packs: every `*.yaml` file of a rules directory is one rule whose id equals its
 * file name. Each file is validated against {@link RuleFileSchema}, its kind's options are
 * validated and resolved by the kind, its predicates compiled and its message placeholders
 * checked, so a broken rule fails at load time with the file and key, never mid-audit.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { CHECK_KINDS } from '../checks/index.js';
import { COMMON_PLACEHOLDERS, type CheckKind } from '../checks/types.js';
import { RulesError, UsageError, type Problem } from '../errors.js';
import { loadFacts, type FactBook } from '../facts.js';
import { packageRoot } from '../paths.js';
import { compilePredicate, type LineTest } from './predicates.js';
import { PREDICATE_FIELDS, RuleFileSchema, type RuleFile } from './schema.js';
import { TableRegistry } from './tables.js';
import { parseCache, parseYaml, textHash } from './yaml.js';

/** A rule ready to run: the parsed file, its check kind, prepared options and compiled predicates. */
export interface LoadedRule {
  id: string;
  file: string;
  /** The rules directory it came from. */
  pack: string;
  def: RuleFile;
  kind: CheckKind<unknown>;
  options: unknown;
  where?: LineTest;
  unless?: LineTest;
}

/** Loaded rules and their tables; `digest` identifies the exact rule and table contents used. */
export interface RuleSet {
  rules: LoadedRule[];
  tables: TableRegistry;
  /** The facts medbill may state (the shipped facts file), for rules, the plan and the report. */
  facts: FactBook;
  packs: string[];
  digest: string;
}

/** Which rules of the loaded packs to run: `--only` and `--disable` rule ids. */
export interface RuleSelection {
  only?: string[];
  disable?: string[];
}

/** The default rule pack shipped with medbill (`<package>/rules`). */
export function defaultRulesDir(): string {
  return join(packageRoot(), 'rules');
}

/** The rule files of a directory, sorted by name. Throws {@link RulesError} when it is not a directory. */
export function ruleFiles(dir: string): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new RulesError(`not a rules directory: ${dir}`, { file: dir });
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .sort()
    .map((f) => join(dir, f));
  if (files.length === 0) throw new RulesError(`no rule files (*.yaml) in ${dir}`, { file: dir });
  return files;
}

const PLACEHOLDER = /\{([A-Za-z][A-Za-z0-9]*)\}/g;

/**
 * Validates parsed rule-file data against {@link RuleFileSchema}. Throws {@link RulesError}
 * with one problem per invalid key (file and key named).
 */
export function validateRuleFile(data: unknown, file: string): RuleFile {
  const parsed = RuleFileSchema.safeParse(data);
  if (!parsed.success) {
    const problems: Problem[] = parsed.error.issues.slice(0, 10).map((issue) => {
      let key = issue.path.map(String).join('.') || '(top level)';
      let msg = issue.code === 'unrecognized_keys' ? `unknown key(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}` : issue.message;
      const root = issue.path[0];
      if ((root === 'where' || root === 'unless') && issue.code === 'invalid_union') {
        const value = issue.path.reduce<unknown>((v, k) => (v as Record<string | number, unknown> | undefined)?.[k as string], data);
        const why = explainPredicate(value, issue.path.map(String));
        key = why.key;
        msg = why.message;
      }
      return { code: 'RULES_INVALID', message: `${key}: ${msg}`, location: { file, key } };
    });
    throw new RulesError((problems[0] as Problem).message, { file }, problems);
  }
  return parsed.data;
}

const OPERATORS = ['eq', 'in', 'startsWith', 'hasAny', 'gt', 'gte', 'lt', 'lte', 'between', 'present', 'containsWord'];

/** Says what is wrong with a predicate zod could not match, naming the deepest bad key. */
function explainPredicate(p: unknown, path: string[]): { key: string; message: string } {
  const key = path.join('.');
  if (typeof p !== 'object' || p === null || Array.isArray(p)) return { key, message: 'expected a predicate: { all: [...] }, { any: [...] }, { not: ... } or { field: NAME, OPERATOR: VALUE }' };
  const o = p as Record<string, unknown>;
  for (const k of ['all', 'any'] as const) {
    if (k in o) {
      if (!Array.isArray(o[k])) return { key: `${key}.${k}`, message: 'expected a list of predicates' };
      for (const [i, q] of (o[k] as unknown[]).entries()) {
        const inner = explainPredicate(q, [...path, k, String(i)]);
        if (inner.message !== 'ok') return inner;
      }
      return { key, message: 'ok' };
    }
  }
  if ('not' in o) return explainPredicate(o.not, [...path, 'not']);
  if (!('field' in o)) return { key, message: `unknown key(s) ${Object.keys(o).map((k) => `"${k}"`).join(', ')}; a predicate is all, any, not, or a field test { field, OPERATOR }` };
  if (!(PREDICATE_FIELDS as readonly string[]).includes(String(o.field))) return { key: `${key}.field`, message: `unknown field "${String(o.field)}" (fields: ${PREDICATE_FIELDS.join(', ')})` };
  const ops = Object.keys(o).filter((k) => k !== 'field');
  const unknown = ops.filter((k) => !OPERATORS.includes(k));
  if (unknown.length > 0) return { key: `${key}.${unknown[0]}`, message: `unknown operator "${unknown[0]}" (operators: ${OPERATORS.join(', ')})` };
  if (ops.length !== 1) return { key, message: `a field test has exactly one operator, got ${ops.length === 0 ? 'none' : ops.join(', ')}` };
  return { key: `${key}.${ops[0]}`, message: `the value of "${ops[0]}" has the wrong type` };
}

function loadRule(file: string, text: string, pack: string, tables: TableRegistry, facts: FactBook): LoadedRule {
  // A file validated at build time (same text, same schema) is not validated again.
  const valid = parseCache().rules[textHash(text)] as RuleFile | undefined;
  const def = valid ? structuredClone(valid) : validateRuleFile(parseYaml(text, file), file);
  const stem = basename(file).replace(/\.ya?ml$/, '');
  if (def.id !== stem) throw new RulesError(`id: "${def.id}" must equal the file name "${stem}"`, { file, key: 'id' });
  const kind = CHECK_KINDS.get(def.kind);
  if (!kind) throw new RulesError(`kind: unknown check kind "${def.kind}" (kinds: ${[...CHECK_KINDS.keys()].join(', ')})`, { file, key: 'kind' });
  const allowed = new Set<string>([...COMMON_PLACEHOLDERS, ...kind.placeholders]);
  for (const m of def.message.matchAll(PLACEHOLDER)) {
    if (!allowed.has(m[1] as string)) {
      throw new RulesError(`message: unknown placeholder {${m[1]}} (kind ${kind.name} offers ${[...allowed].map((p) => `{${p}}`).join(', ')})`, { file, key: 'message' });
    }
  }
  for (const [i, id] of (def.docs.facts ?? []).entries()) {
    if (!facts.has(id)) throw new RulesError(`docs.facts.${i}: unknown fact "${id}" (see medbill facts)`, { file, key: `docs.facts.${i}` });
  }
  let options: unknown;
  try {
    const validated = parseCache().options[textHash(text)];
    options = kind.prepare(def.options, { tables, facts, ref: { file, key: 'options', ...(validated !== undefined ? { validated } : {}) } });
  } catch (err) {
    if (err instanceof RulesError) throw err;
    throw new RulesError(`options: ${(err as Error).message}`, { file, key: 'options' });
  }
  const rule: LoadedRule = { id: def.id, file, pack, def, kind, options };
  if (def.where) rule.where = compilePredicate(def.where, tables, { file, key: 'where' });
  if (def.unless) rule.unless = compilePredicate(def.unless, tables, { file, key: 'unless' });
  return rule;
}

/**
 * Loads the rule packs in `dirs` (the default pack first, then `--rules` packs). Validates
 * every file, collecting one problem per broken file, and throws {@link RulesError} with all
 * of them; a rule id defined twice is an error. Applies `--only`/`--disable` (unknown ids
 * there are a {@link UsageError}).
 */
export function loadRules(dirs: string[], selection: RuleSelection = {}): RuleSet {
  const tables = new TableRegistry();
  const facts = loadFacts();
  const problems: Problem[] = [];
  const rules: LoadedRule[] = [];
  const seen = new Map<string, string>();
  const hash = createHash('sha256');
  const packs = dirs.map((d) => resolve(d));
  for (const pack of packs) {
    try {
      tables.addPack(pack);
      for (const file of ruleFiles(pack)) {
        const text = readFileSync(file, 'utf8');
        hash.update(basename(file)).update('\0').update(text).update('\0');
        try {
          const rule = loadRule(file, text, pack, tables, facts);
          const prev = seen.get(rule.id);
          if (prev) throw new RulesError(`id: rule "${rule.id}" is already defined in ${prev}; give yours another id (its file name too)`, { file, key: 'id' });
          seen.set(rule.id, file);
          rules.push(rule);
        } catch (err) {
          if (err instanceof RulesError) problems.push(...err.problems);
          else throw err;
        }
      }
    } catch (err) {
      if (err instanceof RulesError) problems.push(...err.problems);
      else throw err;
    }
  }
  if (problems.length > 0) {
    const head = problems[0] as Problem;
    throw new RulesError(head.message, head.location, problems);
  }
  for (const f of tables.files().sort()) hash.update(basename(f)).update('\0').update(readFileSync(f)).update('\0');
  hash.update('facts').update('\0').update(facts.digest).update('\0');
  const ids = new Set(rules.map((r) => r.id));
  for (const id of [...(selection.only ?? []), ...(selection.disable ?? [])]) {
    if (!ids.has(id)) throw new UsageError(`unknown rule id "${id}" (see medbill rules list)`);
  }
  const selected = rules.filter(
    (r) => r.def.enabled !== false && (!selection.only || selection.only.length === 0 || selection.only.includes(r.id)) && !(selection.disable ?? []).includes(r.id),
  );
  return { rules: selected, tables, facts, packs, digest: `sha256:${hash.digest('hex').slice(0, 16)}` };
}
