/**
 * Online triplet mining over a batch of labelled encodings (distances computed on the current
 * encodings, without gradients):
 * - `batch-all`: every valid triplet (a, p, n): a ≠ p of one person, n of another person.
 * - `batch-hard` (Hermans et al. 2017): per anchor, its farthest positive and nearest negative.
 * - `semi-hard` (FaceNet): per anchor–positive pair, a negative farther than the positive but
 *   inside the margin, d(A,P) < d(A,N) < d(A,P) + α; the nearest such negative. Pairs without one
 *   give no triplet.
 * Distances are squared Euclidean, as in the loss.
 */
import { InvalidOptionError } from '../errors.js';
import { DEFAULT_ALPHA, squaredDistance } from './triplet-loss.js';

export const MINING_STRATEGIES = ['batch-all', 'batch-hard', 'semi-hard'] as const;
export type MiningStrategy = (typeof MINING_STRATEGIES)[number];

export interface Triplet {
  anchor: number;
  positive: number;
  negative: number;
}

/** The n × n matrix of squared distances, row-major. */
export function squaredDistanceMatrix(encodings: readonly ArrayLike<number>[]): Float64Array {
  const n = encodings.length;
  const d = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) {
      const v = squaredDistance(encodings[i]!, encodings[j]!);
      d[i * n + j] = v;
      d[j * n + i] = v;
    }
  return d;
}

function check(n: number, labels: readonly (string | number)[], dist: ArrayLike<number>): void {
  if (labels.length !== n || dist.length !== n * n) throw new InvalidOptionError(`mining: ${labels.length} labels for a ${Math.sqrt(dist.length)}² distance matrix`);
}

/**
 * Triplets of a batch under a strategy. `dist` is the n × n squared-distance matrix (row-major),
 * `labels[i]` the identity of item i.
 */
export function mineTriplets(dist: ArrayLike<number>, labels: readonly (string | number)[], strategy: MiningStrategy, alpha = DEFAULT_ALPHA): Triplet[] {
  const n = labels.length;
  check(n, labels, dist);
  const out: Triplet[] = [];
  const D = (i: number, j: number): number => dist[i * n + j]!;
  for (let a = 0; a < n; a++) {
    const pos: number[] = [];
    const neg: number[] = [];
    for (let j = 0; j < n; j++) if (j !== a) (labels[j] === labels[a] ? pos : neg).push(j);
    if (pos.length === 0 || neg.length === 0) continue;
    if (strategy === 'batch-all') {
      for (const p of pos) for (const m of neg) out.push({ anchor: a, positive: p, negative: m });
    } else if (strategy === 'batch-hard') {
      const p = pos.reduce((b, j) => (D(a, j) > D(a, b) ? j : b));
      const m = neg.reduce((b, j) => (D(a, j) < D(a, b) ? j : b));
      out.push({ anchor: a, positive: p, negative: m });
    } else if (strategy === 'semi-hard') {
      for (const p of pos) {
        const dap = D(a, p);
        let best = -1;
        for (const m of neg) {
          const dan = D(a, m);
          if (dan > dap && dan < dap + alpha && (best < 0 || dan < D(a, best))) best = m;
        }
        if (best >= 0) out.push({ anchor: a, positive: p, negative: best });
      }
    } else {
      throw new InvalidOptionError(`unknown mining strategy ${String(strategy)} (known: ${MINING_STRATEGIES.join(', ')})`);
    }
  }
  return out;
}

/**
 * Over every valid triplet of the batch (whatever the strategy mines): how many there are and how
 * many have a non-zero loss ("active"). The fraction falls as the encoder learns.
 */
export function activeTriplets(dist: ArrayLike<number>, labels: readonly (string | number)[], alpha = DEFAULT_ALPHA): { valid: number; active: number } {
  const n = labels.length;
  check(n, labels, dist);
  let valid = 0;
  let active = 0;
  for (let a = 0; a < n; a++)
    for (let p = 0; p < n; p++) {
      if (p === a || labels[p] !== labels[a]) continue;
      const dap = dist[a * n + p]!;
      for (let m = 0; m < n; m++) {
        if (labels[m] === labels[a]) continue;
        valid++;
        if (dap - dist[a * n + m]! + alpha > 0) active++;
      }
    }
  return { valid, active };
}
