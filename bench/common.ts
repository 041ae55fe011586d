/**
 * Shared pieces of the pipeline benchmark: the image sets, the messages between the orchestrator
 * (bench/pipeline.ts) and its child processes (bench/child.ts), and small statistics helpers.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DEMO_DIR = path.join(ROOT, 'node_modules/@vladmandic/face-api/demo');
export const LFW_DIR = path.resolve(ROOT, '../shared/data/lfw');

export type SetName = 'demo' | 'lfw';

export interface BenchImage {
  set: SetName;
  /** Absolute path. */
  file: string;
}

/** face-api's six demo photos (1920 px wide, 22 faces in all). */
export function demoImages(): BenchImage[] {
  return [1, 2, 3, 4, 5, 6].map((i) => ({ set: 'demo', file: path.join(DEMO_DIR, `sample${i}.jpg`) }));
}

export interface LfwSample {
  images: BenchImage[];
  /** Every `step`-th row of labels.csv, starting with the first. */
  step: number;
  /** Rows in labels.csv. */
  rows: number;
}

/**
 * A deterministic sample of `n` LFW images: every k-th row of labels.csv (k = floor(rows / n)),
 * starting with the first. No images when ../shared/data/lfw is absent.
 */
export function lfwImages(n: number): LfwSample {
  const labels = path.join(LFW_DIR, 'labels.csv');
  if (n <= 0 || !existsSync(labels)) return { images: [], step: 0, rows: 0 };
  const rows = readFileSync(labels, 'utf8')
    .split(/\r?\n/)
    .slice(1)
    .filter((l) => l.trim() !== '')
    .map((l) => l.slice(0, l.indexOf(',')));
  const k = Math.max(1, Math.floor(rows.length / n));
  const out: BenchImage[] = [];
  for (let i = 0; i < rows.length && out.length < n; i += k) out.push({ set: 'lfw', file: path.join(LFW_DIR, rows[i]!) });
  return { images: out, step: k, rows: rows.length };
}

// ── child process protocol ──────────────────────────────────────────────────────────────────────

export type ChildMode = 'baseline' | 'ours' | 'faceapi' | 'pool' | 'faceapi-shard';

/** Arguments the orchestrator passes to a child (as one JSON argv element). */
export interface ChildArgs {
  mode: ChildMode;
  /** Images to process, in order (a set may appear several times: rounds). */
  images: BenchImage[];
  /** Images used to warm up (not timed). */
  warmup: BenchImage[];
  /** pool: number of worker threads. */
  workers?: number;
  /** ours, pool: the model stack (default: the default stack). */
  model?: string;
}

/** One image through our pipeline, in-process (ms). `embedMs` is the wall time of `embed()` on decoded pixels. */
export interface OursRecord {
  set: SetName;
  faces: number;
  decodeMs: number;
  detectMs: number;
  landmarksMs: number;
  alignMs: number;
  encodeMs: number;
  embedMs: number;
}

/** One image through face-api's detectAllFaces().withFaceLandmarks().withFaceDescriptors() (ms). */
export interface FaceApiRecord {
  set: SetName;
  faces: number;
  decodeMs: number;
  inputMs: number;
  detectMs: number;
  landmarksMs: number;
  descriptorMs: number;
  /** input + detect + landmarks + descriptor (face-api's whole chain on decoded pixels). */
  totalMs: number;
}

/** Per-face encoder timings on aligned chips (batch of one face, one intra-op thread). */
export interface EncodeSample {
  set: SetName;
  /** The network's spec name (a fusion's parts are timed one by one). */
  network: string;
  /** One network pass: `embedder.raw([chip])`. */
  singleMs: number;
  /** The default encode: chip + its mirror in one batch of 2, averaged (`embedChips([chip])`). */
  mirrorMs: number;
}

export interface Memory {
  /** process.resourceUsage().maxRSS at the end of the child, MiB. */
  peakRssMiB: number;
}

export interface BaselineResult extends Memory {
  mode: 'baseline';
}

export interface OursResult extends Memory {
  mode: 'ours';
  /** The stack measured. */
  stack: string;
  loadMs: number;
  warmupMs: number;
  records: OursRecord[];
  encode: EncodeSample[];
}

export interface FaceApiResult extends Memory {
  mode: 'faceapi';
  loadMs: number;
  warmupMs: number;
  info: { faceapiVersion: string; tfjsVersion: string; backend: string; simd: boolean; threads: number };
  records: FaceApiRecord[];
}

/** A batch run: all images queued at once, wall time from the first submit to the last result. */
export interface BatchResult extends Memory {
  mode: 'pool' | 'faceapi-shard';
  workers: number;
  images: number;
  faces: number;
  wallMs: number;
  startupMs: number;
}

export type ChildResult = BaselineResult | OursResult | FaceApiResult | BatchResult;

export type ChildMessage =
  | { type: 'progress'; phase: string; done: number; total: number }
  | { type: 'ready' }
  | { type: 'result'; result: ChildResult }
  | { type: 'error'; message: string };

export type ParentMessage = { type: 'go' };

// ── statistics ──────────────────────────────────────────────────────────────────────────────────

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function sum(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

export const MiB = (kib: number): number => kib / 1024;
