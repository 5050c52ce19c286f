// Part of npm run bench (scripts/bench.mjs): hospital price files at scale (issue #4).
// Generates a tall-CSV and a JSON price file in the CMS v3.0 layouts (made-up; see
// gen-prices.mjs) of 1 GB each, and of a quarter of that, then measures, for each, the time to
// answer one 25-line bill with `medbill audit --prices FILE` (the file streamed once, only the
// bill's codes kept) and the peak memory (maximum resident set size) of that run. Goal: peak
// memory ≤ 200 MB, and flat as the file grows (the quarter-size and full-size runs alike).
// Also: the same bill without --prices (the baseline), and a grouped batch of claims with
// --prices (the file streamed into a temporary store each worker thread reads).
// Environment: BENCH_PRICES_MB (default 1024) sets the full size.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { codeOf, generatePrices } from './gen-prices.mjs';

const BIN = resolve('bin/medbill.js');
const DIR = resolve('.bench');
mkdirSync(DIR, { recursive: true });
const FULL = Number(process.env.BENCH_PRICES_MB ?? 1024);
const SIZES = [Math.max(1, Math.round(FULL / 4)), FULL];

// Reports the process's peak RSS (KB, all threads) to a file when it exits.
const RSS = join(DIR, 'report-rss.mjs');
writeFileSync(RSS, "import { writeFileSync } from 'node:fs';\nprocess.on('exit', () => { if (process.env.RSS_OUT) writeFileSync(process.env.RSS_OUT, String(process.resourceUsage().maxRSS)); });\n");

// The 25-line bill: outpatient facility lines whose codes are spread through the files.
const codes = Array.from({ length: 25 }, (_, k) => codeOf(17 + k * 1500));
const bill = join(DIR, 'prices-bill.csv');
writeFileSync(bill, 'line,date,revenue_code,hcpcs,units,charge\n' + codes.map((c, k) => `${k + 1},2026-03-0${1 + (k % 9)},0300,${c},1,${(20000 + k * 137).toFixed(2)}`).join('\n') + '\n');
const claims = join(DIR, 'prices-claims.csv');
if (!existsSync(claims)) {
  const rows = ['claim_id,line,date,revenue_code,hcpcs,units,charge'];
  for (let c = 0; c < 2000; c++) for (let l = 0; l < 10; l++) rows.push(`C${String(c).padStart(5, '0')},${l + 1},2026-03-02,0300,${codeOf((c * 10 + l) * 31)},1,${(5000 + l * 77).toFixed(2)}`);
  writeFileSync(claims, rows.join('\n') + '\n');
}

async function file(kind, mb) {
  const f = join(DIR, `prices-${mb}mb.${kind}`);
  const want = mb * 1024 * 1024;
  if (!existsSync(f) || Math.abs(statSync(f).size - want) > 4 * 1024 * 1024) {
    const t = process.hrtime.bigint();
    await generatePrices(f, mb);
    console.log(`  generated ${f} (${(statSync(f).size / 1e6).toFixed(0)} MB) in ${(Number(process.hrtime.bigint() - t) / 1e9).toFixed(1)} s`);
  }
  return f;
}

function run(args) {
  const out = join(DIR, 'rss.txt');
  rmSync(out, { force: true });
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['--import', RSS, BIN, ...args], { env: { ...process.env, RSS_OUT: out }, encoding: 'utf8', maxBuffer: 1 << 30 });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== 0 && r.status !== 1) throw new Error(`medbill ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return { ms, rssMb: Number(readFileSync(out, 'utf8')) / 1024, stdout: r.stdout };
}

const facts = ['--bill-type', 'facility', '--encounter', 'outpatient', '--insurance', 'self-pay'];
console.log(`medbill price-file benchmark: one 25-line bill against generated price files of ${SIZES.join(' and ')} MB (goal: peak memory ≤ 200 MB, flat as the file grows)\n`);
const base = run(['audit', bill, ...facts, '--format', 'json']);
console.log(`  without --prices: ${base.ms.toFixed(0)} ms, peak RSS ${base.rssMb.toFixed(0)} MB`);
const results = [];
for (const kind of ['csv', 'json']) {
  for (const mb of SIZES) {
    const f = await file(kind, mb);
    const r = run(['audit', bill, ...facts, '--format', 'json', '--prices', f]);
    const report = JSON.parse(r.stdout);
    const priced = report.prices.lines.filter((l) => l.benchmarks.some((b) => b.kind === 'cash-price')).length;
    results.push({ kind, mb, ...r, priced });
    console.log(`  ${kind === 'csv' ? 'tall CSV' : 'JSON    '} ${String(mb).padStart(5)} MB: ${(r.ms / 1000).toFixed(1).padStart(6)} s (${(statSync(f).size / 1e6 / (r.ms / 1000)).toFixed(0)} MB/s), peak RSS ${r.rssMb.toFixed(0)} MB; ${priced} of 25 lines priced from the file`);
  }
}
const big = results.filter((r) => r.mb === FULL);
const worst = Math.max(...results.map((r) => r.rssMb));
console.log(`\n  peak RSS: at most ${worst.toFixed(0)} MB (${worst <= 200 ? 'meets' : 'misses'} the goal ≤ 200 MB)`);
for (const kind of ['csv', 'json']) {
  const [a, b] = results.filter((r) => r.kind === kind);
  console.log(`  ${kind === 'csv' ? 'tall CSV' : 'JSON'}: ${a.mb} MB → ${b.mb} MB, peak RSS ${a.rssMb.toFixed(0)} → ${b.rssMb.toFixed(0)} MB (${(b.rssMb / a.rssMb).toFixed(2)}×)`);
}
void big;

// A batch: 2,000 claims (20,000 lines) on two worker threads, the price file in a temporary store.
const csv = await file('csv', SIZES[0]);
const batch = run(['audit', claims, '--group-by', 'claim_id', ...facts, '--format', 'ndjson', '-q', '--jobs', '2', '--prices', csv]);
console.log(`\n  batch of 2,000 claims (20,000 lines) against the ${SIZES[0]} MB tall CSV, --jobs 2: ${(batch.ms / 1000).toFixed(1)} s, peak RSS ${batch.rssMb.toFixed(0)} MB`);
