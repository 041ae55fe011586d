/**
 * The converted ONNX networks reproduce face-api itself (tfjs, wasm backend) on real photos
 * (face-api's own demo/sample*.jpg): same input tensors in, same outputs out; and our detector's
 * boxes match face-api's end-to-end detections.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadImage } from '../../src/image/index.js';
import { Likeness } from '../../src/likeness.js';
import { landmarkCanvas } from '../../src/landmarks/landmarker.js';
import { landmark68, ssdMobilenetV1 } from '../../src/models/registry.js';
import { getSession, runModel } from '../../src/models/session.js';
import type { ModelSpec } from '../../src/models/spec.js';
import type { RgbImage } from '../../src/types.js';
import { FACEAPI_DEMO } from '../helpers/data.js';
import { loadFaceApi, type FaceApiOracle } from './faceapi.js';

const SAMPLES = [1, 2, 3, 4, 5, 6].map((i) => `${FACEAPI_DEMO}/sample${i}.jpg`);

let oracle: FaceApiOracle;
let L: Likeness;
const images = new Map<string, RgbImage>();
const worst = { ssdBoxes: 0, ssdScores: 0, boxPx: 0, landmarksRaw: 0, descriptor: 0 };

beforeAll(async () => {
  [oracle, L] = await Promise.all([loadFaceApi(), Likeness.create({ model: 'dlib' })]);
  for (const s of SAMPLES) images.set(s, await loadImage(s));
}, 120_000);

/** HWC 0..255 pixels → normalised NCHW, as the spec says. */
function toNchw(hwc: Float32Array, size: number, spec: ModelSpec): Float32Array {
  const { mean, std } = spec.input.normalization;
  const out = new Float32Array(hwc.length);
  const plane = size * size;
  for (let i = 0; i < plane; i++) for (let c = 0; c < 3; c++) out[c * plane + i] = (hwc[i * 3 + c]! - mean[c]!) / std[c]!;
  return out;
}

async function run(spec: ModelSpec, nchw: Float32Array, size: number) {
  return runModel(await getSession(spec), undefined, nchw, [1, 3, size, size]);
}

function crop(img: RgbImage, x: number, y: number, w: number, h: number): RgbImage {
  const data = new Uint8Array(w * h * 3);
  for (let r = 0; r < h; r++) data.set(img.data.subarray(((y + r) * img.width + x) * 3, ((y + r) * img.width + x + w) * 3), r * w * 3);
  return { width: w, height: h, data };
}

const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};

describe('ONNX conversion reproduces face-api (tfjs-wasm)', () => {
  it('SSD-MobileNetV1: decoded boxes and scores of all 5118 anchors on the same input', async () => {
    const spec = ssdMobilenetV1();
    for (const s of SAMPLES) {
      const hwc = await oracle.preprocess(images.get(s)!, 512, false);
      const ref = await oracle.ssdRaw(hwc);
      const ours = await run(spec, toNchw(hwc, 512, spec), 512);
      worst.ssdBoxes = Math.max(worst.ssdBoxes, maxAbs(ours.boxes!.data, ref.boxes));
      worst.ssdScores = Math.max(worst.ssdScores, maxAbs(ours.scores!.data, ref.scores));
      expect(maxAbs(ours.boxes!.data, ref.boxes), s).toBeLessThan(1e-4);
      expect(maxAbs(ours.scores!.data, ref.scores), s).toBeLessThan(1e-4);
    }
  });

  it('detection end to end: the same faces, boxes within 1 px, scores within 1e-3', async () => {
    let faces = 0;
    for (const s of SAMPLES) {
      const img = images.get(s)!;
      const ref = await oracle.detect(img);
      const ours = (await L.detect(img, { detection: { retry: false } })).faces;
      expect(ours.length, s).toBe(ref.length);
      for (const r of ref) {
        // face-api maps boxes back with rounded reshaped dimensions; compare in its own frame
        const scale = 512 / Math.max(img.width, img.height);
        const fx = img.width / Math.round(img.width * scale) * scale;
        const fy = img.height / Math.round(img.height * scale) * scale;
        const o = ours.find((f) => Math.abs(f.box.x * fx - r.box.x) < 2 && Math.abs(f.box.y * fy - r.box.y) < 2);
        expect(o, `${s}: face at ${r.box.x},${r.box.y}`).toBeDefined();
        const right = Math.min(r.box.x + r.box.width, img.width * fx);
        const bottom = Math.min(r.box.y + r.box.height, img.height * fy);
        worst.boxPx = Math.max(worst.boxPx, Math.abs(o!.box.x * fx - r.box.x), Math.abs(o!.box.y * fy - r.box.y), Math.abs((o!.box.x + o!.box.width) * fx - right), Math.abs((o!.box.y + o!.box.height) * fy - bottom));
        expect(Math.abs(o!.box.x * fx - r.box.x)).toBeLessThan(1);
        expect(Math.abs(o!.box.y * fy - r.box.y)).toBeLessThan(1);
        expect(Math.abs((o!.box.x + o!.box.width) * fx - right)).toBeLessThan(1);
        expect(Math.abs((o!.box.y + o!.box.height) * fy - bottom)).toBeLessThan(1);
        expect(Math.abs(o!.score - r.score)).toBeLessThan(1e-3);
        // and in plain image pixels our box is within 1 px of face-api's wherever its mapping is exact
        expect(Math.abs(o!.box.x - r.box.x)).toBeLessThan(1 + Math.abs(fx - 1) * img.width);
        faces++;
      }
    }
    expect(faces).toBe(22);
  });

  it('68-point landmarks: raw outputs on the same crop within 1e-4, points within 1 px', async () => {
    const spec = landmark68();
    for (const s of SAMPLES.slice(0, 3)) {
      const img = images.get(s)!;
      for (const f of (await L.detect(img, { detection: { retry: false } })).faces) {
        const c = landmarkCanvas(img, f.box);
        const faceCrop = crop(img, c.valid.x, c.valid.y, c.valid.width, c.valid.height);
        const ref = await oracle.landmarksRaw(faceCrop);
        const ours = await run(spec, toNchw(await oracle.preprocess(faceCrop, 112, true), 112, spec), 112);
        worst.landmarksRaw = Math.max(worst.landmarksRaw, maxAbs(ours.landmarks!.data, ref));
        expect(maxAbs(ours.landmarks!.data, ref)).toBeLessThan(1e-4);
        // through our own preprocessing (float64 bilinear, exact padding offset): within a pixel
        const refPts = await oracle.landmarks(faceCrop);
        refPts.forEach((p, k) => {
          expect(Math.abs(f.landmarks![k]!.x - (p.x + c.valid.x))).toBeLessThan(1);
          expect(Math.abs(f.landmarks![k]!.y - (p.y + c.valid.y))).toBeLessThan(1);
        });
      }
    }
  });

  it('ResNet descriptors: the same 150×150 aligned chips give descriptors within 1e-4', async () => {
    let n = 0;
    for (const s of SAMPLES) {
      const a = await L.align(images.get(s)!);
      for (const f of a.faces) {
        const ref = await oracle.descriptor(f.chip);
        const [ours] = await L.network.raw([f.chip]);
        worst.descriptor = Math.max(worst.descriptor, maxAbs(ours!, ref));
        expect(maxAbs(ours!, ref), s).toBeLessThan(1e-4);
        n++;
      }
    }
    expect(n).toBe(22);
  });
});

afterAll(() => {
  console.info(`parity with face-api, largest differences: ${JSON.stringify(worst)}`);
});
