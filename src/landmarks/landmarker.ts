/**
 * 68-point landmarks (iBUG numbering, 0-based) for detected faces, and the usual 5 points derived
 * from them. The face crop is the detection box (floored, clipped), padded to a centred square and
 * resized to the network input, as face-api trained it.
 */
import type ort from 'onnxruntime-node';
import type { Canvas } from '../image/sample.js';
import { sampleToTensor } from '../image/sample.js';
import { runModel } from '../models/session.js';
import type { LandmarkerSpec } from '../models/spec.js';
import type { Box, Point, RgbImage } from '../types.js';

/**
 * Five points in image coordinates. `leftEye` is the eye on the image's left (the subject's right
 * eye, iBUG 36–41), as in MTCNN/RetinaFace conventions.
 */
export interface FivePoints {
  leftEye: Point;
  rightEye: Point;
  nose: Point;
  mouthLeft: Point;
  mouthRight: Point;
}

function mean(pts: readonly Point[], from: number, to: number): Point {
  let x = 0;
  let y = 0;
  for (let i = from; i <= to; i++) {
    x += pts[i]!.x;
    y += pts[i]!.y;
  }
  const n = to - from + 1;
  return { x: x / n, y: y / n };
}

export function fivePoints(l: readonly Point[]): FivePoints {
  return { leftEye: mean(l, 36, 41), rightEye: mean(l, 42, 47), nose: { ...l[30]! }, mouthLeft: { ...l[48]! }, mouthRight: { ...l[54]! } };
}

/** Five points in FIVE_POINT_ORDER (a detector's output) as FivePoints. */
export function fivePointsFromArray(p: readonly Point[]): FivePoints {
  if (p.length !== 5) throw new RangeError(`expected 5 points, got ${p.length}`);
  return { leftEye: { ...p[0]! }, rightEye: { ...p[1]! }, nose: { ...p[2]! }, mouthLeft: { ...p[3]! }, mouthRight: { ...p[4]! } };
}

/** FivePoints as an array in FIVE_POINT_ORDER (what 5-point templates index). */
export function fivePointsArray(f: FivePoints): Point[] {
  return [f.leftEye, f.rightEye, f.nose, f.mouthLeft, f.mouthRight];
}

/** The canvas face-api's landmark net sees for a box: the floored, clipped crop padded to a centred square. */
export function landmarkCanvas(img: RgbImage, box: Box): Canvas {
  const x = Math.max(0, Math.floor(box.x));
  const y = Math.max(0, Math.floor(box.y));
  const w = Math.max(1, Math.min(Math.floor(box.x + box.width) - x, img.width - x));
  const h = Math.max(1, Math.min(Math.floor(box.y + box.height) - y, img.height - y));
  const diff = Math.abs(w - h);
  const before = diff - Math.round(diff / 2);
  const side = Math.max(w, h);
  return { originX: w < h ? x - before : x, originY: h < w ? y - before : y, side, valid: { x, y, width: w, height: h } };
}

/** iBUG 68-point index of each point's mirror image (left ↔ right). */
export const MIRROR_68: readonly number[] = (() => {
  const m = Array.from({ length: 68 }, (_, i) => i);
  const pairs: [number, number][] = [
    ...Array.from({ length: 8 }, (_, i): [number, number] => [i, 16 - i]),
    ...Array.from({ length: 5 }, (_, i): [number, number] => [17 + i, 26 - i]),
    [31, 35], [32, 34],
    [36, 45], [37, 44], [38, 43], [39, 42], [40, 47], [41, 46],
    [48, 54], [49, 53], [50, 52], [55, 59], [56, 58], [60, 64], [61, 63], [65, 67],
  ];
  for (const [a, b] of pairs) {
    m[a] = b;
    m[b] = a;
  }
  return m;
})();

export interface LandmarkOptions {
  /** Average the predictions on the crop and on its mirror image (test-time augmentation). Default false. */
  mirror?: boolean;
  /**
   * Also predict on this many shifted copies of the detection box (0–8; ±4 % of its size left,
   * right, up, down, then the diagonals) and average the points in image coordinates. Default 0.
   */
  jitter?: number;
}

/** Box offsets of the landmark jitter, as fractions of the box size. */
const JITTER_SHIFTS: readonly (readonly [number, number])[] = [
  [-0.04, 0], [0.04, 0], [0, -0.04], [0, 0.04],
  [-0.04, -0.04], [0.04, 0.04], [-0.04, 0.04], [0.04, -0.04],
];

export class Landmarker {
  constructor(
    readonly spec: LandmarkerSpec,
    private readonly session: ort.InferenceSession,
  ) {}

  /** Landmarks for each box, batched in one run. */
  async predict(img: RgbImage, boxes: readonly Box[], options: LandmarkOptions = {}): Promise<Point[][]> {
    if (boxes.length === 0) return [];
    const jitter = Math.min(JITTER_SHIFTS.length, Math.max(0, Math.floor(options.jitter ?? 0)));
    if (jitter > 0) {
      const shifted = boxes.flatMap((b) => [b, ...JITTER_SHIFTS.slice(0, jitter).map(([dx, dy]) => ({ ...b, x: b.x + dx * b.width, y: b.y + dy * b.height }))]);
      const all = await this.predict(img, shifted, { mirror: options.mirror ?? false });
      return boxes.map((_, i) => {
        const group = all.slice(i * (jitter + 1), (i + 1) * (jitter + 1));
        return group[0]!.map((_, k) => ({ x: group.reduce((a, g) => a + g[k]!.x, 0) / group.length, y: group.reduce((a, g) => a + g[k]!.y, 0) / group.length }));
      });
    }
    const n = this.spec.input.size;
    const per = 3 * n * n;
    const copies = options.mirror ? 2 : 1;
    const input = new Float32Array(per * boxes.length * copies);
    const canvases = boxes.map((b) => landmarkCanvas(img, b));
    canvases.forEach((c, i) => sampleToTensor(img, c, this.spec.input, input, i * per));
    if (options.mirror) {
      const nhwc = this.spec.input.layout === 'nhwc';
      for (let i = 0; i < boxes.length; i++) {
        const src = i * per;
        const dst = (boxes.length + i) * per;
        for (let y = 0; y < n; y++)
          for (let x = 0; x < n; x++)
            for (let ch = 0; ch < 3; ch++) {
              const from = nhwc ? src + (y * n + x) * 3 + ch : src + ch * n * n + y * n + x;
              const to = nhwc ? dst + (y * n + (n - 1 - x)) * 3 + ch : dst + ch * n * n + y * n + (n - 1 - x);
              input[to] = input[from]!;
            }
      }
    }
    const batch = boxes.length * copies;
    const dims = this.spec.input.layout === 'nhwc' ? [batch, n, n, 3] : [batch, 3, n, n];
    const out = (await runModel(this.session, this.spec.input.name, input, dims))[this.spec.output]!.data;
    return canvases.map((c, i) => {
      const pts: Point[] = [];
      for (let k = 0; k < 68; k++) {
        let rx = out[i * 136 + k * 2]!;
        let ry = out[i * 136 + k * 2 + 1]!;
        if (options.mirror) {
          // the mirrored crop's point MIRROR_68[k] is point k reflected: x' = (n − 1)/n − x in relative units
          const j = (boxes.length + i) * 136 + MIRROR_68[k]! * 2;
          rx = (rx + ((n - 1) / n - out[j]!)) / 2;
          ry = (ry + out[j + 1]!) / 2;
        }
        pts.push({ x: rx * c.side + c.originX, y: ry * c.side + c.originY });
      }
      return pts;
    });
  }
}
