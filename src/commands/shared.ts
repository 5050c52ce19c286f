/**
 * What every command module shares: the I/O surface (so tests can pass their own), the
 * command state that carries the exit code, option parsers and output helpers.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
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
