/**
 * Conversion state: every TF tensor becomes a `Value` — either a constant known at conversion time
 * (folded, materialised as an initializer only when an ONNX node needs it) or an ONNX value.
 *
 * Layout: TF graphs are NHWC; ONNX's Conv and pooling are NCHW. A dynamic rank-4 value can exist
 * under two physical names, `nhwc` (the TF layout) and `nchw` (axes permuted [0, 3, 1, 2]); each is
 * produced on demand by one Transpose and remembered. Convolutions produce NCHW; element-wise ops,
 * reductions, pads and concats work in whichever layout their inputs already have; everything else
 * asks for NHWC. So a chain conv → bias → activation → conv stays NCHW with no transposes at all.
 */
import onnxProto from 'onnx-proto';
import { ModelError } from '../../errors.js';
import type { GraphBuilder } from '../onnx/graph.js';
import { size, transposeData } from './tensor.js';
import type { TfNode } from './types.js';

export type DType = 'float32' | 'int32' | 'int64' | 'bool';

export interface Value {
  /** The TF (logical, NHWC) shape; -1 for sizes unknown at conversion time. */
  readonly shape: readonly number[];
  readonly dtype: DType;
  /** Constant data, when known at conversion time. */
  readonly data?: Float64Array;
  /** ONNX value name holding the tensor in TF layout. */
  nhwc?: string;
  /** ONNX value name holding a rank-4 tensor permuted to NCHW. */
  nchw?: string;
  /**
   * A clamp not emitted yet: the value is clip(base, lo, hi). Chains such as Relu → Minimum(6) →
   * Maximum(0) merge into one Clip (which onnxruntime fuses into the convolution before it); the
   * node is emitted when something else needs the value.
   */
  clamp?: { base: Value; lo: number; hi: number };
}

export type Layout = 'nhwc' | 'nchw';

export const NHWC_TO_NCHW = [0, 3, 1, 2] as const;
export const NCHW_TO_NHWC = [0, 2, 3, 1] as const;
/** Position of NHWC axis a in NCHW order. */
export const NCHW_AXIS = [0, 2, 3, 1] as const;

const DT = onnxProto.onnx.TensorProto.DataType;

/** ONNX element type of a dynamic value (integers are int64 in ONNX, as its shape ops expect). */
export function onnxElemType(dtype: DType): number {
  return dtype === 'float32' ? DT.FLOAT : dtype === 'bool' ? DT.BOOL : DT.INT64;
}

export function tfDType(node: TfNode, t: string): DType {
  switch (t) {
    case 'DT_FLOAT':
    case 'DT_HALF':
    case 'DT_DOUBLE':
      return 'float32';
    case 'DT_INT32':
    case 'DT_INT16':
    case 'DT_INT8':
    case 'DT_UINT8':
      return 'int32';
    case 'DT_INT64':
      return 'int64';
    case 'DT_BOOL':
      return 'bool';
    default:
      throw new ModelError(`node "${node.name}" (${node.op}): unsupported data type ${t}`);
  }
}

export const isConst = (v: Value): v is Value & { data: Float64Array } => v.data !== undefined;

export function constant(shape: readonly number[], dtype: DType, data: Float64Array | readonly number[]): Value {
  const d = data instanceof Float64Array ? data : Float64Array.from(data);
  if (d.length !== size(shape)) throw new Error(`constant of shape [${shape.join(',')}] given ${d.length} values`);
  if (dtype === 'float32') for (let i = 0; i < d.length; i++) d[i] = Math.fround(d[i]!);
  return { shape: [...shape], dtype, data: d };
}

export function dynamic(name: string, shape: readonly number[], dtype: DType, layout: Layout = 'nhwc'): Value {
  return layout === 'nchw' ? { shape: [...shape], dtype, nchw: name } : { shape: [...shape], dtype, nhwc: name };
}

export class Context {
  constructor(
    readonly g: GraphBuilder,
    /** Keep rank-4 tensors NCHW between ops that allow it (false: NHWC everywhere, transposes around each conv/pool). */
    readonly trackLayout: boolean,
  ) {}

  /** The node currently being converted, for error messages. */
  node: TfNode | undefined;

  fail(message: string): never {
    const n = this.node;
    throw new ModelError(n ? `node "${n.name}" (${n.op}): ${message}` : message);
  }

