/**
 * Reading a tfjs graph model from disk and converting it once: the ONNX bytes are cached in the
 * likeness cache folder (src/models/cache.ts) under a name keyed by a hash of model.json, its weight
 * shards, the conversion options and the converter version, written atomically.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ModelError } from '../../errors.js';
import { cacheDir, sha256 } from '../cache.js';
import { PRODUCER } from '../onnx/graph.js';
import { decodeWeights, type Tensor } from '../tfjs-weights.js';
import { convertGraphModel, type GraphConversionOptions } from './convert.js';
import type { TfjsGraphModelJson } from './types.js';

/** Bump when this converter's output changes for the same model, so cached conversions rebuild. */
export const GRAPH_CONVERTER_VERSION = '1';

export interface LoadedGraphModel {
  model: TfjsGraphModelJson;
  weights: Map<string, Tensor>;
  /** model.json's bytes followed by the weight shards, for hashing. */
  bytes: Uint8Array[];
}

/** Read model.json and the shards its weightsManifest names (paths relative to model.json). */
export async function readGraphModel(modelJsonPath: string): Promise<LoadedGraphModel> {
  let text: Uint8Array;
  let model: TfjsGraphModelJson;
  try {
    text = new Uint8Array(await readFile(modelJsonPath));
    model = JSON.parse(new TextDecoder().decode(text)) as TfjsGraphModelJson;
  } catch (cause) {
    throw new ModelError(`cannot read tfjs graph model ${modelJsonPath}: ${(cause as Error).message}`, cause);
  }
  if (!model.modelTopology || !Array.isArray(model.modelTopology.node) || !Array.isArray(model.weightsManifest)) {
    throw new ModelError(`${modelJsonPath} is not a tfjs graph model (needs modelTopology.node and weightsManifest)`);
  }
  const dir = path.dirname(modelJsonPath);
  const shards: Uint8Array[] = [];
  for (const group of model.weightsManifest) {
    for (const p of group.paths) {
      try {
        shards.push(new Uint8Array(await readFile(path.join(dir, p))));
      } catch (cause) {
        throw new ModelError(`cannot read weight shard ${path.join(dir, p)} of ${modelJsonPath}`, cause);
      }
    }
  }
  return { model, weights: decodeWeights(model.weightsManifest, shards), bytes: [text, ...shards] };
}

export interface CachedGraphConversion {
  /** The cache file (it may not exist when the cache folder is not writable). */
  path: string;
  bytes: Uint8Array;
  sha256: string;
}

/**
 * Convert `modelJsonPath` with `options`, or return the cached conversion. `id` prefixes the cache
 * file's name, e.g. "human-faceres".
 */
export async function convertGraphModelCached(
  id: string,
  modelJsonPath: string,
  options: GraphConversionOptions = {},
  dir = cacheDir(),
): Promise<CachedGraphConversion> {
  const loaded = await readGraphModel(modelJsonPath);
  const h = createHash('sha256');
  h.update(`${PRODUCER.name}/${PRODUCER.version}/tfjs-graph/${GRAPH_CONVERTER_VERSION}/${id}\n${stableJson(options)}\n`);
  for (const b of loaded.bytes) h.update(b);
  const file = path.join(dir, `${id}-${h.digest('hex').slice(0, 16)}.onnx`);
  try {
    const cached = new Uint8Array(await readFile(file));
    return { path: file, bytes: cached, sha256: sha256(cached) };
  } catch {
    // not cached yet
  }
  let bytes: Uint8Array;
  try {
    bytes = convertGraphModel(loaded.model, loaded.weights, options).bytes;
  } catch (cause) {
    if (cause instanceof ModelError) throw new ModelError(`cannot convert ${id} (${modelJsonPath}): ${cause.message}`, cause);
    throw new ModelError(`cannot convert ${id} (${modelJsonPath}): ${(cause as Error).message}`, cause);
  }
  try {
    await mkdir(dir, { recursive: true });
    const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    await writeFile(tmp, bytes);
    await rename(tmp, file);
  } catch {
    // A read-only cache folder is not fatal: the caller can use the bytes.
  }
  return { path: file, bytes, sha256: sha256(bytes) };
}

/** JSON with sorted keys, so equal options hash equally. */
function stableJson(v: unknown): string {
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
