import { describe, expect, it } from 'vitest';
import {
  alignFace,
  alignFaces,
  applyAffine,
  composeAffine,
  dlibChipTransform,
  dlibTemplate,
  estimateSimilarity,
  extractChip,
  fivePointsFrom68,
  fivePointTemplate,
  invertAffine,
  mirrorHorizontal,
  warpAffine,
} from '../src/align/index.js';
import type { Affine, Point, RgbImage } from '../src/types.js';
import { seededRng } from '../src/random.js';

const rng = seededRng;

function similarity(scale: number, angleRad: number, tx: number, ty: number): Affine {
  const c = scale * Math.cos(angleRad), s = scale * Math.sin(angleRad);
  return [c, -s, tx, s, c, ty];
}

function expectAffineClose(actual: Affine, expected: Affine, digits = 9): void {
  for (let i = 0; i < 6; i++) expect(actual[i], `element ${i}`).toBeCloseTo(expected[i]!, digits);
}

function randomImage(width: number, height: number, seed: number): RgbImage {
  const r = rng(seed);
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = Math.floor(r() * 256);
  return { width, height, data };
}

function pixel(img: RgbImage, x: number, y: number): [number, number, number] {
  const o = (y * img.width + x) * 3;
  return [img.data[o]!, img.data[o + 1]!, img.data[o + 2]!];
}

function sumSquaredResiduals(m: Affine, from: readonly Point[], to: readonly Point[]): number {
  let e = 0;
  from.forEach((p, i) => {
    const q = applyAffine(m, p);
    e += (q.x - to[i]!.x) ** 2 + (q.y - to[i]!.y) ** 2;
  });
  return e;
}

/** Independent least-squares solve: 4 unknowns (α, β, tx, ty) via normal equations + Gaussian elimination. */
function similarityByNormalEquations(from: readonly Point[], to: readonly Point[]): Affine {
  const A: number[][] = [[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]];
  const b = [0, 0, 0, 0];
  from.forEach((p, i) => {
    const q = to[i]!;
    // x' = α·x − β·y + tx ;  y' = β·x + α·y + ty
    const rows: [number[], number][] = [[[p.x, -p.y, 1, 0], q.x], [[p.y, p.x, 0, 1], q.y]];
    for (const [r, v] of rows) {
      for (let j = 0; j < 4; j++) {
        b[j]! += r[j]! * v;
        for (let k = 0; k < 4; k++) A[j]![k]! += r[j]! * r[k]!;
      }
    }
  });
  for (let c = 0; c < 4; c++) {
    let piv = c;
    for (let r = c + 1; r < 4; r++) if (Math.abs(A[r]![c]!) > Math.abs(A[piv]![c]!)) piv = r;
    [A[c], A[piv]] = [A[piv]!, A[c]!];
    [b[c], b[piv]] = [b[piv]!, b[c]!];
    for (let r = 0; r < 4; r++) {
      if (r === c) continue;
      const f = A[r]![c]! / A[c]![c]!;
      for (let k = c; k < 4; k++) A[r]![k]! -= f * A[c]![k]!;
      b[r]! -= f * b[c]!;
    }
  }
  const [alpha, beta, tx, ty] = b.map((v, i) => v / A[i]![i]!) as [number, number, number, number];
  return [alpha, -beta, tx, beta, alpha, ty];
}

