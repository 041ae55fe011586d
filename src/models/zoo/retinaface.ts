/**
 * RetinaFace mnet.25 (insightface's MobileNet-0.25 RetinaFace, WIDER FACE) as ONNX from the npm
 * package `retinaface` 0.0.6: boxes and five points per face in one pass. Its graph is fully
 * convolutional: the input dims are made symbolic so small photos run at their own size.
 *
 * v1 (exported at 512²) and v2 (640²) are different trainings: their landmark heads need
 * insightface's landmark_std 1.0 ('net3') and 0.2 ('net3l'). Measured on 27 LFW photos against
 * face-api's 68-point landmarks (median point error / box width): v1 0.033 with 1.0 (0.29 with the
 * package's 0.1818), v2 0.020 with 0.2 (1.6 with 1.0).
 */
import { RETINAFACE } from '../npm-files/packages.js';
import type { DetectorSpec } from '../spec.js';

const ANCHORS = [
  { stride: 32, sizes: [512, 256] },
  { stride: 16, sizes: [128, 64] },
  { stride: 8, sizes: [32, 16] },
] as const;

function retinaface(version: 'v1' | 'v2', size: number, landmarkStd: number): DetectorSpec {
  return {
    task: 'detect',
    name: `retinaface-mnet025-${version}`,
    version: RETINAFACE.version,
    description: `RetinaFace mnet.25 ${version} (insightface, WIDER FACE), from the npm package retinaface@${RETINAFACE.version}`,
    source: { kind: 'package', package: RETINAFACE.name, model: `mnet25${version}`, conversion: 'onnx-symbolic-hw' },
    // Raw RGB 0..255: the graph normalises itself.
    input: { size, channelOrder: 'rgb', layout: 'nchw', normalization: { mean: [0, 0, 0], std: [1, 1, 1] } },
    inputMultiple: 32,
    minFaceInInput: 16,
    decoding: { kind: 'retinaface', anchors: ANCHORS, prefix: 'face_rpn_', landmarkStd },
  };
}

export const retinafaceV1 = (size = 1280): DetectorSpec => retinaface('v1', size, 1);
export const retinafaceV2 = (size = 1280): DetectorSpec => retinaface('v2', size, 0.2);
