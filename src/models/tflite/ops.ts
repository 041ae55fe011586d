/**
 * One emitter per TFLite builtin. TFLite's builtins are TensorFlow ops with their options moved into
 * flatbuffer tables (and a fused activation added), so each emitter rewrites its operator as the TF
 * op it came from and hands it to the tfjs-graph converter's emitter for that op: the ONNX, the
 * NCHW layout tracking, the constant folding and the Relu/Clip merging are that converter's, shared,
 * not re-implemented. What is TFLite's own is done here: filter layouts (CONV_2D's OHWI becomes TF's
 * HWIO, DEPTHWISE_CONV_2D's 1·H·W·(C·M) is TF's H·W·C·M), options tables, fused activations, a
 * RESHAPE that keeps a dynamic batch, PRelu with its slope shaped [C, 1, 1] for NCHW, and MaxPool
 * with auto_pad (see maxPool: an onnxruntime fusion gets explicit pads after a Pad wrong).
 */
import type { Context, Value } from '../tfjs-graph/context.js';
import { constant, dynamic, isConst } from '../tfjs-graph/context.js';
import { EMITTERS } from '../tfjs-graph/ops.js';
import { size, transposeData } from '../tfjs-graph/tensor.js';
import type { TfAttrValue, TfNode } from '../tfjs-graph/types.js';
import { activationName, paddingName, readOptions, type OptionTable, type Options, type TfliteModel, type TfliteOperator } from './schema.js';

export interface OpContext {
  c: Context;
  model: TfliteModel;
  op: TfliteOperator;
  preluForm: PreluForm;
  /** The file's batch size, when the batch dimension is converted to a dynamic one. */
  batch?: number;
}

/** Inputs in the operator's order; undefined for an omitted optional input (-1). */
export type TfliteEmitter = (x: OpContext, inputs: readonly (Value | undefined)[]) => Value | Value[];

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
const ints = (v: readonly number[]): TfAttrValue => ({ list: { i: [...v] } });
const scalar = (v: number): Value => constant([], 'float32', [v]);

/** Run the tfjs-graph emitter of TF op `tfOp` on a node carrying `attr`. */
function tf(c: Context, tfOp: string, inputs: Value[], attr: Record<string, TfAttrValue> = {}): Value {
  const node: TfNode = { name: c.node?.name ?? tfOp, op: tfOp, attr };
  const out = EMITTERS[tfOp]!(c, node, inputs);
  return Array.isArray(out) ? out[0]! : out;
}

function input(x: OpContext, inputs: readonly (Value | undefined)[], i: number, what: string): Value {
  const v = inputs[i];
  if (!v) x.c.fail(`missing ${what} (input ${i})`);
  return v;
}

function options(x: OpContext, table: OptionTable): Options {
  return readOptions(x.model, x.op, table);
}

const num = (o: Options, k: string): number => o[k] as number;

/** A fused activation (ActivationFunctionType) applied to y. */
export function activation(x: OpContext, y: Value, code: number): Value {
  const name = activationName(code);
  switch (name) {
    case 'NONE':
      return y;
    case 'RELU':
      return tf(x.c, 'Relu', [y]);
    case 'RELU6':
      return tf(x.c, 'Relu6', [y]);
    case 'RELU_N1_TO_1':
      return tf(x.c, 'Maximum', [tf(x.c, 'Minimum', [y, scalar(1)]), scalar(-1)]);
    case 'TANH':
      return tf(x.c, 'Tanh', [y]);
    default:
      return x.c.fail(`unsupported fused activation ${name}`);
  }
}

function padding(x: OpContext, o: Options): TfAttrValue {
  const p = paddingName(num(o, 'padding'));
  if (p !== 'SAME' && p !== 'VALID') x.c.fail(`unsupported ${p}`);
  return { s: b64(p) };
}

