/** Messages between the worker pool and its workers (structured-clone friendly). */
import type { LikenessOptions } from '../likeness.js';

/** Workers build their Likeness from these options: model specs are plain data, so they clone. */
export type WorkerInit = LikenessOptions;

export type Job = { id: number; op: 'detect' | 'embed'; input: string | Uint8Array; source?: string };

/** Re-configure a worker (it is reused across pools: see pool.ts). */
export type InitMessage = { op: 'init'; options: WorkerInit };

export type JobResult =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: { name: string; code?: string; message: string; isInputError?: boolean } };
