/**
 * Affine resampling of RGB images into face chips.
 *
 * Coordinate convention (same as dlib): integer coordinates are pixel CENTRES. Pixel (x, y) of an
 * image is the sample located at exactly (x, y); the image covers [−0.5, width − 0.5] ×
 * [−0.5, height − 0.5]. A transform that maps landmark coordinates (also in this convention) into
 * chip coordinates can therefore be used directly, with no ±0.5 corrections.
 */
import type { Affine, RgbImage } from '../types.js';
import { applyAffine, composeAffine, invertAffine } from './similarity.js';

/**
 * Resamples `img` into a `width`×`height` chip. `toChip` maps source-image coordinates to chip
 * coordinates; output pixel (u, v) takes the value of the source at `inverse(toChip)(u, v)`.
 *
 * Interpolation is bilinear over the 2×2 neighbourhood, computed in double precision and
 * converted to 8 bits by truncation (not rounding), exactly like dlib's `interpolate_bilinear`
 * (dlib's assign_pixel is a static_cast). Output pixels whose source point lies outside the
 * source image are black (0, 0, 0), as with dlib's `extract_image_chip` / `transform_image`
 * (black_background).
 *
 * One documented deviation from dlib at the border: dlib blacks out any sample whose 2×2
 * neighbourhood leaves the image, which includes points lying exactly on the last row/column.
 * Here a sample is valid for x ∈ [0, width − 1] and y ∈ [0, height − 1] inclusive (the missing
 * neighbour has zero weight there), so the identity warp reproduces the whole image.
 *
 * No pre-filtering is done: beyond 2 source pixels per chip pixel it aliases. `extractChip` reduces
 * the source first, as dlib's extract_image_chip does with its image pyramid.
 *
 * Cost: one pass over the output, no per-pixel allocation; ≈0.35 ms CPU for a 150×150 chip (Node 20,
 * AMD EPYC VM).
 */
export function warpAffine(img: RgbImage, toChip: Affine, width: number, height: number): RgbImage {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`warpAffine: output size must be positive integers, got ${width}×${height}`);
  }
  const srcW = img.width, srcH = img.height;
  const src = img.data;
  if (src.length !== srcW * srcH * 3) {
    throw new RangeError(`warpAffine: image data has ${src.length} bytes, expected ${srcW * srcH * 3}`);
  }
  const out = new Uint8Array(width * height * 3);
  if (srcW === 0 || srcH === 0) return { width, height, data: out };

  const [ia, ib, itx, ic, id, ity] = invertAffine(toChip);
  const maxX = srcW - 1, maxY = srcH - 1;
  const stride = srcW * 3;

  let o = 0;
  for (let v = 0; v < height; v++) {
    const rowX = ib * v + itx;
    const rowY = id * v + ity;
    for (let u = 0; u < width; u++, o += 3) {
      const sx = ia * u + rowX;
      const sy = ic * u + rowY;
      // Written so that NaN also fails the test (and leaves the pixel black).
      if (!(sx >= 0 && sy >= 0 && sx <= maxX && sy <= maxY)) continue;
      const x0 = sx | 0; // sx ≥ 0, so truncation is floor
      const y0 = sy | 0;
      const fx = sx - x0;
      const fy = sy - y0;
      const dx = x0 < maxX ? 3 : 0; // at the last column fx === 0: reuse the pixel
      const dy = y0 < maxY ? stride : 0;
      const p = y0 * stride + x0 * 3;
      const q = p + dy;
      const gx = 1 - fx, gy = 1 - fy;
      // Same evaluation order as dlib: (1-fy)·((1-fx)·tl + fx·tr) + fy·((1-fx)·bl + fx·br).
      out[o] = gy * (gx * src[p]! + fx * src[p + dx]!) + fy * (gx * src[q]! + fx * src[q + dx]!);
      out[o + 1] = gy * (gx * src[p + 1]! + fx * src[p + dx + 1]!) + fy * (gx * src[q + 1]! + fx * src[q + dx + 1]!);
      out[o + 2] = gy * (gx * src[p + 2]! + fx * src[p + dx + 2]!) + fy * (gx * src[q + 2]! + fx * src[q + dx + 2]!);
    }
  }
  return { width, height, data: out };
}

