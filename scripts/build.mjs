// Build: compile TypeScript (dist/, the library API), parse the default rule pack into
// dist/rule-cache.json, and bundle the CLI into one file (dist/medbill.mjs) so that a run
// loads one module instead of a hundred: start-up time is most of a one-bill audit. Code
// that only some commands need (the data commands, SQLite, zip and xlsx readers) is split
// into chunks (dist/chunks/) loaded by dynamic import; native modules stay external.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
// dist/ is not emptied first: another process may be running the CLI from it while this builds.
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
execFileSync(process.execPath, ['scripts/build-rule-cache.mjs'], { stdio: 'inherit' });
const { build } = await import('esbuild');
// Old chunks have hashed names: remove them so dist/ holds only what this build wrote.
rmSync('dist/chunks', { recursive: true, force: true });
await build({
  // The CLI, the worker-thread entry of batch audits (src/batch/worker.ts), and the thread that
  // streams a price file into a temporary store for a batch (src/prices/store-worker.ts).
  entryPoints: { medbill: 'dist/cli.js', worker: 'dist/batch/worker.js', 'prices-worker': 'dist/prices/store-worker.js' },
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  // better-sqlite3 is a native addon: it is loaded from node_modules, and only by src/data/store.ts.
  // pdfkit and @inquirer/prompts load at run time from node_modules, only when used (the letter
  // renderer, the interactive review): pdfkit reads its font data relative to its own package.
  // CMS's price-file validator (and its JSON schemas) loads from node_modules, only for medbill prices validate;
  // iconv-lite (its code-page tables) only for a bill that is not UTF-8.
  external: ['better-sqlite3', 'pdfkit', '@inquirer/prompts', '@cmsgov/hpt-validator', 'iconv-lite'],
  logLevel: 'warning',
  plugins: [
    {
      // zod's locale index (every language) is replaced by English only: a smaller bundle to parse at start-up.
      name: 'zod-english-only',
      setup(b) {
        b.onResolve({ filter: /locales\/index\.js$/ }, (args) =>
          args.importer.includes(`${'zod'}`) ? { path: new URL('./stubs/zod-locales.js', import.meta.url).pathname } : undefined,
        );
      },
    },
  ],
  banner: { js: "import { createRequire as __medbillRequire } from 'node:module'; const require = __medbillRequire(import.meta.url);" },
});
console.log('built dist/, dist/medbill.mjs, dist/worker.mjs and dist/prices-worker.mjs');
