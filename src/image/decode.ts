/**
 * The library's only image input path: file or bytes in, upright 8-bit sRGB pixels out.
 *
 * Everything goes through sharp (libvips). Choices made here, once, for the whole project:
 * - Accepted formats: JPEG, PNG, WebP, GIF (first frame) and TIFF (first page). Anything else that
 *   libvips could open (SVG, PDF, HEIF, ...) is refused with ImageDecodeError: fewer decoders, less
 *   attack surface, and every accepted format is covered by tests.
 * - Colour: grey, CMYK and 16-bit inputs are converted to 8-bit sRGB; an embedded ICC profile is
 *   honoured.
 * - Transparency: alpha is flattened onto WHITE (the usual choice: a transparent PNG looks as it
 *   does on a web page). Only fully or partly transparent pixels are affected.
 * - Orientation: the EXIF orientation tag is applied, so the pixels are upright and width/height
 *   are the upright size.
 * - Damage: a truncated or corrupt file is an error (`failOn: 'error'`), never a silently grey
 *   image; mere decoder warnings (oddities every viewer tolerates) are accepted.
 * - Size: the pixel cap is checked from the header before any pixel is decoded, and given to sharp
 *   again (`limitInputPixels`) as a second guard.
 */
import { readFile } from 'node:fs/promises';
import sharp, { type Metadata, type OutputInfo } from 'sharp';
import {
  EmptyImageError,
  ImageDecodeError,
  ImageReadError,
  ImageTooLargeError,
  InvalidOptionError,
  LikenessError,
} from '../errors.js';
import type { RgbImage } from '../types.js';

/** Default pixel cap for {@link loadImage}: 40 megapixels (e.g. 7300×5475), about 120 MB of RGB. */
export const DEFAULT_MAX_PIXELS = 40_000_000;

/** Options of {@link loadImage}. */
export interface LoadImageOptions {
  /** Refuse images with more than this many pixels (width × height). Default {@link DEFAULT_MAX_PIXELS}. */
  maxPixels?: number;
  /** Label used in error messages and returned as `source`. Default: the path, or `"<buffer>"`. */
  source?: string;
}

/** A decoded image together with the label of where it came from. */
export interface LoadedImage extends RgbImage {
  readonly source: string;
}

/** The formats {@link loadImage} accepts, as sharp names them in its metadata. */
const ACCEPTED_FORMATS: ReadonlySet<string> = new Set(['jpeg', 'png', 'webp', 'gif', 'tiff']);

const WHITE = { r: 255, g: 255, b: 255 };

/**
 * Decode an image file (path) or encoded bytes into upright 8-bit RGB.
 *
 * JPEG, PNG, WebP, GIF (first frame) and TIFF (first page) are accepted; grey, CMYK and 16-bit
 * images are converted to 8-bit sRGB, alpha is flattened onto white, and the EXIF orientation is
 * applied. `data` is a plain Uint8Array of exactly `width * height * 3` bytes.
 *
 * @throws {ImageReadError} the path is missing, unreadable or a directory.
 * @throws {EmptyImageError} the file or buffer has zero bytes.
 * @throws {ImageTooLargeError} the header announces more than `maxPixels` pixels (nothing is decoded).
 * @throws {ImageDecodeError} not an image, an unsupported format, or a truncated/corrupt file.
 * @throws {InvalidOptionError} invalid `input` type or `maxPixels`.
 */
export async function loadImage(
  input: string | Buffer | Uint8Array,
  options: LoadImageOptions = {},
): Promise<LoadedImage> {
  const source = options.source ?? (typeof input === 'string' ? input : '<buffer>');
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (typeof maxPixels !== 'number' || !(maxPixels >= 1) || !Number.isFinite(maxPixels)) {
    throw new InvalidOptionError(`maxPixels must be a finite number >= 1, got ${String(maxPixels)}`);
  }

  let bytes: Uint8Array;
  if (typeof input === 'string') {
    bytes = await readBytes(input, source);
  } else if (input instanceof Uint8Array) {
    bytes = input;
  } else {
    throw new InvalidOptionError(`${source}: image input must be a file path, a Buffer or a Uint8Array`);
  }
  if (bytes.byteLength === 0) throw new EmptyImageError(source);

  // Header only: format, size and orientation, no pixel is decoded. The cap is ours to check,
  // so sharp's own limit is lifted here (it would throw without telling the size).
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (err) {
    throw decodeError(source, err);
  }
  if (!ACCEPTED_FORMATS.has(meta.format)) {
    throw new ImageDecodeError(source, `unsupported format "${meta.format}"; expected JPEG, PNG, WebP, GIF or TIFF`);
  }
  // autoOrient holds the upright size; the pixel count is the same either way.
  const uprightWidth = meta.autoOrient?.width ?? meta.width;
  const uprightHeight = meta.autoOrient?.height ?? meta.height;
  if (!(uprightWidth > 0 && uprightHeight > 0)) {
    throw new ImageDecodeError(source, 'the header gives no image size');
  }
  if (uprightWidth * uprightHeight > maxPixels) {
    throw new ImageTooLargeError(source, uprightWidth, uprightHeight, maxPixels);
  }

  let decoded: { data: Buffer; info: OutputInfo };
  try {
    decoded = await sharp(bytes, { failOn: 'error', limitInputPixels: Math.floor(maxPixels) })
      .autoOrient()
      .flatten({ background: WHITE })
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
  } catch (err) {
    if (err instanceof Error && /exceeds pixel limit/i.test(err.message)) {
      throw new ImageTooLargeError(source, uprightWidth, uprightHeight, maxPixels);
    }
    throw decodeError(source, err);
  }

  const { width, height, channels } = decoded.info;
  const size = width * height * 3;
  if (channels !== 3 || decoded.data.byteLength < size) {
    throw new ImageDecodeError(source, `decoder returned ${width}×${height}×${channels}, expected 3 channels`);
  }
  return { width, height, data: exactBytes(decoded.data, size), source };
}

