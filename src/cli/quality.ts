/** The quality of a verify decision as the CLI's text line says it. */
import type { DecisionQuality } from '../match/quality.js';

/** The text line's addition: the face sizes, and a warning when the decision is not confident. */
export function qualityText(q: DecisionQuality): string {
  const sizes = `faces ${q.faceWidths[0]} and ${q.faceWidths[1]} px wide`;
  return q.confident ? sizes : `${sizes}; LOW QUALITY: under ${q.minFaceWidth} px a decision is not reliable`;
}
