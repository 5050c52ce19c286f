// Generates a synthetic multi-claim CSV of outpatient facility claims (claim_id, line,
// service_date, revenue_code, hcpcs, modifiers, units, charge_amount, description): ED visits,
// clinic visits, lab draws and imaging with a realistic code mix, and a billing error (a
// duplicate line, a panel component, an add-on without its primary, a second venipuncture)
// in about 3 claims per hundred. Deterministic (seeded); no real data.
//   node scripts/gen-claims.mjs OUT.csv LINES [MEAN_LINES_PER_CLAIM] [--interleave]
import { createWriteStream } from 'node:fs';

const L = {
  ed3: ['0450', '99283', 145000, 'ED visit level 3'],
  ed4: ['0450', '99284', 284500, 'ED visit level 4'],
  clinic: ['0510', 'G0463', 31000, 'Clinic visit'],
  cmp: ['0300', '80053', 41200, 'Metabolic panel'],
  bmp: ['0300', '80048', 18000, 'Basic metabolic panel'],
  lipid: ['0300', '80061', 16000, 'Lipid panel'],
  cbc: ['0305', '85025', 9500, 'Blood count with diff'],
  trop: ['0300', '84484', 21000, 'Troponin'],
  tsh: ['0300', '84443', 12000, 'Thyroid test'],
  ua: ['0300', '81001', 3200, 'Urinalysis'],
  draw: ['0300', '36415', 2200, 'Venipuncture'],
  cxr: ['0320', '71046', 42000, 'Chest x-ray two views'],
  ct: ['0350', '70450', 185000, 'CT head'],
  ecg: ['0730', '93005', 28000, 'ECG tracing'],
  push: ['0260', '96374', 26000, 'IV push first drug'],
  push2: ['0260', '96375', 15500, 'IV push added drug'],
  ondan: ['0250', 'J2405', 2400, 'Ondansetron per 1 mg'],
  ketor: ['0636', 'J1885', 3100, 'Ketorolac per 15 mg'],
  saline: ['0258', 'J7030', 9800, 'Saline 1000 mL'],
  glucose: ['0300', '82947', 3600, 'Glucose test'],
  cc2: ['0450', '99292', 105000, 'Critical care added time'],
};

// Further distinct services a longer visit adds (each at most once per claim, plausible units).
const EXTRA = [
  ['0300', '83690', 4200, 'Lipase'],
  ['0300', '82150', 3900, 'Amylase'],
  ['0300', '83605', 5100, 'Lactate'],
  ['0300', '84145', 9800, 'Procalcitonin'],
  ['0300', '85610', 2800, 'Prothrombin time'],
  ['0300', '85730', 3300, 'Partial thromboplastin time'],
  ['0300', '82550', 3700, 'CK total'],
  ['0300', '83880', 11200, 'BNP'],
  ['0300', '84703', 4400, 'HCG qualitative'],
  ['0306', '87086', 6100, 'Urine culture'],
  ['0306', '87040', 8800, 'Blood culture'],
  ['0300', '82803', 9900, 'Blood gases'],
  ['0300', '83735', 2600, 'Magnesium'],
  ['0300', '84100', 2500, 'Phosphorus'],
  ['0320', '71045', 31000, 'Chest x-ray one view'],
  ['0320', '73610', 36000, 'Ankle x-ray'],
  ['0350', '74177', 265000, 'CT abdomen and pelvis'],
  ['0402', '76705', 52000, 'Ultrasound abdomen limited'],
  ['0250', 'J1170', 4100, 'Hydromorphone up to 4 mg'],
  ['0250', 'J2270', 3800, 'Morphine up to 10 mg'],
  ['0250', 'J1100', 1900, 'Dexamethasone 1 mg'],
  ['0636', 'J0696', 5500, 'Ceftriaxone 250 mg'],
  ['0250', 'J2550', 2700, 'Promethazine up to 50 mg'],
  ['0258', 'J7120', 8700, 'Lactated Ringers 1000 mL'],
  ['0730', '93010', 9000, 'ECG interpretation'],
];

