/**
 * Face encodings: align each face to the embedder's template, run the network on the batch of chips
 * (optionally with their horizontal mirrors, averaged), and L2-normalise.
 */
import type ort from 'onnxruntime-node';
import { alignFace, dlibTemplate, fivePointsFrom68, fivePointTemplate, mirrorHorizontal, type AlignedFace, type AlignmentTemplate } from '../align/index.js';
import { imageToTensor } from '../image/sample.js';
import { l2normalize } from '../match/distance.js';
import { runModel } from '../models/session.js';
import type { EmbedderSpec } from '../models/spec.js';
import type { Point, RgbImage } from '../types.js';

export interface EmbedOptions {
  /** Average the encodings of the chip and its mirror image (test-time augmentation). Default true. */
  mirror?: boolean;
}

export class Embedder {
  readonly template: AlignmentTemplate;

  constructor(
    readonly spec: EmbedderSpec,
    private readonly session: ort.InferenceSession,
  ) {
    const { size } = spec.input;
    this.template = spec.alignment.template === 'dlib68' ? dlibTemplate(size, spec.alignment.padding) : fivePointTemplate(size, spec.alignment.padding);
  }

  /** The aligned chip for one face from its 68 landmarks. */
  align(img: RgbImage, landmarks68: readonly Point[]): AlignedFace {
    const pts = this.spec.alignment.template === 'dlib68' ? landmarks68 : fivePointsFrom68(landmarks68);
    return alignFace(img, pts, this.template);
  }

  /** Raw network outputs for chips already of the input size (no normalisation, no mirroring). */
  async raw(chips: readonly RgbImage[]): Promise<Float32Array[]> {
    if (chips.length === 0) return [];
    const n = this.spec.input.size;
    const per = 3 * n * n;
    const input = new Float32Array(per * chips.length);
    chips.forEach((c, i) => imageToTensor(c, this.spec.input, input, i * per));
    const dims = this.spec.input.layout === 'nhwc' ? [chips.length, n, n, 3] : [chips.length, 3, n, n];
    const out = (await runModel(this.session, this.spec.input.name, input, dims))[this.spec.output]!.data;
    const d = this.spec.outputSize;
    return chips.map((_, i) => out.slice(i * d, (i + 1) * d));
  }

  /** L2-normalised encodings of aligned chips. */
  async embedChips(chips: readonly RgbImage[], options: EmbedOptions = {}): Promise<Float32Array[]> {
    const mirror = options.mirror ?? true;
    if (!mirror) return (await this.raw(chips)).map(l2normalize);
    const outs = await this.raw([...chips, ...chips.map(mirrorHorizontal)]);
    return chips.map((_, i) => {
      const a = l2normalize(outs[i]!);
      const b = l2normalize(outs[i + chips.length]!);
      const m = new Float32Array(a.length);
      for (let k = 0; k < m.length; k++) m[k] = a[k]! + b[k]!;
      return l2normalize(m);
    });
  }
}
