/**
 * The built-in models: face-api's three networks converted to ONNX. Thresholds come from
 * data/thresholds.json, each with the measurement that produced it.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ModelError } from '../errors.js';
import { FACEAPI_CONVERSIONS, faceApiModelDir, faceApiVersion } from './faceapi/index.js';
import type { HubnessReference } from '../match/hubness.js';
import type { DetectorSpec, EmbedderSpec, LandmarkerSpec, Threshold } from './spec.js';

const FACEAPI_MEAN = [122.782, 117.001, 104.298] as const;

interface ThresholdFile {
  [model: string]: Threshold & {
    accuracy?: number;
    command?: string;
    measured?: string;
    /** Open-set thresholds: `value` on raw distances, `hubness.value` on hubness-corrected ones. */
    identify?: { value: number; hubness?: HubnessReference & { value: number } };
  };
}

let thresholds: ThresholdFile | undefined;

function thresholdFile(): ThresholdFile {
  if (!thresholds) {
    const file = fileURLToPath(new URL('../../data/thresholds.json', import.meta.url));
    thresholds = JSON.parse(readFileSync(file, 'utf8')) as ThresholdFile;
  }
  return thresholds;
}

/**
 * The open-set identification threshold for a model, when one was calibrated: on hubness-corrected
 * distances (the default) or on raw ones.
 */
export function calibratedIdentifyThreshold(model: string, options: { hubness?: boolean } = {}): number | undefined {
  const id = thresholdFile()[model]?.identify;
  return (options.hubness ?? true) && id?.hubness ? id.hubness.value : id?.value;
}

/** The model's reference hubness (see src/match/hubness.ts), when one was measured. */
export function hubnessReference(model: string): HubnessReference | undefined {
  const h = thresholdFile()[model]?.identify?.hubness;
  return h ? { k: h.k, reference: h.reference } : undefined;
}

/** Calibrated thresholds shipped with the package (data/thresholds.json). */
export function calibratedThreshold(model: string): Threshold {
  const t = thresholdFile()[model];
  if (!t) throw new ModelError(`no calibrated threshold for model ${model} in data/thresholds.json`);
  return { value: t.value, metric: t.metric, calibration: t.calibration, ...(t.logistic ? { logistic: t.logistic } : {}) };
}

export function ssdMobilenetV1(): DetectorSpec {
  return {
    task: 'detect',
    name: 'faceapi-ssd-mobilenetv1',
    version: faceApiVersion(),
    description: "face-api's SSD-MobileNetV1 face detector (WIDER FACE)",
    source: { kind: 'tfjs', conversion: FACEAPI_CONVERSIONS.ssd.id, modelDir: faceApiModelDir() },
    input: { size: 512, channelOrder: 'rgb', layout: 'nchw', normalization: { mean: [127.5, 127.5, 127.5], std: [127.5, 127.5, 127.5] } },
    outputs: { boxes: 'boxes', scores: 'scores' },
  };
}

export function landmark68(): LandmarkerSpec {
  return {
    task: 'landmarks',
    name: 'faceapi-landmark68',
    version: faceApiVersion(),
    description: "face-api's 68-point landmark net",
    source: { kind: 'tfjs', conversion: FACEAPI_CONVERSIONS.landmark68.id, modelDir: faceApiModelDir() },
    input: { size: 112, channelOrder: 'rgb', layout: 'nchw', normalization: { mean: FACEAPI_MEAN, std: [255, 255, 255] } },
    output: 'landmarks',
    points: 68,
  };
}

export const DEFAULT_EMBEDDER = 'faceapi-resnet128';

export function resnet128(): EmbedderSpec {
  return {
    task: 'embed',
    name: DEFAULT_EMBEDDER,
    version: faceApiVersion(),
    description: "dlib's ResNet face recognition network (128-d), via face-api's uint8-quantised weights",
    source: { kind: 'tfjs', conversion: FACEAPI_CONVERSIONS.recognition.id, modelDir: faceApiModelDir() },
    input: { size: 150, channelOrder: 'rgb', layout: 'nchw', normalization: { mean: FACEAPI_MEAN, std: [255, 255, 255] } },
    output: 'embedding',
    outputSize: 128,
    alignment: { template: 'dlib68', padding: 0.25 },
    metric: 'euclidean',
    threshold: calibratedThreshold(DEFAULT_EMBEDDER),
  };
}
