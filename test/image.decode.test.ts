import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EmptyImageError,
  ImageDecodeError,
  ImageReadError,
  ImageTooLargeError,
  InvalidOptionError,
  LikenessError,
} from '../src/errors.js';
import { DEFAULT_MAX_PIXELS, encodePng, imageFromRaw, loadImage } from '../src/image/index.js';
import type { RgbImage } from '../src/types.js';
import { dataPath, FACEAPI_DEMO } from './helpers/data.js';
import { demoPeople } from './helpers/demo-people.js';

// A 64×48 test card: smooth gradient, a pure red 8×8 block in the top-left corner and a pure blue
// 8×8 block in the bottom-right corner, so orientation and colour handling can both be checked.
const W = 64;
const H = 48;
const card = Buffer.alloc(W * H * 3);
for (let y = 0; y < H; y++) {
  for (let x = 0; x < W; x++) {
    const i = (y * W + x) * 3;
    const red = x < 8 && y < 8;
    const blue = x >= W - 8 && y >= H - 8;
    card[i] = red ? 255 : blue ? 0 : 40 + x * 2;
    card[i + 1] = red || blue ? 0 : 40 + y * 3;
    card[i + 2] = red ? 0 : blue ? 255 : 128;
  }
}
const cardSharp = () => sharp(card, { raw: { width: W, height: H, channels: 3 } });

/** Pixel (x, y) of an RgbImage as [r, g, b]. */
function px(img: RgbImage, x: number, y: number): [number, number, number] {
  const i = (y * img.width + x) * 3;
  return [img.data[i]!, img.data[i + 1]!, img.data[i + 2]!];
}

function expectColour(actual: number[], expected: number[], tolerance: number): void {
  for (let c = 0; c < 3; c++) expect(Math.abs(actual[c]! - expected[c]!), `channel ${c} of ${actual}`).toBeLessThanOrEqual(tolerance);
}

/** Assert the promise rejects with exactly this LikenessError class and code, and a one-line message. */
async function expectError(promise: Promise<unknown>, cls: new (...args: never[]) => LikenessError, code: string, source?: string) {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, 'expected a rejection').toBeInstanceOf(cls);
  const e = err as LikenessError;
  expect(e.code).toBe(code);
  expect(e.message).not.toContain('\n');
  if (source !== undefined) expect(e.message.startsWith(`${source}: `)).toBe(true);
  return e;
}

function pngChunk(type: string, body: Buffer): Buffer {
  const typed = Buffer.concat([Buffer.from(type, 'latin1'), body]);
  const out = Buffer.alloc(8 + body.length + 4);
  out.writeUInt32BE(body.length, 0);
  typed.copy(out, 4);
  out.writeUInt32BE(crc32(typed), 8 + body.length);
  return out;
}

/**
 * A PNG whose header announces width×height but whose pixel data is a few zero bytes: any attempt
 * to decode it fails, so only a header-only check can report it as too large.
 */
