/**
 * A trained likeness model is ONE ONNX file that carries its own description: the embedder spec
 * (input size, channel order, layout, normalisation, alignment, output, metric, calibrated
 * threshold with its calibration and logistic) as JSON in the ONNX `metadata_props` under
 * `likeness.embedder`. `embedderFromFile(path)` reads it back as a validated EmbedderSpec, so
 * `--model PATH` needs nothing else.
 */
import { readFileSync } from 'node:fs';
import onnxProto from 'onnx-proto';
import { LikenessError } from '../errors.js';
import { defineEmbedder } from './custom.js';
import type { AlignmentSpec, EmbedderSpec, Metric } from './spec.js';

export const EMBEDDER_METADATA_KEY = 'likeness.embedder';

/** What a likeness model file says about itself (JSON in metadata_props). */
export interface EmbedderFileMetadata {
  format: 1;
  name: string;
  version: string;
  description?: string;
  size: number;
  channelOrder: 'rgb' | 'bgr';
  layout: 'nchw' | 'nhwc';
  mean: [number, number, number];
  std: [number, number, number];
  inputName: string;
  output: string;
  outputSize: number;
  alignment: AlignmentSpec;
  metric: Metric;
  threshold: { value: number; calibration: string; logistic?: { a: number; b: number } };
  /** The pretrained model a head was trained on (head mode). */
  base?: { name: string; version: string };
  /** How it was trained (mode, data, epochs, validation accuracy…), for people reading the file. */
  training?: Record<string, unknown>;
}

/** The file is not a likeness model (not ONNX, or no `likeness.embedder` description). */
export class NotALikenessModelError extends LikenessError {
  constructor(file: string, detail: string) {
    super('E_NOT_A_MODEL', `${file}: not a likeness model (${detail})`);
  }
}

/** The metadata_props of an ONNX model. */
export function onnxMetadata(bytes: Uint8Array): Record<string, string> {
  const m = onnxProto.onnx.ModelProto.decode(bytes);
  return Object.fromEntries((m.metadataProps ?? []).map((p) => [p.key ?? '', p.value ?? '']));
}

/** Validate the description of a model file as an EmbedderSpec whose graph is the file. */
export function embedderFromMetadata(meta: EmbedderFileMetadata, file: string): EmbedderSpec {
  const spec = defineEmbedder({
    name: meta.name,
    version: meta.version,
    path: file,
    size: meta.size,
    channelOrder: meta.channelOrder,
    layout: meta.layout,
    mean: meta.mean,
    std: meta.std,
    inputName: meta.inputName,
    output: meta.output,
    outputSize: meta.outputSize,
    alignment: meta.alignment,
    metric: meta.metric,
    threshold: { value: meta.threshold.value, calibration: meta.threshold.calibration },
  });
  const l = meta.threshold.logistic;
  const logistic = l && Number.isFinite(l.a) && Number.isFinite(l.b) ? { logistic: { a: l.a, b: l.b } } : {};
  return { ...spec, ...(meta.description ? { description: meta.description } : {}), threshold: { ...spec.threshold, ...logistic } };
}

/** What a likeness model file (written by `likeness train`) says about itself, checked for its format. */
export function modelFileDescription(file: string): EmbedderFileMetadata {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new LikenessError('E_MODEL_READ', `${file}: cannot read model (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let meta: Record<string, string>;
  try {
    meta = onnxMetadata(bytes);
  } catch (e) {
    throw new NotALikenessModelError(file, `not an ONNX file: ${(e as Error).message}`);
  }
  const json = meta[EMBEDDER_METADATA_KEY];
  if (json === undefined) throw new NotALikenessModelError(file, `no ${EMBEDDER_METADATA_KEY} in its metadata`);
  let parsed: EmbedderFileMetadata;
  try {
    parsed = JSON.parse(json) as EmbedderFileMetadata;
  } catch (e) {
    throw new NotALikenessModelError(file, `${EMBEDDER_METADATA_KEY} is not JSON: ${(e as Error).message}`);
  }
  if (parsed?.format !== 1) throw new NotALikenessModelError(file, `unknown description format ${String(parsed?.format)}`);
  return parsed;
}

/** The embedder spec of a likeness model file (written by `likeness train`). */
export function embedderFromFile(file: string): EmbedderSpec {
  const parsed = modelFileDescription(file);
  try {
    return embedderFromMetadata(parsed, file);
  } catch (e) {
    if (e instanceof LikenessError) throw e;
    throw new NotALikenessModelError(file, `incomplete description: ${(e as Error).message}`);
  }
}
