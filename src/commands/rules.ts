/**
 * `medbill rules list|show|validate|test`.
 */
import { join, resolve } from 'node:path';
import { Option } from 'commander';
import { UsageError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { defaultRulesDir, loadRules } from '../rules/loader.js';
import { repeat, ruleDirs, type RegisterCommands } from './shared.js';

/** Describes a JSON Schema property type briefly: `number`, `string`, `list`, `{ set: NAME } or list`. */
function typeOf(schema: Record<string, unknown>): string {
  if (Array.isArray(schema.enum)) return (schema.enum as unknown[]).map((v) => JSON.stringify(v)).join(' | ');
  const alts = (schema.anyOf ?? schema.oneOf) as Array<Record<string, unknown>> | undefined;
  if (alts) {
    if (alts.some((a) => a.type === 'object' && (a.properties as Record<string, unknown> | undefined)?.set)) return 'list of codes, or { set: NAME }';
    return alts.map(typeOf).join(' or ');
  }
  if (schema.type === 'array') return 'list';
  return String(schema.type ?? 'value');
}

/** Adds `medbill rules` and its subcommands. */
export const registerRules: RegisterCommands = (program, { io, state }) => {
  const rules = program.command('rules').description('list, show, validate and test rules');
  rules
    .command('list')
    .description('list the rules that would run')
    .option('--rules <dir>', 'add a rule pack (repeatable)', repeat, [])
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action((o: { rules: string[]; format: string }) => {
      const set = loadRules(ruleDirs(o.rules, io.cwd));
      if (o.format === 'json') {
        io.stdout.write(JSON.stringify(set.rules.map((r) => ({ id: r.id, kind: r.kind.name, category: r.def.category, severity: r.def.severity, confidence: r.def.confidence, title: r.def.title, file: r.file })), null, 2) + '\n');
      } else {
        const w = Math.max(...set.rules.map((r) => r.id.length));
        for (const r of set.rules) io.stdout.write(`${r.id.padEnd(w)}  ${r.def.severity.padEnd(7)}  ${r.def.category.padEnd(14)}  ${r.def.title}\n`);
        io.stdout.write(`\n${set.rules.length} rules (${set.digest}); medbill rules show ID for one.\n`);
      }
      state.code = ExitCode.OK;
    });
  rules
    .command('show')
    .description('show one rule: its file, what it checks, its sources and exceptions')
    .argument('<id>', 'rule id')
    .option('--rules <dir>', 'add a rule pack (repeatable)', repeat, [])
    .action((id: string, o: { rules: string[] }) => {
      const set = loadRules(ruleDirs(o.rules, io.cwd));
      const r = set.rules.find((x) => x.id === id);
      if (!r) throw new UsageError(`unknown rule id "${id}" (see medbill rules list)`);
      const d = r.def;
      const lines = [
        `${d.id} — ${d.title}`,
        `file:        ${r.file}`,
        `kind:        ${r.kind.name} (${r.kind.summary})`,
        `category:    ${d.category}    severity: ${d.severity}    confidence: ${d.confidence}`,
        ...(d.docs.catalogue ? [`catalogue:   ${d.docs.catalogue}`] : []),
        ...(d.appliesTo ? [`applies to:  ${Object.entries(d.appliesTo).map(([k, v]) => `${k} ${(v as Array<string | boolean>).join('|')}`).join(', ')}`] : []),
        '',
        d.docs.rationale.trim(),
        '',
        'Exceptions:',
        ...(d.docs.exceptions ?? ['none listed']).map((e) => `  - ${e}`),
        'Sources:',
        ...d.docs.references.map((e) => `  - ${e}`),
        ...(d.docs.facts && d.docs.facts.length > 0
          ? ['Facts it states (medbill facts):', ...d.docs.facts.map((id) => `  - ${id}: ${set.facts.get(id).text} (${set.facts.get(id).source}; re-check ${set.facts.get(id).recheck ?? 'not needed'})`)]
          : []),
      ];
      io.stdout.write(lines.join('\n') + '\n');
      state.code = ExitCode.OK;
    });
  rules
    .command('kinds')
    .description('list the check kinds a rule can use, with their options and message placeholders')
    .action(async () => {
      const { z } = await import('zod');
      const { CHECK_KINDS } = await import('../checks/index.js');
      const { COMMON_PLACEHOLDERS } = await import('../checks/types.js');
      const out: string[] = [`Placeholders every kind offers: ${COMMON_PLACEHOLDERS.map((p) => `{${p}}`).join(' ')}`, ''];
      for (const kind of CHECK_KINDS.values()) {
        out.push(`${kind.name} — ${kind.summary}`);
        if (kind.placeholders.length > 0) out.push(`  placeholders: ${kind.placeholders.map((p) => `{${p}}`).join(' ')}`);
        const schema = z.toJSONSchema(kind.options, { io: 'input', unrepresentable: 'any' }) as { properties?: Record<string, Record<string, unknown>>; required?: string[] };
        for (const [name, prop] of Object.entries(schema.properties ?? {})) {
          const req = schema.required?.includes(name) ? ' (required)' : '';
          const def = prop.default !== undefined ? ` (default ${JSON.stringify(prop.default)})` : '';
          const doc = typeof prop.description === 'string' ? ` — ${prop.description}` : '';
          out.push(`  options.${name}: ${typeOf(prop)}${req}${def}${doc}`);
        }
        out.push('');
      }
      io.stdout.write(out.join('\n'));
      state.code = ExitCode.OK;
    });
  rules
    .command('validate')
    .description('validate a rule pack (the default pack when no directory is given)')
    .argument('[dir]', 'rules directory')
    .action((dir: string | undefined) => {
      const dirs = dir ? ruleDirs([dir], io.cwd) : [defaultRulesDir()];
      const set = loadRules(dirs);
      const pack = dirs[dirs.length - 1] as string;
      const count = set.rules.filter((r) => r.pack === pack).length;
      io.stdout.write(`${count} rule(s) in ${dir ?? pack} are valid.\n`);
      state.code = ExitCode.OK;
    });
  rules
    .command('test')
    .description('run each rule on its fixture (<fixtures>/<rule-id>.csv with an "expect" column)')
    .argument('[dir]', 'rules directory (default: the default pack)')
    .option('--fixtures <dir>', 'fixture directory (default: DIR/fixtures, or fixtures/rules for the default pack)')
    .action(async (dir: string | undefined, o: { fixtures?: string }) => {
      const { testRules } = await import('../rules/tester.js');
      const dirs = dir ? ruleDirs([dir], io.cwd) : [defaultRulesDir()];
      const pack = dirs[dirs.length - 1] as string;
      const fixtures = o.fixtures ? resolve(io.cwd, o.fixtures) : dir ? join(pack, 'fixtures') : resolve(pack, '..', 'fixtures', 'rules');
      const set = loadRules(dirs);
      const results = testRules(set, fixtures, pack);
      for (const r of results) {
        io.stdout.write(`${r.ok ? 'ok  ' : 'FAIL'}  ${r.ruleId}\n`);
        for (const p of r.problems) io.stdout.write(`      ${p}\n`);
      }
      const failed = results.filter((r) => !r.ok).length;
      io.stdout.write(`\n${results.length - failed} passed, ${failed} failed (fixtures: ${fixtures})\n`);
      state.code = failed > 0 ? ExitCode.FINDINGS : ExitCode.OK;
    });
};
