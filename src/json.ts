/**
 * The JSON shape of results, shared by the CLI's `--json` output and the HTTP API's answers, so
 * both carry the same fields: boxes and points rounded to 1/100 px, scores to 1e-4.
 */
import type { Face } from './likeness.js';
import type { StreamEvent } from './stream/types.js';
import type { Box, Point } from './types.js';

const r2 = (x: number): number => Math.round(x * 100) / 100;
export const boxJson = (b: Box): Box => ({ x: r2(b.x), y: r2(b.y), width: r2(b.width), height: r2(b.height) });
const pt = (p: Point): [number, number] => [r2(p.x), r2(p.y)];

export function faceJson(f: Face): Record<string, unknown> {
  const p = f.points5;
  return {
    box: boxJson(f.box),
    score: Math.round(f.score * 1e4) / 1e4,
    ...(f.landmarks ? { landmarks: f.landmarks.map(pt) } : {}),
    points5: { leftEye: pt(p.leftEye), rightEye: pt(p.rightEye), nose: pt(p.nose), mouthLeft: pt(p.mouthLeft), mouthRight: pt(p.mouthRight) },
    ...(f.quality ? { quality: f.quality } : {}),
  };
}

const r4 = (x: number): number => Math.round(x * 1e4) / 1e4;

/** A stream event as JSON (CLI `watch --json`, the service's SSE, webhooks and push answers): box to 1/100 px, confidence, distance, quality and time to 1e-4. */
export function eventJson(e: StreamEvent): StreamEvent {
  return {
    ...e,
    time: r4(e.time),
    ...(e.confidence === null ? {} : { confidence: r4(e.confidence) }),
    ...(e.box ? { box: boxJson(e.box) } : {}),
    ...(e.distance === undefined ? {} : { distance: r4(e.distance) }),
    ...(e.quality === undefined ? {} : { quality: r4(e.quality) }),
  };
}
