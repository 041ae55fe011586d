/**
 * dlib's shape predictor (an ensemble of regression trees, Kazemi & Sullivan 2014) read from its
 * `serialize()`d `.dat` file and run in TypeScript: e.g. `shape_predictor_5_face_landmarks.dat`
 * (CC0, 5 points: two corners of each eye and the base of the nose).
 *
 * File layout (dlib/image_processing/shape_predictor.h, version 1): initial_shape (column matrix
 * of x0,y0,x1,y1,… in the unit box), forests (cascade → trees: splits {idx1, idx2, thresh} and
 * leaf shape increments), anchor_idx and deltas (cascade → feature pixel: the landmark it hangs off
 * and its offset in the mean shape's frame). Numbers use dlib's compact integers and its portable
 * float encoding (mantissa · 2^exponent as two compact integers).
 */
import { estimateSimilarity } from '../../src/align/similarity.js';
import { dlibTemplate, type AlignmentTemplate } from '../../src/align/templates.js';
import type { Box, Point, RgbImage } from '../../src/types.js';
import { DlibStream } from './dat.js';

interface Split {
  idx1: number;
  idx2: number;
  thresh: number;
}

interface Tree {
  splits: Split[];
  leaves: Float32Array[];
}

export interface ShapePredictorModel {
  /** Mean shape in the unit box: x0, y0, x1, y1, … */
  initial: Float32Array;
  forests: Tree[][];
  anchors: Uint32Array[];
  /** Per cascade, per feature pixel: dx, dy interleaved. */
  deltas: Float32Array[];
  points: number;
}

class Reader extends DlibStream {
  constructor(buf: Uint8Array, file: string) {
    super(buf, 0, file, 'dlib shape predictor file');
  }

  count(max: number): number {
    const n = this.int();
    if (n < 0 || n > max) this.fail(`implausible count ${n}`);
    return n;
  }

  /** A column vector (dlib writes the new-format sizes negated). */
  column(): Float32Array {
    const nr = Math.abs(this.int());
    const nc = Math.abs(this.int());
    if (nc !== 1 || nr > 10_000) this.fail(`matrix of ${nr}×${nc}`);
    const out = new Float32Array(nr);
    for (let i = 0; i < nr; i++) out[i] = this.float();
    return out;
  }
}

export function readShapePredictor(buf: Uint8Array, file = 'shape predictor'): ShapePredictorModel {
  const r = new Reader(buf, file);
  const version = r.int();
  if (version !== 1) r.fail(`version ${version}`);
  const initial = r.column();
  if (initial.length === 0 || initial.length % 2 !== 0) r.fail('odd initial shape');
  const forests: Tree[][] = [];
  const cascades = r.count(1000);
  for (let c = 0; c < cascades; c++) {
    const trees: Tree[] = [];
    const nTrees = r.count(100_000);
    for (let t = 0; t < nTrees; t++) {
      const splits: Split[] = [];
      const nSplits = r.count(1 << 16);
      for (let s = 0; s < nSplits; s++) splits.push({ idx1: r.int(), idx2: r.int(), thresh: r.float() });
      const leaves: Float32Array[] = [];
      const nLeaves = r.count(1 << 17);
      if (nLeaves !== nSplits + 1) r.fail(`${nSplits} splits but ${nLeaves} leaves`);
      for (let l = 0; l < nLeaves; l++) {
        const leaf = r.column();
        if (leaf.length !== initial.length) r.fail('leaf of the wrong size');
        leaves.push(leaf);
      }
      trees.push({ splits, leaves });
    }
    forests.push(trees);
  }
  const anchors: Uint32Array[] = [];
  if (r.count(1000) !== cascades) r.fail('anchor lists do not match the cascades');
  for (let c = 0; c < cascades; c++) {
    const n = r.count(1_000_000);
    const a = new Uint32Array(n);
    for (let i = 0; i < n; i++) a[i] = r.int();
    anchors.push(a);
  }
  const deltas: Float32Array[] = [];
  if (r.count(1000) !== cascades) r.fail('delta lists do not match the cascades');
  for (let c = 0; c < cascades; c++) {
    const n = r.count(1_000_000);
    if (n !== anchors[c]!.length) r.fail('deltas and anchors differ in length');
    const d = new Float32Array(2 * n);
    for (let i = 0; i < 2 * n; i++) d[i] = r.float();
    deltas.push(d);
  }
  const points = initial.length / 2;
  for (const [c, trees] of forests.entries()) {
    const features = anchors[c]!.length;
    for (const t of trees) for (const s of t.splits) if (s.idx1 >= features || s.idx2 >= features) r.fail('split on a feature that does not exist');
    for (const a of anchors[c]!) if (a >= points) r.fail('anchor on a point that does not exist');
  }
  return { initial, forests, anchors, deltas, points };
}

