/**
 * The letters' edge: predictable file names, rendering in the chosen format, atomic writes
 * that never replace an existing file without `--force`, the profile file, and the letter's
 * date and the PDF's creation date (the only clock reads, and SOURCE_DATE_EPOCH). Loaded by the
 * CLI only when letters are written.
 */
import { existsSync, statSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { isIsoDate, todayIso } from '../dates.js';
import { IoError, UsageError } from '../errors.js';
import type { FactBook } from '../facts.js';
import type { Report } from '../report.js';
import { composeLetter, lettersCalledFor, type ComposeOptions } from './compose.js';
import { type Letter, type LetterKind } from './model.js';
import { LETTER_FORMATS, type LetterFormat } from './options.js';
import { mergeProfiles, parseProfile, profileFromOptions, type Profile, type ProfileOptionValues } from './profile.js';
import { renderPdf } from './render-pdf.js';
import { renderMarkdown, renderText } from './render-text.js';

export { LETTER_FORMATS, type LetterFormat };

const EXTENSIONS: Record<LetterFormat, string> = { pdf: '.pdf', text: '.txt', markdown: '.md' };

function safeName(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+|-+$/g, '') || 'bill';
}

/**
 * The file name of a letter: `<bill file name without extension>[-claim-<id>]-<kind>.<ext>`,
 * e.g. `bill-dispute.pdf` for bill.csv, `claims-claim-C7-settlement.md` for claim C7 of
 * claims.csv; `stdin-…` for a bill read from standard input. Characters other than letters,
 * digits, `.`, `_` and `-` become `-`. Pure.
 */
export function letterFileName(report: Report, kind: LetterKind, format: LetterFormat): string {
  const path = report.input.path;
  const stem = path === '<stdin>' || path === '-' ? 'stdin' : safeName(basename(path).replace(/\.[^.]*$/, ''));
  const claim = report.input.claim !== undefined ? `-claim-${safeName(report.input.claim)}` : '';
  return `${stem}${claim}-${kind}${EXTENSIONS[format]}`;
}

/** Renders a letter: PDF bytes, or text/Markdown as UTF-8. `createdAt` is the PDF's creation date. */
export async function renderLetter(letter: Letter, format: LetterFormat, createdAt: Date): Promise<Buffer> {
  if (format === 'pdf') return renderPdf(letter, { createdAt });
  return Buffer.from(format === 'text' ? renderText(letter) : renderMarkdown(letter), 'utf8');
}

/**
 * The letter's date and the PDF's creation date, read at the edge: `--date` when given, else
 * the date of SOURCE_DATE_EPOCH (UTC) when it is set, else today on this machine; the creation
 * date is SOURCE_DATE_EPOCH when set (so the PDF is reproducible), else now. Throws
 * {@link UsageError} for a SOURCE_DATE_EPOCH that is not whole seconds or a --date that is not ISO.
 */
export function letterClock(date: string | undefined, env: Record<string, string | undefined>, now: Date = new Date()): { date: string; createdAt: Date } {
  const epoch = env.SOURCE_DATE_EPOCH;
  let fixed: Date | undefined;
  if (epoch !== undefined && epoch !== '') {
    if (!/^\d+$/.test(epoch.trim())) throw new UsageError(`SOURCE_DATE_EPOCH: expected whole seconds since 1970-01-01 (got "${epoch}")`);
    fixed = new Date(Number(epoch.trim()) * 1000);
  }
  if (date !== undefined && !isIsoDate(date)) throw new UsageError(`--date: expected a date such as 2026-03-25 (got "${date}")`);
  const day = date ?? (fixed ? fixed.toISOString().slice(0, 10) : todayIso(now));
  return { date: day, createdAt: fixed ?? now };
}

/**
 * Reads the profile: the `--profile` file (YAML or JSON; every scalar a string), overridden
 * by the profile options given. Throws {@link IoError} for a file that cannot be read and a
 * MedbillError (USAGE) for one that does not validate, naming the file and key.
 */
