/**
 * The programs of examples/ as a user runs them: each a real process (`node --import tsx`), importing
 * 'likeness' through the package's own "exports" (dist/, so `npm run build` first, as `npm test`
 * does), on face crops this test cuts from face-api's demo photos (shipped in node_modules; the
 * crops go to a temporary folder). Within one photo every face is a different person, so the crops
 * of one photo give known answers; across photos nothing is assumed.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliResult } from './helpers/cli.js';
import { FACEAPI_DEMO, ROOT } from './helpers/data.js';

const run = promisify(execFile);

async function example(name: string, ...args: string[]): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', path.join(ROOT, 'examples', name), ...args], { cwd: ROOT, maxBuffer: 16 << 20 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

/** Hand-checked faces of the demo photos: [centre x, centre y, width] in pixels of the EXIF-rotated photo. */
const FACES = (JSON.parse(readFileSync(path.join(ROOT, 'test', 'fixtures', 'faceapi-demo-faces.json'), 'utf8')) as { faces: Record<string, [number, number, number][]> }).faces;

interface CropOptions {
  /** Side of the square crop, in face widths. */
  scale?: number;
  mirror?: boolean;
  /** Shift of the crop, in face widths. */
  shift?: number;
}

/** A square PNG around one face of a demo photo (kept inside the photo). */
async function crop(photo: string, face: number, out: string, { scale = 2, mirror = false, shift = 0 }: CropOptions = {}): Promise<string> {
  const [cx, cy, w] = FACES[photo]![face]!;
  const { data, info } = await sharp(path.join(FACEAPI_DEMO, photo)).rotate().toBuffer({ resolveWithObject: true });
  const side = Math.min(Math.round(w * scale), info.width, info.height);
  const clamp = (v: number, max: number) => Math.max(0, Math.min(max - side, Math.round(v)));
  const region = { left: clamp(cx - side / 2 + shift * w, info.width), top: clamp(cy - side / 2 + shift * w, info.height), width: side, height: side };
  const cut = sharp(data).extract(region);
  await mkdir(path.dirname(out), { recursive: true });
  await (mirror ? cut.flop() : cut).png().toFile(out);
  return out;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'likeness-examples-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('examples', () => {
  it('verify-two-photos: the same face cropped twice is the same person, two faces of one photo are not', async () => {
    const a = await crop('sample1.jpg', 0, path.join(dir, 'verify', 'a.png'));
    const a2 = await crop('sample1.jpg', 0, path.join(dir, 'verify', 'a-mirrored.png'), { scale: 2.4, mirror: true });
    const b = await crop('sample1.jpg', 1, path.join(dir, 'verify', 'b.png'));
    const same = await example('verify-two-photos.ts', a, a2);
    expect(same.code, same.stderr).toBe(0);
    expect(same.stdout).toMatch(/^same person: distance 0\.\d{3}, threshold 0\.\d{3}, confidence \d+\.\d %\n$/);
    const other = await example('verify-two-photos.ts', a, b);
    expect(other.code, other.stderr).toBe(0);
    expect(other.stdout).toMatch(/^different people: distance/);
    const bad = await example('verify-two-photos.ts', a, path.join(ROOT, 'package.json'));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^E_IMAGE_DECODE: /);
    expect((await example('verify-two-photos.ts')).code).toBe(2);
  });

  it('office-door: staff enrolled into a gallery file; the door opens for them only', async () => {
    const gallery = path.join(dir, 'door', 'office.sqlite');
    const ada = [await crop('sample3.jpg', 0, path.join(dir, 'door', 'ada1.png')), await crop('sample3.jpg', 0, path.join(dir, 'door', 'ada2.png'), { mirror: true, scale: 2.4 })];
    const enrolled = await example('office-door.ts', gallery, 'enroll', 'Ada Lovelace', ...ada);
    expect(enrolled.code, enrolled.stderr).toBe(0);
    expect(enrolled.stdout).toBe('enrolled Ada Lovelace: 2 photo(s) added\n');
    const grace = await crop('sample3.jpg', 2, path.join(dir, 'door', 'grace.png'));
    expect((await example('office-door.ts', gallery, 'enroll', 'Grace Hopper', grace)).stdout).toBe('enrolled Grace Hopper: 1 photo(s) added\n');

    const camera = await crop('sample3.jpg', 0, path.join(dir, 'door', 'camera.png'), { scale: 2.8, shift: 0.15 });
    const open = await example('office-door.ts', gallery, 'door', camera);
    expect(open.code, open.stderr).toBe(0);
    expect(open.stdout).toMatch(/^door opens: welcome, Ada Lovelace \(distance 0\.\d{3}\)\n$/);
    const stranger = await crop('sample3.jpg', 1, path.join(dir, 'door', 'stranger.png'));
    expect((await example('office-door.ts', gallery, 'door', stranger)).stdout).toBe('door stays shut: not a member of staff\n');
    const staff = await example('office-door.ts', gallery, 'staff');
    expect(staff.stdout).toBe('Ada Lovelace (2 photo(s))\nGrace Hopper (1 photo(s))\n');
  });

  it('identify-folder: every face of every photo named or unknown, left to right', async () => {
    const known = path.join(dir, 'identify', 'known');
    await crop('sample1.jpg', 0, path.join(known, 'centre', '1.png'));
    await crop('sample1.jpg', 2, path.join(known, 'right', '1.png'));
    await crop('sample1.jpg', 2, path.join(known, 'right', '2.png'), { mirror: true, scale: 2.4 });
    const photos = path.join(dir, 'identify', 'photos');
    await mkdir(photos, { recursive: true });
    await copyFile(path.join(FACEAPI_DEMO, 'sample1.jpg'), path.join(photos, 'group.jpg'));
    await sharp({ create: { width: 320, height: 240, channels: 3, background: '#808080' } }).png().toFile(path.join(photos, 'wall.png'));
    const r = await example('identify-folder.ts', known, photos);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines.slice(0, 2)).toEqual(['enrolled centre (1 photo(s))', 'enrolled right (2 photo(s))']);
    // sample1's faces from left to right: x 509 (not enrolled), 934 (centre), 1579 (right)
    expect(lines[2]).toMatch(/^group\.jpg: unknown, centre \(0\.\d{3}\), right \(0\.\d{3}\)$/);
    expect(lines[3]).toBe('wall.png: no face');
  });

  it('train-your-people: trains a head for 2 epochs on a folder of people, saves it and verifies with it', async () => {
    // 22 people, one per face of the demo photos, each with 3 photos: crops at different framings, one mirrored.
    const people = path.join(dir, 'train', 'people');
    let n = 0;
    for (const [photo, faces] of Object.entries(FACES)) {
      for (let f = 0; f < faces.length; f++) {
        const who = path.join(people, `person${String(++n).padStart(2, '0')}`);
        await crop(photo, f, path.join(who, '1.png'));
        await crop(photo, f, path.join(who, '2.png'), { scale: 2.4, mirror: true });
        await crop(photo, f, path.join(who, '3.png'), { scale: 1.8, shift: 0.1 });
      }
    }
    const out = path.join(dir, 'train', 'mine.onnx');
    const r = await example('train-your-people.ts', people, out, '2');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^22 people \(0 excluded\): 18 for training, 4 for validation/m);
    expect(r.stdout).toMatch(/^epoch 0: loss \d+\.\d{4}, validation accuracy \d+\.\d\d %/m);
    expect(r.stdout).toMatch(/^epoch 2: /m);
    expect(r.stdout).toMatch(/^saved .*mine\.onnx: threshold \d+\.\d{4}, best epoch [012]$/m);
    expect(r.stdout).toMatch(/^person01, two photos: (same person|different people) \(distance \d\.\d{3}, threshold \d\.\d{3}\)$/m);
    expect(existsSync(out)).toBe(true);
  }, 120_000);
});
