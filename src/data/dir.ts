/**
 * Where imported reference data lives: a per-user data directory following the XDG base
 * directory convention, overridable per run. The store is one SQLite file inside it.
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** File name of the store inside the data directory. */
export const STORE_FILE = 'medbill.sqlite';

/**
 * The data directory, first of: `--data-dir` (resolved against `cwd`), `MEDBILL_DATA_DIR`,
 * `$XDG_DATA_HOME/medbill`, `%LOCALAPPDATA%\medbill` on Windows, `~/.local/share/medbill`
 * (XDG Base Directory Specification default for data files).
 */
export function dataDir(option: string | undefined, env: Record<string, string | undefined>, cwd: string, platform: NodeJS.Platform = process.platform, home: string = homedir()): string {
  if (option) return resolve(cwd, option);
  if (env.MEDBILL_DATA_DIR) return resolve(cwd, env.MEDBILL_DATA_DIR);
  if (env.XDG_DATA_HOME) return join(env.XDG_DATA_HOME, 'medbill');
  if (platform === 'win32' && env.LOCALAPPDATA) return join(env.LOCALAPPDATA, 'medbill');
  return join(home, '.local', 'share', 'medbill');
}

/** The store file of a data directory. */
export function storePath(dir: string): string {
  return join(dir, STORE_FILE);
}
