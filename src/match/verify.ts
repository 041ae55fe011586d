/** 1:1 verification of two encodings against a threshold. */
import { EncodingMismatchError, InvalidOptionError } from '../errors.js';
import type { Metric } from '../models/spec.js';
import { confidence, type Logistic } from './calibration.js';
import { cosineSimilarity, distance } from './distance.js';

/** An encoding with the model that produced it, so encodings of different models are never compared. */
export interface Encoding {
  model: string;
  version?: string;
  embedding: ArrayLike<number>;
}

export interface Decision {
  verified: boolean;
  distance: number;
  threshold: number;
  metric: Metric;
  /** Cosine similarity of the two encodings, −1..1 (model-specific scale). */
  similarity: number;
  /**
   * Calibrated probability that the two faces are the same person (0..1), comparable across models;
   * present when the model's threshold comes with a logistic calibration.
   */
  confidence?: number;
}

export function checkThreshold(t: number): number {
  if (!Number.isFinite(t) || t < 0) throw new InvalidOptionError(`threshold must be a finite number ≥ 0, got ${t}`);
  return t;
}

/** Decide whether two encodings are the same person: distance ≤ threshold. */
export function decide(a: ArrayLike<number>, b: ArrayLike<number>, threshold: number, metric: Metric, logistic?: Logistic): Decision {
  checkThreshold(threshold);
  for (const e of [a, b]) {
    for (let i = 0; i < e.length; i++) if (!Number.isFinite(e[i])) throw new EncodingMismatchError('encoding contains a non-finite value');
  }
  const d = distance(a, b, metric);
  const out: Decision = { verified: d <= threshold, distance: d, threshold, metric, similarity: cosineSimilarity(a, b) };
  if (logistic) out.confidence = confidence(d, logistic);
  return out;
}

export function sameModel(a: Encoding, b: Encoding): void {
  if (a.model !== b.model || (a.version !== undefined && b.version !== undefined && a.version !== b.version)) {
    throw new EncodingMismatchError(`made by different models (${a.model}@${a.version ?? '?'} vs ${b.model}@${b.version ?? '?'})`);
  }
}
