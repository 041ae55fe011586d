/**
 * face-api's SSD-MobileNetV1 face detector (trained on WIDER FACE) as ONNX, box decoding included.
 *
 * Input: [N, 3, 512, 512] float32 RGB, scaled as pixel · (2/255) − 1 (face-api: x·0.0078431377 − 1).
 * Outputs: `boxes` [N, 5118, 4] as (ymin, xmin, ymax, xmax) relative to the 512×512 input, and
 * `scores` [N, 5118], the sigmoid face score of each anchor. Non-maximum suppression is left to
 * the caller (it is cheap, and its thresholds are user options).
 */
import { GraphBuilder } from '../onnx/graph.js';
import { conv, depthwiseToOihw, hwioToOihw, relu6, scaleOutputChannels } from '../onnx/layers.js';
import { weight, type WeightMap } from '../tfjs-weights.js';

export const SSD_INPUT = 512;
export const SSD_ANCHORS = 5118;
const BN_EPSILON = 0.0010000000474974513;

function pointwise(g: GraphBuilder, w: WeightMap, prefix: string, x: string, stride: number): string {
  const f = weight(w, `${prefix}/weights`);
  return relu6(g, conv(g, x, { weight: hwioToOihw(f.data, f.shape), bias: weight(w, `${prefix}/convolution_bn_offset`).data, stride, padding: 'same' }));
}

function depthwiseBn(g: GraphBuilder, w: WeightMap, prefix: string, x: string, stride: number): string {
  const f = weight(w, `${prefix}/depthwise_weights`);
  const gamma = weight(w, `${prefix}/BatchNorm/gamma`).data;
  const beta = weight(w, `${prefix}/BatchNorm/beta`).data;
  const mean = weight(w, `${prefix}/BatchNorm/moving_mean`).data;
  const variance = weight(w, `${prefix}/BatchNorm/moving_variance`).data;
  const c = f.shape[2]!;
  const k = new Float32Array(c);
  const b = new Float32Array(c);
  for (let i = 0; i < c; i++) {
    k[i] = gamma[i]! / Math.sqrt(variance[i]! + BN_EPSILON);
    b[i] = beta[i]! - mean[i]! * k[i]!;
  }
  const dw = depthwiseToOihw(f.data, f.shape);
  return relu6(g, conv(g, x, { weight: { data: scaleOutputChannels(dw.data, dw.dims, k), dims: dw.dims }, bias: b, stride, padding: 'same', group: c }));
}

/** One feature map's predictions, reordered NCHW → NHWC and flattened like tfjs does: [N, H·W·A, k]. */
function predictor(g: GraphBuilder, w: WeightMap, prefix: string, x: string, k: number): string {
  const f = weight(w, `${prefix}/weights`);
  const y = conv(g, x, { weight: hwioToOihw(f.data, f.shape), bias: weight(w, `${prefix}/biases`).data, stride: 1, padding: 'same' });
  return g.op('Reshape', [g.op('Transpose', [y], { perm: { ints: [0, 2, 3, 1] } }), g.int64s([0, -1, k], 'shape')]);
}

export function buildSsdMobilenetV1(w: WeightMap): Uint8Array {
  const g = new GraphBuilder('faceapi_ssd_mobilenetv1');
  let x = g.input('input', ['N', 3, SSD_INPUT, SSD_INPUT]);

  // MobileNetV1 backbone.
  x = pointwise(g, w, 'MobilenetV1/Conv2d_0_pointwise', x, 2);
  let conv11 = '';
  for (let i = 1; i <= 13; i++) {
    x = depthwiseBn(g, w, `MobilenetV1/Conv2d_${i}_depthwise`, x, [2, 4, 6, 12].includes(i) ? 2 : 1);
    x = pointwise(g, w, `MobilenetV1/Conv2d_${i}_pointwise`, x, 1);
    if (i === 11) conv11 = x;
  }

  // Extra feature layers.
  const p = (i: number, input: string, stride: number): string => pointwise(g, w, `Prediction/Conv2d_${i}_pointwise`, input, stride);
  const c0 = p(0, x, 1);
  const c1 = p(1, c0, 2);
  const c3 = p(3, p(2, c1, 1), 2);
  const c5 = p(5, p(4, c3, 1), 2);
  const c7 = p(7, p(6, c5, 1), 2);
  const maps = [conv11, x, c1, c3, c5, c7];

  const enc = g.op('Concat', maps.map((m, i) => predictor(g, w, `Prediction/BoxPredictor_${i}/BoxEncodingPredictor`, m, 4)), { axis: { i: 1 } });
  const cls = g.op('Concat', maps.map((m, i) => predictor(g, w, `Prediction/BoxPredictor_${i}/ClassPredictor`, m, 3)), { axis: { i: 1 } });

  // Box decoding against the anchors (face-api's outputLayer): centre += enc/10 · size, size · exp(enc/5).
  const anchors = weight(w, 'Output/extra_dim', [1, SSD_ANCHORS, 4]).data;
  const centre = new Float32Array(SSD_ANCHORS * 2);
  const size = new Float32Array(SSD_ANCHORS * 2);
  for (let a = 0; a < SSD_ANCHORS; a++) {
    const [y0, x0, y1, x1] = [anchors[a * 4]!, anchors[a * 4 + 1]!, anchors[a * 4 + 2]!, anchors[a * 4 + 3]!];
    size[a * 2] = y1 - y0;
    size[a * 2 + 1] = x1 - x0;
    centre[a * 2] = y0 + size[a * 2]! / 2;
    centre[a * 2 + 1] = x0 + size[a * 2 + 1]! / 2;
  }
  const sizeC = g.constant(size, [SSD_ANCHORS, 2], 'anchor_size');
  const [encCentre, encSize] = g.ops('Split', [enc, g.int64s([2, 2], 'split')], { axis: { i: 2 } }, 2) as [string, string];
  const ctr = g.op('Add', [g.op('Mul', [g.op('Mul', [encCentre, g.constant([0.1], [], 'tenth')]), sizeC]), g.constant(centre, [SSD_ANCHORS, 2], 'anchor_centre')]);
  const half = g.op('Mul', [g.op('Mul', [g.op('Exp', [g.op('Mul', [encSize, g.constant([0.2], [], 'fifth')])]), sizeC]), g.constant([0.5], [], 'half')]);
  const boxes = g.op('Concat', [g.op('Sub', [ctr, half]), g.op('Add', [ctr, half])], { axis: { i: 2 } });
  g.output('boxes', boxes, ['N', SSD_ANCHORS, 4]);

  const faceLogit = g.op('Slice', [cls, g.int64s([1], 'start'), g.int64s([2], 'end'), g.int64s([2], 'axis')]);
  const scores = g.op('Squeeze', [g.op('Sigmoid', [faceLogit]), g.int64s([2], 'axis')]);
  g.output('scores', scores, ['N', SSD_ANCHORS]);
  return g.build({ source: '@vladmandic/face-api ssd_mobilenetv1_model', input: 'RGB x*2/255-1, 512x512' });
}
