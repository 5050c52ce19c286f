/**
 * `medbill data import|list|remove|sample`: the user's CMS files (NCCI PTP, MUE and add-on
 * code edits; the Medicare fee schedules: PFS relative values, GPCIs, ZIP code localities,
 * CLFS, OPPS Addendum B, ASP) and hospital price files, imported into the per-user data
 * directory and used by `medbill audit`. The data modules load only when one of these
 * commands runs.
 */
import { resolve } from 'node:path';
import { Argument, Option } from 'commander';
import { DATA_KINDS, isDataKind, type DataKind } from '../data/model.js';
import { dataDir, storePath } from '../data/dir.js';
import { UsageError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { packageRoot } from '../paths.js';
import type { RegisterCommands } from './shared.js';

const DATA_DIR_HELP = 'data directory (default: $MEDBILL_DATA_DIR, else $XDG_DATA_HOME/medbill, else ~/.local/share/medbill)';

const IMPORT_HELP = `
Reads the files as CMS ships them: the zip, the .txt/.csv inside it, or the .xlsx.
The kind and quarter come from the content and file name; --kind and --period fill in
what they do not say. An import is all or nothing; importing a table again (same kind,
quarter and part) replaces it. Entries of a zip that medbill does not read (record
layouts, the anesthesia and LOCCO files of an RVU zip) are skipped with a note.
A hospital price file (CSV or JSON, 45 CFR 180.50) is streamed into the store and kept
under a name (--name, default: its file name) for medbill audit --prices NAME.

Examples:
  $ medbill data import ~/Downloads/medicare-ncci-2026q4-practitioner-ptp-edits-ccipra-v323r0-f*.zip
  $ medbill data import MCR_MUE_PractitionerServices_Eff_10-01-2026.csv
  $ medbill data import edits.txt --kind ncci-ptp-hospital --period 2026Q4
  $ medbill data import ~/Downloads/rvu26a.zip ~/Downloads/ZIP5_JAN2026.txt ~/Downloads/26clabq1.zip
  $ medbill data import hospital-standard-charges.json --name example-hospital
  $ medbill data sample --out /tmp/cms-sample && medbill data import /tmp/cms-sample/*.zip

Kinds: ${DATA_KINDS.join(', ')}
`;

function kindOption(value: string): DataKind {
  if (!isDataKind(value)) throw new UsageError(`--kind ${value}: expected one of ${DATA_KINDS.join(', ')}`);
  return value;
}

const fmt = (n: number) => n.toLocaleString('en-US');

/** Adds `medbill data` and its subcommands. */
export const registerData: RegisterCommands = (program, { io, state }) => {
  const data = program.command('data').description('import, list and remove CMS files (NCCI edits, Medicare fee schedules) and hospital price files used by the audit');
  data
    .command('import')
    .description('import CMS NCCI edit files, Medicare fee schedules (PFS RVU, GPCI, ZIP5, CLFS, OPPS Addendum B, ASP) or hospital price files')
    .argument('<file...>', 'files to import')
    .addOption(new Option('--kind <kind>', 'the kind of table, when the file does not say').choices(DATA_KINDS))
    .option('--period <quarter>', 'the quarter the file is for, e.g. 2026Q4, when its name does not say')
    .option('--name <name>', 'the name a hospital price file is kept under (medbill audit --prices NAME)')
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .addHelpText('after', IMPORT_HELP)
    .action(async (files: string[], o: { kind?: string; period?: string; name?: string; dataDir?: string }) => {
      const { importFiles } = await import('../data/import.js');
      const { periodOption } = await import('../data/parse.js');
      const dir = dataDir(o.dataDir, io.env, io.cwd);
      const options: { kind?: DataKind; period?: string; name?: string } = {};
      if (o.kind) options.kind = kindOption(o.kind);
      if (o.period) options.period = periodOption(o.period);
      if (o.name !== undefined) {
        if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(o.name)) throw new UsageError(`--name ${o.name}: use letters, digits, dots, hyphens and underscores`);
        options.name = o.name;
      }
      const result = await importFiles(dir, files.map((f) => ({ path: resolve(io.cwd, f), shown: f })), options, new Date().toISOString());
      for (const s of result.skipped) io.stderr.write(`medbill: note: ${s}\n`);
      for (const r of result.outcomes) {
        io.stdout.write(`imported ${r.kind} ${r.period}${r.part ? ` part ${r.part}` : ''}: ${fmt(r.rows)} rows from ${r.source}${r.replaced ? ' (replaced the earlier import)' : ''}\n`);
      }
      io.stdout.write(`data directory: ${dir}\n`);
      state.code = ExitCode.OK;
    });
  data
    .command('list')
    .description('list the imported tables: kind, quarter, rows, date imported')
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (o: { dataDir?: string; format: string }) => {
      const dir = dataDir(o.dataDir, io.env, io.cwd);
      const { existsSync } = await import('node:fs');
      let rows: Array<{ kind: string; period: string; part: string; rows: number; importedAt: string; source: string }> = [];
      if (existsSync(storePath(dir))) {
        const { openStore } = await import('../data/store.js');
        const store = await openStore(dir, { create: false });
        try {
          rows = store.datasets().map(({ kind, period, part, rows: n, importedAt, source }) => ({ kind, period, part, rows: n, importedAt, source }));
        } finally {
          store.close();
        }
      }
      if (o.format === 'json') io.stdout.write(JSON.stringify({ dataDir: dir, tables: rows }, null, 2) + '\n');
      else if (rows.length === 0) io.stdout.write(`No CMS data imported (data directory: ${dir}).\nThe audit uses medbill's curated tables; see medbill data import --help.\n`);
      else {
        const table = [['kind', 'quarter', 'part', 'rows', 'imported', 'from'], ...rows.map((r) => [r.kind, r.period, r.part || '-', fmt(r.rows), r.importedAt.slice(0, 16).replace('T', ' '), r.source])];
        const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => (r[i] as string).length)));
        for (const r of table) io.stdout.write(r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] as number))).join('  ') + '\n');
        io.stdout.write(`data directory: ${dir}\n`);
      }
      state.code = ExitCode.OK;
    });
  data
    .command('remove')
    .description('remove imported tables of a kind (one quarter, or all quarters; a hospital price file by name)')
    .addArgument(new Argument('<kind>', 'kind of table').choices(DATA_KINDS))
    .argument('[quarter]', 'quarter, e.g. 2026Q4 (default: all quarters of the kind); for hospital-prices, the name')
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .action(async (kind: DataKind, quarter: string | undefined, o: { dataDir?: string }) => {
      const dir = dataDir(o.dataDir, io.env, io.cwd);
      const { periodOption } = await import('../data/parse.js');
      const period = quarter && kind !== 'hospital-prices' ? periodOption(quarter) : undefined;
      const name = kind === 'hospital-prices' ? quarter : undefined;
      const { existsSync } = await import('node:fs');
      if (!existsSync(storePath(dir))) throw new UsageError(`no CMS data is imported (data directory: ${dir})`);
      const { openStore } = await import('../data/store.js');
      const store = await openStore(dir, { create: true });
      try {
        const gone = store.remove(kind, period, name);
        if (gone.length === 0) throw new UsageError(`no imported ${kind}${period ? ` ${period}` : ''}${name ? ` named ${name}` : ''} (see medbill data list)`);
        for (const d of gone) io.stdout.write(`removed ${d.kind} ${d.period}${d.part ? ` part ${d.part}` : ''} (${fmt(d.rows)} rows)\n`);
      } finally {
        store.close();
      }
      state.code = ExitCode.OK;
    });
  data
    .command('sample')
    .description("write small example files in the CMS layouts (from medbill's curated tables) to try an import")
    .requiredOption('--out <dir>', 'directory to write them to')
    .option('--force', 'replace files that exist')
    .action(async (o: { out: string; force?: boolean }) => {
      const { writeSample } = await import('../data/sample.js');
      const written = await writeSample(resolve(io.cwd, o.out), resolve(packageRoot(), 'rules'), o.force);
      for (const f of written) io.stdout.write(`${f}\n`);
      io.stdout.write(`\nImport them with: medbill data import ${resolve(io.cwd, o.out)}/*.zip\n`);
      state.code = ExitCode.OK;
    });
};
