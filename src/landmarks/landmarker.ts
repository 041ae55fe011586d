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

export class Landmarker {
  constructor(
    readonly spec: LandmarkerSpec,
    private readonly session: ort.InferenceSession,
  ) {}

  /** Landmarks for each box, batched in one run. */
  async predict(img: RgbImage, boxes: readonly Box[]): Promise<Point[][]> {
    if (boxes.length === 0) return [];
    const n = this.spec.input.size;
    const per = 3 * n * n;
    const input = new Float32Array(per * boxes.length);
    const canvases = boxes.map((b) => landmarkCanvas(img, b));
    canvases.forEach((c, i) => sampleToTensor(img, c, this.spec.input, input, i * per));
    const dims = this.spec.input.layout === 'nhwc' ? [boxes.length, n, n, 3] : [boxes.length, 3, n, n];
    const out = (await runModel(this.session, this.spec.input.name, input, dims))[this.spec.output]!.data;
    return canvases.map((c, i) => {
      const pts: Point[] = [];
      for (let k = 0; k < 68; k++) {
        pts.push({ x: out[i * 136 + k * 2]! * c.side + c.originX, y: out[i * 136 + k * 2 + 1]! * c.side + c.originY });
      }
      return pts;
    });
  }
}
