/**
 * A minimal TFLite writer for tests, on the flatbuffers library's Builder: tensors (float32, int32,
 * float16, int8 with quantisation), operators with builtin options, one subgraph. Field ids follow
 * TensorFlow's schema.fbs, written independently of src/models/tflite/schema.ts's reader so that
 * a wrong id on either side shows. Options: write an operator code in the deprecated int8 field,
 * the int32 one or both; keep buffers outside the flatbuffer (the large-model extension); another
 * file identifier.
 */
import { Builder } from 'flatbuffers';

export const TYPE = { FLOAT32: 0, FLOAT16: 1, INT32: 2, UINT8: 3, INT8: 9 } as const;
export const OP = { ADD: 0, CONCATENATION: 2, CONV_2D: 3, DEPTHWISE_CONV_2D: 4, DEQUANTIZE: 6, MAX_POOL_2D: 17, MUL: 18, RELU: 19, RESHAPE: 22, SOFTMAX: 25, PAD: 34, GATHER: 36, SUB: 41, ABS: 101 } as const;
/** Positions in the BuiltinOptions union (schema.fbs order, NONE = 0). */
export const OPTIONS = { Conv2D: 1, DepthwiseConv2D: 2, Pool2D: 5, Concatenation: 10, Add: 11, Reshape: 17, Mul: 21, Sub: 28 } as const;

export interface SynthTensor {
  name: string;
  shape: number[];
  type?: number;
  /** Constant data (little-endian bytes). */
  data?: Uint8Array;
  quantization?: { scale: number[]; zeroPoint: number[]; dimension?: number };
}

/** One field of an options table: [field id, kind, value]. */
export type SynthField = [number, 'int8' | 'int32' | 'int32s', number | number[]];

export interface SynthOperator {
  op: number;
  inputs: number[];
  outputs: number[];
  options?: { type: number; fields: SynthField[] };
}

export interface SynthModel {
  tensors: SynthTensor[];
  operators: SynthOperator[];
  inputs: number[];
  outputs: number[];
  /** How operator codes are written (default 'both', as current converters do). */
  codes?: 'deprecated' | 'builtin' | 'both';
  /** Keep buffer data after the flatbuffer, found by offset and size (default false). */
  external?: boolean;
  identifier?: string;
  description?: string;
}

export const f32 = (values: ArrayLike<number>): Uint8Array => new Uint8Array(Float32Array.from(values).buffer);
export const i32 = (values: ArrayLike<number>): Uint8Array => new Uint8Array(Int32Array.from(values).buffer);

/** Half-precision bits of x (round to nearest even; normal range only, enough for test weights). */
export function toFloat16(x: number): number {
  const f = new Float32Array([x]);
  const u = new Uint32Array(f.buffer)[0]!;
  const sign = (u >>> 16) & 0x8000;
  const exp = ((u >>> 23) & 0xff) - 127 + 15;
  let mant = u & 0x7fffff;
  if (x === 0) return sign;
  if (exp <= 0 || exp >= 31) throw new RangeError(`${x} is outside float16's normal range`);
  const rest = mant & 0x1fff;
  mant >>>= 13;
  let h = sign | (exp << 10) | mant;
  if (rest > 0x1000 || (rest === 0x1000 && (mant & 1) === 1)) h += 1;
  return h;
}

export const f16 = (values: ArrayLike<number>): Uint8Array => new Uint8Array(Uint16Array.from(Array.from(values, toFloat16)).buffer);

function int32Vector(b: Builder, values: readonly number[]): number {
  b.startVector(4, values.length, 4);
  for (let i = values.length - 1; i >= 0; i--) b.addInt32(values[i]!);
  return b.endVector();
}

function offsetVector(b: Builder, offsets: readonly number[]): number {
  b.startVector(4, offsets.length, 4);
  for (let i = offsets.length - 1; i >= 0; i--) b.addOffset(offsets[i]!);
  return b.endVector();
}

