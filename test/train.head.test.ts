/**
 * Head mode on real encodings (the demo-photo people's training tree, test/helpers/demo-people.ts:
 * 8 people × 5 photos, as bbt had): a short run lowers the loss, the ONNX file
 * (pretrained ResNet + head) equals tfjs's head on the pretrained encoding, and the file plugs into
 * Likeness through embedderFromFile. Scratch parity: the exported small CNN equals its tfjs model.
 */
import * as tf from '@tensorflow/tfjs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Likeness, largestFirst } from '../src/index.js';
import { imageToTensor } from '../src/image/sample.js';
import { l2normalize } from '../src/match/distance.js';
import { embedderFromFile, NotALikenessModelError } from '../src/models/model-file.js';
import { convertCached } from '../src/models/cache.js';
import { FACEAPI_CONVERSIONS, faceApiModelDir } from '../src/models/faceapi/index.js';
import { scratchOnnx } from '../src/train/export-onnx.js';
import { Head, type HeadWeights } from '../src/train/head.js';
import { greyHalf, KERNEL1, patches, ScratchNet } from '../src/train/scratch.js';
import { saveModel, trainFromFolder } from '../src/train/train-folder.js';
import { useCpuBackend } from '../src/train/trainer.js';
import { demoPeople } from './helpers/demo-people.js';

const demo = await demoPeople();

let dir: string;
beforeAll(async () => {
  await useCpuBackend();
  dir = await mkdtemp(path.join(os.tmpdir(), 'likeness-train-'));
});

const [sheldon, penny] = demo.people as [string, string];
const photo = (who: string, n: number) => path.join(demo.trainDir, who, `${n}.jpg`);

describe('head training on the demo-photo people', () => {
  // dlib's ResNet (68-point template, 150 px, 128-d) and MobileFaceNet (ArcFace 5-point template,
  // 112 px, 192-d: the encoder `likeness train` uses by default, the default stack being a fusion).
  const bases = [
    { stack: 'dlib', engine: { model: 'dlib' }, size: 150, dims: 128, alignment: { template: 'dlib68', padding: 0.25 } },
    { stack: 'mobilefacenet', engine: undefined, size: 112, dims: 192, alignment: { template: 'arcface' } },
  ] as const;
  for (const b of bases) {
    it(`on ${b.stack}: lowers the loss, saves one ONNX model that equals tfjs head ∘ the network, and plugs into Likeness`, async () => {
      const r = await trainFromFolder({ dir: demo.trainDir, mode: 'head', mining: 'batch-all', alpha: 1, epochs: 4, patience: 10, people: 6, photos: 4, validationFraction: 0.25, seed: 3, learningRate: 3e-3, name: `demo-head-${b.stack}`, ...(b.engine ? { engine: b.engine } : {}) });
      const h = r.result.history;
      expect(h.map((e) => e.epoch)).toEqual([0, 1, 2, 3, 4]);
      expect(h[0]!.loss).toBeGreaterThan(0);
      expect(h.at(-1)!.loss).toBeLessThan(h[0]!.loss * 0.9);
      expect(h.at(-1)!.active).toBeLessThan(h[0]!.active);
      expect(r.people).toEqual({ train: 6, validation: 2, excluded: 0 });
      expect(r.result.best.valAccuracy).toBeGreaterThanOrEqual(h[0]!.valAccuracy);
      const file = path.join(dir, `demo-head-${b.stack}.onnx`);
      await saveModel(file, r.bytes);

      const spec = embedderFromFile(file);
      expect(spec).toMatchObject({ name: `demo-head-${b.stack}`, version: r.metadata.version, outputSize: b.dims, metric: 'euclidean', input: { size: b.size }, alignment: b.alignment });
      expect(spec.threshold.value).toBe(r.result.best.valThreshold);
      expect(spec.threshold.logistic).toEqual(r.logistic);
      expect(spec.threshold.calibration).toMatch(/validation people/);

      // Parity: the composed graph's output = tfjs head(normalised network output) on the same chips.
      const trained = await Likeness.create({ model: file });
      expect(trained.stack).toBe(`demo-head-${b.stack}`);
      const base = await Likeness.create({ model: b.stack });
      const chips = (await base.align(photo(sheldon, 1))).faces.map((f) => f.chip).concat((await base.align(photo(penny, 2))).faces.map((f) => f.chip));
      expect(chips[0]!.width).toBe(b.size);
      const baseRaw = (await base.network.raw(chips)).map(l2normalize);
      const head = Head.fromWeights(r.result.bestWeights as HeadWeights);
      const expected = head.apply(tf.tensor2d(baseRaw.flatMap((e) => Array.from(e)), [chips.length, b.dims])).arraySync();
      const got = await trained.network.raw(chips);
      let maxDiff = 0;
      got.forEach((g, i) => g.forEach((v, k) => (maxDiff = Math.max(maxDiff, Math.abs(v - expected[i]![k]!)))));
      expect(maxDiff).toBeLessThanOrEqual(1e-5);

      // The trained model verifies photos through the unchanged pipeline, with its own threshold and name.
      const same = await trained.verify(photo(sheldon, 1), photo(sheldon, 3));
      expect(same.model).toEqual({ name: `demo-head-${b.stack}`, version: r.metadata.version });
      expect(same.threshold).toBe(spec.threshold.value);
      expect(same.confidence).toBeGreaterThan(0);
      const e = largestFirst((await trained.embed(photo(penny, 1))).faces)[0]!.embedding;
      expect(() => trained.verifyEncodings(trained.encoding(e), base.encoding(e))).toThrow(/different models/);
    });
  }

  it('refuses to train a head on a fusion, naming the single-network stacks', async () => {
    await expect(trainFromFolder({ dir: demo.trainDir, mode: 'head', epochs: 1, engine: { model: 'fusion' } })).rejects.toThrow(/fuses several networks.*mobilefacenet/);
  });
});

