import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** Absolute path of the built CLI shim. */
export const BIN = resolve(__dirname, '..', 'bin', 'medbill.js');

/**
 * A data directory that does not exist: the default for every CLI run in the tests, so that
 * no test reads (or writes) the user's own imported CMS tables.
 */
export const NO_DATA_DIR = join(mkdtempSync(join(tmpdir(), 'medbill-nodata-')), 'data');

/** Runs the built CLI (with {@link NO_DATA_DIR} as its data directory unless `env` says otherwise); resolves with its exit code and output (never rejects on a non-zero exit). */
export function cli(args: string[], opts: { input?: string; env?: Record<string, string>; cwd?: string } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: opts.cwd ?? resolve(__dirname, '..'), env: { ...process.env, NO_COLOR: '', FORCE_COLOR: '', MEDBILL_DATA_DIR: NO_DATA_DIR, ...opts.env }, maxBuffer: 256 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err && typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : err ? 1 : 0;
        done({ code, stdout, stderr });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    else child.stdin?.end();
  });
}

/**
 * Runs the CLI in process (the same `run` the built CLI calls) with captured output; stdin is
 * empty and not a terminal; the data directory is {@link NO_DATA_DIR} unless `env` says otherwise. Resolves with the exit code and what was written.
 */
export async function runIn(argv: string[], opts: { env?: Record<string, string>; cwd?: string } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const { Readable } = await import('node:stream');
  const { run } = await import('../src/cli.js');
  let stdout = '';
  let stderr = '';
  const out = { write: (s: string | Uint8Array) => ((stdout += typeof s === 'string' ? s : Buffer.from(s).toString('latin1')), true), isTTY: false, columns: 100 };
  const err = { write: (s: string) => ((stderr += s), true), isTTY: false };
  const code = await run(argv, { stdout: out, stderr: err, stdin: Readable.from([]) as unknown as NodeJS.ReadableStream, env: { NO_COLOR: '1', MEDBILL_DATA_DIR: NO_DATA_DIR, ...opts.env }, cwd: opts.cwd ?? resolve(__dirname, '..') });
  return { code, stdout, stderr };
}