describe('estimateSimilarity', () => {
  const from: Point[] = [
    { x: 10, y: 20 }, { x: 50, y: 22 }, { x: 30, y: 60 }, { x: 12, y: 80 }, { x: 70, y: 75 }, { x: 41, y: 5 },
  ];

  it('recovers a known rotation + scale + translation exactly from noiseless points', () => {
    const truth = similarity(1.7, (33 * Math.PI) / 180, -12.5, 40.25);
    const to = from.map((p) => applyAffine(truth, p));
    const m = estimateSimilarity(from, to);
    expectAffineClose(m, truth, 10);
    expect(m).not.toEqual([1, 0, 0, 0, 1, 0]);
  });

  it('is the least-squares solution with noisy points', () => {
    const r = rng(7);
    const truth = similarity(0.8, -0.4, 100, -30);
    const to = from.map((p) => {
      const q = applyAffine(truth, p);
      return { x: q.x + (r() - 0.5) * 6, y: q.y + (r() - 0.5) * 6 };
    });
    const m = estimateSimilarity(from, to);
    // Matches an independent normal-equations solve …
    expectAffineClose(m, similarityByNormalEquations(from, to), 8);
    // … is not simply the noiseless truth …
    expect(Math.abs(m[2] - truth[2]) + Math.abs(m[5] - truth[5])).toBeGreaterThan(1e-3);
    // … and no perturbation of any of the 4 similarity parameters lowers the squared error.
    const best = sumSquaredResiduals(m, from, to);
    const [a, b, tx, , , ty] = m;
    for (const eps of [1e-3, -1e-3, 1e-2, -1e-2]) {
      const variants: Affine[] = [
        [a + eps, b, tx, -b, a + eps, ty],
        [a, b + eps, tx, -(b + eps), a, ty],
        [a, b, tx + eps, -b, a, ty],
        [a, b, tx, -b, a, ty + eps],
      ];
      for (const v of variants) expect(sumSquaredResiduals(v, from, to)).toBeGreaterThan(best);
    }
    expect(sumSquaredResiduals(truth, from, to)).toBeGreaterThan(best);
  });

  it('never returns a reflection, even for mirrored points', () => {
    const mirrored = from.map((p) => ({ x: 200 - p.x, y: p.y }));
    const m = estimateSimilarity(from, mirrored);
    const det = m[0] * m[4] - m[1] * m[3];
    expect(det).toBeGreaterThan(0);
    // Similarity structure: a = d, b = −c.
    expect(m[0]).toBeCloseTo(m[4], 12);
    expect(m[1]).toBeCloseTo(-m[3], 12);
    // The best proper fit of a mirror image is worse than an exact fit.
    expect(sumSquaredResiduals(m, from, mirrored)).toBeGreaterThan(1);
  });

  it("dlib's mapping of a fit spanning under a pixel (a false detection's landmarks) falls back to the template mapping", () => {
    const tiny: Affine = [0.005, 0, 100, 0, 0.005, 80];
    expectAffineClose(dlibChipTransform(tiny, 150), invertAffine(tiny), 9);
  });

  it('rejects mismatched, too few and degenerate inputs', () => {
    expect(() => estimateSimilarity(from, from.slice(1))).toThrow(RangeError);
    expect(() => estimateSimilarity([{ x: 1, y: 1 }], [{ x: 2, y: 2 }])).toThrow(RangeError);
    expect(() => estimateSimilarity([{ x: 1, y: 1 }, { x: 1, y: 1 }], [{ x: 0, y: 0 }, { x: 5, y: 5 }])).toThrow(/coincide/);
  });
});

describe('invertAffine / applyAffine / composeAffine', () => {
  it('invert ∘ apply is the identity', () => {
    const m: Affine = [1.3, -0.4, 12, 0.7, 0.9, -5]; // general affine, not only similarities
    const inv = invertAffine(m);
    for (const p of [{ x: 0, y: 0 }, { x: 3.5, y: -7 }, { x: 120, y: 80 }]) {
      const q = applyAffine(inv, applyAffine(m, p));
      expect(q.x).toBeCloseTo(p.x, 10);
      expect(q.y).toBeCloseTo(p.y, 10);
    }
    expectAffineClose(composeAffine(m, inv), [1, 0, 0, 0, 1, 0], 12);
    expectAffineClose(composeAffine(inv, m), [1, 0, 0, 0, 1, 0], 12);
    expect(applyAffine(m, { x: 1, y: 2 })).toEqual({ x: 1.3 - 0.8 + 12, y: 0.7 + 1.8 - 5 });
  });

  it('composeAffine applies the inner transform first', () => {
    const shift: Affine = [1, 0, 10, 0, 1, 0];
    const double: Affine = [2, 0, 0, 0, 2, 0];
    expect(applyAffine(composeAffine(double, shift), { x: 1, y: 1 })).toEqual({ x: 22, y: 2 });
    expect(applyAffine(composeAffine(shift, double), { x: 1, y: 1 })).toEqual({ x: 12, y: 2 });
  });

  it('rejects singular matrices', () => {
    expect(() => invertAffine([1, 2, 0, 2, 4, 0])).toThrow(/singular/);
  });
});

