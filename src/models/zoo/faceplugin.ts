/**
 * faceplugin's MobileFaceNet (1.19 M parameters, 112×112 RGB → 512-d) from the npm package
 * faceplugin-face-recognition-js 0.0.1 (MIT template licence; training data not stated). Its
 * package feeds (x − 127)/128 on the ArcFace 112 crop.
 */
import { FACEPLUGIN } from '../npm-files/packages.js';
import type { EmbedderSpec, Threshold } from '../spec.js';
import { calibratedThresholdOr } from '../thresholds.js';

export const FACEPLUGIN_EMBEDDER = 'faceplugin-mobilefacenet512';

const UNCALIBRATED: Threshold = { value: 0.7, metric: 'cosine', calibration: 'uncalibrated placeholder' };

export function facepluginMobileFaceNet(): EmbedderSpec {
  return {
    task: 'embed',
    name: FACEPLUGIN_EMBEDDER,
    version: FACEPLUGIN.version,
    description: `faceplugin's MobileFaceNet (512-d) from faceplugin-face-recognition-js@${FACEPLUGIN.version}`,
    source: { kind: 'package', package: FACEPLUGIN.name, model: 'feature', conversion: 'onnx-symbolic-batch' },
    input: { size: 112, channelOrder: 'rgb', layout: 'nchw', normalization: { mean: [127, 127, 127], std: [128, 128, 128] } },
    output: 'output',
    outputSize: 512,
    alignment: { template: 'arcface', padding: 0 },
    metric: 'cosine',
    threshold: calibratedThresholdOr(FACEPLUGIN_EMBEDDER, UNCALIBRATED),
  };
}
