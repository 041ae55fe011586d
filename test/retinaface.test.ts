/**
 * RetinaFace mnet.25 (npm package `retinaface`): our decoding against the one the package ships
 * (its dist/index.js, fetched by the same pinned, checksummed install step), run on the same
 * onnxruntime outputs; the detector on face-api's demo photos against their hand-checked faces; the
 * symbolic input (a small photo runs at its own size, with the boxes of the full-size input).
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { readFileSync } from 'node:fs';
import ort from 'onnxruntime-node';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { decode } from '../src/detect/decoders/index.js';
import { resolveDetectionOptions } from '../src/detect/detector.js';
import { nonMaxSuppression } from '../src/detect/nms.js';
import { sampleToTensor } from '../src/image/sample.js';
import { Likeness } from '../src/likeness.js';
import type { ModelPackage } from '../src/models/npm-files/files.js';
import { RETINAFACE } from '../src/models/npm-files/packages.js';
import { getSession, runModel } from '../src/models/session.js';
import { retinafaceV1, retinafaceV2 } from '../src/models/zoo/retinaface.js';
import type { RgbImage } from '../src/types.js';
import { FACEAPI_DEMO } from './helpers/data.js';
import { ensureFile } from './helpers/models.js';

/** The package's own JavaScript (decoding + NMS), for tests only. */
const RETINAFACE_JS: ModelPackage<'js'> = {
  name: 'retinaface',
  version: '0.0.6',
  folder: '',
  files: { js: { 'dist/index.js': '2260c6d887d9922797525fd9047a676a017cd732b2bf373159df51dfa8c63a35' } },
  env: 'LIKENESS_RETINAFACE_JS',
  cacheFolder: 'retinaface-js',
  size: '~4 MB',
};

type Truth = Record<string, [number, number, number][]>;
const TRUTH = (JSON.parse(readFileSync(new URL('./fixtures/faceapi-demo-faces.json', import.meta.url), 'utf8')) as { faces: Truth }).faces;

async function rgb(file: string, region?: { left: number; top: number; width: number; height: number }): Promise<RgbImage> {
  let s = sharp(file).rotate();
  if (region) s = sharp(await s.toBuffer()).extract(region);
  const { data, info } = await s.removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

beforeAll(async () => {
  await ensureFile(RETINAFACE, 'mnet25v1');
  await ensureFile(RETINAFACE, 'mnet25v2');
});

describe("RetinaFace decoding against the package's own", () => {
  it('the same faces, boxes and five points (within 1.5 px) from the same network outputs', async () => {
    const js = await ensureFile(RETINAFACE_JS, 'js');
    const Reference = ((await import(pathToFileURL(js).href)) as { default: new (...a: unknown[]) => { detect: (img: unknown, scale: number, prob: number, nms: number) => Promise<{ rect: number[]; landmarks: number[][]; prob: number }[]> } }).default;
    const spec = retinafaceV1(512);
    const session = await getSession(spec);
    const img = await rgb(path.join(FACEAPI_DEMO, 'sample1.jpg'));
    const n = 512;
    const side = Math.max(img.width, img.height);
    const input = new Float32Array(3 * n * n);
    sampleToTensor(img, { originX: 0, originY: 0, side, valid: { x: 0, y: 0, width: img.width, height: img.height } }, { ...spec.input, size: n }, input);
    const outputs = await runModel(session, undefined, input, [1, 3, n, n]);
    // The reference reads the outputs through a session-like object and takes RGBA pixels it
    // converts itself: give it the same outputs (landmark scale 1.0, right for v1; see the zoo file).
    const fake = { run: async () => Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, { dims: v.dims, getData: async () => v.data }])) };
    const reference = new Reference(fake, ort.Tensor, n, n, 1.0);
    const theirs = await reference.detect({ width: n, height: n, data: new Uint8ClampedArray(n * n * 4) }, 1, 0.75, 0.5);
    const raw = decode(spec.decoding, outputs, n, 0.75);
    const boxes = raw.map((r) => ({ x: r.x0, y: r.y0, width: r.x1 - r.x0, height: r.y1 - r.y0 }));
    const ours = nonMaxSuppression(boxes, raw.map((r) => r.score), 0.5, 100).map((i) => raw[i]!);
    expect(theirs.length).toBeGreaterThanOrEqual(3);
    expect(ours.length).toBe(theirs.length);
    for (const [i, t] of theirs.entries()) {
      const o = ours[i]!;
      expect(o.score).toBeCloseTo(t.prob, 5);
      // theirs: corners clipped to the input, x1 = last pixel; ours: edges (x1 + 1), anchor centre 7.5 vs 8
      expect(Math.abs(o.x0 - t.rect[0]!)).toBeLessThan(1.5);
      expect(Math.abs(o.y0 - t.rect[1]!)).toBeLessThan(1.5);
      expect(Math.abs(o.x1 - 1 - t.rect[2]!)).toBeLessThan(1.5);
      expect(Math.abs(o.y1 - 1 - t.rect[3]!)).toBeLessThan(1.5);
      for (let q = 0; q < 5; q++) {
        expect(Math.abs(o.points![q]!.x - t.landmarks[q]![0]!)).toBeLessThan(1.5);
        expect(Math.abs(o.points![q]!.y - t.landmarks[q]![1]!)).toBeLessThan(1.5);
      }
    }
  });
});

