/**
 * Detection across face sizes: small faces in large photos (tiling), full-frame faces (retry), NMS.
 * The mechanics (tiles, retries, maxUpscale) are tested on the SSD (the dlib stack), whose input is
 * small enough for them to matter; the default detector (RetinaFace at 1280) on a real mosaic.
 */
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { tiles } from '../src/detect/detector.js';
import { iou, nonMaxSuppression } from '../src/detect/nms.js';
import { InvalidOptionError } from '../src/errors.js';
import { Likeness, largestFirst } from '../src/likeness.js';
import { demoMosaic } from './helpers/synthetic-photos.js';
import { FACEAPI_DEMO } from './helpers/data.js';

let L: Likeness;
let faceCrop: Buffer;
beforeAll(async () => {
  L = await Likeness.create({ model: 'dlib' });
  // a real face with some margin, cut from a demo photo
  const src = `${FACEAPI_DEMO}/sample2.jpg`;
  const f = largestFirst((await L.detect(src)).faces)[0]!;
  const m = 0.4;
  faceCrop = await sharp(src)
    .extract({ left: Math.round(f.box.x - m * f.box.width), top: Math.round(f.box.y - m * f.box.height), width: Math.round(f.box.width * (1 + 2 * m)), height: Math.round(f.box.height * (1 + 2 * m)) })
    .toBuffer();
});

/** A 1920×1080 grey photo with the face pasted at three places, `faceWidth` px wide. */
async function crowd(faceWidth: number): Promise<Buffer> {
  const face = await sharp(faceCrop).resize(Math.round(faceWidth * 1.8)).toBuffer();
  return sharp({ create: { width: 1920, height: 1080, channels: 3, background: '#777777' } })
    .composite([100, 900, 1600].map((left, i) => ({ input: face, left, top: 200 + i * 300 })))
    .jpeg()
    .toBuffer();
}

describe('detection across face sizes (SSD, the dlib stack)', () => {
  it('finds 40 px faces in a 1920×1080 photo with minFaceSize 40 (tiles), and misses them in one pass', async () => {
    const img = await crowd(40);
    expect((await L.detect(img)).faces).toHaveLength(0);
    const found = (await L.detect(img, { detection: { minFaceSize: 40 } })).faces;
    expect(found).toHaveLength(3);
    for (const f of found) expect(f.box.width).toBeGreaterThan(25);
  });

  it('tiling does not duplicate faces the whole-image pass already found', async () => {
    const img = await crowd(160);
    const one = (await L.detect(img)).faces;
    const tiled = (await L.detect(img, { detection: { minFaceSize: 40 } })).faces;
    expect(one).toHaveLength(3);
    expect(tiled).toHaveLength(3);
    expect(tiled.map((f) => f.box)).toEqual(one.map((f) => f.box));
  });

  it('finds a face that fills the whole frame (retry on a larger canvas)', async () => {
    const src = `${FACEAPI_DEMO}/sample2.jpg`;
    const f = largestFirst((await L.detect(src)).faces)[0]!;
    // cropped exactly to its detection box and enlarged past the detector's 512 px input: the face
    // is the whole image, which the first pass shrinks to fill the input (small images are at native scale: below)
    const tight = await sharp(src).extract({ left: Math.round(f.box.x), top: Math.round(f.box.y), width: Math.round(f.box.width), height: Math.round(f.box.height) }).resize({ width: 800 }).toBuffer();
    expect((await L.detect(tight, { detection: { retry: false } })).faces).toHaveLength(0);
    expect((await L.detect(tight)).faces).toHaveLength(1);
  });

  it('rejects invalid detection options with a typed error', async () => {
    await expect(L.detect(faceCrop, { detection: { minScore: 2 } })).rejects.toBeInstanceOf(InvalidOptionError);
    await expect(L.detect(faceCrop, { detection: { minFaceSize: -1 } })).rejects.toBeInstanceOf(InvalidOptionError);
    await expect(L.detect(faceCrop, { detection: { maxFaces: 0 } })).rejects.toBeInstanceOf(InvalidOptionError);
    await expect(L.detect(faceCrop, { detection: { maxUpscale: 0 } })).rejects.toBeInstanceOf(InvalidOptionError);
  });

  it('maxUpscale: a small image is detected at native scale on a larger canvas; large images are unaffected', async () => {
    const src = `${FACEAPI_DEMO}/sample2.jpg`;
    const f = largestFirst((await L.detect(src)).faces)[0]!;
    // A full-frame face, under 512 px: filling the detector's input, the first pass misses it.
    const tight = await sharp(src).extract({ left: Math.round(f.box.x), top: Math.round(f.box.y), width: Math.round(f.box.width), height: Math.round(f.box.height) }).toBuffer();
    expect((await L.detect(tight, { detection: { retry: false, maxUpscale: Infinity } })).faces).toHaveLength(0);
    const native = (await L.detect(tight, { detection: { retry: false, maxUpscale: 1 } })).faces;
    expect(native).toHaveLength(1);
    const retried = (await L.detect(tight, { detection: { maxUpscale: Infinity } })).faces; // found on the 2× canvas
    expect(iou(native[0]!.box, retried[0]!.box)).toBeGreaterThan(0.8);
    // 1920 px: shrunk to fit either way, so the same faces.
    expect((await L.detect(src, { detection: { maxUpscale: 1 } })).faces).toEqual((await L.detect(src, { detection: { maxUpscale: Infinity } })).faces);
  });

  it('minScore and maxFaces are honoured', async () => {
    const all = (await L.detect(`${FACEAPI_DEMO}/sample4.jpg`)).faces;
    expect(all.length).toBe(4);
    expect((await L.detect(`${FACEAPI_DEMO}/sample4.jpg`, { detection: { maxFaces: 2 } })).faces).toHaveLength(2);
    const strict = (await L.detect(`${FACEAPI_DEMO}/sample4.jpg`, { detection: { minScore: 0.9 } })).faces;
    expect(strict.length).toBe(all.filter((f) => f.score > 0.9).length);
    expect(strict.length).toBeLessThan(all.length);
  });
});

