import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { EncodingMismatchError, FaceIndexError, NoFaceError } from '../src/errors.js';
import { Likeness, largestFirst } from '../src/likeness.js';
import { euclidean } from '../src/match/distance.js';
import { DATA, dataPath, FACEAPI_DEMO, hasData, skipMessage } from './helpers/data.js';
import { demoPeople } from './helpers/demo-people.js';

const demo = await demoPeople();

let L: Likeness;
beforeAll(async () => {
  L = await Likeness.create();
});

describe('pipeline on face-api demo photos', () => {
  it("finds every face with 68 landmarks inside its box and a unit-length encoding of the default stack's 320 dimensions", async () => {
    const a = await L.embed(`${FACEAPI_DEMO}/sample1.jpg`);
    expect(a.faces.length).toBe(3);
    for (const f of a.faces) {
      expect(f.score).toBeGreaterThan(0.5);
      expect(f.landmarks).toHaveLength(68);
      const inside = f.landmarks!.filter((p) => p.x >= f.box.x - 0.15 * f.box.width && p.x <= f.box.x + 1.15 * f.box.width && p.y >= f.box.y - 0.15 * f.box.height && p.y <= f.box.y + 1.15 * f.box.height);
      expect(inside.length).toBeGreaterThan(60);
      // the eye on the image's left is left of the other, and eyes are above the mouth
      expect(f.points5.leftEye.x).toBeLessThan(f.points5.rightEye.x);
      expect(f.points5.leftEye.y).toBeLessThan(f.points5.mouthLeft.y);
      expect(f.embedding).toHaveLength(320);
      expect(Math.hypot(...f.embedding)).toBeCloseTo(1, 5);
    }
  });

  it('aligns faces to chips of the stack\'s size with the eyes level (ArcFace 112 px; dlib 150 px)', async () => {
    const dlib = await Likeness.create({ model: 'dlib' });
    for (const [l, size] of [[L, 112], [dlib, 150]] as const) {
      const a = await l.align(`${FACEAPI_DEMO}/sample1.jpg`);
      expect(a.faces).toHaveLength(3);
      for (const f of a.faces) {
        expect([f.chip.width, f.chip.height]).toEqual([size, size]);
        const [m0, , , m3] = f.transform;
        // the transform maps the two eye centres to nearly the same chip row (5 % of the chip: the
        // ArcFace fit is least squares over five points, so a turned face's eyes need not be level)
        const ly = f.transform[3] * f.points5.leftEye.x + f.transform[4] * f.points5.leftEye.y + f.transform[5];
        const ry = f.transform[3] * f.points5.rightEye.x + f.transform[4] * f.points5.rightEye.y + f.transform[5];
        expect(Math.abs(ly - ry)).toBeLessThan(0.055 * size);
        expect(Math.hypot(m0, m3)).toBeGreaterThan(0.3);
      }
    }
  });

  it('the same photo encoded twice gives the same encoding, and a mirrored photo a close one', async () => {
    const file = `${FACEAPI_DEMO}/sample2.jpg`;
    const a = largestFirst((await L.embed(file)).faces)[0]!;
    const b = largestFirst((await L.embed(file)).faces)[0]!;
    expect(euclidean(a.embedding, b.embedding)).toBe(0);
    const mirrored = await sharp(file).flop().jpeg({ quality: 95 }).toBuffer();
    const c = largestFirst((await L.embed(mirrored)).faces)[0]!;
    // far inside the threshold (the stack's metric: cosine distance for the fusion)
    expect(L.verifyEncodings(a.embedding, c.embedding).distance).toBeLessThan(L.threshold / 3);
  });

  it('throws NoFaceError for a photo without a face, and FaceIndexError for a face it does not have', async () => {
    const blank = await sharp({ create: { width: 320, height: 240, channels: 3, background: { r: 90, g: 140, b: 200 } } }).png().toBuffer();
    await expect(L.verify(blank, `${FACEAPI_DEMO}/sample2.jpg`)).rejects.toBeInstanceOf(NoFaceError);
    await expect(L.verify(`${FACEAPI_DEMO}/sample2.jpg`, `${FACEAPI_DEMO}/sample2.jpg`, { faceA: 5 })).rejects.toBeInstanceOf(FaceIndexError);
  });

  it('verifies precomputed encodings, refuses other models and honours a threshold override', async () => {
    const a = largestFirst((await L.embed(`${FACEAPI_DEMO}/sample2.jpg`)).faces)[0]!;
    const b = largestFirst((await L.embed(`${FACEAPI_DEMO}/sample3.jpg`)).faces)[0]!;
    const d = L.verifyEncodings(a.embedding, b.embedding);
    const cos = a.embedding.reduce((acc, x, i) => acc + x * b.embedding[i]!, 0);
    expect(d.distance).toBeCloseTo(1 - cos, 6); // the default stack's metric is the cosine distance
    expect(L.verifyEncodings(a.embedding, b.embedding, { threshold: d.distance + 0.01 }).verified).toBe(true);
    expect(L.verifyEncodings(a.embedding, b.embedding, { threshold: d.distance - 0.01 }).verified).toBe(false);
    expect(L.verifyEncodings(a.embedding, Array.from(a.embedding)).distance).toBe(0);
    expect(() => L.verifyEncodings(L.encoding(a.embedding), { model: 'other-model', embedding: b.embedding })).toThrow(EncodingMismatchError);
    expect(() => L.verifyEncodings(a.embedding, b.embedding.slice(0, 64))).toThrow(EncodingMismatchError);
  });
});

