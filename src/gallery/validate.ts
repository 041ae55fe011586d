/**
 * Input checks shared by every store, run before anything is written so bad input leaves the
 * store unchanged.
 */
import { InvalidOptionError } from '../errors.js';
import { GalleryDimensionError, InvalidFaceError, InvalidSubjectError } from './errors.js';
import type { GalleryModel, ListOptions, NewFace } from './types.js';

/** HNSW in pgvector indexes up to 2,000 dimensions; the same limit holds for every store. */
export const MAX_DIMENSIONS = 2000;
export const MAX_NAME_LENGTH = 1000;
export const MAX_METADATA_BYTES = 64 * 1024;
export const MAX_THUMBNAIL_BYTES = 256 * 1024;
/** Encodings must have unit length within this tolerance (the distances assume it). */
export const UNIT_TOLERANCE = 1e-3;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const SHA256 = /^[0-9a-f]{64}$/;
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export const isUuid = (s: unknown): s is string => typeof s === 'string' && UUID.test(s);

export function checkModel(m: GalleryModel): GalleryModel {
  if (!m || typeof m !== 'object') throw new InvalidOptionError('a gallery model must be { name, version, dimensions }');
  if (typeof m.name !== 'string' || m.name.length === 0) throw new InvalidOptionError('a gallery model needs a non-empty name');
  if (typeof m.version !== 'string') throw new InvalidOptionError('a gallery model needs a version string');
  if (!Number.isInteger(m.dimensions) || m.dimensions < 1 || m.dimensions > MAX_DIMENSIONS) {
    throw new InvalidOptionError(`a gallery model's dimensions must be an integer from 1 to ${MAX_DIMENSIONS}, got ${m.dimensions}`);
  }
  return { name: m.name, version: m.version, dimensions: m.dimensions };
}

export const sameModel = (a: GalleryModel, b: GalleryModel): boolean =>
  a.name === b.name && a.version === b.version && a.dimensions === b.dimensions;

/** A unit-length, finite Float32Array of the gallery's dimensions. */
export function checkEmbedding(e: unknown, dimensions: number, what: string): Float32Array {
  if (!(e instanceof Float32Array)) throw new InvalidFaceError(`${what} must be a Float32Array`);
  if (e.length !== dimensions) throw new GalleryDimensionError(what, dimensions, e.length);
  let sq = 0;
  for (let i = 0; i < e.length; i++) {
    const v = e[i]!;
    if (!Number.isFinite(v)) throw new InvalidFaceError(`${what} contains a non-finite value at ${i}`);
    sq += v * v;
  }
  const norm = Math.sqrt(sq);
  if (Math.abs(norm - 1) > UNIT_TOLERANCE) throw new InvalidFaceError(`${what} must have unit length, its norm is ${norm.toPrecision(6)}`);
  return e;
}

export function checkSha256(s: unknown, what = 'imageSha256'): string {
  if (typeof s !== 'string' || !SHA256.test(s)) throw new InvalidFaceError(`${what} must be 64 lowercase hex digits`);
  return s;
}

export function checkThumbnail(t: unknown, what = 'thumbnail'): Uint8Array | undefined {
  if (t === undefined || t === null) return undefined;
  if (!(t instanceof Uint8Array)) throw new InvalidFaceError(`${what} must be PNG bytes (a Uint8Array)`);
  if (t.byteLength > MAX_THUMBNAIL_BYTES) throw new InvalidFaceError(`${what} is ${t.byteLength} bytes, over the limit of ${MAX_THUMBNAIL_BYTES}`);
  if (t.byteLength < PNG_SIGNATURE.length || PNG_SIGNATURE.some((b, i) => t[i] !== b)) throw new InvalidFaceError(`${what} is not a PNG`);
  return t;
}

export function checkNewFace(f: NewFace, dimensions: number, index: number): void {
  const what = `face #${index}`;
  if (!f || typeof f !== 'object') throw new InvalidFaceError(`${what} is not an object`);
  checkEmbedding(f.embedding, dimensions, `${what}'s encoding`);
  if (typeof f.score !== 'number' || !Number.isFinite(f.score)) throw new InvalidFaceError(`${what}'s score must be a finite number`);
  checkSha256(f.imageSha256, `${what}'s imageSha256`);
  checkThumbnail(f.thumbnail, `${what}'s thumbnail`);
}

/** Control characters (C0, DEL, C1): ESC, CR, LF, tab, NUL… would reach terminals and logs as is. */
const CONTROL = /\p{Cc}/u;

/** A subject's name, trimmed: not blank, no control characters. Stores keep the returned (trimmed) name. */
export function checkName(name: unknown): string {
  if (typeof name !== 'string') throw new InvalidSubjectError('the name must be a non-empty string');
  const trimmed = name.trim();
  if (trimmed.length === 0) throw new InvalidSubjectError('the name must not be empty or blank');
  if (trimmed.length > MAX_NAME_LENGTH) throw new InvalidSubjectError(`the name is longer than ${MAX_NAME_LENGTH} characters`);
  const c = CONTROL.exec(trimmed);
  if (c) throw new InvalidSubjectError(`the name contains a control character (U+${c[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')})`);
  return trimmed;
}

/** Validates metadata (a plain JSON object) and returns its JSON text. */
export function metadataJson(metadata: unknown): string {
  if (metadata === undefined) return '{}';
  if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) throw new InvalidSubjectError('metadata must be a plain object');
  let json: string;
  try {
    json = JSON.stringify(metadata);
  } catch (err) {
    throw new InvalidSubjectError(`metadata is not JSON-serialisable (${(err as Error).message})`);
  }
  if (Buffer.byteLength(json) > MAX_METADATA_BYTES) throw new InvalidSubjectError(`metadata is larger than ${MAX_METADATA_BYTES} bytes as JSON`);
  // PostgreSQL's jsonb refuses \u0000; refuse it everywhere so both stores accept the same input.
  if (json.includes('\\u0000')) throw new InvalidSubjectError('metadata contains a NUL character');
  return json;
}

export function checkList(options: ListOptions = {}): { limit: number; offset: number } {
  const { limit, offset } = options;
  const ok = (n: number): boolean => Number.isSafeInteger(n) && n >= 0;
  if (limit !== undefined && !ok(limit)) throw new InvalidOptionError(`limit must be an integer from 0 to ${Number.MAX_SAFE_INTEGER}, got ${limit}`);
  if (offset !== undefined && !ok(offset)) throw new InvalidOptionError(`offset must be an integer from 0 to ${Number.MAX_SAFE_INTEGER}, got ${offset}`);
  return { limit: limit ?? -1, offset: offset ?? 0 };
}

export function checkK(k: number): number {
  if (!Number.isInteger(k) || k < 1) throw new InvalidOptionError(`k must be an integer ≥ 1, got ${k}`);
  return k;
}

/** An ISO 8601 time from an import record, normalised to UTC milliseconds. */
export function checkTime(s: unknown, what: string): string {
  const t = typeof s === 'string' ? Date.parse(s) : NaN;
  if (!Number.isFinite(t)) throw new InvalidOptionError(`${what} must be an ISO 8601 time`);
  return new Date(t).toISOString();
}
