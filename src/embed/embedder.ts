/**
 * Face encodings: align each face to the embedder's template, run the network on the batch of chips
 * (optionally with their horizontal mirrors, averaged), and L2-normalise.
 */
import type ort from 'onnxruntime-node';
import { alignFace, alignmentTransform, composeAffine, dlibTemplate, fivePointsFrom68, fivePointTemplate, extractChip, mirrorHorizontal, similarityAbout, type AlignedFace, type AlignmentTemplate } from '../align/index.js';
import { imageToTensor } from '../image/sample.js';
import { l2normalize } from '../match/distance.js';
import { runModel } from '../models/session.js';
import type { EmbedderSpec } from '../models/spec.js';
import type { Affine, Point, RgbImage } from '../types.js';

export interface EmbedOptions {
  /** Average the encodings of the chip and its mirror image (test-time augmentation). Default true. */
  mirror?: boolean;
  /**
   * Also average the encodings of this many slightly shifted/scaled/rotated chips (deterministic
   * jitter, ±1.5 px, ±3 %, ±3°). Default 0. Each costs one or two more network passes per face.
   */
  jitter?: number;
}

/** Deterministic small similarity perturbations about the chip centre: [dx, dy, scale, degrees]. */
const JITTERS: readonly (readonly [number, number, number, number])[] = [
  [1.5, 0, 1, 0],
  [-1.5, 0, 1, 0],
  [0, 1.5, 1, 0],
  [0, -1.5, 1, 0],
  [0, 0, 1.03, 0],
  [0, 0, 0.97, 0],
  [0, 0, 1, 3],
  [0, 0, 1, -3],
];

export class Embedder {
  readonly template: AlignmentTemplate;

  constructor(
    readonly spec: EmbedderSpec,
    private readonly session: ort.InferenceSession,
  ) {
    const { size } = spec.input;
    this.template = spec.alignment.template === 'dlib68' ? dlibTemplate(size, spec.alignment.padding) : fivePointTemplate(size, spec.alignment.padding);
  }

  /** The image → chip transform of one face from its 68 landmarks (this embedder's template and mapping). */
  transform(landmarks68: readonly Point[]): Affine {
    return alignmentTransform(this.templatePoints(landmarks68), this.template, { mapping: this.spec.alignment.mapping ?? 'template' });
  }

  /** The aligned chip for one face from its 68 landmarks. */
  align(img: RgbImage, landmarks68: readonly Point[]): AlignedFace {
    return alignFace(img, this.templatePoints(landmarks68), this.template, { mapping: this.spec.alignment.mapping ?? 'template' });
  }

  private templatePoints(landmarks68: readonly Point[]): readonly Point[] {
    return this.spec.alignment.template === 'dlib68' ? landmarks68 : fivePointsFrom68(landmarks68);
  }

  /** Jittered chips of an aligned face (for test-time averaging). */
  jittered(img: RgbImage, face: AlignedFace, count: number): RgbImage[] {
    const n = this.spec.input.size;
    const c = { x: (n - 1) / 2, y: (n - 1) / 2 };
    return JITTERS.slice(0, count).map(([dx, dy, s, deg]) => extractChip(img, composeAffine(similarityAbout(c, s, deg, dx, dy), face.transform), n, n));
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

  /**
   * L2-normalised encodings of aligned chips. `variants[i]` are extra chips of face i (jitter) whose
   * encodings are averaged with the chip's; with `mirror`, every chip's mirror image is too.
   */
  async embedChips(chips: readonly RgbImage[], options: EmbedOptions = {}, variants: readonly (readonly RgbImage[])[] = []): Promise<Float32Array[]> {
    const mirror = options.mirror ?? true;
    const groups = chips.map((c, i) => [c, ...(variants[i] ?? [])]);
    const all = groups.flatMap((g) => (mirror ? [...g, ...g.map(mirrorHorizontal)] : g));
    const outs = await this.raw(all);
    let k = 0;
    return groups.map((g) => {
      const n = mirror ? 2 * g.length : g.length;
      const sum = new Float32Array(this.spec.outputSize);
      for (let j = 0; j < n; j++) {
        const e = l2normalize(outs[k++]!);
        for (let d = 0; d < sum.length; d++) sum[d]! += e[d]!;
      }
      return l2normalize(sum);
    });
  }
}
