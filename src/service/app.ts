/**
 * The HTTP service: buildApp(config) → a Fastify instance (not yet listening) with every route,
 * schema, limit and hook. `likeness serve` listens on it; tests use `app.listen({ port: 0 })`.
 *
 * Request path: onRequest (count in flight; authenticate against the route's role) → rate limit
 * (per key) → body (JSON with base64 images, or multipart streams read by the handler within the
 * upload limits) → handler (images to the worker pool, matching on the main thread) → onResponse
 * (metrics; one log line: method, url, status, time; never bodies, encodings or keys).
 */
import multipart from '@fastify/multipart';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import { existsSync, readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import path from 'node:path';
import { describeEncoder, Gallery } from '../gallery/gallery.js';
import { galleryStack, resolveStack } from '../models/stacks.js';
import { openGallery } from '../gallery/open.js';
import { authenticate } from './auth.js';
import { PACKAGE_ROOT, type ServiceConfig } from './config.js';
import type { ServiceContext } from './context.js';
import { notFound, toAnswer } from './errors.js';
import { Inference } from './inference.js';
import { KeyStore } from './keys.js';
import { multipartLimits, registerRateLimit, SMALL_BODY_LIMIT } from './limits.js';
import { ServiceMetrics } from './metrics.js';
import { recognitionRoutes } from './routes/recognition.js';
import { livenessRoutes } from './routes/liveness.js';
import { peopleRoutes } from './routes/people.js';
import { subjectRoutes } from './routes/subjects.js';
import { streamRoutes } from './routes/streams.js';
import { systemRoutes } from './routes/system.js';
import { EventHub } from './streams/hub.js';
import { registerStreamMetrics } from './streams/metrics.js';
import { StreamRegistry } from './streams/registry.js';
import { EventTokens, SseConnections } from './streams/sse.js';

export interface AppOptions {
  /** Where the log goes (default stdout); tests capture it. */
  logStream?: NodeJS.WritableStream;
  /** Wait for every worker to load its models before returning (default false: /ready tells). */
  waitReady?: boolean;
}

const VERSION = (JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/**
 * The web page's headers: its own scripts, styles and API only (same origin; photos shown from blob:
 * URLs, the favicon a data: URL), never framed (clickjacking), no MIME sniffing, no referrer.
 */
export const PAGE_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; " +
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/** Query parameters whose values are never logged. */
const SECRET_PARAM = /key|token|secret|passw|auth|session|signature/i;

/**
 * The request's URL as logged: the path, and the query string with secrets redacted (a key sent as
 * `?api_key=lk_…` by mistake: the parameters named like a secret, and anything shaped like a key).
 */
export function logUrl(url: string): string {
  const q = url.indexOf('?');
  const pathPart = (q < 0 ? url : url.slice(0, q)).replace(/lk_[A-Za-z0-9_-]+/g, 'lk_***');
  if (q < 0) return pathPart;
  const params = url
    .slice(q + 1)
    .split('&')
    .map((kv) => {
      const eq = kv.indexOf('=');
      const name = eq < 0 ? kv : kv.slice(0, eq);
      let decoded = name;
      try {
        decoded = decodeURIComponent(name.replace(/\+/g, ' '));
      } catch {
        // a malformed escape: judge the raw name
      }
      if (eq >= 0 && SECRET_PARAM.test(decoded)) return `${name}=***`;
      return kv.replace(/lk_[A-Za-z0-9_%-]+/gi, 'lk_***');
    });
  return `${pathPart}?${params.join('&')}`;
}

/** The request's connection was closed by the client before its body was read (an aborted upload). */
function clientAborted(raw: IncomingMessage, err: unknown): boolean {
  if (raw.complete) return false;
  return raw.destroyed || raw.socket?.destroyed === true || (err as { code?: unknown }).code === 'ECONNRESET';
}

export async function buildApp(config: ServiceConfig, options: AppOptions = {}): Promise<FastifyInstance> {
  // Without a configured model, the stack the gallery was enrolled with (else the default).
  const probe = await openGallery(config.db);
  let model: string | undefined;
  try {
    model = config.model ?? (await galleryStack(probe));
  } finally {
    await probe.close();
  }
  const stack = resolveStack(model);
  // The main thread never encodes (the workers do): it needs the model's facts, not its networks.
  const encoder = describeEncoder(stack.embedder);
  const gallery = await Gallery.open(config.db, encoder);
  const keys = KeyStore.open(config.keys);
  const inference = new Inference({ workers: config.workers, queue: config.queue, maxPixels: config.maxPixels, maxFaces: config.maxFaces, stack });
  const warm = inference.warmUp();
  warm.catch(() => undefined);
  const metrics = new ServiceMetrics({
    queueDepth: () => inference.queueDepth,
    running: () => inference.running,
    gallery: async () => gallery.store.stats(),
  });
  const ctx: ServiceContext = { config, encoder, gallery, inference, keys, metrics };

  const app = Fastify({
    logger: {
      level: config.logLevel,
      ...(options.logStream ? { stream: options.logStream } : {}),
      // Never the request or its headers (the key), never a body.
      serializers: { req: () => ({}), res: () => ({}) },
    },
    logController: new LogController({ disableRequestLogging: true }),
    // Routes taking images raise it for themselves (jsonBodyLimit).
    bodyLimit: SMALL_BODY_LIMIT,
    requestTimeout: config.timeoutMs,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // removeAdditional false: a property a schema does not allow is refused (400), not silently dropped.
    ajv: { customOptions: { formats: { binary: true }, removeAdditional: false } },
  });
  app.decorate('service', ctx);

  // Requests in flight, so a shutdown closes the store only after the last one is answered.
  let inFlight = 0;
  app.addHook('onRequest', async (_request, reply) => {
    inFlight++;
    let counted = true;
    const done = (): void => {
      if (counted) inFlight--;
      counted = false;
    };
    // The response's end, not the request's: a request whose body was refused unread (413) may
    // keep its socket, and so its 'close', until the client goes.
    reply.raw.once('finish', done);
    reply.raw.once('close', done);
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const labels = { method: request.method, route, status: String(reply.statusCode) };
    metrics.requests.inc(labels);
    metrics.duration.observe(labels, reply.elapsedTime / 1000);
    request.log.info({ method: request.method, url: logUrl(request.url), status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 }, 'request');
  });
  // Closing: answers still being worked on end their connection, so the server can close as soon as
  // the last one is sent (otherwise a keep-alive connection would hold it up to its 72 s timeout).
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
    app.server.closeIdleConnections();
  });
  app.addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('connection', 'close');
  });
  app.addHook('onClose', async () => {
    const until = Date.now() + config.shutdownTimeoutMs;
    while (inFlight > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    await inference.close();
    await gallery.close();
    keys.close();
  });

  app.setErrorHandler((err, request, reply) => {
    // The client went away mid-request (mid-upload, usually): its fault, nobody reads the answer, no
    // response is counted (onResponse never runs for a destroyed socket).
    if (clientAborted(request.raw, err)) {
      request.log.info({ method: request.method, url: logUrl(request.url), ms: Math.round(reply.elapsedTime * 10) / 10 }, 'client aborted');
      return reply.status(400).send({ error: { code: 'E_CLIENT_ABORTED', message: 'the client closed the connection before the request was read' } });
    }
    const a = toAnswer(err);
    if (a.code === 'E_INTERNAL') request.log.error({ error: { name: (err as Error).name, message: (err as Error).message, stack: (err as Error).stack } }, 'internal error');
    if (a.code === 'E_BUSY' || a.code === 'E_TIMEOUT') metrics.rejected.inc({ reason: a.code === 'E_BUSY' ? 'busy' : 'timeout' });
    return reply.status(a.status).headers(a.headers).send({ error: { code: a.code, message: a.message } });
  });
  app.setNotFoundHandler(() => {
    throw notFound('no such route');
  });

  await registerRateLimit(app, config);
  await app.register(multipart, { limits: multipartLimits(config), throwFileSizeLimit: true });
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'likeness',
        version: VERSION,
        description:
          'Face verification and recognition. Send `Authorization: Bearer <key>` (keys: `likeness keys create --role admin|recognize`). ' +
          'Images come as multipart/form-data files or base64 in JSON. Errors are `{ "error": { "code", "message" } }`.',
      },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API key (lk_…)' } } },
      tags: [
        { name: 'recognition', description: 'Detect, embed, verify, identify (recognize or admin key)' },
        { name: 'subjects', description: 'The gallery: reading needs a recognize key, changes an admin key' },
        { name: 'people', description: 'The people likeness cluster found in a photo library: reading needs a recognize key, naming, merging and splitting an admin key' },
        { name: 'session', description: 'The key in use' },
        { name: 'streams', description: 'Video and camera streams: tracks, decisions, events over SSE and webhooks (docs/service-streams.md)' },
        { name: 'system', description: 'Health, readiness, metrics (no key)' },
      ],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  app.addHook('onRequest', authenticate(keys));
  systemRoutes(app, ctx);
  recognitionRoutes(app, ctx);
  subjectRoutes(app, ctx);
  livenessRoutes(app, ctx);
  const hub = new EventHub(config.eventBuffer);
  const registry = new StreamRegistry(config, inference, gallery, hub);
  // Streams end before the store and the workers close (onClose), their SSE clients with them.
  app.addHook('preClose', async () => {
    await registry.close();
  });
  const sse = new SseConnections();
  registerStreamMetrics(metrics.registry, registry, sse, inference);
  streamRoutes(app, ctx, { registry, hub, tokens: new EventTokens(keys), sse });
  peopleRoutes(app, ctx);

  if (existsSync(path.join(config.webDir, 'index.html'))) {
    await app.register(fastifyStatic, {
      root: config.webDir,
      prefix: '/',
      decorateReply: false,
      setHeaders: (reply) => {
        reply.headers(PAGE_HEADERS);
      },
    });
  } else {
    app.get('/', { schema: { hide: true } }, async (_request, reply) =>
      reply
        .headers(PAGE_HEADERS)
        .type('text/html; charset=utf-8')
        .send('<!doctype html><title>likeness</title><h1>likeness</h1><p>The web page is not built (<code>web/dist</code>). The API: <a href="/docs">/docs</a>, <a href="/openapi.json">/openapi.json</a>.</p>'),
    );
  }

  await app.ready();
  if (options.waitReady) await warm;
  return app;
}
