/**
 * The tfjs graph model → ONNX converter on small graphs built here as model.json objects, checked
 * against TensorFlow.js itself (cpu backend, tf.loadGraphModel on the same model.json) on random
 * inputs: every output within 1e-4.
 */
import * as tf from '@tensorflow/tfjs';
import ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { ModelError } from '../src/errors.js';
import { convertGraphModel, SUPPORTED_OPS, type GraphConversionOptions, type TfAttrValue, type TfjsGraphModelJson, type TfNode } from '../src/models/tfjs-graph/index.js';
import { decodeWeights, type TfjsWeightSpec } from '../src/models/tfjs-weights.js';

// ---------------------------------------------------------------------------------------------
// a tiny GraphDef writer

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
const A = {
  s: (v: string): TfAttrValue => ({ s: b64(v) }),
  i: (v: number): TfAttrValue => ({ i: String(v) }),
  f: (v: number): TfAttrValue => ({ f: v }),
  b: (v: boolean): TfAttrValue => ({ b: v }),
  ints: (v: number[]): TfAttrValue => ({ list: { i: v.map(String) } }),
  strs: (v: string[]): TfAttrValue => ({ list: { s: v.map(b64) } }),
  type: (t = 'DT_FLOAT'): TfAttrValue => ({ type: t }),
};

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

class Graph {
  readonly nodes: TfNode[] = [];
  private readonly specs: TfjsWeightSpec[] = [];
  private readonly chunks: Uint8Array[] = [];
  private readonly rand: () => number;

  constructor(seed = 1) {
    this.rand = rng(seed);
  }

  placeholder(name: string, shape: number[]): string {
    this.nodes.push({ name, op: 'Placeholder', attr: { dtype: A.type(), shape: { shape: { dim: shape.map((d) => ({ size: String(d) })) } } } });
    return name;
  }

  /** A float32 constant; random in [lo, hi) when no data is given. */
  const(name: string, shape: number[], data?: number[], lo = -1, hi = 1): string {
    const n = shape.reduce((a, b) => a * b, 1);
    const values = Float32Array.from(data ?? Array.from({ length: n }, () => lo + (hi - lo) * this.rand()));
    this.nodes.push({ name, op: 'Const', attr: { dtype: A.type(), value: { tensor: { dtype: 'DT_FLOAT', tensorShape: { dim: shape.map((d) => ({ size: String(d) })) } } } } });
    this.specs.push({ name, shape, dtype: 'float32' });
    this.chunks.push(new Uint8Array(values.buffer));
    return name;
  }

  int(name: string, shape: number[], data: number[]): string {
    this.nodes.push({ name, op: 'Const', attr: { dtype: A.type('DT_INT32'), value: { tensor: { dtype: 'DT_INT32', tensorShape: { dim: shape.map((d) => ({ size: String(d) })) } } } } });
    this.specs.push({ name, shape, dtype: 'int32' });
    this.chunks.push(new Uint8Array(Int32Array.from(data).buffer));
    return name;
  }

  /** A float constant stored uint8-quantised (value = q·scale + min), as tfjs' converter writes. */
  quantized(name: string, shape: number[]): string {
    const n = shape.reduce((a, b) => a * b, 1);
    const q = Uint8Array.from({ length: n }, () => Math.floor(this.rand() * 256));
    this.nodes.push({ name, op: 'Const', attr: { dtype: A.type(), value: { tensor: { dtype: 'DT_FLOAT', tensorShape: { dim: shape.map((d) => ({ size: String(d) })) } } } } });
    this.specs.push({ name, shape, dtype: 'float32', quantization: { dtype: 'uint8', scale: 0.01, min: -1.2 } });
    this.chunks.push(q);
    return name;
  }

  op(op: string, name: string, input: string[], attr: Record<string, TfAttrValue> = {}): string {
    this.nodes.push({ name, op, input, attr: { T: A.type(), ...attr } });
    return name;
  }

  build(): { json: TfjsGraphModelJson; bin: Uint8Array } {
    const total = this.chunks.reduce((n, c) => n + c.byteLength, 0);
    const bin = new Uint8Array(total);
    let o = 0;
    for (const c of this.chunks) {
      bin.set(c, o);
      o += c.byteLength;
    }
    const json: TfjsGraphModelJson = {
      format: 'graph-model',
      generatedBy: 'test',
      convertedBy: 'test',
      modelTopology: { node: this.nodes, library: {}, versions: {} },
      weightsManifest: [{ paths: ['w.bin'], weights: this.specs }],
    };
    return { json, bin };
  }
}

