/**
 * Face encodings: align each face to the embedder's template, run the network on the batch of chips
 * (optionally with their horizontal mirrors, averaged), and L2-normalise.
 */
import type ort from 'onnxruntime-node';
import { alignFace, alignmentTransform, arcfaceTemplate, composeAffine, dlibTemplate, fivePointsFrom68, fivePointTemplate, extractChip, mirrorHorizontal, similarityAbout, type AlignedFace, type AlignmentTemplate, type AlignOptions } from '../align/index.js';
import { InvalidOptionError } from '../errors.js';
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

/**
 * Where a face's points are: the 68 landmarks when a landmark network ran, and five points
 * (FIVE_POINT_ORDER) from the detector or derived from the 68.
 */
export interface FacePoints {
  landmarks?: readonly Point[];
  points: readonly Point[];
}

export function alignmentTemplate(spec: EmbedderSpec): AlignmentTemplate {
  const { size } = spec.input;
  const { template, padding } = spec.alignment;
  return template === 'dlib68' ? dlibTemplate(size, padding) : template === 'arcface' ? arcfaceTemplate(size, padding) : fivePointTemplate(size, padding);
}

export class Embedder {
  readonly template: AlignmentTemplate;

  constructor(
    readonly spec: EmbedderSpec,
    private readonly session: ort.InferenceSession,
  ) {
    this.template = alignmentTemplate(spec);
  }

  private get alignOptions(): AlignOptions {
    const a = this.spec.alignment;
    return { mapping: a.mapping ?? 'template', ...(a.fit ? { fit: a.fit } : {}) };
  }

  /** Whether aligning needs the 68 landmarks (the dlib template), not just five points. */
  get needs68(): boolean {
    return this.spec.alignment.template === 'dlib68';
  }

  /** The image → chip transform of one face (this embedder's template and mapping). */
  transform(face: FacePoints | readonly Point[]): Affine {
    return alignmentTransform(this.templatePoints(face), this.template, this.alignOptions);
  }

  /** The aligned chip for one face. */
  align(img: RgbImage, face: FacePoints | readonly Point[]): AlignedFace {
    return alignFace(img, this.templatePoints(face), this.template, this.alignOptions);
  }

  /** A bare point array is 68 landmarks (the older call form). */
  private templatePoints(face: FacePoints | readonly Point[]): readonly Point[] {
    const f: FacePoints = Array.isArray(face) ? { landmarks: face as readonly Point[], points: fivePointsFrom68(face as readonly Point[]) } : (face as FacePoints);
    if (this.needs68) {
      if (!f.landmarks) throw new InvalidOptionError(`${this.spec.name} aligns on 68 landmarks: use it with a stack that has a landmark network`);
      return f.landmarks;
    }
    return f.points;
  }

  /** L2-normalised encodings of aligned faces of `img`, with the options' mirror and jitter averaging. */
  async encode(img: RgbImage, faces: readonly AlignedFace[], options: EmbedOptions = {}): Promise<Float32Array[]> {
    const variants = options.jitter ? faces.map((f) => this.jittered(img, f, options.jitter!)) : [];
    return this.embedChips(faces.map((f) => f.chip), options, variants);
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
