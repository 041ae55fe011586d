/** A pool worker: one Likeness instance (its own onnxruntime sessions), jobs in, results out. */
import { parentPort, workerData } from 'node:worker_threads';
import { LikenessError } from '../errors.js';
import { Likeness } from '../likeness.js';
import type { Job, JobResult, WorkerInit } from './protocol.js';

const init = workerData as WorkerInit;
const ready = Likeness.create(init);

parentPort!.on('message', (job: Job) => {
  void (async () => {
    let msg: JobResult;
    try {
      const l = await ready;
      const opts = job.source === undefined ? {} : { source: job.source };
      const value = job.op === 'embed' ? await l.embed(job.input, opts) : await l.detect(job.input, opts);
      msg = { id: job.id, ok: true, value };
    } catch (e) {
      const err = e as Error;
      msg = {
        id: job.id,
        ok: false,
        error: e instanceof LikenessError ? { name: err.name, code: e.code, message: err.message, isInputError: e.isInputError } : { name: err.name, message: err.message },
      };
    }
    parentPort!.postMessage(msg);
  })();
});