export async function loadProfile(file: string | undefined, options: ProfileOptionValues, cwd: string): Promise<Profile> {
  let base: Profile = {};
  if (file !== undefined) {
    let text: string;
    try {
      text = await readFile(resolve(cwd, file), 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new IoError(`--profile ${file}: cannot read it (${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (code ?? (err as Error).message)})`, { file });
    }
    // yaml is loaded at run time (as the rule loader does), not bundled into the CLI.
    const { parse } = createRequire(import.meta.url)('yaml') as typeof import('yaml');
    base = parseProfile(text, file, (t) => parse(t, { schema: 'failsafe' }));
  }
  return mergeProfiles(base, profileFromOptions(options));
}

/** A file to write: where, and its bytes. */
export interface PendingFile {
  path: string;
  data: Buffer;
}

/**
 * Writes files atomically (a temporary file in the same directory, then a rename), after
 * checking that none exists unless `force`; nothing is written when one does. Temporary files
 * are registered in `cleanup` while they exist (removed on Ctrl-C). Throws {@link IoError}
 * naming the file (as `shown` returns it) and what to do.
 */
export async function writeFilesAtomic(files: PendingFile[], o: { force: boolean; cleanup: Set<string>; shown: (path: string) => string }): Promise<void> {
  if (!o.force) {
    const existing = files.filter((f) => existsSync(f.path));
    if (existing.length > 0) {
      // One file: its name is the error's location (printed before the message), not repeated in it.
      if (existing.length === 1) throw new IoError('already exists; add --force to replace it (nothing was written)', { file: o.shown(existing[0]?.path ?? '') });
      throw new IoError(`${existing.map((f) => o.shown(f.path)).join(', ')} already exist; add --force to replace them (nothing was written)`);
    }
  }
  for (const f of files) {
    const tmp = join(dirname(f.path), `.${basename(f.path)}.${process.pid}.tmp`);
    o.cleanup.add(tmp);
    try {
      const handle = await open(tmp, 'w');
      try {
        await handle.writeFile(f.data);
      } finally {
        await handle.close();
      }
      await rename(tmp, f.path);
    } catch (err) {
      await rm(tmp, { force: true });
      const code = (err as NodeJS.ErrnoException).code;
      throw new IoError(`cannot write ${o.shown(f.path)}: ${code === 'ENOENT' ? 'its directory does not exist' : code === 'EACCES' ? 'permission denied' : (err as Error).message}`, { file: o.shown(f.path) });
    } finally {
      o.cleanup.delete(tmp);
    }
  }
}

/** Settings of the letters written for each bill of an audit (`medbill audit --letters DIR`). */
export interface LetterRun {
  dir: string;
  format: LetterFormat;
  /** Only these kinds (among those the findings call for); undefined: all they call for. */
  kinds?: LetterKind[];
  profile: Profile;
  facts: FactBook;
  compose: ComposeOptions;
  createdAt: Date;
  force: boolean;
  cleanup: Set<string>;
  cwd: string;
}

/** What writing one bill's letters did: the files written, the kinds skipped (with why), notes for the sender. */
export interface LetterOutcome {
  written: string[];
  skipped: string[];
  notes: string[];
}

/**
 * Composes, renders and writes the letters one report calls for (limited to `run.kinds`).
 * All of a bill's letters are checked first: when one exists (without `--force`) or was
 * written earlier in the same run, none is written. Throws {@link IoError} or {@link UsageError} (exit 2).
 */
export async function writeLettersFor(report: Report, run: LetterRun, writtenInRun: Set<string>): Promise<LetterOutcome> {
  const outcome: LetterOutcome = { written: [], skipped: [], notes: [] };
  if (report.errors.length > 0) return outcome;
  const called = lettersCalledFor(report, run.profile);
  const kinds = run.kinds ? run.kinds.filter((k) => called.includes(k)) : called;
  if (run.kinds) for (const k of run.kinds) if (!called.includes(k)) outcome.skipped.push(`no ${k} letter for ${report.input.path}${report.input.claim !== undefined ? ` (claim ${report.input.claim})` : ''}: its findings do not call for one`);
  const shown = (p: string) => relative(run.cwd, p) || p;
  const files: PendingFile[] = [];
  for (const kind of kinds) {
    const letter = composeLetter(kind, report, run.profile, run.facts, run.compose);
    const path = join(run.dir, letterFileName(report, kind, run.format));
    if (writtenInRun.has(path)) throw new IoError(`${shown(path)} was already written in this run by another bill with the same file name; audit those bills in separate runs or directories`, { file: shown(path) });
    files.push({ path, data: await renderLetter(letter, run.format, run.createdAt) });
    for (const n of letter.notes) if (!outcome.notes.includes(n)) outcome.notes.push(n);
  }
  if (files.length === 0) return outcome;
  await writeFilesAtomic(files, { force: run.force, cleanup: run.cleanup, shown });
  for (const f of files) {
    writtenInRun.add(f.path);
    outcome.written.push(shown(f.path));
  }
  return outcome;
}

/** Creates the letters directory (and parents) if needed. Throws {@link IoError} when it is a file or cannot be created. */
export async function ensureLetterDir(dir: string, shown: string): Promise<void> {
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new IoError(`--letters ${shown}: this is a file, not a directory`, { file: shown });
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    throw new IoError(`--letters ${shown}: cannot create the directory (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { file: shown });
  }
}
