/**
 * Face detection with an SSD-style ONNX detector: the image is letterboxed onto a square canvas
 * (padding right/bottom with black, as face-api does), resized to the network's input, decoded
 * boxes are filtered by score and merged by NMS, then mapped back to image pixels.
 *
 * A photo smaller than the input is not enlarged beyond `maxUpscale` (default 1: native scale): it
 * sits in the centre of a larger canvas. When a pass finds no face, the image is detected again
 * filling the input (if the first pass did not), then in the centre of canvases `retryScales[i]`
 * times its longer side, until one pass finds a face: the SSD misses faces that fill most of its
 * input (when LFW's 250 px photos were enlarged to 512 px, about 10% of them).
 */
import { readFileSync } from 'node:fs';
import type ort from 'onnxruntime-node';
import { InvalidOptionError } from '../errors.js';
import { sampleToTensor, type Canvas } from '../image/sample.js';
import { runModel } from '../models/session.js';
import type { DetectorSpec } from '../models/spec.js';
import type { Box, Point, RgbImage } from '../types.js';
import { decode } from './decoders/index.js';
import { iou, nonMaxSuppression } from './nms.js';

/** True when boxes a and b are the same face: IoU above 0.3, or one mostly inside the other. */
function sameFace(a: Box, b: Box): boolean {
  const x0 = Math.max(a.x, b.x);
  const y0 = Math.max(a.y, b.y);
  const x1 = Math.min(a.x + a.width, b.x + b.width);
  const y1 = Math.min(a.y + a.height, b.y + b.height);
  const inter = Math.max(0, x1 - x0) * Math.max(0, y1 - y0);
  return iou(a, b) > 0.3 || inter > 0.6 * Math.min(a.width * a.height, b.width * b.height);
}

/**
 * Merge tile detections into the whole-image ones. A face the whole-image pass found keeps its box
 * (the scale the landmark net expects); tile detections add only faces it missed. Among tiles, the
 * best-scoring box of a face wins (a face cut by a tile border is seen whole by a neighbour).
 */
function mergeDetections(whole: readonly Detection[], fromTiles: readonly Detection[], o: Required<DetectionOptions>, maxTileFace: number): Detection[] {
  const out = [...whole];
  const order = [...fromTiles].sort((a, b) => b.score - a.score);
  for (const d of order) {
    if (out.length >= o.maxFaces) break;
    // A face this large the whole-image pass finds reliably: found only in a tile, it is a false
    // positive (a part of a large face, a hand, a texture seen at tile scale).
    if (Math.max(d.box.width, d.box.height) > maxTileFace) continue;
    if (!out.some((k) => sameFace(k.box, d.box))) out.push(d);
  }
  return out;
}

/**
 * The smallest minFaceSize honoured, as a fraction of the image's longer side: below it the tiles
 * would multiply (time grows as 1/minFaceSize²) and find textures rather than faces. A 36 MP photo
 * (7,360 px) is scanned for faces down to 74 px.
 */
export const MIN_FACE_FRACTION = 0.01;

/** Tile-only detections wider than this many times the whole pass's smallest face are dropped (see mergeDetections). */
export const TILE_FACE_LIMIT = 2;

/** The minFaceSize a detection of an image w×h actually uses: at least MIN_FACE_FRACTION of its longer side. */
export function effectiveMinFaceSize(minFaceSize: number, width: number, height: number): number {
  return minFaceSize > 0 ? Math.max(minFaceSize, Math.ceil(MIN_FACE_FRACTION * Math.max(width, height))) : 0;
}

export interface DetectionOptions {
  /** Minimum face score, 0..1 (default 0.5, face-api's). */
  minScore?: number;
  /** IoU above which the weaker of two overlapping boxes is dropped (default 0.5). */
  iouThreshold?: number;
  /** At most this many faces per image (default 100). */
  maxFaces?: number;
  /** Further passes on larger canvases when the first finds nothing (default true). */
  retry?: boolean;
  /** Canvas sides for those passes, as multiples of the image's longer side (default [2, 4]). */
  retryScales?: readonly number[];
  /**
   * The most the first pass may enlarge the image to fill the detector's input (Infinity: always
   * fill it, face-api's way). An image smaller than that sits in the centre of a larger canvas
   * instead: with 1, images under 512 px are detected at their native scale. Larger images are
   * unaffected (they are shrunk to fit). Measured on LFW's 250 px photos: see data/detection.json.
   */
  maxUpscale?: number;
  /**
   * Smallest face width (px) that must be found (default 0: one pass over the whole image, which
   * finds faces wider than about 1/16 of the image's longer side). When set and smaller than that,
   * the image is also scanned in overlapping tiles at a resolution where such faces are big enough
   * for the network: finds 40 px faces in large photos, at the cost of one pass per tile.
   * Clipped to 1/100 of the image's longer side (MIN_FACE_FRACTION); faces found only in tiles are
   * kept only when smaller than twice what the whole-image pass finds (TILE_FACE_LIMIT).
   */
  minFaceSize?: number;
}

