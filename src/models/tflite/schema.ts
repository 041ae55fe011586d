/**
 * A reader for TensorFlow Lite model files (the `tflite` flatbuffer, file identifier "TFL3"), on the
 * `flatbuffers` library's ByteBuffer. Typed accessors cover the tables the converter needs; their
 * field ids follow the field order of TensorFlow's `tensorflow/lite/schema/schema.fbs` (a union
 * field takes two ids: its type byte, then the table). Every offset is checked against the file's
 * size before it is followed, so a truncated or garbled file raises a ModelError instead of reading
 * past the end; the structure has a fixed depth, so no loop can run longer than the file is long.
 *
 * `readTflite` decodes the whole file into plain objects: tensors with their constant data (the
 * buffer's bytes, inline or, in the large-model extension, at an offset from the file's start),
 * operators with their builtin options as a record of the fields the converter reads.
 */
import { ByteBuffer } from 'flatbuffers';
import { ModelError } from '../../errors.js';

/** TensorType, as numbered in schema.fbs. */
export const TENSOR_TYPES = [
  'FLOAT32', 'FLOAT16', 'INT32', 'UINT8', 'INT64', 'STRING', 'BOOL', 'INT16', 'COMPLEX64', 'INT8',
  'FLOAT64', 'COMPLEX128', 'UINT64', 'RESOURCE', 'VARIANT', 'UINT32', 'UINT16', 'INT4', 'BFLOAT16',
] as const;
export type TensorTypeName = (typeof TENSOR_TYPES)[number] | `type ${number}`;

/** BuiltinOperator names by code (schema.fbs; the StableHLO codes from 162 on are named by number). */
export const BUILTIN_OPERATORS: readonly string[] = [
  'ADD', 'AVERAGE_POOL_2D', 'CONCATENATION', 'CONV_2D', 'DEPTHWISE_CONV_2D', 'DEPTH_TO_SPACE', 'DEQUANTIZE',
  'EMBEDDING_LOOKUP', 'FLOOR', 'FULLY_CONNECTED', 'HASHTABLE_LOOKUP', 'L2_NORMALIZATION', 'L2_POOL_2D',
  'LOCAL_RESPONSE_NORMALIZATION', 'LOGISTIC', 'LSH_PROJECTION', 'LSTM', 'MAX_POOL_2D', 'MUL', 'RELU',
  'RELU_N1_TO_1', 'RELU6', 'RESHAPE', 'RESIZE_BILINEAR', 'RNN', 'SOFTMAX', 'SPACE_TO_DEPTH', 'SVDF', 'TANH',
  'CONCAT_EMBEDDINGS', 'SKIP_GRAM', 'CALL', 'CUSTOM', 'EMBEDDING_LOOKUP_SPARSE', 'PAD',
  'UNIDIRECTIONAL_SEQUENCE_RNN', 'GATHER', 'BATCH_TO_SPACE_ND', 'SPACE_TO_BATCH_ND', 'TRANSPOSE', 'MEAN',
  'SUB', 'DIV', 'SQUEEZE', 'UNIDIRECTIONAL_SEQUENCE_LSTM', 'STRIDED_SLICE', 'BIDIRECTIONAL_SEQUENCE_RNN',
  'EXP', 'TOPK_V2', 'SPLIT', 'LOG_SOFTMAX', 'DELEGATE', 'BIDIRECTIONAL_SEQUENCE_LSTM', 'CAST', 'PRELU',
  'MAXIMUM', 'ARG_MAX', 'MINIMUM', 'LESS', 'NEG', 'PADV2', 'GREATER', 'GREATER_EQUAL', 'LESS_EQUAL', 'SELECT',
  'SLICE', 'SIN', 'TRANSPOSE_CONV', 'SPARSE_TO_DENSE', 'TILE', 'EXPAND_DIMS', 'EQUAL', 'NOT_EQUAL', 'LOG',
  'SUM', 'SQRT', 'RSQRT', 'SHAPE', 'POW', 'ARG_MIN', 'FAKE_QUANT', 'REDUCE_PROD', 'REDUCE_MAX', 'PACK',
  'LOGICAL_OR', 'ONE_HOT', 'LOGICAL_AND', 'LOGICAL_NOT', 'UNPACK', 'REDUCE_MIN', 'FLOOR_DIV', 'REDUCE_ANY',
  'SQUARE', 'ZEROS_LIKE', 'FILL', 'FLOOR_MOD', 'RANGE', 'RESIZE_NEAREST_NEIGHBOR', 'LEAKY_RELU',
  'SQUARED_DIFFERENCE', 'MIRROR_PAD', 'ABS', 'SPLIT_V', 'UNIQUE', 'CEIL', 'REVERSE_V2', 'ADD_N', 'GATHER_ND',
  'COS', 'WHERE', 'RANK', 'ELU', 'REVERSE_SEQUENCE', 'MATRIX_DIAG', 'QUANTIZE', 'MATRIX_SET_DIAG', 'ROUND',
  'HARD_SWISH', 'IF', 'WHILE', 'NON_MAX_SUPPRESSION_V4', 'NON_MAX_SUPPRESSION_V5', 'SCATTER_ND', 'SELECT_V2',
  'DENSIFY', 'SEGMENT_SUM', 'BATCH_MATMUL', 'PLACEHOLDER_FOR_GREATER_OP_CODES', 'CUMSUM', 'CALL_ONCE',
  'BROADCAST_TO', 'RFFT2D', 'CONV_3D', 'IMAG', 'REAL', 'COMPLEX_ABS', 'HASHTABLE', 'HASHTABLE_FIND',
  'HASHTABLE_IMPORT', 'HASHTABLE_SIZE', 'REDUCE_ALL', 'CONV_3D_TRANSPOSE', 'VAR_HANDLE', 'READ_VARIABLE',
  'ASSIGN_VARIABLE', 'BROADCAST_ARGS', 'RANDOM_STANDARD_NORMAL', 'BUCKETIZE', 'RANDOM_UNIFORM', 'MULTINOMIAL',
  'GELU', 'DYNAMIC_UPDATE_SLICE', 'RELU_0_TO_1', 'UNSORTED_SEGMENT_PROD', 'UNSORTED_SEGMENT_MAX',
  'UNSORTED_SEGMENT_SUM', 'ATAN2', 'UNSORTED_SEGMENT_MIN', 'SIGN', 'BITCAST', 'BITWISE_XOR', 'RIGHT_SHIFT',
];

