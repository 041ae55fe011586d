/**
 * onnxruntime-node sessions, created once per process per (model, threads) and reused.
 */
import ort from 'onnxruntime-node';
import { readFile } from 'node:fs/promises';
import { ModelError } from '../errors.js';
import { convertCached } from './cache.js';
import { conversion } from './conversions.js';
import { packageModelBytes } from './package-source.js';
import { checkModel } from './validate.js';
import type { ModelSpec } from './spec.js';

export interface RuntimeOptions {
  /** Threads onnxruntime may use inside one operator (default 1: parallelism comes from workers). */
  intraOpThreads?: number;
}

const sessions = new Map<string, Promise<ort.InferenceSession>>();

export async function modelBytes(spec: ModelSpec): Promise<Uint8Array> {
  const src = spec.source;
  try {
    if (src.kind === 'bytes') return src.bytes;
    if (src.kind === 'file') return new Uint8Array(await readFile(src.path));
    if (src.kind === 'package') return await packageModelBytes(src);
    return (await convertCached(conversion(src.conversion), src.modelDir)).bytes;
  } catch (cause) {
    if (cause instanceof ModelError) throw cause;
    throw new ModelError(`cannot load model ${spec.name}: ${(cause as Error).message}`, cause);
  }
}

export function getSession(spec: ModelSpec, options: RuntimeOptions = {}): Promise<ort.InferenceSession> {
  const threads = options.intraOpThreads ?? 1;
  const src = spec.source;
  const where = src.kind === 'file' ? src.path : src.kind === 'tfjs' ? src.modelDir : src.kind === 'package' ? `${src.package}/${src.model}/${src.conversion ?? ''}` : 'memory';
  const key = `${spec.name}@${spec.version}|${where}|${threads}`;
  let s = sessions.get(key);
  if (!s) {
    s = (async () => {
      const bytes = await modelBytes(spec);
      let session: ort.InferenceSession;
      try {
        session = await ort.InferenceSession.create(bytes, {
          intraOpNumThreads: threads,
          interOpNumThreads: 1,
          executionMode: 'sequential',
          graphOptimizationLevel: 'all',
          // Memory: a memory pattern is planned per input shape and kept; images of every size give
          // the detector many shapes (39 MP photos: ~110–150 MB less per session set, same speed).
          enableMemPattern: false,
          // Warnings about other people's files (unused initializers…) are not the user's concern.
          logSeverityLevel: 3,
        });
      } catch (cause) {
        throw new ModelError(`onnxruntime cannot load model ${spec.name}: ${(cause as Error).message}`, cause);
      }
      try {
        checkModel(spec, session);
      } catch (e) {
        await session.release();
        throw e;
      }
      return session;
    })();
    sessions.set(key, s);
    s.catch(() => sessions.delete(key));
  }
  return s;
}

/** Release every session (tests, graceful shutdown). */
export async function releaseSessions(): Promise<void> {
  const all = [...sessions.values()];
  sessions.clear();
  await Promise.all(all.map(async (p) => (await p.catch(() => undefined))?.release()));
}

/** Run a single-input model on a float32 batch. */
export async function runModel(
  session: ort.InferenceSession,
  inputName: string | undefined,
  data: Float32Array,
  dims: readonly number[],
): Promise<Record<string, { data: Float32Array; dims: readonly number[] }>> {
  const name = inputName ?? session.inputNames[0]!;
  const result = await session.run({ [name]: new ort.Tensor('float32', data, dims) });
  const out: Record<string, { data: Float32Array; dims: readonly number[] }> = {};
  for (const [k, v] of Object.entries(result)) out[k] = { data: v.data as Float32Array, dims: v.dims };
  return out;
}
