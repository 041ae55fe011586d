/**
 * What every detector decoding produces from one network pass, in input pixels: box edges with
 * pixel i spanning [i, i + 1) (as Box), points in pixel indices (integer = pixel centre, as
 * landmarks). Input pixel u samples canvas pixel u · side / size (src/image/sample.ts).
 */
import type { Point } from '../../types.js';

export interface RawDetection {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  score: number;
  /** Five points (FIVE_POINT_ORDER: eye on the image's left, eye on its right, nose tip, mouth corners left, right). */
  points?: Point[];
}

export type Outputs = Readonly<Record<string, { data: Float32Array; dims: readonly number[] }>>;
