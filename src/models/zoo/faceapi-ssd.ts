/** face-api's SSD-MobileNetV1 face detector (WIDER FACE), converted from the tfjs weights in @vladmandic/face-api. */
import { FACEAPI_CONVERSIONS, faceApiModelDir, faceApiVersion } from '../faceapi/index.js';
import type { DetectorSpec } from '../spec.js';

export function ssdMobilenetV1(): DetectorSpec {
  return {
    task: 'detect',
    name: 'faceapi-ssd-mobilenetv1',
    version: faceApiVersion(),
    description: "face-api's SSD-MobileNetV1 face detector (WIDER FACE)",
    source: { kind: 'tfjs', conversion: FACEAPI_CONVERSIONS.ssd.id, modelDir: faceApiModelDir() },
    input: { size: 512, channelOrder: 'rgb', layout: 'nchw', normalization: { mean: [127.5, 127.5, 127.5], std: [127.5, 127.5, 127.5] } },
    decoding: { kind: 'ssd', boxes: 'boxes', scores: 'scores' },
  };
}
