/**
 * The service's streams: watched sources (a file on the server, rtsp/http URL, camera; admin keys)
 * run by the stream core's `watch` (ffmpeg decodes, a FaceStream tracks and decides), and push
 * streams (the browser's camera; recognize keys) whose frames come one request at a time. Every
 * frame is analysed by the service's worker pool at low priority (Inference.embedFrame: pixels
 * transferred, never re-encoded; a frame only takes a worker no request waits for). Every event
 * goes to the event hub (SSE) and to the stream's webhooks; nothing here waits for a client.
 *
 * A source that fails gives an `error` event and the state `failed`; a stream never throws into
 * the service. At most `maxStreams` run at once; ended streams stay listed (the newest 100).
 */
import { randomBytes } from 'node:crypto';
import { boxJson, eventJson } from '../../json.js';
import type { DetectionOptions } from '../../detect/detector.js';
import type { Gallery } from '../../gallery/gallery.js';
import { FaceStream, type FrameAnalyser, type StreamOptions } from '../../stream/face-stream.js';
import type { StreamEvent, StreamStats, TrackView } from '../../stream/types.js';
import { errorEvent, watch } from '../../stream/watch.js';
import type { RgbImage } from '../../types.js';
import type { ServiceConfig } from '../config.js';
import { HttpError, notFound } from '../errors.js';
import type { Inference } from '../inference.js';
import type { EventHub } from './hub.js';
import { redactUrl, WebhookSender, type WebhookStats, type WebhookTarget } from './webhooks.js';

export type StreamState = 'running' | 'ended' | 'stopped' | 'expired' | 'failed';

export interface StreamRequest {
  source: string;
  fps?: number;
  minFrames?: number;
  webhook?: WebhookTarget;
}

export interface StreamInfo {
  id: string;
  kind: 'push' | 'source';
  /** The source as given (a URL without its credentials or query), or "push". */
  source: string;
  state: StreamState;
  createdAt: string;
  endedAt: string | null;
  /** The failure of a `failed` stream. */
  error: { code: string; message: string } | null;
  fps: number;
  minFrames: number;
  stats: StreamStats;
  /** Live tracks now. */
  tracks: number;
  events: number;
  webhooks: WebhookStats[];
}

interface Managed {
  id: string;
  kind: 'push' | 'source';
  source: string;
  owner: string;
  state: StreamState;
  createdAt: Date;
  endedAt: Date | undefined;
  lastActivity: number;
  error: { code: string; message: string } | null;
  fps: number;
  minFrames: number;
  events: number;
  stop: AbortController;
  senders: WebhookSender[];
  face?: FaceStream;
  watched?: { stats(): StreamStats };
  done: Promise<void>;
  liveTracks: () => number;
}

/** Too many streams running: 429 with the limit. */
export class TooManyStreamsError extends HttpError {
  constructor(max: number) {
    super(429, 'E_TOO_MANY_STREAMS', `at most ${max} streams may run at once: stop one (DELETE /v1/streams/:id) first`);
  }
}

const KEEP_ENDED = 100;

const emptyStats = (fps: number): StreamStats => ({ framesRead: 0, framesProcessed: 0, framesDropped: 0, processedFps: 0, requestedFps: fps, tracks: 0 });

