/** dlib's ResNet face-recognition network (128-d, public domain), via face-api's uint8-quantised copy of its weights. */
import { FACEAPI_CONVERSIONS, faceApiModelDir, faceApiVersion } from '../faceapi/index.js';
import type { EmbedderSpec } from '../spec.js';
import { calibratedThreshold } from '../thresholds.js';
import { FACEAPI_MEAN } from './faceapi-landmark68.js';

export const DEFAULT_EMBEDDER = 'faceapi-resnet128';

export function resnet128(): EmbedderSpec {
  return {
    task: 'embed',
    name: DEFAULT_EMBEDDER,
    version: faceApiVersion(),
    description: "dlib's ResNet face recognition network (128-d), via face-api's uint8-quantised weights",
    source: { kind: 'tfjs', conversion: FACEAPI_CONVERSIONS.recognition.id, modelDir: faceApiModelDir() },
    input: { size: 150, channelOrder: 'rgb', layout: 'nchw', normalization: { mean: FACEAPI_MEAN, std: [255, 255, 255] } },
    output: 'embedding',
    outputSize: 128,
    alignment: { template: 'dlib68', padding: 0.25 },
    metric: 'euclidean',
    threshold: calibratedThreshold(DEFAULT_EMBEDDER),
  };
}
