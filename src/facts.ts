/**
 * The facts book: the legal and financial facts medbill may state, read from the data file
 * `rules/tables/facts.yaml` (shipped with the package, parsed at build time into
 * dist/rule-cache.json like the rule pack). Each fact has its text as printed, the numbers and
 * dates code computes with (money in integer cents, ISO dates), its source citation, the date
 * it was checked and its re-check date. Every fact comes from the fact check in
 * shared/reference/rights.md ("Facts the tool may state"); rights.md item 26 lists claims that
 * are never printed and are therefore not in the file.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { isIsoDate } from './dates.js';
import { RulesError, type Problem } from './errors.js';
import { packageRoot } from './paths.js';
import { parseCache, parseYaml, textHash } from './rules/yaml.js';

const isoDate = z.string().refine(isIsoDate, 'expected an ISO date YYYY-MM-DD');

/** Topics that group facts in `medbill facts`. */
export const FACT_TOPICS = [
  'billing-records',
  'financial-assistance',
  'state-charity-care',
  'poverty-guidelines',
  'medicaid',
  'credit-reporting',
  'no-surprises-act',
  'debt-collection',
  'price-transparency',
  'help',
  'negotiation',
] as const;

/** Source-strength tags of rights.md: P primary, S secondary, M memory of primary text not re-read. */
export const FACT_STRENGTHS = ['P', 'S', 'M', 'P/M', 'P/S'] as const;

/** One fact (see the header of rules/tables/facts.yaml). Unknown keys are an error. */
export const FactSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'fact ids are kebab-case'),
    topic: z.enum(FACT_TOPICS),
    title: z.string().min(1),
    text: z.string().min(1).describe('the fact as medbill may print it'),
    numbers: z.record(z.string(), z.number()).optional().describe('numbers code computes with; money in integer cents (keys end in Cents)'),
    dates: z.record(z.string(), isoDate).optional(),
    rows: z.array(z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]))).optional().describe('tabular detail (e.g. the levels of a state law)'),
    letter: z
      .record(z.string().regex(/^[a-z][A-Za-z0-9]*$/, 'letter template names are camelCase'), z.string().min(1))
      .optional()
      .describe(
        'sentences a letter may print (the first-person wording rights.md suggests), by name; {placeholders} are filled by the letter composer with names, long-form dates and amounts, and with this fact\'s numbers (money keys ending in Cents as dollars)',
      ),
    source: z.string().min(1).describe('the primary (or secondary) source to cite'),
    strength: z.enum(FACT_STRENGTHS),
    rightsMd: z.string().min(1).describe('where in shared/reference/rights.md the fact was checked'),
    checked: isoDate.describe('the date this entry was checked against rights.md'),
    recheck: isoDate.nullable().describe('re-check by this date; null for a fixed, historical figure'),
    recheckNote: z.string().optional(),
  })
  .strict();

/** The facts file. */
export const FactsFileSchema = z.object({ schemaVersion: z.literal(1), note: z.string().min(1), facts: z.array(FactSchema).min(1) }).strict();

/** One fact (see {@link FactSchema}). */
export type Fact = z.infer<typeof FactSchema>;

/** A row of a fact's `rows` table. */
export type FactRow = NonNullable<Fact['rows']>[number];

/**
 * The loaded facts, by id. Lookups of a fact or one of its numbers that is not there throw
 * {@link RulesError} naming the facts file, so a rule or command that needs a missing fact
 * fails at load time rather than printing a guess.
 */
export class FactBook {
  readonly file: string;
  /** `sha256:` + 16 hex digits of the file text: which facts a report used. */
  readonly digest: string;
  private readonly byId: Map<string, Fact>;

  constructor(facts: Fact[], file: string, digest: string) {
    this.file = file;
    this.digest = digest;
    this.byId = new Map(facts.map((f) => [f.id, f]));
  }

  /** Every fact, in file order. */
  all(): Fact[] {
    return [...this.byId.values()];
  }

  /** True when a fact with this id exists. */
  has(id: string): boolean {
    return this.byId.has(id);
  }

  /** The fact `id`. Throws {@link RulesError} when there is none. */
  get(id: string): Fact {
    const f = this.byId.get(id);
    if (!f) throw new RulesError(`no fact "${id}" in the facts file (see medbill facts)`, { file: this.file, key: id });
    return f;
  }

