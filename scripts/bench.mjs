// npm run bench: runs every scripts/bench-*.mjs in name order, each in its own process, and
// stops at the first failure. `npm run bench -- audit` runs only the benchmarks whose name
// contains "audit".
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';

const filter = process.argv[2];
const benches = readdirSync('scripts')
  .filter((f) => /^bench-.+\.mjs$/.test(f) && (!filter || f.includes(filter)))
  .sort();
for (const f of benches) {
  console.log(`\n=== ${f}`);
  const r = spawnSync(process.execPath, [`scripts/${f}`], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
