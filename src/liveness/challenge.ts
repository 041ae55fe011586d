/**
 * Active liveness: a challenge (blink, or turn the head left or right) checked from the 68 landmarks
 * of frames sent one by one, on the same face throughout (its encoding stays within the verify
 * threshold of the first frame's, so the challenge cannot be passed by swapping photos).
 *
 * Directions are the person's own: 'turn-left' means the person turns to their left, which in an
 * unmirrored camera frame moves the nose towards the image's right (yaw > 0 below).
 *
 * The logic is a plain state machine over faces (landmarks + encoding); the clock is a parameter,
 * so the service, the CLI and the tests feed it the same way.
 */
import { randomUUID } from 'node:crypto';
import { InvalidOptionError } from '../errors.js';
import type { Point } from '../types.js';

export const CHALLENGES = ['blink', 'turn-left', 'turn-right'] as const;
export type ChallengeKind = (typeof CHALLENGES)[number];
/**
 * What a session draws when none is asked for: the turns only. A blink is checked the same way,
 * but face-api's 68 landmarks were not shown to follow closed eyes (docs/liveness.md: on eyes
 * painted over with lids they stayed where open eyes are), so it is available on request only.
 */
export const RANDOM_CHALLENGES: readonly ChallengeKind[] = ['turn-left', 'turn-right'];
export type ChallengeState = 'pending' | 'passed' | 'failed';

const dist = (a: Point, b: Point): number => Math.hypot(a.x - b.x, a.y - b.y);

/** Eye aspect ratio (Soukupová & Čech 2016) of one eye's six iBUG points p1..p6: (|p2−p6| + |p3−p5|) / 2|p1−p4|. */
function ear6(p: readonly Point[], i: number): number {
  const w = dist(p[i]!, p[i + 3]!);
  return w > 0 ? (dist(p[i + 1]!, p[i + 5]!) + dist(p[i + 2]!, p[i + 4]!)) / (2 * w) : 0;
}

/** The mean eye aspect ratio of both eyes from 68 landmarks (open eyes ≈ 0.25–0.35, closed < 0.15). */
export function eyeAspectRatio(landmarks: readonly Point[]): number {
  if (landmarks.length !== 68) throw new InvalidOptionError(`eye aspect ratio needs 68 landmarks, got ${landmarks.length}`);
  return (ear6(landmarks, 36) + ear6(landmarks, 42)) / 2;
}

/**
 * Yaw from 68 landmarks, −1..1: where the nose tip (30) lies between the jaw's ends (0 and 16), 0 in
 * the middle; > 0 when the nose is nearer the image's right (the person turned to their left).
 */
export function landmarkYaw(landmarks: readonly Point[]): number {
  if (landmarks.length !== 68) throw new InvalidOptionError(`yaw needs 68 landmarks, got ${landmarks.length}`);
  const l = landmarks[0]!.x, r = landmarks[16]!.x, n = landmarks[30]!.x;
  const w = r - l;
  if (!(w > 0)) return 0;
  return Math.max(-1, Math.min(1, ((n - l) - (r - n)) / w));
}

export interface ChallengeParams {
  /** Milliseconds a challenge may take (default 20 s). */
  timeoutMs: number;
  /** Frames a challenge may take (default 150), so a static photo cannot keep a session forever. */
  maxFrames: number;
  /** Blink: closed when EAR < closedRatio × the open baseline, reopened when ≥ reopenRatio × baseline. */
  closedRatio: number;
  reopenRatio: number;
  /** Frames with open eyes before a blink counts (the baseline). */
  baselineFrames: number;
  /** Turn: first a frame with |yaw| ≤ frontalYaw, then one whose yaw moved by ≥ turnYaw from it in the asked direction. */
  frontalYaw: number;
  turnYaw: number;
}

export const DEFAULT_CHALLENGE_PARAMS: ChallengeParams = { timeoutMs: 20_000, maxFrames: 150, closedRatio: 0.7, reopenRatio: 0.85, baselineFrames: 2, frontalYaw: 0.2, turnYaw: 0.35 };

export interface ChallengeFace {
  landmarks: readonly Point[];
  embedding: Float32Array;
}

export interface ChallengeStatus {
  id: string;
  challenge: ChallengeKind;
  state: ChallengeState;
  /** 0..1 along the challenge's steps. */
  progress: number;
  /** What the person should do next, or why it failed. */
  message: string;
  reason?: 'timeout' | 'face-changed' | 'several-faces' | 'too-many-frames';
  frames: number;
  expiresAt: string;
  /** This frame's measurements (null when it held no face). */
  ear: number | null;
  yaw: number | null;
  distance: number | null;
}

export interface ChallengeOptions {
  challenge?: ChallengeKind;
  /** Distance between two encodings (the encoder's metric) and the largest one counted as the same face. */
  distance: (a: Float32Array, b: Float32Array) => number;
  sameFaceThreshold: number;
  params?: Partial<ChallengeParams>;
  now?: number;
  random?: () => number;
}

