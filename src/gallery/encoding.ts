/**
 * How encodings travel: little-endian float32 bytes (SQLite BLOBs, export base64), pgvector's text
 * literal (queries) and pgvector's binary form (`vector_send`, big-endian, for reading back).
 */
import { endianness } from 'node:os';

const LITTLE_ENDIAN_HOST = endianness() === 'LE';

/** The encoding as little-endian float32 bytes (a copy). */
export function embeddingToBytes(e: Float32Array): Buffer {
  if (LITTLE_ENDIAN_HOST) return Buffer.from(e.buffer.slice(e.byteOffset, e.byteOffset + e.byteLength));
  const out = Buffer.alloc(e.length * 4);
  for (let i = 0; i < e.length; i++) out.writeFloatLE(e[i]!, i * 4);
  return out;
}

/** Little-endian float32 bytes → a new Float32Array (copied, so the bytes' alignment does not matter). */
export function bytesToEmbedding(b: Uint8Array): Float32Array {
  if (b.byteLength % 4 !== 0) throw new RangeError(`an encoding's byte length must be a multiple of 4, got ${b.byteLength}`);
  const out = new Float32Array(b.byteLength / 4);
  if (LITTLE_ENDIAN_HOST) new Uint8Array(out.buffer).set(b);
  else {
    const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
    for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  }
  return out;
}

/** Copies little-endian float32 bytes into `target` at element `offset`. */
export function copyBytesInto(target: Float32Array, offset: number, b: Uint8Array): void {
  if (LITTLE_ENDIAN_HOST) new Uint8Array(target.buffer, target.byteOffset + offset * 4, b.byteLength).set(b);
  else target.set(bytesToEmbedding(b), offset);
}

export const embeddingToBase64 = (e: Float32Array): string => embeddingToBytes(e).toString('base64');
export const base64ToEmbedding = (s: string): Float32Array => bytesToEmbedding(Buffer.from(s, 'base64'));

/** pgvector's text literal, '[x1,x2,…]'. JS prints each float32 value exactly (shortest round-trip form). */
export function toVectorLiteral(e: Float32Array): string {
  let s = '[';
  for (let i = 0; i < e.length; i++) s += (i ? ',' : '') + e[i]!;
  return s + ']';
}

/** pgvector's binary form (vector_send): int16 dims, int16 unused, dims × float4, all big-endian. */
export function fromVectorBinary(b: Uint8Array): Float32Array {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const dims = view.getInt16(0);
  const out = new Float32Array(dims);
  for (let i = 0; i < dims; i++) out[i] = view.getFloat32(4 + i * 4);
  return out;
}

/** Writes pgvector's binary form into `target` at element `offset`, returning the dimension count. */
export function copyVectorBinaryInto(target: Float32Array, offset: number, b: Uint8Array): number {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const dims = view.getInt16(0);
  for (let i = 0; i < dims; i++) target[offset + i] = view.getFloat32(4 + i * 4);
  return dims;
}