export class StreamRegistry {
  private readonly streams = new Map<string, Managed>();
  private readonly sweeper: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly config: ServiceConfig,
    private readonly inference: Inference,
    private readonly gallery: Gallery,
    private readonly hub: EventHub,
  ) {
    this.sweeper = setInterval(() => this.sweep(), Math.max(50, Math.min(5000, Math.floor(config.streamIdleMs / 4))));
    this.sweeper.unref();
  }

  get running(): number {
    let n = 0;
    for (const s of this.streams.values()) if (s.state === 'running') n++;
    return n;
  }

  private options(fps: number, minFrames: number): StreamOptions {
    const c = this.config;
    return { fps, minFrames, ...(c.identifyThreshold === undefined ? {} : { identify: { threshold: c.identifyThreshold } }) };
  }

  /** Each push frame's own deadline, found by its pixels (FaceStream hands the analyser the frame's image). */
  private readonly deadlines = new WeakMap<RgbImage, AbortSignal>();

  private analyser(): FrameAnalyser {
    return {
      embed: (image: RgbImage, o?: { detection?: DetectionOptions }) => {
        const s = this.deadlines.get(image);
        return this.inference.embedFrame(image, { ...(o?.detection ? { detection: o.detection } : {}), ...(s ? { signal: s } : {}) });
      },
    };
  }

  /** Starts a stream; its first events follow asynchronously (an unusable source: an `error` event). */
  start(req: StreamRequest, owner: string): StreamInfo {
    if (this.closed) throw new HttpError(503, 'E_CLOSING', 'the service is shutting down');
    if (this.running >= this.config.maxStreams) throw new TooManyStreamsError(this.config.maxStreams);
    const fps = req.fps ?? 5;
    const minFrames = req.minFrames ?? 3;
    const id = `st_${randomBytes(6).toString('hex')}`;
    const push = req.source === 'push';
    const targets: WebhookTarget[] = [];
    if (this.config.webhookUrl && this.config.webhookSecret) targets.push({ url: this.config.webhookUrl, secret: this.config.webhookSecret });
    if (req.webhook) targets.push(req.webhook);
    const c = this.config;
    const m: Managed = {
      id,
      kind: push ? 'push' : 'source',
      source: push ? 'push' : /^[a-z][a-z0-9+.-]*:\/\//i.test(req.source) ? redactUrl(req.source) : req.source,
      owner,
      state: 'running',
      createdAt: new Date(),
      endedAt: undefined,
      lastActivity: Date.now(),
      error: null,
      fps,
      minFrames,
      events: 0,
      stop: new AbortController(),
      senders: targets.map((t) => new WebhookSender(t, { timeoutMs: c.webhookTimeoutMs, attempts: c.webhookAttempts, baseDelayMs: c.webhookBaseDelayMs, maxDelayMs: Math.max(60_000, c.webhookBaseDelayMs), queue: c.webhookQueue })),
      done: Promise.resolve(),
      liveTracks: () => 0,
    };
    if (push) {
      // The push request's own deadline bounds its frame's wait for a worker (see push()).
      const face = new FaceStream(this.analyser(), this.gallery, this.options(fps, minFrames));
      m.face = face;
      m.liveTracks = () => face.tracks().filter((t) => t.state === 'confirmed').length;
    } else {
      // A watched source: frames wait for a free worker as long as needed (a file is paced by
      // ffmpeg's pipe; a live source keeps only its newest frame meanwhile).
      const w = watch(req.source, this.analyser(), this.gallery, { ...this.options(fps, minFrames), signal: m.stop.signal });
      m.watched = w;
      let live = new Set<number>();
      m.liveTracks = () => live.size;
      m.done = (async () => {
        try {
          for await (const e of w) {
            if (e.type === 'track' && e.track !== null) live.add(e.track);
            if (e.type === 'lost' && e.track !== null) live.delete(e.track);
            this.publish(m, e);
          }
        } catch (e) {
          this.publish(m, errorEvent(e, 0));
        }
        live = new Set();
        if (m.state === 'running') m.state = m.error ? 'failed' : 'ended';
        m.endedAt ??= new Date();
      })();
    }
    this.streams.set(id, m);
    this.trim();
    return this.info(m);
  }

  private publish(m: Managed, raw: StreamEvent): void {
    const e = eventJson(raw);
    m.events++;
    if (e.type === 'error') {
      m.error = { code: e.code ?? 'E_INTERNAL', message: e.message ?? 'the source failed' };
      if (m.state === 'running') m.state = 'failed';
    }
    const h = this.hub.publish(m.id, e);
    for (const s of m.senders) s.send({ id: h.id, stream: m.id, event: e });
  }

  /** A stream visible to `owner` (admin: every stream), else 404. */
  get(id: string, owner: string | null): Managed {
    const m = this.streams.get(id);
    if (!m || (owner !== null && m.owner !== owner)) throw notFound(`no stream with id ${JSON.stringify(id)}`);
    return m;
  }

  has(id: string): boolean {
    return this.streams.has(id);
  }

  list(owner: string | null): StreamInfo[] {
    return [...this.streams.values()].filter((m) => owner === null || m.owner === owner).map((m) => this.info(m));
  }

  info(m: Managed): StreamInfo {
    const stats = m.watched?.stats() ?? m.face?.stats() ?? emptyStats(m.fps);
    return {
      id: m.id,
      kind: m.kind,
      source: m.source,
      state: m.state,
      createdAt: m.createdAt.toISOString(),
      endedAt: m.endedAt ? m.endedAt.toISOString() : null,
      error: m.error,
      fps: m.fps,
      minFrames: m.minFrames,
      stats: { ...stats, processedFps: Math.round(stats.processedFps * 100) / 100 },
      tracks: m.state === 'running' ? m.liveTracks() : 0,
      events: m.events,
      webhooks: m.senders.map((s) => ({ ...s.stats })),
    };
  }

  /** One frame of a push stream: its events (also published) and the live tracks. */
  async push(m: Managed, image: RgbImage, time: number | undefined, signal: AbortSignal): Promise<{ tracks: TrackView[]; events: StreamEvent[] }> {
    if (m.kind !== 'push' || !m.face) throw new HttpError(409, 'E_NOT_PUSH', `stream ${m.id} reads its own source: frames cannot be pushed to it`);
    if (m.state !== 'running') throw new HttpError(409, 'E_STREAM_ENDED', `stream ${m.id} has ${m.state === 'expired' ? 'expired (no frame for too long)' : m.state}: start a new one`);
    m.lastActivity = Date.now();
    const t = time ?? (Date.now() - m.createdAt.getTime()) / 1000;
    this.deadlines.set(image, signal);
    const events = await m.face.push({ image, time: t });
    m.lastActivity = Date.now();
    for (const e of events) this.publish(m, e);
    return { tracks: m.face.tracks().map((t) => ({ ...t, box: boxJson(t.box), ...(t.confidence === null ? {} : { confidence: Math.round(t.confidence * 1e4) / 1e4 }) })), events: events.map(eventJson) };
  }

  /** Stops a stream (DELETE; idle expiry; shutdown): `lost` for its live tracks, ffmpeg stopped. */
  async stop(m: Managed, state: 'stopped' | 'expired' = 'stopped'): Promise<StreamInfo> {
    if (m.state !== 'running') return this.info(m);
    m.state = state;
    m.endedAt = new Date();
    m.stop.abort();
    if (m.face) for (const e of m.face.end()) this.publish(m, e);
    await m.done;
    return this.info(m);
  }

  /** Resolves once every stream's webhook queue is delivered or given up. */
  async webhooksIdle(m: Managed): Promise<void> {
    await Promise.all(m.senders.map((s) => s.idle()));
  }

  private sweep(): void {
    const now = Date.now();
    for (const m of this.streams.values()) {
      if (m.kind === 'push' && m.state === 'running' && now - m.lastActivity > this.config.streamIdleMs) void this.stop(m, 'expired');
    }
  }

  /** Forget the oldest ended streams beyond KEEP_ENDED. */
  private trim(): void {
    const ended = [...this.streams.values()].filter((m) => m.state !== 'running');
    for (const m of ended.slice(0, Math.max(0, ended.length - KEEP_ENDED))) this.streams.delete(m.id);
  }

  /** Shutdown: every stream stopped, webhook senders closed (undelivered events dropped, counted). */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweeper);
    await Promise.all([...this.streams.values()].map((m) => this.stop(m)));
    await Promise.all([...this.streams.values()].flatMap((m) => m.senders.map((s) => s.close())));
  }
}

export type ManagedStream = Managed;
