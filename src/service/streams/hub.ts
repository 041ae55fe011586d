/**
 * The event hub: every stream's events get one service-wide sequence number (the SSE `id:`), go
 * into a bounded ring buffer (replay after `Last-Event-ID`) and out to the subscribers (SSE
 * connections) at once. Publishing never waits for a subscriber: a subscriber that cannot keep up
 * is its own business (the SSE route drops it, see sse.ts).
 */
import type { StreamEvent } from '../../stream/types.js';

/** One event as the service sends it: its sequence number, its stream, the event. */
export interface HubEvent {
  id: number;
  stream: string;
  event: StreamEvent;
}

export type Subscriber = (e: HubEvent) => void;

export class EventHub {
  private readonly ring: (HubEvent | undefined)[];
  private next = 1;
  private readonly subscribers = new Set<{ filter: string | undefined; fn: Subscriber }>();

  constructor(readonly capacity: number) {
    this.ring = new Array<HubEvent | undefined>(Math.max(1, capacity));
  }

  /** The id the next event will get. */
  get nextId(): number {
    return this.next;
  }

  publish(stream: string, event: StreamEvent): HubEvent {
    const e: HubEvent = { id: this.next++, stream, event };
    this.ring[e.id % this.ring.length] = e;
    for (const s of this.subscribers) {
      if (s.filter !== undefined && s.filter !== stream) continue;
      try {
        s.fn(e);
      } catch {
        // a subscriber's failure is its own: the others still get the event
      }
    }
    return e;
  }

  /**
   * The buffered events after `lastId` (of `stream` when given), oldest first, and whether some
   * events after lastId have already left the buffer (`missed`: the client should resynchronise).
   */
  since(lastId: number, stream?: string): { events: HubEvent[]; missed: boolean } {
    const oldest = Math.max(1, this.next - this.ring.length);
    const from = Math.max(lastId + 1, oldest);
    const events: HubEvent[] = [];
    for (let id = from; id < this.next; id++) {
      const e = this.ring[id % this.ring.length];
      if (e && e.id === id && (stream === undefined || e.stream === stream)) events.push(e);
    }
    return { events, missed: lastId + 1 < oldest };
  }

  subscribe(fn: Subscriber, stream?: string): () => void {
    const s = { filter: stream, fn };
    this.subscribers.add(s);
    return () => {
      this.subscribers.delete(s);
    };
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }
}
