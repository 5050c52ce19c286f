/**
 * A fixed pool of worker threads that run batch jobs ({@link processJob}) and return their
 * results. Jobs go to the first idle worker; callers keep their own order (they await the
 * promises in submission order), so the output does not depend on which worker was faster.
 */
import { Worker } from 'node:worker_threads';
import type { RuleSelection } from '../rules/loader.js';
import type { Job, JobResult, JobSettings } from './jobs.js';

/** What each worker needs to start: the rule packs to load and the run's job settings. */
export interface WorkerInit {
  ruleDirs: string[];
  selection: RuleSelection;
  settings: JobSettings;
}

interface Pending {
  id: number;
  job: Job;
  resolve: (r: JobResult) => void;
  reject: (e: Error) => void;
}

/** A pool of `size` workers running `script` (the bundled dist/worker.mjs). */
export class WorkerPool {
  private readonly idle: Worker[] = [];
  private readonly queue: Pending[] = [];
  private readonly running = new Map<Worker, Pending>();
  private readonly workers: Worker[] = [];
  private nextId = 0;
  private failed: Error | undefined;

  constructor(size: number, script: string, init: WorkerInit) {
    for (let i = 0; i < size; i++) {
      // A bounded heap makes each worker collect its garbage early, keeping the run's memory flat.
      const w = new Worker(script, { workerData: init, resourceLimits: { maxOldGenerationSizeMb: 48, maxYoungGenerationSizeMb: 8 } });
      w.on('message', (msg: { id: number; result?: JobResult; error?: string }) => {
        const p = this.running.get(w);
        this.running.delete(w);
        if (p) {
          if (msg.error !== undefined) p.reject(new Error(msg.error));
          else p.resolve(msg.result as JobResult);
        }
        this.idle.push(w);
        this.dispatch();
      });
      w.on('error', (err) => this.fail(err));
      w.on('exit', (code) => {
        if (code !== 0 && !this.closing) this.fail(new Error(`a worker thread exited with code ${code}`));
      });
      this.workers.push(w);
      this.idle.push(w);
    }
  }

  private closing = false;

  private fail(err: Error): void {
    this.failed ??= err;
    for (const p of [...this.running.values(), ...this.queue]) p.reject(err);
    this.running.clear();
    this.queue.length = 0;
  }

  private dispatch(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const w = this.idle.pop() as Worker;
      const p = this.queue.shift() as Pending;
      this.running.set(w, p);
      w.postMessage({ id: p.id, job: p.job });
    }
  }

  /** Runs a job on the next idle worker. Rejects when a worker failed. */
  run(job: Job): Promise<JobResult> {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, job, resolve, reject });
      this.dispatch();
    });
  }

  /** Stops every worker. */
  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
