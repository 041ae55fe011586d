/**
 * One emitter per TensorFlow op: (context, node, input values) → output value(s). Constant inputs
 * are folded in JS where the op is cheap to evaluate (shape arithmetic, casts, element-wise math on
 * weights); everything else becomes ONNX nodes. See context.ts for the layout rules.
 */
import { depthwiseToOihw, hwioToOihw } from '../onnx/layers.js';
import { attrBool, attrFloat, attrInt, attrInts, attrString, attrStrings, attrType } from './attrs.js';
import { constant, dynamic, isConst, NCHW_AXIS, NHWC_TO_NCHW, onnxElemType, tfDType, type Context, type DType, type Layout, type Value } from './context.js';
import { broadcastMap, broadcastShapes, concatData, invertPerm, isIdentityPerm, size, sliceData, transposeData } from './tensor.js';
import type { TfNode } from './types.js';

export type Emitter = (c: Context, node: TfNode, inputs: Value[]) => Value | Value[];

/** Large enough to mean "to the end" for ONNX Slice, exact as a double. */
const INT_MAX = 2 ** 31 - 1;

// ---------------------------------------------------------------------------------------------
// helpers

function arity(c: Context, inputs: Value[], n: number): void {
  if (inputs.length < n) c.fail(`expects ${n} inputs, got ${inputs.length}`);
}

/** The data of an input that must be known at conversion time. */
function constData(c: Context, v: Value | undefined, what: string): Float64Array {
  if (!v) c.fail(`missing ${what}`);
  if (!isConst(v)) c.fail(`${what} must be a constant`);
  return v.data;
}

function constInts(c: Context, v: Value | undefined, what: string): number[] {
  return Array.from(constData(c, v, what));
}

function normAxis(c: Context, axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!(a >= 0 && a < rank)) c.fail(`axis ${axis} out of range for rank ${rank}`);
  return a;
}

const fullyKnown = (shape: readonly number[]): boolean => shape.every((d) => d >= 0);

function castValue(x: number, dtype: DType): number {
  if (dtype === 'float32') return Math.fround(x);
  if (dtype === 'bool') return x ? 1 : 0;
  return Math.trunc(x);
}

/** Output value of an op computed in `layout` (rank-4 NCHW results keep their NCHW name). */
function result(c: Context, name: string, shape: readonly number[], dtype: DType, layout: Layout): Value {
  if (layout === 'nchw' && !c.trackLayout) return dynamic(c.g.op('Transpose', [name], { perm: { ints: [0, 2, 3, 1] } }), shape, dtype);
  return dynamic(name, shape, dtype, layout);
}

/** Layout for an op on `x` that works in either layout. */
const layoutOf = (c: Context, x: Value): Layout => (c.hasNchw(x) ? 'nchw' : 'nhwc');

// ---------------------------------------------------------------------------------------------
// element-wise

type Fold = (...xs: number[]) => number;

/**
 * A broadcasting element-wise op over any number of operands, folded when all are constant,
 * computed in NCHW when its output is rank 4 and an operand is already NCHW.
 */
function elementwise(c: Context, inputs: readonly Value[], build: (names: string[]) => string, fold: Fold | undefined, dtype?: DType): Value {
  const shape = broadcastShapes(inputs.map((v) => v.shape));
  if (!shape) c.fail(`shapes ${inputs.map((v) => `[${v.shape.join(',')}]`).join(' and ')} do not broadcast`);
  const outType = dtype ?? inputs[0]!.dtype;
  if (fold && inputs.every(isConst) && inputs.every((v) => fullyKnown(v.shape))) {
    const r = broadcastMap(inputs as readonly { shape: readonly number[]; data: Float64Array }[], fold);
    return constant(r.shape, outType, r.data.map((x) => castValue(x, outType)));
  }
  if (shape.length === 4 && inputs.some((v) => c.hasNchw(v)) && inputs.every((v) => c.canBroadcastNchw(v))) {
    return result(c, build(inputs.map((v) => c.broadcastOperandNchw(v))), shape, outType, 'nchw');
  }
  return dynamic(build(inputs.map((v) => c.nhwc(v))), shape, outType);
}

function unary(onnx: string | ((c: Context, x: string) => string), fold?: Fold): Emitter {
  return (c, _node, inputs) => {
    arity(c, inputs, 1);
    const build = typeof onnx === 'string' ? (n: string[]) => c.g.op(onnx, n) : (n: string[]) => onnx(c, n[0]!);
    return elementwise(c, inputs.slice(0, 1), build, fold);
  };
}

function binary(onnx: string, fold: Fold): Emitter {
  return (c, _node, inputs) => {
    arity(c, inputs, 2);
    return elementwise(c, inputs.slice(0, 2), (n) => c.g.op(onnx, n), fold);
  };
}

const isScalarConst = (v: Value): boolean => isConst(v) && v.data.length === 1;

/**
 * clip(x, lo, hi) as a pending clamp (see Value.clamp): clamps of clamps merge, since
 * min(clip(b, lo, hi), k) = clip(b, min(lo, k), min(hi, k)) and likewise for max.
 */
