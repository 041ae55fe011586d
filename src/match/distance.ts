/** Distances between encodings, and L2 normalisation. */
import { EncodingMismatchError } from '../errors.js';
import type { Metric } from '../models/spec.js';

export function l2normalize(v: Float32Array): Float32Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = v[i]! * inv;
  return out;
}

/** The mean of encodings, renormalised to unit length: a subject's encoding from several photos. */
export function meanEncoding(encodings: readonly ArrayLike<number>[]): Float32Array {
  if (encodings.length === 0) throw new EncodingMismatchError('no encodings to average');
  const sum = new Float32Array(encodings[0]!.length);
  for (const e of encodings) {
    if (e.length !== sum.length) throw new EncodingMismatchError(`lengths ${sum.length} and ${e.length} differ`);
    for (let k = 0; k < sum.length; k++) sum[k]! += e[k]!;
  }
  return l2normalize(sum);
}

function check(a: ArrayLike<number>, b: ArrayLike<number>): void {
  if (a.length !== b.length) throw new EncodingMismatchError(`lengths ${a.length} and ${b.length} differ`);
  if (a.length === 0) throw new EncodingMismatchError('empty encoding');
}

export function euclidean(a: ArrayLike<number>, b: ArrayLike<number>): number {
  check(a, b);
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    s += d * d;
  }
  return Math.sqrt(s);
}

export function cosineSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  check(a, b);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  if (na === 0 || nb === 0) return 0;
  return dot / Math.sqrt(na * nb);
}

export function distance(a: ArrayLike<number>, b: ArrayLike<number>, metric: Metric): number {
  return metric === 'euclidean' ? euclidean(a, b) : 1 - cosineSimilarity(a, b);
}
