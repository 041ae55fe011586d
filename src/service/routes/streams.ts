/**
 * Streams (docs/service-streams.md): POST/GET/DELETE /v1/streams, push frames, the SSE event feed
 * and its EventSource token. File, URL and camera sources need an admin key (the server reads them);
 * push streams a recognize key. A recognize key sees and stops only the streams it started.
 */
import type { FastifyInstance } from 'fastify';
import { ConfigError, webhookUrlValue } from '../config.js';
import type { ServiceContext } from '../context.js';
import { badRequest, forbidden } from '../errors.js';
import { loadImage } from '../../image/index.js';
import { deadline, jsonBodyLimit } from '../limits.js';
import { createStreamBody, errors, frameBody } from '../schemas.js';
import type { StreamRegistry } from '../streams/registry.js';
import type { EventHub } from '../streams/hub.js';
import { eventsCaller, EventTokens, serveEvents, SseConnections } from '../streams/sse.js';
import type { StreamRequest } from '../streams/registry.js';
import { numberField, oneImage, readInputs } from './inputs.js';

const security = [{ bearerAuth: [] }];
const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 64 } } } as const;

export interface StreamParts {
  registry: StreamRegistry;
  hub: EventHub;
  tokens: EventTokens;
  sse: SseConnections;
}

export function streamRoutes(app: FastifyInstance, ctx: ServiceContext, parts: StreamParts): void {
  const c = ctx.config;
  const { registry, hub, tokens, sse } = parts;
  /** null: sees every stream (an admin key). */
  const ownerFilter = (role: string, id: string): string | null => (role === 'admin' ? null : id);

  app.post('/v1/streams', {
    config: { role: 'recognize' },
    schema: { tags: ['streams'], summary: 'Start a stream: "push" (the browser sends frames; recognize key), or a file/URL/camera the server watches (admin key)', security, body: createStreamBody },
  }, async (request, reply) => {
    const body = request.body as StreamRequest;
    const key = request.apiKey!;
    if (body.source !== 'push' && key.role !== 'admin') throw forbidden('only an admin key may start a stream the server reads (a file, URL or camera); a recognize key may start a "push" stream');
    if (body.webhook) {
      if (key.role !== 'admin') throw forbidden('only an admin key may give a stream a webhook');
      try {
        body.webhook.url = webhookUrlValue(body.webhook.url);
      } catch (e) {
        if (e instanceof ConfigError) throw badRequest(e.message);
        throw e;
      }
    }
    const info = registry.start(body, key.id);
    return reply.status(201).send(info);
  });

  app.get('/v1/streams', {
    config: { role: 'recognize' },
    schema: { tags: ['streams'], summary: 'Streams (running and recently ended) with their state and stats', security },
  }, async (request) => ({ streams: registry.list(ownerFilter(request.apiKey!.role, request.apiKey!.id)) }));

  app.get('/v1/streams/:id', {
    config: { role: 'recognize' },
    schema: { tags: ['streams'], summary: "A stream's state, stats and webhook deliveries", security, params: idParams },
  }, async (request) => {
    const { id } = request.params as { id: string };
    return registry.info(registry.get(id, ownerFilter(request.apiKey!.role, request.apiKey!.id)));
  });

  app.delete('/v1/streams/:id', {
    config: { role: 'recognize' },
    schema: { tags: ['streams'], summary: 'Stop a stream (its live tracks get `lost`; ffmpeg is stopped)', security, params: idParams },
  }, async (request) => {
    const { id } = request.params as { id: string };
    return registry.stop(registry.get(id, ownerFilter(request.apiKey!.role, request.apiKey!.id)));
  });

  app.post('/v1/streams/:id/frames', {
    config: { role: 'recognize' },
    bodyLimit: jsonBodyLimit(c, 1),
    schema: { tags: ['streams'], summary: "One frame of a push stream → the live tracks and the frame's events", security, params: idParams, body: frameBody, response: { ...errors } },
  }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const m = registry.get(id, ownerFilter(request.apiKey!.role, request.apiKey!.id));
    const inputs = await readInputs(request, c, ['image'], { image: 'image' });
    const time = numberField(inputs, 'time', 0, 1e9);
    const signal = deadline(reply, c);
    // Decoded here (sharp, off the event loop) to pixels that are transferred to a worker.
    const image = await loadImage(oneImage(inputs, 'image'), { maxPixels: c.maxPixels, source: 'image' });
    return registry.push(m, { width: image.width, height: image.height, data: image.data }, time, signal);
  });

  app.post('/v1/events/token', {
    config: { role: 'recognize' },
    schema: { tags: ['streams'], summary: 'A short-lived token for GET /v1/events?token= (a browser EventSource cannot send the Authorization header)', security },
  }, async (request) => tokens.issue(request.apiKey!));

  app.get('/v1/events', {
    schema: {
      tags: ['streams'],
      summary: 'Every stream\'s events as Server-Sent Events (`?stream=` one stream; `Last-Event-ID` replays). Key: Authorization header, or ?token= from POST /v1/events/token',
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: { stream: { type: 'string', maxLength: 64 }, token: { type: 'string', maxLength: 128 }, lastEventId: { type: 'integer', minimum: 0 } },
      },
    },
  }, async (request, reply) => {
    const q = request.query as { stream?: string; token?: string; lastEventId?: number };
    const key = eventsCaller(request, ctx.keys, tokens, q.token);
    if (q.stream !== undefined) {
      // A recognize key follows only its own streams; an unknown id is 404 either way.
      registry.get(q.stream, ownerFilter(key.role, key.id));
    } else if (key.role !== 'admin') {
      throw forbidden('a recognize key follows one of its own streams: add ?stream=<id> (an admin key may follow every stream)');
    }
    const header = request.headers['last-event-id'];
    const fromHeader = typeof header === 'string' && /^\d+$/.test(header.trim()) ? Number(header.trim()) : undefined;
    const lastEventId = fromHeader ?? q.lastEventId;
    serveEvents(reply, hub, c, sse, { ...(q.stream === undefined ? {} : { stream: q.stream }), ...(lastEventId === undefined ? {} : { lastEventId }) });
  });

  app.addHook('preClose', async () => {
    sse.closeAll();
  });
}
