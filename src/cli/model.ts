/** The `--model NAME|FILE.onnx` option every command that encodes shares, and the gallery's own stack. */
import { Option } from 'commander';
import type { GalleryStore } from '../gallery/index.js';
import { DEFAULT_STACK, galleryStack, listStacks } from '../models/stacks.js';

/** `--model`: a stack's name or a model file; env LIKENESS_MODEL; default the default stack. */
export function modelOption(what = 'the model stack'): Option {
  const names = listStacks().map((s) => s.name).join(', ');
  return new Option('--model <name|file.onnx>', `${what}: ${names}, or a model trained by \`likeness train\` (env LIKENESS_MODEL)`).default(undefined, process.env.LIKENESS_MODEL ?? DEFAULT_STACK);
}

/** The model the user asked for: the option, else LIKENESS_MODEL, else undefined (the default stack). */
export function requestedModel(model: string | undefined): string | undefined {
  return model ?? (process.env.LIKENESS_MODEL || undefined);
}

/**
 * The stack to encode with for a gallery: the one asked for, else the built-in stack whose encoder
 * made the gallery's encodings (so `identify` needs no --model), else the default.
 */
export async function galleryModel(store: GalleryStore, model: string | undefined): Promise<string | undefined> {
  return requestedModel(model) ?? (await galleryStack(store));
}
