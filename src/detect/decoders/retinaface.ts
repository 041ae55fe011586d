/**
 * RetinaFace's anchor decoding, as insightface's reference code does it (retinaface.py: anchors of
 * side 16·scale around (7.5, 7.5) shifted by the stride, `bbox_pred` without variances and
 * `landmark_pred` scaled by landmark_std). Scores are the face half of each `cls_prob` head.
 */
import { ModelError } from '../../errors.js';
import type { RetinaFaceDecoding } from '../../models/spec.js';
import type { Point } from '../../types.js';
import type { Outputs, RawDetection } from './types.js';

export function decodeRetinaFace(d: RetinaFaceDecoding, out: Outputs, _inputSize: number, minScore: number): RawDetection[] {
  const res: RawDetection[] = [];
  for (const { stride, sizes } of d.anchors) {
    const get = (head: string) => {
      const t = out[`${d.prefix}${head}_stride${stride}`];
      if (!t) throw new ModelError(`detector output ${d.prefix}${head}_stride${stride} is missing (it has ${Object.keys(out).join(', ')})`);
      return t;
    };
    const cls = get('cls_prob_reshape');
    const bbox = get('bbox_pred').data;
    const lmk = get('landmark_pred').data;
    const A = sizes.length;
    const [, channels, H, W] = cls.dims as [number, number, number, number];
    if (channels !== 2 * A) throw new ModelError(`detector head cls_prob_reshape_stride${stride} has ${channels} channels, expected ${2 * A}`);
    const plane = H * W;
    const scores = cls.data;
    for (let a = 0; a < A; a++) {
      const side = sizes[a]!;
      const scoreBase = (A + a) * plane;
      for (let i = 0; i < H; i++) {
        for (let j = 0; j < W; j++) {
          const k = i * W + j;
          const s = scores[scoreBase + k]!;
          if (!(s > minScore)) continue;
          const cx = 7.5 + j * stride;
          const cy = 7.5 + i * stride;
          const b = a * 4 * plane + k;
          const px = cx + bbox[b]! * side;
          const py = cy + bbox[b + plane]! * side;
          const pw = Math.exp(bbox[b + 2 * plane]!) * side;
          const ph = Math.exp(bbox[b + 3 * plane]!) * side;
          const l = a * 10 * plane + k;
          const scale = side * d.landmarkStd;
          const points: Point[] = [];
          for (let q = 0; q < 5; q++) points.push({ x: cx + lmk[l + 2 * q * plane]! * scale, y: cy + lmk[l + (2 * q + 1) * plane]! * scale });
          // insightface's corners are the first and last pixel indices: edges are the last one + 1.
          res.push({ x0: px - 0.5 * (pw - 1), y0: py - 0.5 * (ph - 1), x1: px + 0.5 * (pw - 1) + 1, y1: py + 0.5 * (ph - 1) + 1, score: s, points });
        }
      }
    }
  }
  return res;
}