function pngHeaderOnly(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, deflate, no filter, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(Buffer.alloc(10))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** 200×150 of Gaussian noise: compresses badly, so a cut lands in the middle of the pixel data. */
const noise200x150 = () =>
  sharp({ create: { width: 200, height: 150, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 50 } } });

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'likeness-decode-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loadImage: formats', () => {
  const cases: Array<[string, () => Promise<Buffer>, number]> = [
    ['JPEG', () => cardSharp().jpeg({ quality: 95 }).toBuffer(), 12],
    ['PNG', () => cardSharp().png().toBuffer(), 0],
    ['WebP (lossless)', () => cardSharp().webp({ lossless: true }).toBuffer(), 0],
    ['WebP (lossy)', () => cardSharp().webp({ quality: 90 }).toBuffer(), 30],
    ['GIF', () => cardSharp().gif().toBuffer(), 20],
    ['TIFF', () => cardSharp().tiff().toBuffer(), 12],
    ['16-bit PNG', () => cardSharp().toColourspace('rgb16').png().toBuffer(), 1],
  ];
  for (const [name, make, tol] of cases) {
    it(`decodes ${name} to upright 8-bit RGB`, async () => {
      const img = await loadImage(await make());
      expect([img.width, img.height]).toEqual([W, H]);
      expect(img.data).toBeInstanceOf(Uint8Array);
      expect(img.data.length).toBe(W * H * 3);
      expect(img.source).toBe('<buffer>');
      expectColour(px(img, 2, 2), [255, 0, 0], tol);
      expectColour(px(img, W - 3, H - 3), [0, 0, 255], tol);
      expectColour(px(img, 32, 24), [40 + 64, 40 + 72, 128], tol + 6);
    });
  }

  it('converts CMYK JPEG to sRGB (red stays red)', async () => {
    const bytes = await cardSharp().toColourspace('cmyk').jpeg({ quality: 95 }).toBuffer();
    expect((await sharp(bytes).metadata()).space).toBe('cmyk');
    const img = await loadImage(bytes);
    expect([img.width, img.height, img.data.length]).toEqual([W, H, W * H * 3]);
    const [r, g, b] = px(img, 2, 2);
    expect(r).toBeGreaterThan(200);
    expect(g).toBeLessThan(50);
    expect(b).toBeLessThan(50);
    const [r2, g2, b2] = px(img, W - 3, H - 3);
    expect(b2).toBeGreaterThan(110); // sRGB blue is out of the CMYK gamut: about (28, 60, 139)
    expect(Math.max(r2, g2)).toBeLessThan(b2 - 60);
  });

  it('expands grey and 16-bit grey to R=G=B', async () => {
    const grey = Buffer.alloc(W * H);
    for (let i = 0; i < grey.length; i++) grey[i] = (i % W) * 4;
    for (const space of ['b-w', 'grey16'] as const) {
      const bytes = await sharp(grey, { raw: { width: W, height: H, channels: 1 } }).toColourspace(space).png().toBuffer();
      const meta = await sharp(bytes).metadata();
      expect(meta.channels).toBe(1);
      const img = await loadImage(bytes);
      expect(img.data.length).toBe(W * H * 3);
      expect(px(img, 10, 5)).toEqual([40, 40, 40]);
      expect(px(img, 63, 47)).toEqual([252, 252, 252]);
    }
  });

  it('flattens alpha onto white (RGBA, grey+alpha, 16-bit RGBA, palette PNG)', async () => {
    // left half opaque, right half fully transparent, one column half transparent
    const rgba = Buffer.alloc(W * H * 4);
    for (let p = 0; p < W * H; p++) {
      const x = p % W;
      rgba.set([card[p * 3]!, card[p * 3 + 1]!, card[p * 3 + 2]!, x < 32 ? 255 : x === 32 ? 128 : 0], p * 4);
    }
    const raw4 = () => sharp(rgba, { raw: { width: W, height: H, channels: 4 } });
    const inputs = {
      rgba: await raw4().png().toBuffer(),
      rgba16: await raw4().toColourspace('rgb16').png().toBuffer(),
      palette: await raw4().png({ palette: true }).toBuffer(),
      webp: await raw4().webp({ lossless: true }).toBuffer(),
    };
    for (const [name, bytes] of Object.entries(inputs)) {
      const img = await loadImage(bytes, { source: name });
      expect(img.data.length, name).toBe(W * H * 3);
      expectColour(px(img, 2, 2), [255, 0, 0], 2);
      expectColour(px(img, 50, 10), [255, 255, 255], 1);
      expectColour(px(img, W - 3, H - 3), [255, 255, 255], 1);
    }
    // half-transparent column: halfway between the colour and white
    const img = await loadImage(inputs.rgba);
    const [r, g, b] = px(img, 32, 0);
    const [r0, g0, b0] = [card[32 * 3]!, card[32 * 3 + 1]!, card[32 * 3 + 2]!];
    expectColour([r, g, b], [(r0 + 255) / 2, (g0 + 255) / 2, (b0 + 255) / 2], 2);

    const ga = Buffer.alloc(W * H * 2);
    for (let p = 0; p < W * H; p++) ga.set([100, p % W < 32 ? 255 : 0], p * 2);
    const greyAlpha = await sharp(ga, { raw: { width: W, height: H, channels: 2 } }).toColourspace('b-w').png().toBuffer();
    expect((await sharp(greyAlpha).metadata()).channels).toBe(2);
    const gimg = await loadImage(greyAlpha);
    expect(px(gimg, 0, 0)).toEqual([100, 100, 100]);
    expect(px(gimg, 40, 0)).toEqual([255, 255, 255]);
  });

  it('takes the first frame of an animated GIF and the first page of a multi-page TIFF', async () => {
    const frame = (r: number, g: number, b: number) =>
      sharp({ create: { width: 32, height: 24, channels: 3, background: { r, g, b } } }).png().toBuffer();
    const frames = [await frame(255, 0, 0), await frame(0, 0, 255)];
    const gif = await sharp(frames, { join: { animated: true } }).gif().toBuffer();
    const tiff = await sharp(frames, { join: { animated: true } }).tiff().toBuffer();
    for (const bytes of [gif, tiff]) {
      expect((await sharp(bytes).metadata()).pages).toBe(2);
      const img = await loadImage(bytes);
      expect([img.width, img.height, img.data.length]).toEqual([32, 24, 32 * 24 * 3]);
      expectColour(px(img, 0, 0), [255, 0, 0], 2);
      expectColour(px(img, 31, 23), [255, 0, 0], 2);
    }
  });

  it('refuses formats outside the accepted list (SVG)', async () => {
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10" fill="red"/></svg>');
    const e = await expectError(loadImage(svg, { source: 'x.svg' }), ImageDecodeError, 'E_IMAGE_DECODE', 'x.svg');
    expect(e.message).toMatch(/svg/i);
  });
});