/** The builtin code of PLACEHOLDER_FOR_GREATER_OP_CODES: codes from here on live only in OperatorCode.builtin_code. */
const PLACEHOLDER_FOR_GREATER_OP_CODES = 127;
const CUSTOM = 32;

/** ActivationFunctionType. */
export const ACTIVATIONS = ['NONE', 'RELU', 'RELU_N1_TO_1', 'RELU6', 'TANH', 'SIGN_BIT'] as const;
export type Activation = (typeof ACTIVATIONS)[number] | `activation ${number}`;

export type Padding = 'SAME' | 'VALID' | `padding ${number}`;

/** A field of a builtin options table: its id in the table, its kind and default. */
type FieldKind = 'int8' | 'uint8' | 'bool' | 'int32' | 'float32' | 'int32s';
interface OptionField {
  id: number;
  kind: FieldKind;
  default?: number;
}

/**
 * The builtin options tables the converter reads: their position in the BuiltinOptions union
 * (1-based: 0 is NONE) and fields by id. Enum-typed fields (padding, activation) are bytes. Ops
 * whose options table is empty (PAD, DEQUANTIZE, …) or absent (RELU, ABS) need no entry.
 */
const act: OptionField = { id: 0, kind: 'int8' };
export const OPTION_TABLES = {
  Conv2DOptions: {
    union: 1,
    fields: { padding: { id: 0, kind: 'int8' }, stride_w: { id: 1, kind: 'int32' }, stride_h: { id: 2, kind: 'int32' }, fused_activation_function: { id: 3, kind: 'int8' }, dilation_w_factor: { id: 4, kind: 'int32', default: 1 }, dilation_h_factor: { id: 5, kind: 'int32', default: 1 } },
  },
  DepthwiseConv2DOptions: {
    union: 2,
    fields: { padding: { id: 0, kind: 'int8' }, stride_w: { id: 1, kind: 'int32' }, stride_h: { id: 2, kind: 'int32' }, depth_multiplier: { id: 3, kind: 'int32' }, fused_activation_function: { id: 4, kind: 'int8' }, dilation_w_factor: { id: 5, kind: 'int32', default: 1 }, dilation_h_factor: { id: 6, kind: 'int32', default: 1 } },
  },
  Pool2DOptions: {
    union: 5,
    fields: { padding: { id: 0, kind: 'int8' }, stride_w: { id: 1, kind: 'int32' }, stride_h: { id: 2, kind: 'int32' }, filter_width: { id: 3, kind: 'int32' }, filter_height: { id: 4, kind: 'int32' }, fused_activation_function: { id: 5, kind: 'int8' } },
  },
  ConcatenationOptions: { union: 10, fields: { axis: { id: 0, kind: 'int32' }, fused_activation_function: { id: 1, kind: 'int8' } } },
  AddOptions: { union: 11, fields: { fused_activation_function: act } },
  ReshapeOptions: { union: 17, fields: { new_shape: { id: 0, kind: 'int32s' } } },
  MulOptions: { union: 21, fields: { fused_activation_function: act } },
  SubOptions: { union: 28, fields: { fused_activation_function: act } },
  DivOptions: { union: 29, fields: { fused_activation_function: act } },
} as const satisfies Record<string, { union: number; fields: Record<string, OptionField> }>;