/**
 * Bumped whenever detection's output changes for the same options, so encodings cached by an
 * earlier version are not reused (it is part of Likeness.settings()). 2: small photos at native
 * scale, the fill-the-input retry, boxes mostly outside the image dropped. 3: decoders per detector kind
 * (the SSD's boxes unchanged), the main face chosen by insightface's rule. 4: minFaceSize clipped to
 * 1/100 of the longer side, large tile-only detections dropped.
 */
export const DETECTION_REVISION = 4;

/** Detections with less of their box inside the image than this are dropped. */
const MIN_VISIBLE = 0.25;

/** The SSD finds faces down to about this many pixels wide in its input (measured: 28–32 px); other detectors say theirs (DetectorSpec.minFaceInInput). */
const MIN_FACE_IN_INPUT = 32;

export interface Detection {
  box: Box;
  score: number;
  /** The detector's five points in image pixels (FIVE_POINT_ORDER), when it gives them. */
  points?: Point[];
}

/** Tuned detection defaults, each with the measurement that produced it (data/detection.json). */
interface TunedDetection {
  maxUpscale: { value: number; measurement: string; command: string; measured: string };
}
const TUNED = JSON.parse(readFileSync(new URL('../../data/detection.json', import.meta.url), 'utf8')) as TunedDetection;

export const DEFAULT_DETECTION: Required<DetectionOptions> = {
  minScore: 0.5,
  iouThreshold: 0.5,
  maxFaces: 100,
  retry: true,
  retryScales: [2, 4],
  maxUpscale: TUNED.maxUpscale.value,
  minFaceSize: 0,
};

export function resolveDetectionOptions(o: DetectionOptions = {}): Required<DetectionOptions> {
  const r = { ...DEFAULT_DETECTION, ...Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) };
  if (!(r.minScore >= 0 && r.minScore <= 1)) throw new InvalidOptionError(`minScore must be within 0..1, got ${r.minScore}`);
  if (!(r.iouThreshold > 0 && r.iouThreshold <= 1)) throw new InvalidOptionError(`iouThreshold must be within (0, 1], got ${r.iouThreshold}`);
  if (!(Number.isInteger(r.maxFaces) && r.maxFaces >= 1)) throw new InvalidOptionError(`maxFaces must be a positive integer, got ${r.maxFaces}`);
  if (!Array.isArray(r.retryScales) || !r.retryScales.every((x) => Number.isFinite(x) && x >= 1)) {
    throw new InvalidOptionError(`retryScales must be numbers ≥ 1, got ${String(r.retryScales)}`);
  }
  if (!(r.maxUpscale > 0)) throw new InvalidOptionError(`maxUpscale must be > 0, got ${r.maxUpscale}`);
  if (!(Number.isFinite(r.minFaceSize) && r.minFaceSize >= 0)) throw new InvalidOptionError(`minFaceSize must be ≥ 0, got ${r.minFaceSize}`);
  return r;
}

/** Square tiles of side `tile` covering w×h with at least `overlap` px shared between neighbours. */
export function tiles(w: number, h: number, tile: number, overlap: number): { x: number; y: number }[] {
  const starts = (len: number): number[] => {
    if (len <= tile) return [0];
    const n = Math.ceil((len - overlap) / (tile - overlap));
    const step = (len - tile) / (n - 1);
    return Array.from({ length: n }, (_, i) => Math.round(i * step));
  };
  return starts(h).flatMap((y) => starts(w).map((x) => ({ x, y })));
}

export class FaceDetector {
  constructor(
    readonly spec: DetectorSpec,
    private readonly session: ort.InferenceSession,
  ) {}