function positive(x: OpContext, o: Options, keys: readonly string[]): number[] {
  return keys.map((k) => {
    const v = num(o, k);
    if (!(v >= 1)) x.c.fail(`${k} is ${v}`);
    return v;
  });
}

function convolution(depthwise: boolean): TfliteEmitter {
  return (x, inputs) => {
    const o = options(x, depthwise ? 'DepthwiseConv2DOptions' : 'Conv2DOptions');
    const v = input(x, inputs, 0, 'input');
    const f = input(x, inputs, 1, 'filter');
    const bias = inputs[2];
    if (!isConst(f) || f.shape.length !== 4) return x.c.fail(`the filter must be a rank-4 constant, got [${f.shape.join(',')}]`);
    if (v.shape.length !== 4) x.c.fail(`the input must be rank 4, got [${v.shape.join(',')}]`);
    let filter: Value;
    if (depthwise) {
      const [one, kh, kw, cm] = f.shape as [number, number, number, number];
      const cin = v.shape[3]!;
      if (one !== 1 || !(cin > 0) || cm % cin !== 0) x.c.fail(`depthwise filter [${f.shape.join(',')}] does not fit ${cin} input channels`);
      filter = constant([kh, kw, cin, cm / cin], 'float32', f.data); // same order: channel c·M + m
    } else {
      const t = transposeData(f.data, f.shape, [1, 2, 3, 0]); // OHWI → HWIO
      filter = constant(t.shape, 'float32', t.data);
    }
    const [sh, sw, dh, dw] = positive(x, o, ['stride_h', 'stride_w', 'dilation_h_factor', 'dilation_w_factor']);
    const attr: Record<string, TfAttrValue> = { strides: ints([1, sh!, sw!, 1]), dilations: ints([1, dh!, dw!, 1]), padding: padding(x, o) };
    if (bias) attr.fused_ops = { list: { s: [b64('BiasAdd')] } };
    const op = depthwise ? (bias ? 'FusedDepthwiseConv2dNative' : 'DepthwiseConv2dNative') : bias ? '_FusedConv2D' : 'Conv2D';
    return activation(x, tf(x.c, op, bias ? [v, filter, bias] : [v, filter], attr), num(o, 'fused_activation_function'));
  };
}

function pooling(tfOp: 'MaxPool' | 'AvgPool'): TfliteEmitter {
  return (x, inputs) => {
    const o = options(x, 'Pool2DOptions');
    const [fh, fw, sh, sw] = positive(x, o, ['filter_height', 'filter_width', 'stride_h', 'stride_w']);
    const v = input(x, inputs, 0, 'input');
    const attr = { ksize: ints([1, fh!, fw!, 1]), strides: ints([1, sh!, sw!, 1]), padding: padding(x, o) };
    const y = tfOp === 'MaxPool' ? maxPool(x, v, [fh!, fw!], [sh!, sw!], paddingName(num(o, 'padding'))) : tf(x.c, tfOp, [v], attr);
    return activation(x, y, num(o, 'fused_activation_function'));
  };
}

/**
 * MaxPool with auto_pad (TF's SAME is ONNX's SAME_UPPER), not explicit pads: onnxruntime 1.23
 * merges a zero Pad into the MaxPool after it when that has explicit pads (its PadFusion), which
 * changes the result (MaxPool's padding is −∞, not 0) and fails once a side's sum reaches the kernel.
 */
function maxPool(x: OpContext, v: Value, kernel: [number, number], strides: [number, number], pad: string): Value {
  if (v.shape.length !== 4) x.c.fail(`the input must be rank 4, got [${v.shape.join(',')}]`);
  const out = (d: number, i: 0 | 1): number => (d < 0 ? -1 : pad === 'SAME' ? Math.ceil(d / strides[i]) : Math.floor((d - kernel[i]) / strides[i]) + 1);
  const [oh, ow] = [out(v.shape[1]!, 0), out(v.shape[2]!, 1)];
  if (oh === 0 || ow === 0 || oh < -1 || ow < -1) x.c.fail(`a ${kernel.join('×')} window does not fit [${v.shape.join(',')}]`);
  const y = x.c.g.op('MaxPool', [x.c.nchw(v)], { kernel_shape: { ints: kernel }, strides: { ints: strides }, auto_pad: { s: pad === 'SAME' ? 'SAME_UPPER' : 'VALID' } });
  return dynamic(y, [v.shape[0]!, oh, ow, v.shape[3]!], 'float32', 'nchw');
}

