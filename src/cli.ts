/**
 * The `medbill` command line: a thin shell over the library. `run(argv, io)` parses the
 * arguments with commander, does the I/O, and returns the exit code (src/exit-codes.ts);
 * it never calls process.exit. Reports go to stdout, progress, warnings and errors to
 * stderr, so `medbill audit bill.csv --format json | jq` always works. Each command lives in
 * its own module under src/commands/.
 */
import { rmSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { registerAssist } from './commands/assist.js';
import { registerAudit } from './commands/audit.js';
import { registerFacts } from './commands/facts.js';
import { registerData } from './commands/data.js';
import { registerLetter } from './commands/letter.js';
import { registerPrices } from './commands/prices.js';
import { registerRules } from './commands/rules.js';
import { registerSchema } from './commands/schema.js';
import { printProblems, processIo, type CommandContext, type Io, type RegisterCommands } from './commands/shared.js';
import { toProblems } from './errors.js';
import { ExitCode } from './exit-codes.js';
import { toolVersion } from './paths.js';

export { processIo, type Io };

/** Every command module, in the order `medbill --help` lists them. Add new ones here. */
const COMMANDS: RegisterCommands[] = [registerAudit, registerLetter, registerAssist, registerFacts, registerData, registerPrices, registerSchema, registerRules];

function buildProgram(ctx: CommandContext): Command {
  const { io } = ctx;
  const program = new Command();
  program
    .name('medbill')
    .description(
      'Audit itemized US medical bills offline: duplicate, unbundled, upcoded and mis-dated charges, each with its source and the amount at stake; rights (No Surprises Act, financial assistance) and a negotiation plan. Not legal advice.',
    )
    .version(toolVersion(), '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      outputError: (s, write) => write(s.startsWith('error:') ? `medbill: ${s}` : s),
    });
  for (const register of COMMANDS) register(program, ctx);
  program.addHelpText(
    'after',
    `
Examples:
  $ medbill audit bill.csv                       audit one bill, report on the terminal
  $ medbill audit bill.csv --format json | jq .  the versioned JSON report
  $ medbill audit claims.csv --group-by claim_id --format ndjson > reports.ndjson
  $ medbill audit bill.csv --interactive         review the findings, then write letters
  $ medbill letter dispute bill.csv --profile me.yaml   a dispute letter (PDF)
  $ medbill rules list                           the rules that run, and their sources
  $ medbill schema bill                          the JSON Schema of a native JSON bill

Run medbill COMMAND --help for a command's options.`,
  );
  return program;
}

/**
 * Runs the CLI with `argv` (without node and script) and returns the exit code. Errors are
 * printed as one line each on stderr (no stack trace unless --verbose); SIGINT removes any
 * half-written output and exits 130.
 */
export async function run(argv: string[], io: Io = processIo()): Promise<number> {
  const state = { code: ExitCode.OK as number };
  const cleanup = new Set<string>();
  const onSigint = () => {
    for (const f of cleanup) {
      try {
        rmSync(f, { force: true });
      } catch {
        /* nothing to clean */
      }
    }
    io.stderr.write('\nmedbill: interrupted\n');
    process.exitCode = ExitCode.INTERRUPTED;
    process.removeListener('SIGINT', onSigint);
    process.kill(process.pid, 'SIGINT');
  };
  if (io.stdout === process.stdout) process.on('SIGINT', onSigint);
  try {
    const program = buildProgram({ io, state, cleanup, argv });
    if (argv.length === 0) {
      program.outputHelp();
      return ExitCode.ERROR;
    }
    await program.parseAsync(argv, { from: 'user' });
    return state.code;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return ExitCode.OK;
      return ExitCode.ERROR;
    }
    const verbose = argv.includes('--verbose');
    printProblems(toProblems(err), io, verbose, err);
    return ExitCode.ERROR;
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}
