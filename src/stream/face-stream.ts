/**
 * FaceStream: frames in, face events out. Each pushed frame is analysed (detect + encode, by any
 * FrameAnalyser: a Likeness, or the service's worker pool), its faces are tracked (./tracker.ts),
 * and each confirmed track is decided on its evidence, the quality-weighted mean of its encodings,
 * through the gallery's own open-set decision (`identifyEncodings`: calibrated threshold, hubness).
 * A track is `identified` at most once; `unknown` at most once, and an unknown track may still be
 * identified later as its evidence grows, never the reverse.
 */
import { InvalidOptionError } from '../errors.js';
import type { IdentifyOptions, IdentifiedFace } from '../gallery/gallery.js';
import type { DetectionOptions } from '../detect/detector.js';
import type { EmbedOptions } from '../embed/embedder.js';
import type { Box, RgbImage } from '../types.js';
import { Tracker, type Track, type TrackerDetection } from './tracker.js';
import type { StreamEvent, StreamFrame, StreamStats, TrackView } from './types.js';

/** A face as an analyser returns it; `quality` when the analyser measures it. */
export interface AnalysedFace {
  box: Box;
  score: number;
  embedding: Float32Array;
  quality?: { score: number };
}

/** What analyses a frame: a Likeness satisfies it; the service passes its worker pool. */
export interface FrameAnalyser {
  embed(image: RgbImage, options?: { detection?: DetectionOptions; embedding?: EmbedOptions; quality?: boolean }): Promise<{ faces: readonly AnalysedFace[] }>;
}

/** What decides a track: a Gallery satisfies it. */
export interface StreamGallery {
  identifyEncodings(encoded: readonly { box: Box; score: number; embedding: Float32Array }[], options?: IdentifyOptions): Promise<{ threshold: number; faces: IdentifiedFace[] }>;
}

export interface StreamOptions {
  /** Frames sampled per second of source (default 5). FaceStream itself takes frames as pushed; it sets maxMissed's default. */
  fps?: number;
  /** Frames of evidence before a track is decided (default 3). */
  minFrames?: number;
  /** Sampled frames a track may go unseen before it is lost (default: one second's worth, fps, at least 2). */
  maxMissed?: number;
  /** Consecutive frames a new track must be seen in before it is confirmed (a `track` event; default 3). */
  confirmFrames?: number;
  /** Open-set decision options (threshold, hubness, …) for the gallery. */
  identify?: IdentifyOptions;
  /** Detection score from which faces start and feed tracks (default 0.5, the detector's default). */
  minScore?: number;
  /** Lower-score detections, down to this score, only continue existing tracks (ByteTrack's second pass; default 0.3). */
  lowScore?: number;
  /** Largest cosine distance between a track's encoding and a new detection's for them to be one face (default 0.5). */
  appearanceGate?: number;
  /** Further options handed to the analyser's embed (e.g. detection settings; quality when the analyser offers it). */
  analyse?: Record<string, unknown>;
  /** Stop: watch ends its stream, push refuses further frames. */
  signal?: AbortSignal;
}

/** The width (px) at which a face counts fully as evidence when no quality is measured. */
const FULL_WEIGHT_WIDTH = 80;

/**
 * How much a frame's face counts as evidence: its measured quality when the analyser gives one,
 * else detection score × min(1, width / 80 px) (a small face's encoding is less reliable).
 */
export function evidenceWeight(face: AnalysedFace): number {
  if (face.quality && Number.isFinite(face.quality.score)) return Math.min(1, Math.max(0, face.quality.score));
  return Math.min(1, Math.max(0, face.score)) * Math.min(1, Math.max(0.05, face.box.width / FULL_WEIGHT_WIDTH));
}

function positive(name: string, v: number | undefined, integer: boolean, min = 1): void {
  if (v === undefined) return;
  if (!Number.isFinite(v) || v < min || (integer && !Number.isInteger(v))) throw new InvalidOptionError(`${name} must be ${integer ? 'an integer' : 'a number'} ≥ ${min}, got ${v}`);
}

/** Checked stream options with their defaults. */
export function resolveStreamOptions(o: StreamOptions = {}) {
  positive('fps', o.fps, false, 0.01);
  positive('minFrames', o.minFrames, true);
  positive('maxMissed', o.maxMissed, true, 0);
  positive('confirmFrames', o.confirmFrames, true);
  const unit = (name: string, v: number | undefined) => {
    if (v !== undefined && !(v >= 0 && v <= 1)) throw new InvalidOptionError(`${name} must be within 0..1, got ${v}`);
  };
  unit('minScore', o.minScore);
  unit('lowScore', o.lowScore);
  if (o.appearanceGate !== undefined && !(o.appearanceGate > 0 && o.appearanceGate <= 2)) throw new InvalidOptionError(`appearanceGate must be within (0, 2], got ${o.appearanceGate}`);
  const fps = o.fps ?? 5;
  const minScore = o.minScore ?? 0.5;
  return {
    fps,
    minFrames: o.minFrames ?? 3,
    maxMissed: o.maxMissed ?? Math.max(2, Math.round(fps)),
    confirmFrames: o.confirmFrames ?? 3,
    minScore,
    lowScore: Math.min(o.lowScore ?? 0.3, minScore),
    appearanceGate: o.appearanceGate ?? 0.5,
  };
}

export class FaceStream {
  private readonly tracker: Tracker;
  private readonly settings: ReturnType<typeof resolveStreamOptions>;
  private chain: Promise<unknown> = Promise.resolve();
  private lastTime = 0;
  private started: number | undefined;
  private processed = 0;
  private received = 0;
  private dropped = 0;
  private confirmedTracks = 0;
  private ended = false;