function binary(tfOp: string, table: OptionTable): TfliteEmitter {
  return (x, inputs) => {
    const o = options(x, table);
    const y = tf(x.c, tfOp, [input(x, inputs, 0, 'first operand'), input(x, inputs, 1, 'second operand')]);
    return activation(x, y, num(o, 'fused_activation_function'));
  };
}

function plain(tfOp: string, arity = 1): TfliteEmitter {
  return (x, inputs) =>
    tf(
      x.c,
      tfOp,
      Array.from({ length: arity }, (_, i) => input(x, inputs, i, `operand ${i}`)),
    );
}

/**
 * How PRelu is written in ONNX. 'prelu': one PRelu node (exact). 'conv': y = x + (1 − α)·relu(−x)
 * as two 1×1 depthwise Convs (weights −1, then 1 − α; the first with Relu, the second with the Add
 * of x), a form onnxruntime's CPU provider keeps in its blocked NCHWc layout, where a PRelu costs a
 * reorder out of it and one back in. Not exact for x < 0 (a few float32 ulps of x).
 */
export type PreluForm = 'prelu' | 'conv';

/**
 * PRelu of x with a slope per channel (x's last axis) or one shared slope; computed in NCHW, with
 * the slope shaped [C, 1, 1], when x is already NCHW.
 */
export function prelu(c: Context, v: Value, alpha: Float64Array, form: PreluForm = 'prelu'): Value {
  const channels = v.shape.at(-1);
  if (isConst(v)) return tf(c, 'Prelu', [v, constant([alpha.length], 'float32', alpha)]);
  if (alpha.length !== 1 && alpha.length !== channels) c.fail(`${alpha.length} PReLU slopes for ${channels} channels`);
  const slope = Float32Array.from(alpha);
  if (c.hasNchw(v) && form === 'conv' && channels !== undefined && channels > 0) {
    const x0 = c.nchw(v);
    const depthwise = { kernel_shape: { ints: [1, 1] }, group: { i: channels } };
    const perChannel = (f: (i: number) => number): string => c.g.constant(Float32Array.from({ length: channels }, (_, i) => f(i)), [channels, 1, 1, 1], 'w');
    const negative = c.g.op('Relu', [c.g.op('Conv', [x0, perChannel(() => -1)], depthwise)]);
    const scaled = c.g.op('Conv', [negative, perChannel((i) => 1 - slope[alpha.length === 1 ? 0 : i]!)], depthwise);
    return dynamic(c.g.op('Add', [scaled, x0]), v.shape, 'float32', 'nchw');
  }
  if (c.hasNchw(v)) {
    const y = c.g.op('PRelu', [c.nchw(v), c.g.constant(slope, alpha.length === 1 ? [1] : [alpha.length, 1, 1], 'alpha')]);
    return dynamic(y, v.shape, 'float32', 'nchw');
  }
  return dynamic(c.g.op('PRelu', [c.nhwc(v), c.g.constant(slope, [alpha.length], 'alpha')]), v.shape, 'float32');
}

const preluOp: TfliteEmitter = (x, inputs) => {
  const v = input(x, inputs, 0, 'input');
  const a = input(x, inputs, 1, 'alpha');
  const perChannel = isConst(a) && (size(a.shape) === 1 || (size(a.shape) === v.shape.at(-1) && a.shape.slice(0, -1).every((d) => d === 1)));
  return perChannel ? prelu(x.c, v, a.data!, x.preluForm) : tf(x.c, 'Prelu', [v, a]);
};