describe('model files', () => {
  it('refuses files that are not likeness models with a typed error', async () => {
    const junk = path.join(dir, 'junk.onnx');
    await writeFile(junk, 'not a model');
    expect(() => embedderFromFile(junk)).toThrow(NotALikenessModelError);
    const plain = path.join(dir, 'plain.onnx');
    await writeFile(plain, (await convertCached(FACEAPI_CONVERSIONS.recognition, faceApiModelDir())).bytes);
    expect(() => embedderFromFile(plain)).toThrow(/no likeness.embedder/);
    expect(() => embedderFromFile(path.join(dir, 'missing.onnx'))).toThrow(/cannot read model/);
  });

  it('the scratch CNN exported to ONNX equals the tfjs model on real chips', async () => {
    const net = ScratchNet.create({ size: 64, seed: 5 });
    const w = net.weights();
    const meta = { format: 1 as const, name: 'scratch-parity', version: '1', size: 64, channelOrder: 'rgb' as const, layout: 'nchw' as const, mean: [127.5, 127.5, 127.5] as [number, number, number], std: [127.5, 127.5, 127.5] as [number, number, number], inputName: 'input', output: 'embedding', outputSize: 128, alignment: { template: 'dlib68' as const, padding: 0.25 }, metric: 'euclidean' as const, threshold: { value: 0.8, calibration: 'test' } };
    const file = path.join(dir, 'scratch.onnx');
    await saveModel(file, scratchOnnx(w, meta));
    const L = await Likeness.create({ embedder: embedderFromFile(file) });
    const { FACEAPI_DEMO } = await import('./helpers/data.js');
    const chips = (await L.align(path.join(FACEAPI_DEMO, 'sample1.jpg'))).faces.map((f) => f.chip);
    expect(chips.length).toBeGreaterThan(1);
    expect(chips[0]!.width).toBe(64);
    const got = await L.network.raw(chips);
    const per = 16 * 16 * KERNEL1 * KERNEL1;
    const x = new Float32Array(chips.length * per);
    chips.forEach((c, i) => {
      const t = new Float32Array(3 * 64 * 64);
      imageToTensor(c, L.network.spec.input, t);
      patches(greyHalf(t, 64), 32, false, x, i * per);
    });
    const expected = ScratchNet.fromWeights(w).apply(tf.tensor2d(x, [chips.length * 256, KERNEL1 * KERNEL1]), chips.length).arraySync();
    let maxDiff = 0;
    got.forEach((g, i) => g.forEach((v, k) => (maxDiff = Math.max(maxDiff, Math.abs(v - expected[i]![k]!)))));
    expect(maxDiff).toBeLessThanOrEqual(1e-5);
  });
});