function clamp(x: Value, lo: number, hi: number): Value {
  if (isConst(x)) return constant(x.shape, x.dtype, x.data.map((v) => Math.min(Math.max(v, lo), hi)));
  if (x.clamp && x.nhwc === undefined && x.nchw === undefined) {
    const p = x.clamp;
    return { shape: x.shape, dtype: x.dtype, clamp: { base: p.base, lo: Math.min(Math.max(p.lo, lo), hi), hi: Math.min(Math.max(p.hi, lo), hi) } };
  }
  return { shape: x.shape, dtype: x.dtype, clamp: { base: x, lo, hi } };
}

const clampEmitter =
  (lo: number, hi: number): Emitter =>
  (c, _node, inputs) => {
    arity(c, inputs, 1);
    const x = inputs[0]!;
    return x.dtype === 'float32' ? clamp(x, lo, hi) : elementwise(c, [x], (n) => c.g.op('Clip', [n[0]!, c.materialize([], x.dtype, Float64Array.of(lo))]), (v) => Math.max(v, lo));
  };

/** Maximum/Minimum: with a scalar constant they become Clip, which onnxruntime fuses into convolutions. */
function minMax(kind: 'Max' | 'Min'): Emitter {
  const fold: Fold = kind === 'Max' ? Math.max : Math.min;
  return (c, _node, inputs) => {
    arity(c, inputs, 2);
    const [a, b] = inputs as [Value, Value];
    const k = isScalarConst(b) ? b : isScalarConst(a) ? a : undefined;
    const x = k === b ? a : b;
    if (k && !isConst(x) && x.dtype === 'float32' && k.shape.length <= x.shape.length) {
      const bound = k.data![0]!;
      return kind === 'Max' ? clamp(x, bound, Infinity) : clamp(x, -Infinity, bound);
    }
    return elementwise(c, [a, b], (n) => c.g.op(kind, n), fold);
  };
}

const rsqrt = (c: Context, x: string): string => c.g.op('Reciprocal', [c.g.op('Sqrt', [x])]);
const square = (c: Context, x: string): string => c.g.op('Mul', [x, x]);

/** The activations TF fuses into _FusedConv2D / FusedDepthwiseConv2dNative / _FusedMatMul. */
function activation(c: Context, node: TfNode, x: Value, act: string, extra: Value | undefined): Value {
  switch (act) {
    case 'Relu':
      return clamp(x, 0, Infinity);
    case 'Relu6':
      return clamp(x, 0, 6);
    case 'Elu':
      return elementwise(c, [x], (n) => c.g.op('Elu', n, { alpha: { f: 1 } }), undefined);
    case 'Sigmoid':
      return elementwise(c, [x], (n) => c.g.op('Sigmoid', n), undefined);
    case 'Tanh':
      return elementwise(c, [x], (n) => c.g.op('Tanh', n), undefined);
    case 'LeakyRelu': {
      const alpha = attrFloat(node, 'leakyrelu_alpha', 0.2);
      return elementwise(c, [x], (n) => c.g.op('LeakyRelu', n, { alpha: { f: alpha } }), undefined);
    }
    case 'Prelu':
      if (!extra) c.fail('Prelu needs an alpha argument');
      return elementwise(c, [x, extra], (n) => c.g.op('PRelu', n), undefined);
    default:
      return c.fail(`unsupported fused activation ${act}`);
  }
}

