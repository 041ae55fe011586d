/**
 * Prometheus metrics on the service's own Registry (prom-client): requests and latencies per route,
 * faces processed, gallery size, inference queue depth, and the process's default metrics (RSS,
 * event-loop lag, GC). Labels are route patterns (`/v1/subjects/:id`), never ids or bodies.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface MetricSources {
  queueDepth: () => number;
  running: () => number;
  gallery: () => Promise<{ subjects: number; faces: number } | undefined>;
}

export class ServiceMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<'method' | 'route' | 'status'>;
  readonly duration: Histogram<'method' | 'route' | 'status'>;
  readonly faces: Counter<'operation'>;
  readonly rejected: Counter<'reason'>;

  constructor(sources: MetricSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'likeness_' });
    this.requests = new Counter({ name: 'likeness_http_requests_total', help: 'HTTP requests by route and status', labelNames: ['method', 'route', 'status'], registers });
    this.duration = new Histogram({
      name: 'likeness_http_request_duration_seconds',
      help: 'HTTP request latency by route and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.faces = new Counter({ name: 'likeness_faces_processed_total', help: 'Faces found in request images, by operation', labelNames: ['operation'], registers });
    this.rejected = new Counter({ name: 'likeness_requests_rejected_total', help: 'Requests refused for load: busy (queue full) or timeout', labelNames: ['reason'], registers });
    new Gauge({
      name: 'likeness_inference_queue_depth',
      help: 'Images waiting for an inference worker',
      registers,
      collect() {
        this.set(sources.queueDepth());
      },
    });
    new Gauge({
      name: 'likeness_inference_running',
      help: 'Images being processed by inference workers',
      registers,
      collect() {
        this.set(sources.running());
      },
    });
    new Gauge({
      name: 'likeness_gallery_subjects',
      help: 'Subjects (people) in the gallery',
      registers,
      async collect() {
        const s = await sources.gallery().catch(() => undefined);
        if (s) this.set(s.subjects);
      },
    });
    new Gauge({
      name: 'likeness_gallery_faces',
      help: 'Enrolled faces in the gallery',
      registers,
      async collect() {
        const s = await sources.gallery().catch(() => undefined);
        if (s) this.set(s.faces);
      },
    });
  }
}
