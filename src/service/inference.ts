/**
 * Inference off the event loop: a WorkerPool (one onnxruntime session set per thread) behind an
 * admission gate. A request's images are admitted together or not at all: when the images running
 * and waiting would exceed `workers + queue`, the request gets 503 E_BUSY with a Retry-After estimate
 * at once, instead of waiting without bound. Each image holds its slot until its job has really
 * finished on a worker (a timed-out request's running job still occupies one), so the bound holds.
 * A request past its deadline gets 503 E_TIMEOUT; its images still waiting are taken out of the queue.
 */
import type { DetectionOptions } from '../detect/detector.js';
import { encodePng } from '../image/index.js';
import type { RgbImage } from '../types.js';
import type { Analysis, EncodedFace, Face } from '../likeness.js';
import type { StackSpec } from '../models/spec.js';
import { WorkerPool, type JobOptions } from '../parallel/pool.js';
import { HttpError } from './errors.js';
import { LikenessError } from '../errors.js';

export interface ImageJob {
  bytes: Uint8Array;
  /** The field the image came in (error messages name it). */
  source: string;
}

export interface InferenceOptions {
  workers: number;
  queue: number;
  maxPixels: number;
  maxFaces: number;
  /** The model stack the workers load. */
  stack: StackSpec;
  /** Stream frames on workers at once (default: workers − 1, at least 1: one worker stays free for requests); they only ever take a worker no request waits for. */
  streamSlots?: number;
}

/**
 * Seconds until `admitted` images (running and waiting) are through `workers` workers, each image
 * taking `serviceMs` on a worker (its time on the worker, not counting its wait in the queue: the
 * queue is what the estimate adds up, so counting the wait in the per-image time counts it twice).
 */
export function retryAfterSeconds(admitted: number, workers: number, serviceMs: number): number {
  return Math.max(1, Math.ceil((Math.ceil(admitted / workers) * serviceMs) / 1000));
}

/** More faces in one image than the service accepts. */
export class TooManyFacesError extends LikenessError {
  constructor(source: string, max: number) {
    super('E_TOO_MANY_FACES', `${source}: more than ${max} faces detected (the limit per image)`);
  }
}

export class Inference {
  readonly pool: WorkerPool;
  /** Images admitted whose job has not finished. */
  private admitted = 0;
  /** Mean time of a job on a worker (ms, from a worker taking it to its result), exponentially weighted: the Retry-After estimate. */
  private meanMs = 200;
  private warm: Promise<void> | undefined;
  ready = false;
  /** Stream frames on a worker. */
  private streamRunning = 0;
  /** Frames granted a slot whose job is not yet in the pool. */
  private granted = 0;
  /** Stream frames waiting for a free worker (FIFO across streams). */
  private readonly streamWaiting: { go: () => void; signal: AbortSignal | undefined }[] = [];

  constructor(private readonly options: InferenceOptions) {
    // One more face than allowed is enough to know the image has too many, and bounds the work.
    this.pool = new WorkerPool(options.workers, {
      maxPixels: options.maxPixels,
      detection: { maxFaces: options.maxFaces + 1 },
      model: options.stack,
    });
  }

  get capacity(): number {
    return this.options.workers + this.options.queue;
  }

  /** Images waiting for a worker. */
  get queueDepth(): number {
    return this.pool.queueDepth;
  }

  /** Images on a worker. */
  get running(): number {
    return this.pool.running;
  }

  /** Loads the models in every worker (one small job each); `ready` once done. */
  warmUp(): Promise<void> {
    this.warm ??= (async () => {
      const blank = new Uint8Array(await encodePng({ width: 32, height: 32, data: new Uint8Array(32 * 32 * 3).fill(128) }));
      await Promise.all(Array.from({ length: this.options.workers }, () => this.pool.detect(blank, 'warm-up')));
      this.ready = true;
    })();
    return this.warm;
  }

  /** Stream frames waiting for a worker (they never queue in the pool: see embedFrame). */
  get framesWaiting(): number {
    return this.streamWaiting.length;
  }

  /**
   * One stream frame (decoded pixels: their buffer is transferred to the worker, never re-encoded)
   * to the pool, at low priority: it is handed over only while no request's image waits in the pool's
   * queue and fewer than `streamSlots` frames run, so recognition requests wait at most for frames
   * already running, never behind a backlog of frames. Until then the frame waits here (a paced
   * file waits, a push request waits within its deadline).
   */
  async embedFrame(image: RgbImage, options: { detection?: DetectionOptions; signal?: AbortSignal; source?: string } = {}): Promise<Analysis<EncodedFace>> {
    // A view on part of a larger buffer (a pooled Buffer) cannot be transferred alone: copy it.
    const whole = image.data.byteOffset === 0 && image.data.byteLength === image.data.buffer.byteLength && image.data.buffer instanceof ArrayBuffer;
    const pixels: RgbImage = whole ? image : { width: image.width, height: image.height, data: new Uint8Array(image.data) };
    await this.frameSlot(options.signal);
    this.admitted++;
    let t0: number | undefined;
    try {
      this.granted--;
      const a = await this.pool.embed(pixels, options.source ?? 'frame', {
        onStart: () => (t0 = performance.now()),
        ...(options.detection ? { detection: options.detection } : {}),
      });
      if (t0 !== undefined) this.meanMs = 0.9 * this.meanMs + 0.1 * (performance.now() - t0);
      if (a.faces.length > this.options.maxFaces) throw new TooManyFacesError(a.source, this.options.maxFaces);
      return a;
    } finally {
      this.streamRunning--;
      this.admitted--;
      this.pumpFrames();
    }
  }

