/** The three face-api networks this project converts, with where their weights live on disk. */
import { createRequire } from 'node:module';
import path from 'node:path';
import { buildLandmark68 } from './landmark68.js';
import { buildRecognitionResnet } from './recognition-resnet.js';
import { buildSsdMobilenetV1 } from './ssd-mobilenetv1.js';
import type { WeightMap } from '../tfjs-weights.js';

export { LANDMARK_INPUT } from './landmark68.js';
export { RECOGNITION_INPUT } from './recognition-resnet.js';
export { SSD_ANCHORS, SSD_INPUT } from './ssd-mobilenetv1.js';

export interface TfjsConversion {
  /** Stable id; also the cache file's prefix. */
  id: string;
  /** The tfjs weights manifest's file name inside face-api's model/ folder. */
  manifest: string;
  build: (weights: WeightMap) => Uint8Array;
}

export const FACEAPI_CONVERSIONS = {
  ssd: { id: 'faceapi-ssd-mobilenetv1', manifest: 'ssd_mobilenetv1_model-weights_manifest.json', build: buildSsdMobilenetV1 },
  landmark68: { id: 'faceapi-landmark68', manifest: 'face_landmark_68_model-weights_manifest.json', build: buildLandmark68 },
  recognition: { id: 'faceapi-recognition-resnet', manifest: 'face_recognition_model-weights_manifest.json', build: buildRecognitionResnet },
} as const satisfies Record<string, TfjsConversion>;

/** face-api's model/ folder inside node_modules (no download: the weights ship in the npm package). */
export function faceApiModelDir(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
}

export function faceApiVersion(): string {
  const require = createRequire(import.meta.url);
  return (require('@vladmandic/face-api/package.json') as { version: string }).version;
}
