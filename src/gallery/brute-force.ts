/**
 * Exact k-nearest-neighbour search over an n × d row-major matrix (Euclidean distance). The
 * reference every faster index is compared with, and the SQLite store's search for now.
 */
export interface Neighbour {
  index: number;
  distance: number;
}

export function nearest(matrix: Float32Array, dimensions: number, query: ArrayLike<number>, k: number): Neighbour[] {
  const n = dimensions === 0 ? 0 : matrix.length / dimensions;
  const m = Math.min(k, n);
  if (m <= 0) return [];
  // Max-heap of the best m squared distances so far (root = the worst of them).
  const heapD = new Float64Array(m);
  const heapI = new Int32Array(m);
  let size = 0;
  const q = Float64Array.from(query as ArrayLike<number>);
  for (let row = 0, base = 0; row < n; row++, base += dimensions) {
    let s = 0;
    for (let j = 0; j < dimensions; j++) {
      const t = matrix[base + j]! - q[j]!;
      s += t * t;
    }
    if (size < m) {
      // sift up
      let i = size++;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (heapD[p]! >= s) break;
        heapD[i] = heapD[p]!;
        heapI[i] = heapI[p]!;
        i = p;
      }
      heapD[i] = s;
      heapI[i] = row;
    } else if (s < heapD[0]!) {
      // replace the root, sift down
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= m) break;
        const r = l + 1;
        const c = r < m && heapD[r]! > heapD[l]! ? r : l;
        if (heapD[c]! <= s) break;
        heapD[i] = heapD[c]!;
        heapI[i] = heapI[c]!;
        i = c;
      }
      heapD[i] = s;
      heapI[i] = row;
    }
  }
  const out: Neighbour[] = [];
  for (let i = 0; i < size; i++) out.push({ index: heapI[i]!, distance: Math.sqrt(heapD[i]!) });
  return out.sort((a, b) => a.distance - b.distance || a.index - b.index);
}
