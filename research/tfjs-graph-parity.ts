/**
 * Convert a tfjs graph model to ONNX and compare onnxruntime's outputs with tfjs' own execution of
 * the same model.json (cpu backend) on random input; print the op counts, max differences and the
 * onnxruntime time per image on one thread.
 *
 *   npx tsx research/tfjs-graph-parity.ts path/to/model.json [--nchw] [--no-track-layout] [--runs 50]
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import ort from 'onnxruntime-node';
import { convertGraphModel, readGraphModel } from '../src/models/tfjs-graph/index.js';

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith('--'));
if (!file) throw new Error('usage: tfjs-graph-parity.ts model.json [--nchw] [--no-track-layout] [--runs N]');
const nchw = args.includes('--nchw');
const trackLayout = !args.includes('--no-track-layout');
const runsArg = args.indexOf('--runs');
const runs = runsArg >= 0 ? Number(args[runsArg + 1]) : 30;

const { model, weights } = await readGraphModel(file);
const t0 = performance.now();
const conv = convertGraphModel(model, weights, { inputLayout: nchw ? 'nchw' : 'nhwc', trackLayout });
console.log(`converted ${path.basename(file)} in ${(performance.now() - t0).toFixed(0)} ms: ${conv.bytes.length} bytes`);
console.log('TF ops:', JSON.stringify(conv.ops));
console.log('inputs:', JSON.stringify(conv.inputs), 'outputs:', JSON.stringify(conv.outputs));

const session = await ort.InferenceSession.create(conv.bytes, { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' });
const inDims = conv.inputs[0]!.dims.map((d) => (typeof d === 'number' ? d : 1));
const n = inDims.reduce((a, b) => a * b, 1);
const data = new Float32Array(n);
let seed = 1;
for (let i = 0; i < n; i++) data[i] = ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 255;
const feeds = { [conv.inputs[0]!.name]: new ort.Tensor('float32', data, inDims) };
const res = await session.run(feeds);
const t1 = performance.now();
for (let i = 0; i < runs; i++) await session.run(feeds);
console.log(`onnxruntime, 1 thread: ${((performance.now() - t1) / runs).toFixed(2)} ms per image`);

// tfjs on the same model.json (NHWC input)
await tf.setBackend('cpu');
const dir = path.dirname(file);
const shards = await Promise.all(model.weightsManifest.flatMap((g) => g.paths).map((p) => readFile(path.join(dir, p))));
const total = Buffer.concat(shards);
const gm = await tf.loadGraphModel(
  tf.io.fromMemory({
    modelTopology: model.modelTopology,
    weightSpecs: model.weightsManifest.flatMap((g) => g.weights) as tf.io.WeightsManifestEntry[],
    weightData: total.buffer.slice(total.byteOffset, total.byteOffset + total.byteLength),
    format: model.format,
    generatedBy: model.generatedBy,
    convertedBy: model.convertedBy,
    ...(model.signature ? { signature: model.signature } : {}),
  } as tf.io.ModelArtifacts),
);
let nhwc = data;
let nhwcDims = inDims;
if (nchw) {
  const [b, c, h, w] = inDims as [number, number, number, number];
  nhwc = new Float32Array(n);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let k = 0; k < c; k++) nhwc[(y * w + x) * c + k] = data[(k * h + y) * w + x]!;
  nhwcDims = [b, h, w, c];
}
const input = tf.tensor(nhwc, nhwcDims);
const t2 = performance.now();
const outs = gm.execute(input, conv.outputs.map((o) => o.tensor)) as tf.Tensor | tf.Tensor[];
const list = Array.isArray(outs) ? outs : [outs];
console.log(`tfjs cpu: ${(performance.now() - t2).toFixed(0)} ms`);
for (let i = 0; i < conv.outputs.length; i++) {
  const o = conv.outputs[i]!;
  const ref = list[i]!.dataSync() as Float32Array;
  const got = res[o.name]!.data as Float32Array;
  let maxAbs = 0;
  let scale = 0;
  for (let k = 0; k < ref.length; k++) {
    maxAbs = Math.max(maxAbs, Math.abs(ref[k]! - got[k]!));
    scale = Math.max(scale, Math.abs(ref[k]!));
  }
  console.log(`${o.name}: ${ref.length} values (onnx ${got.length}), max |diff| ${maxAbs.toExponential(2)}, max |ref| ${scale.toExponential(2)}, relative ${(maxAbs / (scale || 1)).toExponential(2)}`);
}