function build(m: SynthModel, external: { start: number; offsets: number[] } | undefined): Uint8Array {
  const b = new Builder(1024);
  // Buffers: 0 is the empty sentinel; constant tensors get 1, 2, … in order.
  const constants = m.tensors.filter((t) => t.data);
  const buffers: number[] = [];
  b.startObject(3);
  buffers.push(b.endObject());
  constants.forEach((t, i) => {
    let data = 0;
    if (!external) {
      b.startVector(1, t.data!.length, 16);
      for (let k = t.data!.length - 1; k >= 0; k--) b.addInt8(t.data![k]!);
      data = b.endVector();
    }
    b.startObject(3);
    if (external) {
      b.addFieldInt64(1, BigInt(external.start + external.offsets[i]!), 0n);
      b.addFieldInt64(2, BigInt(t.data!.length), 0n);
    } else b.addFieldOffset(0, data, 0);
    buffers.push(b.endObject());
  });

  const tensors = m.tensors.map((t) => {
    const name = b.createString(t.name);
    const shape = int32Vector(b, t.shape);
    let quant = 0;
    if (t.quantization) {
      const q = t.quantization;
      b.startVector(4, q.scale.length, 4);
      for (let i = q.scale.length - 1; i >= 0; i--) b.addFloat32(q.scale[i]!);
      const scale = b.endVector();
      b.startVector(8, q.zeroPoint.length, 8);
      for (let i = q.zeroPoint.length - 1; i >= 0; i--) b.addInt64(BigInt(q.zeroPoint[i]!));
      const zp = b.endVector();
      b.startObject(7);
      b.addFieldOffset(2, scale, 0);
      b.addFieldOffset(3, zp, 0);
      b.addFieldInt32(6, q.dimension ?? 0, 0);
      quant = b.endObject();
    }
    b.startObject(10);
    b.addFieldOffset(0, shape, 0); // shape
    b.addFieldInt8(1, t.type ?? TYPE.FLOAT32, 0); // type
    b.addFieldInt32(2, t.data ? constants.indexOf(t) + 1 : 0, 0); // buffer
    b.addFieldOffset(3, name, 0); // name
    if (quant) b.addFieldOffset(4, quant, 0); // quantization
    return b.endObject();
  });

  const codeList = [...new Set(m.operators.map((o) => o.op))];
  const codes = codeList.map((code) => {
    b.startObject(4);
    const style = m.codes ?? 'both';
    if (style !== 'builtin') b.addFieldInt8(0, Math.min(code, 127), null); // deprecated_builtin_code
    b.addFieldInt32(2, 1, null); // version
    if (style !== 'deprecated') b.addFieldInt32(3, code, null); // builtin_code
    return b.endObject();
  });

  const operators = m.operators.map((o) => {
    const inputs = int32Vector(b, o.inputs);
    const outputs = int32Vector(b, o.outputs);
    let options = 0;
    if (o.options) {
      const vectors = o.options.fields.map(([, kind, v]) => (kind === 'int32s' ? int32Vector(b, v as number[]) : 0));
      b.startObject(8);
      o.options.fields.forEach(([id, kind, v], i) => {
        if (kind === 'int8') b.addFieldInt8(id, v as number, null);
        else if (kind === 'int32') b.addFieldInt32(id, v as number, null);
        else b.addFieldOffset(id, vectors[i]!, 0);
      });
      options = b.endObject();
    }
    b.startObject(14);
    b.addFieldInt32(0, codeList.indexOf(o.op), null); // opcode_index
    b.addFieldOffset(1, inputs, 0);
    b.addFieldOffset(2, outputs, 0);
    if (o.options) {
      b.addFieldInt8(3, o.options.type, 0); // builtin_options_type
      b.addFieldOffset(4, options, 0); // builtin_options
    }
    return b.endObject();
  });

  const tensorVec = offsetVector(b, tensors);
  const inputs = int32Vector(b, m.inputs);
  const outputs = int32Vector(b, m.outputs);
  const opVec = offsetVector(b, operators);
  const sgName = b.createString('main');
  b.startObject(6);
  b.addFieldOffset(0, tensorVec, 0);
  b.addFieldOffset(1, inputs, 0);
  b.addFieldOffset(2, outputs, 0);
  b.addFieldOffset(3, opVec, 0);
  b.addFieldOffset(4, sgName, 0);
  const subgraph = b.endObject();

  const codeVec = offsetVector(b, codes);
  const sgVec = offsetVector(b, [subgraph]);
  const bufVec = offsetVector(b, buffers);
  const desc = b.createString(m.description ?? 'likeness test model');
  b.startObject(8);
  b.addFieldInt32(0, 3, null); // version
  b.addFieldOffset(1, codeVec, 0);
  b.addFieldOffset(2, sgVec, 0);
  b.addFieldOffset(3, desc, 0);
  b.addFieldOffset(4, bufVec, 0);
  b.finish(b.endObject(), m.identifier ?? 'TFL3');
  return b.asUint8Array();
}

/** The model as a .tflite file's bytes. */
export function buildTflite(m: SynthModel): Uint8Array {
  if (!m.external) return build(m, undefined);
  // Data after the flatbuffer, each buffer 16-aligned. The offsets do not change the flatbuffer's
  // size (the fields are present either way), so one trial build gives where the data starts.
  const constants = m.tensors.filter((t) => t.data);
  const offsets: number[] = [];
  let end = 0;
  for (const t of constants) {
    offsets.push(end);
    end = Math.ceil((end + t.data!.length) / 16) * 16;
  }
  const trial = build(m, { start: 2, offsets: offsets.map(() => 2) }).length;
  const start = Math.ceil(trial / 16) * 16 + 16;
  const fb = build(m, { start, offsets });
  if (fb.length !== trial) throw new Error('flatbuffer size changed between builds');
  const out = new Uint8Array(start + end);
  out.set(fb, 0);
  constants.forEach((t, i) => out.set(t.data!, start + offsets[i]!));
  return out;
}
