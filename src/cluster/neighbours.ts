/**
 * The k-nearest-neighbour graph every clustering algorithm here works on: for each face its k
 * nearest other faces and their cosine distances (1 − dot of the unit encodings), nearest first.
 * Sets up to `exactUpTo` faces (5,000) are searched exactly (usearch's exactSearch, native and threaded);
 * larger ones through usearch's HNSW graph (the library the gallery's ANN index uses; i8, build beam
 * 64: on LFW's 15,498 faces 2.7 s against 20.5 s exact, the same clustering to 4 decimals,
 * research/cluster-graph.ts). Either way
 * the candidates' distances are recomputed exactly here. usearch 2.26's exactSearch reads a typed array
 * from its buffer's start, ignoring a subarray's byteOffset (Index.add and search do not): queries
 * are passed as copies (slice).
 */
import os from 'node:os';

export interface NeighbourGraph {
  n: number;
  k: number;
  /** ids[i * k + j]: the j-th nearest neighbour of i, −1 where there are fewer than k. */
  ids: Int32Array;
  /** Cosine distance to it (Infinity where ids is −1). */
  dist: Float32Array;
}

export interface NeighbourOptions {
  /** Exact search up to this many faces (default 5,000), HNSW above. */
  exactUpTo?: number;
  threads?: number;
  /** HNSW beam while searching (default 256). */
  expansionSearch?: number;
  /** HNSW beam while building (default 64). */
  expansionAdd?: number;
  /** How the HNSW graph stores the encodings it walks (default 'i8'); distances are exact either way. */
  quantization?: 'f32' | 'f16' | 'i8';
}

/** `matrix` holds n unit encodings of `d` dimensions, row after row. */
export async function neighbourGraph(matrix: Float32Array, d: number, k: number, options: NeighbourOptions = {}): Promise<NeighbourGraph> {
  const n = matrix.length / d;
  if (!Number.isInteger(n)) throw new RangeError(`matrix length ${matrix.length} is not a multiple of ${d}`);
  const kk = Math.max(0, Math.min(k, n - 1));
  const ids = new Int32Array(n * kk).fill(-1);
  const dist = new Float32Array(n * kk).fill(Infinity);
  if (kk === 0) return { n, k: kk, ids, dist };
  if (n <= 64) exact(matrix, d, n, kk, ids, dist);
  else await approximate(matrix, d, n, kk, ids, dist, options, n <= (options.exactUpTo ?? 5000));
  return { n, k: kk, ids, dist };
}

function dot(m: Float32Array, a: number, b: number, d: number): number {
  let s = 0;
  const oa = a * d;
  const ob = b * d;
  for (let t = 0; t < d; t++) s += m[oa + t]! * m[ob + t]!;
  return s;
}

function exact(m: Float32Array, d: number, n: number, k: number, ids: Int32Array, dist: Float32Array): void {
  const row = new Float64Array(n);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      row[j] = j === i ? Infinity : 1 - dot(m, i, j, d);
      order[j] = j;
    }
    const sorted = Array.from(order).sort((a, b) => row[a]! - row[b]! || a - b);
    for (let j = 0; j < k; j++) {
      ids[i * k + j] = sorted[j]!;
      dist[i * k + j] = row[sorted[j]!]!;
    }
  }
}

async function approximate(m: Float32Array, d: number, n: number, k: number, ids: Int32Array, dist: Float32Array, options: NeighbourOptions, exactly: boolean): Promise<void> {
  const usearch = await import('usearch');
  const threads = options.threads ?? os.availableParallelism();
  const want = Math.min(n, k + 1);
  const CHUNK = 4096;
  if (exactly) {
    for (let start = 0; start < n; start += CHUNK) {
      const end = Math.min(n, start + CHUNK);
      const found = usearch.exactSearch(m, m.slice(start * d, end * d), d, want, usearch.MetricKind.IP, threads) as import('usearch').BatchMatches;
      collect(found.keys, m, d, start, end, want, k, ids, dist);
    }
    return;
  }
  const index = new usearch.Index({
    dimensions: d,
    metric: usearch.MetricKind.L2sq,
    quantization: (options.quantization ?? 'i8') as import('usearch').ScalarKind,
    connectivity: 16,
    expansion_add: options.expansionAdd ?? 64,
    expansion_search: Math.max(options.expansionSearch ?? 256, k + 1),
    multi: false,
  });
  const keys = new BigUint64Array(n);
  for (let i = 0; i < n; i++) keys[i] = BigInt(i);
  index.add(keys, m, threads);
  for (let start = 0; start < n; start += CHUNK) {
    const end = Math.min(n, start + CHUNK);
    const found = index.search(m.slice(start * d, end * d), want, threads);
    collect(found.keys, m, d, start, end, want, k, ids, dist);
  }
}

const NO_KEY = BigInt('18446744073709551615');

function collect(keys: BigUint64Array, m: Float32Array, d: number, start: number, end: number, want: number, k: number, ids: Int32Array, dist: Float32Array): void {
  const n = m.length / d;
  {
    for (let q = start; q < end; q++) {
      const cand: { id: number; dist: number }[] = [];
      for (let j = 0; j < want; j++) {
        const key = keys[(q - start) * want + j]!;
        if (key === NO_KEY) continue;
        const id = Number(key);
        if (id === q || id < 0 || id >= n) continue;
        cand.push({ id, dist: 1 - dot(m, q, id, d) });
      }
      cand.sort((a, b) => a.dist - b.dist || a.id - b.id);
      for (let j = 0; j < Math.min(k, cand.length); j++) {
        ids[q * k + j] = cand[j]!.id;
        dist[q * k + j] = cand[j]!.dist;
      }
    }
  }
}
