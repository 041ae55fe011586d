/**
 * GET /v1/events as Server-Sent Events, written on the raw response (a few lines: the SSE plugins
 * for Fastify either await back-pressure, which would let one slow client hold its events without
 * bound, or keep their own replay store; here the hub is the one store and a slow client is cut).
 *
 * - Each event: `id: <hub id>`, `event: <type>` (track, identified, unknown, lost, error) and
 *   `data: {"id","stream","event"}` (the same JSON as a webhook's body).
 * - `Last-Event-ID` (the header EventSource sends on reconnecting, or `?lastEventId=`) replays the
 *   buffered events after it; when some were already overwritten, a `missed` event says so first.
 * - A comment line every `sseHeartbeatMs` keeps proxies from closing an idle connection.
 * - A client whose unsent data exceeds `sseMaxBufferedBytes` is disconnected (it may reconnect and
 *   replay from its last id), so memory per client stays bounded.
 *
 * Authentication: `Authorization: Bearer <key>` for programs; a browser's EventSource cannot set
 * headers, so it passes `?token=` from POST /v1/events/token: a stateless token (key id, expiry,
 * HMAC with a per-process secret) valid for `TOKEN_TTL_S`, checked against the key store at connect
 * time (a revoked key's token stops working). Query strings named token are redacted in the log.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ServiceConfig } from '../config.js';
import { unauthorized } from '../errors.js';
import type { ApiKeyInfo, KeyStore } from '../keys.js';
import type { EventHub, HubEvent } from './hub.js';

/** Lifetime of an event token (seconds): enough for EventSource's reconnections, short if leaked. */
export const TOKEN_TTL_S = 600;

export class EventTokens {
  private readonly secret = randomBytes(32);

  constructor(private readonly keys: KeyStore) {}

  issue(key: ApiKeyInfo, now = Date.now()): { token: string; expiresAt: string } {
    const exp = Math.floor(now / 1000) + TOKEN_TTL_S;
    const body = `${key.id}.${exp}`;
    return { token: `${body}.${this.mac(body)}`, expiresAt: new Date(exp * 1000).toISOString() };
  }

  private mac(body: string): string {
    return createHmac('sha256', this.secret).update(body).digest('base64url');
  }

  /** The key a token stands for, or undefined (bad, expired, or its key revoked). */
  verify(token: string, now = Date.now()): ApiKeyInfo | undefined {
    const m = /^([0-9a-f]{8})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(token);
    if (!m) return undefined;
    const expected = Buffer.from(this.mac(`${m[1]}.${m[2]}`));
    const given = Buffer.from(m[3]!);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    if (Number(m[2]) * 1000 < now) return undefined;
    return this.keys.list().find((k) => k.id === m[1]);
  }
}

/** The caller of GET /v1/events: a Bearer key, or a token from POST /v1/events/token. */
export function eventsCaller(request: FastifyRequest, keys: KeyStore, tokens: EventTokens, token: string | undefined): ApiKeyInfo {
  const header = request.headers.authorization;
  if (header) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const key = m ? keys.verify(m[1]!) : undefined;
    if (!key) throw unauthorized('the API key is not valid');
    return key;
  }
  if (token !== undefined) {
    const key = tokens.verify(token);
    if (!key) throw unauthorized('the event token is not valid or has expired: get a new one from POST /v1/events/token');
    return key;
  }
  throw unauthorized('an API key is required: send "Authorization: Bearer <key>", or ?token= from POST /v1/events/token (EventSource)');
}

const frame = (e: HubEvent): string => `id: ${e.id}\nevent: ${e.event.type}\ndata: ${JSON.stringify({ id: e.id, stream: e.stream, event: e.event })}\n\n`;

/** Open connections, so a shutdown can end them. */
export class SseConnections {
  private readonly open = new Set<() => void>();
  dropped = 0;

  add(end: () => void): () => void {
    this.open.add(end);
    return () => this.open.delete(end);
  }

  get size(): number {
    return this.open.size;
  }

  closeAll(): void {
    for (const end of [...this.open]) end();
  }
}

/** Serves one SSE connection until the client goes (or is cut, or the service closes). */
export function serveEvents(reply: FastifyReply, hub: EventHub, c: ServiceConfig, conns: SseConnections, o: { stream?: string; lastEventId?: number }): void {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  let ended = false;
  const write = (text: string): void => {
    if (ended) return;
    raw.write(text);
    if (raw.writableLength > c.sseMaxBufferedBytes) {
      conns.dropped++;
      end(true);
    }
  };
  // Subscribe before replaying, so nothing published meanwhile is lost; ids dedupe the overlap.
  let lastSent = o.lastEventId ?? hub.nextId - 1;
  const live: HubEvent[] = [];
  let replaying = true;
  const unsubscribe = hub.subscribe((e) => {
    if (replaying) live.push(e);
    else if (e.id > lastSent) {
      lastSent = e.id;
      write(frame(e));
    }
  }, o.stream);
  const heartbeat = setInterval(() => write(`: heartbeat ${new Date().toISOString()}\n\n`), c.sseHeartbeatMs);
  heartbeat.unref();
  const forget = conns.add(() => end(false));
  function end(destroy: boolean): void {
    if (ended) return;
    ended = true;
    clearInterval(heartbeat);
    unsubscribe();
    forget();
    if (destroy) raw.destroy();
    else raw.end();
  }
  raw.on('close', () => end(false));
  raw.on('error', () => end(true));

  write(`retry: 3000\n: connected\n\n`);
  if (o.lastEventId !== undefined) {
    const { events, missed } = hub.since(o.lastEventId, o.stream);
    if (missed) write(`event: missed\ndata: ${JSON.stringify({ after: o.lastEventId, oldest: events[0]?.id ?? hub.nextId })}\n\n`);
    for (const e of events) {
      lastSent = e.id;
      write(frame(e));
    }
  }
  replaying = false;
  for (const e of live) {
    if (e.id > lastSent) {
      lastSent = e.id;
      write(frame(e));
    }
  }
}