/** Split a fused op's `fused_ops` into bias (first arg when BiasAdd) and activation (+ its arg). */
function fusedArgs(c: Context, node: TfNode, args: Value[]): { bias?: Value; act?: string; actArg?: Value } {
  const ops = attrStrings(node, 'fused_ops', []);
  if (ops.length > 2) c.fail(`unsupported fused_ops [${ops.join(', ')}]`);
  let i = 0;
  let bias: Value | undefined;
  let rest = ops;
  if (ops[0] === 'BiasAdd') {
    bias = args[i++];
    if (!bias) c.fail('BiasAdd needs a bias argument');
    rest = ops.slice(1);
  } else if (ops[0] === 'FusedBatchNorm') c.fail('fused batch norm in a fused op is not supported (tfjs refuses it too)');
  const act = rest[0];
  const out: { bias?: Value; act?: string; actArg?: Value } = {};
  if (bias) out.bias = bias;
  if (act !== undefined) {
    out.act = act;
    const a = args[i];
    if (act === 'Prelu' && a) out.actArg = a;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// convolution and pooling

interface Window {
  kernel: [number, number];
  strides: [number, number];
  dilations: [number, number];
}

/** ONNX pads [top, left, bottom, right] and the output size for TF padding on a known input size. */
function windowPads(c: Context, node: TfNode, inH: number, inW: number, w: Window): { pads?: number[]; outH: number; outW: number } {
  const padding = attrString(node, 'padding');
  const eff = [0, 1].map((i) => (w.kernel[i]! - 1) * w.dilations[i]! + 1) as [number, number];
  const dims = [inH, inW];
  if (padding === 'VALID') {
    const out = dims.map((d, i) => (d < 0 ? -1 : Math.floor((d - eff[i]!) / w.strides[i]!) + 1));
    return { pads: [0, 0, 0, 0], outH: out[0]!, outW: out[1]! };
  }
  if (padding === 'SAME') {
    if (inH < 0 || inW < 0) return { outH: inH < 0 ? -1 : Math.ceil(inH / w.strides[0]), outW: inW < 0 ? -1 : Math.ceil(inW / w.strides[1]) };
    const before: number[] = [];
    const after: number[] = [];
    const out = dims.map((d, i) => {
      const o = Math.ceil(d / w.strides[i]!);
      const total = Math.max((o - 1) * w.strides[i]! + eff[i]! - d, 0);
      before.push(Math.floor(total / 2)); // TF puts the odd pixel at the end (SAME_UPPER)
      after.push(total - Math.floor(total / 2));
      return o;
    });
    return { pads: [...before, ...after], outH: out[0]!, outW: out[1]! };
  }
  if (padding === 'EXPLICIT') {
    const e = attrInts(node, 'explicit_paddings');
    if (e.length !== 8 || e[0] || e[1] || e[6] || e[7]) c.fail(`unsupported explicit_paddings [${e.join(',')}]`);
    const pads = [e[2]!, e[4]!, e[3]!, e[5]!];
    const out = dims.map((d, i) => (d < 0 ? -1 : Math.floor((d + pads[i]! + pads[i + 2]! - eff[i]!) / w.strides[i]!) + 1));
    return { pads, outH: out[0]!, outW: out[1]! };
  }
  return c.fail(`unsupported padding ${padding}`);
}

function windowAttrs(c: Context, node: TfNode, kernel: [number, number]): Window {
  if (attrString(node, 'data_format', 'NHWC') !== 'NHWC') c.fail(`data_format ${attrString(node, 'data_format')} is not supported (NHWC only)`);
  const s = attrInts(node, 'strides', [1, 1, 1, 1]);
  const d = attrInts(node, 'dilations', [1, 1, 1, 1]);
  if (s.length !== 4 || d.length !== 4) c.fail('strides and dilations must have 4 entries');
  return { kernel, strides: [s[1]!, s[2]!], dilations: [d[1]!, d[2]!] };
}

function padAttrs(pads: number[] | undefined): Record<string, { ints: number[] } | { s: string }> {
  return pads ? { pads: { ints: pads } } : { auto_pad: { s: 'SAME_UPPER' } };
}

function convolution(kind: 'conv' | 'depthwise', fused: boolean): Emitter {
  return (c, node, inputs) => {
    arity(c, inputs, 2);
    const [x, filter, ...args] = inputs as [Value, Value, ...Value[]];
    if (x.shape.length !== 4) c.fail(`input must be rank 4, got [${x.shape.join(',')}]`);
    const fdata = Float32Array.from(constData(c, filter, 'filter'));
    const fshape = filter.shape;
    if (fshape.length !== 4) c.fail(`filter must be rank 4, got [${fshape.join(',')}]`);
    const [kh, kw, fi, fo] = fshape as [number, number, number, number];
    const inC = x.shape[3]!;
    let weight: { data: Float32Array; dims: number[] };
    let group: number;
    let outC: number;
    if (kind === 'conv') {
      weight = hwioToOihw(fdata, fshape);
      group = inC > 0 && inC !== fi ? inC / fi : 1;
      if (!Number.isInteger(group)) c.fail(`input channels ${inC} not a multiple of filter input channels ${fi}`);
      outC = fo;
    } else {
      if (inC > 0 && inC !== fi) c.fail(`depthwise filter has ${fi} channels, input has ${inC}`);
      weight = depthwiseToOihw(fdata, fshape);
      group = fi;
      outC = fi * fo;
    }
    const w = windowAttrs(c, node, [kh, kw]);
    const { pads, outH, outW } = windowPads(c, node, x.shape[1]!, x.shape[2]!, w);
    const f = fused ? fusedArgs(c, node, args) : {};
    const convInputs = [c.nchw(x), c.g.constant(weight.data, weight.dims, 'w')];
    if (f.bias) {
      const b = constData(c, f.bias, 'bias');
      if (b.length !== outC) c.fail(`bias has ${b.length} values for ${outC} channels`);
      convInputs.push(c.g.constant(Float32Array.from(b), [outC], 'b'));
    }
    const y = c.g.op('Conv', convInputs, {
      kernel_shape: { ints: [kh, kw] },
      strides: { ints: w.strides },
      dilations: { ints: w.dilations },
      group: { i: group },
      ...padAttrs(pads),
    });
    const out = result(c, y, [x.shape[0]!, outH, outW, outC], 'float32', 'nchw');
    return f.act ? activation(c, node, out, f.act, f.actArg) : out;
  };
}

function pooling(kind: 'MaxPool' | 'AveragePool'): Emitter {
  return (c, node, inputs) => {
    arity(c, inputs, 1);
    const x = inputs[0]!;
    if (x.shape.length !== 4) c.fail(`input must be rank 4, got [${x.shape.join(',')}]`);
    const k = attrInts(node, 'ksize');
    if (k.length !== 4 || k[0] !== 1 || k[3] !== 1) c.fail(`unsupported ksize [${k.join(',')}]`);
    const w = windowAttrs(c, node, [k[1]!, k[2]!]);
    if (w.dilations.some((d) => d !== 1)) c.fail('dilated pooling is not supported');
    const { pads, outH, outW } = windowPads(c, node, x.shape[1]!, x.shape[2]!, w);
    // TF's SAME average pooling divides by the number of real pixels: count_include_pad = 0.
    const y = c.g.op(kind, [c.nchw(x)], { kernel_shape: { ints: w.kernel }, strides: { ints: w.strides }, ...padAttrs(pads) });
    return result(c, y, [x.shape[0]!, outH, outW, x.shape[3]!], 'float32', 'nchw');
  };
}

// ---------------------------------------------------------------------------------------------
// matrices

function matmul(fused: boolean, batched: boolean): Emitter {
  return (c, node, inputs) => {
    arity(c, inputs, 2);
    const [a0, b0, ...args] = inputs as [Value, Value, ...Value[]];
    const ta = batched ? attrBool(node, 'adj_x', false) : attrBool(node, 'transpose_a', false);
    const tb = batched ? attrBool(node, 'adj_y', false) : attrBool(node, 'transpose_b', false);
    const t = (v: Value, on: boolean): Value => (on ? transposeLast2(c, v) : v);
    const a = t(a0, ta);
    const b = t(b0, tb);
    if (a.shape.length < 2 || b.shape.length < 2) c.fail('MatMul operands must be at least rank 2');
    const batch = broadcastShapes([a.shape.slice(0, -2), b.shape.slice(0, -2)]) ?? c.fail('MatMul batch dimensions do not broadcast');
    const shape = [...batch, a.shape.at(-2)!, b.shape.at(-1)!];
    let y: Value = dynamic(c.g.op('MatMul', [c.nhwc(a), c.nhwc(b)]), shape, 'float32');
    if (fused) {
      const f = fusedArgs(c, node, args);
      if (f.bias) y = elementwise(c, [y, f.bias], (n) => c.g.op('Add', n), undefined);
      if (f.act) y = activation(c, node, y, f.act, f.actArg);
    }
    return y;
  };
}

function transposeLast2(c: Context, v: Value): Value {
  const r = v.shape.length;
  const perm = [...Array(r - 2).keys(), r - 1, r - 2];
  return transposeValue(c, v, perm);
}

function transposeValue(c: Context, x: Value, perm: readonly number[]): Value {
  const shape = perm.map((p) => x.shape[p]!);
  if (isConst(x)) {
    const t = transposeData(x.data, x.shape, perm);
    return constant(t.shape, x.dtype, t.data);
  }
  // Compose with the physical layout: physical axis i holds logical axis q[i].
  const fromNchw = c.hasNchw(x) || x.nhwc === undefined;
  const src = fromNchw ? c.nchw(x) : c.nhwc(x);
  const q: readonly number[] = fromNchw ? NHWC_TO_NCHW : perm.map((_, i) => i);
  const qinv = invertPerm(q);
  const p = perm.map((a) => qinv[a]!);
  return dynamic(isIdentityPerm(p) ? src : c.g.op('Transpose', [src], { perm: { ints: p } }), shape, x.dtype);
}

// ---------------------------------------------------------------------------------------------
// reductions

function reduction(kind: 'ReduceMean' | 'ReduceSum' | 'ReduceMax' | 'ReduceMin' | 'ReduceProd'): Emitter {
  return (c, node, inputs) => {
    arity(c, inputs, 2);
    const x = inputs[0]!;
    const rank = x.shape.length;
    const keep = attrBool(node, 'keep_dims', false);
    const axes = [...new Set(constInts(c, inputs[1], 'reduction axes').map((a) => normAxis(c, a, rank)))].sort((p, q) => p - q);
    if (axes.length === 0) return x;
    const shape = keep ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !axes.includes(i));
    const remaining = [...Array(rank).keys()].filter((i) => !axes.includes(i));
    const orderKept = remaining.every((a, i) => i === 0 || NCHW_AXIS[remaining[i - 1]!]! < NCHW_AXIS[a]!);
    const nchw = rank === 4 && c.hasNchw(x) && (keep || orderKept);
    const phys = nchw ? axes.map((a) => NCHW_AXIS[a]!).sort((p, q) => p - q) : axes;
    const src = nchw ? c.nchw(x) : c.nhwc(x);
    const keepdims = { keepdims: { i: keep ? 1 : 0 } };
    const y =
      kind === 'ReduceSum' ? c.g.op(kind, [src, c.g.int64s(phys, 'axes')], keepdims) : c.g.op(kind, [src], { axes: { ints: phys }, ...keepdims });
    return nchw && keep ? result(c, y, shape, x.dtype, 'nchw') : dynamic(y, shape, x.dtype);
  };
}

const softmax =
  (onnx: 'Softmax' | 'LogSoftmax'): Emitter =>
  (c, _node, inputs) => {
    arity(c, inputs, 1);
    const x = inputs[0]!;
    return dynamic(c.g.op(onnx, [c.nhwc(x)], { axis: { i: -1 } }), x.shape, 'float32');
  };

// ---------------------------------------------------------------------------------------------
// shapes and data movement

function padEmitter(mode: 'constant' | 'mirror'): Emitter {
  return (c, node, inputs) => {
    arity(c, inputs, 2);
    const x = inputs[0]!;
    const rank = x.shape.length;
    const p = constInts(c, inputs[1], 'paddings');
    if (p.length !== 2 * rank) c.fail(`paddings must be [${rank}, 2]`);
    const before = [...Array(rank).keys()].map((i) => p[2 * i]!);
    const after = [...Array(rank).keys()].map((i) => p[2 * i + 1]!);
    const shape = x.shape.map((d, i) => (d < 0 ? -1 : d + before[i]! + after[i]!));
    let onnxMode = 'constant';
    if (mode === 'mirror') {
      const m = attrString(node, 'mode');
      if (m !== 'REFLECT') c.fail(`MirrorPad mode ${m} is not supported (REFLECT only)`);
      onnxMode = 'reflect';
    }
    const layout = rank === 4 ? layoutOf(c, x) : 'nhwc';
    const order = layout === 'nchw' ? NHWC_TO_NCHW : [...Array(rank).keys()];
    const pads = c.g.int64s([...order.map((a) => before[a]!), ...order.map((a) => after[a]!)], 'pads');
    const padInputs = [c.get(x, layout), pads];
    if (inputs[2]) {
      const v = constData(c, inputs[2], 'constant value')[0]!;
      if (v !== 0) padInputs.push(c.materialize([], x.dtype, Float64Array.of(v)));
    }
    return result(c, c.g.op('Pad', padInputs, { mode: { s: onnxMode } }), shape, x.dtype, layout);
  };
}

const concat =
  (axisFirst: boolean): Emitter =>
  (c, _node, inputs) => {
    arity(c, inputs, 2);
    const values = axisFirst ? inputs.slice(1) : inputs.slice(0, -1);
    const axisValue = axisFirst ? inputs[0] : inputs.at(-1);
    const rank = values[0]!.shape.length;
    const axis = normAxis(c, constInts(c, axisValue, 'axis')[0]!, rank);
    if (values.some((v) => v.shape.length !== rank)) c.fail('concatenated tensors differ in rank');
    const shape = [...values[0]!.shape];
    shape[axis] = values.some((v) => v.shape[axis]! < 0) ? -1 : values.reduce((n, v) => n + v.shape[axis]!, 0);
    if (values.every(isConst)) {
      const r = concatData(values as { shape: readonly number[]; data: Float64Array }[], axis);
      return constant(r.shape, values[0]!.dtype, r.data);
    }
    const layout: Layout = rank === 4 && values.some((v) => c.hasNchw(v)) ? 'nchw' : 'nhwc';
    const y = c.g.op('Concat', values.map((v) => c.get(v, layout)), { axis: { i: layout === 'nchw' ? NCHW_AXIS[axis]! : axis } });
    return result(c, y, shape, values[0]!.dtype, layout);
  };

const pack: Emitter = (c, node, inputs) => {
  arity(c, inputs, 1);
  const rank = inputs[0]!.shape.length;
  const axis = normAxis(c, attrInt(node, 'axis', 0), rank + 1);
  const shape = [...inputs[0]!.shape];
  shape.splice(axis, 0, inputs.length);
  if (inputs.every(isConst)) {
    const parts = inputs.map((v) => ({ shape: shape.map((d, i) => (i === axis ? 1 : d)), data: v.data! }));
    return constant(shape, inputs[0]!.dtype, concatData(parts, axis).data);
  }
  const axes = c.g.int64s([axis], 'axes');
  const parts = inputs.map((v) => c.g.op('Unsqueeze', [c.nhwc(v), axes]));
  return dynamic(parts.length === 1 ? parts[0]! : c.g.op('Concat', parts, { axis: { i: axis } }), shape, inputs[0]!.dtype);
};

/** TF Reshape's target with -1 resolved where the input size is known. */
function reshapeTarget(c: Context, from: readonly number[], target: readonly number[]): number[] {
  if (target.includes(0) && size(from) !== 0) c.fail('zero-sized reshape dimensions are not supported');
  const free = target.indexOf(-1);
  if (free < 0) return [...target];
  if (target.indexOf(-1, free + 1) >= 0) c.fail('Reshape has more than one -1 dimension');
  if (!fullyKnown(from)) return [...target]; // e.g. [-1, 1024] after a batch of unknown size
  const known = target.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  const out = [...target];
  out[free] = size(from) / known;
  return out;
}

const reshape: Emitter = (c, _node, inputs) => {
  arity(c, inputs, 2);
  const [x, s] = inputs as [Value, Value];
  if (isConst(s)) {
    const shape = reshapeTarget(c, x.shape, Array.from(s.data));
    if (isConst(x) && fullyKnown(shape)) return constant(shape, x.dtype, x.data);
    return dynamic(c.g.op('Reshape', [c.nhwc(x), c.g.int64s(Array.from(s.data), 'shape')]), shape, x.dtype);
  }
  const n = s.shape[0] ?? -1;
  return dynamic(c.g.op('Reshape', [c.nhwc(x), c.nhwc(s)]), new Array<number>(Math.max(n, 0)).fill(-1), x.dtype);
};

const squeeze: Emitter = (c, node, inputs) => {
  arity(c, inputs, 1);
  const x = inputs[0]!;
  const rank = x.shape.length;
  let axes = attrInts(node, 'squeeze_dims', attrInts(node, 'axis', [])).map((a) => normAxis(c, a, rank));
  if (axes.length === 0) {
    if (!fullyKnown(x.shape)) c.fail('Squeeze of all unit dimensions needs a known shape');
    axes = x.shape.flatMap((d, i) => (d === 1 ? [i] : []));
  }
  const shape = x.shape.filter((_, i) => !axes.includes(i));
  if (isConst(x)) return constant(shape, x.dtype, x.data);
  return dynamic(c.g.op('Squeeze', [c.nhwc(x), c.g.int64s(axes, 'axes')]), shape, x.dtype);
};

const expandDims: Emitter = (c, _node, inputs) => {
  arity(c, inputs, 2);
  const x = inputs[0]!;
  const axis = normAxis(c, constInts(c, inputs[1], 'axis')[0]!, x.shape.length + 1);
  const shape = [...x.shape];
  shape.splice(axis, 0, 1);
  if (isConst(x)) return constant(shape, x.dtype, x.data);
  return dynamic(c.g.op('Unsqueeze', [c.nhwc(x), c.g.int64s([axis], 'axes')]), shape, x.dtype);
};

const transpose: Emitter = (c, _node, inputs) => {
  arity(c, inputs, 2);
  const x = inputs[0]!;
  const perm = constInts(c, inputs[1], 'perm');
  if (perm.length !== x.shape.length) c.fail(`perm [${perm.join(',')}] does not match rank ${x.shape.length}`);
  return transposeValue(c, x, perm);
};

const shapeOp: Emitter = (c, _node, inputs) => {
  arity(c, inputs, 1);
  const x = inputs[0]!;
  if (fullyKnown(x.shape)) return constant([x.shape.length], 'int32', x.shape);
  return dynamic(c.g.op('Shape', [c.nhwc(x)]), [x.shape.length], 'int32');
};

const cast: Emitter = (c, node, inputs) => {
  arity(c, inputs, 1);
  const x = inputs[0]!;
  const to = tfDType(node, attrType(node, 'DstT'));
  if (isConst(x)) return constant(x.shape, to, x.data.map((v) => castValue(v, to)));
  if (onnxElemType(to) === onnxElemType(x.dtype)) return { ...x, dtype: to };
  const layout = layoutOf(c, x);
  return result(c, c.g.op('Cast', [c.get(x, layout)], { to: { i: onnxElemType(to) } }), x.shape, to, layout);
};

/** Normalised per-axis slice parameters (begin, end exclusive, step) for a known or unknown dim. */
interface AxisSlice {
  begin: number;
  end: number;
  step: number;
  shrink: boolean;
}

function sliceOutput(dim: number, s: AxisSlice): number {
  if (s.shrink) return 1;
  if (dim < 0) return -1;
  const clamp = (v: number, lo: number, hi: number): number => Math.min(Math.max(v, lo), hi);
  const norm = (v: number): number => (v < 0 ? v + dim : v);
  const b = s.step > 0 ? clamp(norm(s.begin), 0, dim) : clamp(norm(s.begin), -1, dim - 1);
  const e = s.step > 0 ? clamp(s.end >= INT_MAX ? dim : norm(s.end), 0, dim) : s.end <= -INT_MAX ? -1 : clamp(norm(s.end), -1, dim - 1);
  return Math.max(0, Math.ceil((e - b) / s.step));
}

function applySlice(c: Context, x: Value, slices: AxisSlice[]): Value {
  const rank = x.shape.length;
  const full = slices.length < rank ? [...slices, ...Array.from({ length: rank - slices.length }, () => ({ begin: 0, end: INT_MAX, step: 1, shrink: false }))] : slices;
  const kept = full.map((s, i) => sliceOutput(x.shape[i]!, s));
  const shrinkAxes = full.flatMap((s, i) => (s.shrink ? [i] : []));
  const shape = kept.filter((_, i) => !full[i]!.shrink);
  if (isConst(x) && fullyKnown(x.shape)) {
    const norm = full.map((s, i) => {
      const dim = x.shape[i]!;
      const n = (v: number): number => (v < 0 ? v + dim : v);
      const b = s.step > 0 ? Math.min(Math.max(n(s.begin), 0), dim) : Math.min(Math.max(n(s.begin), -1), dim - 1);
      return { begin: b, end: b + kept[i]! * s.step, step: s.step };
    });
    const r = sliceData(
      x.data,
      x.shape,
      norm.map((s) => s.begin),
      norm.map((s) => s.end),
      norm.map((s) => s.step),
    );
    return constant(shape, x.dtype, r.data);
  }
  const axes = full.map((_, i) => i);
  const y = c.g.op('Slice', [
    c.nhwc(x),
    c.g.int64s(full.map((s) => s.begin), 'starts'),
    c.g.int64s(full.map((s) => s.end), 'ends'),
    c.g.int64s(axes, 'axes'),
    c.g.int64s(full.map((s) => s.step), 'steps'),
  ]);
  return dynamic(shrinkAxes.length ? c.g.op('Squeeze', [y, c.g.int64s(shrinkAxes, 'axes')]) : y, shape, x.dtype);
}

const stridedSlice: Emitter = (c, node, inputs) => {
  arity(c, inputs, 4);
  const x = inputs[0]!;
  const begin = constInts(c, inputs[1], 'begin');
  const end = constInts(c, inputs[2], 'end');
  const step = constInts(c, inputs[3], 'strides');
  if (attrInt(node, 'ellipsis_mask', 0) || attrInt(node, 'new_axis_mask', 0)) c.fail('ellipsis_mask and new_axis_mask are not supported');
  const bm = attrInt(node, 'begin_mask', 0);
  const em = attrInt(node, 'end_mask', 0);
  const sm = attrInt(node, 'shrink_axis_mask', 0);
  if (begin.length > x.shape.length) c.fail('more slice dimensions than the input has');
  const slices = begin.map((b, i): AxisSlice => {
    const st = step[i]!;
    if (st === 0) c.fail('slice step 0');
    if (sm & (1 << i)) return { begin: b, end: b === -1 ? INT_MAX : b + 1, step: 1, shrink: true };
    const bb = bm & (1 << i) ? (st > 0 ? 0 : INT_MAX) : b;
    const ee = em & (1 << i) ? (st > 0 ? INT_MAX : -INT_MAX) : end[i]!;
    return { begin: bb, end: ee, step: st, shrink: false };
  });
  return applySlice(c, x, slices);
};

const slice: Emitter = (c, _node, inputs) => {
  arity(c, inputs, 3);
  const begin = constInts(c, inputs[1], 'begin');
  const sz = constInts(c, inputs[2], 'size');
  return applySlice(
    c,
    inputs[0]!,
    begin.map((b, i) => ({ begin: b, end: sz[i] === -1 ? INT_MAX : b + sz[i]!, step: 1, shrink: false })),
  );
};

const batchNorm: Emitter = (c, node, inputs) => {
  arity(c, inputs, 5);
  if (attrBool(node, 'is_training', false)) c.fail('training-mode batch norm is not supported');
  if (attrString(node, 'data_format', 'NHWC') !== 'NHWC') c.fail('data_format must be NHWC');
  const eps = attrFloat(node, 'epsilon', 1e-3);
  const [x, scale, offset, mean, variance] = inputs as [Value, Value, Value, Value, Value];
  const sc = constData(c, scale, 'scale');
  const of = constData(c, offset, 'offset');
  const mu = constData(c, mean, 'mean');
  const va = constData(c, variance, 'variance');
  const n = sc.length;
  const mul = new Float64Array(n);
  const add = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    mul[i] = sc[i]! / Math.sqrt(va[i]! + eps);
    add[i] = of[i]! - mu[i]! * mul[i]!;
  }
  const y = elementwise(c, [x, constant([n], 'float32', mul)], (k) => c.g.op('Mul', k), (a, b) => a * b);
  return elementwise(c, [y, constant([n], 'float32', add)], (k) => c.g.op('Add', k), (a, b) => a + b);
};

