/** Greedy non-maximum suppression over boxes in any consistent coordinates. */
import type { Box } from '../types.js';

export function iou(a: Box, b: Box): number {
  const x0 = Math.max(a.x, b.x);
  const y0 = Math.max(a.y, b.y);
  const x1 = Math.min(a.x + a.width, b.x + b.width);
  const y1 = Math.min(a.y + a.height, b.y + b.height);
  const inter = Math.max(0, x1 - x0) * Math.max(0, y1 - y0);
  if (inter <= 0) return 0;
  return inter / (a.width * a.height + b.width * b.height - inter);
}

/**
 * Keep the highest-scoring boxes, dropping any whose IoU with an already kept box exceeds
 * `iouThreshold`. Returns indices into `boxes`, best first.
 */
export function nonMaxSuppression(boxes: readonly Box[], scores: ArrayLike<number>, iouThreshold: number, maxOutput: number): number[] {
  const order = boxes.map((_, i) => i).sort((a, b) => scores[b]! - scores[a]! || a - b);
  const kept: number[] = [];
  for (const i of order) {
    if (kept.length >= maxOutput) break;
    if (kept.every((k) => iou(boxes[i]!, boxes[k]!) <= iouThreshold)) kept.push(i);
  }
  return kept;
}