const conv2d = (padding: string, strides = [1, 1, 1, 1], dilations = [1, 1, 1, 1]): Record<string, TfAttrValue> => ({
  padding: A.s(padding),
  strides: A.ints(strides),
  dilations: A.ints(dilations),
  data_format: A.s('NHWC'),
});

// ---------------------------------------------------------------------------------------------
// running both sides

beforeAll(async () => {
  await tf.setBackend('cpu');
});

async function runTfjs(json: TfjsGraphModelJson, bin: Uint8Array, input: Float32Array, shape: number[], outputs: string[]): Promise<Float32Array[]> {
  const model = await tf.loadGraphModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest.flatMap((g) => g.weights) as tf.io.WeightsManifestEntry[],
      weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) as ArrayBuffer,
      format: 'graph-model',
    } as tf.io.ModelArtifacts),
  );
  const x = tf.tensor(input, shape);
  const out = model.execute(x, outputs) as tf.Tensor | tf.Tensor[];
  const list = Array.isArray(out) ? out : [out];
  const result = list.map((t) => Float32Array.from(t.dataSync()));
  tf.dispose([x, ...list]);
  model.dispose();
  return result;
}

async function runOnnx(bytes: Uint8Array, input: Float32Array, dims: number[], outputs: string[]): Promise<{ data: Float32Array; dims: readonly number[] }[]> {
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, graphOptimizationLevel: 'all' });
  const res = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', input, dims) });
  await session.release();
  return outputs.map((o) => ({ data: res[o]!.data as Float32Array, dims: res[o]!.dims }));
}

const toNchw = (x: Float32Array, [n, h, w, c]: number[]): Float32Array => {
  const out = new Float32Array(x.length);
  for (let b = 0; b < n!; b++)
    for (let y = 0; y < h!; y++) for (let i = 0; i < w!; i++) for (let k = 0; k < c!; k++) out[((b * c! + k) * h! + y) * w! + i] = x[((b * h! + y) * w! + i) * c! + k]!;
  return out;
};

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/**
 * Convert the graph, run it in onnxruntime (in each layout mode) and in tfjs on the same random
 * input, and compare every output. Returns the largest difference.
 */
async function parity(g: Graph, input: { shape: number[]; lo?: number; hi?: number }, outputs: string[], options: GraphConversionOptions = {}): Promise<number> {
  const { json, bin } = g.build();
  const weights = decodeWeights(json.weightsManifest, [bin]);
  const r = rng(99);
  const lo = input.lo ?? -2;
  const hi = input.hi ?? 2;
  const x = Float32Array.from({ length: input.shape.reduce((a, b) => a * b, 1) }, () => lo + (hi - lo) * r());
  const expected = await runTfjs(json, bin, x, input.shape, outputs);
  const named = Object.fromEntries(outputs.map((o, i) => [`out${i}`, o]));
  let worst = 0;
  const modes: GraphConversionOptions[] = [{}, { trackLayout: false }, ...(input.shape.length === 4 ? [{ inputLayout: 'nchw' as const }] : [])];
  for (const mode of modes) {
    const conv = convertGraphModel(json, weights, { ...options, ...mode, outputs: named });
    const nchw = mode.inputLayout === 'nchw';
    const dims = nchw ? [input.shape[0]!, input.shape[3]!, input.shape[1]!, input.shape[2]!] : input.shape;
    const got = await runOnnx(conv.bytes, nchw ? toNchw(x, input.shape) : x, dims, Object.keys(named));
    got.forEach((o, i) => {
      const d = maxAbsDiff(o.data, expected[i]!);
      worst = Math.max(worst, d);
      expect(d, `${outputs[i]} (${JSON.stringify(mode)})`).toBeLessThan(1e-4);
    });
  }
  return worst;
}

// ---------------------------------------------------------------------------------------------

