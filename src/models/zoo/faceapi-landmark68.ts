/** face-api's 68-point landmark network, converted from the tfjs weights in @vladmandic/face-api. */
import { FACEAPI_CONVERSIONS, faceApiModelDir, faceApiVersion } from '../faceapi/index.js';
import type { LandmarkerSpec } from '../spec.js';

export const FACEAPI_MEAN = [122.782, 117.001, 104.298] as const;

export function landmark68(): LandmarkerSpec {
  return {
    task: 'landmarks',
    name: 'faceapi-landmark68',
    version: faceApiVersion(),
    description: "face-api's 68-point landmark net",
    source: { kind: 'tfjs', conversion: FACEAPI_CONVERSIONS.landmark68.id, modelDir: faceApiModelDir() },
    input: { size: 112, channelOrder: 'rgb', layout: 'nchw', normalization: { mean: FACEAPI_MEAN, std: [255, 255, 255] } },
    output: 'landmarks',
    points: 68,
  };
}
