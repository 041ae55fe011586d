/**
 * Describing your own ONNX model so it plugs into the pipeline: fill in the facts the pipeline needs
 * and get a validated spec. Example — an ArcFace-style 112×112 BGR embedder aligned on 5 points:
 *
 *   const arc = defineEmbedder({ name: 'my-arcface', path: 'arcface.onnx', size: 112,
 *     channelOrder: 'bgr', mean: [127.5, 127.5, 127.5], std: [127.5, 127.5, 127.5],
 *     alignment: { template: 'five-point', padding: 0 }, outputSize: 512,
 *     metric: 'cosine', threshold: { value: 0.6, calibration: 'my measurement' } });
 *   const likeness = await Likeness.create({ embedder: arc });
 */
import { InvalidOptionError } from '../errors.js';
import type { AlignmentSpec, EmbedderSpec, Metric } from './spec.js';

export interface EmbedderDescription {
  name: string;
  version?: string;
  /** An .onnx file, or its bytes. */
  path?: string;
  bytes?: Uint8Array;
  /** Square input side in pixels. */
  size: number;
  channelOrder?: 'rgb' | 'bgr';
  layout?: 'nchw' | 'nhwc';
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
  inputName?: string;
  /** Output tensor name (default: "embedding"; use the graph's real output name). */
  output?: string;
  outputSize: number;
  alignment: AlignmentSpec;
  metric?: Metric;
  threshold: { value: number; calibration: string };
}

export function defineEmbedder(d: EmbedderDescription): EmbedderSpec {
  if (!d.name) throw new InvalidOptionError('embedder needs a name');
  if ((d.path === undefined) === (d.bytes === undefined)) throw new InvalidOptionError(`embedder ${d.name}: give exactly one of path or bytes`);
  if (!Number.isInteger(d.size) || d.size < 16) throw new InvalidOptionError(`embedder ${d.name}: size must be an integer ≥ 16`);
  if (!Number.isInteger(d.outputSize) || d.outputSize < 1) throw new InvalidOptionError(`embedder ${d.name}: outputSize must be a positive integer`);
  if (d.std.some((s) => !(s > 0))) throw new InvalidOptionError(`embedder ${d.name}: std must be positive`);
  if (!(d.alignment.padding >= 0)) throw new InvalidOptionError(`embedder ${d.name}: alignment padding must be ≥ 0`);
  if (!(Number.isFinite(d.threshold.value) && d.threshold.value >= 0)) throw new InvalidOptionError(`embedder ${d.name}: threshold must be ≥ 0`);
  const metric = d.metric ?? 'euclidean';
  return {
    task: 'embed',
    name: d.name,
    version: d.version ?? '1',
    source: d.path !== undefined ? { kind: 'file', path: d.path } : { kind: 'bytes', bytes: d.bytes! },
    input: {
      size: d.size,
      channelOrder: d.channelOrder ?? 'rgb',
      layout: d.layout ?? 'nchw',
      normalization: { mean: d.mean, std: d.std },
      ...(d.inputName === undefined ? {} : { name: d.inputName }),
    },
    output: d.output ?? 'embedding',
    outputSize: d.outputSize,
    alignment: d.alignment,
    metric,
    threshold: { value: d.threshold.value, metric, calibration: d.threshold.calibration },
  };
}
