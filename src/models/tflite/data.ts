/**
 * Constant TFLite tensors as numbers: the raw little-endian bytes of a buffer decoded by tensor type
 * (float32, float16, the integer types, bool), and DEQUANTIZE of a constant folded at conversion
 * time: float16 weights widen to float32, int8/uint8/int16 weights become scale · (q − zero_point),
 * per tensor or per channel along `quantized_dimension`.
 */
import { ModelError } from '../../errors.js';
import { float16ToFloat32 } from '../tfjs-weights.js';
import { size } from '../tfjs-graph/tensor.js';
import { ELEMENT_BYTES, type TfliteTensor } from './schema.js';

/** The constant's values (exact: float64 holds every float32 and int32), without dequantisation. */
export function tensorValues(t: TfliteTensor): Float64Array {
  const data = t.data;
  if (!data) throw new ModelError(`tensor "${t.name}" has no constant data`);
  const n = size(t.shape);
  const bytes = ELEMENT_BYTES[t.type];
  if (bytes === undefined) throw new ModelError(`tensor "${t.name}": constants of type ${t.type} are not supported`);
  if (t.sparse) throw new ModelError(`tensor "${t.name}": sparse constants are not supported`);
  if (data.length !== n * bytes) throw new ModelError(`tensor "${t.name}" of shape [${t.shape.join(',')}] (${t.type}) has ${data.length} bytes of data, expected ${n * bytes}`);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const out = new Float64Array(n);
  const read: (i: number) => number = {
    FLOAT32: (i: number) => view.getFloat32(4 * i, true),
    FLOAT16: (i: number) => float16ToFloat32(view.getUint16(2 * i, true)),
    FLOAT64: (i: number) => view.getFloat64(8 * i, true),
    INT32: (i: number) => view.getInt32(4 * i, true),
    INT64: (i: number) => Number(view.getBigInt64(8 * i, true)),
    INT16: (i: number) => view.getInt16(2 * i, true),
    INT8: (i: number) => view.getInt8(i),
    UINT8: (i: number) => view.getUint8(i),
    BOOL: (i: number) => (view.getUint8(i) ? 1 : 0),
  }[t.type as 'FLOAT32'];
  for (let i = 0; i < n; i++) out[i] = read(i);
  return out;
}

/** DEQUANTIZE of a constant: float values of a float16 or quantised integer tensor. */
export function dequantizeValues(t: TfliteTensor): Float64Array {
  const q = tensorValues(t);
  if (t.type === 'FLOAT16' || t.type === 'FLOAT32') return q;
  if (t.type !== 'INT8' && t.type !== 'UINT8' && t.type !== 'INT16') throw new ModelError(`tensor "${t.name}": DEQUANTIZE of ${t.type} is not supported`);
  const p = t.quantization;
  if (!p || p.scale.length === 0) throw new ModelError(`tensor "${t.name}" (${t.type}) has no quantisation scale to dequantise with`);
  const channels = p.scale.length;
  if (channels === 1) {
    const zp = p.zeroPoint[0] ?? 0;
    return q.map((v) => (v - zp) * p.scale[0]!);
  }
  const axis = p.quantizedDimension;
  if (t.shape[axis] !== channels) throw new ModelError(`tensor "${t.name}": ${channels} scales for dimension ${axis} of shape [${t.shape.join(',')}]`);
  const inner = size(t.shape.slice(axis + 1));
  return q.map((v, i) => {
    const ch = Math.floor(i / inner) % channels;
    return (v - (p.zeroPoint[ch] ?? 0)) * p.scale[ch]!;
  });
}
