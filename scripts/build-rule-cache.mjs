// Build step: parse the default rule pack once (YAML rule files and code sets, validated rule
// files and their options, the validated facts file, CSV tables) and store the results in dist/rule-cache.json, keyed by the SHA-256 of
// each file's text (see src/rules/yaml.ts). A file whose text changes simply misses the cache.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseTableCsv, parseYamlUncached, textHash } from '../dist/rules/yaml.js';
import { validateRuleFile } from '../dist/rules/loader.js';
import { validateFacts } from '../dist/facts.js';
import { CHECK_KINDS } from '../dist/checks/index.js';

const cache = { yaml: {}, rules: {}, options: {}, facts: {}, csv: {} };
process.on('uncaughtException', (err) => {
  const where = err.problems?.map((p) => `${p.location?.file ?? ''} ${p.location?.key ?? ''}: ${p.message}`).join('\n') ?? err.stack;
  console.error(`build: the default rule pack does not validate:\n${where}`);
  process.exit(1);
});
for (const f of readdirSync('rules').filter((x) => x.endsWith('.yaml')).sort()) {
  const text = readFileSync(join('rules', f), 'utf8');
  const def = validateRuleFile(parseYamlUncached(text, f), f);
  cache.rules[textHash(text)] = def;
  // The options as the rule's kind validates them (defaults applied), so a run skips that step.
  const kind = CHECK_KINDS.get(def.kind);
  if (kind) cache.options[textHash(text)] = kind.options.parse(def.options ?? {});
}
for (const f of readdirSync('rules/tables').sort()) {
  const text = readFileSync(join('rules/tables', f), 'utf8');
  if (f === 'facts.yaml') cache.facts[textHash(text)] = validateFacts(parseYamlUncached(text, f), f);
  else if (f.endsWith('.yaml')) cache.yaml[textHash(text)] = parseYamlUncached(text, f);
  else if (f.endsWith('.csv')) cache.csv[textHash(text)] = parseTableCsv(text, f);
}
writeFileSync('dist/rule-cache.json', JSON.stringify(cache));
console.log(`rule cache: ${Object.keys(cache.rules).length} rules, ${Object.keys(cache.yaml).length + Object.keys(cache.csv).length} tables, ${Object.values(cache.facts)[0]?.length ?? 0} facts`);