export type OptionTable = keyof typeof OPTION_TABLES;
export type Options = Record<string, number | number[]>;

export interface TfliteQuantization {
  scale: number[];
  zeroPoint: number[];
  quantizedDimension: number;
}

export interface TfliteTensor {
  index: number;
  name: string;
  type: TensorTypeName;
  shape: number[];
  /** shape_signature when present (-1 for dimensions free at run time), else shape. */
  shapeSignature: number[];
  /** The constant's raw little-endian bytes (undefined for tensors computed at run time). */
  data?: Uint8Array;
  quantization?: TfliteQuantization;
  isVariable: boolean;
  sparse: boolean;
}

export interface TfliteOperator {
  index: number;
  /** BuiltinOperator name (e.g. "CONV_2D"), "CUSTOM:<code>" or "builtin <n>" for codes this reader does not name. */
  op: string;
  version: number;
  /** Tensor indices; -1 marks an omitted optional input. */
  inputs: number[];
  outputs: number[];
  /** The union's type id (0: no options). */
  optionsType: number;
  /** The options table's position, for readOptions. */
  optionsPos?: number;
}

export interface TfliteSubgraph {
  name: string;
  tensors: TfliteTensor[];
  inputs: number[];
  outputs: number[];
  operators: TfliteOperator[];
}

export interface TfliteModel {
  version: number;
  description: string;
  subgraphs: TfliteSubgraph[];
  /** Signature defs: alias → tensor index, per signature (TF 2.x converters write one, "serving_default"). */
  signatures: { key: string; subgraph: number; inputs: Record<string, number>; outputs: Record<string, number> }[];
  /** The flatbuffer, for reading options tables. */
  readonly bb: ByteBuffer;
}

/** Bounds-checked table and vector access on a ByteBuffer (positions are absolute byte offsets). */
class Reader {
  readonly size: number;
  constructor(
    readonly bb: ByteBuffer,
    private readonly what: string,
  ) {
    this.size = bb.capacity();
  }

  fail(detail: string): never {
    throw new ModelError(`${this.what} is not a valid TFLite file (${detail}): truncated or corrupt`);
  }

  private need(pos: number, bytes: number, what: string): void {
    if (!Number.isSafeInteger(pos) || pos < 0 || pos + bytes > this.size) this.fail(`${what} at byte ${pos} is outside the ${this.size}-byte file`);
  }

  /** Validate the table at `pos` and its vtable; returns pos. */
  table(pos: number, what: string): number {
    this.need(pos, 4, what);
    const vt = pos - this.bb.readInt32(pos);
    this.need(vt, 4, `${what}'s vtable`);
    const vtLen = this.bb.readUint16(vt);
    const objLen = this.bb.readUint16(vt + 2);
    if (vtLen < 4 || vtLen % 2 !== 0) this.fail(`${what}'s vtable has length ${vtLen}`);
    this.need(vt, vtLen, `${what}'s vtable`);
    this.need(pos, objLen, what);
    return pos;
  }

  /** Absolute position of field `id` of the table at `pos`, or 0 when absent. */
  field(pos: number, id: number, bytes: number, what: string): number {
    const o = this.bb.__offset(pos, 4 + 2 * id);
    if (o === 0) return 0;
    this.need(pos + o, bytes, what);
    return pos + o;
  }

  int8(pos: number, id: number, fallback: number): number {
    const p = this.field(pos, id, 1, 'int8 field');
    return p ? this.bb.readInt8(p) : fallback;
  }

