#!/usr/bin/env node
// Thin shim: the CLI is dist/medbill.mjs (bundled by `npm ci` through the prepare script).
import { run } from '../dist/medbill.mjs';

run(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => {
    process.stderr.write(`medbill: internal error: ${err && err.message ? err.message : String(err)}\n`);
    process.exitCode = 2;
  },
);
