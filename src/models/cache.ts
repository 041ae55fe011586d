/**
 * Converted ONNX models are built once and cached on disk, keyed by a hash of the source weights and
 * the converter version, so a new face-api release or a converter change rebuilds them. The folder
 * is `$LIKENESS_CACHE_DIR`, else `$XDG_CACHE_HOME/likeness`, else `~/.cache/likeness`.
 * Writes are atomic (temp file + rename) so concurrent processes never see half a model.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ModelError } from '../errors.js';
import { PRODUCER } from './onnx/graph.js';
import { readTfjsWeights } from './tfjs-weights.js';
import type { TfjsConversion } from './faceapi/index.js';

export function cacheDir(): string {
  const env = process.env;
  if (env.LIKENESS_CACHE_DIR) return path.resolve(env.LIKENESS_CACHE_DIR);
  const base = env.XDG_CACHE_HOME ? env.XDG_CACHE_HOME : path.join(os.homedir(), '.cache');
  return path.join(base, 'likeness');
}

export interface ConvertedModel {
  path: string;
  bytes: Uint8Array;
  /** sha256 of the ONNX bytes. */
  sha256: string;
}

const inFlight = new Map<string, Promise<ConvertedModel>>();

/** Convert a tfjs model to ONNX, or return the cached conversion. */
export function convertCached(conv: TfjsConversion, modelDir: string, dir = cacheDir()): Promise<ConvertedModel> {
  const key = `${dir}|${modelDir}|${conv.id}`;
  let p = inFlight.get(key);
  if (!p) {
    p = doConvert(conv, modelDir, dir);
    inFlight.set(key, p);
    p.catch(() => inFlight.delete(key));
  }
  return p;
}

async function doConvert(conv: TfjsConversion, modelDir: string, dir: string): Promise<ConvertedModel> {
  const manifestPath = path.join(modelDir, conv.manifest);
  const { weights, bytes } = await readTfjsWeights(manifestPath);
  const h = createHash('sha256');
  h.update(`${PRODUCER.name}/${PRODUCER.version}/${conv.id}\n`);
  h.update(await readFile(manifestPath));
  for (const b of bytes) h.update(b);
  const file = path.join(dir, `${conv.id}-${h.digest('hex').slice(0, 16)}.onnx`);
  return buildCached(file, () => {
    try {
      return conv.build(weights);
    } catch (cause) {
      throw new ModelError(`cannot convert ${conv.id}: ${(cause as Error).message}`, cause);
    }
  });
}

/**
 * The ONNX model cached at `file`, or `build()`'s bytes written there atomically (temp file +
 * rename). A cache folder that cannot be written is not fatal: the bytes are returned anyway.
 */
export async function buildCached(file: string, build: () => Uint8Array | Promise<Uint8Array>): Promise<ConvertedModel> {
  try {
    const cached = new Uint8Array(await readFile(file));
    return { path: file, bytes: cached, sha256: sha256(cached) };
  } catch {
    // not cached yet
  }
  const bytes = await build();
  try {
    await mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    await writeFile(tmp, bytes);
    await rename(tmp, file);
  } catch {
    // A read-only cache folder is not fatal: the model is used from memory.
  }
  return { path: file, bytes, sha256: sha256(bytes) };
}

/** JSON with sorted keys (undefined values left out), so equal options hash equally. */
export function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .filter((k) => o[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

export const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
