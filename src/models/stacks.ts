/**
 * Named model stacks: what a user picks in one word (`--model NAME`, `Likeness.create({ model })`,
 * `LIKENESS_MODEL`). Each is a detector, a landmark network when an encoder needs 68 landmarks, and
 * an encoder; a model file trained by `likeness train` runs on the stack of the encoder it was
 * trained from. Why the default is the default: docs/decisions.md and the README's accuracy table.
 */
import { existsSync } from 'node:fs';
import { InvalidOptionError } from '../errors.js';
import { embedderFromFile, modelFileDescription } from './model-file.js';
import type { EncoderSpec, StackSpec } from './spec.js';
import { resnet128 } from './zoo/dlib-resnet.js';
import { landmark68 } from './zoo/faceapi-landmark68.js';
import { ssdMobilenetV1 } from './zoo/faceapi-ssd.js';
import { facepluginMobileFaceNet } from './zoo/faceplugin.js';
import { retinafaceV1, retinafaceV2 } from './zoo/retinaface.js';

interface StackEntry {
  description: string;
  build: () => StackSpec;
}

const stack = (name: string, description: string, parts: Omit<StackSpec, 'name' | 'description'>): StackSpec => ({ name, description, ...parts });

const STACKS: Record<string, StackEntry> = {
  dlib: {
    description: "face-api's SSD detector and 68 landmarks, dlib's ResNet (128-d): public-domain encoder weights",
    build() {
      return stack('dlib', this.description, { detector: ssdMobilenetV1(), landmarker: landmark68(), embedder: resnet128() });
    },
  },
  'retina-dlib': {
    description: "RetinaFace mnet.25 boxes, face-api's 68 landmarks, dlib's ResNet (128-d)",
    build() {
      return stack('retina-dlib', this.description, { detector: retinafaceV1(), landmarker: landmark68(), embedder: resnet128() });
    },
  },
  faceplugin: {
    description: "RetinaFace mnet.25 with its five points, faceplugin's MobileFaceNet (512-d)",
    build() {
      return stack('faceplugin', this.description, { detector: retinafaceV2(), embedder: facepluginMobileFaceNet() });
    },
  },
};

/** The stack used when none is named. */
export const DEFAULT_STACK = 'dlib';

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

function stackForFile(file: string, embedder: EncoderSpec): StackSpec {
  const base = modelFileDescription(file).base;
  const host = (base && stackOfEncoder(base.name)) ?? builtinStack(DEFAULT_STACK);
  const needs68 = embedder.task === 'embed' && embedder.alignment.template === 'dlib68';
  const fallback68 = needs68 && !host.landmarker ? builtinStack('dlib') : host;
  return { ...fallback68, name: embedder.name, description: `${embedder.name} (${file}) on the ${fallback68.name} stack's detector`, embedder };
}