describe('tfjs graph model → ONNX', () => {
  it('Conv2D (SAME, stride 2) + BiasAdd + Relu, _FusedConv2D (VALID, dilated, BiasAdd + Relu6), EXPLICIT padding', async () => {
    const g = new Graph(1);
    const x = g.placeholder('x', [-1, 13, 11, 3]);
    const c1 = g.op('Conv2D', 'c1', [x, g.const('w1', [3, 3, 3, 8])], conv2d('SAME', [1, 2, 2, 1]));
    const r1 = g.op('Relu', 'r1', [g.op('BiasAdd', 'b1', [c1, g.const('bias1', [8])], { data_format: A.s('NHWC') })]);
    const f2 = g.op('_FusedConv2D', 'f2', [r1, g.const('w2', [3, 2, 8, 5]), g.const('bias2', [5])], {
      ...conv2d('VALID', [1, 1, 1, 1], [1, 2, 1, 1]),
      fused_ops: A.strs(['BiasAdd', 'Relu6']),
      num_args: A.i(1),
    });
    const e3 = g.op('Conv2D', 'e3', [f2, g.const('w3', [2, 2, 5, 4])], {
      ...conv2d('EXPLICIT', [1, 1, 2, 1]),
      explicit_paddings: A.ints([0, 0, 1, 2, 0, 1, 0, 0]),
    });
    expect(await parity(g, { shape: [2, 13, 11, 3] }, [f2, e3])).toBeLessThan(1e-4);
  });

  it('DepthwiseConv2dNative (multiplier 2, SAME, stride 2) and FusedDepthwiseConv2dNative with BiasAdd + Prelu', async () => {
    const g = new Graph(2);
    const x = g.placeholder('x', [-1, 9, 10, 4]);
    const d1 = g.op('DepthwiseConv2dNative', 'd1', [x, g.const('k1', [3, 3, 4, 2])], conv2d('SAME', [1, 2, 2, 1]));
    const d2 = g.op('FusedDepthwiseConv2dNative', 'd2', [d1, g.const('k2', [3, 3, 8, 1]), g.const('bias', [8]), g.const('alpha', [8], undefined, 0, 0.5)], {
      ...conv2d('SAME'),
      fused_ops: A.strs(['BiasAdd', 'Prelu']),
      num_args: A.i(2),
    });
    expect(await parity(g, { shape: [1, 9, 10, 4] }, [d1, d2])).toBeLessThan(1e-4);
  });

  it('MaxPool and AvgPool with SAME padding (TF excludes the padding from averages)', async () => {
    const g = new Graph(3);
    const x = g.placeholder('x', [-1, 7, 8, 3]);
    const pool = (s: number, k: number): Record<string, TfAttrValue> => ({ ksize: A.ints([1, k, k, 1]), strides: A.ints([1, s, s, 1]), padding: A.s('SAME'), data_format: A.s('NHWC') });
    const m = g.op('MaxPool', 'm', [x], pool(2, 3));
    const a = g.op('AvgPool', 'a', [x], pool(2, 3));
    const v = g.op('AvgPool', 'v', [x], { ...pool(1, 2), padding: A.s('VALID') });
    expect(await parity(g, { shape: [2, 7, 8, 3] }, [m, a, v])).toBeLessThan(1e-4);
  });

  it('_FusedMatMul (BiasAdd + Relu, transpose_b) and MatMul after a Reshape of an NHWC tensor', async () => {
    const g = new Graph(4);
    const x = g.placeholder('x', [-1, 4, 3, 5]);
    const c = g.op('Conv2D', 'c', [x, g.const('w', [1, 1, 5, 6])], conv2d('SAME'));
    const flat = g.op('Reshape', 'flat', [c, g.int('shape', [2], [-1, 72])], { Tshape: A.type('DT_INT32') });
    const fc = g.op('_FusedMatMul', 'fc', [flat, g.const('k', [10, 72]), g.const('b', [10])], {
      transpose_a: A.b(false),
      transpose_b: A.b(true),
      fused_ops: A.strs(['BiasAdd', 'Relu']),
      num_args: A.i(1),
      epsilon: A.f(0),
    });
    const mm = g.op('MatMul', 'mm', [fc, g.const('k2', [10, 3])], { transpose_a: A.b(false), transpose_b: A.b(false) });
    expect(await parity(g, { shape: [3, 4, 3, 5] }, [fc, mm])).toBeLessThan(1e-4);
  });

  it('Pad, PadV2, MirrorPad, Mean/Sum/Max with and without keep_dims', async () => {
    const g = new Graph(5);
    const x = g.placeholder('x', [-1, 5, 6, 3]);
    const c = g.op('Conv2D', 'c', [x, g.const('w', [1, 1, 3, 4])], conv2d('SAME'));
    const p = g.op('Pad', 'p', [c, g.int('pads', [4, 2], [0, 0, 1, 2, 2, 1, 0, 0])], { Tpaddings: A.type('DT_INT32') });
    const pv = g.op('PadV2', 'pv', [c, g.int('pads2', [4, 2], [0, 0, 0, 1, 1, 0, 0, 2]), g.const('pv_value', [], [0.5])], { Tpaddings: A.type('DT_INT32') });
    const mp = g.op('MirrorPad', 'mp', [c, g.int('pads3', [4, 2], [0, 0, 2, 1, 1, 2, 0, 0])], { mode: A.s('REFLECT'), Tpaddings: A.type('DT_INT32') });
    const red = (op: string, name: string, src: string, axes: number[], keep: boolean): string =>
      g.op(op, name, [src, g.int(`${name}_axes`, [axes.length], axes)], { keep_dims: A.b(keep), Tidx: A.type('DT_INT32') });
    const m1 = red('Mean', 'm1', p, [1, 2], false);
    const m2 = red('Mean', 'm2', pv, [1, 2], true);
    const s1 = red('Sum', 's1', mp, [3], false);
    const s2 = red('Sum', 's2', mp, [-1], true);
    const x1 = red('Max', 'x1', p, [2], false);
    expect(await parity(g, { shape: [2, 5, 6, 3] }, [p, pv, mp, m1, m2, s1, s2, x1])).toBeLessThan(1e-4);
  });

  it('ConcatV2 on channels, Pack, Squeeze, ExpandDims, Transpose, StridedSlice, Slice, Shape-driven Reshape', async () => {
    const g = new Graph(6);
    const x = g.placeholder('x', [-1, 4, 4, 2]);
    const a = g.op('Conv2D', 'a', [x, g.const('wa', [1, 1, 2, 3])], conv2d('SAME'));
    const b = g.op('Conv2D', 'b', [x, g.const('wb', [3, 3, 2, 5])], conv2d('SAME'));
    const cat = g.op('ConcatV2', 'cat', [a, b, g.int('axis', [], [-1])], { N: A.i(2), Tidx: A.type('DT_INT32') });
    const tr = g.op('Transpose', 'tr', [cat, g.int('perm', [4], [0, 3, 1, 2])], { Tperm: A.type('DT_INT32') });
    const ss = g.op('StridedSlice', 'ss', [tr, g.int('sb', [4], [0, 1, 0, 3]), g.int('se', [4], [0, 7, 4, 0]), g.int('st', [4], [1, 2, 1, -1])], {
      Index: A.type('DT_INT32'),
      begin_mask: A.i(1),
      end_mask: A.i(9),
      ellipsis_mask: A.i(0),
      new_axis_mask: A.i(0),
      shrink_axis_mask: A.i(0),
    });
    const sl = g.op('Slice', 'sl', [cat, g.int('slb', [4], [0, 1, 0, 2]), g.int('sls', [4], [-1, 2, -1, 4])], { Index: A.type('DT_INT32') });
    // the usual dynamic flatten: reshape(x, [shape(x)[0], -1])
    const shape = g.op('Shape', 'shape', [sl], { out_type: A.type('DT_INT32') });
    const batch = g.op('StridedSlice', 'batch', [shape, g.int('b0', [1], [0]), g.int('b1', [1], [1]), g.int('b2', [1], [1])], {
      T: A.type('DT_INT32'),
      Index: A.type('DT_INT32'),
      begin_mask: A.i(0),
      end_mask: A.i(0),
      ellipsis_mask: A.i(0),
      new_axis_mask: A.i(0),
      shrink_axis_mask: A.i(1),
    });
    const target = g.op('Pack', 'target', [batch, g.int('minus1', [], [-1])], { T: A.type('DT_INT32'), N: A.i(2), axis: A.i(0) });
    const flat = g.op('Reshape', 'flat', [sl, target], { Tshape: A.type('DT_INT32') });
    const ex = g.op('ExpandDims', 'ex', [flat, g.int('exaxis', [], [1])], { Tdim: A.type('DT_INT32') });
    const sq = g.op('Squeeze', 'sq', [ex], { squeeze_dims: A.ints([1]) });
    const pk = g.op('Pack', 'pk', [sq, sq], { N: A.i(2), axis: A.i(1) });
    expect(await parity(g, { shape: [2, 4, 4, 2] }, [cat, tr, ss, sl, flat, pk])).toBeLessThan(1e-4);
  });

  it('element-wise ops, clamp chains, an L2 normalisation, FusedBatchNormV3, softmax and activations', async () => {
    const g = new Graph(7);
    const x = g.placeholder('x', [-1, 6, 5, 4]);
    const c = g.op('Conv2D', 'c', [x, g.const('w', [3, 3, 4, 4])], conv2d('SAME'));
    // relu6 as Keras writes it: Relu → Minimum(6) → Maximum(0)
    const r6 = g.op('Maximum', 'r6', [g.op('Minimum', 'mn', [g.op('Relu', 'r', [c]), g.const('six', [], [6])]), g.const('zero', [], [0])]);
    // PReLU as MXNet exports write it: max(0, x) + gamma · min(0, x)
    const pr = g.op('AddV2', 'pr', [g.op('Maximum', 'pmax', [g.const('pz', [], [0]), c]), g.op('Mul', 'pmul', [g.const('gamma', [4], undefined, 0, 0.3), g.op('Minimum', 'pmin', [g.const('pz2', [], [0]), c])])]);
    const bn = g.op('FusedBatchNormV3', 'bn', [pr, g.const('scale', [4]), g.const('offset', [4]), g.const('mean', [4]), g.const('var', [4], undefined, 0.5, 2)], {
      epsilon: A.f(0.001),
      data_format: A.s('NHWC'),
      is_training: A.b(false),
      U: A.type(),
    });
    const arith = g.op('RealDiv', 'div', [g.op('Sub', 'sub', [bn, g.const('m', [1, 1, 4])]), g.op('Add', 'den', [g.op('Abs', 'abs', [r6]), g.const('one', [], [1])])]);
    const act = g.op('AddN', 'addn', [g.op('Sigmoid', 'sig', [arith]), g.op('Tanh', 'tanh', [arith]), g.op('LeakyRelu', 'lrelu', [arith], { alpha: A.f(0.1) }), g.op('Elu', 'elu', [arith]), g.op('Neg', 'neg', [g.op('Exp', 'exp', [g.op('Mul', 'small', [arith, g.const('tenth', [], [0.1])])])])], { N: A.i(5) });
    const sq = g.op('Square', 'sq', [act]);
    const ss = g.op('Sum', 'ss', [sq, g.int('ax', [1], [3])], { keep_dims: A.b(true), Tidx: A.type('DT_INT32') });
    const l2 = g.op('Mul', 'l2', [act, g.op('Rsqrt', 'rs', [g.op('Maximum', 'eps', [ss, g.const('epsv', [], [1e-10])])])]);
    const sm = g.op('Softmax', 'sm', [l2]);
    const sqd = g.op('SquaredDifference', 'sqd', [l2, g.op('Sqrt', 'sqrt', [g.op('Abs', 'a2', [c])])]);
    const fdiv = g.op('FloorDiv', 'fdiv', [c, g.const('q', [4], [0.7, -0.3, 1.1, 0.45])]);
    expect(await parity(g, { shape: [2, 6, 5, 4] }, [r6, pr, bn, arith, act, l2, sm, sqd, fdiv])).toBeLessThan(1e-4);
  });

  it('broadcasts lower-rank computed tensors against NCHW ones (reshape, or reshape + transpose)', async () => {
    const g = new Graph(12);
    const x = g.placeholder('x', [-1, 4, 3, 2]);
    const c = g.op('Conv2D', 'c', [x, g.const('w', [3, 3, 2, 2])], conv2d('SAME'));
    const red = (name: string, axes: number[]): string => g.op('Sum', name, [c, g.int(`${name}_axes`, [axes.length], axes)], { keep_dims: A.b(false), Tidx: A.type('DT_INT32') });
    const hwc = red('hwc', [0]); // [4, 3, 2]: C moves before H, W → reshape + transpose
    const ch = red('ch', [0, 1, 2]); // [2]: a reshape is enough
    const y = g.op('Mul', 'y', [g.op('Add', 'a', [c, hwc]), ch]);
    expect(await parity(g, { shape: [2, 4, 3, 2] }, [y])).toBeLessThan(1e-4);
  });

  it('dequantises uint8 weights like tfjs and folds constant sub-graphs', async () => {
    const g = new Graph(8);
    const x = g.placeholder('x', [-1, 5, 5, 2]);
    const w = g.quantized('wq', [3, 3, 2, 3]);
    // a constant sub-graph: w · 0.5 + 0.1 (folded at conversion time)
    const wf = g.op('AddV2', 'wf', [g.op('Mul', 'wm', [w, g.const('half', [], [0.5])]), g.const('tenth', [], [0.1])]);
    const c = g.op('Conv2D', 'c', [x, wf], conv2d('SAME'));
    expect(await parity(g, { shape: [1, 5, 5, 2] }, [c])).toBeLessThan(1e-4);
  });

  it('names every unsupported op at once, and converts only what the outputs need', () => {
    const g = new Graph(9);
    const x = g.placeholder('x', [-1, 4]);
    const ok = g.op('Relu', 'ok', [x]);
    g.op('Einsum', 'bad1', [x, x], { equation: A.s('ij,ij->i') });
    g.op('Cumsum', 'bad2', [x, g.int('axis', [], [1])]);
    g.op('Einsum', 'bad3', [x, x], { equation: A.s('ij,ij->i') });
    const { json, bin } = g.build();
    const weights = decodeWeights(json.weightsManifest, [bin]);
    let error: unknown;
    try {
      convertGraphModel(json, weights);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ModelError);
    expect((error as Error).message).toMatch(/unsupported TensorFlow ops: Einsum \(2 nodes, e\.g\. "bad1"\); Cumsum \(1 node, e\.g\. "bad2"\)/);
    // the unsupported branches are not needed for "ok"
    expect(convertGraphModel(json, weights, { outputs: { y: ok } }).outputs).toEqual([{ name: 'y', tensor: 'ok', dims: ['N', 4] }]);
    expect(SUPPORTED_OPS).toContain('FusedDepthwiseConv2dNative');
    expect(SUPPORTED_OPS).not.toContain('Einsum');
  });

  it('fails with a ModelError naming the node for unsupported attributes and non-constant filters', () => {
    const g = new Graph(10);
    const x = g.placeholder('x', [-1, 4, 4, 2]);
    g.op('Conv2D', 'nchw', [x, g.const('w', [1, 1, 2, 2])], { ...conv2d('SAME'), data_format: A.s('NCHW') });
    g.op('Conv2D', 'dyn', [x, x], conv2d('SAME'));
    const { json, bin } = g.build();
    const weights = decodeWeights(json.weightsManifest, [bin]);
    expect(() => convertGraphModel(json, weights, { outputs: { y: 'nchw' } })).toThrow(/node "nchw" \(Conv2D\): data_format NCHW is not supported/);
    expect(() => convertGraphModel(json, weights, { outputs: { y: 'dyn' } })).toThrow(/node "dyn" \(Conv2D\): filter must be a constant/);
  });

  it('is deterministic byte for byte and keeps NCHW between ops (no transposes in a conv chain)', () => {
    const g = new Graph(11);
    const x = g.placeholder('x', [-1, 8, 8, 3]);
    const c1 = g.op('Conv2D', 'c1', [x, g.const('w1', [3, 3, 3, 4])], conv2d('SAME'));
    const r = g.op('Relu', 'r', [g.op('Add', 'a', [g.op('Mul', 'm', [c1, g.const('s', [4])]), g.const('o', [4])])]);
    const d = g.op('DepthwiseConv2dNative', 'd', [r, g.const('k', [3, 3, 4, 1])], conv2d('SAME'));
    const mean = g.op('Mean', 'mean', [d, g.int('axes', [2], [1, 2])], { keep_dims: A.b(false), Tidx: A.type('DT_INT32') });
    const { json, bin } = g.build();
    const weights = decodeWeights(json.weightsManifest, [bin]);
    const one = convertGraphModel(json, weights, { inputLayout: 'nchw', outputs: { y: mean } });
    const two = convertGraphModel(json, weights, { inputLayout: 'nchw', outputs: { y: mean } });
    expect(Buffer.from(one.bytes).equals(Buffer.from(two.bytes))).toBe(true);
    const text = Buffer.from(one.bytes).toString('latin1');
    expect(text).not.toContain('Transpose');
    expect(one.inputs).toEqual([{ name: 'x', dims: ['N', 3, 8, 8] }]);
    expect(one.ops).toMatchObject({ Conv2D: 1, DepthwiseConv2dNative: 1, Mean: 1 });
  });
});
