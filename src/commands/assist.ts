/**
 * `medbill assist`: FPL percentage, state charity care, 501(r) and retroactive Medicaid for a
 * household (src/assist.ts does the work; this module parses options and prints). Loaded
 * lazily: `medbill audit` never evaluates it.
 */
import { InvalidArgumentError, Option } from 'commander';
import type { UsState } from '../bill/schema.js';
import { UsageError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { toolVersion } from '../paths.js';
import { centsOption, colorLevel, isoDateOption, stateOption, type RegisterCommands } from './shared.js';

interface AssistOptions {
  household: number;
  income: number;
  state: UsState;
  year?: number;
  nonprofit?: boolean;
  statementDate?: string;
  medicaidApplication?: string;
  medicaidGroup?: 'expansion-adult' | 'other';
  format: 'text' | 'json';
  color?: boolean;
}

/** Commander option parser for a whole number (`3`). Throws InvalidArgumentError. */
function wholeNumber(value: string): number {
  if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError(`expected a whole number (got "${value}")`);
  return Number(value.trim());
}

const HELP = `
Examples:
  $ medbill assist --household 3 --income 40000 --state CA
  $ medbill assist --household 3 --income 40000 --state TX --year 2025 --format json
  $ medbill assist --household 2 --income 52000 --state WA --nonprofit --statement-date 2026-06-20
  $ medbill assist --household 1 --income 18000 --state OH --medicaid-application 2027-03-10 --medicaid-group expansion-adult

It prints your income as a percentage of the federal poverty level (FPL; HHS guidelines
for 2025 and 2026, with Alaska and Hawaii), what your state's charity-care law provides at
that level (where medbill has the law on file), what IRC 501(r) gives you at a tax-exempt
hospital with the 120-day and 240-day dates, and the retroactive Medicaid window for an
application date. Every statement comes from the facts listed by medbill facts, with its
source. It is not legal advice.
`;

/** Adds `medbill assist`. */
export const registerAssist: RegisterCommands = (program, { io, state }) => {
  program
    .command('assist')
    .description('financial-assistance screening: FPL percentage, state charity care, 501(r) dates, retroactive Medicaid')
    .requiredOption('--household <n>', 'people in the household (1 or more)', wholeNumber)
    .requiredOption('--income <dollars>', 'annual household income in dollars, e.g. 40000', centsOption)
    .requiredOption('--state <XX>', 'US state postal code, e.g. CA (Alaska and Hawaii have their own guidelines)', stateOption)
    .option('--year <year>', 'poverty-guideline year (2025 or 2026; default the newest)', wholeNumber)
    .option('--nonprofit', 'the hospital is tax-exempt (nonprofit): show the 501(r) protections')
    .option('--no-nonprofit', 'the hospital is for-profit')
    .option('--statement-date <date>', 'date of the first statement after discharge (for the 120- and 240-day dates)', isoDateOption)
    .option('--medicaid-application <date>', 'date of a Medicaid application (for the retroactive window)', isoDateOption)
    .addOption(new Option('--medicaid-group <group>', 'eligibility group (matters from 2027-01-01)').choices(['expansion-adult', 'other']))
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--color', 'force colour')
    .option('--no-color', 'no colour')
    .addHelpText('after', HELP)
    .action(async (o: AssistOptions) => {
      const { assist, checkAssistInput } = await import('../assist.js');
      const { loadFacts } = await import('../facts.js');
      const book = loadFacts();
      const input = {
        household: o.household,
        incomeCents: o.income,
        state: o.state,
        ...(o.year !== undefined ? { year: o.year } : {}),
        ...(o.nonprofit !== undefined ? { nonprofit: o.nonprofit } : {}),
        ...(o.statementDate ? { statementDate: o.statementDate } : {}),
        ...(o.medicaidApplication ? { medicaidApplicationDate: o.medicaidApplication } : {}),
        ...(o.medicaidGroup ? { medicaidGroup: o.medicaidGroup } : {}),
      };
      const problem = checkAssistInput(input, book);
      if (problem) throw new UsageError(problem);
      const result = assist(input, book, toolVersion());
      if (o.format === 'json') io.stdout.write(JSON.stringify(result, null, 2) + '\n');
      else {
        const { formatAssistText } = await import('../formatters/assist.js');
        io.stdout.write(formatAssistText(result, { color: colorLevel(o.color, io), width: io.stdout.columns ?? 100 }));
      }
      state.code = ExitCode.OK;
    });
};
