/** What the routes share: configuration, the model's description, gallery, inference, keys and metrics. */
import type { Gallery, GalleryEncoder } from '../gallery/gallery.js';
import type { ServiceConfig } from './config.js';
import type { Inference } from './inference.js';
import type { KeyStore } from './keys.js';
import type { ServiceMetrics } from './metrics.js';

export interface ServiceContext {
  config: ServiceConfig;
  /** The model's facts (name, threshold, metric, output size); no network is loaded in the main thread. */
  encoder: GalleryEncoder;
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
