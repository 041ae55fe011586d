/**
 * Verification and identification metrics from distances (smaller = more alike).
 */
import { accuracyAt, bestThreshold, type Scored } from './threshold.js';

/** The largest double below x, so that "distance ≤ t" excludes x itself. */
export function nextDown(x: number): number {
  if (!Number.isFinite(x)) return x;
  if (x === 0) return -Number.MIN_VALUE;
  const buf = new Float64Array([x]);
  const bits = new BigInt64Array(buf.buffer);
  bits[0] = bits[0]! + (x > 0 ? -1n : 1n);
  return buf[0]!;
}

export interface RocPoint {
  threshold: number;
  /** True accept rate: same-person pairs with distance ≤ threshold. */
  tar: number;
  /** False accept rate: different-person pairs with distance ≤ threshold. */
  far: number;
}

/** The ROC curve: one point per distinct distance, from (0, 0) to (1, 1). */
export function rocCurve(items: readonly Scored[]): RocPoint[] {
  const s = [...items].sort((a, b) => a.distance - b.distance);
  const P = s.filter((x) => x.same).length;
  const N = s.length - P;
  if (P === 0 || N === 0) throw new RangeError('ROC needs both same and different pairs');
  const pts: RocPoint[] = [{ threshold: -Infinity, tar: 0, far: 0 }];
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i]!.same) tp++;
    else fp++;
    if (i + 1 < s.length && s[i + 1]!.distance === s[i]!.distance) continue;
    pts.push({ threshold: s[i]!.distance, tar: tp / P, far: fp / N });
  }
  return pts;
}

/** Area under the ROC curve (trapezoids; ties count half, as the Mann–Whitney statistic). */
export function auc(roc: readonly RocPoint[]): number {
  let a = 0;
  for (let i = 1; i < roc.length; i++) a += ((roc[i]!.far - roc[i - 1]!.far) * (roc[i]!.tar + roc[i - 1]!.tar)) / 2;
  return a;
}

/** Equal error rate: where FAR = 1 − TAR (false reject rate), interpolated linearly. */
export function eer(roc: readonly RocPoint[]): number {
  for (let i = 1; i < roc.length; i++) {
    const a = roc[i - 1]!;
    const b = roc[i]!;
    const da = a.far - (1 - a.tar);
    const db = b.far - (1 - b.tar);
    if (da <= 0 && db >= 0) {
      const t = db === da ? 0 : -da / (db - da);
      return a.far + t * (b.far - a.far);
    }
  }
  return 1;
}

/** The highest TAR whose FAR does not exceed `far`, with the threshold achieving it. */
export function tarAtFar(roc: readonly RocPoint[], far: number): { far: number; tar: number; threshold: number } {
  let best = roc[0]!;
  for (const p of roc) if (p.far <= far && p.tar >= best.tar) best = p;
  return { far, tar: best.tar, threshold: best.threshold };
}

export interface FoldResult {
  fold: number;
  threshold: number;
  accuracy: number;
  pairs: number;
}

export interface TenFoldResult {
  folds: FoldResult[];
  mean: number;
  /** Population standard deviation over the folds (as FaceNet's and InsightFace's LFW scripts). */
  std: number;
}

/**
 * The LFW protocol: for each fold, the threshold maximising accuracy on the other folds, tested on
 * the held-out fold. With a single fold, the threshold is chosen and tested on it (optimistic; said so).
 */
export function crossValidate(items: readonly (Scored & { fold: number })[]): TenFoldResult {
  const foldIds = [...new Set(items.map((x) => x.fold))].sort((a, b) => a - b);
  const folds = foldIds.map((f) => {
    const test = items.filter((x) => x.fold === f);
    const train = foldIds.length > 1 ? items.filter((x) => x.fold !== f) : test;
    const { threshold } = bestThreshold(train);
    return { fold: f, threshold, accuracy: accuracyAt(test, threshold), pairs: test.length };
  });
  const mean = folds.reduce((a, f) => a + f.accuracy, 0) / folds.length;
  const std = Math.sqrt(folds.reduce((a, f) => a + (f.accuracy - mean) ** 2, 0) / folds.length);
  return { folds, mean, std };
}

/** The standard figures of scored pairs: the cross-validated accuracy, the ROC and its AUC, EER and TAR at the given FARs. */
export function verificationFigures(items: readonly (Scored & { fold: number })[], fars: readonly number[] = [1e-2, 1e-3]): { accuracy: TenFoldResult; roc: RocPoint[]; auc: number; eer: number; tarAtFar: { far: number; tar: number; threshold: number }[] } {
  const roc = rocCurve(items);
  return { accuracy: crossValidate(items), roc, auc: auc(roc), eer: eer(roc), tarAtFar: fars.map((far) => tarAtFar(roc, far)) };
}

export interface ProbeResult {
  /** The probe's true identity is enrolled. */
  known: boolean;
  /** Rank (1-based) of the true identity among gallery candidates by distance; Infinity if unknown or absent. */
  rank: number;
  /** Distance to the nearest gallery entry (any identity). */
  bestDistance: number;
  /** Whether the nearest gallery entry is the true identity. */
  rank1Correct: boolean;
}

/** Cumulative match characteristic: identification rate of known probes at ranks 1..maxRank. */
export function cmc(probes: readonly ProbeResult[], maxRank: number): number[] {
  const known = probes.filter((p) => p.known);
  return Array.from({ length: maxRank }, (_, r) => known.filter((p) => p.rank <= r + 1).length / Math.max(1, known.length));
}

/**
 * Open-set identification: the threshold at which a fraction `fpir` of unknown probes is (wrongly)
 * matched to someone, and the detection-and-identification rate of known probes at it (rank-1
 * correct and within the threshold).
 */
export function dirAtFpir(probes: readonly ProbeResult[], fpir: number): { fpir: number; dir: number; threshold: number } {
  const unknown = probes.filter((p) => !p.known).map((p) => p.bestDistance).sort((a, b) => a - b);
  const known = probes.filter((p) => p.known);
  // Largest threshold with (#unknown with distance ≤ t) / #unknown ≤ fpir.
  const allowed = Math.floor(fpir * unknown.length);
  const threshold = unknown.length === 0 ? Infinity : allowed >= unknown.length ? unknown[unknown.length - 1]! : allowed === 0 ? nextDown(unknown[0]!) : nextDown(unknown[allowed]!);
  const dir = known.filter((p) => p.rank1Correct && p.bestDistance <= threshold).length / Math.max(1, known.length);
  return { fpir, dir, threshold };
}

