// Build: compile TypeScript (dist/, the library API), parse the default rule pack into
// dist/rule-cache.json, and bundle the CLI into one file (dist/medbill.mjs) so that a run
// loads one module instead of a hundred: start-up time is most of a one-bill audit.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
// dist/ is not emptied first: another process may be running the CLI from it while this builds.
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
execFileSync(process.execPath, ['scripts/build-rule-cache.mjs'], { stdio: 'inherit' });
const { build } = await import('esbuild');
const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  logLevel: 'warning',
  banner: { js: "import { createRequire as __medbillRequire } from 'node:module'; const require = __medbillRequire(import.meta.url);" },
  // Loaded at run time from node_modules, and only when used (dynamic imports in the letter
  // renderer and the interactive review): pdfkit reads its font metrics and other data files
  // relative to its own package, and neither belongs in the start-up bundle.
  external: ['pdfkit', '@inquirer/prompts'],
};
// The CLI, and the worker-thread entry of batch audits (src/batch/worker.ts).
await build({ ...common, entryPoints: ['dist/cli.js'], outfile: 'dist/medbill.mjs' });
await build({ ...common, entryPoints: ['dist/batch/worker.js'], outfile: 'dist/worker.mjs' });
console.log('built dist/, dist/medbill.mjs and dist/worker.mjs');
