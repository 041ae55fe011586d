/**
 * Clustering algorithms on a k-nearest-neighbour graph (./neighbours.ts), each giving one label per
 * face (−1: noise, left unclustered). Distances are cosine distances of unit encodings. Written here
 * rather than taken from npm: the packages found (density-clustering, hdbscan-ts, hdbscanjs,
 * ml-hclust) take a full distance function or matrix, O(n²) in time and memory, where 100,000
 * faces need a sparse neighbour graph (docs/decisions/clustering.md).
 *
 * - dbscan: Ester et al. 1996 with the region query answered from the graph (the point itself
 *   counts toward minPts, as in scikit-learn and Immich).
 * - chineseWhispers: dlib's chinese_whispers (Biemann 2006) on the edges under a threshold, weight 1,
 *   `iterations × n` random node updates, as dlib.chinese_whispers_clustering does.
 * - averageLinkage: agglomerative average linkage stopped at a threshold, on the graph's edges, a pair
 *   of faces without an edge counting as `fill` (sparse average linkage); optionally never merging
 *   two clusters that hold faces of the same photo.
 * - hdbscan: Campello et al. 2013 / McInnes' hdbscan (mutual reachability, minimum spanning forest
 *   of the graph's edges, condensed tree, excess-of-mass selection).
 */
import { seededRng } from '../random.js';
import type { NeighbourGraph } from './neighbours.js';

export type Labels = Int32Array;

class UnionFind {
  readonly parent: Int32Array;
  constructor(n: number) {
    this.parent = new Int32Array(n);
    for (let i = 0; i < n; i++) this.parent[i] = i;
  }
  find(x: number): number {
    let r = x;
    while (this.parent[r] !== r) r = this.parent[r]!;
    while (this.parent[x] !== r) {
      const next = this.parent[x]!;
      this.parent[x] = r;
      x = next;
    }
    return r;
  }
}

/** Labels renumbered 0.. in order of first appearance, −1 kept. */
export function compact(labels: ArrayLike<number>): Labels {
  const map = new Map<number, number>();
  const out = new Int32Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!;
    if (l < 0) out[i] = -1;
    else {
      let v = map.get(l);
      if (v === undefined) map.set(l, (v = map.size));
      out[i] = v;
    }
  }
  return out;
}

/** Symmetric adjacency of the graph's edges within `maxDistance`. */
function adjacency(g: NeighbourGraph, maxDistance: number): { to: number[]; d: number[] }[] {
  const adj = Array.from({ length: g.n }, () => ({ to: [] as number[], d: [] as number[] }));
  const seen = new Set<number>();
  for (let i = 0; i < g.n; i++) {
    for (let j = 0; j < g.k; j++) {
      const t = g.ids[i * g.k + j]!;
      const d = g.dist[i * g.k + j]!;
      if (t < 0 || d > maxDistance) break;
      const a = Math.min(i, t);
      const b = Math.max(i, t);
      const key = a * g.n + b;
      if (seen.has(key)) continue;
      seen.add(key);
      adj[a]!.to.push(b), adj[a]!.d.push(d);
      adj[b]!.to.push(a), adj[b]!.d.push(d);
    }
  }
  return adj;
}

export function dbscan(g: NeighbourGraph, eps: number, minPts: number): Labels {
  const region = (i: number): number[] => {
    const out: number[] = [];
    for (let j = 0; j < g.k; j++) {
      const t = g.ids[i * g.k + j]!;
      if (t < 0 || g.dist[i * g.k + j]! > eps) break;
      out.push(t);
    }
    return out;
  };
  const labels = new Int32Array(g.n).fill(-2); // −2: unvisited
  let c = 0;
  for (let i = 0; i < g.n; i++) {
    if (labels[i] !== -2) continue;
    const ni = region(i);
    if (ni.length + 1 < minPts) {
      labels[i] = -1;
      continue;
    }
    labels[i] = c;
    const queue = [...ni];
    while (queue.length > 0) {
      const q = queue.pop()!;
      if (labels[q] === -1) labels[q] = c; // border point
      if (labels[q] !== -2) continue;
      labels[q] = c;
      const nq = region(q);
      if (nq.length + 1 >= minPts) for (const t of nq) if (labels[t] === -2 || labels[t] === -1) queue.push(t);
    }
    c++;
  }
  return labels;
}

