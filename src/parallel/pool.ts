/**
 * A pool of worker threads, each with its own models, so batch work (many files) uses every core:
 * onnxruntime runs one image per worker with one intra-op thread, which scales better on small
 * inputs than one process with two intra-op threads.
 *
 * Worker threads are never terminated while the process lives: onnxruntime's native addon cannot
 * be loaded again in a new thread once a thread that loaded it has exited ("Module did not
 * self-register"). `close()` hands the threads back to a process-wide reserve (unref'd, so they do
 * not keep the process alive) and the next pool re-configures them with its own options.
 */
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { LikenessError } from '../errors.js';
import type { DetectionOptions } from '../detect/detector.js';
import type { Analysis, EncodedFace, Face } from '../likeness.js';
import type { RgbImage } from '../types.js';
import type { InitMessage, Job, JobResult, WorkerInit } from './protocol.js';

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  /** Called when the job leaves the queue for a worker. */
  onStart?: (() => void) | undefined;
}

/** Per-job options: an abort signal (a job still waiting is taken out of the queue), and a callback when a worker takes it. */
export interface JobOptions {
  signal?: AbortSignal;
  onStart?: () => void;
  /** Detection options for this job over the pool's (a stream's lower second-pass score). */
  detection?: DetectionOptions;
}

/** Rebuilds a typed error thrown inside a worker. */
class WorkerError extends LikenessError {
  constructor(e: { name: string; code?: string; message: string; isInputError?: boolean }) {
    super(e.code ?? 'E_WORKER', e.message, { isInputError: e.isInputError ?? false });
    this.name = e.name;
  }
}

const reserve: Worker[] = [];

function spawn(init: WorkerInit): Worker {
  // Under tsx (tests, scripts) this file is .ts and workers load worker.ts; built, worker.js.
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  const url = new URL(`./worker${ext}`, import.meta.url);
  const workerData = { intraOpThreads: 1, ...init };
  // Node 20 workers do not inherit module hooks: from sources, register tsx inside the worker.
  return ext === '.ts'
    ? new Worker(`import('tsx/esm/api').then((t) => { t.register(); return import(${JSON.stringify(url.href)}); })`, { eval: true, workerData })
    : new Worker(url, { workerData });
}

export class WorkerPool {
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly queue: { job: Job; p: Pending }[] = [];
  private readonly pending = new Map<number, { worker: Worker; p: Pending }>();
  private nextId = 1;
  private closed = false;

  constructor(readonly size = Math.max(1, os.availableParallelism()), init: WorkerInit = {}) {
    for (let i = 0; i < size; i++) {
      const reused = reserve.pop();
      const w = reused ?? spawn(init);
      if (reused) w.postMessage({ op: 'init', options: { intraOpThreads: 1, ...init } } satisfies InitMessage);
      w.on('message', this.onMessage);
      w.on('error', this.onError);
      w.unref();
      this.workers.push(w);
      this.idle.push(w);
    }
  }

  private readonly onMessage = (m: JobResult): void => {
    const entry = this.pending.get(m.id);
    if (entry) this.done(entry.worker, m);
  };

  private readonly onError = (err: Error): void => {
    for (const [id, e] of this.pending) {
      this.pending.delete(id);
      e.p.reject(err);
    }
  };

  private done(w: Worker, m: JobResult): void {
    const entry = this.pending.get(m.id);
    this.pending.delete(m.id);
    if (entry) {
      if (m.ok) entry.p.resolve(m.value);
      else entry.p.reject(new WorkerError(m.error));
    }
    this.idle.push(w);
    this.pump();
  }

  private pump(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const w = this.idle.pop()!;
      const { job, p } = this.queue.shift()!;
      this.pending.set(job.id, { worker: w, p });
      w.ref();
      // Pixels move to the worker (their buffer is transferred: the caller hands it over).
      const input = job.input;
      const transfer = typeof input === 'object' && !(input instanceof Uint8Array) && input.data.buffer instanceof ArrayBuffer ? [input.data.buffer] : [];
      w.postMessage(job, transfer);
      p.onStart?.();
    }
    if (this.pending.size === 0) for (const w of this.workers) w.unref();
  }

  private submit<T>(op: Job['op'], input: Job['input'], source?: string, signal?: AbortSignal, onStart?: () => void, detection?: DetectionOptions): Promise<T> {
    if (this.closed) return Promise.reject(new Error('worker pool is closed'));
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    return new Promise<T>((resolve, reject) => {
      const job: Job = { id: this.nextId++, op, input, ...(source === undefined ? {} : { source }), ...(detection ? { detection } : {}) };
      const entry = { job, p: { resolve: resolve as (v: unknown) => void, reject, onStart } };
      this.queue.push(entry);
      // An aborted job still waiting is taken out of the queue; one already running runs to its end.
      signal?.addEventListener(
        'abort',
        () => {
          const i = this.queue.indexOf(entry);
          if (i >= 0) {
            this.queue.splice(i, 1);
            reject(signal.reason as Error);
          }
        },
        { once: true },
      );
      this.pump();
    });
  }

  /** Jobs waiting for a free worker. */
  get queueDepth(): number {
    return this.queue.length;
  }

  /** Jobs running on a worker. */
  get running(): number {
    return this.pending.size;
  }

  /** Encoded image bytes or a path; or decoded pixels, whose buffer is transferred to the worker (unusable by the caller after). */
  embed(input: string | Uint8Array | RgbImage, source?: string, options: JobOptions = {}): Promise<Analysis<EncodedFace>> {
    return this.submit('embed', input, source, options.signal, options.onStart, options.detection);
  }

  detect(input: string | Uint8Array, source?: string, options: JobOptions = {}): Promise<Analysis<Face>> {
    return this.submit('detect', input, source, options.signal, options.onStart);
  }

  /** Stop taking jobs and hand the threads back to the reserve once in-flight jobs are done. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.pending.size > 0 || this.queue.length > 0) await new Promise((r) => setTimeout(r, 5));
    for (const w of this.workers) {
      w.off('message', this.onMessage);
      w.off('error', this.onError);
      w.unref();
      reserve.push(w);
    }
    this.workers.length = 0;
  }
}
