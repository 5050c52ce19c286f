#!/usr/bin/env node
// Thin shim: the CLI is dist/medbill.mjs (bundled by `npm ci` through the prepare script).
import { run } from '../dist/medbill.mjs';

// A reader that goes away (`medbill --help | head`) ends the output quietly: no EPIPE stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err && err.code === 'EPIPE') return;
    throw err;
  });
}

run(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => {
    process.stderr.write(`medbill: internal error: ${err && err.message ? err.message : String(err)}\n`);
    process.exitCode = 2;
  },
);
