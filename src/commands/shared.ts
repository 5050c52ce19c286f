/**
 * What every command module shares: the I/O surface (so tests can pass their own), the
 * command state that carries the exit code, option parsers and output helpers.
 */
import { resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { parseState } from '../bill/build.js';
import type { UsState } from '../bill/schema.js';
import { parseDate, parseMoney } from '../bill/values.js';
import { formatProblem, MedbillError, type Problem } from '../errors.js';
import { defaultRulesDir } from '../rules/loader.js';

/** Where the CLI reads and writes; tests pass their own. */
export interface Io {
  stdout: { write(s: string): unknown; isTTY?: boolean; columns?: number };
  stderr: { write(s: string): unknown; isTTY?: boolean };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: Record<string, string | undefined>;
  cwd: string;
}

/** The process's own streams, environment and working directory. */
export function processIo(): Io {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, cwd: process.cwd() };
}

/** Shared by the commands of one run: the exit code to return and temp files to remove on Ctrl-C. */
export interface CommandContext {
  io: Io;
  state: { code: number };
  cleanup: Set<string>;
  /** The arguments of this run, as given (without node and script). */
  argv: string[];
}

/** A module that adds its commands to the program. */
export type RegisterCommands = (program: Command, ctx: CommandContext) => void;

/** Commander option parser: comma-separated values, repeatable. */
export const collect = (value: string, previous: string[]) => [...previous, ...value.split(',').map((v) => v.trim()).filter(Boolean)];
/** Commander option parser: a repeatable option. */
export const repeat = (value: string, previous: string[]) => [...previous, value];

/** Colour level for reports: forced by --color/--no-color, off with NO_COLOR, on for a terminal or FORCE_COLOR. */
export function colorLevel(flag: boolean | undefined, io: Io): 0 | 1 {
  if (flag === true) return 1;
  if (flag === false) return 0;
  if (io.env.NO_COLOR) return 0;
  if (io.env.FORCE_COLOR && io.env.FORCE_COLOR !== '0') return 1;
  return io.stdout.isTTY && io.env.TERM !== 'dumb' ? 1 : 0;
}


/** Prints problems as one line each on stderr; a stack trace only with --verbose for unexpected errors. */
export function printProblems(problems: Problem[], io: Io, verbose?: boolean, err?: unknown): void {
  for (const p of problems) io.stderr.write(`medbill: ${formatProblem(p)}\n`);
  if (verbose && err instanceof Error && err.stack && !(err instanceof MedbillError)) io.stderr.write(`${err.stack}\n`);
}

/** The default rule pack followed by the `--rules` packs, resolved against the working directory. */
export function ruleDirs(extra: string[], cwd: string): string[] {
  return [defaultRulesDir(), ...extra.map((d) => resolve(cwd, d))];
}

/** Commander option parser for a date option: any date form a bill may use, returned as ISO. Throws InvalidArgumentError. */
export function isoDateOption(value: string): string {
  const d = parseDate(value);
  if (!d.ok || d.value === undefined) throw new InvalidArgumentError(`expected a date such as 2026-03-05 (got "${value}")`);
  return d.value;
}

/** Commander option parser for a dollar amount (`40000`, `$40,000.00`), returned as integer cents ≥ 0. Throws InvalidArgumentError. */
export function centsOption(value: string): number {
  const m = parseMoney(value);
  if (!m.ok || m.value === undefined || m.value < 0) throw new InvalidArgumentError(`expected an amount in dollars such as 1200 or $1,200.00 (got "${value}")`);
  return m.value;
}

/** Commander option parser for a percentage from 0 to 100 (`38`, `38.5`, `38%`). Throws InvalidArgumentError. */
export function percentOption(value: string): number {
  const t = value.trim().replace(/%$/, '');
  const n = /^\d+(\.\d+)?$/.test(t) ? Number(t) : NaN;
  if (!(n >= 0 && n <= 100)) throw new InvalidArgumentError(`expected a percentage from 0 to 100 such as 38 or 38.5 (got "${value}")`);
  return n;
}

/** Commander option parser for a US state postal code (`CA`, `ny`), upper-cased. Throws InvalidArgumentError. */
export function stateOption(value: string): UsState {
  const st = parseState(value);
  if (!st) throw new InvalidArgumentError(`expected a US state postal code such as CA or DC (got "${value}"; Puerto Rico and the other territories are not covered by the HHS poverty guidelines)`);
  return st;
}

/**
 * Commander option parser for a repeatable `--gfe [PROVIDER=]AMOUNT`: a Good Faith Estimate
 * for the whole bill, or for one provider (NPI or name). Throws InvalidArgumentError.
 */
export function gfeOption(value: string, previous: Array<{ provider?: string; amountCents: number }> = []): Array<{ provider?: string; amountCents: number }> {
  const eq = value.lastIndexOf('=');
  const provider = eq > 0 ? value.slice(0, eq).trim() : undefined;
  const amount = eq > 0 ? value.slice(eq + 1) : value;
  const m = parseMoney(amount);
  if (!m.ok || m.value === undefined || m.value < 0 || (eq >= 0 && !provider)) {
    throw new InvalidArgumentError(`expected AMOUNT or PROVIDER=AMOUNT in dollars, e.g. 1200 or 1234567893=1200 (got "${value}")`);
  }
  return [...previous, { ...(provider ? { provider } : {}), amountCents: m.value }];
}
