/**
 * Face alignment templates: where chosen landmarks should land in the output chip.
 */
import type { Point } from '../types.js';

export interface AlignmentTemplate {
  /** Identifier, e.g. "dlib-68" or "five-point". */
  name: string;
  /** Side of the square chip in pixels. */
  size: number;
  /** Padding around the mean face, as a fraction of the mean face's extent (dlib's `padding`). */
  padding: number;
  /** Target positions in chip pixel coordinates (integer = pixel centre, like dlib). */
  points: Point[];
  /**
   * For each template point, the index of the landmark it corresponds to in the landmark array
   * given to `alignFace`. For `dlibTemplate` these are 0-based iBUG-300W 68-point indices; for
   * `fivePointTemplate` they index a 5-point array (see FIVE_POINT_ORDER).
   */
  landmarkIndices: number[];
}

/**
 * dlib's mean face shape for iBUG-300W landmarks 17..67 (element k is landmark 17 + k), in a unit
 * square. Data copied from the `mean_face_shape_x` / `mean_face_shape_y` arrays in
 * `get_face_chip_details()`, dlib/image_transforms/interpolation.h (https://github.com/davisking/dlib,
 * identical in dlib 19.x releases through current master). dlib is Boost Software License 1.0.
 */
const MEAN_FACE_SHAPE_X: readonly number[] = [
  0.000213256, 0.0752622, 0.18113, 0.29077, 0.393397, 0.586856, 0.689483, 0.799124,
  0.904991, 0.98004, 0.490127, 0.490127, 0.490127, 0.490127, 0.36688, 0.426036,
  0.490127, 0.554217, 0.613373, 0.121737, 0.187122, 0.265825, 0.334606, 0.260918,
  0.182743, 0.645647, 0.714428, 0.793132, 0.858516, 0.79751, 0.719335, 0.254149,
  0.340985, 0.428858, 0.490127, 0.551395, 0.639268, 0.726104, 0.642159, 0.556721,
  0.490127, 0.423532, 0.338094, 0.290379, 0.428096, 0.490127, 0.552157, 0.689874,
  0.553364, 0.490127, 0.42689,
];
const MEAN_FACE_SHAPE_Y: readonly number[] = [
  0.106454, 0.038915, 0.0187482, 0.0344891, 0.0773906, 0.0773906, 0.0344891,
  0.0187482, 0.038915, 0.106454, 0.203352, 0.307009, 0.409805, 0.515625, 0.587326,
  0.609345, 0.628106, 0.609345, 0.587326, 0.216423, 0.178758, 0.179852, 0.231733,
  0.245099, 0.244077, 0.231733, 0.179852, 0.178758, 0.216423, 0.244077, 0.245099,
  0.780233, 0.745405, 0.727388, 0.742578, 0.727388, 0.745405, 0.780233, 0.864805,
  0.902192, 0.909281, 0.902192, 0.864805, 0.784792, 0.778746, 0.785343, 0.778746,
  0.784792, 0.824182, 0.831803, 0.824182,
];

/** dlib's mean-shape position of iBUG landmark `i` (17 ≤ i ≤ 67), unit-square coordinates. */
function meanShape(i: number): Point {
  const x = MEAN_FACE_SHAPE_X[i - 17];
  const y = MEAN_FACE_SHAPE_Y[i - 17];
  if (x === undefined || y === undefined) throw new RangeError(`no mean-shape entry for landmark ${i}`);
  return { x, y };
}

function checkSizePadding(fn: string, size: number, padding: number): void {
  if (!(size > 0) || !Number.isInteger(size)) throw new RangeError(`${fn}: size must be a positive integer, got ${size}`);
  if (!(padding >= 0) || !Number.isFinite(padding)) throw new RangeError(`${fn}: padding must be ≥ 0, got ${padding}`);
}

/** Unit-square mean-shape point → chip pixel coordinates, dlib's formula (padding + m)/(2·padding + 1)·size. */
function toChip(p: Point, size: number, padding: number): Point {
  const k = size / (2 * padding + 1);
  return { x: (padding + p.x) * k, y: (padding + p.y) * k };
}

/**
 * The 33-point template used by dlib's `get_face_chip_details()` for 68-point shapes: landmarks
 * 27..54 and 60..64 (dlib skips the jaw line 0..16, the eyebrows 17..26 and the lower-lip points
 * 55..59 and 65..67), each placed at (padding + mean)/(2·padding + 1)·size. dlib's face-recognition
 * ResNet was trained on chips made with size 150, padding 0.25.
 *
 * Aligning with these points by least squares (see `alignFace`) gives dlib's similarity; dlib's
 * `extract_image_chip` then maps that into pixel indices with a slight (≈½ px) offset — see the
 * `mapping: 'dlib'` option of `alignFace` for the bit-faithful variant.
 */