export function chineseWhispers(g: NeighbourGraph, threshold: number, iterations = 100, seed = 1): Labels {
  const adj = adjacency(g, threshold);
  const labels = new Int32Array(g.n);
  for (let i = 0; i < g.n; i++) labels[i] = i;
  const rng = seededRng(seed);
  const weight = new Map<number, number>();
  for (let it = 0; it < iterations * g.n; it++) {
    const i = Math.floor(rng() * g.n);
    const a = adj[i]!;
    if (a.to.length === 0) continue;
    weight.clear();
    let best = labels[i]!;
    let bestW = 0;
    for (const t of a.to) {
      const l = labels[t]!;
      const w = (weight.get(l) ?? 0) + 1;
      weight.set(l, w);
      if (w > bestW || (w === bestW && l < best)) (bestW = w), (best = l);
    }
    labels[i] = best;
  }
  return compact(labels);
}

export interface AverageLinkageOptions {
  /** Stop when the nearest two clusters are farther than this (mean cosine distance). */
  threshold: number;
  /**
   * Distance a pair without a graph edge counts as (default 1: orthogonal); 'observed': the mean
   * over the pairs that have an edge only.
   */
  fill?: number | 'observed';
  /** photo[i]: the photo face i comes from; two clusters holding the same photo are never merged. */
  photo?: ArrayLike<number>;
}

/** A binary min-heap of [distance, a, b, stampA, stampB]. */
class Heap {
  private d: number[] = [];
  private rest: number[][] = [];
  get size(): number {
    return this.d.length;
  }
  push(d: number, x: number[]): void {
    this.d.push(d);
    this.rest.push(x);
    let i = this.d.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.d[p]! <= this.d[i]!) break;
      this.swap(i, p);
      i = p;
    }
  }
  pop(): [number, number[]] {
    const top: [number, number[]] = [this.d[0]!, this.rest[0]!];
    const lastD = this.d.pop()!;
    const lastR = this.rest.pop()!;
    if (this.d.length > 0) {
      this.d[0] = lastD;
      this.rest[0] = lastR;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < this.d.length && this.d[l]! < this.d[m]!) m = l;
        if (r < this.d.length && this.d[r]! < this.d[m]!) m = r;
        if (m === i) break;
        this.swap(i, m);
        i = m;
      }
    }
    return top;
  }
  private swap(a: number, b: number): void {
    [this.d[a], this.d[b]] = [this.d[b]!, this.d[a]!];
    [this.rest[a], this.rest[b]] = [this.rest[b]!, this.rest[a]!];
  }
}

export function averageLinkage(g: NeighbourGraph, options: AverageLinkageOptions): Labels {
  const fill = options.fill ?? 1;
  const n = g.n;
  const size = new Float64Array(n).fill(1);
  const stamp = new Int32Array(n);
  const alive = new Uint8Array(n).fill(1);
  const links: Map<number, { sum: number; cnt: number }>[] = Array.from({ length: n }, () => new Map());
  const photos: Set<number>[] | undefined = options.photo ? Array.from({ length: n }, (_, i) => new Set([options.photo![i]!])) : undefined;
  const adj = adjacency(g, Infinity);
  for (let i = 0; i < n; i++) {
    const a = adj[i]!;
    for (let j = 0; j < a.to.length; j++) links[i]!.set(a.to[j]!, { sum: a.d[j]!, cnt: 1 });
  }
  const linkage = (a: number, b: number, l: { sum: number; cnt: number }): number => {
    if (fill === 'observed') return l.sum / l.cnt;
    const pairs = size[a]! * size[b]!;
    return (l.sum + (pairs - l.cnt) * fill) / pairs;
  };
  const heap = new Heap();
  const offer = (a: number, b: number, l: { sum: number; cnt: number }): void => {
    const d = linkage(a, b, l);
    if (d <= options.threshold) heap.push(d, [a, b, stamp[a]!, stamp[b]!]);
  };
  for (let i = 0; i < n; i++) for (const [j, l] of links[i]!) if (i < j) offer(i, j, l);
  const conflict = (a: number, b: number): boolean => {
    if (!photos) return false;
    const [s, t] = photos[a]!.size < photos[b]!.size ? [photos[a]!, photos[b]!] : [photos[b]!, photos[a]!];
    for (const p of s) if (t.has(p)) return true;
    return false;
  };
  const into = new Int32Array(n);
  for (let i = 0; i < n; i++) into[i] = i;
  while (heap.size > 0) {
    const [, [a0, b0, sa, sb]] = heap.pop();
    const a = a0!;
    const b = b0!;
    if (!alive[a] || !alive[b] || stamp[a] !== sa || stamp[b] !== sb) continue;
    if (conflict(a, b)) continue;
    // merge the smaller cluster into the larger
    const [keep, gone] = links[a]!.size >= links[b]!.size ? [a, b] : [b, a];
    alive[gone] = 0;
    into[gone] = keep;
    const lk = links[keep]!;
    lk.delete(gone);
    for (const [c, l] of links[gone]!) {
      if (c === keep) continue;
      const cur = lk.get(c);
      const merged = cur ? { sum: cur.sum + l.sum, cnt: cur.cnt + l.cnt } : { sum: l.sum, cnt: l.cnt };
      lk.set(c, merged);
      const lc = links[c]!;
      lc.delete(gone);
      lc.set(keep, merged);
    }
    links[gone] = new Map();
    size[keep] = size[keep]! + size[gone]!;
    if (photos) for (const p of photos[gone]!) photos[keep]!.add(p);
    stamp[keep] = stamp[keep]! + 1;
    for (const [c, l] of lk) offer(keep, c, l);
  }
  const uf = new UnionFind(n);
  for (let i = 0; i < n; i++) uf.parent[i] = into[i]!;
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) labels[i] = uf.find(i);
  return compact(labels);
}

