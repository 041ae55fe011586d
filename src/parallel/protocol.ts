/** Messages between the worker pool and its workers (structured-clone friendly). */
import type { DetectionOptions } from '../detect/detector.js';
import type { LikenessOptions } from '../likeness.js';
import type { RgbImage } from '../types.js';

/** Workers build their Likeness from these options: model specs are plain data, so they clone. */
export type WorkerInit = LikenessOptions;

/** A job's input: a file path, encoded image bytes, or decoded pixels (a stream's frame; its buffer is transferred, not copied). */
export type Job = { id: number; op: 'detect' | 'embed'; input: string | Uint8Array | RgbImage; source?: string; detection?: DetectionOptions };

/** Re-configure a worker (it is reused across pools: see pool.ts). */
export type InitMessage = { op: 'init'; options: WorkerInit };

export type JobResult =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: { name: string; code?: string; message: string; isInputError?: boolean } };
