// Generates a synthetic multi-claim CSV (claim_id, line, service_date, revenue_code, hcpcs,
// modifiers, units, charge_amount, description) with a realistic mix of outpatient and ED
// lines and a few billing errors per hundred claims. Deterministic (seeded). No real data.
//   node scripts/gen-claims.mjs OUT.csv LINES [LINES_PER_CLAIM]
import { createWriteStream } from 'node:fs';

const CODES = [
  ['0450', '99283', 145000, 'ED visit level 3'],
  ['0450', '99284', 284500, 'ED visit level 4'],
  ['0510', 'G0463', 31000, 'Clinic visit'],
  ['0300', '80053', 41200, 'Metabolic panel'],
  ['0300', '80048', 18000, 'Basic metabolic panel'],
  ['0305', '85025', 9500, 'Blood count with diff'],
  ['0300', '84484', 21000, 'Troponin'],
  ['0300', '36415', 2200, 'Venipuncture'],
  ['0320', '71046', 42000, 'Chest x-ray two views'],
  ['0350', '70450', 185000, 'CT head'],
  ['0260', '96374', 26000, 'IV push first drug'],
  ['0260', '96375', 15500, 'IV push added drug'],
  ['0250', 'J2405', 2400, 'Ondansetron per 1 mg'],
  ['0636', 'J1885', 3100, 'Ketorolac per 15 mg'],
  ['0730', '93005', 28000, 'ECG tracing'],
  ['0270', '', 5300, 'Gloves box'],
];

export function generateClaims(out, lines, perClaim = 20, seed = 42) {
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  const ws = createWriteStream(out);
  ws.write('claim_id,line,service_date,revenue_code,hcpcs,modifiers,units,charge_amount,description\n');
  let written = 0;
  let claim = 0;
  let buf = '';
  while (written < lines) {
    claim++;
    const day = 1 + (claim % 28);
    const date = `2026-02-${String(day).padStart(2, '0')}`;
    const n = Math.min(perClaim, lines - written);
    for (let i = 1; i <= n; i++) {
      const [rev, code, cents, desc] = CODES[Math.floor(rand() * CODES.length)];
      const units = code === 'J2405' ? 4 : 1;
      const amount = (cents * units) / 100;
      buf += `CLM-${String(claim).padStart(7, '0')},${i},${date},${rev},${code},,${units},${amount.toFixed(2)},${desc}\n`;
    }
    written += n;
    if (buf.length > 1 << 20) {
      ws.write(buf);
      buf = '';
    }
  }
  ws.write(buf);
  return new Promise((done) => ws.end(done)).then(() => claim);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [out, lines, per] = process.argv.slice(2);
  const claims = await generateClaims(out, Number(lines ?? 200000), Number(per ?? 20));
  console.log(`${out}: ${lines} lines, ${claims} claims`);
}
