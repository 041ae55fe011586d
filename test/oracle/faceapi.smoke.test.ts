/**
 * Smoke test of the face-api oracle (test/oracle/faceapi.ts) on face-api's own demo photos.
 * Also checks that our reading of face-api's pipeline (documented in faceapi.ts) reproduces its
 * end-to-end chain exactly: detection-box crop → landmarks, dlib-aligned crop → descriptor, and
 * that the SSD graph mirror in ssdRaw decodes to face-api's own boxes/scores.
 */
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';

import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';

import type { Box, RgbImage } from '../../src/types.js';
import { loadFaceApi, type FaceApiOracle, type FullResult } from './faceapi.js';

const require = createRequire(import.meta.url);
const DEMO_DIR = join(dirname(require.resolve('@vladmandic/face-api/package.json')), 'demo');
const SAMPLES = [1, 2, 3, 4, 5, 6].map((i) => `sample${i}.jpg`);

async function decode(path: string): Promise<RgbImage> {
  const { data, info } = await sharp(path).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`${path}: ${info.channels} channels`);
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

function distance(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i += 1) s += (a[i]! - b[i]!) ** 2;
  return Math.sqrt(s);
}

/** face-api Box.clipAtImageBorders(imgW, imgH) (which ends with .floor() on x, y, width, height). */
function clipAtImageBorders(b: Box, imgW: number, imgH: number): Box {
  const x = Math.max(b.x, 0);
  const y = Math.max(b.y, 0);
  const w = Math.min(b.x + b.width - x, imgW - x);
  const h = Math.min(b.y + b.height - y, imgH - y);
  return { x: Math.floor(x), y: Math.floor(y), width: Math.floor(w), height: Math.floor(h) };
}

function crop(img: RgbImage, b: Box): RgbImage {
  const data = new Uint8Array(b.width * b.height * 3);
  for (let r = 0; r < b.height; r += 1) {
    const src = ((b.y + r) * img.width + b.x) * 3;
    data.set(img.data.subarray(src, src + b.width * 3), r * b.width * 3);
  }
  return { width: b.width, height: b.height, data };
}

/**
 * face-api's NetInput.toBatchTensor(size, isCenter) as documented in faceapi.ts: zero pad to square
 * (isCenter: floor(diff/2) before, ceil(diff/2) after; else all after), then TF1 legacy bilinear
 * (alignCorners=false, halfPixelCenters=false) computed in float32.
 */
function referencePreprocess(img: RgbImage, size: number, isCenter: boolean): Float32Array {
  const f = Math.fround;
  const { width: w, height: h } = img;
  const side = Math.max(w, h);
  const diff = Math.abs(w - h);
  const before = isCenter ? diff - Math.round(diff * 0.5) : 0;
  const offX = h > w ? before : 0;
  const offY = w > h ? before : 0;
  const px = (x: number, y: number, c: number): number => {
    const ix = x - offX;
    const iy = y - offY;
    return ix < 0 || iy < 0 || ix >= w || iy >= h ? 0 : img.data[(iy * w + ix) * 3 + c]!;
  };
  const out = new Float32Array(size * size * 3);
  const scale = f(side / size);
  for (let y = 0; y < size; y += 1) {
    const sy = f(y * scale);
    const y0 = Math.floor(sy);
    const y1 = Math.min(Math.ceil(sy), side - 1);
    const ly = f(sy - y0);
    for (let x = 0; x < size; x += 1) {
      const sx = f(x * scale);
      const x0 = Math.floor(sx);
      const x1 = Math.min(Math.ceil(sx), side - 1);
      const lx = f(sx - x0);
      for (let c = 0; c < 3; c += 1) {
        const tl = px(x0, y0, c);
        const tr = px(x1, y0, c);
        const bl = px(x0, y1, c);
        const br = px(x1, y1, c);
        const top = f(tl + f(f(tr - tl) * lx));
        const bot = f(bl + f(f(br - bl) * lx));
        out[(y * size + x) * 3 + c] = f(top + f(f(bot - top) * ly));
      }
    }
  }
  return out;
}

const ms = (v: number) => `${v.toFixed(0)} ms`;

