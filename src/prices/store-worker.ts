/**
 * Worker-thread entry that streams a hospital price file into a temporary store (the batch
 * path of `medbill audit --prices`, src/prices/source.ts). It runs on a thread with a bounded
 * heap, so that reading a file of gigabytes leaves the main thread's memory as it was; it
 * posts back whether the payer was seen, or the error (a medbill error keeps its code and
 * location, to be printed as one line).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { toProblems } from '../errors.js';
import { fillPriceStore, type PriceStoreJob } from './source.js';

const job = workerData as PriceStoreJob;
try {
  const seen = await fillPriceStore(job);
  parentPort?.postMessage({ ok: true, seen });
} catch (err) {
  parentPort?.postMessage({ ok: false, problems: toProblems(err) });
}
