// Part of npm run bench (scripts/bench.mjs): imported CMS tables at scale (issue #3). Generates
// a 2.5-million-row NCCI PTP file and an 18,000-row MUE file in the CMS layouts (made-up
// edits: deterministic, no CMS data), then measures in one run:
//   1. import time of both files (goal ≤ 60 s);
//   2. the added wall time of auditing one 25-line bill with these tables versus without
//      (median of repeated runs; goal ≤ 20 ms);
//   3. batch lines/s of a 200,000-line multi-claim file with versus without (goal ≥ 0.8×).
// Environment: BENCH_PTP_ROWS, BENCH_MUE_ROWS, BENCH_LINES to change the sizes.
import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { generateClaims } from './gen-claims.mjs';

const BIN = 'bin/medbill.js';
const DIR = resolve('.bench');
mkdirSync(DIR, { recursive: true });
const PTP_ROWS = Number(process.env.BENCH_PTP_ROWS ?? 2_500_000);
const MUE_ROWS = Number(process.env.BENCH_MUE_ROWS ?? 18_000);
const LINES = Number(process.env.BENCH_LINES ?? 200_000);
const BILL = 'fixtures/cases/inpatient-pneumonia-self-pay/bill.csv';

let seed = 7;
const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;

// Codes on the benchmark bills, so that lookups find edits as they would in the CMS table:
// each column-1 code has 200 column-2 codes, and an edit with 2% of the other bill codes (a
// generated claim then hits a few edits, as a real one may). MUE values of the bill codes are
// the sourced ones of medbill's curated tables where they have one, else 2 to 10.
const BILL_CODES = ['99284', '99283', '99285', '80053', '80048', '82947', '84132', '85025', '85027', '84484', '36415', '71045', '71046', '70450', '96374', '96375', '96361', '93005', 'J2405', 'J1885', 'G0463', '99291', '99292'];
const POOL = [...BILL_CODES, ...Array.from({ length: 90_000 }, (_, i) => String(10_000 + i)).filter((c) => !BILL_CODES.includes(c))];

function write(file, chunks) {
  return new Promise((done, fail) => {
    const ws = createWriteStream(file);
    ws.on('error', fail);
    let buf = '';
    for (const s of chunks) {
      buf += s;
      if (buf.length > 1 << 20) {
        ws.write(buf);
        buf = '';
      }
    }
    ws.end(buf, done);
  });
}

function* ptpLines(rows) {
  yield 'CPT codes, descriptions and other data only are copyright American Medical Association (benchmark file: made-up edits, not CMS data).\r\n';
  yield 'Practitioner PTP Edits (benchmark)\r\n\r\n';
  yield 'Column 1\tColumn 2\t*=in existence prior to 1996\tEffective Date\tDeletion Date *=no data\tModifier 0=not allowed 1=allowed 9=not applicable\tPTP Edit Rationale\r\n\t\t\t\t\t\t\r\n';
  const perCol1 = 200;
  const col1Count = Math.ceil(rows / perCol1);
  const col1s = [...BILL_CODES, ...POOL.slice(BILL_CODES.length).filter(() => rand() < 0.2)].slice(0, col1Count).sort();
  let written = 0;
  for (const c1 of col1s) {
    const col2 = new Set(BILL_CODES.filter((c) => c !== c1 && rand() < 0.02));
    while (col2.size < perCol1) {
      const c = POOL[Math.floor(rand() * POOL.length)];
      if (c !== c1) col2.add(c);
    }
    for (const c2 of [...col2].sort()) {
      if (written++ >= rows) return;
      const r = rand();
      const deletion = r < 0.3 ? `20${10 + Math.floor(r * 40)}0101` : '*';
      const indicator = r < 0.05 ? '9' : r < 0.4 ? '0' : '1';
      yield `${c1}\t${c2}\t${r < 0.1 ? '*' : ''}\t20100101\t${deletion}\t${indicator}\tMutually exclusive procedures\r\n`;
    }
  }
}

const CURATED_MUE = new Map(
  ['rules/tables/mue-practitioner.csv', 'rules/tables/mue-hospital.csv'].flatMap((f) =>
    readFileSync(f, 'utf8')
      .split('\n')
      .filter((l) => /^[A-Z0-9]{5},\d+,[123],/.test(l))
      .map((l) => l.split(',').slice(0, 3)),
  ).map(([code, value, mai]) => [code, [value, mai]]),
);

