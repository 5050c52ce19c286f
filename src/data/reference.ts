/**
 * The edge between the store and the pure engine: opens the data directory's store (only
 * when one exists, so that an audit without imported data never loads SQLite) and fetches,
 * per bill, the reference data for that bill's codes, to pass as `AuditContext.reference`.
 */
import { existsSync } from 'node:fs';
import type { Bill } from '../bill/schema.js';
import type { ReferenceData } from '../checks/types.js';
import { storePath } from './dir.js';

/** Fetches reference data for bills from an open store. */
export interface ReferenceSource {
  /** The reference data for one bill's codes (never throws for a bill without codes). */
  forBill(bill: Bill): ReferenceData;
  close(): void;
}

/**
 * Opens the store of data directory `dir` for reading. Undefined when the directory has no
 * store or the store holds nothing (then better-sqlite3 is never loaded). Throws
 * `DataError` when the store exists but cannot be read.
 */
export async function openReference(dir: string): Promise<ReferenceSource | undefined> {
  if (!existsSync(storePath(dir))) return undefined;
  const { openStore } = await import('./store.js');
  const store = await openStore(dir, { create: false });
  if (store.datasets().length === 0) {
    store.close();
    return undefined;
  }
  return {
    forBill(bill) {
      const codes = bill.lines.filter((l) => l.type === 'charge' && l.code).map((l) => l.code as string);
      return codes.length === 0 ? {} : { ...store.reference(codes) };
    },
    close: () => store.close(),
  };
}
