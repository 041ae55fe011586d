/**
 * The service's streams end to end: the real service (worker pool, SQLite gallery) watching the
 * test video built from the demo people's photos (test/helpers/video.ts), its events received
 * over SSE (replayed with Last-Event-ID) and over a signed webhook to a real local HTTP receiver
 * that fails its first attempts (a 500, then a hang past the timeout); push streams; bad sources;
 * roles and bad bodies.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyWebhookSignature } from '../src/index.js';
import type { StreamEvent } from '../src/stream/types.js';
import { b64, dbPhoto, PEOPLE, startService, type RunningService } from './helpers/service.js';
import { frames, PERSON_A, PERSON_B, testVideo } from './helpers/video.js';

interface Received {
  id: number;
  stream: string;
  event: StreamEvent;
}

const SECRET = 'whsec_test_0123456789abcdef';
let s: RunningService;
let receiver: Server;
let hookUrl = '';
/** An SSE connection left open for the shutdown to end. */
let lingering: ReturnType<typeof readSse> | undefined;
let hookRequests = 0;
const accepted: Received[] = [];
const badSignatures: string[] = [];
const hung: ServerResponse[] = [];
const tmp = mkdtempSync(path.join(os.tmpdir(), 'likeness-streams-'));

/** SSE events of GET /v1/events until `stop` aborts (the connection is the test's own). */
function readSse(url: string, headers: Record<string, string>, stop: AbortSignal): { events: (Received & { sseId: number; type: string })[]; missed: unknown[]; heartbeats: number; done: Promise<void> } {
  const events: (Received & { sseId: number; type: string })[] = [];
  const missed: unknown[] = [];
  const out = { events, missed, heartbeats: 0, done: Promise.resolve() };
  const done = (async () => {
    const r = await fetch(url, { headers, signal: stop });
    if (r.status !== 200) throw new Error(`SSE answered ${r.status}: ${await r.text()}`);
    expect(r.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const decoder = new TextDecoder();
    let buf = '';
    try {
      for await (const chunk of r.body as unknown as AsyncIterable<Uint8Array>) {
        buf += decoder.decode(chunk, { stream: true });
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const f: Record<string, string> = {};
          for (const line of block.split('\n')) {
            if (line.startsWith(': heartbeat')) out.heartbeats++;
            if (line.startsWith(':') || !line.includes(':')) continue;
            const k = line.slice(0, line.indexOf(':'));
            f[k] = line.slice(line.indexOf(':') + 1).trimStart();
          }
          if (f.event === 'missed') missed.push(JSON.parse(f.data!));
          else if (f.data) events.push({ ...(JSON.parse(f.data) as Received), sseId: Number(f.id), type: f.event! });
        }
      }
    } catch (e) {
      if (!stop.aborted) throw e;
    }
  })();
  out.done = done;
  return out;
}

