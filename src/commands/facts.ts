/**
 * `medbill facts [ID...] [--stale] [--today DATE]`: the legal and financial facts medbill may
 * state (rules/tables/facts.yaml), each with its numbers, source, the date it was checked and
 * its re-check date. `--stale` lists those past their re-check date; "today" is read from the
 * clock here, at the edge, unless `--today` gives it (tests always do).
 */
import { Option } from 'commander';
import { formatCents } from '../bill/values.js';
import { todayIso } from '../dates.js';
import { UsageError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { FACT_TOPICS, loadFacts, type Fact } from '../facts.js';
import { colorLevel, isoDateOption, type RegisterCommands } from './shared.js';

interface FactsOptions {
  stale?: boolean;
  today?: string;
  topic?: Fact['topic'];
  format: 'text' | 'json';
  color?: boolean;
}

function numberText(key: string, n: number): string {
  return key.endsWith('Cents') ? `${key} ${n} (${formatCents(n)})` : `${key} ${n}`;
}

/** Adds `medbill facts`. */
export const registerFacts: RegisterCommands = (program, { io, state }) => {
  program
    .command('facts')
    .description('list the legal and financial facts medbill may state, with sources and re-check dates')
    .argument('[id...]', 'show only these facts')
    .option('--stale', 'only the facts past their re-check date')
    .option('--today <date>', 'the date to compare re-check dates with (default: today)', isoDateOption)
    .addOption(new Option('--topic <topic>', 'only the facts of one topic').choices(FACT_TOPICS))
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--color', 'force colour')
    .option('--no-color', 'no colour')
    .addHelpText('after', '\nExamples:\n  $ medbill facts\n  $ medbill facts --stale\n  $ medbill facts nsa-gfe-dispute --format json\n  $ medbill facts --topic state-charity-care\n')
    .action(async (ids: string[], o: FactsOptions) => {
      const book = loadFacts();
      const today = o.today ?? todayIso();
      for (const id of ids) if (!book.has(id)) throw new UsageError(`unknown fact id "${id}" (see medbill facts)`);
      let list = ids.length > 0 ? ids.map((id) => book.get(id)) : book.all();
      if (o.topic) list = list.filter((f) => f.topic === o.topic);
      const staleIds = new Set(book.stale(today).map((f) => f.id));
      if (o.stale) list = list.filter((f) => staleIds.has(f.id));
      if (o.format === 'json') {
        io.stdout.write(JSON.stringify({ schemaVersion: '1', today, file: 'rules/tables/facts.yaml', digest: book.digest, facts: list.map((f) => ({ ...f, stale: staleIds.has(f.id) })) }, null, 2) + '\n');
        state.code = ExitCode.OK;
        return;
      }
      const { Chalk } = await import('chalk');
      const c = new Chalk({ level: colorLevel(o.color, io) });
      const out: string[] = [];
      for (const f of list) {
        const due = f.recheck === null ? 'fixed (historical)' : staleIds.has(f.id) ? c.red(`PAST RE-CHECK (due ${f.recheck})`) : `re-check by ${f.recheck}`;
        out.push(`${c.bold(f.id)}  [${f.topic}]  ${due}`);
        out.push(`  ${f.text}`);
        if (f.numbers) out.push(c.dim(`  Numbers: ${Object.entries(f.numbers).map(([k, n]) => numberText(k, n)).join(', ')}`));
        if (f.dates) out.push(c.dim(`  Dates: ${Object.entries(f.dates).map(([k, d]) => `${k} ${d}`).join(', ')}`));
        if (f.rows) for (const r of f.rows) out.push(c.dim(`  - ${Object.entries(r).map(([k, v]) => `${k}: ${String(v)}`).join(' · ')}`));
        if (f.letter) for (const [name, t] of Object.entries(f.letter)) out.push(c.dim(`  Letter (${name}): ${t}`));
        out.push(c.dim(`  Source: ${f.source} [${f.strength}] · checked ${f.checked} against rights.md (${f.rightsMd})${f.recheckNote ? ` · ${f.recheckNote}` : ''}`));
        out.push('');
      }
      out.push(
        o.stale
          ? `${list.length} fact${list.length === 1 ? '' : 's'} past the re-check date as of ${today}.`
          : `${list.length} fact${list.length === 1 ? '' : 's'}; ${list.filter((f) => staleIds.has(f.id)).length} past the re-check date as of ${today} (medbill facts --stale). medbill is not legal advice.`,
      );
      io.stdout.write(out.join('\n') + '\n');
      state.code = ExitCode.OK;
    });
};
