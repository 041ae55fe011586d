/**
 * Named model stacks: what a user picks in one word (`--model NAME`, `Likeness.create({ model })`,
 * `LIKENESS_MODEL`). Each is a detector, a landmark network when an encoder needs 68 landmarks, and
 * an encoder; a model file trained by `likeness train` runs on the stack of the encoder it was
 * trained from. Why the default is the default: docs/decisions.md and the README's accuracy table.
 */
import { existsSync } from 'node:fs';
import { InvalidOptionError } from '../errors.js';
import { embedderFromFile, modelFileDescription } from './model-file.js';
import type { EmbedderSpec, EncoderSpec, FusionSpec, StackSpec, Threshold } from './spec.js';
import { calibratedThresholdOr } from './thresholds.js';
import { resnet128 } from './zoo/dlib-resnet.js';
import { landmark68 } from './zoo/faceapi-landmark68.js';
import { ssdMobilenetV1 } from './zoo/faceapi-ssd.js';
import { facepluginMobileFaceNet } from './zoo/faceplugin.js';
import { blazefaceBack } from './zoo/blazeface.js';
import { mobileFaceNet } from './zoo/mobilefacenet.js';
import { retinafaceV1 } from './zoo/retinaface.js';

interface StackEntry {
  description: string;
  build: () => StackSpec;
}

/** The default stack's encoder: MobileFaceNet's and dlib's cosine similarities, averaged. */
export const FUSION_ENCODER = 'fusion-mobilefacenet-dlib';

/** A FusionSpec of embedders with weights (see FusionSpec: the weighted mean of their cosine similarities). */
export function fusion(name: string, version: string, parts: readonly { embedder: EmbedderSpec; weight: number }[], threshold: Threshold): FusionSpec {
  return {
    task: 'fuse',
    name,
    version,
    description: `score fusion of ${parts.map((p) => `${p.embedder.name} (weight ${p.weight})`).join(' and ')}`,
    parts,
    outputSize: parts.reduce((a, p) => a + p.embedder.outputSize, 0),
    metric: 'cosine',
    threshold,
  };
}

const stack = (name: string, description: string, parts: Omit<StackSpec, 'name' | 'description'>): StackSpec => ({ name, description, ...parts });

const STACKS: Record<string, StackEntry> = {
  fusion: {
    description:
      "the default, most accurate: RetinaFace mnet.25 boxes and points, face-api's 68 landmarks; the mean of sirius-ai's MobileFaceNet's and dlib's ResNet's cosine similarities (320-d)",
    build() {
      const t: Threshold = calibratedThresholdOr(FUSION_ENCODER, { value: 0.5, metric: 'cosine', calibration: 'uncalibrated placeholder' });
      const enc = fusion(FUSION_ENCODER, '1', [{ embedder: mobileFaceNet(), weight: 1 }, { embedder: resnet128(), weight: 1 }], t);
      return stack('fusion', this.description, { detector: retinafaceV1(), landmarker: landmark68(), embedder: enc });
    },
  },
  mobilefacenet: {
    description: "the fastest, nearly as accurate: RetinaFace mnet.25 with its five points, sirius-ai's MobileFaceNet (192-d)",
    build() {
      return stack('mobilefacenet', this.description, { detector: retinafaceV1(), embedder: mobileFaceNet() });
    },
  },
  dlib: {
    description: "likeness' first stack: face-api's SSD detector and 68 landmarks, dlib's ResNet (128-d, public-domain weights)",
    build() {
      return stack('dlib', this.description, { detector: ssdMobilenetV1(), landmarker: landmark68(), embedder: resnet128() });
    },
  },
  faceplugin: {
    description: "RetinaFace mnet.25 with its five points, faceplugin's MobileFaceNet (512-d): less accurate and slower than mobilefacenet",
    build() {
      return stack('faceplugin', this.description, { detector: retinafaceV1(), embedder: facepluginMobileFaceNet() });
    },
  },
  blazeface: {
    description: "MediaPipe BlazeFace (back camera, Apache-2.0) with its key points, sirius-ai's MobileFaceNet: misses small faces RetinaFace finds",
    build() {
      return stack('blazeface', this.description, { detector: blazefaceBack(), embedder: mobileFaceNet() });
    },
  },
};

/** The stack used when none is named. */
export const DEFAULT_STACK = 'fusion';

/** The names of the built-in stacks with one line each. */
export function listStacks(): { name: string; description: string; default: boolean }[] {
  return Object.entries(STACKS).map(([name, s]) => ({ name, description: s.description, default: name === DEFAULT_STACK }));
}

export function isStackName(name: string): boolean {
  return Object.hasOwn(STACKS, name);
}

/** A built-in stack by name. */
export function builtinStack(name: string): StackSpec {
  const s = STACKS[name];
  if (!s || !Object.hasOwn(STACKS, name)) throw new InvalidOptionError(`no model stack named ${name} (known: ${Object.keys(STACKS).join(', ')}; or give a .onnx file trained by \`likeness train\`)`);
  return s.build();
}

/** The built-in stack whose encoder has this name, if any. */
export function stackOfEncoder(encoder: string): StackSpec | undefined {
  for (const name of Object.keys(STACKS)) {
    const s = builtinStack(name);
    if (s.embedder.name === encoder) return s;
  }
  return undefined;
}

/**
 * A stack from what a user typed: a stack's name, a model file trained by `likeness train` (its
 * encoder on the stack of the encoder it was trained from, else the default stack's detector), or
 * a StackSpec as is. Undefined: the default stack.
 */
export function resolveStack(model: string | StackSpec | undefined): StackSpec {
  if (model === undefined) return builtinStack(DEFAULT_STACK);
  if (typeof model !== 'string') return model;
  if (isStackName(model)) return builtinStack(model);
  if (!model.endsWith('.onnx') && !existsSync(model)) return builtinStack(model); // the unknown-name error
  return stackForFile(model, embedderFromFile(model));
}

/** The built-in stack whose encoder made a gallery's encodings, if the gallery has any and one did. */
export async function galleryStack(store: { model(): Promise<{ name: string } | undefined> }): Promise<string | undefined> {
  const recorded = await store.model();
  return recorded ? stackOfEncoder(recorded.name)?.name : undefined;
}

function stackForFile(file: string, embedder: EncoderSpec): StackSpec {
  const base = modelFileDescription(file).base;
  const host = (base && stackOfEncoder(base.name)) ?? builtinStack(DEFAULT_STACK);
  const needs68 = embedder.task === 'embed' && embedder.alignment.template === 'dlib68';
  const fallback68 = needs68 && !host.landmarker ? builtinStack('dlib') : host;
  return { ...fallback68, name: embedder.name, description: `${embedder.name} (${file}) on the ${fallback68.name} stack's detector`, embedder };
}