export interface HdbscanOptions {
  minClusterSize: number;
  /** Neighbours for the core distance, the point itself counted (default minClusterSize). */
  minSamples?: number;
  /** Graph edges longer than this are ignored (default: all). */
  maxDistance?: number;
}

export function hdbscan(g: NeighbourGraph, options: HdbscanOptions): Labels {
  const n = g.n;
  const m = Math.max(2, options.minClusterSize);
  const s = Math.max(1, options.minSamples ?? m);
  const core = new Float64Array(n);
  for (let i = 0; i < n; i++) core[i] = s <= 1 ? 0 : (g.dist[i * g.k + Math.min(s - 2, g.k - 1)] ?? Infinity);
  const maxD = options.maxDistance ?? Infinity;
  // mutual-reachability edges, then Kruskal: a minimum spanning forest as a single-linkage dendrogram
  const edges: { a: number; b: number; w: number }[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < g.k; j++) {
      const t = g.ids[i * g.k + j]!;
      const d = g.dist[i * g.k + j]!;
      if (t < 0 || d > maxD) break;
      if (t < i) continue;
      edges.push({ a: i, b: t, w: Math.max(d, core[i]!, core[t]!, 1e-6) });
    }
  }
  // an edge seen only from the larger index (t > i not in i's list) is still added once
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < g.k; j++) {
      const t = g.ids[i * g.k + j]!;
      const d = g.dist[i * g.k + j]!;
      if (t < 0 || d > maxD) break;
      if (t > i) continue;
      let listed = false;
      for (let u = 0; u < g.k; u++) if (g.ids[t * g.k + u] === i) (listed = true), (u = g.k);
      if (!listed) edges.push({ a: t, b: i, w: Math.max(d, core[i]!, core[t]!, 1e-6) });
    }
  }
  edges.sort((x, y) => x.w - y.w);
  const uf = new UnionFind(2 * n);
  const left: number[] = [];
  const right: number[] = [];
  const lambda: number[] = [];
  const nodeSize: number[] = new Array<number>(n).fill(1);
  const top = new Int32Array(2 * n);
  for (let i = 0; i < n; i++) top[i] = i;
  for (const e of edges) {
    const ra = uf.find(e.a);
    const rb = uf.find(e.b);
    if (ra === rb) continue;
    const node = n + left.length;
    left.push(top[ra]!);
    right.push(top[rb]!);
    lambda.push(1 / e.w);
    nodeSize.push(nodeSize[top[ra]!]! + nodeSize[top[rb]!]!);
    uf.parent[rb] = ra;
    top[ra] = node;
  }
  const roots = new Set<number>();
  for (let i = 0; i < n; i++) roots.add(top[uf.find(i)]!);
  // condensed tree: cluster 0 is a virtual root at λ = 0 over the forest's components
  const parent: number[] = [-1];
  const birth: number[] = [0];
  const stability: number[] = [0];
  const pointCluster = new Int32Array(n).fill(0);
  const leaves = (node: number): number[] => {
    const out: number[] = [];
    const stack = [node];
    while (stack.length) {
      const x = stack.pop()!;
      if (x < n) out.push(x);
      else stack.push(left[x - n]!, right[x - n]!);
    }
    return out;
  };
  const newCluster = (p: number, at: number): number => {
    parent.push(p);
    birth.push(at);
    stability.push(0);
    return parent.length - 1;
  };
  const queue: [number, number][] = [];
  for (const r of roots) {
    if (nodeSize[r]! >= m) queue.push([r, newCluster(0, 0)]);
    else for (const p of leaves(r)) pointCluster[p] = 0;
  }
  while (queue.length) {
    const [node, cc] = queue.pop()!;
    if (node < n) {
      pointCluster[node] = cc;
      continue;
    }
    const l = left[node - n]!;
    const r = right[node - n]!;
    const lam = lambda[node - n]!;
    const bigL = nodeSize[l]! >= m;
    const bigR = nodeSize[r]! >= m;
    if (bigL && bigR) {
      stability[cc]! += nodeSize[node]! * (lam - birth[cc]!);
      queue.push([l, newCluster(cc, lam)], [r, newCluster(cc, lam)]);
    } else {
      for (const [child, big] of [[l, bigL], [r, bigR]] as const) {
        if (big) queue.push([child, cc]);
        else {
          const pts = leaves(child);
          stability[cc]! += pts.length * (lam - birth[cc]!);
          for (const p of pts) pointCluster[p] = cc;
        }
      }
    }
  }
  // excess of mass: bottom-up (children have larger ids than their parent)
  const k = parent.length;
  const childSum = new Float64Array(k);
  const selected = new Uint8Array(k);
  const kidCount = new Int32Array(k);
  for (let c = 1; c < k; c++) kidCount[parent[c]!] = kidCount[parent[c]!]! + 1;
  for (let c = k - 1; c >= 1; c--) {
    const own = stability[c]!;
    const kids = childSum[c]!;
    if (kidCount[c] === 0 || own >= kids) {
      selected[c] = 1;
      childSum[parent[c]!] = childSum[parent[c]!]! + own;
    } else childSum[parent[c]!] = childSum[parent[c]!]! + kids;
  }
  // a selected cluster's descendants are not selected
  const label = new Int32Array(k).fill(-1);
  for (let c = 1; c < k; c++) {
    const p = parent[c]!;
    if (p > 0 && label[p] !== -1) label[c] = label[p]!;
    else if (selected[c]) label[c] = c;
  }
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = label[pointCluster[i]!]!;
  return compact(out);
}