  /** Emit a pending clamp in the layout its base already has. */
  private realize(v: Value): void {
    if (!v.clamp || v.nhwc !== undefined || v.nchw !== undefined) return;
    const { base, lo, hi } = v.clamp;
    const layout: Layout = this.hasNchw(base) ? 'nchw' : 'nhwc';
    const x = this.get(base, layout);
    const name =
      lo === 0 && hi === Infinity
        ? this.g.op('Relu', [x])
        : this.g.op('Clip', [x, lo === -Infinity ? '' : this.g.constant([lo], [], 'lo'), ...(hi === Infinity ? [] : [this.g.constant([hi], [], 'hi')])]);
    if (layout === 'nchw') v.nchw = name;
    else v.nhwc = name;
  }

  /** The value's ONNX name in TF layout (materialising constants, transposing NCHW values). */
  nhwc(v: Value): string {
    this.realize(v);
    if (v.nhwc === undefined) {
      if (isConst(v)) v.nhwc = this.materialize(v.shape, v.dtype, v.data);
      else v.nhwc = this.g.op('Transpose', [v.nchw!], { perm: { ints: NCHW_TO_NHWC } });
    }
    return v.nhwc;
  }

  /** A rank-4 value's ONNX name in NCHW layout. */
  nchw(v: Value): string {
    if (v.shape.length !== 4) this.fail(`internal: NCHW view of a rank-${v.shape.length} tensor`);
    this.realize(v);
    if (v.nchw === undefined) {
      if (isConst(v)) {
        const t = transposeData(v.data, v.shape, NHWC_TO_NCHW);
        v.nchw = this.materialize(t.shape, v.dtype, t.data);
      } else v.nchw = this.g.op('Transpose', [v.nhwc!], { perm: { ints: NHWC_TO_NCHW } });
    }
    return v.nchw;
  }

  /** Name in the given layout (rank-4 values only for NCHW). */
  get(v: Value, layout: Layout): string {
    return layout === 'nchw' ? this.nchw(v) : this.nhwc(v);
  }

  /** True when the value is a dynamic rank-4 tensor already available in NCHW. */
  hasNchw(v: Value): boolean {
    if (!this.trackLayout || isConst(v) || v.shape.length !== 4) return false;
    if (v.nchw !== undefined) return true;
    return v.nhwc === undefined && v.clamp !== undefined && this.hasNchw(v.clamp.base);
  }

  /** Whether broadcastOperandNchw can place the value (lower-rank dynamic values need a known shape). */
  canBroadcastNchw(v: Value): boolean {
    return v.shape.length === 4 || (v.shape.length < 4 && (isConst(v) || v.shape.every((d) => d >= 0)));
  }

  /**
   * An operand of a broadcasting element-wise op whose rank-4 output is computed in NCHW: rank-4
   * tensors are permuted; lower-rank ones are padded to rank 4 with leading 1s, then permuted.
   */
  broadcastOperandNchw(v: Value): string {
    if (v.shape.length === 4) return this.nchw(v);
    if (!this.canBroadcastNchw(v)) this.fail(`internal: no NCHW operand for shape [${v.shape.join(',')}]`);
    let name = this.broadcastNchw.get(v);
    if (name === undefined) {
      name = this.makeBroadcastOperandNchw(v);
      this.broadcastNchw.set(v, name);
    }
    return name;
  }

  private readonly broadcastNchw = new WeakMap<Value, string>();

  private makeBroadcastOperandNchw(v: Value): string {
    const padded = [...new Array<number>(4 - v.shape.length).fill(1), ...v.shape];
    if (isConst(v)) {
      if (v.data.length === 1) return this.nhwc(v); // a scalar broadcasts the same in any layout
      const t = transposeData(v.data, padded, NHWC_TO_NCHW);
      return this.materialize(t.shape, v.dtype, t.data);
    }
    const permuted = NHWC_TO_NCHW.map((p) => padded[p]!);
    // Moving C before H and W only reorders data when C and (H or W) are both > 1.
    if (padded[3] === 1 || padded.filter((d) => d !== 1).length <= 1) return this.g.op('Reshape', [this.nhwc(v), this.g.int64s(permuted, 'shape')]);
    const r = this.g.op('Reshape', [this.nhwc(v), this.g.int64s(padded, 'shape')]);
    return this.g.op('Transpose', [r], { perm: { ints: NHWC_TO_NCHW } });
  }

  /** An initializer for constant data (float32, or int64 for integer types). */
  materialize(shape: readonly number[], dtype: DType, data: Float64Array): string {
    if (dtype === 'float32') return this.g.constant(Float32Array.from(data), shape, 'const');
    if (dtype === 'bool') this.fail('boolean constants are not supported as ONNX tensors');
    const flat = this.g.int64s(Array.from(data), 'ints');
    if (shape.length === 1) return flat;
    if (shape.length === 0) return this.g.op('Squeeze', [flat, this.g.int64s([0], 'axes')]);
    return this.g.op('Reshape', [flat, this.g.int64s(shape, 'shape')]);
  }
}
