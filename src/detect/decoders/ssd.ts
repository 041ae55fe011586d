/** SSD export contract: boxes [1, A, 4] as (ymin, xmin, ymax, xmax) relative to the input, scores [1, A]. */
import { ModelError } from '../../errors.js';
import type { SsdDecoding } from '../../models/spec.js';
import type { Outputs, RawDetection } from './types.js';

export function decodeSsd(d: SsdDecoding, out: Outputs, inputSize: number, minScore: number): RawDetection[] {
  const boxes = out[d.boxes]?.data;
  const scores = out[d.scores]?.data;
  if (!boxes || !scores) throw new ModelError(`detector outputs ${d.boxes} and ${d.scores} are missing (it has ${Object.keys(out).join(', ')})`);
  const res: RawDetection[] = [];
  for (let a = 0; a < scores.length; a++) {
    const s = scores[a]!;
    if (!(s > minScore)) continue;
    res.push({ y0: boxes[a * 4]! * inputSize, x0: boxes[a * 4 + 1]! * inputSize, y1: boxes[a * 4 + 2]! * inputSize, x1: boxes[a * 4 + 3]! * inputSize, score: s });
  }
  return res;
}