describe('loadImage: EXIF orientation', () => {
  it('orientation 6 (rotate 90° clockwise): width/height swap, red corner goes top-right', async () => {
    const bytes = await cardSharp().jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toBuffer();
    const meta = await sharp(bytes).metadata();
    expect([meta.orientation, meta.width, meta.height]).toEqual([6, W, H]);
    const img = await loadImage(bytes);
    expect([img.width, img.height]).toEqual([H, W]);
    expect(img.data.length).toBe(W * H * 3);
    expectColour(px(img, H - 3, 2), [255, 0, 0], 12); // top-right
    expectColour(px(img, 2, W - 3), [0, 0, 255], 12); // bottom-left
    expect(px(img, 2, 2)[0]).toBeLessThan(200); // top-left is no longer red
  });

  it('orientation 3 (rotate 180°): same size, red corner goes bottom-right', async () => {
    const bytes = await cardSharp().jpeg({ quality: 95 }).withMetadata({ orientation: 3 }).toBuffer();
    const img = await loadImage(bytes);
    expect([img.width, img.height]).toEqual([W, H]);
    expectColour(px(img, W - 3, H - 3), [255, 0, 0], 12);
    expectColour(px(img, 2, 2), [0, 0, 255], 12);
  });

  it('orientation 2 (mirrored): red corner goes top-right', async () => {
    const bytes = await cardSharp().png().withMetadata({ orientation: 2 }).toBuffer();
    const img = await loadImage(bytes);
    expect([img.width, img.height]).toEqual([W, H]);
    expectColour(px(img, W - 3, 2), [255, 0, 0], 0);
  });
});

describe('loadImage: inputs and output buffer', () => {
  it('reads a file path and labels it with the path (or the given source)', async () => {
    const file = join(dir, 'card.png');
    await writeFile(file, await cardSharp().png().toBuffer());
    const img = await loadImage(file);
    expect(img.source).toBe(file);
    expect(px(img, 0, 0)).toEqual([255, 0, 0]);
    expect((await loadImage(file, { source: 'probe #1' })).source).toBe('probe #1');
  });

  it('accepts a Uint8Array view at an offset inside a larger buffer', async () => {
    const png = await cardSharp().png().toBuffer();
    const big = new Uint8Array(png.length + 100);
    big.set(png, 37);
    const img = await loadImage(big.subarray(37, 37 + png.length));
    expect(px(img, 0, 0)).toEqual([255, 0, 0]);
  });

  it('returns a plain, exactly-sized Uint8Array', async () => {
    const img = await loadImage(await cardSharp().jpeg().toBuffer());
    expect(Buffer.isBuffer(img.data)).toBe(false);
    expect(img.data.byteOffset).toBe(0);
    expect(img.data.byteLength).toBe(W * H * 3);
    expect(img.data.buffer.byteLength).toBe(W * H * 3);
  });

  it('exports a 40-megapixel default cap', () => {
    expect(DEFAULT_MAX_PIXELS).toBe(40_000_000);
  });
});