/**
 * iBUG indices of the points of dlib's 5-point predictor (`shape_predictor_5_face_landmarks.dat`), in
 * its order: the image-right eye's outer and inner corners, the image-left eye's outer and inner
 * corners, the base of the nose.
 */
export const SHAPE5_IBUG: readonly number[] = [45, 42, 36, 39, 33];

/**
 * dlib's 68-point template reduced to the 5-point predictor's points, indexed 0–4 in the predictor's
 * order, so its output aligns directly (face-api's points: `SHAPE5_IBUG.map((k) => landmarks[k])`).
 */
export function shape5Template(size = 150, padding = 0.25): AlignmentTemplate {
  const full = dlibTemplate(size, padding);
  return { name: 'dlib-5', size, padding, landmarkIndices: SHAPE5_IBUG.map((_, j) => j), points: SHAPE5_IBUG.map((k) => full.points[full.landmarkIndices.indexOf(k)]!) };
}

/** dlib's rgb → grey for the predictor's features: the mean of the three channels, truncated. */
export function greyOf(img: RgbImage): Uint8Array {
  const n = img.width * img.height;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = ((img.data[3 * i]! + img.data[3 * i + 1]! + img.data[3 * i + 2]!) / 3) | 0;
  return out;
}

/**
 * The shape for one face box (dlib's `shape_predictor::operator()`): the mean shape placed in the
 * box, refined cascade by cascade from pixel-intensity differences. `box` follows dlib's rectangle
 * convention as a detector reports it: the unit box maps to its corners (left, top) and
 * (left + width − 1, top + height − 1).
 */
export function predictShape(model: ShapePredictorModel, grey: Uint8Array, width: number, height: number, box: Box): Point[] {
  const n = model.points;
  const shape = Float32Array.from(model.initial);
  const sx = box.width - 1;
  const sy = box.height - 1;
  const ref: Point[] = [];
  for (let i = 0; i < n; i++) ref.push({ x: model.initial[2 * i]!, y: model.initial[2 * i + 1]! });
  for (let c = 0; c < model.forests.length; c++) {
    // Similarity from the mean shape to the current one (its linear part orients the feature offsets).
    const cur: Point[] = [];
    for (let i = 0; i < n; i++) cur.push({ x: shape[2 * i]!, y: shape[2 * i + 1]! });
    const [a, b, , d, e] = estimateSimilarity(ref, cur);
    const anchors = model.anchors[c]!;
    const deltas = model.deltas[c]!;
    const features = new Float32Array(anchors.length);
    for (let f = 0; f < anchors.length; f++) {
      const k = anchors[f]!;
      const dx = deltas[2 * f]!;
      const dy = deltas[2 * f + 1]!;
      const ux = a * dx + b * dy + shape[2 * k]!;
      const uy = d * dx + e * dy + shape[2 * k + 1]!;
      const px = Math.round(box.x + ux * sx);
      const py = Math.round(box.y + uy * sy);
      features[f] = px >= 0 && py >= 0 && px < width && py < height ? grey[py * width + px]! : 0;
    }
    for (const tree of model.forests[c]!) {
      let i = 0;
      const splits = tree.splits;
      while (i < splits.length) {
        const s = splits[i]!;
        i = features[s.idx1]! - features[s.idx2]! > s.thresh ? 2 * i + 1 : 2 * i + 2;
      }
      const leaf = tree.leaves[i - splits.length]!;
      for (let j = 0; j < leaf.length; j++) shape[j]! += leaf[j]!;
    }
  }
  const out: Point[] = [];
  for (let i = 0; i < n; i++) out.push({ x: box.x + shape[2 * i]! * sx, y: box.y + shape[2 * i + 1]! * sy });
  return out;
}