  /** Detect faces on one square canvas of the image, resized to an n×n input (default: the spec's size). */
  async detectOnCanvas(img: RgbImage, canvas: Canvas, o: Required<DetectionOptions>, n = this.spec.input.size): Promise<Detection[]> {
    const layout = { ...this.spec.input, size: n };
    const input = new Float32Array(3 * n * n);
    sampleToTensor(img, canvas, layout, input);
    const out = await runModel(this.session, this.spec.input.name, input, this.spec.input.layout === 'nhwc' ? [1, n, n, 3] : [1, 3, n, n]);
    const raw = decode(this.spec.decoding, out, n, o.minScore);
    const k = canvas.side / n;
    const cand: Box[] = [];
    const candScores: number[] = [];
    const candPoints: (Point[] | undefined)[] = [];
    for (const r of raw) {
      // input pixels → image pixels, clipped to the image.
      const rx0 = r.x0 * k + canvas.originX;
      const ry0 = r.y0 * k + canvas.originY;
      const rx1 = r.x1 * k + canvas.originX;
      const ry1 = r.y1 * k + canvas.originY;
      const y0 = Math.max(0, Math.min(img.height, ry0));
      const x0 = Math.max(0, Math.min(img.width, rx0));
      const y1 = Math.max(0, Math.min(img.height, ry1));
      const x1 = Math.max(0, Math.min(img.width, rx1));
      if (x1 - x0 < 1 || y1 - y0 < 1) continue;
      // A box mostly in the canvas's black padding is not a face of the image (a face cut by the
      // image's edge keeps most of its box inside).
      if ((x1 - x0) * (y1 - y0) < MIN_VISIBLE * (rx1 - rx0) * (ry1 - ry0)) continue;
      cand.push({ x: x0, y: y0, width: x1 - x0, height: y1 - y0 });
      candScores.push(r.score);
      candPoints.push(r.points?.map((p) => ({ x: p.x * k + canvas.originX, y: p.y * k + canvas.originY })));
    }
    return nonMaxSuppression(cand, candScores, o.iouThreshold, o.maxFaces).map((i) => {
      const pts = candPoints[i];
      const d: Detection = { box: cand[i]!, score: candScores[i]! };
      if (pts) d.points = pts;
      return d;
    });
  }

  /**
   * The first pass's canvas side and input size: the image fills the input unless that would
   * enlarge it more than maxUpscale; a detector taking any multiple of `inputMultiple` then runs on
   * the smallest such input at that scale instead of a padded full-size one.
   */
  firstPass(img: RgbImage, maxUpscale: number): { canvasSide: number; inputSize: number } {
    const size = this.spec.input.size;
    const side = Math.max(img.width, img.height);
    const f = Math.min(size / side, maxUpscale);
    const m = this.spec.inputMultiple;
    if (!m || side * f >= size) return { canvasSide: Math.max(side, size / f), inputSize: size };
    const n = Math.min(size, Math.max(m, Math.ceil((side * f) / m) * m));
    return { canvasSide: n / f, inputSize: n };
  }

  async detect(img: RgbImage, options: DetectionOptions = {}): Promise<Detection[]> {
    const o = resolveDetectionOptions({ ...options, minScore: options.minScore ?? this.spec.minScore });
    const whole = { x: 0, y: 0, width: img.width, height: img.height };
    const side = Math.max(img.width, img.height);
    // The first pass fills the input, unless that would enlarge the image more than maxUpscale.
    const { canvasSide: first, inputSize } = this.firstPass(img, o.maxUpscale);
    // Filling the input, the image sits at the top left (face-api's padding); on a larger canvas, centred.
    const canvasOf = (canvasSide: number): Canvas => (canvasSide === side ? { originX: 0, originY: 0, side, valid: whole } : centredCanvas(img, canvasSide));
    const found = await this.detectOnCanvas(img, canvasOf(first), o, inputSize);
    const minFace = this.spec.minFaceInInput ?? MIN_FACE_IN_INPUT;
    const minFaceSize = effectiveMinFaceSize(o.minFaceSize, img.width, img.height);
    const tile = Math.round((this.spec.input.size * minFaceSize) / minFace);
    if (minFaceSize > 0 && tile < side) {
      // Faces the whole-image pass may miss are smaller than side·minFace/size: tiles overlap by more than that.
      const overlap = Math.min(Math.floor(tile / 2), Math.ceil((1.5 * side * minFace) / this.spec.input.size));
      const fromTiles: Detection[] = [];
      for (const t of tiles(img.width, img.height, tile, overlap)) fromTiles.push(...(await this.detectOnCanvas(img, { originX: t.x, originY: t.y, side: tile, valid: whole }, o)));
      return mergeDetections(found, fromTiles, o, (TILE_FACE_LIMIT * side * minFace) / this.spec.input.size);
    }
    if (found.length > 0 || !o.retry) return found;
    // Retries: the image filling the input (when the first pass did not), then the larger canvases;
    // a canvas within 5 % of one already tried adds nothing.
    const tried = [first];
    for (const canvasSide of [side, ...o.retryScales.map((scale) => side * scale)]) {
      if (tried.some((t) => Math.abs(canvasSide - t) <= 0.05 * t)) continue;
      tried.push(canvasSide);
      const again = await this.detectOnCanvas(img, canvasOf(canvasSide), o);
      if (again.length > 0) return again;
    }
    return [];
  }
}

/** The image in the centre of a square canvas of about `side` pixels. */
function centredCanvas(img: RgbImage, side: number): Canvas {
  const big = Math.round(side);
  return { originX: -Math.floor((big - img.width) / 2), originY: -Math.floor((big - img.height) / 2), side: big, valid: { x: 0, y: 0, width: img.width, height: img.height } };
}