const identity: Emitter = (c, _node, inputs) => {
  arity(c, inputs, 1);
  return inputs[0]!;
};

const addN: Emitter = (c, _node, inputs) => {
  arity(c, inputs, 1);
  if (inputs.length === 1) return inputs[0]!;
  return elementwise(c, inputs, (n) => c.g.op('Sum', n), (...xs) => xs.reduce((a, b) => a + b, 0));
};

const squaredDifference: Emitter = (c, _node, inputs) => {
  arity(c, inputs, 2);
  const d = elementwise(c, inputs.slice(0, 2), (n) => c.g.op('Sub', n), (a, b) => a - b);
  return elementwise(c, [d], (n) => square(c, n[0]!), (a) => a * a);
};

const leakyRelu: Emitter = (c, node, inputs) => {
  arity(c, inputs, 1);
  const alpha = attrFloat(node, 'alpha', 0.2);
  return elementwise(c, inputs.slice(0, 1), (n) => c.g.op('LeakyRelu', n, { alpha: { f: alpha } }), (x) => (x < 0 ? alpha * x : x));
};

const biasAdd: Emitter = (c, node, inputs) => {
  arity(c, inputs, 2);
  if (attrString(node, 'data_format', 'NHWC') !== 'NHWC') c.fail('data_format must be NHWC');
  return elementwise(c, inputs.slice(0, 2), (n) => c.g.op('Add', n), (a, b) => a + b);
};

