/**
 * MediaPipe BlazeFace: per anchor a score logit and 16 regressors (box centre x, y, width, height,
 * then six key points x, y), in input pixels relative to the anchor centre; anchors as MediaPipe's
 * SsdAnchorsCalculator makes them with fixed anchor size (one per layer per cell, centred on the
 * cell: ((j + 0.5)/cells, (i + 0.5)/cells), layers of one stride merged).
 *
 * BlazeFace gives the mouth centre, not its corners: the five points take corners on either side of
 * it along the eye line, at the ArcFace template's ratio of mouth width to eye distance (0.83), so a
 * 5-point fit pulls on the mouth centre without biasing the scale.
 */
import { ModelError } from '../../errors.js';
import type { BlazeFaceDecoding } from '../../models/spec.js';
import type { Outputs, RawDetection } from './types.js';

/** (70.7299 − 41.5493) / (73.5318 − 38.2946): the ArcFace template's mouth width over its eye distance, halved below. */
const HALF_MOUTH_OVER_EYES = (70.7299 - 41.5493) / (73.5318 - 38.2946) / 2;

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-Math.max(-100, Math.min(100, x))));

export function decodeBlazeFace(d: BlazeFaceDecoding, out: Outputs, inputSize: number, minScore: number): RawDetection[] {
  const res: RawDetection[] = [];
  for (const head of d.heads) {
    const scores = out[head.scores]?.data;
    const reg = out[head.regressors]?.data;
    if (!scores || !reg) throw new ModelError(`detector outputs ${head.scores} and ${head.regressors} are missing (it has ${Object.keys(out).join(', ')})`);
    let a = 0;
    for (const { stride, perCell } of head.layers) {
      const cells = Math.ceil(inputSize / stride);
      for (let i = 0; i < cells; i++) {
        for (let j = 0; j < cells; j++) {
          const ax = ((j + 0.5) / cells) * inputSize;
          const ay = ((i + 0.5) / cells) * inputSize;
          for (let k = 0; k < perCell; k++, a++) {
            if (a >= scores.length) throw new ModelError(`detector output ${head.scores} has ${scores.length} anchors, its layers make more`);
            const s = sigmoid(scores[a]!);
            if (!(s > minScore)) continue;
            const r = a * 16;
            const cx = ax + reg[r]!;
            const cy = ay + reg[r + 1]!;
            const w = reg[r + 2]!;
            const h = reg[r + 3]!;
            const kp = (q: number) => ({ x: ax + reg[r + 4 + 2 * q]!, y: ay + reg[r + 5 + 2 * q]! });
            const le = kp(0);
            const re = kp(1);
            const mouth = kp(3);
            const ex = (re.x - le.x) * HALF_MOUTH_OVER_EYES;
            const ey = (re.y - le.y) * HALF_MOUTH_OVER_EYES;
            res.push({
              x0: cx - w / 2,
              y0: cy - h / 2,
              x1: cx + w / 2,
              y1: cy + h / 2,
              score: s,
              points: [le, re, kp(2), { x: mouth.x - ex, y: mouth.y - ey }, { x: mouth.x + ex, y: mouth.y + ey }],
            });
          }
        }
      }
    }
    if (a !== scores.length) throw new ModelError(`detector output ${head.scores} has ${scores.length} anchors, its layers make ${a}`);
  }
  return res;
}
