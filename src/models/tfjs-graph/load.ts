/**
 * Reading a tfjs graph model from disk and converting it once: the ONNX bytes are cached in the
 * likeness cache folder (src/models/cache.ts) under a name keyed by a hash of model.json, its weight
 * shards, the conversion options and the converter version, written atomically.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ModelError } from '../../errors.js';
import { buildCached, cacheDir, stableJson } from '../cache.js';
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
  return buildCached(file, () => {
    try {
      return convertGraphModel(loaded.model, loaded.weights, options).bytes;
    } catch (cause) {
      if (cause instanceof ModelError) throw new ModelError(`cannot convert ${id} (${modelJsonPath}): ${cause.message}`, cause);
      throw new ModelError(`cannot convert ${id} (${modelJsonPath}): ${(cause as Error).message}`, cause);
    }
  });
}
