// Part of npm run bench (scripts/bench.mjs): the time to write all letters for the inpatient
// case (fixtures/cases/inpatient-pneumonia-self-pay), issue #5's goal being ≤ 300 ms per
// letter. Measured in the same run: `medbill audit` alone, then the same audit writing every
// letter kind with --letters (PDF, then text), as separate processes (median of several runs).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN = 'bin/medbill.js';
const BILL = 'fixtures/cases/inpatient-pneumonia-self-pay/bill.csv';
const FACTS = ['--insurance', 'uninsured', '--nonprofit', '--admission', '2026-03-02', '--discharge', '2026-03-05', '--diagnosis', 'J18.9', '--statement-date', '2026-03-20', '--state', 'IL'];
// Facts that make every kind apply: a Good Faith Estimate and a cash price (GFE dispute,
// settlement), a line marked unsure (itemized bill and records), a collector (validation).
const ALL = [...FACTS, '--gfe', '10000', '--cash-price', '6000', '--unsure', 'lab-panel-component:6'];
const LETTERS = ['--profile', 'fixtures/letters/profile.yaml', '--collector-name', 'Example Collections LLC', '--collector-address', '1 Sample Plaza', '--collector-address', 'Springfield, IL 62703', '--notice-received', '2026-09-01', '--date', '2026-09-10'];
const RUNS = 9;

function run(args) {
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, SOURCE_DATE_EPOCH: '1789000000' } });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== 0 && r.status !== 1) throw new Error(`medbill ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

function median(args, setup) {
  const times = [];
  for (let i = 0; i < RUNS; i++) {
    const extra = setup ? setup() : [];
    times.push(run([...args, ...extra]));
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

console.log(`medbill letters benchmark (median of ${RUNS} runs; both sides measured in this run)\n`);
run(['audit', BILL, ...ALL, '--format', 'json']); // warm the file cache
const audit = median(['audit', BILL, ...ALL, '--format', 'json']);
const dirs = [];
const fresh = () => {
  const d = mkdtempSync(join(tmpdir(), 'medbill-bench-letters-'));
  dirs.push(d);
  return ['--letters', d];
};
let count = 0;
const results = [];
for (const format of ['pdf', 'text']) {
  const ms = median(['audit', BILL, ...ALL, '--format', 'json', '--letter-format', format, ...LETTERS], fresh);
  count = readdirSync(dirs[dirs.length - 1]).length;
  results.push({ format, ms });
}
const one = median(['letter', 'dispute', BILL, ...ALL, ...LETTERS, '--force'], () => ['-o', join(fresh()[1], 'dispute.pdf')]);
for (const d of dirs) rmSync(d, { recursive: true, force: true });
console.log(`inpatient case, ${count} letters (every kind):`);
console.log(`  medbill audit alone              ${audit.toFixed(0).padStart(5)} ms`);
for (const { format, ms } of results) {
  const per = (ms - audit) / count;
  console.log(`  audit --letters (${format.padEnd(4)})        ${ms.toFixed(0).padStart(5)} ms  → ${(ms - audit).toFixed(0)} ms for the letters, ${per.toFixed(0)} ms per letter (goal ≤ 300 ms)`);
}
console.log(`  one letter: medbill letter dispute (pdf), the whole command ${one.toFixed(0)} ms (its audit included)`);
if (count !== 7) throw new Error(`expected 7 letters, wrote ${count}`);