export class ChallengeSession {
  readonly id = randomUUID();
  readonly challenge: ChallengeKind;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly params: ChallengeParams;
  private state: ChallengeState = 'pending';
  private reason: ChallengeStatus['reason'];
  private frames = 0;
  private first: Float32Array | undefined;
  private openEars: number[] = [];
  private frontal = 0;
  private step = 0; // blink: 0 baseline, 1 closed seen, 2 reopened; turn: 0 frontal wanted, 1 turned
  private last: { ear: number | null; yaw: number | null; distance: number | null } = { ear: null, yaw: null, distance: null };

  constructor(private readonly options: ChallengeOptions) {
    const p = { ...DEFAULT_CHALLENGE_PARAMS, ...options.params };
    if (!(p.timeoutMs > 0) || !(p.maxFrames >= 1)) throw new InvalidOptionError('a challenge needs a positive timeout and frame limit');
    this.params = p;
    if (options.challenge !== undefined && !CHALLENGES.includes(options.challenge)) throw new InvalidOptionError(`unknown challenge ${JSON.stringify(options.challenge)}; known: ${CHALLENGES.join(', ')}`);
    this.challenge = options.challenge ?? RANDOM_CHALLENGES[Math.floor((options.random ?? Math.random)() * RANDOM_CHALLENGES.length) % RANDOM_CHALLENGES.length]!;
    this.createdAt = options.now ?? Date.now();
    this.expiresAt = this.createdAt + p.timeoutMs;
  }

  private fail(reason: NonNullable<ChallengeStatus['reason']>): ChallengeStatus {
    this.state = 'failed';
    this.reason = reason;
    return this.status();
  }

  /** Feed one frame's faces (main face first). */
  addFrame(faces: readonly ChallengeFace[], now = Date.now()): ChallengeStatus {
    if (this.state !== 'pending') return this.status();
    if (now > this.expiresAt) return this.fail('timeout');
    this.frames++;
    this.last = { ear: null, yaw: null, distance: null };
    if (faces.length > 1) return this.fail('several-faces');
    const face = faces[0];
    if (face) {
      if (face.landmarks.length !== 68) throw new InvalidOptionError('a challenge needs a stack with a 68-point landmark network');
      const ear = eyeAspectRatio(face.landmarks);
      const yaw = landmarkYaw(face.landmarks);
      this.first ??= face.embedding;
      const distance = this.options.distance(this.first, face.embedding);
      this.last = { ear, yaw, distance };
      if (distance > this.options.sameFaceThreshold) return this.fail('face-changed');
      if (this.challenge === 'blink') this.blink(ear);
      else this.turn(yaw);
      if ((this.state as ChallengeState) === 'passed') return this.status();
    }
    if (this.frames >= this.params.maxFrames) return this.fail('too-many-frames');
    return this.status();
  }

  private baseline(): number {
    const s = [...this.openEars].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)] ?? 0;
  }

  private blink(ear: number): void {
    const p = this.params;
    if (this.step === 0) {
      if (this.openEars.length >= p.baselineFrames && ear < p.closedRatio * this.baseline()) this.step = 1;
      else if (this.openEars.length < p.baselineFrames || ear >= p.reopenRatio * this.baseline()) this.openEars.push(ear);
      if (this.openEars.length > 10) this.openEars.shift();
    } else if (this.step === 1 && ear >= p.reopenRatio * this.baseline()) {
      this.step = 2;
      this.state = 'passed';
    }
  }

  private turn(yaw: number): void {
    const p = this.params;
    const sign = this.challenge === 'turn-left' ? 1 : -1;
    if (this.step === 0 && Math.abs(yaw) <= p.frontalYaw) {
      this.step = 1;
      this.frontal = yaw;
    } else if (this.step === 1 && Math.abs(yaw) <= p.frontalYaw && sign * (yaw - this.frontal) < 0) this.frontal = yaw;
    else if (this.step === 1 && sign * (yaw - this.frontal) >= p.turnYaw) {
      this.step = 2;
      this.state = 'passed';
    }
  }

  private message(): string {
    if (this.state === 'passed') return 'passed';
    if (this.state === 'failed') {
      return { timeout: 'the challenge timed out', 'face-changed': 'the face changed during the challenge', 'several-faces': 'more than one face in view', 'too-many-frames': 'too many frames without completing the challenge' }[this.reason!];
    }
    if (this.challenge === 'blink') return this.step === 0 ? (this.openEars.length < this.params.baselineFrames ? 'look at the camera' : 'blink') : 'open your eyes';
    const dir = this.challenge === 'turn-left' ? 'left' : 'right';
    return this.step === 0 ? 'look straight at the camera' : `turn your head to your ${dir}`;
  }

  status(): ChallengeStatus {
    const progress = this.state === 'passed' ? 1 : this.challenge === 'blink' ? (this.step === 0 ? Math.min(this.openEars.length, this.params.baselineFrames) / (2 * this.params.baselineFrames) : 0.5 + this.step * 0.25) : this.step * 0.5;
    return {
      id: this.id,
      challenge: this.challenge,
      state: this.state,
      progress,
      message: this.message(),
      ...(this.reason ? { reason: this.reason } : {}),
      frames: this.frames,
      expiresAt: new Date(this.expiresAt).toISOString(),
      ...this.last,
    };
  }
}
