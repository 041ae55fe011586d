/**
 * 1:K identification: face hits from a gallery search, combined per subject (a subject's distance is
 * its nearest enrolled face), ranked, and an open-set decision: the best subject, or unknown when it
 * is beyond the threshold.
 */
import type { Metric } from '../models/spec.js';
import { confidence, type Logistic } from './calibration.js';

export interface FaceHit {
  subjectId: string;
  distance: number;
}

export interface Candidate {
  subject: string;
  name: string;
  /** Euclidean distance between unit encodings (0–2). */
  distance: number;
  /** Cosine similarity, 1 − d²/2. */
  similarity: number;
  /** Calibrated P(same person) of the 1:1 comparison with this subject's nearest face. */
  confidence?: number;
  /** The subject's hubness: mean similarity to its nearest other people (see ./hubness.ts). */
  hubness?: number;
  /**
   * The distance corrected for the subject's hubness, √(d² + max(0, hubness − reference)): with
   * hubness correction on, candidates are ranked and the open-set decision is made on it.
   */
  adjustedDistance?: number;
}

/** Nearest face per subject, best first, at most k subjects. */
export function rankSubjects(hits: readonly FaceHit[], k: number): FaceHit[] {
  const best = new Map<string, number>();
  for (const h of hits) {
    const d = best.get(h.subjectId);
    if (d === undefined || h.distance < d) best.set(h.subjectId, h.distance);
  }
  return [...best.entries()]
    .map(([subjectId, distance]) => ({ subjectId, distance }))
    .sort((a, b) => a.distance - b.distance || (a.subjectId < b.subjectId ? -1 : 1))
    .slice(0, k);
}

/**
 * A candidate from a Euclidean distance between unit encodings. The confidence's logistic was
 * fitted on the model's own metric, so a cosine model's is read at the cosine distance d²/2.
 */
export function toCandidate(subjectId: string, name: string, distance: number, logistic?: Logistic, metric: Metric = 'euclidean'): Candidate {
  const c: Candidate = { subject: subjectId, name, distance, similarity: 1 - (distance * distance) / 2 };
  if (logistic) c.confidence = confidence(metric === 'cosine' ? (distance * distance) / 2 : distance, logistic);
  return c;
}

/** The distance a candidate is ranked and decided on: the hubness-corrected one when there is one. */
export const openSetDistance = (c: Candidate): number => c.adjustedDistance ?? c.distance;

/** The open-set decision: the best candidate when within the threshold, otherwise unknown (null). */
export function decideMatch(candidates: readonly Candidate[], threshold: number): Candidate | null {
  const best = candidates[0];
  return best && openSetDistance(best) <= threshold ? best : null;
}
