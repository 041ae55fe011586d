/** Synthetic photos made at test time from face-api's demo photos (shipped in npm): a mosaic of small faces, a large photo of one person. */
import sharp from 'sharp';
import { FACEAPI_DEMO } from './data.js';
import { DEMO_FACES as TRUTH } from './demo-people.js';

/** The six demo photos shrunk into one 1920×1080 mosaic (22 faces ≈ 40 px wide) and their faces [x, y, width] in it. */
export async function demoMosaic(): Promise<{ img: Buffer; truth: [number, number, number][] }> {
  const parts: { input: Buffer; left: number; top: number }[] = [];
  const truth: [number, number, number][] = [];
  for (const [i, f] of Object.keys(TRUTH).entries()) {
    const { data, info } = await sharp(`${FACEAPI_DEMO}/${f}`).rotate().toBuffer({ resolveWithObject: true });
    const k = Math.min(480 / info.width, 360 / info.height);
    const left = (i % 4) * 480;
    const top = Math.floor(i / 4) * 360;
    parts.push({ input: await sharp(data).resize(Math.round(info.width * k), Math.round(info.height * k)).toBuffer(), left, top });
    for (const [x, y, w] of TRUTH[f]!) truth.push([left + x * k, top + y * k, w * k]);
  }
  const img = await sharp({ create: { width: 1920, height: 1080, channels: 3, background: '#808080' } }).composite(parts).jpeg({ quality: 95 }).toBuffer();
  return { img, truth };
}

/**
 * A 7,200×4,800 (34.6 MP) photo of one person: sample2's right-hand person (face centre 1543,282,
 * 210 px) enlarged 12× on the left half (face ≈ 2,500 px), and on the right half, at native
 * resolution, strips of the demo photos below their lowest face (clothes, hands, tables): the
 * detail a real 36 MP photo has and an enlarged one lacks.
 */
export async function bigOnePerson(): Promise<{ img: Buffer; face: [number, number] }> {
  const crop = { left: 1393, top: 80, width: 300, height: 400 };
  const person = await sharp(`${FACEAPI_DEMO}/sample2.jpg`).extract(crop).resize(3600, 4800, { kernel: 'cubic' }).toBuffer();
  const parts: { input: Buffer; left: number; top: number }[] = [{ input: person, left: 0, top: 0 }];
  const strips: Buffer[] = [];
  for (const [f, faces] of Object.entries(TRUTH)) {
    const meta = await sharp(`${FACEAPI_DEMO}/${f}`).metadata();
    const below = Math.ceil(Math.max(...faces.map(([, y, w]) => y + 0.9 * w)));
    if (meta.height! - below >= 200) strips.push(await sharp(`${FACEAPI_DEMO}/${f}`).extract({ left: 0, top: below, width: 1800, height: meta.height! - below }).toBuffer());
  }
  let top = 0;
  for (let i = 0; top < 4800; i++) {
    const s = strips[i % strips.length]!;
    const h = (await sharp(s).metadata()).height!;
    parts.push({ input: await sharp(s).extract({ left: 0, top: 0, width: 1800, height: Math.min(h, 4800 - top) }).toBuffer(), left: 3600, top });
    parts.push({ input: await sharp(s).flop().extract({ left: 0, top: 0, width: 1800, height: Math.min(h, 4800 - top) }).toBuffer(), left: 5400, top });
    top += h;
  }
  const img = await sharp({ create: { width: 7200, height: 4800, channels: 3, background: '#808080' } }).composite(parts).jpeg({ quality: 92 }).toBuffer();
  return { img, face: [(1543 - crop.left) * 12, (282 - crop.top) * 12] };
}

