/** Messages between the worker pool and its workers (structured-clone friendly). */
import type { DetectionOptions } from '../detect/detector.js';
import type { EmbedOptions } from '../embed/embedder.js';

export interface WorkerInit {
  detection?: DetectionOptions;
  embedding?: EmbedOptions;
  maxPixels?: number;
  intraOpThreads?: number;
}

export type Job = { id: number; op: 'detect' | 'embed'; input: string | Uint8Array; source?: string };

export type JobResult =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: { name: string; code?: string; message: string; isInputError?: boolean } };
