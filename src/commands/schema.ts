/**
 * `medbill schema NAME`: the JSON Schemas of the report, the batch report, the native bill,
 * a rule file, the assist result, the facts file and the letter profile. The zod schemas load only when this command runs.
 */
import { Argument } from 'commander';
import { ExitCode } from '../exit-codes.js';
import type { SchemaName } from '../schemas.js';
import type { RegisterCommands } from './shared.js';

/** Names accepted by `medbill schema` (kept here so the schema module loads only when used). */
const SCHEMA_NAMES = ['report', 'batch', 'bill', 'rule', 'assist', 'facts', 'profile'] as const;

/** Adds `medbill schema`. */
export const registerSchema: RegisterCommands = (program, { io, state }) => {
  program
    .command('schema')
    .description('print the JSON Schema of the report, the batch report, the native JSON bill, a rule file, the assist result, the facts file or the letter profile')
    .addArgument(new Argument('<name>', 'which schema').choices(SCHEMA_NAMES))
    .addHelpText('after', '\nExamples:\n  $ medbill schema report > report.schema.json\n  $ medbill schema bill\n')
    .action(async (name: string) => {
      const { jsonSchema } = await import('../schemas.js');
      io.stdout.write(JSON.stringify(jsonSchema(name as SchemaName), null, 2) + '\n');
      state.code = ExitCode.OK;
    });
};
