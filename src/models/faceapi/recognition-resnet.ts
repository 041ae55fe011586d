/**
 * face-api's FaceRecognitionNet — dlib's `dlib_face_recognition_resnet_model_v1` (a ResNet-29-ish
 * network, 150×150 RGB in, 128-d out) ported to tfjs — rebuilt as an ONNX graph.
 *
 * Input: [N, 3, 150, 150] float32, RGB, normalised as (pixel − mean) / 255 with mean
 * [122.782, 117.001, 104.298]. Output `embedding`: [N, 128], not L2-normalised (the pipeline does it).
 *
 * Each conv layer is conv + bias then a per-channel affine "scale" layer (dlib's affine in place of
 * batch norm); both are folded into the convolution's weights and bias.
 */
import { GraphBuilder } from '../onnx/graph.js';
import { conv, dense, flatten, hwioToOihw, pad, pool, relu, scaleOutputChannels } from '../onnx/layers.js';
import { weight, type WeightMap } from '../tfjs-weights.js';

export const RECOGNITION_INPUT = 150;

function foldedConv(g: GraphBuilder, w: WeightMap, prefix: string, x: string, stride: number, padding: 'same' | 'valid'): string {
  const f = weight(w, `${prefix}/conv/filters`);
  const bias = weight(w, `${prefix}/conv/bias`).data;
  const s = weight(w, `${prefix}/scale/weights`).data;
  const sb = weight(w, `${prefix}/scale/biases`).data;
  const oihw = hwioToOihw(f.data, f.shape);
  const folded = { data: scaleOutputChannels(oihw.data, oihw.dims, s), dims: oihw.dims };
  const b = new Float32Array(bias.length);
  for (let i = 0; i < b.length; i++) b[i] = bias[i]! * s[i]! + sb[i]!;
  return conv(g, x, { weight: folded, bias: b, stride, padding });
}

interface Shape {
  c: number;
  hw: number;
}

/** Output spatial size of a 3×3 stride-2 VALID conv and of a 2×2 stride-2 VALID average pool. */
const convDownSize = (hw: number): number => Math.floor((hw - 3) / 2) + 1;
const poolSize = (hw: number): number => Math.floor((hw - 2) / 2) + 1;

function residual(g: GraphBuilder, w: WeightMap, prefix: string, x: string): string {
  let out = relu(g, foldedConv(g, w, `${prefix}/conv1`, x, 1, 'same'));
  out = foldedConv(g, w, `${prefix}/conv2`, out, 1, 'same');
  return relu(g, g.op('Add', [out, x]));
}

function residualDown(g: GraphBuilder, w: WeightMap, prefix: string, x: string, inShape: Shape, outC: number): [string, Shape] {
  let out = relu(g, foldedConv(g, w, `${prefix}/conv1`, x, 2, 'valid'));
  out = foldedConv(g, w, `${prefix}/conv2`, out, 1, 'same');
  let pooled = pool(g, 'AveragePool', x, 2, 2, 'valid');
  const outHw = convDownSize(inShape.hw);
  const poolHw = poolSize(inShape.hw);
  // face-api pads the conv branch with a zero row and column at the end when the pooled branch is larger.
  if (poolHw !== outHw) out = pad(g, out, [0, 0, 0, 0], [0, 0, poolHw - outHw, poolHw - outHw]);
  // …and the pooled branch with zero channels.
  if (inShape.c !== outC) pooled = pad(g, pooled, [0, 0, 0, 0], [0, outC - inShape.c, 0, 0]);
  return [relu(g, g.op('Add', [pooled, out])), { c: outC, hw: poolHw }];
}

export function buildRecognitionResnet(w: WeightMap): Uint8Array {
  const g = new GraphBuilder('faceapi_recognition_resnet');
  const input = g.input('input', ['N', 3, RECOGNITION_INPUT, RECOGNITION_INPUT]);
  let x = relu(g, foldedConv(g, w, 'conv32_down', input, 2, 'valid'));
  let shape: Shape = { c: 32, hw: Math.floor((RECOGNITION_INPUT - 7) / 2) + 1 };
  x = pool(g, 'MaxPool', x, 3, 2, 'valid');
  shape = { c: 32, hw: Math.floor((shape.hw - 3) / 2) + 1 };
  for (const name of ['conv32_1', 'conv32_2', 'conv32_3']) x = residual(g, w, name, x);
  [x, shape] = residualDown(g, w, 'conv64_down', x, shape, 64);
  for (const name of ['conv64_1', 'conv64_2', 'conv64_3']) x = residual(g, w, name, x);
  [x, shape] = residualDown(g, w, 'conv128_down', x, shape, 128);
  for (const name of ['conv128_1', 'conv128_2']) x = residual(g, w, name, x);
  [x, shape] = residualDown(g, w, 'conv256_down', x, shape, 256);
  for (const name of ['conv256_1', 'conv256_2']) x = residual(g, w, name, x);
  [x, shape] = residualDown(g, w, 'conv256_down_out', x, shape, 256);
  x = flatten(g, g.op('GlobalAveragePool', [x]));
  const fc = weight(w, 'fc', [256, 128]);
  g.output('embedding', dense(g, x, fc.data, 256, 128), ['N', 128]);
  return g.build({ source: '@vladmandic/face-api face_recognition_model', input: 'RGB (x-mean)/255, mean 122.782,117.001,104.298' });
}