  uint8(pos: number, id: number, fallback: number): number {
    const p = this.field(pos, id, 1, 'uint8 field');
    return p ? this.bb.readUint8(p) : fallback;
  }

  int32(pos: number, id: number, fallback: number): number {
    const p = this.field(pos, id, 4, 'int32 field');
    return p ? this.bb.readInt32(p) : fallback;
  }

  uint32(pos: number, id: number, fallback: number): number {
    const p = this.field(pos, id, 4, 'uint32 field');
    return p ? this.bb.readUint32(p) : fallback;
  }

  float32(pos: number, id: number, fallback: number): number {
    const p = this.field(pos, id, 4, 'float field');
    return p ? this.bb.readFloat32(p) : fallback;
  }

  uint64(pos: number, id: number): bigint {
    const p = this.field(pos, id, 8, 'uint64 field');
    return p ? this.bb.readUint64(p) : 0n;
  }

  /** Follow the uoffset at `p` (absolute). */
  private indirect(p: number, what: string): number {
    const target = p + this.bb.readUint32(p);
    this.need(target, 4, what);
    return target;
  }

  /** The sub-table in field `id`, or 0. */
  child(pos: number, id: number, what: string): number {
    const p = this.field(pos, id, 4, what);
    return p ? this.table(this.indirect(p, what), what) : 0;
  }

  /** Start and length of the vector in field `id` (elements of `elemSize` bytes), or undefined. */
  vector(pos: number, id: number, elemSize: number, what: string): { start: number; length: number } | undefined {
    const p = this.field(pos, id, 4, what);
    if (!p) return undefined;
    const v = this.indirect(p, what);
    const length = this.bb.readUint32(v);
    this.need(v + 4, length * elemSize, `${what} (${length} elements)`);
    return { start: v + 4, length };
  }

  int32s(pos: number, id: number, what: string): number[] | undefined {
    const v = this.vector(pos, id, 4, what);
    if (!v) return undefined;
    const out = new Array<number>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = this.bb.readInt32(v.start + 4 * i);
    return out;
  }

  floats(pos: number, id: number, what: string): number[] | undefined {
    const v = this.vector(pos, id, 4, what);
    if (!v) return undefined;
    const out = new Array<number>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = this.bb.readFloat32(v.start + 4 * i);
    return out;
  }

  int64s(pos: number, id: number, what: string): number[] | undefined {
    const v = this.vector(pos, id, 8, what);
    if (!v) return undefined;
    const out = new Array<number>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = Number(this.bb.readInt64(v.start + 8 * i));
    return out;
  }

  bytes(pos: number, id: number, what: string): Uint8Array | undefined {
    const v = this.vector(pos, id, 1, what);
    return v ? this.bb.bytes().subarray(v.start, v.start + v.length) : undefined;
  }

  /** The tables of a vector of tables. */
  tables(pos: number, id: number, what: string): number[] {
    const v = this.vector(pos, id, 4, what);
    if (!v) return [];
    const out = new Array<number>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = this.table(this.indirect(v.start + 4 * i, what), `${what}[${i}]`);
    return out;
  }

  string(pos: number, id: number, what: string): string {
    const v = this.vector(pos, id, 1, what);
    return v ? new TextDecoder().decode(this.bb.bytes().subarray(v.start, v.start + v.length)) : '';
  }
}

// Field ids (schema.fbs order).
const MODEL = { version: 0, operator_codes: 1, subgraphs: 2, description: 3, buffers: 4, signature_defs: 7 };
const OPERATOR_CODE = { deprecated_builtin_code: 0, custom_code: 1, version: 2, builtin_code: 3 };
const SUBGRAPH = { tensors: 0, inputs: 1, outputs: 2, operators: 3, name: 4 };
const TENSOR = { shape: 0, type: 1, buffer: 2, name: 3, quantization: 4, is_variable: 5, sparsity: 6, shape_signature: 7 };
const QUANTIZATION = { scale: 2, zero_point: 3, details_type: 4, quantized_dimension: 6 };
const OPERATOR = { opcode_index: 0, inputs: 1, outputs: 2, builtin_options_type: 3, builtin_options: 4 };
const BUFFER = { data: 0, offset: 1, size: 2 };
const SIGNATURE_DEF = { inputs: 0, outputs: 1, signature_key: 2, subgraph_index: 4 };
const TENSOR_MAP = { name: 0, tensor_index: 1 };

