/**
 * `eval verify`: the LFW protocol on any pair list — per-fold thresholds chosen on the other folds,
 * accuracy mean ± std, AUC, EER, TAR at fixed FARs, and what happened to images without a face.
 */
import type { LikenessOptions } from '../likeness.js';
import { euclidean, cosineSimilarity } from '../match/distance.js';
import { Likeness, mainFirst } from '../likeness.js';
import { encodeSet, type EncodeSetOptions } from './encode-set.js';
import { verificationFigures, type RocPoint } from './metrics.js';
import { readPairs, type Pair } from './pairs.js';
import { accuracyAt, type Scored } from './threshold.js';
import type { CachedFace, CachedPhoto } from './encoding-cache.js';

export interface VerifyEvalReport {
  pairsFile: string;
  pairs: number;
  folds: number;
  accuracy: { mean: number; std: number; perFold: number[] };
  thresholds: number[];
  auc: number;
  eer: number;
  tarAtFar: { far: number; tar: number; threshold: number }[];
  /** Accuracy over all pairs at the model's calibrated threshold (not cross-validated). */
  calibrated: { threshold: number; accuracy: number };
  failures: { images: number; pairs: number; policy: string; examples: string[] };
  model: { name: string; version: string; metric: string };
  encoding: { images: number; encoded: number; fromCache: number; seconds: number };
}

export interface VerifyEvalResult {
  report: VerifyEvalReport;
  roc: RocPoint[];
  scored: (Scored & { fold: number })[];
}

/** The face a verification uses: the photo's main face (mainFirst), as Likeness.verify does. */
export function mainFace(photo: CachedPhoto): CachedFace | undefined {
  return mainFirst(photo.faces, photo)[0];
}

/** A pair list file, or pairs made elsewhere (e.g. from labels) with the name reports give them. */
export type PairsSource = string | { name: string; pairs: readonly Pair[] };

export async function evaluateVerification(source: PairsSource, likenessOptions: LikenessOptions = {}, options: EncodeSetOptions = {}): Promise<VerifyEvalResult> {
  const pairs = typeof source === 'string' ? await readPairs(source) : source.pairs;
  const pairsFile = typeof source === 'string' ? source : source.name;
  const engine = await Likeness.create(likenessOptions);
  const metric = engine.embedder.spec.metric;
  const enc = await encodeSet(pairs.flatMap((p) => [p.a, p.b]), likenessOptions, { label: 'encoding', ...options });
  const failed = [...enc.results.entries()].filter(([, r]) => !r.ok || r.faces.length === 0).map(([f]) => f);
  const face = (f: string): CachedFace | undefined => {
    const r = enc.results.get(f);
    return r?.ok ? mainFace(r) : undefined;
  };
  let failedPairs = 0;
  const scored = pairs.map((p) => {
    const a = face(p.a);
    const b = face(p.b);
    if (!a || !b) {
      failedPairs++;
      // No face: the pair cannot be verified, so it is answered "different" at every threshold.
      return { distance: Infinity, same: p.same, fold: p.fold };
    }
    const distance = metric === 'euclidean' ? euclidean(a.embedding, b.embedding) : 1 - cosineSimilarity(a.embedding, b.embedding);
    return { distance, same: p.same, fold: p.fold };
  });
  const { accuracy: cv, roc, auc, eer, tarAtFar } = verificationFigures(scored);
  const report: VerifyEvalReport = {
    pairsFile,
    pairs: pairs.length,
    folds: cv.folds.length,
    accuracy: { mean: cv.mean, std: cv.std, perFold: cv.folds.map((f) => f.accuracy) },
    thresholds: cv.folds.map((f) => f.threshold),
    auc,
    eer,
    tarAtFar,
    calibrated: { threshold: engine.threshold, accuracy: accuracyAt(scored, engine.threshold) },
    failures: { images: failed.length, pairs: failedPairs, policy: 'a pair with an image without a face is answered "different" (distance ∞)', examples: failed.slice(0, 10) },
    model: { ...engine.model, metric },
    encoding: { images: enc.results.size, encoded: enc.encoded, fromCache: enc.fromCache, seconds: enc.seconds },
  };
  return { report, roc, scored };
}
