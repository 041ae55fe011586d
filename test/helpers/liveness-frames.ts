/**
 * Frames for the challenge tests, made from a real face (a face-api demo photo), each a PROXY:
 * - `closedEyes`: the eyes covered by lids: each eye's region (from the photo's own 68 landmarks)
 *   filled with skin sampled under it, with a dark lash line across; not a real closed-eye photo.
 * - `turned`: a horizontal warp that moves the face's middle towards one side (the nose and inner
 *   face shift, the jaw's ends stay), as a head turn moves them; not a real turned head.
 */
import sharp from 'sharp';
import type { Likeness } from '../../src/likeness.js';
import type { Point, RgbImage } from '../../src/types.js';

const clampByte = (v: number): number => (v < 0 ? 0 : v > 255 ? 255 : Math.round(v));

export function closedEyes(img: RgbImage, landmarks: readonly Point[]): RgbImage {
  const data = new Uint8Array(img.data);
  for (const start of [36, 42]) {
    const eye = landmarks.slice(start, start + 6);
    const xs = eye.map((p) => p.x), ys = eye.map((p) => p.y);
    const w = Math.max(...xs) - Math.min(...xs);
    const x0 = Math.floor(Math.min(...xs) - 0.25 * w), x1 = Math.ceil(Math.max(...xs) + 0.25 * w);
    const cy = (Math.min(...ys) + Math.max(...ys)) / 2;
    const y0 = Math.floor(cy - 0.45 * w), y1 = Math.ceil(cy + 0.35 * w);
    // skin: the mean colour of a band under the eye
    const s = [0, 0, 0];
    let n = 0;
    for (let y = y1 + Math.round(0.2 * w); y < y1 + Math.round(0.5 * w); y++)
      for (let x = x0; x < x1; x++) {
        const p = (y * img.width + x) * 3;
        for (let c = 0; c < 3; c++) s[c]! += img.data[p + c]!;
        n++;
      }
    const skin = s.map((v) => v / Math.max(1, n));
    for (let y = y0; y <= y1; y++)
      for (let x = x0; x <= x1; x++) {
        if (x < 0 || y < 0 || x >= img.width || y >= img.height) continue;
        const p = (y * img.width + x) * 3;
        const lash = Math.abs(y - (cy + 0.1 * w)) < Math.max(1, 0.05 * w) ? 0.35 : 1;
        const shade = 0.92 + 0.08 * Math.abs(y - cy) / (0.45 * w);
        for (let c = 0; c < 3; c++) data[p + c] = clampByte(skin[c]! * shade * lash);
      }
  }
  return { width: img.width, height: img.height, data };
}

/**
 * Shift the column at `centre` by `shift` pixels (positive: towards the image's right), columns
 * `left` and `right` staying put, linearly in between; rows unchanged.
 */
export function turned(img: RgbImage, left: number, centre: number, right: number, shift: number): RgbImage {
  const data = new Uint8Array(img.data.length);
  const target = centre + shift;
  for (let x = 0; x < img.width; x++) {
    // inverse map: output x → source x
    let sx = x;
    if (x > left && x <= target) sx = left + ((x - left) * (centre - left)) / (target - left);
    else if (x > target && x < right) sx = centre + ((x - target) * (right - centre)) / (right - target);
    const x0 = Math.max(0, Math.min(img.width - 1, Math.floor(sx))), x1 = Math.min(img.width - 1, x0 + 1), f = sx - Math.floor(sx);
    for (let y = 0; y < img.height; y++) {
      const o = (y * img.width + x) * 3, a = (y * img.width + x0) * 3, b = (y * img.width + x1) * 3;
      for (let c = 0; c < 3; c++) data[o + c] = clampByte(img.data[a + c]! * (1 - f) + img.data[b + c]! * f);
    }
  }
  return { width: img.width, height: img.height, data };
}

/** The photo's main face in a square twice its box's size (cut at the photo's edges), resized to `size` px when given. */
export async function faceCrop(likeness: Likeness, file: string, size?: number): Promise<RgbImage> {
  const img = await likeness.load(file);
  const b = (await likeness.detect(img)).faces[0]!.box;
  const side = Math.round(2 * Math.max(b.width, b.height));
  const left = Math.max(0, Math.round(b.x + b.width / 2 - side / 2));
  const top = Math.max(0, Math.round(b.y + b.height / 2 - side / 2));
  let p = sharp(Buffer.from(img.data), { raw: { width: img.width, height: img.height, channels: 3 } }).extract({ left, top, width: Math.min(side, img.width - left), height: Math.min(side, img.height - top) });
  if (size) p = p.resize(size, size, { fit: 'cover' });
  const r = await p.raw().toBuffer({ resolveWithObject: true });
  return { width: r.info.width, height: r.info.height, data: new Uint8Array(r.data) };
}
