/**
 * WEAK SYNTHETIC PROXIES of presentation attacks, made from a live photo's pixels: none is a real
 * print or screen replay (those need a printer/screen and a camera, not available on this machine).
 * Each keeps the photo's size and geometry, so the live photo's face box stays valid.
 */
import type { RgbImage } from '../src/types.js';
import sharp from 'sharp';
import { seededRng as mulberry } from '../src/random.js';

export const PROXIES = ['halftone', 'moire', 'screen', 'print', 'recompress'] as const;
export type Proxy = (typeof PROXIES)[number];

const clamp = (v: number): number => (v < 0 ? 0 : v > 255 ? 255 : v);
const copy = (img: RgbImage, data: Uint8Array): RgbImage => ({ width: img.width, height: img.height, data });

/** Amplitude-modulated halftone: per channel a dot screen (cell 4 px, angles 15/75/0°), lightly blurred back. */
export async function halftone(img: RgbImage): Promise<RgbImage> {
  const { width: w, height: h, data } = img;
  const out = new Uint8Array(data.length);
  const cell = 4;
  const angles = [15, 75, 0].map((a) => (a * Math.PI) / 180);
  for (let c = 0; c < 3; c++) {
    const ca = Math.cos(angles[c]!), sa = Math.sin(angles[c]!);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const u = (x * ca + y * sa) / cell, v = (-x * sa + y * ca) / cell;
        const fu = u - Math.floor(u) - 0.5, fv = v - Math.floor(v) - 0.5;
        const d = Math.sqrt(fu * fu + fv * fv) / 0.7071; // 0 centre .. 1 corner
        const ink = 1 - data[(y * w + x) * 3 + c]! / 255; // dot radius grows with ink
        out[(y * w + x) * 3 + c] = d < Math.sqrt(ink) ? 0 : 255;
      }
  }
  return blur(copy(img, out), 0.8);
}

/** A pixel grid (period 3.3 px, rotated 3°, 35% dark lines) over the photo, then resampled: moiré by aliasing. */
export async function moire(img: RgbImage): Promise<RgbImage> {
  const k = 3;
  const up = await sharp(Buffer.from(img.data), { raw: { width: img.width, height: img.height, channels: 3 } }).resize(img.width * k, img.height * k, { kernel: 'cubic' }).raw().toBuffer();
  const W = img.width * k, H = img.height * k;
  const a = (3 * Math.PI) / 180, ca = Math.cos(a), sa = Math.sin(a), period = 3.3 * k;
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const u = (x * ca + y * sa) / period, v = (-x * sa + y * ca) / period;
      const line = u - Math.floor(u) < 0.2 || v - Math.floor(v) < 0.2;
      if (line) for (let c = 0; c < 3; c++) up[(y * W + x) * 3 + c] = up[(y * W + x) * 3 + c]! * 0.65;
    }
  const down = await sharp(up, { raw: { width: W, height: H, channels: 3 } }).resize(img.width, img.height, { kernel: 'nearest' }).raw().toBuffer();
  return copy(img, new Uint8Array(down));
}

/** Screen re-display: each pixel as R, G, B subpixel stripes, display gamma 1.25, a glare blob, camera resample and blur. */
export async function screen(img: RgbImage, seed = 1): Promise<RgbImage> {
  const rnd = mulberry(seed);
  const { width: w, height: h, data } = img;
  const W = w * 3, H = h * 3;
  const up = new Uint8Array(W * H * 3);
  const gx = w * (0.2 + 0.6 * rnd()), gy = h * (0.2 + 0.6 * rnd()), gr = Math.max(w, h) * 0.35;
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const sx = Math.floor(x / 3), sy = Math.floor(y / 3), sub = x % 3;
      const p = (sy * w + sx) * 3;
      const v = 255 * Math.pow(data[p + sub]! / 255, 1.25) * (y % 3 === 2 ? 0.7 : 1);
      const dx = sx - gx, dy = sy - gy;
      const glare = 90 * Math.exp(-(dx * dx + dy * dy) / (2 * gr * gr));
      for (let c = 0; c < 3; c++) up[(y * W + x) * 3 + c] = clamp((c === sub ? v : v * 0.08) + glare);
    }
  const down = await sharp(Buffer.from(up), { raw: { width: W, height: H, channels: 3 } }).resize(w, h, { kernel: 'linear' }).modulate({ brightness: 1.6 }).raw().toBuffer();
  return blur(copy(img, new Uint8Array(down)), 0.6);
}

/** Print: CMYK with an error-diffusion dither per ink, dot gain, paper white and texture, lower contrast, then a camera's blur. */
export async function print(img: RgbImage, seed = 2): Promise<RgbImage> {
  const rnd = mulberry(seed);
  const { width: w, height: h, data } = img;
  const n = w * h;
  const inks = [new Float32Array(n), new Float32Array(n), new Float32Array(n), new Float32Array(n)];
  for (let i = 0; i < n; i++) {
    const r = data[i * 3]! / 255, g = data[i * 3 + 1]! / 255, b = data[i * 3 + 2]! / 255;
    const k = 1 - Math.max(r, g, b);
    const d = 1 - k || 1;
    inks[0]![i] = (1 - r - k) / d; inks[1]![i] = (1 - g - k) / d; inks[2]![i] = (1 - b - k) / d; inks[3]![i] = k;
  }
  for (const ink of inks) // Floyd–Steinberg
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const i = y * w + x, o = ink[i]! > 0.5 ? 1 : 0, e = ink[i]! - o;
        ink[i] = o;
        if (x + 1 < w) ink[i + 1]! += (e * 7) / 16;
        if (y + 1 < h) { if (x > 0) ink[i + w - 1]! += (e * 3) / 16; ink[i + w]! += (e * 5) / 16; if (x + 1 < w) ink[i + w + 1]! += e / 16; }
      }
  const out = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    const k = inks[3]![i]!, paper = 235 + 12 * (rnd() - 0.5);
    for (let c = 0; c < 3; c++) out[i * 3 + c] = clamp(paper * (1 - 0.85 * inks[c]![i]!) * (1 - 0.85 * k) + 10);
  }
  return blur(copy(img, out), 1.2);
}

/** Recompression: half size, JPEG quality 25, back up, JPEG quality 25 again. */
export async function recompress(img: RgbImage): Promise<RgbImage> {
  const raw = { raw: { width: img.width, height: img.height, channels: 3 as const } };
  const small = await sharp(Buffer.from(img.data), raw).resize(Math.max(1, Math.round(img.width / 2)), Math.max(1, Math.round(img.height / 2))).jpeg({ quality: 25 }).toBuffer();
  const back = await sharp(small).resize(img.width, img.height).jpeg({ quality: 25 }).toBuffer();
  const px = await sharp(back).removeAlpha().raw().toBuffer();
  return copy(img, new Uint8Array(px));
}

async function blur(img: RgbImage, sigma: number): Promise<RgbImage> {
  const px = await sharp(Buffer.from(img.data), { raw: { width: img.width, height: img.height, channels: 3 } }).blur(Math.max(0.3, sigma)).raw().toBuffer();
  return copy(img, new Uint8Array(px));
}

export const PROXY_FNS: Record<Proxy, (img: RgbImage) => Promise<RgbImage>> = { halftone, moire, screen, print, recompress };
