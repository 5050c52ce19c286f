// Part of npm run bench (scripts/bench.mjs), issue #7: batch throughput and memory.
// Generates a 1,000,000-line multi-claim CSV (about 50,000 claims) and measures, in this run:
// a bare csv-parse pass over it, `medbill audit --format ndjson` with --jobs 1 and --jobs 2
// (lines/s and the ratio to the bare pass; goal ≥ 1.0× with both cores), and peak RSS (goal
// ≤ 200 MB, and within 10% of it for a 2,000,000-line file). BENCH_BATCH_LINES scales it down.
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse';
import { generateClaims } from './gen-claims.mjs';

const DIR = '.bench';
mkdirSync(DIR, { recursive: true });
const LINES = Number(process.env.BENCH_BATCH_LINES ?? 1_000_000);
const fmt = (n) => Math.round(n).toLocaleString('en-US');

async function file(lines) {
  const path = join(DIR, `batch-${lines}.csv`);
  if (!existsSync(path)) await generateClaims(path, lines, 20, 42, false);
  return path;
}

async function barePass(path) {
  const t = process.hrtime.bigint();
  let rows = 0;
  await new Promise((done, fail) => {
    createReadStream(path).pipe(parse({ relax_column_count: true })).on('data', () => rows++).on('end', done).on('error', fail);
  });
  return { ms: Number(process.hrtime.bigint() - t) / 1e6, rows: rows - 1 };
}

function medbill(path, jobs) {
  // /usr/bin/time reports the peak resident set size (KB) of the process, worker threads included.
  const t = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, 'bin/medbill.js', 'audit', path, '--group-by', 'claim_id', '--format', 'ndjson', '--jobs', String(jobs), '-q'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
  });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== 0 && r.status !== 1) throw new Error(`medbill exited ${r.status}: ${r.stderr}`);
  const rssMb = Number(r.stderr.trim().split('\n').pop()) / 1024;
  return { ms, rssMb };
}

const path = await file(LINES);
const mb = statSync(path).size / 1e6;
console.log(`${fmt(LINES)}-line multi-claim CSV (${mb.toFixed(0)} MB); median of 3 runs each\n`);
const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const bare = median([await barePass(path), await barePass(path), await barePass(path)].map((x) => x.ms));
const bareRate = LINES / (bare / 1000);
console.log(`bare csv-parse pass     ${fmt(bare).padStart(7)} ms  ${fmt(bareRate).padStart(10)} lines/s`);
const results = {};
for (const jobs of [1, 2]) {
  const runs = [medbill(path, jobs), medbill(path, jobs), medbill(path, jobs)];
  const ms = median(runs.map((r) => r.ms));
  const rss = Math.max(...runs.map((r) => r.rssMb));
  results[jobs] = { ms, rss };
  const rate = LINES / (ms / 1000);
  console.log(`medbill --jobs ${jobs}         ${fmt(ms).padStart(7)} ms  ${fmt(rate).padStart(10)} lines/s  ${(rate / bareRate).toFixed(2)}× the bare pass  peak RSS ${rss.toFixed(0)} MB`);
}
console.log(`goal: ≥ 1.0× with --jobs 2 → ${(bare / results[2].ms).toFixed(2)}×; peak RSS ≤ 200 MB → ${results[2].rss.toFixed(0)} MB`);
const path2 = await file(LINES * 2);
const rss2 = medbill(path2, 2).rssMb;
console.log(`${fmt(LINES * 2)} lines, --jobs 2: peak RSS ${rss2.toFixed(0)} MB (${((rss2 / results[2].rss - 1) * 100).toFixed(1)}% vs ${fmt(LINES)} lines; goal within 10%)`);
