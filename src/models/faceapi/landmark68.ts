/**
 * face-api's FaceLandmark68Net (the full, not tiny, 68-point iBUG landmark regressor) as ONNX.
 *
 * Input: [N, 3, 112, 112] float32, RGB, (pixel − mean) / 255 with mean [122.782, 117.001, 104.298];
 * the face crop is padded to a square (centred) before resizing. Output `landmarks`: [N, 136] =
 * 68 × (x, y), relative to the padded square (0..1).
 */
import { GraphBuilder } from '../onnx/graph.js';
import { conv, dense, depthwiseToOihw, flatten, hwioToOihw, pool, relu } from '../onnx/layers.js';
import { weight, type WeightMap } from '../tfjs-weights.js';

export const LANDMARK_INPUT = 112;

function separable(g: GraphBuilder, w: WeightMap, prefix: string, x: string, stride: number): string {
  const dw = weight(w, `${prefix}/depthwise_filter`);
  const pw = weight(w, `${prefix}/pointwise_filter`);
  const c = dw.shape[2]!;
  const y = conv(g, x, { weight: depthwiseToOihw(dw.data, dw.shape), stride, padding: 'same', group: c });
  return conv(g, y, { weight: hwioToOihw(pw.data, pw.shape), bias: weight(w, `${prefix}/bias`).data, stride: 1, padding: 'same' });
}

function denseBlock4(g: GraphBuilder, w: WeightMap, prefix: string, x: string, first: boolean): string {
  const out1 = relu(
    g,
    first
      ? conv(g, x, {
          weight: hwioToOihw(weight(w, `${prefix}/conv0/filters`).data, weight(w, `${prefix}/conv0/filters`).shape),
          bias: weight(w, `${prefix}/conv0/bias`).data,
          stride: 2,
          padding: 'same',
        })
      : separable(g, w, `${prefix}/conv0`, x, 2),
  );
  const out2 = separable(g, w, `${prefix}/conv1`, out1, 1);
  const in3 = relu(g, g.op('Add', [out1, out2]));
  const out3 = separable(g, w, `${prefix}/conv2`, in3, 1);
  const in4 = relu(g, g.op('Add', [out1, g.op('Add', [out2, out3])]));
  const out4 = separable(g, w, `${prefix}/conv3`, in4, 1);
  return relu(g, g.op('Add', [out1, g.op('Add', [out2, g.op('Add', [out3, out4])])]));
}

export function buildLandmark68(w: WeightMap): Uint8Array {
  const g = new GraphBuilder('faceapi_landmark68');
  let x = g.input('input', ['N', 3, LANDMARK_INPUT, LANDMARK_INPUT]);
  x = denseBlock4(g, w, 'dense0', x, true);
  x = denseBlock4(g, w, 'dense1', x, false);
  x = denseBlock4(g, w, 'dense2', x, false);
  x = denseBlock4(g, w, 'dense3', x, false);
  x = flatten(g, pool(g, 'AveragePool', x, 7, 2, 'valid'));
  const fc = weight(w, 'fc/weights', [256, 136]);
  g.output('landmarks', dense(g, x, fc.data, 256, 136, weight(w, 'fc/bias').data), ['N', 136]);
  return g.build({ source: '@vladmandic/face-api face_landmark_68_model', input: 'RGB (x-mean)/255, mean 122.782,117.001,104.298' });
}
