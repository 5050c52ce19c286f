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
