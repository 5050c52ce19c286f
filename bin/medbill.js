#!/usr/bin/env node
// Thin shim: the CLI lives in dist/cli.js (built by `npm ci` through the prepare script).
import { run } from '../dist/cli.js';

run(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => {
    process.stderr.write(`medbill: internal error: ${err && err.message ? err.message : String(err)}\n`);
    process.exitCode = 2;
  },
);
