/** A user's own ONNX file, described by a spec, runs through the unchanged pipeline. */
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidOptionError, ModelError } from '../src/errors.js';
import { defineEmbedder, Likeness, largestFirst } from '../src/index.js';
import { euclidean } from '../src/match/distance.js';
import { convertCached } from '../src/models/cache.js';
import { FACEAPI_CONVERSIONS, faceApiModelDir } from '../src/models/faceapi/index.js';
import { FACEAPI_DEMO } from './helpers/data.js';

describe('custom embedder from an ONNX file', () => {
  it('plugs in through defineEmbedder: own alignment template, normalisation and threshold', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'likeness-custom-'));
    const file = path.join(dir, 'my-embedder.onnx');
    await writeFile(file, (await convertCached(FACEAPI_CONVERSIONS.recognition, faceApiModelDir())).bytes);
    const spec = defineEmbedder({
      name: 'my-embedder',
      path: file,
      size: 150,
      mean: [122.782, 117.001, 104.298],
      std: [255, 255, 255],
      outputSize: 128,
      alignment: { template: 'five-point', padding: 0.25 },
      metric: 'cosine',
      threshold: { value: 0.2, calibration: 'test value' },
    });
    const L = await Likeness.create({ embedder: spec });
    expect(L.model.name).toBe('my-embedder');
    expect(L.threshold).toBe(0.2);
    const faces = (await L.embed(`${FACEAPI_DEMO}/sample1.jpg`)).faces;
    expect(faces).toHaveLength(3);
    for (const f of faces) expect(f.embedding).toHaveLength(128);
    const same = await L.verify(`${FACEAPI_DEMO}/sample2.jpg`, `${FACEAPI_DEMO}/sample2.jpg`);
    expect(same.metric).toBe('cosine');
    expect(same.distance).toBeLessThan(1e-6);
    // different faces in one photo are far apart under this model too
    expect(euclidean(faces[0]!.embedding, faces[1]!.embedding)).toBeGreaterThan(0.3);
    // encodings of another model are refused
    const def = await Likeness.create();
    const other = largestFirst((await def.embed(`${FACEAPI_DEMO}/sample2.jpg`)).faces)[0]!;
    expect(() => L.verifyEncodings(L.encoding(faces[0]!.embedding), def.encoding(other.embedding))).toThrow(/different models/);
  });

  it('rejects incomplete descriptions and unreadable files with typed errors', async () => {
    const base = { name: 'x', size: 112, mean: [0, 0, 0] as const, std: [1, 1, 1] as const, outputSize: 512, alignment: { template: 'five-point' as const, padding: 0 }, threshold: { value: 1, calibration: '' } };
    expect(() => defineEmbedder(base)).toThrow(InvalidOptionError);
    expect(() => defineEmbedder({ ...base, path: 'a.onnx', std: [0, 1, 1] })).toThrow(InvalidOptionError);
    await expect(Likeness.create({ embedder: defineEmbedder({ ...base, path: '/nonexistent/model.onnx' }) })).rejects.toBeInstanceOf(ModelError);
    await expect(Likeness.create({ embedder: defineEmbedder({ ...base, bytes: new Uint8Array([1, 2, 3]) }) })).rejects.toBeInstanceOf(ModelError);
  });
});