  /** The number `key` of fact `id` (money in cents when the key ends in Cents). Throws {@link RulesError}. */
  number(id: string, key: string): number {
    const n = this.get(id).numbers?.[key];
    if (n === undefined) throw new RulesError(`fact "${id}" has no number "${key}"`, { file: this.file, key: `${id}.numbers.${key}` });
    return n;
  }

  /** The date `key` of fact `id` (ISO). Throws {@link RulesError}. */
  date(id: string, key: string): string {
    const d = this.get(id).dates?.[key];
    if (d === undefined) throw new RulesError(`fact "${id}" has no date "${key}"`, { file: this.file, key: `${id}.dates.${key}` });
    return d;
  }

  /**
   * The letter template `name` of fact `id` (a sentence with `{placeholders}`, see
   * {@link FactSchema} `letter`). Throws {@link RulesError} when the fact or the template is
   * missing, so a letter never falls back to wording of its own.
   */
  letter(id: string, name: string): string {
    const t = this.get(id).letter?.[name];
    if (t === undefined) throw new RulesError(`fact "${id}" has no letter template "${name}"`, { file: this.file, key: `${id}.letter.${name}` });
    return t;
  }

  /** Facts of one topic, in file order. */
  topic(topic: Fact['topic']): Fact[] {
    return this.all().filter((f) => f.topic === topic);
  }

  /** Facts past their re-check date on `today` (ISO): `recheck < today`. Fixed facts (recheck null) are never stale. Pure. */
  stale(today: string): Fact[] {
    return this.all().filter((f) => f.recheck !== null && f.recheck < today);
  }
}

/** Path of the facts file shipped with medbill (`<package>/rules/tables/facts.yaml`). */
export function defaultFactsFile(): string {
  return join(packageRoot(), 'rules', 'tables', 'facts.yaml');
}

/**
 * Validates parsed facts-file data. Throws {@link RulesError} with one problem per invalid key
 * (file and key named), and for an id used twice.
 */
export function validateFacts(data: unknown, file: string): Fact[] {
  const parsed = FactsFileSchema.safeParse(data);
  if (!parsed.success) {
    const problems: Problem[] = parsed.error.issues.slice(0, 10).map((issue) => {
      const key = issue.path.map(String).join('.') || '(top level)';
      const msg = issue.code === 'unrecognized_keys' ? `unknown key(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}` : issue.message;
      return { code: 'RULES_INVALID', message: `${key}: ${msg}`, location: { file, key } };
    });
    throw new RulesError((problems[0] as Problem).message, { file }, problems);
  }
  const seen = new Set<string>();
  for (const [i, f] of parsed.data.facts.entries()) {
    if (seen.has(f.id)) throw new RulesError(`facts.${i}.id: "${f.id}" is used twice`, { file, key: `facts.${i}.id` });
    seen.add(f.id);
  }
  return parsed.data.facts;
}

const loaded = new Map<string, FactBook>();

/**
 * Reads and validates a facts file (default: the one shipped with medbill), once per path. A
 * text validated at build time (dist/rule-cache.json, same hash) is not validated again, to
 * keep start-up fast. Throws {@link RulesError} for a file that cannot be read or does not
 * validate.
 */
export function loadFacts(file: string = defaultFactsFile()): FactBook {
  const hit = loaded.get(file);
  if (hit) return hit;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new RulesError(`cannot read the facts file: ${(err as Error).message}`, { file });
  }
  const hash = textHash(text);
  const valid = parseCache().facts[hash] as Fact[] | undefined;
  const facts = valid ? structuredClone(valid) : validateFacts(parseYaml(text, file), file);
  const book = new FactBook(facts, file, `sha256:${hash.slice(0, 16)}`);
  loaded.set(file, book);
  return book;
}

/** Formats integer cents as whole dollars when there are no cents (`$400`, `$15,960`), else `$1,234.56`. */
export function formatDollars(cents: number): string {
  const neg = cents < 0;
  const abs = Math.abs(Math.round(cents));
  const dollars = Math.floor(abs / 100).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const rest = abs % 100;
  return `${neg ? '-' : ''}$${dollars}${rest === 0 ? '' : `.${String(rest).padStart(2, '0')}`}`;
}
