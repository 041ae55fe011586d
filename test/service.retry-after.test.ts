/**
 * The Retry-After of a refused request estimates when the images already admitted are through: the
 * admitted images over the workers, times one image's time on a worker. The per-image time must not
 * include its wait in the queue, or the wait is counted twice (a probe saw 13–16 s for a batch that
 * finished in 2.1 s). A stand-in pool with fixed job times makes it deterministic.
 */
import { describe, expect, it } from 'vitest';
import type { JobOptions } from '../src/parallel/pool.js';
import { Inference, retryAfterSeconds, type InferencePool } from '../src/service/inference.js';
import { resolveStack } from '../src/models/stacks.js';
import type { Analysis, Face } from '../src/likeness.js';
import { HttpError } from '../src/service/errors.js';

/** One worker, FIFO, each job `ms` on the worker. */
class FakePool implements InferencePool {
  queueDepth = 0;
  running = 0;
  private tail: Promise<void> = Promise.resolve();
  constructor(private readonly ms: number) {}
  detect(_input: Uint8Array, source: string, options: JobOptions = {}): Promise<Analysis<Face>> {
    this.queueDepth++;
    const run = this.tail.then(async () => {
      this.queueDepth--;
      this.running++;
      options.onStart?.();
      await new Promise((r) => setTimeout(r, this.ms));
      this.running--;
    });
    this.tail = run;
    return run.then(() => ({ source, width: 1, height: 1, faces: [] }) as unknown as Analysis<Face>);
  }
  embed(): never {
    throw new Error('not used');
  }
  async close(): Promise<void> {}
}

describe('Retry-After estimate', () => {
  it('admitted images over workers times the time on a worker', () => {
    expect(retryAfterSeconds(18, 2, 233)).toBe(3);
    expect(retryAfterSeconds(1, 2, 10)).toBe(1);
    expect(retryAfterSeconds(10, 1, 200)).toBe(2);
  });

  it('a burst: the estimate is about the time the admitted batch takes, not its queue wait counted again', async () => {
    const ms = 100;
    const inference = new Inference({ workers: 1, queue: 9, maxPixels: 1e6, maxFaces: 10, stack: resolveStack(undefined), pool: new FakePool(ms) });
    const img = { bytes: new Uint8Array(1), source: 'image' };
    const signal = new AbortController().signal;
    for (let round = 0; round < 3; round++) {
      const t0 = performance.now();
      const admitted = Array.from({ length: 10 }, () => inference.detect([img], signal));
      let refused: unknown;
      try {
        await inference.detect([img], signal);
      } catch (e) {
        refused = e;
      }
      await Promise.all(admitted);
      const batchS = (performance.now() - t0) / 1000;
      expect(refused).toBeInstanceOf(HttpError);
      const retry = Number((refused as HttpError).headers['retry-after']);
      // The batch of 10 × 100 ms took ~1 s: the estimate (from the previous rounds' times) is ≤ 2 s.
      expect(batchS).toBeLessThan(2);
      if (round > 0) expect(retry).toBeLessThanOrEqual(Math.ceil(batchS) + 1);
    }
  });
});
