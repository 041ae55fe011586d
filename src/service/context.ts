/** What the routes share: configuration, engine, gallery, inference, keys and metrics. */
import type { Gallery } from '../gallery/gallery.js';
import type { Likeness } from '../likeness.js';
import type { ServiceConfig } from './config.js';
import type { Inference } from './inference.js';
import type { KeyStore } from './keys.js';
import type { ServiceMetrics } from './metrics.js';

export interface ServiceContext {
  config: ServiceConfig;
  /** The main thread's engine: model facts (thresholds, metric), never run on request images here. */
  likeness: Likeness;
  gallery: Gallery;
  inference: Inference;
  keys: KeyStore;
  metrics: ServiceMetrics;
}

declare module 'fastify' {
  interface FastifyInstance {
    service: ServiceContext;
  }
}
