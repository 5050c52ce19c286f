/**
 * Worker-thread entry of a batch audit: loads the rule packs once, then processes each job
 * it is sent with {@link processJob} and posts the result back.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadRules } from '../rules/loader.js';
import { openKit, processJob, type Job } from './jobs.js';
import type { WorkerInit } from './pool.js';

const init = workerData as WorkerInit;
const kit = await openKit(loadRules(init.ruleDirs, init.selection), init.settings);

parentPort?.on('message', (msg: { id: number; job: Job }) => {
  try {
    const result = processJob(msg.job, kit, init.settings);
    parentPort?.postMessage({ id: msg.id, result }, result.packed ? [result.packed.bytes.buffer as ArrayBuffer] : []);
  } catch (err) {
    parentPort?.postMessage({ id: msg.id, error: err instanceof Error ? err.message : String(err) });
  }
});
