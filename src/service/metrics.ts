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
    const gauge = (name: string, help: string, read: () => number | undefined | Promise<number | undefined>): void => {
      new Gauge({
        name,
        help,
        registers,
        async collect() {
          const v = await read();
          if (v !== undefined) this.set(v);
        },
      });
    };
    // The gallery is counted once per scrape, not once per gauge: a scrape collects every gauge at
    // once, so the two gallery gauges share the count in flight.
    let counting: Promise<{ subjects: number; faces: number } | undefined> | undefined;
    const galleryStats = (): Promise<{ subjects: number; faces: number } | undefined> => {
      counting ??= sources.gallery()
        .catch(() => undefined)
        .finally(() => (counting = undefined));
      return counting;
    };
    gauge('likeness_inference_queue_depth', 'Images waiting for an inference worker', sources.queueDepth);
    gauge('likeness_inference_running', 'Images being processed by inference workers', sources.running);
    gauge('likeness_gallery_subjects', 'Subjects (people) in the gallery', async () => (await galleryStats())?.subjects);
    gauge('likeness_gallery_faces', 'Enrolled faces in the gallery', async () => (await galleryStats())?.faces);
  }
}
