/**
 * Whether a face is good enough to be clustered: one function, so the rule can change in one place
 * (a per-face quality score, when the pipeline gives one, is used first). Until then: the box's
 * width against data/quality.json's minFaceWidth, and the detector's score against
 * data/cluster.json's minDetectionScore. Faces under the bar are kept, shown as unclustered, never
 * merged into a person.
 */
import type { Box } from '../types.js';
import { clusterParameters } from './parameters.js';

export interface FaceForQuality {
  box: Box;
  score: number;
  quality?: { score: number };
}

export function trustedFace(face: FaceForQuality): boolean {
  const p = clusterParameters();
  if (face.quality && typeof face.quality.score === 'number' && p.minQualityScore !== undefined) return face.quality.score >= p.minQualityScore;
  return face.box.width >= p.minFaceWidth && face.score >= p.minDetectionScore;
}