const TEMPLATES = [
  [45, ['ed4', 'cmp', 'cbc', 'trop', 'draw', 'cxr', 'ecg', 'push', 'push2', 'ondan', 'ketor', 'saline']],
  [20, ['ed3', 'bmp', 'cbc', 'draw', 'ua', 'push', 'ondan']],
  [20, ['clinic', 'lipid', 'tsh', 'cbc', 'draw']],
  [10, ['clinic', 'cxr', 'ecg']],
  [5, ['ed4', 'ct', 'cmp', 'cbc', 'draw', 'push', 'ketor', 'saline']],
];
const ERRORS = [
  (lines) => lines.push(lines[lines.length - 1]), // duplicate the last line
  (lines) => lines.push([...L.glucose, '']), // a component of 80053/80048 (only an error when a panel is there)
  (lines) => lines.push([...L.cc2, '']), // add-on 99292 without 99291
  (lines) => lines.push([...L.draw, '']), // a second venipuncture
];

/** Writes the file; resolves with the number of claims. */
export function generateClaims(out, lines, mean = 20, seed = 42, interleave = false) {
  let s = seed;
  const rand = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  const pick = (weighted) => {
    let r = rand() * weighted.reduce((a, [w]) => a + w, 0);
    for (const [w, v] of weighted) if ((r -= w) < 0) return v;
    return weighted[0][1];
  };
  const ws = createWriteStream(out);
  ws.write('claim_id,line,service_date,revenue_code,hcpcs,modifiers,units,charge_amount,description\n');
  let written = 0;
  let claim = 0;
  let buf = '';
  let held = '';
  while (written < lines) {
    claim++;
    const day = 1 + (claim % 28);
    const date = `2026-02-${String(day).padStart(2, '0')}`;
    const items = pick(TEMPLATES).map((k) => L[k]);
    // Longer visits add further distinct services, then a repeat troponin (modifier 91) at most.
    const target = Math.max(2, Math.round(mean * (0.5 + rand())));
    const claimLines = items.map((x) => [...x, '']);
    const extras = [...EXTRA];
    while (claimLines.length < target && extras.length > 0) claimLines.push([...extras.splice(Math.floor(rand() * extras.length), 1)[0], '']);
    if (claimLines.length < target) claimLines.push([...L.trop, '91']);
    if (rand() < 0.03) ERRORS[Math.floor(rand() * ERRORS.length)](claimLines);
    const n = Math.min(claimLines.length, lines - written);
    let block = '';
    for (let i = 0; i < n; i++) {
      const [rev, code, cents, desc, mod] = claimLines[i];
      const units = code === 'J2405' ? 4 : 1;
      block += `CLM-${String(claim).padStart(7, '0')},${i + 1},${date},${rev},${code},${mod},${units},${((cents * units) / 100).toFixed(2)},${desc}\n`;
    }
    written += n;
    if (interleave && claim % 2 === 1) {
      // Split this claim around the next one: its second half comes after the next claim.
      const rows = block.split('\n').filter(Boolean);
      const half = Math.ceil(rows.length / 2);
      buf += rows.slice(0, half).join('\n') + '\n';
      held = rows.slice(half).join('\n') + (rows.length > half ? '\n' : '');
    } else {
      buf += block + held;
      held = '';
    }
    if (buf.length > 1 << 20) {
      ws.write(buf);
      buf = '';
    }
  }
  ws.write(buf + held);
  return new Promise((done) => ws.end(done)).then(() => claim);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  const [out, lines, mean] = args;
  const claims = await generateClaims(out, Number(lines ?? 200000), Number(mean ?? 20), 42, process.argv.includes('--interleave'));
  console.log(`${out}: ${lines} lines, ${claims} claims`);
}