describe('loadImage: errors', () => {
  it('zero-byte file and zero-byte buffer → EmptyImageError', async () => {
    const file = join(dir, 'empty.jpg');
    await writeFile(file, '');
    await expectError(loadImage(file), EmptyImageError, 'E_IMAGE_EMPTY', file);
    await expectError(loadImage(Buffer.alloc(0)), EmptyImageError, 'E_IMAGE_EMPTY', '<buffer>');
    await expectError(loadImage(new Uint8Array(0), { source: 'upload' }), EmptyImageError, 'E_IMAGE_EMPTY', 'upload');
  });

  it('text file → ImageDecodeError', async () => {
    const file = join(dir, 'notes.jpg');
    await writeFile(file, 'this is not an image\nsecond line\n');
    const e = await expectError(loadImage(file), ImageDecodeError, 'E_IMAGE_DECODE', file);
    expect(e.message).toMatch(/not a supported image/);
  });

  it('truncated JPEG → ImageDecodeError (not a silently grey image)', async () => {
    const noisy = await noise200x150()
      .jpeg({ quality: 90 })
      .toBuffer();
    const truncated = noisy.subarray(0, Math.floor(noisy.length * 0.6));
    // A lax decoder really does return a full-size image from these bytes (the rest filled in) ...
    const lax = await sharp(truncated, { failOn: 'none' }).raw().toBuffer({ resolveWithObject: true });
    expect([lax.info.width, lax.info.height]).toEqual([200, 150]);
    // ... loadImage refuses it.
    const file = join(dir, 'truncated.jpg');
    await writeFile(file, truncated);
    const e = await expectError(loadImage(file), ImageDecodeError, 'E_IMAGE_DECODE', file);
    expect(e.message).toMatch(/truncated or corrupt/);
    expect(e.cause).toBeInstanceOf(Error);
  });

  it('truncated PNG → ImageDecodeError', async () => {
    const noisy = await noise200x150()
      .png()
      .toBuffer();
    const truncated = noisy.subarray(0, Math.floor(noisy.length * 0.6));
    const lax = await sharp(truncated, { failOn: 'none' }).raw().toBuffer({ resolveWithObject: true });
    expect([lax.info.width, lax.info.height]).toEqual([200, 150]);
    const e = await expectError(loadImage(truncated, { source: 'cut.png' }), ImageDecodeError, 'E_IMAGE_DECODE', 'cut.png');
    expect(e.message).toMatch(/truncated or corrupt/);
  });

  it('header-only JPEG (cut inside the header) → ImageDecodeError', async () => {
    const jpg = await cardSharp().jpeg().toBuffer();
    await expectError(loadImage(jpg.subarray(0, 200)), ImageDecodeError, 'E_IMAGE_DECODE', '<buffer>');
  });

  it('missing path and directory → ImageReadError', async () => {
    const missing = join(dir, 'nope', 'missing.jpg');
    const e1 = await expectError(loadImage(missing), ImageReadError, 'E_IMAGE_READ', missing);
    expect(e1.message).toMatch(/no such file/);
    const e2 = await expectError(loadImage(dir), ImageReadError, 'E_IMAGE_READ', dir);
    expect(e2.message).toMatch(/directory/);
  });

  it('over the pixel cap → ImageTooLargeError, from the header (upright size reported)', async () => {
    const bytes = await cardSharp().jpeg().withMetadata({ orientation: 6 }).toBuffer();
    const e = (await expectError(loadImage(bytes, { maxPixels: W * H - 1, source: 'big.jpg' }), ImageTooLargeError, 'E_IMAGE_TOO_LARGE', 'big.jpg')) as ImageTooLargeError;
    expect(e.pixels).toBe(W * H);
    expect(e.maxPixels).toBe(W * H - 1);
    expect(e.message).toContain(`${H}×${W}`);
    // exactly at the cap is fine
    expect((await loadImage(bytes, { maxPixels: W * H })).width).toBe(H);
  });

  it('the cap is checked before decoding: a bare header announcing 100000×100000 is too large, not corrupt', async () => {
    const header = pngHeaderOnly(100_000, 100_000);
    expect((await sharp(header, { limitInputPixels: false }).metadata()).width).toBe(100_000);
    const e = (await expectError(loadImage(header), ImageTooLargeError, 'E_IMAGE_TOO_LARGE', '<buffer>')) as ImageTooLargeError;
    expect(e.maxPixels).toBe(DEFAULT_MAX_PIXELS);
    expect(e.pixels).toBe(1e10);
    // with a cap above its size, the same bytes are merely corrupt
    await expectError(loadImage(pngHeaderOnly(100, 100)), ImageDecodeError, 'E_IMAGE_DECODE');
  });

  it('invalid maxPixels and input type → InvalidOptionError', async () => {
    const png = await cardSharp().png().toBuffer();
    await expectError(loadImage(png, { maxPixels: 0 }), InvalidOptionError, 'E_INVALID_OPTION');
    await expectError(loadImage(png, { maxPixels: Number.NaN }), InvalidOptionError, 'E_INVALID_OPTION');
    await expectError(loadImage(42 as unknown as Buffer), InvalidOptionError, 'E_INVALID_OPTION');
  });
});