/** floor(a / b); ONNX's integer Div truncates, which agrees for the non-negative shape arithmetic it is used for. */
const floorDiv: Emitter = (c, _node, inputs) => {
  arity(c, inputs, 2);
  const float = inputs[0]!.dtype === 'float32';
  return elementwise(c, inputs.slice(0, 2), (n) => (float ? c.g.op('Floor', [c.g.op('Div', n)]) : c.g.op('Div', n)), (a, b) => Math.floor(a / b));
};

const prelu: Emitter = (c, _node, inputs) => {
  arity(c, inputs, 2);
  return elementwise(c, inputs.slice(0, 2), (n) => c.g.op('PRelu', n), (x, a) => (x < 0 ? a * x : x));
};

// ---------------------------------------------------------------------------------------------
// the table

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

export const EMITTERS: Readonly<Record<string, Emitter>> = {
  Identity: identity,
  StopGradient: identity,
  Snapshot: identity,
  PlaceholderWithDefault: identity,
  // convolution, pooling, matrices
  Conv2D: convolution('conv', false),
  _FusedConv2D: convolution('conv', true),
  DepthwiseConv2dNative: convolution('depthwise', false),
  FusedDepthwiseConv2dNative: convolution('depthwise', true),
  MaxPool: pooling('MaxPool'),
  AvgPool: pooling('AveragePool'),
  MatMul: matmul(false, false),
  _FusedMatMul: matmul(true, false),
  BatchMatMul: matmul(false, true),
  BatchMatMulV2: matmul(false, true),
  BiasAdd: biasAdd,
  FusedBatchNorm: batchNorm,
  FusedBatchNormV2: batchNorm,
  FusedBatchNormV3: batchNorm,
  // element-wise, binary
  Add: binary('Add', (a, b) => a + b),
  AddV2: binary('Add', (a, b) => a + b),
  AddN: addN,
  Sub: binary('Sub', (a, b) => a - b),
  Mul: binary('Mul', (a, b) => a * b),
  RealDiv: binary('Div', (a, b) => a / b),
  Div: binary('Div', (a, b) => a / b),
  FloorDiv: floorDiv,
  Maximum: minMax('Max'),
  Minimum: minMax('Min'),
  Pow: binary('Pow', (a, b) => a ** b),
  SquaredDifference: squaredDifference,
  Prelu: prelu,
  // element-wise, unary
  Relu: clampEmitter(0, Infinity),
  Relu6: clampEmitter(0, 6),
  Elu: unary('Elu', (x) => (x < 0 ? Math.expm1(x) : x)),
  Selu: unary('Selu'),
  LeakyRelu: leakyRelu,
  Sigmoid: unary('Sigmoid', sigmoid),
  Tanh: unary('Tanh', Math.tanh),
  Softplus: unary('Softplus', (x) => Math.log1p(Math.exp(x))),
  Abs: unary('Abs', Math.abs),
  Neg: unary('Neg', (x) => -x),
  Exp: unary('Exp', Math.exp),
  Log: unary('Log', Math.log),
  Sqrt: unary('Sqrt', Math.sqrt),
  Rsqrt: unary(rsqrt, (x) => 1 / Math.sqrt(x)),
  Square: unary(square, (x) => x * x),
  Reciprocal: unary('Reciprocal', (x) => 1 / x),
  Floor: unary('Floor', Math.floor),
  Ceil: unary('Ceil', Math.ceil),
  Sign: unary('Sign', Math.sign),
  Erf: unary('Erf'),
  Softmax: softmax('Softmax'),
  LogSoftmax: softmax('LogSoftmax'),
  // reductions
  Mean: reduction('ReduceMean'),
  Sum: reduction('ReduceSum'),
  Max: reduction('ReduceMax'),
  Min: reduction('ReduceMin'),
  Prod: reduction('ReduceProd'),
  // shapes and data movement
  Pad: padEmitter('constant'),
  PadV2: padEmitter('constant'),
  MirrorPad: padEmitter('mirror'),
  Reshape: reshape,
  Squeeze: squeeze,
  ExpandDims: expandDims,
  Transpose: transpose,
  ConcatV2: concat(false),
  Concat: concat(true),
  Pack: pack,
  StridedSlice: stridedSlice,
  Slice: slice,
  Shape: shapeOp,
  Cast: cast,
};

/** Every TF op the converter handles (Placeholder, Const and NoOp are handled by the driver). */
export const SUPPORTED_OPS: readonly string[] = ['Placeholder', 'Const', 'NoOp', ...Object.keys(EMITTERS)].sort();
