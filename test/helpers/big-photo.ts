/** A large synthetic photo of one person, made at test time from face-api's demo photos (shipped in npm). */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { FACEAPI_DEMO, ROOT } from './data.js';

const TRUTH = (JSON.parse(readFileSync(path.join(ROOT, 'test', 'fixtures', 'faceapi-demo-faces.json'), 'utf8')) as { faces: Record<string, [number, number, number][]> }).faces;

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