/** The group photo has `faces` faces; each portrait's nearest is a different one of them, within the threshold. */
async function expectGroupMatches(groupPhoto: string, faces: number, ...portraits: string[]): Promise<void> {
  const group = await L.embed(groupPhoto);
  expect(group.faces.length).toBe(faces);
  const nearest = new Set<number>();
  for (const portrait of portraits) {
    const e = (await L.encodeOne(portrait)).embedding;
    const d = group.faces.map((f) => L.verifyEncodings(f.embedding, e).distance);
    const i = d.indexOf(Math.min(...d));
    expect(d[i]!, portrait).toBeLessThan(L.threshold);
    nearest.add(i);
  }
  expect(nearest.size).toBe(portraits.length);
}

describe('demo-photo people (test/helpers/demo-people.ts)', () => {
  it("finds every person in a group photo and matches two of them to their camera photos", async () => {
    // sample6.jpg's second and third faces, seen by a small mirrored camera
    await expectGroupMatches(demo.group, 4, demo.camera('sample6-1'), demo.camera('sample6-2'));
  });

  it('finds the face in 96×96 camera photos', async () => {
    for (const p of demo.people) {
      const small = await sharp(demo.camera(p)).resize(96, 96).jpeg({ quality: 80 }).toBuffer();
      expect((await L.detect(small)).faces.length, p).toBeGreaterThanOrEqual(1);
    }
  });

  it('verify(camera, own photo) accepts; verify(camera, someone else) rejects', async () => {
    const [p0, p1, p2] = demo.people as [string, string, string];
    expect((await L.verify(demo.camera(p0), demo.db(p0))).verified).toBe(true);
    expect((await L.verify(demo.camera(p1), demo.db(p1))).verified).toBe(true);
    expect((await L.verify(demo.camera(p2), demo.db(p0))).verified).toBe(false);
    expect((await L.verify(demo.camera(p2), demo.db(p2))).verified).toBe(true);
  });
});

// Real photos of the same people taken apart: accuracy checks on the research photos.
describe.skipIf(!hasData('press-photos'))(`press photos (${hasData('press-photos') ? DATA : skipMessage('press-photos')})`, () => {
  it('finds every person in a group photo (a third, smaller face behind them too) and matches the two to their single portraits', async () => {
    const p = (...f: string[]) => dataPath('press-photos', ...f);
    await expectGroupMatches(p('unlabelled', 'obama_and_biden.jpg'), 3, p('images', 'barack_obama', 'examples__obama.jpg'), p('images', 'joe_biden', 'examples__biden.jpg'));
  });

  it('the same person in two press photos verifies, two different people do not', async () => {
    const p = (id: string, f: string) => dataPath('press-photos', 'images', id, f);
    expect((await L.verify(p('barack_obama', 'examples__obama.jpg'), p('barack_obama', 'examples__obama2.jpg'))).verified).toBe(true);
    expect((await L.verify(p('kit_harington', 'examples__knn_examples__train__kit_harington__john1.jpeg'), p('kit_harington', 'examples__knn_examples__train__kit_harington__john2.jpeg'))).verified).toBe(true);
    expect((await L.verify(p('barack_obama', 'examples__obama.jpg'), p('joe_biden', 'examples__biden.jpg'))).verified).toBe(false);
    expect((await L.verify(p('rose_leslie', 'examples__knn_examples__train__rose_leslie__img1.jpg'), p('kit_harington', 'examples__knn_examples__train__kit_harington__john1.jpeg'))).verified).toBe(false);
  });
});

describe.skipIf(!hasData('seed-assignment'))(`seed exercise (${hasData('seed-assignment') ? DATA : skipMessage('seed-assignment')})`, () => {
  const p = (id: string, f: string) => dataPath('seed-assignment', 'images', id, f);
  it('finds the face in every 96×96 photo', async () => {
    for (const f of ['camera_3.jpg', 'camera_4.jpg', 'camera_5.jpg']) {
      expect((await L.detect(dataPath('seed-assignment', 'unlabelled', f))).faces.length).toBeGreaterThanOrEqual(1);
    }
  });
  it('verify(camera_0, younes) and verify(camera_1, bertrand) accept; verify(camera_2, kian) rejects', async () => {
    expect((await L.verify(p('younes', 'camera_0.jpg'), p('younes', 'younes_db.jpg'))).verified).toBe(true);
    expect((await L.verify(p('bertrand', 'camera_1.jpg'), p('bertrand', 'bertrand_db.jpg'))).verified).toBe(true);
    expect((await L.verify(p('benoit', 'camera_2.jpg'), p('kian', 'kian_db.jpg'))).verified).toBe(false);
    expect((await L.verify(p('benoit', 'camera_2.jpg'), p('benoit', 'benoit_db.jpg'))).verified).toBe(true);
  });
});
