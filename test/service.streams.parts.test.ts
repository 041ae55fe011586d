/**
 * The parts of the service's streams on their own, with real components: the event hub's ring
 * buffer and replay, webhook signatures (the documented verification), back-off and Retry-After,
 * a webhook queue that drops its oldest when full, and an SSE client that stops reading being cut
 * off instead of buffered without bound (a real Fastify server and a real socket).
 */
import { connect } from 'node:net';
import { createServer, type Server } from 'node:http';
import Fastify from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhookSignature } from '../src/index.js';
import { loadConfig } from '../src/service/config.js';
import { EventHub } from '../src/service/streams/hub.js';
import { serveEvents, SseConnections } from '../src/service/streams/sse.js';
import { backoffMs, retryAfterMs, WebhookSender } from '../src/service/streams/webhooks.js';
import type { StreamEvent } from '../src/stream/types.js';

const ev = (track: number, type: StreamEvent['type'] = 'track'): StreamEvent => ({ type, track, name: null, subject: null, confidence: null, frames: 3, time: track / 5 });

describe('event hub', () => {
  it('numbers events, replays after an id from its ring, filters by stream and says when events were missed', () => {
    const hub = new EventHub(5);
    const seen: number[] = [];
    const off = hub.subscribe((e) => seen.push(e.id), 'b');
    for (let i = 1; i <= 8; i++) hub.publish(i % 2 ? 'a' : 'b', ev(i));
    expect(seen).toEqual([2, 4, 6, 8]);
    off();
    hub.publish('b', ev(9));
    expect(seen).toEqual([2, 4, 6, 8]);
    // The ring holds 5..9: after 6 → 7, 8, 9; after 1 → what is left, and missed.
    expect(hub.since(6).events.map((e) => e.id)).toEqual([7, 8, 9]);
    expect(hub.since(6).missed).toBe(false);
    expect(hub.since(1)).toMatchObject({ missed: true });
    expect(hub.since(1).events.map((e) => e.id)).toEqual([5, 6, 7, 8, 9]);
    expect(hub.since(0, 'b').events.map((e) => e.id)).toEqual([6, 8, 9]);
    expect(hub.since(9).events).toEqual([]);
  });
});

describe('webhook signatures', () => {
  const secret = 'whsec_0123456789abcdef';
  const body = JSON.stringify({ id: 7, stream: 'st_1', event: ev(1, 'identified') });
  it('verifies its own signature and refuses a changed body, another secret, an old timestamp or a malformed header', () => {
    const now = 1_800_000_000;
    const header = signWebhook(secret, body, now);
    expect(header).toMatch(/^t=1800000000,v1=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature(secret, body, header, { now })).toBe(true);
    expect(verifyWebhookSignature(secret, new TextEncoder().encode(body), header, { now: now + 299 })).toBe(true);
    expect(verifyWebhookSignature(secret, body.replace('"id":7', '"id":8'), header, { now })).toBe(false);
    expect(verifyWebhookSignature('whsec_other_secret_x', body, header, { now })).toBe(false);
    expect(verifyWebhookSignature(secret, body, header, { now: now + 301 })).toBe(false);
    expect(verifyWebhookSignature(secret, body, header.replace(/^t=\d+/, `t=${now + 1}`), { now })).toBe(false);
    for (const bad of ['', 'v1=abc', `t=${now}`, 'nonsense', null, undefined]) expect(verifyWebhookSignature(secret, body, bad, { now })).toBe(false);
    // A rotated secret: the receiver accepts either of two v1 entries.
    expect(verifyWebhookSignature(secret, body, `${signWebhook('whsec_old_secret_xyz', body, now)},v1=${header.split('v1=')[1]}`, { now })).toBe(true);
  });

  it('backs off exponentially within [d/2, d] up to the cap, and reads Retry-After in seconds or as a date', () => {
    expect([1, 2, 3, 4].map((r) => backoffMs(r, 1000, 60_000, () => 1))).toEqual([1000, 2000, 4000, 8000]);
    expect([1, 2, 3, 4].map((r) => backoffMs(r, 1000, 60_000, () => 0))).toEqual([500, 1000, 2000, 4000]);
    expect(backoffMs(20, 1000, 60_000, () => 1)).toBe(60_000);
    expect(retryAfterMs('3')).toBe(3000);
    expect(retryAfterMs(new Date(10_000 + 5000).toUTCString(), 10_000)).toBe(5000);
    expect(retryAfterMs('soon')).toBeUndefined();
    expect(retryAfterMs(null)).toBeUndefined();
  });
});

describe('webhook queue', () => {
  let server: Server | undefined;
  afterAll(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

  it('drops the oldest events of a full queue (counted) and delivers the rest in order; Retry-After is followed', async () => {
    const got: number[] = [];
    let n = 0;
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        n++;
        // The first answer asks to come back (Retry-After: 0 s), which the sender honours over its back-off.
        if (n === 1) return res.writeHead(503, { 'retry-after': '0' }).end();
        got.push((JSON.parse(body) as { id: number }).id);
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const a = server.address();
    const port = typeof a === 'object' && a ? a.port : 0;
    // A back-off of an hour: only the Retry-After can have let the retry through.
    const sender = new WebhookSender({ url: `http://127.0.0.1:${port}/`, secret: 'whsec_0123456789abcdef' }, { timeoutMs: 5000, attempts: 3, baseDelayMs: 3_600_000, maxDelayMs: 3_600_000, queue: 3 });
    for (let i = 1; i <= 6; i++) sender.send({ id: i, stream: 'st_1', event: ev(i) });
    await sender.idle();
    // 1 was in flight when 2..6 came: the queue of 3 kept 1 (taken), then 4, 5, 6 (2 and 3 dropped).
    expect(got).toEqual([1, 4, 5, 6]);
    expect(sender.stats).toMatchObject({ delivered: 4, dropped: 2, failed: 0, retries: 1, pending: 0 });
    await sender.close();
  });
});

describe('SSE', () => {
  it('cuts off a client that stops reading instead of buffering for it without bound', async () => {
    const hub = new EventHub(10);
    const conns = new SseConnections();
    const c = { ...loadConfig({}, {}), sseMaxBufferedBytes: 64 * 1024 };
    const app = Fastify();
    app.get('/events', async (_request, reply) => serveEvents(reply, hub, c, conns, {}));
    await app.listen({ host: '127.0.0.1', port: 0 });
    const a = app.server.address();
    const port = typeof a === 'object' && a ? a.port : 0;
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((r) => socket.once('connect', () => r()));
    socket.write(`GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
    await new Promise<void>((r) => socket.once('data', () => r()));
    socket.pause(); // reads nothing more
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    socket.on('error', () => undefined);
    expect(conns.size).toBe(1);
    const big = 'x'.repeat(4000);
    // Far more than the socket buffers hold: the server must give up on this client.
    for (let i = 0; i < 20_000 && conns.size > 0; i++) {
      hub.publish('st_1', { ...ev(i), message: big });
      if (i % 100 === 0) await new Promise((r) => setImmediate(r));
    }
    expect(conns.dropped).toBe(1);
    expect(conns.size).toBe(0);
    expect(hub.subscriberCount).toBe(0);
    socket.resume();
    socket.destroy();
    await closed;
    await app.close();
  });
});
