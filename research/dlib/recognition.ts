/**
 * dlib's face-recognition ResNet (`dlib_face_recognition_resnet_model_v1.dat`, float32, CC0) as the
 * weight map face-api's graph builder takes, so the float network and face-api's uint8-quantised
 * copy of it run through one ONNX graph definition (src/models/faceapi/recognition-resnet.ts).
 *
 * The file holds 29 con_ layers, each followed by its affine_ (dlib's test-time batch norm), and one
 * fc_ without bias: in data-flow order the 7×7 stem, then two 3×3 convolutions per residual block,
 * which is the order of face-api's names below.
 */
import { ModelError } from '../../src/errors.js';
import { transposeData } from '../../src/models/tfjs-graph/tensor.js';
import type { Tensor, WeightMap } from '../../src/models/tfjs-weights.js';
import { readDlibNetwork, type DlibLayer } from './dat.js';

const BLOCKS = ['conv32_1', 'conv32_2', 'conv32_3', 'conv64_down', 'conv64_1', 'conv64_2', 'conv64_3', 'conv128_down', 'conv128_1', 'conv128_2', 'conv256_down', 'conv256_1', 'conv256_2', 'conv256_down_out'];

/** face-api's prefixes for the 29 conv + scale pairs, in data-flow order. */
export const RESNET_CONV_PREFIXES = ['conv32_down', ...BLOCKS.flatMap((b) => [`${b}/conv1`, `${b}/conv2`])];

export function dlibResnetWeights(buf: Uint8Array, file = 'dlib_face_recognition_resnet_model_v1.dat'): WeightMap {
  const layers = readDlibNetwork(buf, file);
  const cons = layers.filter((l) => l.type === 'con');
  const affines = layers.filter((l) => l.type === 'affine');
  const fcs = layers.filter((l) => l.type === 'fc');
  if (cons.length !== RESNET_CONV_PREFIXES.length || affines.length !== cons.length || fcs.length !== 1) {
    throw new ModelError(`${file}: expected 29 con_, 29 affine_ and 1 fc_ layers (dlib's face ResNet), found ${cons.length}, ${affines.length}, ${fcs.length}`);
  }
  const map = new Map<string, Tensor>();
  RESNET_CONV_PREFIXES.forEach((prefix, k) => {
    const con: DlibLayer = cons[k]!;
    const aff: DlibLayer = affines[k]!;
    const [o, i, h, w] = con.shape as [number, number, number, number];
    if (aff.shape[0] !== o) throw new ModelError(`${file}: layer ${prefix} has ${o} filters but its affine_ has ${aff.shape[0]} channels`);
    const nw = o * i * h * w;
    // dlib's [out, in, h, w] filters in face-api's (tfjs) [h, w, in, out] layout.
    map.set(`${prefix}/conv/filters`, transposeData(con.params.subarray(0, nw), con.shape, [2, 3, 1, 0]));
    map.set(`${prefix}/conv/bias`, { shape: [o], data: con.bias ? con.params.slice(nw) : new Float32Array(o) });
    map.set(`${prefix}/scale/weights`, { shape: [o], data: aff.params.slice(0, o) });
    map.set(`${prefix}/scale/biases`, { shape: [o], data: aff.params.slice(o) });
  });
  const fc = fcs[0]!;
  if (fc.shape[0] !== 256 || fc.shape[1] !== 128) throw new ModelError(`${file}: fc_ is [${fc.shape}], expected [256, 128] without bias`);
  map.set('fc', { shape: [256, 128], data: fc.params });
  return map;
}