/** Bytes per element of the tensor types whose data the converter can read. */
export const ELEMENT_BYTES: Partial<Record<TensorTypeName, number>> = { FLOAT32: 4, FLOAT16: 2, INT32: 4, UINT8: 1, INT64: 8, BOOL: 1, INT16: 2, INT8: 1, FLOAT64: 8 };

/** True when the bytes carry TFLite's file identifier "TFL3" at bytes 4..8. */
export function hasTfliteIdentifier(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && new TextDecoder().decode(bytes.subarray(4, 8)) === 'TFL3';
}

/**
 * Decode a TFLite file. `what` names it in error messages. Throws a ModelError for anything that is
 * not a well-formed TFLite flatbuffer.
 */
export function readTflite(bytes: Uint8Array, what = 'the model'): TfliteModel {
  if (bytes.length < 8) throw new ModelError(`${what} is not a TFLite file: ${bytes.length} bytes`);
  if (!hasTfliteIdentifier(bytes)) {
    const id = Array.from(bytes.subarray(4, 8), (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`)).join('');
    throw new ModelError(`${what} is not a TFLite file: its identifier (bytes 4..8) is "${id}", not "TFL3"`);
  }
  const bb = new ByteBuffer(bytes);
  const r: Reader = new Reader(bb, what);
  const root = r.table(bb.readUint32(0), 'Model');
  const version = r.uint32(root, MODEL.version, 0);
  if (version !== 3) r.fail(`schema version ${version}, expected 3`);

  const codes = r.tables(root, MODEL.operator_codes, 'operator_codes').map((p) => {
    // TF's rule: the larger of the two fields (old files have only the int8 one, new ops only the int32 one).
    const code = Math.max(r.int8(p, OPERATOR_CODE.deprecated_builtin_code, 0), r.int32(p, OPERATOR_CODE.builtin_code, 0));
    const version = r.int32(p, OPERATOR_CODE.version, 1);
    if (code === CUSTOM) return { op: `CUSTOM:${r.string(p, OPERATOR_CODE.custom_code, 'custom_code')}`, version };
    return { op: code >= 0 && code < BUILTIN_OPERATORS.length && code !== PLACEHOLDER_FOR_GREATER_OP_CODES ? BUILTIN_OPERATORS[code]! : `builtin ${code}`, version };
  });

  const buffers = r.tables(root, MODEL.buffers, 'buffers').map((p, i): Uint8Array | undefined => {
    const offset = r.uint64(p, BUFFER.offset);
    if (offset > 1n) {
      // Large-model extension: the data follows the flatbuffer, at an offset from the file's start.
      const size = r.uint64(p, BUFFER.size);
      if (offset + size > BigInt(bytes.length)) r.fail(`buffer ${i} spans bytes ${offset}..${offset + size}`);
      return bytes.subarray(Number(offset), Number(offset + size));
    }
    const data = r.bytes(p, BUFFER.data, `buffer ${i}`);
    return data && data.length > 0 ? data : undefined;
  });

  const subgraphs = r.tables(root, MODEL.subgraphs, 'subgraphs').map((sp, si): TfliteSubgraph => {
    const tensors = r.tables(sp, SUBGRAPH.tensors, 'tensors').map((tp, index): TfliteTensor => {
      const typeCode = r.int8(tp, TENSOR.type, 0);
      const shape = r.int32s(tp, TENSOR.shape, 'tensor shape') ?? [];
      const buffer = r.uint32(tp, TENSOR.buffer, 0);
      if (buffer >= Math.max(buffers.length, 1)) r.fail(`tensor ${index} of subgraph ${si} refers to buffer ${buffer} of ${buffers.length}`);
      const t: TfliteTensor = {
        index,
        name: r.string(tp, TENSOR.name, 'tensor name'),
        type: TENSOR_TYPES[typeCode] ?? `type ${typeCode}`,
        shape,
        shapeSignature: r.int32s(tp, TENSOR.shape_signature, 'shape_signature') ?? shape,
        isVariable: r.uint8(tp, TENSOR.is_variable, 0) !== 0,
        sparse: r.child(tp, TENSOR.sparsity, 'sparsity') !== 0,
      };
      const data = buffers[buffer];
      if (data) t.data = data;
      const qp = r.child(tp, TENSOR.quantization, 'quantization');
      if (qp) {
        const scale = r.floats(qp, QUANTIZATION.scale, 'quantization scale') ?? [];
        if (scale.length > 0 || r.uint8(qp, QUANTIZATION.details_type, 0) !== 0) {
          t.quantization = {
            scale,
            zeroPoint: r.int64s(qp, QUANTIZATION.zero_point, 'quantization zero_point') ?? [],
            quantizedDimension: r.int32(qp, QUANTIZATION.quantized_dimension, 0),
          };
        }
      }
      return t;
    });
    const checkIndices = (list: number[], what: string, optional: boolean): number[] => {
      for (const i of list) if (!(i < tensors.length && (i >= 0 || (optional && i === -1)))) r.fail(`${what} refers to tensor ${i} of ${tensors.length}`);
      return list;
    };
    const operators = r.tables(sp, SUBGRAPH.operators, 'operators').map((op, index): TfliteOperator => {
      const ci = r.uint32(op, OPERATOR.opcode_index, 0);
      const code = codes[ci];
      if (!code) r.fail(`operator ${index} uses operator code ${ci} of ${codes.length}`);
      const o: TfliteOperator = {
        index,
        op: code.op,
        version: code.version,
        inputs: checkIndices(r.int32s(op, OPERATOR.inputs, 'operator inputs') ?? [], `operator ${index}'s inputs`, true),
        outputs: checkIndices(r.int32s(op, OPERATOR.outputs, 'operator outputs') ?? [], `operator ${index}'s outputs`, false),
        optionsType: r.uint8(op, OPERATOR.builtin_options_type, 0),
      };
      const opts = r.child(op, OPERATOR.builtin_options, 'builtin_options');
      if (opts) o.optionsPos = opts;
      return o;
    });
    return {
      name: r.string(sp, SUBGRAPH.name, 'subgraph name'),
      tensors,
      inputs: checkIndices(r.int32s(sp, SUBGRAPH.inputs, 'subgraph inputs') ?? [], 'subgraph inputs', false),
      outputs: checkIndices(r.int32s(sp, SUBGRAPH.outputs, 'subgraph outputs') ?? [], 'subgraph outputs', false),
      operators,
    };
  });

  const signatures = r.tables(root, MODEL.signature_defs, 'signature_defs').map((sp) => {
    const map = (id: number): Record<string, number> => {
      const out: Record<string, number> = {};
      for (const tp of r.tables(sp, id, 'signature tensors')) out[r.string(tp, TENSOR_MAP.name, 'signature name')] = r.uint32(tp, TENSOR_MAP.tensor_index, 0);
      return out;
    };
    return { key: r.string(sp, SIGNATURE_DEF.signature_key, 'signature_key'), subgraph: r.uint32(sp, SIGNATURE_DEF.subgraph_index, 0), inputs: map(SIGNATURE_DEF.inputs), outputs: map(SIGNATURE_DEF.outputs) };
  });

  return { version, description: r.string(root, MODEL.description, 'description'), subgraphs, signatures, bb };
}

