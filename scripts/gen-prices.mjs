// Generates a synthetic hospital price file (45 CFR 180.50) in the CMS v3.0 layouts: tall CSV
// (one row per item and payer plan) or JSON (standard_charge_information[]), of about the
// size asked. Made-up hospital, payers, codes and amounts (deterministic; no real data). Each
// item has a revenue code and a five-digit code from a pool of 90,000, an outpatient or
// inpatient setting, gross and cash prices, min and max, and 20 payer plans' negotiated
// dollars; every code of the pool comes back every 90,000 items, so the codes of a bill are
// spread through the whole file.
//   node scripts/gen-prices.mjs OUT.(csv|json) MEGABYTES
import { createWriteStream } from 'node:fs';

const PAYERS = Array.from({ length: 20 }, (_, i) => [`Example Payer ${String.fromCharCode(65 + (i % 26))}${i}`, i % 2 ? 'PPO' : 'HMO']);
const POOL = 90_000;

/** The code of item `i`: five digits, 10000-99999, every POOL items again. */
export const codeOf = (i) => String(10_000 + ((i * 7919) % POOL));

function item(i) {
  const gross = 100 + ((i * 37) % 9900);
  return {
    code: codeOf(i),
    rc: `0${300 + (i % 600)}`,
    setting: i % 5 === 4 ? 'inpatient' : 'outpatient',
    gross: `${gross}.00`,
    cash: `${Math.floor(gross * 0.8)}.50`,
    min: `${Math.floor(gross * 0.3)}.25`,
    max: `${Math.floor(gross * 0.9)}.75`,
    rate: (p) => `${Math.floor(gross * (0.3 + ((p * 3 + i) % 50) / 100))}.${String((i + p) % 100).padStart(2, '0')}`,
  };
}

const HEADER_CSV =
  'hospital_name,last_updated_on,version,location_name,hospital_address,license_number|CA,type_2_npi,"To the best of its knowledge and belief, this hospital has included all applicable standard charge information in accordance with the requirements of 45 CFR 180.50 (made-up benchmark file).",attester_name\n' +
  'Example Benchmark Hospital,2026-01-01,3.0.0,Example Benchmark Hospital,"1 Example Street, Anytown, CA 90000",00000,0000000001,true,Pat Example\n' +
  'description,code|1,code|1|type,code|2,code|2|type,modifiers,setting,drug_unit_of_measurement,drug_type_of_measurement,standard_charge|gross,standard_charge|discounted_cash,payer_name,plan_name,standard_charge|negotiated_dollar,standard_charge|negotiated_percentage,standard_charge|negotiated_algorithm,median_amount,10th_percentile,90th_percentile,count,standard_charge|methodology,standard_charge|min,standard_charge|max,additional_generic_notes\n';

/** Writes the file; resolves with the number of items written. */
export function generatePrices(out, megabytes) {
  const target = megabytes * 1024 * 1024;
  const json = out.endsWith('.json');
  return new Promise((done, fail) => {
    const ws = createWriteStream(out);
    ws.on('error', fail);
    let written = 0;
    let i = 0;
    let buf = '';
    const flush = (last) => {
      written += Buffer.byteLength(buf);
      const ok = ws.write(buf);
      buf = '';
      if (last) ws.end(() => done(i));
      return ok;
    };
    const next = () => {
      for (;;) {
        if (written + buf.length >= target) {
          if (json) buf += '\n]}\n';
          flush(true);
          return;
        }
        const it = item(i);
        if (json) {
          const payers = PAYERS.map(([p, plan], k) => `{"payer_name":"${p}","plan_name":"${plan}","methodology":"fee schedule","standard_charge_dollar":${it.rate(k)}}`).join(',');
          buf += `${i ? ',\n' : ''}{"description":"Example service ${i}","code_information":[{"code":"${it.rc}","type":"RC"},{"code":"${it.code}","type":"CPT"}],"standard_charges":[{"setting":"${it.setting}","gross_charge":${it.gross},"discounted_cash":${it.cash},"minimum":${it.min},"maximum":${it.max},"payers_information":[${payers}]}]}`;
        } else {
          for (let k = 0; k < PAYERS.length; k++) {
            const [p, plan] = PAYERS[k];
            buf += `"Example service ${i}, made up",${it.rc},RC,${it.code},CPT,,${it.setting},,,${it.gross},${it.cash},${p},${plan},${it.rate(k)},,,,,,,fee schedule,${it.min},${it.max},\n`;
          }
        }
        i++;
        if (buf.length > 1 << 20 && !flush(false)) {
          ws.once('drain', next);
          return;
        }
      }
    };
    buf = json
      ? '{"hospital_name":"Example Benchmark Hospital","last_updated_on":"2026-01-01","version":"3.0.0","location_name":["Example Benchmark Hospital"],"hospital_address":["1 Example Street, Anytown, CA 90000"],"license_information":{"state":"CA"},"type_2_npi":["0000000001"],"attestation":{"attestation":"Made-up benchmark file.","confirm_attestation":true,"attester_name":"Pat Example"},"standard_charge_information":[\n'
      : HEADER_CSV;
    next();
  });
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, ''))) {
  const [out, mb] = process.argv.slice(2);
  const n = await generatePrices(out, Number(mb ?? 100));
  console.log(`${out}: ${n.toLocaleString('en-US')} items`);
}
