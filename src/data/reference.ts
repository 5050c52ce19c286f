/**
 * The edge between the store and the pure engine: opens the data directory's store (only
 * when one exists, so that an audit without imported data never loads SQLite) and fetches,
 * per bill, the reference data for that bill's codes, to pass as `AuditContext.reference`:
 * the NCCI edit tables, the Medicare fee schedules (with the GPCIs of the locality picked by
 * `--locality`/`--zip`) and a hospital price file picked with `--prices NAME`.
 */
import { existsSync } from 'node:fs';
import type { Bill } from '../bill/schema.js';
import type { ReferenceData } from '../checks/types.js';
import { storePath } from './dir.js';
import type { ReferenceOptions } from './store.js';

/** Fetches reference data for bills from an open store. */
export interface ReferenceSource {
  /** The reference data for one bill's codes (never throws for a bill without codes). */
  forBill(bill: Bill): ReferenceData;
  close(): void;
}

/**
 * The codes a bill's reference data is fetched for: its charge lines' CPT/HCPCS codes, and
 * (for price files, which list items by revenue code too) the revenue codes of lines without one.
 */
export function billCodes(bill: Bill): { codes: string[]; revenueCodes: string[] } {
  const codes: string[] = [];
  const revenueCodes: string[] = [];
  for (const l of bill.lines) {
    if (l.type !== 'charge') continue;
    if (l.code) codes.push(l.code);
    else if (l.revenueCode) revenueCodes.push(l.revenueCode);
  }
  return { codes, revenueCodes };
}

/**
 * Opens the store of data directory `dir` for reading. Undefined when the directory has no
 * store or the store holds nothing (then better-sqlite3 is never loaded). `options` names the
 * payment locality and the imported price file to use. Throws `DataError` when the store
 * exists but cannot be read.
 */
export async function openReference(dir: string, options: ReferenceOptions = {}): Promise<ReferenceSource | undefined> {
  if (!existsSync(storePath(dir))) return undefined;
  const { openStore } = await import('./store.js');
  const store = await openStore(dir, { create: false });
  if (store.datasets().length === 0) {
    store.close();
    return undefined;
  }
  return {
    forBill(bill) {
      const { codes, revenueCodes } = billCodes(bill);
      return codes.length === 0 && revenueCodes.length === 0 ? {} : { ...store.reference(codes, { ...options, revenueCodes }) };
    },
    close: () => store.close(),
  };
}