/**
 * RESHAPE to the shape tensor (input 1) or, without one, the options' new_shape. With a dynamic
 * batch, a target that keeps the file's batch size as its first dimension gets -1 there instead.
 */
const reshape: TfliteEmitter = (x, inputs) => {
  const v = input(x, inputs, 0, 'input');
  const s = inputs[1];
  let target: number[];
  if (s) {
    if (!isConst(s)) return x.c.fail('the target shape must be a constant');
    target = Array.from(s.data);
  } else {
    const shape = options(x, 'ReshapeOptions').new_shape as number[];
    if (x.op.optionsPos === undefined) x.c.fail('no target shape (neither a shape input nor new_shape)');
    target = shape;
  }
  if (x.batch !== undefined && v.shape[0] === -1 && target.length > 0) {
    const rest = v.shape.slice(1);
    const restSize = size(rest);
    const tail = target.slice(1);
    const free = tail.indexOf(-1);
    if (rest.every((d) => d >= 0) && free >= 0 && tail.indexOf(-1, free + 1) < 0) tail[free] = restSize / -size(tail);
    if (!((target[0] === x.batch || target[0] === -1) && rest.every((d) => d >= 0) && size(tail) === restSize)) {
      x.c.fail(`reshaping [${['N', ...rest].join(',')}] to [${target.join(',')}] does not keep the batch dimension; convert with batch: 'fixed'`);
    }
    target = [-1, ...tail];
  }
  return tf(x.c, 'Reshape', [v, constant([target.length], 'int32', target)]);
};

const concatenation: TfliteEmitter = (x, inputs) => {
  const o = options(x, 'ConcatenationOptions');
  const values = inputs.map((v, i) => v ?? x.c.fail(`missing input ${i}`));
  const y = tf(x.c, 'ConcatV2', [...values, constant([], 'int32', [num(o, 'axis')])]);
  return activation(x, y, num(o, 'fused_activation_function'));
};

const pad =
  (tfOp: 'Pad' | 'PadV2'): TfliteEmitter =>
  (x, inputs) =>
    tf(x.c, tfOp, [input(x, inputs, 0, 'input'), input(x, inputs, 1, 'paddings'), ...(tfOp === 'PadV2' && inputs[2] ? [inputs[2]] : [])]);

/** The builtins the converter handles (DEQUANTIZE of constants is folded by the driver). */
export const TFLITE_EMITTERS: Readonly<Record<string, TfliteEmitter>> = {
  CONV_2D: convolution(false),
  DEPTHWISE_CONV_2D: convolution(true),
  MAX_POOL_2D: pooling('MaxPool'),
  AVERAGE_POOL_2D: pooling('AvgPool'),
  ADD: binary('AddV2', 'AddOptions'),
  SUB: binary('Sub', 'SubOptions'),
  MUL: binary('Mul', 'MulOptions'),
  DIV: binary('RealDiv', 'DivOptions'),
  MAXIMUM: plain('Maximum', 2),
  MINIMUM: plain('Minimum', 2),
  ABS: plain('Abs'),
  RELU: plain('Relu'),
  RELU6: plain('Relu6'),
  RELU_N1_TO_1: (x, inputs) => activation(x, input(x, inputs, 0, 'input'), 2),
  TANH: plain('Tanh'),
  LOGISTIC: plain('Sigmoid'),
  PRELU: preluOp,
  RESHAPE: reshape,
  CONCATENATION: concatenation,
  PAD: pad('Pad'),
  PADV2: pad('PadV2'),
};

/** Every TFLite builtin the converter handles. */
export const SUPPORTED_TFLITE_OPS: readonly string[] = [...Object.keys(TFLITE_EMITTERS), 'DEQUANTIZE'].sort();
