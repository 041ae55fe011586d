/**
 * Webhook delivery: each event POSTed as JSON to a URL, signed (signature.ts), one sender per
 * stream and URL so a stream's events arrive in order. The sender owns a bounded queue (the oldest
 * undelivered event is dropped when it is full, and counted): publishing never waits for delivery,
 * so a slow or dead receiver never holds up analysis. Each attempt has a timeout; a failed attempt
 * (network error, timeout, 5xx, 408, 429) is retried after an exponential back-off with jitter
 * (base, 2×base, 4×base … each drawn within [d/2, d]) or the receiver's Retry-After, up to
 * `attempts` attempts; other 4xx answers are final (the receiver refuses the event).
 */
import { signWebhook, SIGNATURE_HEADER } from './signature.js';

export interface WebhookTarget {
  url: string;
  secret: string;
}

export interface WebhookOptions {
  /** Time limit of one attempt (ms). */
  timeoutMs: number;
  /** Attempts per event, the first included. */
  attempts: number;
  /** The first retry's back-off (ms); doubled each retry. */
  baseDelayMs: number;
  /** Longest wait before a retry, Retry-After included (ms). */
  maxDelayMs: number;
  /** Events waiting per sender; beyond, the oldest is dropped. */
  queue: number;
}

export interface WebhookStats {
  url: string;
  delivered: number;
  /** Events given up after their last attempt, or refused by the receiver (4xx). */
  failed: number;
  /** Events dropped from a full queue before their delivery. */
  dropped: number;
  /** Attempts that failed and were retried. */
  retries: number;
  /** Events queued or being delivered. */
  pending: number;
  lastError: string | null;
}

/** A Retry-After header (seconds or an HTTP date) in ms, or undefined. */
export function retryAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const d = Date.parse(v);
  return Number.isFinite(d) ? Math.max(0, d - now) : undefined;
}

/** The wait before retry number `retry` (1-based): base·2^(retry−1), drawn within [d/2, d], at most max. */
export function backoffMs(retry: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const d = Math.min(maxMs, baseMs * 2 ** (retry - 1));
  return Math.round(d / 2 + random() * (d / 2));
}

export class WebhookSender {
  private readonly queue: { body: string; id: string }[] = [];
  private running: Promise<void> | undefined;
  private inFlight = 0;
  private readonly stop = new AbortController();
  private idleWaiters: (() => void)[] = [];
  readonly stats: WebhookStats;

  constructor(
    readonly target: WebhookTarget,
    private readonly options: WebhookOptions,
  ) {
    this.stats = { url: redactUrl(target.url), delivered: 0, failed: 0, dropped: 0, retries: 0, pending: 0, lastError: null };
  }

  /** Queues one payload (serialised now); returns at once. */
  send(payload: { id: number | string; [k: string]: unknown }): void {
    if (this.stop.signal.aborted) return;
    if (this.queue.length >= this.options.queue) {
      this.queue.shift();
      this.stats.dropped++;
    }
    this.queue.push({ body: JSON.stringify(payload), id: String(payload.id) });
    this.stats.pending = this.queue.length + this.inFlight;
    this.running ??= this.loop().finally(() => {
      this.running = undefined;
      for (const w of this.idleWaiters.splice(0)) w();
    });
  }

  /** Resolves once every queued event is delivered or given up (tests, graceful shutdown). */
  idle(): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  /** Stops: the attempt in flight is aborted, what is queued is dropped (counted). */
  async close(): Promise<void> {
    this.stop.abort();
    this.stats.dropped += this.queue.length;
    this.queue.length = 0;
    this.stats.pending = 0;
    await this.running;
  }

  private async loop(): Promise<void> {
    while (this.queue.length > 0 && !this.stop.signal.aborted) {
      // The event being delivered leaves the queue: the bound is on the events waiting behind it.
      const item = this.queue.shift()!;
      this.inFlight = 1;
      const ok = await this.deliver(item);
      this.inFlight = 0;
      this.stats.pending = this.queue.length;
      if (this.stop.signal.aborted) return;
      if (ok) this.stats.delivered++;
      else this.stats.failed++;
    }
  }

  /** All attempts at one event; true when the receiver took it (2xx). */
  private async deliver(item: { body: string; id: string }): Promise<boolean> {
    for (let attempt = 1; attempt <= this.options.attempts; attempt++) {
      let wait: number | undefined;
      try {
        const signal = AbortSignal.any([this.stop.signal, AbortSignal.timeout(this.options.timeoutMs)]);
        const r = await fetch(this.target.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'likeness-webhook', 'likeness-event-id': item.id, [SIGNATURE_HEADER]: signWebhook(this.target.secret, item.body) },
          body: item.body,
          redirect: 'manual',
          signal,
        });
        await r.body?.cancel().catch(() => undefined);
        if (r.status >= 200 && r.status < 300) return true;
        this.stats.lastError = `HTTP ${r.status}`;
        if (r.status < 500 && r.status !== 408 && r.status !== 429) return false;
        wait = retryAfterMs(r.headers.get('retry-after'));
      } catch (e) {
        if (this.stop.signal.aborted) return false;
        const err = e as Error;
        this.stats.lastError = err.name === 'TimeoutError' ? `no answer within ${this.options.timeoutMs} ms` : (err.cause as Error | undefined)?.message ?? err.message;
      }
      if (attempt === this.options.attempts) break;
      this.stats.retries++;
      await sleep(Math.min(this.options.maxDelayMs, wait ?? backoffMs(attempt, this.options.baseDelayMs, this.options.maxDelayMs)), this.stop.signal);
      if (this.stop.signal.aborted) return false;
    }
    return false;
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** A URL without its credentials or query (what stream listings show). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '<invalid url>';
  }
}
