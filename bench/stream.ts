/**
 * `npm run bench:stream`: frames per second of the stream pipeline at 640×480 on the default stack,
 * with one face and with five faces (FaceStream fed decoded frames: detect + encode + track +
 * decide), against the bare `Likeness.embed` on the same frames in the same run (the ratio is the
 * tracking and decision overhead); then memory: the process's RSS at the start and the end of
 * `watch` on the test video looped for `--minutes` (default 10).
 *
 *   npm run bench:stream [-- --minutes 10 --frames 30]
 */
import path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import sharp from 'sharp';
import { Gallery } from '../src/gallery/gallery.js';
import { Likeness } from '../src/likeness.js';
import { FaceStream, watch } from '../src/stream/index.js';
import type { RgbImage } from '../src/types.js';
import { demoPeople } from '../test/helpers/demo-people.js';
import { frames as videoFrames, HEIGHT, PERSON_A, PERSON_B, testVideo, WIDTH } from '../test/helpers/video.js';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}
const minutes = arg('minutes', 10);
const n = arg('frames', 30);
const rss = () => process.memoryUsage().rss / 2 ** 20;

const demo = await demoPeople();
const dir = mkdtempSync(path.join(tmpdir(), 'likeness-bench-stream-'));
const likeness = await Likeness.create();
const gallery = await Gallery.open(path.join(dir, 'g.sqlite'), likeness);
for (const p of [PERSON_A, PERSON_B]) await gallery.enroll(p, [demo.db(p)]);

/** Five people at once, 120 px photos drifting right by 4 px a frame. */
async function fiveFaces(count: number): Promise<RgbImage[]> {
  const tiles = await Promise.all(demo.people.slice(0, 5).map((p) => sharp(demo.camera(p)).resize(120, 120).png().toBuffer()));
  const out: RgbImage[] = [];
  for (let k = 0; k < count; k++) {
    const { data } = await sharp({ create: { width: WIDTH, height: HEIGHT, channels: 3, background: { r: 118, g: 122, b: 128 } } })
      .composite(tiles.map((t, i) => ({ input: t, left: 10 + (i % 3) * 200 + k * 2, top: 40 + Math.floor(i / 3) * 220 })))
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    out.push({ width: WIDTH, height: HEIGHT, data: new Uint8Array(data) });
  }
  return out;
}

async function fps(images: RgbImage[], run: (img: RgbImage, k: number) => Promise<unknown>): Promise<number> {
  await run(images[0]!, 0);
  const t0 = performance.now();
  for (const [k, img] of images.entries()) await run(img, k);
  return images.length / ((performance.now() - t0) / 1000);
}

const one = (await videoFrames(5)).filter((f) => f.time < 2.8 && !(f.time >= 1.4 && f.time < 1.6)).map((f) => f.image).slice(0, n);
const five = await fiveFaces(n);
const rows: string[] = [];
for (const [label, images] of [['1 face', one], ['5 faces', five]] as const) {
  const bare = await fps(images, (img) => likeness.embed(img));
  const stream = new FaceStream(likeness, gallery, { fps: 5 });
  const streamed = await fps(images, (img, k) => stream.push({ image: img, time: k / 5 }));
  rows.push(`| ${label} | ${images.length} | ${streamed.toFixed(1)} | ${bare.toFixed(1)} | ${(streamed / bare).toFixed(2)} |`);
}
console.log('\n| 640×480 frames | frames | FaceStream fps | Likeness.embed fps | ratio |\n| --- | --- | --- | --- | --- |');
for (const r of rows) console.log(r);

// Memory: the test video looped for `minutes` of source time, read at the reader's pace.
const file = await testVideo('mp4');
const stop = new AbortController();
const start = rss();
let peak = start;
const w = watch(file, likeness, gallery, { fps: 5, loop: true, signal: stop.signal });
let events = 0;
for await (const e of w) {
  events++;
  peak = Math.max(peak, rss());
  if (e.time >= minutes * 60) stop.abort();
}
const s = w.stats();
console.log(`\nmemory over ${minutes} min of looped video (${s.framesProcessed} frames, ${events} events, ${s.processedFps.toFixed(1)} fps): RSS ${start.toFixed(0)} MiB at start, ${peak.toFixed(0)} MiB peak, ${rss().toFixed(0)} MiB at the end`);
await gallery.close();
rmSync(dir, { recursive: true, force: true });
