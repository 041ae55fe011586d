/**
 * Whether a face is good enough to be clustered: one function, so the rule can change in one place.
 * The per-face quality score (src/quality, measured by the scan's workers with each encoding) is used
 * when the face has one, against data/cluster.json's minQualityScore; a face without one (an encoding
 * cached before the score was kept) falls back to the box's width against minFaceWidth and the
 * detector's score against minDetectionScore. Faces under the bar are kept, shown as unclustered, never
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