describe('warpAffine', () => {
  const img = randomImage(40, 30, 1);

  it('identity returns the same pixels', () => {
    const out = warpAffine(img, [1, 0, 0, 0, 1, 0], 40, 30);
    expect(out.width).toBe(40);
    expect(out.height).toBe(30);
    expect(Buffer.from(out.data).equals(Buffer.from(img.data))).toBe(true);
  });

  it('a translation by (+10, +5) shifts the content and leaves uncovered pixels black', () => {
    const out = warpAffine(img, [1, 0, 10, 0, 1, 5], 40, 30);
    for (let y = 0; y < 25; y++) {
      for (let x = 0; x < 30; x++) expect(pixel(out, x + 10, y + 5)).toEqual(pixel(img, x, y));
    }
    for (let y = 0; y < 30; y++) for (let x = 0; x < 10; x++) expect(pixel(out, x, y)).toEqual([0, 0, 0]);
    for (let y = 0; y < 5; y++) for (let x = 0; x < 40; x++) expect(pixel(out, x, y)).toEqual([0, 0, 0]);
  });

  it('a 90° rotation moves a marked corner to the right place', () => {
    // 20 wide × 10 tall, black, with a red top-left corner and a green top-right corner.
    const W = 20, H = 10;
    const data = new Uint8Array(W * H * 3);
    data.set([255, 0, 0], 0);
    data.set([0, 255, 0], (W - 1) * 3);
    const src: RgbImage = { width: W, height: H, data };
    // Rotate 90° clockwise (y axis points down): (x, y) → (H − 1 − y, x); output is H wide × W tall.
    const rot: Affine = [0, -1, H - 1, 1, 0, 0];
    const out = warpAffine(src, rot, H, W);
    expect(pixel(out, H - 1, 0)).toEqual([255, 0, 0]); // top-left → top-right
    expect(pixel(out, H - 1, W - 1)).toEqual([0, 255, 0]); // top-right → bottom-right
    expect(pixel(out, 0, 0)).toEqual([0, 0, 0]);
    let lit = 0;
    for (let i = 0; i < out.data.length; i++) if (out.data[i] !== 0) lit++;
    expect(lit).toBe(2);
    // And the whole random image rotates pixel-exactly.
    const r = warpAffine(img, [0, -1, img.height - 1, 1, 0, 0], img.height, img.width);
    for (let y = 0; y < img.height; y++) {
      for (let x = 0; x < img.width; x++) expect(pixel(r, img.height - 1 - y, x)).toEqual(pixel(img, x, y));
    }
  });

  it('pixels mapping outside the source are 0', () => {
    const far = warpAffine(img, [1, 0, 1000, 0, 1, 0], 40, 30);
    expect(far.data.every((v) => v === 0)).toBe(true);
    const bigger = warpAffine(img, [1, 0, 0, 0, 1, 0], 45, 33);
    expect(pixel(bigger, 39, 29)).toEqual(pixel(img, 39, 29));
    expect(pixel(bigger, 40, 0)).toEqual([0, 0, 0]);
    expect(pixel(bigger, 0, 30)).toEqual([0, 0, 0]);
    expect(pixel(bigger, 44, 32)).toEqual([0, 0, 0]);
    // Just outside the left edge (x = −0.01) is already background.
    const left = warpAffine(img, [1, 0, 0.01, 0, 1, 0], 1, 1);
    expect(pixel(left, 0, 0)).toEqual([0, 0, 0]);
  });

  it('bilinear: halfway between two pixels averages them (dlib truncation)', () => {
    const src: RgbImage = { width: 2, height: 1, data: Uint8Array.from([10, 100, 200, 20, 50, 0]) };
    // Output (0,0) samples source x = 0.5.
    const out = warpAffine(src, [1, 0, -0.5, 0, 1, 0], 1, 1);
    expect(pixel(out, 0, 0)).toEqual([15, 75, 100]);
    // 10 and 21 average to 15.5, truncated to 15 like dlib's assign_pixel.
    const src2: RgbImage = { width: 2, height: 1, data: Uint8Array.from([10, 10, 10, 21, 21, 21]) };
    expect(pixel(warpAffine(src2, [1, 0, -0.5, 0, 1, 0], 1, 1), 0, 0)).toEqual([15, 15, 15]);
    // 2-D: 2×2 image, sample at (0.25, 0.75).
    const sq: RgbImage = { width: 2, height: 2, data: Uint8Array.from([0, 0, 0, 100, 0, 0, 0, 200, 0, 100, 200, 40]) };
    const o = pixel(warpAffine(sq, [1, 0, -0.25, 0, 1, -0.75], 1, 1), 0, 0);
    // R: 0.25·(0.75·0 + 0.25·100) + 0.75·(0.75·0 + 0.25·100) = 25
    // G: 0.25·0 + 0.75·200 = 150 ;  B: 0.75·0.25·40 = 7.5 → 7
    expect(o).toEqual([25, 150, 7]);
  });

  it('mirrorHorizontal flips columns', () => {
    const m = mirrorHorizontal(img);
    for (const [x, y] of [[0, 0], [5, 7], [39, 29], [20, 3]] as const) {
      expect(pixel(m, img.width - 1 - x, y)).toEqual(pixel(img, x, y));
    }
    expect(Buffer.from(mirrorHorizontal(m).data).equals(Buffer.from(img.data))).toBe(true);
    // Same as warping with x → w − 1 − x.
    const w = warpAffine(img, [-1, 0, img.width - 1, 0, 1, 0], img.width, img.height);
    expect(Buffer.from(w.data).equals(Buffer.from(m.data))).toBe(true);
  });
});