/**
 * Encode an RGB image as PNG (lossless; used to write aligned face chips).
 *
 * @throws {InvalidOptionError} `data.length` is not `width * height * 3`.
 */
export async function encodePng(img: RgbImage): Promise<Buffer> {
  checkSize(img.width, img.height, img.data, 3);
  try {
    return await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
      .png()
      .toBuffer();
  } catch (err) {
    throw new LikenessError('E_IMAGE_ENCODE', `cannot encode PNG (${firstLine(err)})`, {
      cause: err,
      isInputError: false,
    });
  }
}

/**
 * Build an RgbImage from raw interleaved 8-bit pixels: grey (1 channel), RGB (3) or RGBA (4).
 * Grey is replicated to R=G=B; RGBA is flattened onto white, like {@link loadImage}. The result
 * always owns fresh data (the input is never aliased).
 *
 * @throws {InvalidOptionError} bad size, channel count, or `data.length !== width * height * channels`.
 */
export function imageFromRaw(
  width: number,
  height: number,
  data: Uint8Array | Uint8ClampedArray,
  channels: 1 | 3 | 4,
): RgbImage {
  checkSize(width, height, data, channels);
  const n = width * height;
  if (channels === 3) return { width, height, data: new Uint8Array(data) };
  const out = new Uint8Array(n * 3);
  if (channels === 1) {
    for (let i = 0, o = 0; i < n; i++, o += 3) {
      const v = data[i]!;
      out[o] = v;
      out[o + 1] = v;
      out[o + 2] = v;
    }
  } else {
    for (let i = 0, s = 0, o = 0; i < n; i++, s += 4, o += 3) {
      const a = data[s + 3]!;
      const white = 255 * (255 - a);
      out[o] = Math.round((data[s]! * a + white) / 255);
      out[o + 1] = Math.round((data[s + 1]! * a + white) / 255);
      out[o + 2] = Math.round((data[s + 2]! * a + white) / 255);
    }
  }
  return { width, height, data: out };
}

// ---------------------------------------------------------------------------------------------

async function readBytes(path: string, source: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException | undefined)?.code;
    const detail =
      code === 'ENOENT' ? 'no such file or directory'
      : code === 'EISDIR' ? 'it is a directory'
      : code === 'EACCES' || code === 'EPERM' ? 'permission denied'
      : code === 'ENOTDIR' ? 'a component of the path is not a directory'
      : firstLine(err);
    throw new ImageReadError(source, detail, err);
  }
}

/** Turn a sharp/libvips failure into a one-line ImageDecodeError. */
function decodeError(source: string, err: unknown): ImageDecodeError {
  const raw = firstLine(err);
  let detail: string;
  if (/unsupported image format/i.test(raw)) {
    detail = 'not a supported image (expected JPEG, PNG, WebP, GIF or TIFF)';
  } else if (/premature end|truncat|read error|corrupt|unexpected end|EOF/i.test(raw)) {
    detail = `truncated or corrupt file: ${raw}`;
  } else {
    detail = raw;
  }
  return new ImageDecodeError(source, detail, err);
}

function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n', 1)[0]!.trim() || 'unknown error';
}

function checkSize(width: number, height: number, data: ArrayLike<number>, channels: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new InvalidOptionError(`image size must be positive integers, got ${width}×${height}`);
  }
  if (channels !== 1 && channels !== 3 && channels !== 4) {
    throw new InvalidOptionError(`channels must be 1, 3 or 4, got ${String(channels)}`);
  }
  const expected = width * height * channels;
  if (data.length !== expected) {
    throw new InvalidOptionError(
      `pixel data has ${data.length} bytes, expected ${width}×${height}×${channels} = ${expected}`,
    );
  }
}

/**
 * A plain Uint8Array of exactly `size` bytes over the decoder's output: a zero-copy view when the
 * output owns a buffer of exactly that size (the usual case), otherwise a copy, so that `.buffer`
 * never exposes a larger or shared (pooled) allocation.
 */
function exactBytes(buf: Buffer, size: number): Uint8Array {
  if (buf.byteOffset === 0 && buf.buffer.byteLength === size) {
    return new Uint8Array(buf.buffer, 0, size);
  }
  return new Uint8Array(buf.subarray(0, size));
}
