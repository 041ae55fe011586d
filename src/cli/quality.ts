/** The quality of a verify decision as the CLI's text line says it. */
import type { DecisionQuality } from '../match/quality.js';
import { describeQuality } from '../quality/index.js';

/** The text line's addition: the face sizes, each face's quality, and a warning when the decision is not confident. */
export function qualityText(q: DecisionQuality): string {
  const sizes = `faces ${q.faceWidths[0]} and ${q.faceWidths[1]} px wide`;
  const each = q.faces ? `; quality ${q.faces.map((f) => (f.reasons.length > 0 ? `${f.score} (${describeQuality(f)})` : `${f.score}`)).join(' and ')}` : '';
  return q.confident ? `${sizes}${each}` : `${sizes}${each}; LOW QUALITY: under ${q.minFaceWidth} px a decision is not reliable`;
}
