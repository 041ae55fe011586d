/**
 * Exact k-nearest-neighbour search over an n × d row-major matrix (Euclidean distance). The
 * reference every faster index is compared with, and the SQLite store's search for now.
 */
import { squaredDistance } from './index/exact.js';
import { TopK } from './index/top-k.js';

export interface Neighbour {
  index: number;
  distance: number;
}

export function nearest(matrix: Float32Array, dimensions: number, query: ArrayLike<number>, k: number): Neighbour[] {
  const n = dimensions === 0 ? 0 : matrix.length / dimensions;
  const m = Math.min(k, n);
  if (m <= 0) return [];
  const best = new TopK(m);
  const q = Float64Array.from(query as ArrayLike<number>);
  for (let row = 0; row < n; row++) {
    const s = squaredDistance(matrix, row, q);
    if (s <= best.bound) best.offer(s, row, row);
  }
  return best.sorted().map((e) => ({ index: e.item, distance: Math.sqrt(e.key) }));
}
