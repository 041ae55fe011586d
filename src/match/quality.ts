/**
 * How much a verification decision can be trusted from the faces' size (part of every
 * Likeness.verify result): below the measured minimum
 * face width (data/quality.json, from research/face-size-accuracy.ts) a decision is flagged as not
 * confident.
 */
import { readFileSync } from 'node:fs';
import type { FaceQuality } from '../quality/index.js';
import type { Box } from '../types.js';

interface QualityData {
  minFaceWidth: { value: number; measurement: string; command: string; measured: string };
}

const QUALITY = JSON.parse(readFileSync(new URL('../../data/quality.json', import.meta.url), 'utf8')) as QualityData;

/** The narrowest face (detector box width, px) a confident decision needs. */
export const MIN_FACE_WIDTH = QUALITY.minFaceWidth.value;

export interface DecisionQuality {
  /** Widths (px) of the two faces' detector boxes. */
  faceWidths: [number, number];
  minFaceWidth: number;
  /** Both faces at least minFaceWidth wide. */
  confident: boolean;
  /** Each face's quality (src/quality: size, sharpness, pose, detection score, reasons), when measured. */
  faces?: [FaceQuality, FaceQuality];
}

export function decisionQuality(faces: readonly [Box, Box], quality?: readonly [FaceQuality, FaceQuality]): DecisionQuality {
  const faceWidths: [number, number] = [Math.round(faces[0].width), Math.round(faces[1].width)];
  const q: DecisionQuality = { faceWidths, minFaceWidth: MIN_FACE_WIDTH, confident: faceWidths.every((w) => w >= MIN_FACE_WIDTH) };
  if (quality) q.faces = [quality[0], quality[1]];
  return q;
}