  constructor(
    private readonly analyser: FrameAnalyser,
    private readonly gallery: StreamGallery,
    private readonly options: StreamOptions = {},
  ) {
    this.settings = resolveStreamOptions(options);
    this.tracker = new Tracker({ confirmFrames: this.settings.confirmFrames, maxMissed: this.settings.maxMissed, highScore: this.settings.minScore, appearanceGate: this.settings.appearanceGate });
  }

  /** One frame in; the events it caused. Frames are processed one at a time, in the order pushed. */
  push(frame: StreamFrame): Promise<StreamEvent[]> {
    this.received++;
    const run = this.chain.then(() => this.process(frame));
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Count frames a source dropped before they reached push (live sources that fell behind). */
  countDropped(n = 1): void {
    this.dropped += n;
  }

  private async process(frame: StreamFrame): Promise<StreamEvent[]> {
    if (this.ended) throw new InvalidOptionError('this stream has ended: frames can no longer be pushed');
    if (this.options.signal?.aborted) throw new InvalidOptionError('this stream was stopped (its signal is aborted)');
    const { image, time } = frame;
    if (!image || !(image.data instanceof Uint8Array) || image.data.length !== image.width * image.height * 3 || image.width < 1) throw new InvalidOptionError('a frame must be an RgbImage: data.length === width × height × 3');
    if (!Number.isFinite(time)) throw new InvalidOptionError(`a frame's time must be a number of seconds, got ${time}`);
    this.started ??= performance.now();
    const extra = this.options.analyse ?? {};
    const detection = { ...((extra.detection as DetectionOptions | undefined) ?? {}), minScore: this.settings.lowScore };
    // Quality (src/quality, < 1 ms a face) weights each frame's evidence; analysers that do not measure it ignore the flag.
    const { faces } = await this.analyser.embed(image, { quality: true, ...extra, detection });
    this.processed++;
    this.lastTime = Math.max(this.lastTime, time);
    const detections: TrackerDetection[] = faces.map((f) => ({
      box: f.box,
      score: f.score,
      embedding: f.embedding,
      weight: evidenceWeight(f),
      ...(f.quality && Number.isFinite(f.quality.score) ? { quality: f.quality.score } : {}),
    }));
    const step = this.tracker.step(detections);
    const events: StreamEvent[] = [];
    for (const t of step.confirmed) {
      this.confirmedTracks++;
      events.push(this.event('track', t, time));
    }
    for (const t of step.updated) {
      const e = await this.decide(t, time);
      if (e) events.push(e);
    }
    for (const t of step.lost) events.push(this.event('lost', t, time));
    return events;
  }

  /** Decide a confirmed track on its evidence when it has enough and is not identified yet. */
  private async decide(t: Track, time: number): Promise<StreamEvent | undefined> {
    if (t.decided === 'identified' || t.frames < this.settings.minFrames || t.frames === t.decidedAtFrames) return undefined;
    t.decidedAtFrames = t.frames;
    const [face] = (await this.gallery.identifyEncodings([{ box: t.box, score: 1, embedding: t.mean }], this.options.identify)).faces;
    const best = face?.candidates[0];
    if (face?.match) {
      t.decided = 'identified';
      t.name = face.match.name;
      t.subject = face.match.subject;
      t.confidence = face.match.confidence ?? null;
      t.distance = face.match.adjustedDistance ?? face.match.distance;
      return this.event('identified', t, time);
    }
    t.distance = best ? (best.adjustedDistance ?? best.distance) : undefined;
    if (t.decided === 'unknown') return undefined;
    t.decided = 'unknown';
    // The probability that it is nobody enrolled: 1 − P(same) of the nearest subject.
    t.confidence = best?.confidence === undefined ? (best ? null : 1) : 1 - best.confidence;
    return this.event('unknown', t, time);
  }

  private event(type: StreamEvent['type'], t: Track, time: number): StreamEvent {
    const e: StreamEvent = { type, track: t.number, name: t.name, subject: t.subject, confidence: t.confidence, frames: t.frames, time, box: roundBox(t.box) };
    if (t.distance !== undefined && t.decided) e.distance = t.distance;
    const q = t.quality;
    if (q !== undefined) e.quality = q;
    return e;
  }

  /** The live tracks (tentative and confirmed), for overlays. */
  tracks(): TrackView[] {
    return this.tracker.tracks.map((t) => ({ track: t.number, box: roundBox(t.box), state: t.state, name: t.name, subject: t.subject, confidence: t.confidence, decided: t.decided, frames: t.frames }));
  }

  /** The stream ended: `lost` for every confirmed live track (at `time`, default the last frame's). No frames can be pushed after. */
  end(time?: number): StreamEvent[] {
    this.ended = true;
    const at = time ?? this.lastTime;
    return this.tracker.drain().map((t) => this.event('lost', t, at));
  }

  stats(): StreamStats {
    const wall = this.started === undefined ? 0 : (performance.now() - this.started) / 1000;
    return {
      framesRead: this.received + this.dropped,
      framesProcessed: this.processed,
      framesDropped: this.dropped,
      processedFps: wall > 0 ? this.processed / wall : 0,
      requestedFps: this.settings.fps,
      tracks: this.confirmedTracks,
    };
  }
}

function roundBox(b: Box): Box {
  const r = (v: number) => Math.round(v * 10) / 10;
  return { x: r(b.x), y: r(b.y), width: r(b.width), height: r(b.height) };
}
