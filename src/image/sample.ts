/**
 * Turning pixels into network input tensors: sample a square region of a virtual canvas with
 * TensorFlow's resizeBilinear rule (alignCorners = false, halfPixelCenters = false), so our inputs are
 * bit-compatible with what face-api feeds its networks, then normalise per channel into NCHW or NHWC.
 */
import type { Box, RgbImage } from '../types.js';

export interface Normalization {
  /** Subtracted per input channel, in the model's channel order (so BGR models give B first), 0..255 units. */
  mean: readonly [number, number, number];
  /** Divided per channel after the mean. */
  std: readonly [number, number, number];
}

export interface TensorLayout {
  size: number;
  channelOrder: 'rgb' | 'bgr';
  layout: 'nchw' | 'nhwc';
  normalization: Normalization;
}

/**
 * A virtual square canvas of side `side` whose pixel (0, 0) is image pixel (originX, originY).
 * Canvas pixels outside `valid` (an integer rectangle of the image) are black.
 */
export interface Canvas {
  originX: number;
  originY: number;
  side: number;
  valid: Box;
}

/** Write the canvas, resized to layout.size², into `out` at `offset` (one image's worth of floats). */
export function sampleToTensor(img: RgbImage, canvas: Canvas, layout: TensorLayout, out: Float32Array, offset = 0): void {
  const n = layout.size;
  const scale = canvas.side / n;
  const { mean, std } = layout.normalization;
  const bgr = layout.channelOrder === 'bgr';
  const [m0, m1, m2] = mean;
  const i0 = 1 / std[0];
  const i1 = 1 / std[1];
  const i2 = 1 / std[2];
  const vx0 = canvas.valid.x;
  const vy0 = canvas.valid.y;
  const vx1 = vx0 + canvas.valid.width; // exclusive
  const vy1 = vy0 + canvas.valid.height;
  const w = img.width;
  const d = img.data;
  const plane = n * n;
  const nchw = layout.layout === 'nchw';
  const last = canvas.side - 1;
  // Per-column source indices and weights, computed once.
  const xa = new Int32Array(n);
  const xb = new Int32Array(n);
  const xf = new Float32Array(n);
  for (let ox = 0; ox < n; ox++) {
    const sx = ox * scale;
    const x0 = Math.floor(sx);
    const x1 = Math.min(x0 + 1, last);
    xf[ox] = sx - x0;
    const ix0 = x0 + canvas.originX;
    const ix1 = x1 + canvas.originX;
    xa[ox] = ix0 >= vx0 && ix0 < vx1 ? ix0 : -1;
    xb[ox] = ix1 >= vx0 && ix1 < vx1 ? ix1 : -1;
  }
  for (let oy = 0; oy < n; oy++) {
    const sy = oy * scale;
    const y0 = Math.floor(sy);
    const y1 = Math.min(y0 + 1, last);
    const fy = sy - y0;
    const iy0 = y0 + canvas.originY;
    const iy1 = y1 + canvas.originY;
    const r0 = iy0 >= vy0 && iy0 < vy1 ? iy0 * w : -1;
    const r1 = iy1 >= vy0 && iy1 < vy1 ? iy1 * w : -1;
    for (let ox = 0; ox < n; ox++) {
      const a = xa[ox]!;
      const b = xb[ox]!;
      const fx = xf[ox]!;
      let c0 = 0;
      let c1 = 0;
      let c2 = 0;
      // top row
      let t0 = 0, t1 = 0, t2 = 0, u0 = 0, u1 = 0, u2 = 0;
      if (r0 >= 0) {
        if (a >= 0) { const p = (r0 + a) * 3; t0 = d[p]!; t1 = d[p + 1]!; t2 = d[p + 2]!; }
        if (b >= 0) { const p = (r0 + b) * 3; u0 = d[p]!; u1 = d[p + 1]!; u2 = d[p + 2]!; }
      }
      const top0 = t0 + (u0 - t0) * fx, top1 = t1 + (u1 - t1) * fx, top2 = t2 + (u2 - t2) * fx;
      t0 = t1 = t2 = u0 = u1 = u2 = 0;
      if (r1 >= 0) {
        if (a >= 0) { const p = (r1 + a) * 3; t0 = d[p]!; t1 = d[p + 1]!; t2 = d[p + 2]!; }
        if (b >= 0) { const p = (r1 + b) * 3; u0 = d[p]!; u1 = d[p + 1]!; u2 = d[p + 2]!; }
      }
      const bot0 = t0 + (u0 - t0) * fx, bot1 = t1 + (u1 - t1) * fx, bot2 = t2 + (u2 - t2) * fx;
      c0 = top0 + (bot0 - top0) * fy;
      c1 = top1 + (bot1 - top1) * fy;
      c2 = top2 + (bot2 - top2) * fy;
      const v0 = ((bgr ? c2 : c0) - m0) * i0;
      const v1 = (c1 - m1) * i1;
      const v2 = ((bgr ? c0 : c2) - m2) * i2;
      if (nchw) {
        const q = offset + oy * n + ox;
        out[q] = v0;
        out[q + plane] = v1;
        out[q + 2 * plane] = v2;
      } else {
        const q = offset + (oy * n + ox) * 3;
        out[q] = v0;
        out[q + 1] = v1;
        out[q + 2] = v2;
      }
    }
  }
}

/** An already-sized image (e.g. an aligned chip) straight into the tensor, no resampling. */
export function imageToTensor(img: RgbImage, layout: TensorLayout, out: Float32Array, offset = 0): void {
  if (img.width === layout.size && img.height === layout.size) {
    const { mean, std } = layout.normalization;
    const bgr = layout.channelOrder === 'bgr';
    const plane = img.width * img.height;
    const nchw = layout.layout === 'nchw';
    const d = img.data;
    for (let i = 0; i < plane; i++) {
      for (let c = 0; c < 3; c++) {
        const src = bgr ? 2 - c : c;
        const v = (d[i * 3 + src]! - mean[c]!) / std[c]!;
        out[nchw ? offset + c * plane + i : offset + i * 3 + c] = v;
      }
    }
    return;
  }
  const side = Math.max(img.width, img.height);
  sampleToTensor(img, { originX: 0, originY: 0, side, valid: { x: 0, y: 0, width: img.width, height: img.height } }, layout, out, offset);
}
