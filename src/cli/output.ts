/** CLI output shaping: JSON records and one-line human summaries. */
import type { Box, Point } from '../types.js';
import type { Face } from '../likeness.js';

const r2 = (x: number): number => Math.round(x * 100) / 100;
export const boxJson = (b: Box): Box => ({ x: r2(b.x), y: r2(b.y), width: r2(b.width), height: r2(b.height) });
const pt = (p: Point): [number, number] => [r2(p.x), r2(p.y)];

export function faceJson(f: Face): Record<string, unknown> {
  const p = f.points5;
  return {
    box: boxJson(f.box),
    score: Math.round(f.score * 1e4) / 1e4,
    landmarks: f.landmarks.map(pt),
    points5: { leftEye: pt(p.leftEye), rightEye: pt(p.rightEye), nose: pt(p.nose), mouthLeft: pt(p.mouthLeft), mouthRight: pt(p.mouthRight) },
  };
}

export const boxText = (b: Box): string => `box ${Math.round(b.x)},${Math.round(b.y)} ${Math.round(b.width)}×${Math.round(b.height)}`;

export const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** A usage error found inside a command's action (exit status 2, one line on stderr). */
export class UsageFailure extends Error {}
