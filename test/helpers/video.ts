/**
 * Test videos built at test time from real photos (face-api's demo photos through demo-people.ts),
 * 640×480 at 10 frames per second: people whose camera photos cross the frame over a grey
 * background. The timeline (seconds):
 *   0.0–3.0  PERSON_A crosses left → right; at 1.4–1.6 one black frame pair (a "bad frame": the
 *            face vanishes for one sampled frame at 5 fps)
 *   3.0–3.8  empty
 *   3.8–6.8  PERSON_B crosses left → right in the upper half and the stranger right → left in the
 *            lower half (two at once); at 5.0–5.2 the stranger's face is replaced by PERSON_A's (a
 *            bad frame that must not make the stranger A, nor start a track of A)
 *   6.8–7.4  empty
 * Files are written once per helper version to a cache folder in the OS temp dir.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { resolveFfmpeg } from '../../src/stream/source.js';
import type { RgbImage } from '../../src/types.js';
import { demoPeople, type DemoPeople } from './demo-people.js';

export const WIDTH = 640;
export const HEIGHT = 480;
export const VIDEO_FPS = 10;
export const DURATION = 7.4;
/** The two enrolled people of the video (names in DEMO_PEOPLE). */
export const PERSON_A = 'sample3-0';
export const PERSON_B = 'sample5-1';
const FACE = 190;

interface Placement {
  photo: string;
  x: number;
  y: number;
}

/** Who is where at time t (s). */
function scene(t: number, demo: DemoPeople): Placement[] | 'black' {
  const lerp = (a: number, b: number, u: number) => Math.round(a + (b - a) * u);
  const out: Placement[] = [];
  if (t < 3.0) {
    if (t >= 1.4 && t < 1.6) return 'black';
    out.push({ photo: demo.camera(PERSON_A), x: lerp(10, WIDTH - FACE - 10, t / 3.0), y: 140 });
  } else if (t >= 3.8 && t < 6.8) {
    const u = (t - 3.8) / 3.0;
    out.push({ photo: demo.camera(PERSON_B), x: lerp(10, WIDTH - FACE - 10, u), y: 20 });
    const swapped = t >= 5.0 && t < 5.2;
    out.push({ photo: swapped ? demo.camera(PERSON_A) : demo.stranger, x: lerp(WIDTH - FACE - 10, 10, u), y: HEIGHT - FACE - 20 });
  }
  return out;
}

const tiles = new Map<string, Buffer>();
async function tile(photo: string): Promise<Buffer> {
  let b = tiles.get(photo);
  if (!b) {
    b = await sharp(photo).resize(FACE, FACE).png().toBuffer();
    tiles.set(photo, b);
  }
  return b;
}

/** Frame k of the video at `fps` (time k / fps), as RGB pixels. */
export async function frameAt(t: number, demo: DemoPeople): Promise<RgbImage> {
  const s = scene(t, demo);
  const base = sharp({ create: { width: WIDTH, height: HEIGHT, channels: 3, background: s === 'black' ? { r: 0, g: 0, b: 0 } : { r: 118, g: 122, b: 128 } } });
  const composed = s === 'black' || s.length === 0 ? base : base.composite(await Promise.all(s.map(async (p) => ({ input: await tile(p.photo), left: p.x, top: p.y }))));
  const { data, info } = await composed.removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

/** Every frame at `fps` (default the video's), with its time. */
export async function frames(fps = VIDEO_FPS): Promise<{ image: RgbImage; time: number }[]> {
  const demo = await demoPeople();
  const n = Math.round(DURATION * fps);
  const out: { image: RgbImage; time: number }[] = [];
  for (let k = 0; k < n; k++) out.push({ image: await frameAt(k / fps, demo), time: k / fps });
  return out;
}

const VERSION = createHash('sha256').update(readFileSync(fileURLToPath(import.meta.url))).digest('hex').slice(0, 12);
const DIR = path.join(os.tmpdir(), `likeness-test-video-${VERSION}`);

const CODECS = {
  mp4: ['-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-movflags', '+faststart'],
  webm: ['-c:v', 'libvpx', '-b:v', '1M', '-deadline', 'realtime'],
  mjpeg: ['-c:v', 'mjpeg', '-q:v', '4', '-f', 'mjpeg'],
  mkv: ['-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-f', 'matroska'],
} as const;

/** The test video as a file (mp4 by default), built on first use. */
export async function testVideo(format: keyof typeof CODECS = 'mp4'): Promise<string> {
  mkdirSync(DIR, { recursive: true });
  const file = path.join(DIR, `people.${format}`);
  if (existsSync(file)) return file;
  const tmp = `${file}.${process.pid}.tmp`;
  const ff = spawn(resolveFfmpeg(), ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${WIDTH}x${HEIGHT}`, '-r', String(VIDEO_FPS), '-i', 'pipe:0', ...CODECS[format], ...(format === 'mjpeg' || format === 'mkv' ? [] : ['-f', format === 'mp4' ? 'mp4' : 'webm']), tmp], { stdio: ['pipe', 'ignore', 'pipe'] });
  let err = '';
  ff.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const closed = new Promise<number | null>((r) => ff.on('close', r));
  for (const f of await frames()) {
    if (!ff.stdin.write(f.image.data)) await new Promise((r) => ff.stdin.once('drain', r));
  }
  ff.stdin.end();
  const code = await closed;
  if (code !== 0) throw new Error(`ffmpeg could not build the test video: ${err}`);
  renameSync(tmp, file);
  return file;
}