describe('face-api oracle (tfjs wasm)', () => {
  let oracle: FaceApiOracle;
  const images = new Map<string, RgbImage>();
  const results = new Map<string, FullResult>();

  beforeAll(async () => {
    const t0 = performance.now();
    oracle = await loadFaceApi();
    const loadMs = performance.now() - t0;
    for (const name of SAMPLES) images.set(name, await decode(join(DEMO_DIR, name)));
    console.log(`[oracle] face-api ${oracle.info.faceapiVersion}, tfjs ${oracle.info.tfjsVersion}, backend ${oracle.info.backend}, `
      + `simd ${oracle.info.simd}, threads ${oracle.info.threads}; load ${ms(loadMs)}`);
  }, 60_000);

  it('loadFaceApi is idempotent and runs on wasm', async () => {
    expect(await loadFaceApi()).toBe(oracle);
    expect(oracle.info.backend).toBe('wasm');
    expect(oracle.tf.getBackend()).toBe('wasm');
  });

  it('full(): finds faces on every demo sample, 128-d descriptors, no tensor leaks', async () => {
    const lines: string[] = [];
    for (const name of SAMPLES) {
      const img = images.get(name)!;
      const before = oracle.numTensors();
      const r = await oracle.full(img);
      expect(oracle.numTensors()).toBe(before);
      results.set(name, r);
      expect(r.faces.length).toBeGreaterThanOrEqual(1);
      for (const f of r.faces) {
        expect(f.descriptor).toHaveLength(128);
        expect(f.landmarks).toHaveLength(68);
        expect(f.score).toBeGreaterThan(0.5);
      }
      const t = r.timings;
      lines.push(`${name} ${img.width}x${img.height}: ${r.faces.length} faces (scores ${r.faces.map((f) => f.score.toFixed(3)).join(', ')}); `
        + `detect ${ms(t.detectMs)}, landmarks ${ms(t.landmarksMs)}, descriptors ${ms(t.descriptorMs)}, total ${ms(t.totalMs)} (+input ${ms(t.inputMs)})`);
    }
    console.log(`[oracle] full():\n  ${lines.join('\n  ')}`);
  }, 60_000);

  it('detect() matches the chain and is deterministic', async () => {
    for (const name of SAMPLES) {
      const img = images.get(name)!;
      const before = oracle.numTensors();
      const a = await oracle.detect(img);
      const b = await oracle.detect(img);
      expect(oracle.numTensors()).toBe(before);
      expect(a.length).toBeGreaterThanOrEqual(1);
      expect(b).toEqual(a);
      expect(a).toEqual(results.get(name)!.faces.map((f) => ({ box: f.box, score: f.score })));
    }
  }, 60_000);

  it('same face detected twice gives identical descriptors', async () => {
    const name = SAMPLES[0]!;
    const again = await oracle.full(images.get(name)!);
    const first = results.get(name)!;
    expect(again.faces.length).toBe(first.faces.length);
    again.faces.forEach((f, i) => {
      expect(f.box).toEqual(first.faces[i]!.box);
      expect(Array.from(f.descriptor)).toEqual(Array.from(first.faces[i]!.descriptor));
      expect(distance(f.descriptor, first.faces[i]!.descriptor)).toBe(0);
    });
  }, 30_000);

  it('different people are farther apart than 0.4', () => {
    let minDist = Infinity;
    let norms: number[] = [];
    // Faces within one photo are different people.
    for (const name of SAMPLES) {
      const faces = results.get(name)!.faces;
      norms = norms.concat(faces.map((f) => Math.hypot(...f.descriptor)));
      for (let i = 0; i < faces.length; i += 1) {
        for (let j = i + 1; j < faces.length; j += 1) {
          const d = distance(faces[i]!.descriptor, faces[j]!.descriptor);
          minDist = Math.min(minDist, d);
          expect(d, `${name} faces ${i}/${j}`).toBeGreaterThan(0.4);
        }
      }
    }
    console.log(`[oracle] min distance between different people: ${minDist.toFixed(3)}; `
      + `descriptor L2 norms ${Math.min(...norms).toFixed(3)}..${Math.max(...norms).toFixed(3)} (not normalised)`);
  });

  it('landmarks(crop) / descriptor(chip) on face-api\'s own crops reproduce the chain', async () => {
    const name = SAMPLES[0]!;
    const img = images.get(name)!;
    const before = oracle.numTensors();
    for (const f of results.get(name)!.faces) {
      // Landmarks: detection box (via FaceDetection.forSize) clipped+floored, shifted back by the unfloored box.
      const rel = { x: f.box.x * (1 / img.width), y: f.box.y * (1 / img.height), width: f.box.width * (1 / img.width), height: f.box.height * (1 / img.height) };
      const detBox = clipAtImageBorders({ x: rel.x * img.width, y: rel.y * img.height, width: rel.width * img.width, height: rel.height * img.height }, img.width, img.height);
      const pts = await oracle.landmarks(crop(img, detBox));
      expect(pts).toHaveLength(68);
      pts.forEach((p, k) => {
        expect(p.x + f.box.x).toBeCloseTo(f.landmarks[k]!.x, 6);
        expect(p.y + f.box.y).toBeCloseTo(f.landmarks[k]!.y, 6);
      });
      const raw = await oracle.landmarksRaw(crop(img, detBox));
      expect(raw).toHaveLength(136);

      // Descriptor: dlib-aligned box, clipped+floored.
      const chipBox = clipAtImageBorders(f.descriptorBox, img.width, img.height);
      const d = await oracle.descriptor(crop(img, chipBox));
      expect(Array.from(d)).toEqual(Array.from(f.descriptor));
    }
    expect(oracle.numTensors()).toBe(before);
  }, 30_000);

  it('preprocess() is bit-exact with the documented pad + float32 legacy bilinear', async () => {
    const img = images.get(SAMPLES[0]!)!;
    const odd = crop(img, { x: 400, y: 350, width: 181, height: 240 }); // odd |w−h| → asymmetric centred pad
    const cases: [RgbImage, number, boolean][] = [[img, 512, false], [odd, 112, true], [odd, 150, true], [img, 112, true]];
    for (const [im, size, center] of cases) {
      const got = await oracle.preprocess(im, size, center);
      const want = referencePreprocess(im, size, center);
      let mismatches = 0;
      for (let i = 0; i < want.length; i += 1) if (got[i] !== want[i]) mismatches += 1;
      expect(mismatches, `${im.width}x${im.height} → ${size} center=${center}`).toBe(0);
    }
  }, 30_000);

  it('ssdRaw(): mirror graph decodes to face-api\'s boxes/scores; preprocess pads bottom/right', async () => {
    const img = images.get(SAMPLES[0]!)!; // 1920×1280 → content fills rows 0..~341 of 512
    const before = oracle.numTensors();
    const input = await oracle.preprocess(img, 512, false);
    expect(input).toHaveLength(512 * 512 * 3);
    // rows well below round(1280*512/1920) = 341 are pure (zero) padding; the top-left is image content
    expect(input.subarray(345 * 512 * 3).every((v) => v === 0)).toBe(true);
    expect(input.subarray(0, 512 * 3).some((v) => v !== 0)).toBe(true);

    const raw = await oracle.ssdRaw(input);
    expect(oracle.numTensors()).toBe(before);
    const n = 5118;
    expect(raw.boxEncodings).toHaveLength(n * 4);
    expect(raw.classLogits).toHaveLength(n * 3);
    expect(raw.anchors).toHaveLength(n * 4);
    let maxBoxErr = 0;
    let maxScoreErr = 0;
    for (let i = 0; i < n; i += 1) {
      const [aY0, aX0, aY1, aX1] = [raw.anchors[4 * i]!, raw.anchors[4 * i + 1]!, raw.anchors[4 * i + 2]!, raw.anchors[4 * i + 3]!];
      const [ty, tx, th, tw] = [raw.boxEncodings[4 * i]!, raw.boxEncodings[4 * i + 1]!, raw.boxEncodings[4 * i + 2]!, raw.boxEncodings[4 * i + 3]!];
      const ha = aY1 - aY0;
      const wa = aX1 - aX0;
      const yc = (ty / 10) * ha + (aY0 + ha / 2);
      const xc = (tx / 10) * wa + (aX0 + wa / 2);
      const h = Math.exp(th / 5) * ha;
      const w = Math.exp(tw / 5) * wa;
      const decoded = [yc - h / 2, xc - w / 2, yc + h / 2, xc + w / 2];
      decoded.forEach((v, k) => { maxBoxErr = Math.max(maxBoxErr, Math.abs(v - raw.boxes[4 * i + k]!)); });
      const score = 1 / (1 + Math.exp(-raw.classLogits[3 * i + 1]!));
      maxScoreErr = Math.max(maxScoreErr, Math.abs(score - raw.scores[i]!));
    }
    console.log(`[oracle] ssdRaw mirror vs face-api: max |box| err ${maxBoxErr.toExponential(2)}, max |score| err ${maxScoreErr.toExponential(2)}`);
    expect(maxBoxErr).toBeLessThan(1e-5);
    expect(maxScoreErr).toBeLessThan(1e-5);
    // the detections of this image come from these scores
    const best = Math.max(...raw.scores);
    expect(best).toBeCloseTo(Math.max(...results.get(SAMPLES[0]!)!.faces.map((f) => f.score)), 5);
  }, 30_000);
});