describe('extractChip', () => {
  /** Per-channel mean and standard deviation of the red channel of a chip. */
  function redStats(c: RgbImage): { mean: number; std: number } {
    const v = Array.from({ length: c.width * c.height }, (_, i) => c.data[3 * i]!);
    const mean = v.reduce((a, b) => a + b, 0) / v.length;
    return { mean, std: Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length) };
  }
  /** Red-channel centre of mass of a chip. */
  function centroid(c: RgbImage): Point {
    let m = 0, x = 0, y = 0;
    for (let j = 0; j < c.height; j++) for (let i = 0; i < c.width; i++) {
      const v = c.data[3 * (j * c.width + i)]!;
      m += v; x += v * i; y += v * j;
    }
    return { x: x / m, y: y / m };
  }

  it('is warpAffine when the chip samples the photo at most 2 pixels apart', () => {
    const big = randomImage(300, 260, 7);
    for (const t of [similarity(1, 0.1, -20, 5), similarity(0.5, -0.3, 40, 60), similarity(0.501, 0.2, 10, -5)]) {
      expect(Buffer.from(extractChip(big, t, 150, 150).data).equals(Buffer.from(warpAffine(big, t, 150, 150).data))).toBe(true);
    }
  });

  it('averages detail finer than the chip instead of aliasing it', () => {
    // 1-pixel black/white stripes, sampled 4 pixels apart: bilinear sampling alone lands on one colour
    const W = 800;
    const data = new Uint8Array(W * W * 3);
    for (let y = 0; y < W; y++) for (let x = 0; x < W; x++) data.fill(x % 2 ? 255 : 0, 3 * (y * W + x), 3 * (y * W + x) + 3);
    const stripes: RgbImage = { width: W, height: W, data };
    const t = similarity(0.25, 0, -20, -20); // chip covers the photo's [80, 680) square, 4 px per chip px
    const aliased = redStats(warpAffine(stripes, t, 150, 150));
    expect(aliased.mean === 0 || aliased.mean === 255).toBe(true);
    const chip = redStats(extractChip(stripes, t, 150, 150));
    expect(Math.abs(chip.mean - 127.5)).toBeLessThan(1);
    expect(chip.std).toBeLessThan(1);
  });

  it('keeps the geometry: a shape lands where warpAffine puts it, at any reduction', () => {
    // a white disc of radius 150 at (700, 500) in a 1600×1200 photo
    const w = 1600, h = 1200;
    const data = new Uint8Array(w * h * 3);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if ((x - 700) ** 2 + (y - 500) ** 2 <= 150 ** 2) data.fill(255, 3 * (y * w + x), 3 * (y * w + x) + 3);
    const disc: RgbImage = { width: w, height: h, data };
    for (const scale of [0.4, 0.2, 0.1]) {
      // the disc centre maps to (75, 60), rotated by 0.3 rad
      const r = similarity(scale, 0.3, 0, 0);
      const at = applyAffine(r, { x: 700, y: 500 });
      const t: Affine = [r[0], r[1], 75 - at.x, r[3], r[4], 60 - at.y];
      const c = centroid(extractChip(disc, t, 150, 150));
      expect(c.x).toBeCloseTo(75, 0);
      expect(c.y).toBeCloseTo(60, 0);
      const ref = centroid(warpAffine(disc, t, 150, 150));
      expect(Math.hypot(c.x - ref.x, c.y - ref.y)).toBeLessThan(0.15);
    }
  });

  it('leaves the part of the chip outside the photo black', () => {
    const white: RgbImage = { width: 1000, height: 1000, data: new Uint8Array(1000 * 1000 * 3).fill(200) };
    // 5 photo px per chip px; the chip's left 40 columns fall left of the photo
    const chip = extractChip(white, [0.2, 0, 40, 0, 0.2, 0], 150, 150);
    expect(pixel(chip, 10, 75)).toEqual([0, 0, 0]);
    expect(pixel(chip, 38, 75)).toEqual([0, 0, 0]);
    expect(pixel(chip, 42, 75)).toEqual([200, 200, 200]);
    expect(pixel(chip, 149, 149)).toEqual([200, 200, 200]);
  });
});