/**
 * The builtin options of `op` read as `table` (every field, defaults filled in). An operator
 * without options gets the defaults; options of another union type are an error.
 */
export function readOptions(model: TfliteModel, op: TfliteOperator, table: OptionTable): Options {
  const spec = OPTION_TABLES[table];
  const r = new Reader(model.bb, 'the model');
  const out: Options = {};
  const pos = op.optionsPos;
  if (pos !== undefined && op.optionsType !== spec.union) {
    throw new ModelError(`operator ${op.index} (${op.op}) has builtin options of union type ${op.optionsType}, expected ${table} (${spec.union})`);
  }
  for (const [name, f] of Object.entries(spec.fields) as [string, OptionField][]) {
    const d = f.default ?? 0;
    if (pos === undefined) {
      out[name] = f.kind === 'int32s' ? [] : d;
      continue;
    }
    switch (f.kind) {
      case 'int8':
        out[name] = r.int8(pos, f.id, d);
        break;
      case 'uint8':
      case 'bool':
        out[name] = r.uint8(pos, f.id, d);
        break;
      case 'int32':
        out[name] = r.int32(pos, f.id, d);
        break;
      case 'float32':
        out[name] = r.float32(pos, f.id, d);
        break;
      case 'int32s':
        out[name] = r.int32s(pos, f.id, `${table}.${name}`) ?? [];
        break;
    }
  }
  return out;
}

export const activationName = (code: number): Activation => ACTIVATIONS[code] ?? `activation ${code}`;
export const paddingName = (code: number): Padding => (code === 0 ? 'SAME' : code === 1 ? 'VALID' : `padding ${code}`);
