/** Public routes: liveness, readiness, Prometheus metrics and the OpenAPI document. */
import type { FastifyInstance } from 'fastify';
import type { ServiceContext } from '../context.js';
import { healthResult, readyResult } from '../schemas.js';

export function systemRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  const config = { rateLimit: false } as const;

  app.get('/health', { config, schema: { tags: ['system'], summary: 'The process is alive', response: { 200: healthResult } } }, async () => ({ status: 'ok' }));

  app.get('/ready', {
    config,
    schema: { tags: ['system'], summary: 'Models loaded in every worker and the gallery store reachable (503 otherwise)', response: { 200: readyResult, 503: readyResult } },
  }, async (_request, reply) => {
    const models = ctx.inference.ready;
    const store = await ctx.gallery.store.changeCounter().then(
      () => true,
      () => false,
    );
    return reply.status(models && store ? 200 : 503).send({ status: models && store ? 'ready' : 'not ready', checks: { models, store } });
  });

  app.get('/metrics', {
    config,
    schema: { tags: ['system'], summary: 'Prometheus metrics (text exposition format)', produces: ['text/plain'], response: { 200: { type: 'string' } } },
  }, async (_request, reply) => {
    const text = await ctx.metrics.registry.metrics();
    return reply.type(ctx.metrics.registry.contentType).send(text);
  });

  app.get('/openapi.json', { config, schema: { hide: true } }, async () => app.swagger());
}
