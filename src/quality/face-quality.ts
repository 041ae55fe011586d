/**
 * A quality score per face from what can be measured cheaply (issue 17): its size (detector box
 * width), its sharpness (variance of the Laplacian on a grey ArcFace-aligned 112 px chip), its pose
 * (yaw, pitch, roll estimated from the five points) and the detector's score. Each measure has a
 * threshold measured on LFW (data/quality.json, research/quality-*.ts); a face under one gets a
 * reason ('small', 'blurred', 'profile', 'tilted', 'low detection score'), and `score` (0..1) is the
 * weakest of the sub-scores, so one poor measure makes a poor face.
 */
import { readFileSync } from 'node:fs';
import { arcfaceTemplate, estimateSimilarity, extractChip } from '../align/index.js';
import { LikenessError } from '../errors.js';
import type { FivePoints } from '../landmarks/landmarker.js';
import type { Box, Point, RgbImage } from '../types.js';

interface Measured {
  value: number;
  measurement: string;
  command: string;
  measured: string;
}

export interface QualityData {
  minFaceWidth: Measured;
  minBlur: Measured;
  maxYaw: Measured;
  maxPitch: Measured;
  maxRoll: Measured;
  minDetectionScore: Measured;
}

const DATA = JSON.parse(readFileSync(new URL('../../data/quality.json', import.meta.url), 'utf8')) as QualityData;

/** The thresholds in force (data/quality.json). */
export const QUALITY_THRESHOLDS = {
  minFaceWidth: DATA.minFaceWidth.value,
  minBlur: DATA.minBlur.value,
  maxYaw: DATA.maxYaw.value,
  maxPitch: DATA.maxPitch.value,
  maxRoll: DATA.maxRoll.value,
  minDetectionScore: DATA.minDetectionScore.value,
} as const;

export type QualityReason = 'small' | 'blurred' | 'profile' | 'pitched' | 'tilted' | 'low detection score';

export interface FaceQuality {
  /** 0..1: the weakest sub-score (size, sharpness, pose, detection); under 0.5 a measure is past its threshold. */
  score: number;
  /** Detector box width, px. */
  size: number;
  /** Variance of the 4-neighbour Laplacian on the grey 112 px ArcFace chip (0..255 grey levels²). */
  blur: number;
  /** Degrees, estimated from the five points (0 = frontal; yaw > 0: nose towards the image's right). */
  yaw: number;
  pitch: number;
  roll: number;
  /** The detector's confidence. */
  detection: number;
  /** Why the face is poor; empty when every measure is within its threshold. */
  reasons: QualityReason[];
}

const CHIP = 112;
const TEMPLATE = arcfaceTemplate(CHIP);
/** Nose-tip depth in front of the eye plane as a fraction of the eye distance (≈ 35 mm / 63 mm, anthropometric means). */
const NOSE_DEPTH = 0.55;
/** The ArcFace template's nose height between the eye line (0) and the mouth line (1): a frontal face. */
const FRONTAL_NOSE = (TEMPLATE.points[2]!.y - (TEMPLATE.points[0]!.y + TEMPLATE.points[1]!.y) / 2) / ((TEMPLATE.points[3]!.y + TEMPLATE.points[4]!.y) / 2 - (TEMPLATE.points[0]!.y + TEMPLATE.points[1]!.y) / 2);

const deg = (r: number): number => (r * 180) / Math.PI;
const mid = (a: Point, b: Point): Point => ({ x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 });

/** Yaw, pitch and roll (degrees) of a face from its five points: a weak-perspective estimate. */
export function poseFromPoints(p: FivePoints): { yaw: number; pitch: number; roll: number } {
  const roll = Math.atan2(p.rightEye.y - p.leftEye.y, p.rightEye.x - p.leftEye.x);
  const c = Math.cos(-roll), s = Math.sin(-roll);
  const o = p.leftEye;
  const r = (q: Point): Point => ({ x: c * (q.x - o.x) - s * (q.y - o.y), y: s * (q.x - o.x) + c * (q.y - o.y) });
  const [le, re, nose, ml, mr] = [r(p.leftEye), r(p.rightEye), r(p.nose), r(p.mouthLeft), r(p.mouthRight)];
  const eyes = mid(le, re), mouth = mid(ml, mr);
  const eyeDist = Math.max(1e-6, re.x - le.x);
  // The nose tip sits NOSE_DEPTH·E in front of the eyes: turned by θ it moves sideways by
  // NOSE_DEPTH·E·sin θ while the eyes' distance shrinks to E·cos θ (E the frontal eye distance).
  const midline = (eyes.x + mouth.x) / 2;
  const yaw = Math.atan((nose.x - midline) / (NOSE_DEPTH * eyeDist));
  // Up/down: the nose tip moves along the face's height by NOSE_DEPTH·E·sin φ.
  const frontalE = eyeDist / Math.max(0.2, Math.cos(yaw));
  const height = mouth.y - eyes.y;
  const pitch = Math.asin(Math.max(-1, Math.min(1, (nose.y - eyes.y - FRONTAL_NOSE * height) / (NOSE_DEPTH * frontalE))));
  return { yaw: deg(yaw), pitch: deg(pitch), roll: deg(roll) };
}