/** Left–right mirror image (column x becomes column width − 1 − x); returns a new image. */
export function mirrorHorizontal(img: RgbImage): RgbImage {
  const { width, height, data } = img;
  const out = new Uint8Array(data.length);
  const stride = width * 3;
  for (let y = 0; y < height; y++) {
    const row = y * stride;
    for (let x = 0; x < width; x++) {
      const s = row + x * 3;
      const d = row + (width - 1 - x) * 3;
      out[d] = data[s]!;
      out[d + 1] = data[s + 1]!;
      out[d + 2] = data[s + 2]!;
    }
  }
  return { width, height, data: out };
}

/**
 * 2× reduction of the region [x0, x0 + 2w) × [y0, y0 + 2h) of `img` (clamped to its edges): each
 * output pixel is the mean of a 2×2 block. Output pixel (x, y) is centred on source point
 * (x0 + 2x + ½, y0 + 2y + ½).
 */
function halve(img: RgbImage, x0: number, y0: number, w: number, h: number): RgbImage {
  const out = new Uint8Array(w * h * 3);
  const { width, height, data } = img;
  const stride = width * 3;
  // x0, y0 ≥ 0: only the far edges need clamping
  const left = new Int32Array(w);
  const right = new Int32Array(w);
  for (let x = 0; x < w; x++) {
    left[x] = Math.min(width - 1, x0 + 2 * x) * 3;
    right[x] = Math.min(width - 1, x0 + 2 * x + 1) * 3;
  }
  let o = 0;
  for (let y = 0; y < h; y++) {
    const top = Math.min(height - 1, y0 + 2 * y) * stride;
    const bottom = Math.min(height - 1, y0 + 2 * y + 1) * stride;
    for (let x = 0; x < w; x++, o += 3) {
      const a = top + left[x]!, b = top + right[x]!, c = bottom + left[x]!, d = bottom + right[x]!;
      out[o] = (data[a]! + data[b]! + data[c]! + data[d]! + 2) >> 2;
      out[o + 1] = (data[a + 1]! + data[b + 1]! + data[c + 1]! + data[d + 1]! + 2) >> 2;
      out[o + 2] = (data[a + 2]! + data[b + 2]! + data[c + 2]! + data[d + 2]! + 2) >> 2;
    }
  }
  return { width: w, height: h, data: out };
}

/** Source pixels per chip pixel of an image → chip similarity (the inverse of its scale). */
export function samplingStep(toChip: Affine): number {
  return 1 / Math.hypot(toChip[0], toChip[3]);
}

/**
 * A face chip as dlib's `extract_image_chip` makes it: when the chip samples the photo more than 2
 * source pixels apart, bilinear sampling alone would skip pixels (aliasing), so the region the chip
 * covers is first halved (2×2 means, dlib uses its 2× image pyramid) until the step is at most 2,
 * then resampled by `warpAffine`. At steps ≤ 2, as for LFW's 250 px photos, this is `warpAffine`.
 */
export function extractChip(img: RgbImage, toChip: Affine, width: number, height: number): RgbImage {
  let src = img;
  let m = toChip;
  for (let step = samplingStep(m); step > 2 + 1e-9 && src.width > 1 && src.height > 1; step /= 2) {
    // the chip's footprint in the source, with a margin for the bilinear neighbours
    const inv = invertAffine(m);
    const corners = [applyAffine(inv, { x: 0, y: 0 }), applyAffine(inv, { x: width - 1, y: 0 }), applyAffine(inv, { x: 0, y: height - 1 }), applyAffine(inv, { x: width - 1, y: height - 1 })];
    const x0 = Math.max(0, Math.floor(Math.min(...corners.map((c) => c.x))) - 4);
    const y0 = Math.max(0, Math.floor(Math.min(...corners.map((c) => c.y))) - 4);
    const x1 = Math.min(src.width, Math.ceil(Math.max(...corners.map((c) => c.x))) + 5);
    const y1 = Math.min(src.height, Math.ceil(Math.max(...corners.map((c) => c.y))) + 5);
    if (!(x1 > x0 && y1 > y0)) break; // the chip lies outside the photo: it comes out black anyway
    src = halve(src, x0, y0, Math.ceil((x1 - x0) / 2), Math.ceil((y1 - y0) / 2));
    // reduced pixel p is centred on source point 2p + ½ + origin
    m = composeAffine(m, [2, 0, x0 + 0.5, 0, 2, y0 + 0.5]);
  }
  return warpAffine(src, m, width, height);
}
