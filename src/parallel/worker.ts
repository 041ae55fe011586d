/** A pool worker: one Likeness instance (its own onnxruntime sessions), jobs in, results out. */
import { parentPort, workerData } from 'node:worker_threads';
import { LikenessError } from '../errors.js';
import { Likeness } from '../likeness.js';
import type { InitMessage, Job, JobResult, WorkerInit } from './protocol.js';

let ready = Likeness.create(workerData as WorkerInit);
// A failed init is reported with the first job that needs it.
ready.catch(() => undefined);

parentPort!.on('message', (msg: Job | InitMessage) => {
  if (msg.op === 'init') {
    ready = Likeness.create(msg.options);
    ready.catch(() => undefined);
    return;
  }
  const job = msg;
  const engine = ready;
  void (async () => {
    let out: JobResult;
    try {
      const l = await engine;
      const opts = { ...(job.source === undefined ? {} : { source: job.source }), ...(job.detection ? { detection: job.detection } : {}) };
      // Quality is cheap (≪ 1 ms a face, src/quality): always measured, for the service's reports, its enrolment gate and stream evidence weights.
      const value = job.op === 'embed' ? await l.embed(job.input, { ...opts, quality: true }) : await l.detect(job.input, { ...opts, quality: true });
      out = { id: job.id, ok: true, value };
    } catch (e) {
      const err = e as Error;
      out = {
        id: job.id,
        ok: false,
        error: e instanceof LikenessError ? { name: err.name, code: e.code, message: err.message, isInputError: e.isInputError } : { name: err.name, message: err.message },
      };
    }
    parentPort!.postMessage(out);
  })();
});