  private get streamSlots(): number {
    return Math.max(1, this.options.streamSlots ?? this.options.workers - 1);
  }

  private frameFree(): boolean {
    return this.streamRunning < this.streamSlots && this.pool.queueDepth === 0 && this.pool.running + this.granted < this.options.workers;
  }

  /** A frame takes its slot (granted: not yet handed to the pool). */
  private grant(): void {
    this.streamRunning++;
    this.granted++;
  }

  private frameSlot(signal: AbortSignal | undefined): Promise<void> {
    if (signal?.aborted) return Promise.reject(new HttpError(503, 'E_TIMEOUT', 'the frame waited longer than the time limit for a worker', { 'retry-after': String(this.retryAfterSeconds()) }));
    if (this.streamWaiting.length === 0 && this.frameFree()) {
      this.grant();
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const entry = {
        signal,
        go: () => {
          signal?.removeEventListener('abort', onAbort);
          this.grant();
          resolve();
        },
      };
      const onAbort = (): void => {
        const i = this.streamWaiting.indexOf(entry);
        if (i >= 0) this.streamWaiting.splice(i, 1);
        reject(new HttpError(503, 'E_TIMEOUT', 'the frame waited longer than the time limit for a worker', { 'retry-after': String(this.retryAfterSeconds()) }));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.streamWaiting.push(entry);
    });
  }

  /** Hands free workers to waiting frames (after any job ends). */
  private pumpFrames(): void {
    while (this.streamWaiting.length > 0 && this.frameFree()) {
      this.streamWaiting.shift()!.go();
    }
  }

  /** The Retry-After of a refused request (seconds). */
  retryAfterSeconds(): number {
    return retryAfterSeconds(this.admitted, this.options.workers, this.meanMs);
  }

  detect(images: readonly ImageJob[], signal: AbortSignal): Promise<Analysis<Face>[]> {
    return this.run('detect', images, signal) as Promise<Analysis<Face>[]>;
  }

  embed(images: readonly ImageJob[], signal: AbortSignal): Promise<Analysis<EncodedFace>[]> {
    return this.run('embed', images, signal) as Promise<Analysis<EncodedFace>[]>;
  }

  private async run(op: 'detect' | 'embed', images: readonly ImageJob[], signal: AbortSignal): Promise<Analysis<Face | EncodedFace>[]> {
    if (images.length === 0) return [];
    if (this.admitted + images.length > this.capacity) {
      const s = this.retryAfterSeconds();
      throw new HttpError(503, 'E_BUSY', `the service is busy (${this.admitted} images in work); retry in ${s} s`, { 'retry-after': String(s) });
    }
    this.admitted += images.length;
    const jobs = images.map((img) => {
      let t0: number | undefined;
      const opts: JobOptions = { signal, onStart: () => (t0 = performance.now()) };
      const p = op === 'embed' ? this.pool.embed(img.bytes, img.source, opts) : this.pool.detect(img.bytes, img.source, opts);
      const settled = p.then(
        () => {
          if (t0 !== undefined) this.meanMs = 0.9 * this.meanMs + 0.1 * (performance.now() - t0);
        },
        () => undefined,
      );
      void settled.finally(() => {
        this.admitted--;
        this.pumpFrames();
      });
      return p as Promise<Analysis<Face | EncodedFace>>;
    });
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(new HttpError(503, 'E_TIMEOUT', 'the request took longer than the time limit', { 'retry-after': String(this.retryAfterSeconds()) }));
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      const out = await Promise.race([Promise.all(jobs), aborted]);
      for (const a of out) if (a.faces.length > this.options.maxFaces) throw new TooManyFacesError(a.source, this.options.maxFaces);
      return out;
    } catch (e) {
      if (signal.aborted && !(e instanceof HttpError)) throw new HttpError(503, 'E_TIMEOUT', 'the request took longer than the time limit', { 'retry-after': String(this.retryAfterSeconds()) });
      throw e;
    } finally {
      if (onAbort) signal.removeEventListener('abort', onAbort);
      aborted.catch(() => undefined);
    }
  }

  /** Waits for the jobs in flight, then hands the threads back (they are never terminated). */
  async close(): Promise<void> {
    await this.pool.close();
  }
}
