/**
 * Compiles rule predicates (the closed vocabulary of {@link Predicate}) into functions over
 * bill lines. Named sets are resolved at load time, so an unknown set is a rule error, not
 * a silent miss.
 */
import type { BillLine } from '../bill/schema.js';
import { RulesError } from '../errors.js';
import type { Predicate, PredicateField, ValueListInput } from './schema.js';
import { CodeSet, type TableRegistry } from './tables.js';

/** A compiled predicate. */
export type LineTest = (line: BillLine) => boolean;

/** Where in a rule file a predicate or list sits, for error messages. */
export interface RuleRef {
  file: string;
  key: string;
  /** The rule's options already validated by the kind's schema at build time (unchanged file): used as is. */
  validated?: unknown;
}

/** Resolves an inline list or `{ set: name }` into a {@link CodeSet}. Throws {@link RulesError} for unknown sets. */
export function resolveList(list: ValueListInput | string[], tables: TableRegistry, ref: RuleRef): CodeSet {
  if (Array.isArray(list)) return new CodeSet(`${ref.key}`, 'inline list', 'rule file', list.map(String));
  return tables.set(list.set, ref);
}

function values(line: BillLine, field: PredicateField): Array<string | number> {
  const v = line[field];
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

const words = (s: string) => s.toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);

/**
 * Compiles a predicate. Throws {@link RulesError} (naming the rule file and key) when a set
 * does not exist or an operator does not fit the field.
 */
export function compilePredicate(p: Predicate, tables: TableRegistry, ref: RuleRef): LineTest {
  if ('all' in p) {
    const parts = p.all.map((q, i) => compilePredicate(q, tables, { ...ref, key: `${ref.key}.all[${i}]` }));
    return (l) => parts.every((f) => f(l));
  }
  if ('any' in p) {
    const parts = p.any.map((q, i) => compilePredicate(q, tables, { ...ref, key: `${ref.key}.any[${i}]` }));
    return (l) => parts.some((f) => f(l));
  }
  if ('not' in p) {
    const inner = compilePredicate(p.not, tables, { ...ref, key: `${ref.key}.not` });
    return (l) => !inner(l);
  }
  const field = p.field;
  const numeric = ['line', 'units', 'unitPriceCents', 'chargeCents', 'minutes'].includes(field);
  const num = (name: string, v: number | undefined): number => {
    if (!numeric) throw new RulesError(`"${name}" compares numbers; field "${field}" is not numeric`, ref);
    return v as number;
  };
  if (p.present !== undefined) {
    const want = p.present;
    return (l) => (values(l, field).length > 0) === want;
  }
  if (p.eq !== undefined) {
    const want = String(p.eq);
    return (l) => values(l, field).some((v) => String(v) === want);
  }
  if (p.in !== undefined || p.hasAny !== undefined) {
    const set = resolveList((p.in ?? p.hasAny) as ValueListInput, tables, { ...ref, key: `${ref.key}.${p.in !== undefined ? 'in' : 'hasAny'}` });
    return (l) => values(l, field).some((v) => set.has(String(v)));
  }
  if (p.startsWith !== undefined) {
    const prefixes = (Array.isArray(p.startsWith) ? p.startsWith : [p.startsWith]).map(String);
    return (l) => values(l, field).some((v) => prefixes.some((x) => String(v).startsWith(x)));
  }
  if (p.between !== undefined) {
    const [a, b] = p.between;
    if (numeric) return (l) => values(l, field).some((v) => Number(v) >= Number(a) && Number(v) <= Number(b));
    return (l) => values(l, field).some((v) => String(v).length === a.length && String(v) >= a && String(v) <= b);
  }
  if (p.gt !== undefined) {
    const n = num('gt', p.gt);
    return (l) => values(l, field).some((v) => Number(v) > n);
  }
  if (p.gte !== undefined) {
    const n = num('gte', p.gte);
    return (l) => values(l, field).some((v) => Number(v) >= n);
  }
  if (p.lt !== undefined) {
    const n = num('lt', p.lt);
    return (l) => values(l, field).some((v) => Number(v) < n);
  }
  if (p.lte !== undefined) {
    const n = num('lte', p.lte);
    return (l) => values(l, field).some((v) => Number(v) <= n);
  }
  if (p.containsWord !== undefined) {
    const phrases = (Array.isArray(p.containsWord) ? p.containsWord : [p.containsWord]).map(words);
    return (l) => values(l, field).some((v) => containsPhrase(words(String(v)), phrases));
  }
  throw new RulesError('field test without an operator', ref);
}

/**
 * True when the word list `text` contains one of `phrases` as consecutive words. A phrase
 * word also matches its plural (`glove` matches `gloves`), so keyword tables stay short.
 */
export function containsPhrase(text: string[], phrases: string[][]): boolean {
  const same = (w: string, k: string) => w === k || w === `${k}s` || w === `${k}es`;
  for (const phrase of phrases) {
    if (phrase.length === 0) continue;
    for (let i = 0; i + phrase.length <= text.length; i++) {
      let hit = true;
      for (let j = 0; j < phrase.length; j++) {
        if (!same(text[i + j] as string, phrase[j] as string)) {
          hit = false;
          break;
        }
      }
      if (hit) return true;
    }
  }
  return false;
}

/** Splits text into lower-case words (letters and digits), the form {@link containsPhrase} expects. */
export function toWords(s: string | undefined): string[] {
  return s ? words(s) : [];
}
