/**
 * Face tracking across sampled frames, SORT/ByteTrack style: every track's box is predicted by a
 * constant-velocity Kalman filter (./kalman.ts); detections are assigned to tracks optimally
 * (Jonker-Volgenant, `linear-sum-assignment`) on a cost joining box overlap (1 − IoU) and the
 * cosine distance of encodings; ByteTrack's second pass then lets low-score detections continue
 * the tracks left unmatched, on overlap alone. Tracks are tentative until seen in `confirmFrames`
 * consecutive frames and are lost after `maxMissed` sampled frames without a detection.
 * Decisions (who a track is) are not made here: see ./face-stream.ts.
 */
import { linearSumAssignment } from 'linear-sum-assignment';
import type { Box } from '../types.js';
import { iou } from '../detect/nms.js';
import { BoxKalman } from './kalman.js';

export interface TrackerOptions {
  /** Frames a new track must be seen in, one after another, before it is confirmed (default 3). */
  confirmFrames: number;
  /** Sampled frames a confirmed track may go unseen before it is lost. */
  maxMissed: number;
  /** Detections at or above this score start and feed tracks; lower ones only continue tracks (ByteTrack). */
  highScore: number;
  /** Largest cosine distance between a track's encoding and a detection's for them to be one face (default 0.5). */
  appearanceGate: number;
}

export interface TrackerDetection {
  box: Box;
  score: number;
  embedding: Float32Array;
  /** How much this frame counts as evidence (0..1). */
  weight: number;
  /** The face's measured quality, 0..1, when the analyser gives one. */
  quality?: number;
}

export class Track {
  /** The number events carry: given on confirmation, so confirmed tracks count 1, 2, 3, … */
  number = 0;
  state: 'tentative' | 'confirmed' = 'tentative';
  readonly kalman: BoxKalman;
  /** The latest detected box. */
  box: Box;
  hits = 1;
  missed = 0;
  /** Frames of evidence (encodings averaged into `sum`). */
  frames = 0;
  /** Quality-weighted sum of the evidence encodings. */
  sum: Float64Array;
  weights = 0;
  qualitySum = 0;
  qualityFrames = 0;
  /** Unit mean of the evidence: what the track is matched and decided on. */
  mean: Float32Array;
  decided: 'identified' | 'unknown' | null = null;
  name: string | null = null;
  subject: string | null = null;
  confidence: number | null = null;
  distance: number | undefined;
  /** Evidence frames at the last decision (a track is re-decided only on new evidence). */
  decidedAtFrames = 0;

  constructor(d: TrackerDetection) {
    this.kalman = new BoxKalman(d.box);
    this.box = d.box;
    this.sum = new Float64Array(d.embedding.length);
    this.mean = new Float32Array(d.embedding.length);
    this.addEvidence(d);
  }

  addEvidence(d: TrackerDetection): void {
    if (d.embedding.length !== this.sum.length) return;
    const w = Math.max(d.weight, 1e-3);
    for (let i = 0; i < this.sum.length; i++) this.sum[i]! += w * d.embedding[i]!;
    this.weights += w;
    this.frames++;
    if (d.quality !== undefined) {
      this.qualitySum += d.quality;
      this.qualityFrames++;
    }
    let n = 0;
    for (let i = 0; i < this.sum.length; i++) n += this.sum[i]! * this.sum[i]!;
    const inv = n > 0 ? 1 / Math.sqrt(n) : 0;
    for (let i = 0; i < this.sum.length; i++) this.mean[i] = this.sum[i]! * inv;
  }

  /** Mean measured quality of the evidence, when measured. */
  get quality(): number | undefined {
    return this.qualityFrames > 0 ? this.qualitySum / this.qualityFrames : undefined;
  }
}

/** Cosine distance between two unit vectors. */
function cosineDistance(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return 2;
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i]! * b[i]!;
  return 1 - dot;
}

const centre = (b: Box): [number, number] => [b.x + b.width / 2, b.y + b.height / 2];

/** Pairs no assignment may make. */
const INFEASIBLE = 1e6;

/** Optimal assignment of rows to columns on a cost matrix, pairs at INFEASIBLE cost dropped. */
function assign(cost: number[][]): [number, number][] {
  if (cost.length === 0 || cost[0]!.length === 0) return [];
  const { rowAssignments } = linearSumAssignment(cost, { maximaze: false });
  const pairs: [number, number][] = [];
  rowAssignments.forEach((c, r) => {
    if (c >= 0 && cost[r]![c]! < INFEASIBLE) pairs.push([r, c]);
  });
  return pairs;
}

