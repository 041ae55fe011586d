/**
 * Clustering quality against the truth: pairwise precision / recall / F1 (over pairs of items) and
 * BCubed precision / recall / F1 (Bagga & Baldwin 1998; Amigó et al. 2009: per item, averaged).
 * An item left unclustered (label −1) is its own singleton cluster.
 */
export interface ClusterMetrics {
  items: number;
  pairwise: { precision: number; recall: number; f1: number };
  bcubed: { precision: number; recall: number; f1: number };
  /** Clusters of ≥ 2 items predicted and in the truth; singletons (and unclustered) apart. */
  clusters: number;
  truthClusters: number;
  unclustered: number;
}

const f1 = (p: number, r: number): number => (p + r === 0 ? 0 : (2 * p * r) / (p + r));

/** `predicted[i]` and `truth[i]` for the same items; `predicted` −1 is a singleton. */
export function clusterMetrics(predicted: ArrayLike<number>, truth: ArrayLike<string | number>): ClusterMetrics {
  const n = predicted.length;
  const key = (i: number): string => (predicted[i]! < 0 ? `s${i}` : `c${predicted[i]}`);
  const cSize = new Map<string, number>();
  const tSize = new Map<string | number, number>();
  const both = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const c = key(i);
    cSize.set(c, (cSize.get(c) ?? 0) + 1);
    tSize.set(truth[i]!, (tSize.get(truth[i]!) ?? 0) + 1);
    const b = `${c}\u0000${truth[i]}`;
    both.set(b, (both.get(b) ?? 0) + 1);
  }
  let bp = 0;
  let br = 0;
  for (let i = 0; i < n; i++) {
    const c = key(i);
    const common = both.get(`${c}\u0000${truth[i]}`)!;
    bp += common / cSize.get(c)!;
    br += common / tSize.get(truth[i]!)!;
  }
  const pairs = (x: number) => (x * (x - 1)) / 2;
  let tp = 0;
  for (const v of both.values()) tp += pairs(v);
  let predPairs = 0;
  for (const v of cSize.values()) predPairs += pairs(v);
  let truePairs = 0;
  for (const v of tSize.values()) truePairs += pairs(v);
  const pp = predPairs === 0 ? 1 : tp / predPairs;
  const pr = truePairs === 0 ? 1 : tp / truePairs;
  bp /= n || 1;
  br /= n || 1;
  let unclustered = 0;
  for (let i = 0; i < n; i++) if (predicted[i]! < 0) unclustered++;
  return {
    items: n,
    pairwise: { precision: pp, recall: pr, f1: f1(pp, pr) },
    bcubed: { precision: bp, recall: br, f1: f1(bp, br) },
    clusters: [...cSize.values()].filter((v) => v >= 2).length,
    truthClusters: [...tSize.values()].filter((v) => v >= 2).length,
    unclustered,
  };
}