/**
 * The constraints every result is held to: a face whose photo already has a face in its cluster
 * leaves it (the one nearest the cluster's mean stays), then clusters under `minSize` faces are
 * dissolved (their faces unclustered).
 */
export function enforceConstraints(labels: Labels, photo: ArrayLike<number>, matrix: Float32Array, d: number, minSize: number): Labels {
  const out = Int32Array.from(labels);
  const members = new Map<number, number[]>();
  for (let i = 0; i < out.length; i++) if (out[i]! >= 0) (members.get(out[i]!) ?? members.set(out[i]!, []).get(out[i]!)!).push(i);
  for (const list of members.values()) {
    const byPhoto = new Map<number, number[]>();
    for (const i of list) (byPhoto.get(photo[i]!) ?? byPhoto.set(photo[i]!, []).get(photo[i]!)!).push(i);
    if ([...byPhoto.values()].every((v) => v.length === 1)) continue;
    const mean = new Float64Array(d);
    for (const i of list) for (let t = 0; t < d; t++) mean[t] = mean[t]! + matrix[i * d + t]!;
    for (const faces of byPhoto.values()) {
      if (faces.length === 1) continue;
      let best = faces[0]!;
      let bestScore = -Infinity;
      for (const i of faces) {
        let s = 0;
        for (let t = 0; t < d; t++) s += mean[t]! * matrix[i * d + t]!;
        if (s > bestScore) (bestScore = s), (best = i);
      }
      for (const i of faces) if (i !== best) out[i] = -1;
    }
  }
  const count = new Map<number, number>();
  for (const l of out) if (l >= 0) count.set(l, (count.get(l) ?? 0) + 1);
  for (let i = 0; i < out.length; i++) if (out[i]! >= 0 && count.get(out[i]!)! < minSize) out[i] = -1;
  return compact(out);
}