describe('RetinaFace in the pipeline', () => {
  for (const [name, detector] of [['v1', retinafaceV1()], ['v2', retinafaceV2()]] as const) {
    it(`${name}: every one of the 22 hand-checked faces of face-api's demo photos, five points in their place`, async () => {
      const l = await Likeness.create({ model: 'mobilefacenet', detector });
      let found = 0;
      let extra = 0;
      for (const [file, faces] of Object.entries(TRUTH)) {
        const a = await l.detect(path.join(FACEAPI_DEMO, file));
        const inside = (b: { x: number; y: number; width: number; height: number }, x: number, y: number) => x >= b.x && x <= b.x + b.width && y >= b.y && y <= b.y + b.height;
        found += faces.filter(([x, y]) => a.faces.some((f) => inside(f.box, x, y))).length;
        extra += a.faces.filter((f) => !faces.some(([x, y]) => inside(f.box, x, y))).length;
        for (const f of a.faces) {
          const p = f.points5;
          // eyes level-ish and above the nose, the nose above the mouth, left on the left
          expect(p.leftEye.x).toBeLessThan(p.rightEye.x);
          expect(Math.max(p.leftEye.y, p.rightEye.y)).toBeLessThan(Math.max(p.mouthLeft.y, p.mouthRight.y));
          expect(p.nose.y).toBeLessThan(Math.max(p.mouthLeft.y, p.mouthRight.y));
          for (const q of [p.leftEye, p.rightEye, p.nose, p.mouthLeft, p.mouthRight]) expect(inside({ x: f.box.x - 2, y: f.box.y - 2, width: f.box.width + 4, height: f.box.height + 4 }, q.x, q.y)).toBe(true);
        }
      }
      expect(found).toBe(22);
      expect(extra).toBeLessThanOrEqual(1);
    });
  }

  it('a photo smaller than the input runs at its own size (the dims are symbolic) and finds what the full-size input finds', async () => {
    const img = await rgb(path.join(FACEAPI_DEMO, 'sample1.jpg'), { left: 380, top: 330, width: 260, height: 300 });
    const dynamic = await Likeness.create({ model: 'mobilefacenet' });
    expect(dynamic.detector.firstPass(img, resolveDetectionOptions().maxUpscale)).toEqual({ canvasSide: 320, inputSize: 320 });
    const fixed = await Likeness.create({ model: 'mobilefacenet', detector: { ...retinafaceV1(), inputMultiple: undefined, name: 'retinaface-fixed' } });
    expect(fixed.detector.firstPass(img, 1)).toEqual({ canvasSide: 1280, inputSize: 1280 });
    const a = (await dynamic.detect(img)).faces;
    const b = (await fixed.detect(img)).faces;
    expect(a.length).toBe(1);
    expect(b.length).toBe(1);
    // The same face: a convolutional network is not exactly shift-invariant (the photo sits 10–30 px
    // from the canvas edge in one, 500 px in the other), so within 5 % of the face's size.
    const tol = 0.05 * b[0]!.box.width;
    for (const k of ['x', 'y', 'width', 'height'] as const) expect(Math.abs(a[0]!.box[k] - b[0]!.box[k])).toBeLessThan(tol);
    for (const q of ['leftEye', 'rightEye', 'nose', 'mouthLeft', 'mouthRight'] as const) {
      expect(Math.hypot(a[0]!.points5[q].x - b[0]!.points5[q].x, a[0]!.points5[q].y - b[0]!.points5[q].y)).toBeLessThan(tol);
    }
  });
});