export function dlibTemplate(size = 150, padding = 0.25): AlignmentTemplate {
  checkSizePadding('dlibTemplate', size, padding);
  const points: Point[] = [];
  const landmarkIndices: number[] = [];
  for (let i = 17; i <= 67; i++) {
    if (i <= 26) continue; // eyebrows
    if ((i >= 55 && i <= 59) || (i >= 65 && i <= 67)) continue; // lower lip
    points.push(toChip(meanShape(i), size, padding));
    landmarkIndices.push(i);
  }
  return { name: 'dlib-68', size, padding, points, landmarkIndices };
}

/**
 * Order of the 5 points used by `fivePointTemplate` (image left/right, as seen in the picture):
 * 0 eye on the image's left (iBUG 36..41, the subject's right eye), 1 eye on the image's right
 * (42..47), 2 nose tip (30), 3 mouth corner on the image's left (48), 4 mouth corner on the
 * image's right (54). This is the order of common 5-landmark detectors (RetinaFace, MTCNN).
 */
export const FIVE_POINT_ORDER = ['leftEye', 'rightEye', 'noseTip', 'mouthLeft', 'mouthRight'] as const;

function meanOf(points: readonly Point[]): Point {
  let x = 0, y = 0;
  for (const p of points) { x += p.x; y += p.y; }
  return { x: x / points.length, y: y / points.length };
}

function range(from: number, to: number): number[] {
  const r: number[] = [];
  for (let i = from; i <= to; i++) r.push(i);
  return r;
}

/**
 * Reduces a 68-point iBUG shape to the 5 points of FIVE_POINT_ORDER (eye centres = mean of
 * 36..41 and of 42..47, nose tip 30, mouth corners 48 and 54), e.g. to use `fivePointTemplate`
 * with a 68-point landmarker.
 */
export function fivePointsFrom68(landmarks68: readonly Point[]): Point[] {
  if (landmarks68.length !== 68) throw new RangeError(`fivePointsFrom68: expected 68 landmarks, got ${landmarks68.length}`);
  const at = (i: number): Point => landmarks68[i]!;
  return [
    meanOf(range(36, 41).map(at)),
    meanOf(range(42, 47).map(at)),
    { ...at(30) },
    { ...at(48) },
    { ...at(54) },
  ];
}

/**
 * A 5-point template derived from dlib's 68-point mean shape (eye centres = mean of 36..41 and
 * 42..47, nose tip 30, mouth corners 48 and 54), mapped into the chip with the same formula as
 * `dlibTemplate`, so chips come out close to dlib's framing. Point order: FIVE_POINT_ORDER; its
 * `landmarkIndices` are [0, 1, 2, 3, 4] into a 5-point landmark array (use `fivePointsFrom68`
 * to feed it 68-point landmarks).
 *
 * Not the same as dlib's own 5-point scheme (shape_predictor_5_face_landmarks: eye corners and
 * the point under the nose).
 */
export function fivePointTemplate(size = 150, padding = 0.25): AlignmentTemplate {
  checkSizePadding('fivePointTemplate', size, padding);
  const unit = [
    meanOf(range(36, 41).map(meanShape)),
    meanOf(range(42, 47).map(meanShape)),
    meanShape(30),
    meanShape(48),
    meanShape(54),
  ];
  return {
    name: 'five-point',
    size,
    padding,
    points: unit.map((p) => toChip(p, size, padding)),
    landmarkIndices: [0, 1, 2, 3, 4],
  };
}

/**
 * insightface's ArcFace alignment target for 112×112 chips (`arcface_dst` in insightface's
 * face_align.py; the same five points MobileFaceNet_TF, faceplugin and every ArcFace-family encoder
 * were trained on): eye on the image's left, eye on its right, nose tip, mouth corners.
 */
const ARCFACE_112: readonly Point[] = [
  { x: 38.2946, y: 51.6963 },
  { x: 73.5318, y: 51.5014 },
  { x: 56.0252, y: 71.7366 },
  { x: 41.5493, y: 92.3655 },
  { x: 70.7299, y: 92.2041 },
];

/**
 * The ArcFace 5-point template (FIVE_POINT_ORDER) for a square chip of `size` pixels (112 for the
 * networks trained on it; other sizes scale it). `padding` widens the crop around the same face:
 * the points shrink towards the chip centre by 1/(1 + 2·padding) (0: insightface's crop).
 */
export function arcfaceTemplate(size = 112, padding = 0): AlignmentTemplate {
  checkSizePadding('arcfaceTemplate', size, padding);
  const k = size / 112 / (1 + 2 * padding);
  const c = size / 2;
  return {
    name: 'arcface',
    size,
    padding,
    points: ARCFACE_112.map((p) => ({ x: c + (p.x - 56) * k, y: c + (p.y - 56) * k })),
    landmarkIndices: [0, 1, 2, 3, 4],
  };
}
