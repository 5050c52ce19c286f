/**
 * Check kind `keyword-match` (rule catalogue B7, B8, E3): a line whose description contains
 * a keyword phrase from a table (`group`, `keyword`, `source` columns), limited to the
 * table groups the rule names. Phrases match whole words (a word also matches its plural);
 * no regular expressions run from rule files. A description that also contains a phrase
 * from an `exceptGroups` group (catheter, ostomy, implant: patient-specific items) is not
 * flagged, nor is a line that charges nothing. Amount at stake: the line's full charge. Lines
 * without a description are not checked.
 */
import { z } from 'zod';
import type { BillLine } from '../bill/schema.js';
import { RulesError } from '../errors.js';
import { containsPhrase, toWords } from '../rules/predicates.js';
import { parseOptions, type CheckKind, type FindingDraft, type Gap } from './types.js';

const Options = z
  .object({
    table: z.string(),
    groups: z.array(z.string()).min(1),
    exceptGroups: z.array(z.string()).optional(),
  })
  .strict();

interface Phrase {
  group: string;
  keyword: string;
  words: string[];
  source: string;
}

interface Prepared {
  phrases: Phrase[];
  except: string[][];
  /** Match per description (chargemasters repeat their descriptions bill after bill). */
  memo: Map<string, Phrase | null>;
}

// Several rules match keywords on the same descriptions, and a chargemaster repeats its
// descriptions bill after bill: split each description once.
const wordCache = new Map<string, string[]>();
function wordsOf(l: BillLine): string[] {
  const d = l.description ?? '';
  let w = wordCache.get(d);
  if (!w) {
    w = toWords(d);
    if (wordCache.size > 50_000) wordCache.clear();
    wordCache.set(d, w);
  }
  return w;
}

/** The `keyword-match` check kind. */
export const keywordMatch: CheckKind<Prepared> = {
  name: 'keyword-match',
  summary: 'a description containing a keyword phrase from a table group',
  placeholders: ['keyword', 'group'],
  options: Options,
  prepare(options, ctx) {
    const o = parseOptions(Options, options, ctx.ref);
    const table = ctx.tables.table(o.table, ['group', 'keyword'], { ...ctx.ref, key: 'options.table' });
    const groups = new Set(table.rows.map((r) => r.group));
    for (const g of [...o.groups, ...(o.exceptGroups ?? [])]) {
      if (!groups.has(g)) throw new RulesError(`options.groups: table ${o.table} has no group "${g}"`, { file: ctx.ref.file, key: 'options.groups' });
    }
    const phrases = table.rows
      .filter((r) => o.groups.includes(r.group as string))
      .map((r) => ({ group: r.group as string, keyword: r.keyword as string, words: toWords(r.keyword), source: r.source as string }));
    const except = table.rows.filter((r) => (o.exceptGroups ?? []).includes(r.group as string)).map((r) => toWords(r.keyword));
    return { phrases, except, memo: new Map() };
  },
  run({ lines, exempt, options }) {
    const findings: FindingDraft[] = [];
    const gaps: Gap[] = [];
    const described = lines.filter((l) => l.description);
    const missing = lines.filter((l) => !l.description);
    if (missing.length > 0) gaps.push({ lines: missing.map((l) => l.line), reason: 'no description' });
    for (const l of described) {
      const d = l.description as string;
      let hit = options.memo.get(d);
      if (hit === undefined) {
        const words = wordsOf(l);
        hit = options.phrases.find((p) => containsPhrase(words, [p.words])) ?? null;
        if (hit && containsPhrase(words, options.except)) hit = null;
        if (options.memo.size > 50_000) options.memo.clear();
        options.memo.set(d, hit);
      }
      if (!hit || exempt(l) || l.chargeCents <= 0) continue;
      findings.push({
        lines: [l.line],
        amountAtStakeCents: l.chargeCents,
        values: { keyword: hit.keyword, group: hit.group },
        evidence: { keyword: hit.keyword, group: hit.group, tableSource: hit.source },
      });
    }
    return { findings, checked: described.map((l) => l.line), gaps };
  },
};