export interface TrackerStep {
  /** Tracks confirmed in this frame. */
  confirmed: Track[];
  /** Confirmed tracks seen in this frame (with new evidence). */
  updated: Track[];
  /** Confirmed tracks lost in this frame (no longer in `tracks`). */
  lost: Track[];
}

export class Tracker {
  tracks: Track[] = [];
  private next = 1;

  constructor(readonly options: TrackerOptions) {}

  /** The association cost of a track and a high-score detection, INFEASIBLE when they cannot be one face. */
  private cost(t: Track, predicted: Box, d: TrackerDetection): number {
    const overlap = iou(predicted, d.box);
    const appearance = cosineDistance(t.mean, d.embedding);
    if (appearance > this.options.appearanceGate) return INFEASIBLE;
    // At a few frames per second a moving face may not overlap its prediction while the filter
    // learns its speed: a near box (centres within a face width) with a similar encoding may match.
    const [tx, ty] = centre(predicted);
    const [dx, dy] = centre(d.box);
    const near = Math.hypot(tx - dx, ty - dy) <= Math.max(predicted.width, d.box.width);
    if (overlap < 0.1 && !near) return INFEASIBLE;
    return 0.5 * (1 - overlap) + 0.5 * Math.min(1, appearance / this.options.appearanceGate);
  }

  /** One frame's detections in; what changed. */
  step(detections: readonly TrackerDetection[]): TrackerStep {
    const predicted = this.tracks.map((t) => t.kalman.predict());
    const high = detections.filter((d) => d.score >= this.options.highScore);
    const low = detections.filter((d) => d.score < this.options.highScore);

    // First pass: every track against the high-score detections, on overlap and appearance.
    const pairs = assign(this.tracks.map((t, i) => high.map((d) => this.cost(t, predicted[i]!, d))));
    const matchedTrack = new Set<number>();
    const matchedHigh = new Set<number>();
    const updated: Track[] = [];
    const confirmed: Track[] = [];
    for (const [ti, di] of pairs) {
      matchedTrack.add(ti);
      matchedHigh.add(di);
      const t = this.tracks[ti]!;
      const d = high[di]!;
      t.kalman.update(d.box);
      t.box = d.box;
      t.hits++;
      t.missed = 0;
      t.addEvidence(d);
      if (t.state === 'tentative' && t.hits >= this.options.confirmFrames) {
        t.state = 'confirmed';
        t.number = this.next++;
        confirmed.push(t);
      }
      if (t.state === 'confirmed') updated.push(t);
    }

    // Second pass (ByteTrack): confirmed tracks still unmatched against the low-score detections,
    // on overlap alone; they keep a track alive and on course but add no evidence.
    const rest = this.tracks.map((t, i) => i).filter((i) => !matchedTrack.has(i) && this.tracks[i]!.state === 'confirmed');
    const lowPairs = assign(rest.map((i) => low.map((d) => (iou(predicted[i]!, d.box) >= 0.5 ? 1 - iou(predicted[i]!, d.box) : INFEASIBLE))));
    for (const [ri, di] of lowPairs) {
      const t = this.tracks[rest[ri]!]!;
      matchedTrack.add(rest[ri]!);
      t.kalman.update(low[di]!.box);
      t.box = low[di]!.box;
      t.missed = 0;
    }

    // Unmatched tracks: a tentative one is dropped at its first miss, a confirmed one after maxMissed.
    const lost: Track[] = [];
    const kept: Track[] = [];
    this.tracks.forEach((t, i) => {
      if (!matchedTrack.has(i)) {
        t.missed++;
        if (t.state === 'tentative') return;
        if (t.missed > this.options.maxMissed) {
          lost.push(t);
          return;
        }
      }
      kept.push(t);
    });
    // Unmatched high-score detections start tentative tracks.
    high.forEach((d, i) => {
      if (matchedHigh.has(i)) return;
      const t = new Track(d);
      if (this.options.confirmFrames <= 1) {
        t.state = 'confirmed';
        t.number = this.next++;
        confirmed.push(t);
        updated.push(t);
      }
      kept.push(t);
    });
    this.tracks = kept;
    return { confirmed, updated, lost };
  }

  /** Every confirmed track, removed (the stream ended). */
  drain(): Track[] {
    const live = this.tracks.filter((t) => t.state === 'confirmed');
    this.tracks = [];
    return live;
  }
}
