/**
 * `medbill prices validate FILE`: checks a hospital price file against the CMS schema (with
 * CMS's validator; src/prices/validate.ts). Exit 0 when it follows the schema (alerts are
 * printed as notes), 2 when it does not (each error on one line with its row and column, or
 * JSON pointer) or cannot be read. The price modules load only when this command runs.
 */
import { resolve } from 'node:path';
import { Option } from 'commander';
import { ExitCode } from '../exit-codes.js';
import type { RegisterCommands } from './shared.js';

/** Errors printed in the text output before "… and N more". */
const SHOWN = 50;

const VALIDATE_HELP = `
Checks a hospital's machine-readable price file (45 CFR 180.50) against the CMS
schema with CMS's own validator (@cmsgov/hpt-validator): versions 2.0, 2.1, 2.2
and 3.0, tall and wide CSV and JSON. The version comes from the file (CSV row 2,
the JSON "version"); --as-version overrides it.

Exit codes: 0 the file follows the schema (alerts are notes); 2 it does not, or it
cannot be read.

Examples:
  $ medbill prices validate hospital-standard-charges.csv
  $ medbill prices validate prices.json --format json | jq '.errors[0]'
`;

/** Adds `medbill prices` and its subcommands. */
export const registerPrices: RegisterCommands = (program, { io, state }) => {
  const prices = program.command('prices').description("hospital price files (45 CFR 180.50): check one against the CMS schema");
  prices
    .command('validate')
    .description('check a hospital price file (CSV or JSON, v2.x or v3.0) against the CMS schema')
    .argument('<file>', 'the price file')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--as-version <version>', 'validate as this schema version (2.0.0, 2.1.0, 2.2.0, 3.0.0) instead of the one the file states')
    .addHelpText('after', VALIDATE_HELP)
    .action(async (file: string, o: { format: string; asVersion?: string }) => {
      const { validatePriceFile } = await import('../prices/validate.js');
      const r = await validatePriceFile(resolve(io.cwd, file), file, o.asVersion);
      // One write: a reader that goes away early (| head) sees no half-written output.
      const lines: string[] = [];
      if (o.format === 'json') lines.push(JSON.stringify(r, null, 2));
      else {
        const where = (p: { row?: number; column?: string; pointer?: string }) =>
          [p.row !== undefined ? `${file}:${p.row}` : file, p.column !== undefined ? `column "${p.column}"` : '', p.pointer ?? ''].filter(Boolean).join(' ');
        const layout = r.format === 'csv' ? 'CSV' : 'JSON';
        if (r.valid) lines.push(`${file}: follows the CMS price file schema ${r.version} (${layout})${r.alerts.length > 0 ? `, with ${r.alerts.length} alert(s)` : ''}`);
        else lines.push(`${file}: does not follow the CMS price file schema ${r.version} (${layout}): ${r.errors.length}${r.truncated ? '+' : ''} error(s)${r.alerts.length > 0 ? `, ${r.alerts.length} alert(s)` : ''}`);
        for (const e of r.errors.slice(0, SHOWN)) lines.push(`  error: ${where(e)}: ${e.message}`);
        if (r.errors.length > SHOWN) lines.push(`  … and ${r.errors.length - SHOWN} more error(s) (--format json lists them all)`);
        for (const a of r.alerts.slice(0, SHOWN)) lines.push(`  alert: ${where(a)}: ${a.message}`);
        if (r.alerts.length > SHOWN) lines.push(`  … and ${r.alerts.length - SHOWN} more alert(s)`);
      }
      io.stdout.write(lines.join('\n') + '\n');
      state.code = r.valid ? ExitCode.OK : ExitCode.ERROR;
    });
};