describe('templates', () => {
  const t = dlibTemplate(150, 0.25);
  const at = (i: number): Point => {
    const k = t.landmarkIndices.indexOf(i);
    expect(k, `landmark ${i} in template`).toBeGreaterThanOrEqual(0);
    return t.points[k]!;
  };

  it('dlibTemplate uses dlib’s 33 landmarks and formula', () => {
    const expected = [...Array.from({ length: 28 }, (_, k) => 27 + k), 60, 61, 62, 63, 64];
    expect(t.landmarkIndices).toEqual(expected);
    expect(t.points).toHaveLength(33);
    expect(t.size).toBe(150);
    // Nose tip (landmark 30): mean (0.490127, 0.515625) → (0.25 + m)/1.5 · 150.
    expect(at(30).x).toBeCloseTo(74.0127, 4);
    expect(at(30).y).toBeCloseTo(76.5625, 4);
    // Bottom of the nose (33): mean (0.490127, 0.628106).
    expect(at(33).y).toBeCloseTo(87.8106, 4);
    // Outer corner of the image-left eye (36): mean (0.121737, 0.216423).
    expect(at(36).x).toBeCloseTo(37.1737, 4);
    expect(at(36).y).toBeCloseTo(46.6423, 4);
    // padding 0: the mean shape is the chip's unit square.
    const t0 = dlibTemplate(200, 0);
    expect(t0.points[t0.landmarkIndices.indexOf(33)]).toEqual({ x: 0.490127 * 200, y: 0.628106 * 200 });
  });

  it('points lie inside the chip, eyes level, symmetric about x ≈ 75', () => {
    for (const p of t.points) {
      expect(p.x).toBeGreaterThan(0);
      expect(p.x).toBeLessThan(150);
      expect(p.y).toBeGreaterThan(0);
      expect(p.y).toBeLessThan(150);
    }
    const mean = (ps: Point[]): Point => ({
      x: ps.reduce((s, p) => s + p.x, 0) / ps.length,
      y: ps.reduce((s, p) => s + p.y, 0) / ps.length,
    });
    const leftEye = mean([36, 37, 38, 39, 40, 41].map(at));
    const rightEye = mean([42, 43, 44, 45, 46, 47].map(at));
    expect(Math.abs(leftEye.y - rightEye.y)).toBeLessThan(0.5);
    expect(rightEye.x - leftEye.x).toBeGreaterThan(40); // really two different eyes
    // Mirror pairs (iBUG numbering) share a midpoint on the vertical centre line.
    const pairs: [number, number][] = [[36, 45], [39, 42], [37, 44], [31, 35], [48, 54], [49, 53], [60, 64]];
    for (const [l, r] of pairs) {
      const mid = (at(l).x + at(r).x) / 2;
      expect(Math.abs(mid - 75), `pair ${l}/${r}`).toBeLessThan(2);
      expect(mid).toBeCloseTo(at(30).x, 2); // all on the same axis
      expect(at(l).y).toBeCloseTo(at(r).y, 4);
    }
  });

  it('fivePointTemplate is derived from the same mean shape', () => {
    const f = fivePointTemplate(150, 0.25);
    expect(f.landmarkIndices).toEqual([0, 1, 2, 3, 4]);
    const mean = (ids: number[]): Point => ({
      x: ids.reduce((s, i) => s + at(i).x, 0) / ids.length,
      y: ids.reduce((s, i) => s + at(i).y, 0) / ids.length,
    });
    const expected = [mean([36, 37, 38, 39, 40, 41]), mean([42, 43, 44, 45, 46, 47]), at(30), at(48), at(54)];
    f.points.forEach((p, i) => {
      expect(p.x).toBeCloseTo(expected[i]!.x, 10);
      expect(p.y).toBeCloseTo(expected[i]!.y, 10);
    });
    expect(f.points[0]!.x).toBeLessThan(f.points[1]!.x);
    expect(f.points[3]!.x).toBeLessThan(f.points[4]!.x);
    // fivePointsFrom68 reduces a 68-point shape in the same way.
    const lm68: Point[] = Array.from({ length: 68 }, (_, i) => ({ x: i, y: 2 * i }));
    const five = fivePointsFrom68(lm68);
    expect(five).toEqual([{ x: 38.5, y: 77 }, { x: 44.5, y: 89 }, { x: 30, y: 60 }, { x: 48, y: 96 }, { x: 54, y: 108 }]);
    expect(() => fivePointsFrom68(lm68.slice(0, 5))).toThrow(RangeError);
  });
});

