/** The streams' gauges on the service's Prometheus registry (read at each scrape). */
import { Gauge, type Registry } from 'prom-client';
import type { Inference } from '../inference.js';
import type { StreamRegistry } from './registry.js';
import type { SseConnections } from './sse.js';

export function registerStreamMetrics(registry: Registry, streams: StreamRegistry, sse: SseConnections, inference: Inference): void {
  const gauge = (name: string, help: string, read: () => number): void => {
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  };
  gauge('likeness_streams_running', 'Streams running (watched sources and push streams)', () => streams.running);
  gauge('likeness_stream_frames_waiting', 'Stream frames waiting for an idle inference worker', () => inference.framesWaiting);
  gauge('likeness_sse_clients', 'Open Server-Sent Events connections', () => sse.size);
  gauge('likeness_sse_clients_dropped', 'SSE clients disconnected for falling behind, since start', () => sse.dropped);
}
