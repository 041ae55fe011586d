/**
 * The Retry-After of a refused request estimates when the images already admitted are through: the
 * admitted images over the workers, times one image's time on a worker. The per-image time must not
 * include its wait in the queue, or the wait is counted twice (a probe saw 13–16 s for a batch that
 * finished in 2.1 s). Inference times a job from the moment a worker takes it (JobOptions.onStart):
 * checked here on the real worker pool, with no clock in the assertions.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { WorkerPool } from '../src/parallel/pool.js';
import { retryAfterSeconds } from '../src/service/inference.js';
import { FACEAPI_DEMO } from './helpers/data.js';

describe('Retry-After estimate', () => {
  it('admitted images over workers times the time on a worker', () => {
    expect(retryAfterSeconds(18, 2, 233)).toBe(3);
    expect(retryAfterSeconds(1, 2, 10)).toBe(1);
    expect(retryAfterSeconds(10, 1, 200)).toBe(2);
    expect(retryAfterSeconds(0, 2, 5000)).toBe(1); // never 0: "come back at once" would be a busy loop
  });

  const pool = new WorkerPool(1, { model: 'mobilefacenet' });
  afterAll(() => pool.close());

  it("a queued job's clock starts when the worker takes it: when the job before it returns, not when submitted", async () => {
    const bytes = new Uint8Array(await readFile(`${FACEAPI_DEMO}/sample2.jpg`));
    const events: string[] = [];
    const jobs = [0, 1, 2].map((k) =>
      pool.detect(bytes, `job ${k}`, { onStart: () => events.push(`start ${k}`) }).then((a) => {
        events.push(`done ${k}`);
        return a;
      }),
    );
    // Submitted together, the jobs wait in the queue: only the first has started.
    expect(events).toEqual(['start 0']);
    const results = await Promise.all(jobs);
    expect(results.every((a) => a.faces.length > 0)).toBe(true);
    // Job k's result frees the worker, which takes job k + 1 at once (its clock starts there), before
    // job k's caller sees the result: so "start k+1" comes just before "done k".
    expect(events).toEqual(['start 0', 'start 1', 'done 0', 'start 2', 'done 1', 'done 2']);
  });

  it('a job taken out of the queue by its signal never starts', async () => {
    const bytes = new Uint8Array(await readFile(`${FACEAPI_DEMO}/sample2.jpg`));
    const started: number[] = [];
    const ac = new AbortController();
    const first = pool.detect(bytes, 'first', { onStart: () => started.push(0) });
    const second = pool.detect(bytes, 'second', { signal: ac.signal, onStart: () => started.push(1) });
    const refused = expect(second).rejects.toThrow(/abort/i);
    ac.abort();
    await first;
    await refused;
    expect(started).toEqual([0]);
  });
});