describe('alignFace', () => {
  const template = dlibTemplate(150, 0.25);
  // "Face" in a 250×250 image: the template transformed by a known chip → image similarity.
  const chipToImage = similarity(0.9, (-17 * Math.PI) / 180, 52, 91);

  function syntheticLandmarks(): Point[] {
    // Points not used by the template are set to junk to prove they are ignored.
    const lm: Point[] = Array.from({ length: 68 }, () => ({ x: -5000, y: 7000 }));
    template.landmarkIndices.forEach((idx, k) => { lm[idx] = applyAffine(chipToImage, template.points[k]!); });
    return lm;
  }

  // Gradient image: R = x, G = y, B = 77. Bilinear interpolation reproduces it exactly (up to truncation).
  const W = 250, H = 250;
  const data = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) data.set([x, y, 77], (y * W + x) * 3);
  const img: RgbImage = { width: W, height: H, data };

  it('recovers the inverse of the similarity that made the face, and samples through it', () => {
    const { chip, transform } = alignFace(img, syntheticLandmarks(), template);
    expectAffineClose(transform, invertAffine(chipToImage), 9);
    expect(chip.width).toBe(150);
    expect(chip.height).toBe(150);
    // Template points land on the template; chip pixels show the image coordinates they came from.
    for (const [u, v] of [[0, 0], [75, 75], [149, 10], [30, 140]] as const) {
      const src = applyAffine(chipToImage, { x: u, y: v });
      const [r, g, b] = pixel(chip, u, v);
      expect(Math.abs(r - src.x)).toBeLessThan(1.0001);
      expect(Math.abs(g - src.y)).toBeLessThan(1.0001);
      expect(b).toBe(77);
    }
  });

  it('works with the 5-point template and fivePointsFrom68', () => {
    const lm = syntheticLandmarks();
    // Fill the eye landmarks too (they are part of the dlib template, so already exact).
    const { transform } = alignFace(img, fivePointsFrom68(lm), fivePointTemplate(150, 0.25));
    expectAffineClose(transform, invertAffine(chipToImage), 9);
  });

  it('alignFaces aligns each landmark set', () => {
    const other = similarity(1.2, 0.3, 10, 20);
    const lm2 = syntheticLandmarks().map((p) => applyAffine(composeAffine(other, invertAffine(chipToImage)), p));
    const res = alignFaces(img, [syntheticLandmarks(), lm2], template);
    expect(res).toHaveLength(2);
    expectAffineClose(res[0]!.transform, invertAffine(chipToImage), 9);
    expectAffineClose(res[1]!.transform, invertAffine(other), 9);
  });

  it("mapping 'dlib' reproduces extract_image_chip's rectangle-corner mapping", () => {
    const size = template.size;
    const s = 0.9, angle = (-17 * Math.PI) / 180;
    const m = alignFace(img, syntheticLandmarks(), template, { mapping: 'dlib' }).transform;
    expectAffineClose(m, dlibChipTransform(chipToImage, size), 12);
    // Independent reconstruction of dlib: rect of side size·s (inclusive pixels) centred on
    // chipToImage(size/2, size/2), rotated by the fit's angle; its corners go to pixel centres 0 and size − 1.
    const c = applyAffine(chipToImage, { x: size / 2, y: size / 2 });
    const half = (size * s - 1) / 2;
    const rot = (dx: number, dy: number): Point => ({
      x: c.x + Math.cos(angle) * dx - Math.sin(angle) * dy,
      y: c.y + Math.sin(angle) * dx + Math.cos(angle) * dy,
    });
    const corners: [Point, Point][] = [
      [rot(-half, -half), { x: 0, y: 0 }],
      [rot(half, -half), { x: size - 1, y: 0 }],
      [rot(-half, half), { x: 0, y: size - 1 }],
      [rot(half, half), { x: size - 1, y: size - 1 }],
    ];
    for (const [imgPt, chipPt] of corners) {
      const q = applyAffine(m, imgPt);
      expect(q.x).toBeCloseTo(chipPt.x, 9);
      expect(q.y).toBeCloseTo(chipPt.y, 9);
    }
    // It differs from the plain template mapping by about half a pixel.
    const d = applyAffine(m, c).x - applyAffine(invertAffine(chipToImage), c).x;
    expect(d).toBeCloseTo(-0.5, 9);
  });

  it('reports missing landmarks', () => {
    expect(() => alignFace(img, syntheticLandmarks().slice(0, 40), template)).toThrow(/landmark #40/);
  });
});
