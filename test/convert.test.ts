/** tfjs weight decoding and the ONNX conversion: exact, deterministic, cached where the user says. */
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cacheDir, convertCached } from '../src/models/cache.js';
import { FACEAPI_CONVERSIONS, faceApiModelDir } from '../src/models/faceapi/index.js';
import { decodeWeights, readTfjsWeights } from '../src/models/tfjs-weights.js';

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

describe('tfjs weight manifests', () => {
  it('dequantises uint8 (q·scale + min), uint16, float16, float32 and int32 in manifest order', () => {
    const groups = [
      {
        paths: ['a.bin'],
        weights: [
          { name: 'u8', shape: [3], dtype: 'float32' as const, quantization: { dtype: 'uint8' as const, scale: 0.5, min: -1 } },
          { name: 'f32', shape: [2], dtype: 'float32' as const },
          { name: 'u16', shape: [1], dtype: 'float32' as const, quantization: { dtype: 'uint16' as const, scale: 0.25, min: 2 } },
          { name: 'f16', shape: [2], dtype: 'float32' as const, quantization: { dtype: 'float16' as const } },
          { name: 'i32q', shape: [1], dtype: 'int32' as const, quantization: { dtype: 'uint8' as const, scale: 1, min: 3 } },
        ],
      },
    ];
    const buf = new Uint8Array(3 + 8 + 2 + 4 + 1);
    const v = new DataView(buf.buffer);
    buf.set([0, 1, 255], 0);
    v.setFloat32(3, 1.5, true);
    v.setFloat32(7, -2.25, true);
    v.setUint16(11, 8, true);
    v.setUint16(13, 0x3c00, true); // 1.0
    v.setUint16(15, 0xc000, true); // -2.0
    buf[17] = 5;
    const w = decodeWeights(groups, [buf]);
    expect(Array.from(w.get('u8')!.data)).toEqual([-1, -0.5, 126.5]);
    expect(Array.from(w.get('f32')!.data)).toEqual([1.5, -2.25]);
    expect(Array.from(w.get('u16')!.data)).toEqual([4]);
    expect(Array.from(w.get('f16')!.data)).toEqual([1, -2]);
    expect(Array.from(w.get('i32q')!.data)).toEqual([8]);
    expect(() => decodeWeights(groups, [buf.subarray(0, 10)])).toThrow(/too short/);
  });

  it("reads face-api's shipped manifests completely (every byte of every shard is used)", async () => {
    const { weights } = await readTfjsWeights(path.join(faceApiModelDir(), FACEAPI_CONVERSIONS.recognition.manifest));
    expect(weights.get('fc')!.shape).toEqual([256, 128]);
    expect(weights.size).toBe(117);
  });
});

describe('ONNX conversion', () => {
  it('is deterministic byte for byte and cached in $LIKENESS_CACHE_DIR', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'likeness-cache-'));
    const prev = process.env.LIKENESS_CACHE_DIR;
    process.env.LIKENESS_CACHE_DIR = dir;
    try {
      expect(cacheDir()).toBe(dir);
      for (const conv of Object.values(FACEAPI_CONVERSIONS)) {
        const built = await convertCached(conv, faceApiModelDir(), dir);
        const again = conv.build((await readTfjsWeights(path.join(faceApiModelDir(), conv.manifest))).weights);
        expect(sha(again)).toBe(built.sha256);
        expect(sha(new Uint8Array(await readFile(built.path)))).toBe(built.sha256);
      }
      const files = (await readdir(dir)).sort();
      expect(files.map((f) => f.replace(/-[0-9a-f]{16}\.onnx$/, ''))).toEqual(['faceapi-landmark68', 'faceapi-recognition-resnet', 'faceapi-ssd-mobilenetv1']);
    } finally {
      if (prev === undefined) delete process.env.LIKENESS_CACHE_DIR;
      else process.env.LIKENESS_CACHE_DIR = prev;
    }
  });
});
