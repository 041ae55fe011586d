/**
 * Layers expressed in ONNX (NCHW) from TensorFlow-layout weights (HWIO filters, NHWC semantics).
 * TensorFlow's 'same' padding puts the odd extra pixel at the end, which is ONNX's SAME_UPPER.
 */
import type { GraphBuilder } from './graph.js';

export type Padding = 'same' | 'valid';

/** HWIO [kh, kw, in, out] → OIHW [out, in, kh, kw]. */
export function hwioToOihw(data: Float32Array, shape: readonly number[]): { data: Float32Array; dims: number[] } {
  const [kh, kw, ci, co] = shape as [number, number, number, number];
  const out = new Float32Array(data.length);
  for (let h = 0; h < kh; h++)
    for (let w = 0; w < kw; w++)
      for (let i = 0; i < ci; i++)
        for (let o = 0; o < co; o++) out[((o * ci + i) * kh + h) * kw + w] = data[((h * kw + w) * ci + i) * co + o]!;
  return { data: out, dims: [co, ci, kh, kw] };
}

/** Depthwise HWCM [kh, kw, c, m] → ONNX grouped conv weight [c·m, 1, kh, kw]. */
export function depthwiseToOihw(data: Float32Array, shape: readonly number[]): { data: Float32Array; dims: number[] } {
  const [kh, kw, c, m] = shape as [number, number, number, number];
  const out = new Float32Array(data.length);
  for (let h = 0; h < kh; h++)
    for (let w = 0; w < kw; w++)
      for (let ch = 0; ch < c; ch++)
        for (let k = 0; k < m; k++) out[((ch * m + k) * kh + h) * kw + w] = data[((h * kw + w) * c + ch) * m + k]!;
  return { data: out, dims: [c * m, 1, kh, kw] };
}

/** Multiply each output channel's filter by s[o] (folds a per-channel scale into an OIHW weight). */
export function scaleOutputChannels(w: Float32Array, dims: readonly number[], s: Float32Array): Float32Array {
  const per = w.length / dims[0]!;
  const out = new Float32Array(w.length);
  for (let o = 0; o < dims[0]!; o++) for (let j = 0; j < per; j++) out[o * per + j] = w[o * per + j]! * s[o]!;
  return out;
}

export interface ConvSpec {
  weight: { data: Float32Array; dims: number[] };
  bias?: Float32Array;
  stride: number;
  padding: Padding;
  group?: number;
}

export function conv(g: GraphBuilder, x: string, spec: ConvSpec): string {
  const inputs = [x, g.constant(spec.weight.data, spec.weight.dims, 'w')];
  if (spec.bias) inputs.push(g.constant(spec.bias, [spec.bias.length], 'b'));
  const [, , kh, kw] = spec.weight.dims as [number, number, number, number];
  return g.op('Conv', inputs, {
    kernel_shape: { ints: [kh, kw] },
    strides: { ints: [spec.stride, spec.stride] },
    auto_pad: { s: spec.padding === 'same' ? 'SAME_UPPER' : 'VALID' },
    group: { i: spec.group ?? 1 },
  });
}

export const relu = (g: GraphBuilder, x: string): string => g.op('Relu', [x]);

export function relu6(g: GraphBuilder, x: string): string {
  return g.op('Clip', [x, g.constant([0], [], 'zero'), g.constant([6], [], 'six')]);
}

export function pool(g: GraphBuilder, kind: 'MaxPool' | 'AveragePool', x: string, kernel: number, stride: number, padding: Padding): string {
  return g.op(kind, [x], {
    kernel_shape: { ints: [kernel, kernel] },
    strides: { ints: [stride, stride] },
    auto_pad: { s: padding === 'same' ? 'SAME_UPPER' : 'VALID' },
  });
}

/** Zero-pad an NCHW tensor: [n, c, h, w] before, then after. */
export function pad(g: GraphBuilder, x: string, before: readonly number[], after: readonly number[]): string {
  return g.op('Pad', [x, g.int64s([...before, ...after], 'pads')], { mode: { s: 'constant' } });
}

/** Fully connected: x [N, in] · W [in, out] + b. */
export function dense(g: GraphBuilder, x: string, w: Float32Array, inDim: number, outDim: number, b?: Float32Array): string {
  const y = g.op('MatMul', [x, g.constant(w, [inDim, outDim], 'fc_w')]);
  return b ? g.op('Add', [y, g.constant(b, [outDim], 'fc_b')]) : y;
}

/** [N, C, 1, 1] (or any [N, ...]) → [N, C·…]. */
export const flatten = (g: GraphBuilder, x: string): string => g.op('Flatten', [x], { axis: { i: 1 } });
