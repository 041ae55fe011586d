/**
 * Video sources through ffmpeg: bad sources give one typed `error` event (never a hang), a stream
 * that stops mid-way gives `lost` for its tracks then its end, and RTSP works with the ffmpeg
 * binary receiving (`-rtsp_flags listen`) what a second ffmpeg publishes. No camera exists here
 * (no /dev/video*; v4l2loopback needs a kernel module): a missing device is a clear error.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Gallery } from '../src/gallery/gallery.js';
import { Likeness } from '../src/likeness.js';
import { FfmpegNotFoundError, resolveFfmpeg, sourceInput, VideoSourceError, watch, type StreamEvent } from '../src/stream/index.js';
import { checkVideoEvents, enrolledDoor } from './helpers/stream-checks.js';
import { testVideo } from './helpers/video.js';

let door: Awaited<ReturnType<typeof enrolledDoor>>;
let dir: string;
let likeness: Likeness;
let gallery: Gallery;

beforeAll(async () => {
  door = await enrolledDoor('likeness-stream-src-');
  ({ dir, likeness, gallery } = door);
});

afterAll(async () => {
  await door?.close();
});

async function collect(source: string, options = {}): Promise<StreamEvent[]> {
  const events: StreamEvent[] = [];
  for await (const e of watch(source, likeness, gallery, { fps: 5, timeoutMs: 5000, ...options })) events.push(e);
  return events;
}

const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const s = createNetServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
  });

describe('bad sources', () => {
  it('a missing file is E_VIDEO_NOT_FOUND', async () => {
    const events = await collect(path.join(dir, 'missing.mp4'));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'error', code: 'E_VIDEO_NOT_FOUND', track: null });
    expect(() => sourceInput(path.join(dir, 'missing.mp4'))).toThrow(VideoSourceError);
  });

  it('a text file named .mp4 is E_VIDEO_DECODE', async () => {
    const f = path.join(dir, 'text.mp4');
    writeFileSync(f, 'this is not a video\n'.repeat(50));
    const events = await collect(f);
    expect(events.map((e) => e.code)).toEqual(['E_VIDEO_DECODE']);
    expect(events[0]!.message).toContain('text.mp4');
  });

  it('a closed local port is E_VIDEO_UNREACHABLE, quickly', async () => {
    const port = await freePort();
    const events = await collect(`http://127.0.0.1:${port}/video.mp4`);
    expect(events.map((e) => e.code)).toEqual(['E_VIDEO_UNREACHABLE']);
  });

  it('a missing camera device is E_VIDEO_NOT_FOUND (no camera on this machine)', async () => {
    expect(() => sourceInput('/dev/video7')).toThrow(VideoSourceError);
    const events = await collect('camera:7');
    expect(events).toMatchObject([{ type: 'error', code: 'E_VIDEO_NOT_FOUND' }]);
    expect(events[0]!.message).toContain('/dev/video7');
  });

  it('LIKENESS_FFMPEG pointing at no executable is FfmpegNotFoundError; the package binary is found otherwise', () => {
    const f = path.join(dir, 'not-ffmpeg');
    writeFileSync(f, 'x');
    expect(() => resolveFfmpeg({ LIKENESS_FFMPEG: f, PATH: '' })).toThrow(FfmpegNotFoundError);
    expect(resolveFfmpeg({ PATH: '' })).toContain('@ffmpeg-installer');
    // A copy without its exec bit (a postinstall that did not run) is made executable when allowed.
    const copy = path.join(dir, 'ffmpeg-copy');
    copyFileSync(resolveFfmpeg({ PATH: '' }), copy);
    chmodSync(copy, 0o644);
    expect(() => resolveFfmpeg({ LIKENESS_FFMPEG: copy, PATH: '' })).toThrow(FfmpegNotFoundError);
  });
});

describe('network streams', () => {
  let server: Server | undefined;
  afterAll(() => server?.close());

  it('an HTTP stream that stops mid-way: its tracks are lost, then the stream ends (an error or its end, never a hang)', async () => {
    const video = readFileSync(await testVideo('mp4'));
    server = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'video/mp4' });
      // About the first half of the video (A's crossing), sent over 6 s as a live camera would (an
      // HTTP source is live: frames arriving faster than analysis are dropped, so a burst could
      // leave too few analysed frames to confirm a track on a loaded machine), then the
      // connection breaks.
      const part = video.subarray(0, Math.floor(video.length * 0.45));
      const chunk = Math.ceil(part.length / 60);
      let sent = 0;
      const timer = setInterval(() => {
        if (sent >= part.length) {
          clearInterval(timer);
          res.socket?.destroy();
          return;
        }
        res.write(part.subarray(sent, sent + chunk));
        sent += chunk;
      }, 100);
      res.on('close', () => clearInterval(timer));
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const events = await collect(`http://127.0.0.1:${port}/video.mp4`);
    const tracks = events.filter((e) => e.type === 'track');
    expect(tracks.length).toBeGreaterThan(0);
    expect(events.filter((e) => e.type === 'lost').map((e) => e.track).sort()).toEqual(tracks.map((e) => e.track).sort());
    const last = events.at(-1)!;
    expect(['lost', 'error']).toContain(last.type);
    if (last.type === 'error') expect(last.code).toBe('E_VIDEO_STOPPED');
  });

  it('RTSP: the reader listens, a second ffmpeg publishes the video; the people are identified as from the file', async () => {
    const port = await freePort();
    const url = `rtsp://127.0.0.1:${port}/live`;
    const file = await testVideo('mp4');
    let publisher: ChildProcess | undefined;
    const events: StreamEvent[] = [];
    const stream = watch(url, likeness, gallery, { fps: 5, rtspListen: true, timeoutMs: 15_000 });
    const reading = (async () => {
      for await (const e of stream) events.push(e);
    })();
    // Publish once the reader listens: retry a refused connection a few times.
    for (let attempt = 0; attempt < 20; attempt++) {
      await new Promise((r) => setTimeout(r, 300));
      publisher = spawn(resolveFfmpeg(), ['-hide_banner', '-loglevel', 'error', '-re', '-i', file, '-c', 'copy', '-f', 'rtsp', '-rtsp_transport', 'tcp', url], { stdio: 'ignore' });
      const code = await new Promise<number | null>((r) => publisher!.on('close', r));
      if (code === 0) break;
    }
    await reading;
    checkVideoEvents(events, { live: true });
    expect(stream.stats().framesRead).toBeGreaterThan(30);
  });
});
