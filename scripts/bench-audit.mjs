// Part of npm run bench (scripts/bench.mjs): start-up cost of one audit against bare Node, and batch throughput against a
// bare csv-parse pass over the same file, measured in the same run (issue #2).
import { execFileSync, spawnSync } from 'node:child_process';
import { createReadStream, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse';
import { generateClaims } from './gen-claims.mjs';

const BIN = 'bin/medbill.js';
const DIR = '.bench';
mkdirSync(DIR, { recursive: true });

function time(args, runs) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
    if (r.status !== 0 && r.status !== 1) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

console.log('medbill benchmark (median of repeated runs; both sides measured in this run)\n');

// 1. One 25-line bill vs `node -e ''`.
const bill = 'fixtures/cases/inpatient-pneumonia-self-pay/bill.csv';
time([BIN, 'audit', bill], 3); // warm the file cache
const RUNS = 21;
const bare = time(['-e', ''], RUNS);
const one = time([BIN, 'audit', bill, '--format', 'json', '--admission', '2026-03-02', '--discharge', '2026-03-05'], RUNS);
console.log(`25-line bill: medbill audit ${one.toFixed(0)} ms, node -e '' ${bare.toFixed(0)} ms → ${(one / bare).toFixed(2)}× (goal ≤ 3×)`);

// 2. A 200k-line multi-claim file: lines/s of the audit vs a bare csv-parse pass.
const LINES = Number(process.env.BENCH_LINES ?? 200000);
const file = join(DIR, `claims-${LINES}.csv`);
const claims = await generateClaims(file, LINES, 20);
const mb = statSync(file).size / 1e6;
let t = process.hrtime.bigint();
let rows = 0;
await new Promise((done, fail) => {
  createReadStream(file)
    .pipe(parse({ relax_column_count: true }))
    .on('data', () => rows++)
    .on('end', done)
    .on('error', fail);
});
const parseMs = Number(process.hrtime.bigint() - t) / 1e6;
t = process.hrtime.bigint();
const r = spawnSync(process.execPath, [BIN, 'audit', file, '--group-by', 'claim_id', '--format', 'ndjson'], { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 30 });
const auditMs = Number(process.hrtime.bigint() - t) / 1e6;
if (r.status !== 0 && r.status !== 1) throw new Error(`audit exited ${r.status}: ${r.stderr}`);
const parseRate = (rows - 1) / (parseMs / 1000);
const auditRate = LINES / (auditMs / 1000);
console.log(`${LINES.toLocaleString('en-US')} lines in ${claims.toLocaleString('en-US')} claims (${mb.toFixed(1)} MB):`);
console.log(`  bare csv-parse pass   ${parseMs.toFixed(0).padStart(7)} ms  ${Math.round(parseRate).toLocaleString('en-US').padStart(10)} lines/s`);
console.log(`  medbill audit ndjson  ${auditMs.toFixed(0).padStart(7)} ms  ${Math.round(auditRate).toLocaleString('en-US').padStart(10)} lines/s  (${(auditRate / parseRate).toFixed(2)}× the bare pass)`);
void execFileSync;
