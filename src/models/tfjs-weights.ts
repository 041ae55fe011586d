/**
 * Reader for TensorFlow.js weight manifests (`*-weights_manifest.json` + `.bin` shards), including
 * tfjs' post-training quantisation: uint8/uint16 values with `scale` and `min`
 * (value = q · scale + min) and float16.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ModelError } from '../errors.js';

export interface TfjsWeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32' | 'bool';
  quantization?: { dtype: 'uint8' | 'uint16' | 'float16'; scale?: number; min?: number };
}

export interface TfjsWeightGroup {
  paths: string[];
  weights: TfjsWeightSpec[];
}

export interface Tensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

export type WeightMap = ReadonlyMap<string, Tensor>;

const BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 };

/** An IEEE 754 half-precision value (its 16 bits) as a number. */
export function float16ToFloat32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

function decodeOne(spec: TfjsWeightSpec, bytes: Uint8Array): Float32Array {
  const size = spec.shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(size);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const q = spec.quantization;
  if (q) {
    if (q.dtype === 'float16') {
      for (let i = 0; i < size; i++) out[i] = float16ToFloat32(view.getUint16(i * 2, true));
    } else {
      const scale = q.scale ?? 1;
      const min = q.min ?? 0;
      for (let i = 0; i < size; i++) {
        const v = q.dtype === 'uint8' ? view.getUint8(i) : view.getUint16(i * 2, true);
        out[i] = v * scale + min;
      }
    }
    // tfjs rounds quantised int32 tensors back to integers.
    if (spec.dtype === 'int32') for (let i = 0; i < size; i++) out[i] = Math.round(out[i]!);
  } else if (spec.dtype === 'float32') {
    for (let i = 0; i < size; i++) out[i] = view.getFloat32(i * 4, true);
  } else if (spec.dtype === 'int32') {
    for (let i = 0; i < size; i++) out[i] = view.getInt32(i * 4, true);
  } else {
    for (let i = 0; i < size; i++) out[i] = view.getUint8(i);
  }
  return out;
}

/** Decode the weights of one manifest given its shards' bytes, concatenated in manifest order. */
export function decodeWeights(groups: readonly TfjsWeightGroup[], shards: readonly Uint8Array[]): Map<string, Tensor> {
  const map = new Map<string, Tensor>();
  let shardIndex = 0;
  for (const group of groups) {
    const parts = shards.slice(shardIndex, shardIndex + group.paths.length);
    shardIndex += group.paths.length;
    const total = parts.reduce((n, p) => n + p.byteLength, 0);
    const buf = new Uint8Array(total);
    let o = 0;
    for (const p of parts) {
      buf.set(p, o);
      o += p.byteLength;
    }
    let offset = 0;
    for (const spec of group.weights) {
      const size = spec.shape.reduce((a, b) => a * b, 1);
      const n = size * BYTES[spec.quantization?.dtype ?? spec.dtype]!;
      if (offset + n > buf.byteLength) throw new ModelError(`weights shard too short for ${spec.name}`);
      map.set(spec.name, { shape: spec.shape, data: decodeOne(spec, buf.subarray(offset, offset + n)) });
      offset += n;
    }
    if (offset !== buf.byteLength) throw new ModelError(`weights shard has ${buf.byteLength - offset} unread bytes`);
  }
  return map;
}

/** Read a tfjs weights manifest and its shards from disk. Returns the weights and the raw bytes (for hashing). */
export async function readTfjsWeights(manifestPath: string): Promise<{ weights: Map<string, Tensor>; bytes: Uint8Array[] }> {
  let groups: TfjsWeightGroup[];
  try {
    groups = JSON.parse(await readFile(manifestPath, 'utf8')) as TfjsWeightGroup[];
  } catch (cause) {
    throw new ModelError(`cannot read weights manifest ${manifestPath}`, cause);
  }
  const dir = path.dirname(manifestPath);
  const shards: Uint8Array[] = [];
  for (const g of groups) for (const p of g.paths) shards.push(new Uint8Array(await readFile(path.join(dir, p))));
  return { weights: decodeWeights(groups, shards), bytes: shards };
}

/** Get a tensor by name, or fail loudly: a missing weight means a converter/manifest mismatch. */
export function weight(map: WeightMap, name: string, shape?: readonly number[]): Tensor {
  const t = map.get(name);
  if (!t) throw new ModelError(`weight ${name} missing from manifest`);
  if (shape && (shape.length !== t.shape.length || shape.some((d, i) => d !== t.shape[i]))) {
    throw new ModelError(`weight ${name} has shape [${t.shape.join(',')}], expected [${shape.join(',')}]`);
  }
  return t;
}