/** Variance of the 4-neighbour Laplacian of the grey ArcFace chip of a face (aliasing-free: extractChip). */
export function blurOf(img: RgbImage, points: FivePoints): number {
  const from = [points.leftEye, points.rightEye, points.nose, points.mouthLeft, points.mouthRight];
  let toChip;
  try {
    toChip = estimateSimilarity(from, TEMPLATE.points);
  } catch (e) {
    if (e instanceof LikenessError) return 0;
    throw e;
  }
  const chip = extractChip(img, toChip, CHIP, CHIP);
  const n = CHIP * CHIP;
  const g = new Float32Array(n);
  for (let i = 0; i < n; i++) g[i] = 0.299 * chip.data[i * 3]! + 0.587 * chip.data[i * 3 + 1]! + 0.114 * chip.data[i * 3 + 2]!;
  let sum = 0, sum2 = 0, count = 0;
  // The central part of the chip (the face, not the background around it).
  const m = 16;
  for (let y = m; y < CHIP - m; y++)
    for (let x = m; x < CHIP - m; x++) {
      const i = y * CHIP + x;
      const l = g[i - 1]! + g[i + 1]! + g[i - CHIP]! + g[i + CHIP]! - 4 * g[i]!;
      sum += l;
      sum2 += l * l;
      count++;
    }
  const mean = sum / count;
  return sum2 / count - mean * mean;
}

/** 1 at `good`, 0.5 at the threshold, 0 at `bad` (linear between), for a measure where larger is better. */
function ramp(v: number, threshold: number, good: number): number {
  if (v >= good) return 1;
  if (v >= threshold) return 0.5 + (0.5 * (v - threshold)) / (good - threshold);
  const bad = threshold - (good - threshold);
  return v <= bad ? 0 : (0.5 * (v - bad)) / (threshold - bad);
}

const round = (v: number, k = 10): number => Math.round(v * k) / k;

/** The quality of one detected face of an image (≈ 0.1–0.3 ms: one 112 px chip and a few points). */
export function faceQuality(img: RgbImage, face: { box: Box; score: number; points5: FivePoints }): FaceQuality {
  const t = QUALITY_THRESHOLDS;
  const size = face.box.width;
  const blur = blurOf(img, face.points5);
  const { yaw, pitch, roll } = poseFromPoints(face.points5);
  const reasons: QualityReason[] = [];
  if (size < t.minFaceWidth) reasons.push('small');
  if (blur < t.minBlur) reasons.push('blurred');
  if (Math.abs(yaw) > t.maxYaw) reasons.push('profile');
  if (Math.abs(pitch) > t.maxPitch) reasons.push('pitched');
  if (Math.abs(roll) > t.maxRoll) reasons.push('tilted');
  if (face.score < t.minDetectionScore) reasons.push('low detection score');
  const subs = [
    ramp(size, t.minFaceWidth, 2 * t.minFaceWidth),
    ramp(blur, t.minBlur, 2 * t.minBlur),
    ramp(-Math.abs(yaw), -t.maxYaw, 0),
    ramp(-Math.abs(pitch), -t.maxPitch, 0),
    ramp(-Math.abs(roll), -t.maxRoll, 0),
    ramp(face.score, t.minDetectionScore, Math.min(1, t.minDetectionScore + 0.3)),
  ];
  return { score: round(Math.min(...subs), 1000), size: Math.round(size), blur: round(blur), yaw: round(yaw), pitch: round(pitch), roll: round(roll), detection: round(face.score, 1000), reasons };
}

/** A face's quality in words, for error messages and CLI output. */
export function describeQuality(q: FaceQuality): string {
  const t = QUALITY_THRESHOLDS;
  const parts: string[] = [];
  for (const r of q.reasons) {
    if (r === 'small') parts.push(`small (${q.size} px wide, under ${t.minFaceWidth})`);
    else if (r === 'blurred') parts.push(`blurred (sharpness ${q.blur}, under ${t.minBlur})`);
    else if (r === 'profile') parts.push(`profile (yaw ${q.yaw}°, over ±${t.maxYaw}°)`);
    else if (r === 'pitched') parts.push(`pitched (pitch ${q.pitch}°, over ±${t.maxPitch}°)`);
    else if (r === 'tilted') parts.push(`tilted (roll ${q.roll}°, over ±${t.maxRoll}°)`);
    else parts.push(`low detection score (${q.detection}, under ${t.minDetectionScore})`);
  }
  return parts.length > 0 ? parts.join(', ') : `good (score ${q.score})`;
}

/** A photo refused for enrolment because its face is poor (overridable: allowPoorQuality). */
export class PoorQualityError extends LikenessError {
  readonly quality: FaceQuality;
  constructor(source: string, quality: FaceQuality) {
    super('E_POOR_QUALITY', `${source}: face too poor to enrol: ${describeQuality(quality)} (quality ${quality.score}); enrol it anyway with allowPoorQuality (--allow-poor-quality)`);
    this.quality = quality;
  }
}