const found = (boxes: { x: number; y: number; width: number; height: number }[], truth: [number, number, number][]): number =>
  truth.filter(([x, y]) => boxes.some((b) => x >= b.x && x <= b.x + b.width && y >= b.y && y <= b.y + b.height)).length;

describe('small faces with the default detector (RetinaFace v1 at 1280)', () => {
  it('finds the 22 faces of the demo photos shrunk into one 1920×1080 mosaic (faces ≈ 40 px) in one pass, where the SSD needs tiles', async () => {
    const { img, truth } = await demoMosaic();
    expect(truth).toHaveLength(22);
    expect(Math.min(...truth.map((t) => t[2]))).toBeLessThan(45);
    const def = await Likeness.create();
    const faces = (await def.detect(img)).faces;
    expect(found(faces.map((f) => f.box), truth)).toBe(22);
    expect(faces.length).toBeLessThanOrEqual(23); // at most the one non-face the annotation notes in sample4
    for (const f of faces) {
      for (const p of Object.values(f.points5)) expect(p.x >= f.box.x - 2 && p.x <= f.box.x + f.box.width + 2 && p.y >= f.box.y - 2 && p.y <= f.box.y + f.box.height + 2).toBe(true);
    }
    // the SSD misses most of them in one pass and finds more with tiles
    const ssdOne = found((await L.detect(img)).faces.map((f) => f.box), truth);
    const ssdTiles = found((await L.detect(img, { detection: { minFaceSize: 35 } })).faces.map((f) => f.box), truth);
    expect(ssdOne).toBeLessThan(22);
    expect(ssdTiles).toBeGreaterThan(ssdOne);
  });
});

describe('geometry helpers', () => {
  it('tiles cover the image with the requested overlap', () => {
    const t = tiles(1920, 1080, 640, 200);
    expect(t[0]).toEqual({ x: 0, y: 0 });
    expect(Math.max(...t.map((p) => p.x)) + 640).toBe(1920);
    expect(Math.max(...t.map((p) => p.y)) + 640).toBe(1080);
    const xs = [...new Set(t.map((p) => p.x))].sort((a, b) => a - b);
    for (let i = 1; i < xs.length; i++) expect(xs[i - 1]! + 640 - xs[i]!).toBeGreaterThanOrEqual(200);
    expect(tiles(500, 400, 640, 100)).toEqual([{ x: 0, y: 0 }]);
  });

  it('NMS keeps the best of overlapping boxes and both of disjoint ones', () => {
    const boxes = [
      { x: 0, y: 0, width: 10, height: 10 },
      { x: 1, y: 1, width: 10, height: 10 },
      { x: 50, y: 50, width: 10, height: 10 },
    ];
    expect(iou(boxes[0]!, boxes[1]!)).toBeCloseTo(81 / 119, 6);
    expect(nonMaxSuppression(boxes, [0.8, 0.9, 0.7], 0.5, 10)).toEqual([1, 2]);
    expect(nonMaxSuppression(boxes, [0.8, 0.9, 0.7], 0.68, 10)).toEqual([1, 2]);
    expect(nonMaxSuppression(boxes, [0.8, 0.9, 0.7], 0.69, 10)).toEqual([1, 0, 2]);
    expect(nonMaxSuppression(boxes, [0.8, 0.9, 0.7], 0.9, 1)).toEqual([1]);
  });
});