async function until<T>(what: string, f: () => Promise<T | undefined>, ms = 240_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const finished = (id: string) =>
  until(`stream ${id} to end`, async () => {
    const g = await s.call('GET', `/v1/streams/${id}`, { key: s.admin });
    return g.body.state === 'running' ? undefined : g.body;
  });

beforeAll(async () => {
  // The receiver: request 1 → 500, request 2 → no answer (past the webhook timeout), then 200.
  receiver = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      hookRequests++;
      const body = Buffer.concat(chunks).toString('utf8');
      if (hookRequests === 1) return res.writeHead(500).end('not now');
      if (hookRequests === 2) return void hung.push(res);
      if (!verifyWebhookSignature(SECRET, body, req.headers['likeness-signature'] as string)) {
        badSignatures.push(body);
        return res.writeHead(400).end('bad signature');
      }
      accepted.push(JSON.parse(body) as Received);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const a = receiver.address();
  hookUrl = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}/hook?x=1`;
  s = await startService({ webhookTimeoutMs: 1500, webhookBaseDelayMs: 200, webhookAttempts: 6, streamIdleMs: 4000, maxStreams: 3, sseHeartbeatMs: 300 });
  for (const p of PEOPLE) {
    const created = await s.call('POST', '/v1/subjects', { key: s.admin, json: { name: p } });
    const enrol = await s.call('POST', `/v1/subjects/${created.body.id}/faces`, { key: s.admin, json: { images: [b64(dbPhoto(p))] } });
    expect(enrol.status, JSON.stringify(enrol.body)).toBe(201);
  }
}, 300_000);

afterAll(async () => {
  for (const r of hung) r.destroy();
  await s?.close();
  // The shutdown ended the open SSE connection (app.close() returned: it did not wait for it).
  await lingering?.done;
  receiver?.closeAllConnections();
  await new Promise((r) => receiver?.close(r));
  rmSync(tmp, { recursive: true, force: true });
});

describe('service streams', () => {
  it('watches a video: the enrolled people identified once each, the stranger unknown, the same events over SSE and a signed webhook that failed twice first', async () => {
    const video = await testVideo('mp4');
    const started = await s.call('POST', '/v1/streams', { key: s.admin, json: { source: video, fps: 5, webhook: { url: hookUrl, secret: SECRET } } });
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    expect(started.body).toMatchObject({ kind: 'source', state: 'running', fps: 5 });
    const id = started.body.id as string;
    // EventSource's way in: a token in the query, and everything since id 0 replayed.
    const token = await s.call('POST', '/v1/events/token', { key: s.admin });
    expect(token.status).toBe(200);
    const stop = new AbortController();
    const sse = readSse(`${s.base}/v1/events?stream=${id}&token=${encodeURIComponent(token.body.token)}`, { 'last-event-id': '0' }, stop.signal);

    const end = await finished(id);
    expect(end.state, JSON.stringify(end)).toBe('ended');
    expect(end.error).toBeNull();
    expect(end.stats.framesProcessed).toBeGreaterThan(20);
    const total = end.events as number;
    await until('the webhook deliveries', async () => {
      const g = await s.call('GET', `/v1/streams/${id}`, { key: s.admin });
      const w = g.body.webhooks[0];
      return w.pending === 0 && w.delivered + w.failed + w.dropped === total ? w : undefined;
    });
    await until('the SSE events', async () => (sse.events.length >= total ? true : undefined));
    stop.abort();
    await sse.done;

    const events = sse.events.map((e) => e.event);
    const identified = events.filter((e) => e.type === 'identified');
    expect(identified.map((e) => e.name).sort()).toEqual([PERSON_A, PERSON_B].sort());
    expect(new Set(identified.map((e) => e.track)).size).toBe(identified.length);
    const unknownTracks = new Set(events.filter((e) => e.type === 'unknown').map((e) => e.track));
    const identifiedTracks = new Set(identified.map((e) => e.track));
    expect([...unknownTracks].filter((t) => !identifiedTracks.has(t)).length).toBeGreaterThanOrEqual(1);
    // Every confirmed track is lost by the end.
    const tracks = events.filter((e) => e.type === 'track').map((e) => e.track);
    expect(events.filter((e) => e.type === 'lost').map((e) => e.track).sort()).toEqual(tracks.sort());
    expect(sse.events.every((e) => e.stream === id && e.type === e.event.type && e.sseId === e.id)).toBe(true);

    // The webhook: a 500, a hang past the timeout, then every event exactly once, in order, signed.
    expect(badSignatures).toEqual([]);
    expect(hookRequests).toBe(total + 2);
    expect(accepted.map((e) => e.id)).toEqual(sse.events.map((e) => e.id));
    expect(accepted.map((e) => e.event)).toEqual(events);
    const g = await s.call('GET', `/v1/streams/${id}`, { key: s.admin });
    expect(g.body.webhooks[0]).toMatchObject({ url: hookUrl.replace('?x=1', ''), delivered: total, failed: 0, dropped: 0, retries: 2 });
  }, 300_000);

  it('replays after Last-Event-ID only what came later, and refuses an SSE client without a key or with a forged token', async () => {
    const all = await s.call('GET', '/v1/streams', { key: s.admin });
    const id = all.body.streams[0].id as string;
    const stop = new AbortController();
    const sse = readSse(`${s.base}/v1/events?stream=${id}`, { authorization: `Bearer ${s.recognize}`, 'last-event-id': '0' }, stop.signal);
    // A recognize key follows its own streams only: this one is the admin's.
    await expect(sse.done).rejects.toThrow(/SSE answered 404/);
    const stop2 = new AbortController();
    const full = readSse(`${s.base}/v1/events?stream=${id}&lastEventId=0`, { authorization: `Bearer ${s.admin}` }, stop2.signal);
    await until('the replay', async () => (full.events.length === all.body.streams[0].events ? true : undefined));
    const third = full.events[2]!.id;
    const stop3 = new AbortController();
    const later = readSse(`${s.base}/v1/events?stream=${id}`, { authorization: `Bearer ${s.admin}`, 'last-event-id': String(third) }, stop3.signal);
    await until('the later replay', async () => (later.events.length === full.events.length - 3 ? true : undefined));
    expect(later.events.map((e) => e.id)).toEqual(full.events.slice(3).map((e) => e.id));
    stop2.abort();
    stop3.abort();
    await Promise.all([full.done, later.done]);
    expect((await fetch(`${s.base}/v1/events?stream=${id}`)).status).toBe(401);
    expect((await fetch(`${s.base}/v1/events?stream=${id}&token=abcd1234.99999999999.${'A'.repeat(43)}`)).status).toBe(401);
    stop.abort();
  }, 120_000);

  it('bad sources (missing file, not a video, unreachable URL) give an error event and a failed state; the service keeps serving', async () => {
    const notVideo = path.join(tmp, 'notes.mp4');
    writeFileSync(notVideo, 'this is not a video\n'.repeat(100));
    const cases: [string, string][] = [
      [path.join(tmp, 'missing.mp4'), 'E_VIDEO_NOT_FOUND'],
      [notVideo, 'E_VIDEO_DECODE'],
      ['http://127.0.0.1:9/none.mp4', 'E_VIDEO_UNREACHABLE'],
    ];
    for (const [source, code] of cases) {
      const r = await s.call('POST', '/v1/streams', { key: s.admin, json: { source } });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      const end = await finished(r.body.id);
      expect(end, source).toMatchObject({ state: 'failed', error: { code } });
      const stop = new AbortController();
      const sse = readSse(`${s.base}/v1/events?stream=${r.body.id}&lastEventId=0`, { authorization: `Bearer ${s.admin}` }, stop.signal);
      await until('the error event', async () => (sse.events.some((e) => e.type === 'error') ? true : undefined), 30_000);
      expect(sse.events.find((e) => e.type === 'error')!.event).toMatchObject({ type: 'error', track: null, code });
      stop.abort();
      await sse.done;
    }
    expect((await s.call('GET', '/health')).status).toBe(200);
    expect((await s.call('GET', '/v1/subjects', { key: s.recognize })).status).toBe(200);
  }, 120_000);

  it('push streams: a recognize key sends JPEG frames and gets tracks and events; idle push streams expire', async () => {
    const started = await s.call('POST', '/v1/streams', { key: s.recognize, json: { source: 'push', minFrames: 3 } });
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    const id = started.body.id as string;
    const all: StreamEvent[] = [];
    let lastTracks: { name: string | null; decided: string | null }[] = [];
    // The first 2.8 s of the video at 5 fps: PERSON_A crossing (with one black frame).
    for (const f of (await frames(5)).slice(0, 14)) {
      const jpeg = await sharp(Buffer.from(f.image.data), { raw: { width: f.image.width, height: f.image.height, channels: 3 } }).jpeg({ quality: 85 }).toBuffer();
      const r = await s.call('POST', `/v1/streams/${id}/frames`, { key: s.recognize, json: { image: jpeg.toString('base64'), time: f.time } });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      all.push(...r.body.events);
      if (r.body.tracks.length) lastTracks = r.body.tracks;
    }
    expect(all.filter((e) => e.type === 'identified').map((e) => e.name)).toEqual([PERSON_A]);
    expect(lastTracks.some((t) => t.name === PERSON_A && t.decided === 'identified')).toBe(true);
    // Its owner sees it; another stream's frames route refuses a watched source.
    expect((await s.call('GET', `/v1/streams/${id}`, { key: s.recognize })).body).toMatchObject({ kind: 'push', state: 'running' });
    const list = await s.call('GET', '/v1/streams', { key: s.recognize });
    expect(list.body.streams.map((x: { id: string }) => x.id)).toEqual([id]);
    const expired = await until('the idle push stream to expire', async () => {
      const g = await s.call('GET', `/v1/streams/${id}`, { key: s.recognize });
      return g.body.state === 'running' ? undefined : g.body;
    }, 30_000);
    expect(expired.state).toBe('expired');
    const late = await s.call('POST', `/v1/streams/${id}/frames`, { key: s.recognize, json: { image: b64(dbPhoto(PERSON_A)) } });
    expect(late).toMatchObject({ status: 409, body: { error: { code: 'E_STREAM_ENDED' } } });
  }, 180_000);

  it('roles, bad bodies, unknown ids, the stream limit and DELETE', async () => {
    const video = await testVideo('mp4');
    expect(await s.call('POST', '/v1/streams', { key: s.recognize, json: { source: video } })).toMatchObject({ status: 403, body: { error: { code: 'E_FORBIDDEN' } } });
    expect((await s.call('POST', '/v1/streams', { json: { source: 'push' } })).status).toBe(401);
    expect(await s.call('POST', '/v1/streams', { key: s.recognize, json: { source: 'push', webhook: { url: hookUrl, secret: SECRET } } })).toMatchObject({ status: 403 });
    for (const body of [{}, { source: '' }, { source: 'push', fps: 'fast' }, { source: 'push', fps: 0 }, { source: 'push', extra: 1 }, { source: 'push', webhook: { url: 'ftp://x', secret: SECRET } }, { source: 'push', webhook: { url: hookUrl, secret: 'short' } }]) {
      const r = await s.call('POST', '/v1/streams', { key: s.admin, json: body });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error.code).toBe('E_BAD_REQUEST');
    }
    expect(await s.call('GET', '/v1/streams/st_nope', { key: s.admin })).toMatchObject({ status: 404, body: { error: { code: 'E_NOT_FOUND' } } });
    expect((await s.call('DELETE', '/v1/streams/st_nope', { key: s.admin })).status).toBe(404);
    expect((await s.call('POST', '/v1/streams/st_nope/frames', { key: s.admin, json: { image: b64(dbPhoto(PERSON_A)) } })).status).toBe(404);
    // maxStreams 3: three push streams run, a fourth is refused; DELETE frees a place.
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await s.call('POST', '/v1/streams', { key: s.admin, json: { source: 'push' } })).body.id);
    expect(await s.call('POST', '/v1/streams', { key: s.admin, json: { source: 'push' } })).toMatchObject({ status: 429, body: { error: { code: 'E_TOO_MANY_STREAMS' } } });
    const stopped = await s.call('DELETE', `/v1/streams/${ids[0]}`, { key: s.admin });
    expect(stopped).toMatchObject({ status: 200, body: { state: 'stopped' } });
    // A watched file stopped mid-way: its live tracks are lost, ffmpeg ends, the state says stopped.
    const w = await s.call('POST', '/v1/streams', { key: s.admin, json: { source: video, fps: 5 } });
    expect(w.status).toBe(201);
    await until('a track', async () => ((await s.call('GET', `/v1/streams/${w.body.id}`, { key: s.admin })).body.tracks > 0 ? true : undefined), 120_000);
    const del = await s.call('DELETE', `/v1/streams/${w.body.id}`, { key: s.admin });
    expect(del.body).toMatchObject({ state: 'stopped', tracks: 0 });
    const stop = new AbortController();
    const sse = readSse(`${s.base}/v1/events?stream=${w.body.id}&lastEventId=0`, { authorization: `Bearer ${s.admin}` }, stop.signal);
    await until('the replay', async () => (sse.events.length === del.body.events ? true : undefined), 10_000);
    const ev = sse.events.map((e) => e.event);
    expect(ev.filter((e) => e.type === 'lost').map((e) => e.track).sort()).toEqual(ev.filter((e) => e.type === 'track').map((e) => e.track).sort());
    stop.abort();
    await sse.done;
    for (const i of ids.slice(1)) await s.call('DELETE', `/v1/streams/${i}`, { key: s.admin });
  }, 240_000);

  it('keeps an idle SSE connection alive with heartbeats (and the shutdown ends it)', async () => {
    lingering = readSse(`${s.base}/v1/events`, { authorization: `Bearer ${s.admin}` }, new AbortController().signal);
    await until('two heartbeats', async () => (lingering!.heartbeats >= 2 ? true : undefined), 30_000);
    expect(lingering.events).toEqual([]);
    const m = (await s.call('GET', '/metrics')).body as string;
    expect(m).toMatch(/^likeness_sse_clients 1$/m);
    expect(m).toMatch(/^likeness_streams_running 0$/m);
    expect(m).toMatch(/^likeness_stream_frames_waiting 0$/m);
  });
});