function* mueLines(rows) {
  yield '"CPT codes, descriptions and other data only are copyright American Medical Association.\nBenchmark file: made-up limits, not CMS data."\r\n';
  yield '"HCPCS/CPT Code","Practitioner Services MUE Values","MUE Adjudication Indicator","MUE Rationale"\r\n';
  const mai = ['1 Line Edit', '2 Date of Service Edit: Policy', '3 Date of Service Edit: Clinical'];
  for (let i = 0; i < rows; i++) {
    const [value, m] = CURATED_MUE.get(POOL[i]) ?? [2 + Math.floor(rand() * 9), 1 + Math.floor(rand() * 3)];
    yield `${POOL[i]},${value},"${mai[Number(m) - 1]}","Clinical: Data"\r\n`;
  }
}

function findingsOf(args) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', maxBuffer: 1 << 30 });
  return r.stdout.trim().split('\n').reduce((n, l) => n + JSON.parse(l).findings.length, 0);
}

function run(args, opts = {}) {
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 30, ...opts });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== 0 && r.status !== 1) throw new Error(`medbill ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

console.log('medbill data benchmark (both sides measured in this run)\n');
const ptpFile = join(DIR, 'ccipra-v323r0-f1.txt');
const mueFile = join(DIR, 'MCR_MUE_PractitionerServices_Eff_10-01-2026.csv');
const t = Date.now();
await write(ptpFile, ptpLines(PTP_ROWS));
await write(mueFile, mueLines(MUE_ROWS));
console.log(`generated ${PTP_ROWS.toLocaleString('en-US')} PTP rows (${(statSync(ptpFile).size / 1e6).toFixed(0)} MB) and ${MUE_ROWS.toLocaleString('en-US')} MUE rows in ${((Date.now() - t) / 1000).toFixed(1)} s`);

// 1. Import into a fresh data directory.
const data = join(DIR, 'data');
const empty = join(DIR, 'no-data');
rmSync(data, { recursive: true, force: true });
rmSync(empty, { recursive: true, force: true });
const importMs = run(['data', 'import', ptpFile, mueFile, '--data-dir', data]);
console.log(`import: ${(importMs / 1000).toFixed(1)} s (goal ≤ 60 s), store ${(statSync(join(data, 'medbill.sqlite')).size / 1e6).toFixed(0)} MB`);

// 2. One 25-line bill, with and without the tables (interleaved, median of repeated runs).
const billArgs = ['audit', BILL, '--format', 'json', '--bill-type', 'professional'];
run([...billArgs, '--data-dir', data]);
run([...billArgs, '--data-dir', empty]);
const RUNS = 21;
const withTimes = [];
const withoutTimes = [];
for (let i = 0; i < RUNS; i++) {
  withTimes.push(run([...billArgs, '--data-dir', data]));
  withoutTimes.push(run([...billArgs, '--data-dir', empty]));
}
const med = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const oneWith = med(withTimes);
const oneWithout = med(withoutTimes);
console.log(
  `25-line bill: ${oneWith.toFixed(0)} ms with the tables, ${oneWithout.toFixed(0)} ms without → +${(oneWith - oneWithout).toFixed(1)} ms (goal ≤ 20 ms; fastest runs +${(Math.min(...withTimes) - Math.min(...withoutTimes)).toFixed(1)} ms)`,
);
if (existsSync(empty)) throw new Error('an audit without data created the data directory');

// 3. Batch throughput with and without.
const claims = join(DIR, `claims-${LINES}.csv`);
await generateClaims(claims, LINES, 20);
const batchArgs = ['audit', claims, '--group-by', 'claim_id', '--format', 'ndjson', '--bill-type', 'professional'];
// Interleaved, so that a change in the machine's load hits both sides alike.
const batchTimes = { with: [], without: [] };
for (let i = 0; i < 3; i++) {
  batchTimes.without.push(run([...batchArgs, '--data-dir', empty]));
  batchTimes.with.push(run([...batchArgs, '--data-dir', data]));
}
const batchWithout = med(batchTimes.without);
const batchWith = med(batchTimes.with);
const best = Math.min(...batchTimes.without) / Math.min(...batchTimes.with);
const rateWithout = LINES / (batchWithout / 1000);
const rateWith = LINES / (batchWith / 1000);
console.log(`${LINES.toLocaleString('en-US')}-line batch: ${Math.round(rateWith).toLocaleString('en-US')} lines/s with the tables, ${Math.round(rateWithout).toLocaleString('en-US')} without → ${(rateWith / rateWithout).toFixed(2)}× (goal ≥ 0.8×; best run against best run ${best.toFixed(2)}×)`);
console.log(`  findings: ${findingsOf([...batchArgs, '--data-dir', data]).toLocaleString('en-US')} with the tables, ${findingsOf([...batchArgs, '--data-dir', empty]).toLocaleString('en-US')} without (more findings cost report time too)`);