describe('imageFromRaw and encodePng', () => {
  it('grey → R=G=B', () => {
    const img = imageFromRaw(2, 1, new Uint8Array([10, 200]), 1);
    expect([...img.data]).toEqual([10, 10, 10, 200, 200, 200]);
  });

  it('RGB is copied, not aliased', () => {
    const src = new Uint8Array([1, 2, 3, 4, 5, 6]);
    const img = imageFromRaw(1, 2, src, 3);
    src[0] = 99;
    expect([...img.data]).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('RGBA is flattened onto white, matching loadImage (within 1)', async () => {
    const rgba = new Uint8ClampedArray([255, 0, 0, 255, 0, 0, 255, 0, 0, 128, 0, 128, 10, 20, 30, 200]);
    const img = imageFromRaw(4, 1, rgba, 4);
    expect(px(img, 0, 0)).toEqual([255, 0, 0]);
    expect(px(img, 1, 0)).toEqual([255, 255, 255]);
    const viaSharp = await loadImage(await sharp(Buffer.from(rgba), { raw: { width: 4, height: 1, channels: 4 } }).png().toBuffer());
    for (let i = 0; i < img.data.length; i++) expect(Math.abs(img.data[i]! - viaSharp.data[i]!)).toBeLessThanOrEqual(1);
  });

  it('rejects a size mismatch', () => {
    expect(() => imageFromRaw(2, 2, new Uint8Array(11), 3)).toThrow(InvalidOptionError);
    expect(() => imageFromRaw(0, 2, new Uint8Array(0), 1)).toThrow(InvalidOptionError);
  });

  it('encodePng round-trips exactly through loadImage', async () => {
    const img = imageFromRaw(W, H, card, 3);
    const png = await encodePng(img);
    expect((await sharp(png).metadata()).format).toBe('png');
    const back = await loadImage(png);
    expect([back.width, back.height]).toEqual([W, H]);
    expect(Buffer.from(back.data).equals(card)).toBe(true);
    await expect(encodePng({ width: 3, height: 3, data: new Uint8Array(5) })).rejects.toBeInstanceOf(InvalidOptionError);
  });
});

// Real photos: face-api's demo photos and the crops made from them (test/helpers/demo-people.ts),
// and the shared press photos too where they are (never copied into the repository).
const PRESS_PHOTOS = dataPath('press-photos', 'images');

describe(`loadImage: real photos (face-api's demo photos${existsSync(PRESS_PHOTOS) ? `, ${PRESS_PHOTOS}` : ''})`, () => {
  it('decodes every file, upright, with the expected size', async () => {
    const under = (dir: string) =>
      readdirSync(dir, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile() && /\.(jpe?g|png|webp|gif|tiff?|avif)$/i.test(e.name))
        .map((e) => join(e.parentPath, e.name));
    const files = [...under(FACEAPI_DEMO), ...under((await demoPeople()).dir), ...(existsSync(PRESS_PHOTOS) ? under(PRESS_PHOTOS) : [])];
    expect(files.length).toBeGreaterThan(30);
    for (const file of files) {
      const img = await loadImage(file);
      const meta = await sharp(file).metadata();
      expect([img.width, img.height], file).toEqual([meta.autoOrient.width, meta.autoOrient.height]);
      expect(img.data.length, file).toBe(img.width * img.height * 3);
    }
  });
});
