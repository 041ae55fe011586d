/**
 * The stream library on a video built from real photos (test/helpers/video.ts): FaceStream fed
 * frame by frame, and watch() reading the video through ffmpeg (mp4, webm, mkv, mjpeg), with the
 * default stack and a real SQLite gallery of the two enrolled people.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Gallery } from '../src/gallery/gallery.js';
import { Likeness } from '../src/likeness.js';
import { InvalidOptionError } from '../src/errors.js';
import { FaceStream, watch, type StreamEvent } from '../src/stream/index.js';
import { demoPeople } from './helpers/demo-people.js';
import { checkVideoEvents, enrolledDoor } from './helpers/stream-checks.js';
import { frames, PERSON_A, testVideo } from './helpers/video.js';

let door: Awaited<ReturnType<typeof enrolledDoor>>;
let dir: string;
let likeness: Likeness;
let gallery: Gallery;

beforeAll(async () => {
  door = await enrolledDoor('likeness-stream-');
  ({ dir, likeness, gallery } = door);
});

afterAll(async () => {
  await door?.close();
});

describe('FaceStream', () => {
  it('tracks, identifies each enrolled person once, calls the stranger unknown and loses every track at the end', async () => {
    const stream = new FaceStream(likeness, gallery, { fps: 5 });
    const events: StreamEvent[] = [];
    let live = 0;
    for (const f of await frames(5)) {
      events.push(...(await stream.push(f)));
      live = Math.max(live, stream.tracks().filter((t) => t.state === 'confirmed').length);
    }
    events.push(...stream.end());
    checkVideoEvents(events);
    expect(live).toBe(2);
    expect(stream.tracks()).toEqual([]);
    const s = stream.stats();
    expect(s.framesProcessed).toBe(37);
    expect(s.framesDropped).toBe(0);
    expect(s.tracks).toBe(3);
    await expect(stream.push((await frames(5))[0]!)).rejects.toBeInstanceOf(InvalidOptionError);
  });

  it('an unknown track may become identified as evidence grows, never the reverse, and is never unknown twice', async () => {
    // A threshold that A's first frames miss and its mean later meets would be tuned to this video;
    // instead: a gallery that does not hold A calls A unknown, and once A is enrolled mid-stream
    // the same track turns identified.
    const g = await Gallery.open(path.join(dir, 'late.sqlite'), likeness);
    const stream = new FaceStream(likeness, g, { fps: 5 });
    const events: StreamEvent[] = [];
    const demo = await demoPeople();
    for (const f of (await frames(5)).filter((f) => f.time < 3)) {
      events.push(...(await stream.push(f)));
      if (f.time >= 1.0 && (await g.store.stats()).subjects === 0) await g.enroll(PERSON_A, [demo.db(PERSON_A)]);
    }
    events.push(...stream.end());
    await g.close();
    expect(events.map((e) => e.type)).toEqual(['track', 'unknown', 'identified', 'lost']);
    expect(events[2]!.name).toBe(PERSON_A);
  });

  it('refuses bad options and bad frames with typed errors', async () => {
    expect(() => new FaceStream(likeness, gallery, { minFrames: 0 })).toThrow(InvalidOptionError);
    expect(() => new FaceStream(likeness, gallery, { fps: -1 })).toThrow(InvalidOptionError);
    const s = new FaceStream(likeness, gallery);
    await expect(s.push({ image: { width: 2, height: 2, data: new Uint8Array(5) }, time: 0 })).rejects.toBeInstanceOf(InvalidOptionError);
  });
});

describe('watch', () => {
  it.each(['mp4', 'webm', 'mkv', 'mjpeg'] as const)('reads a %s file through ffmpeg, every sampled frame processed', async (format) => {
    const events: StreamEvent[] = [];
    // Raw MJPEG has no timestamps: its frame rate is given.
    const w = watch(await testVideo(format), likeness, gallery, { fps: 5, ...(format === 'mjpeg' ? { inputFps: 10 } : {}) });
    for await (const e of w) events.push(e);
    checkVideoEvents(events);
    const s = w.stats();
    expect(s.framesRead).toBeGreaterThanOrEqual(36);
    expect(s.framesProcessed).toBe(s.framesRead);
    expect(s.framesDropped).toBe(0);
    expect(s.processedFps).toBeGreaterThan(0);
  });

  it('reads a file as a live source with realtime: frames analysis could not keep up with are dropped, not queued', async () => {
    const w = watch(await testVideo('mp4'), likeness, gallery, { fps: 10, realtime: true });
    const events: StreamEvent[] = [];
    for await (const e of w) events.push(e);
    const s = w.stats();
    expect(s.framesRead).toBeGreaterThanOrEqual(70);
    expect(s.framesProcessed + s.framesDropped).toBe(s.framesRead);
    expect(events.filter((e) => e.type === 'error')).toHaveLength(0);
    expect(events.filter((e) => e.type === 'lost').length).toBe(events.filter((e) => e.type === 'track').length);
  });
});
