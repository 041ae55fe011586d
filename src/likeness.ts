/**
 * The library's one entry point: image → detect → landmarks → align → embed → verify.
 * The CLI and the service are thin shells over this class.
 */
import { ALIGNMENT_REVISION } from './align/index.js';
import { loadImage, type LoadImageOptions } from './image/index.js';
import { DETECTION_REVISION, FaceDetector, resolveDetectionOptions, type DetectionOptions } from './detect/detector.js';
import { Embedder, type EmbedOptions } from './embed/embedder.js';
import { FusedEmbedder } from './embed/fusion.js';
import { FaceIndexError, InvalidOptionError, NoFaceError } from './errors.js';
import { fivePoints, fivePointsArray, fivePointsFromArray, Landmarker, type FivePoints, type LandmarkOptions } from './landmarks/landmarker.js';
import { checkThreshold, decide, sameModel, type Decision, type Encoding } from './match/verify.js';
import { resolveStack } from './models/stacks.js';
import { decisionQuality, type DecisionQuality } from './match/quality.js';
import { faceQuality, type FaceQuality } from './quality/index.js';
import { getSession, type RuntimeOptions } from './models/session.js';
import { PRODUCER } from './models/onnx/graph.js';
import type { DetectorSpec, EmbedderSpec, EncoderSpec, LandmarkerSpec, ModelSource, StackSpec } from './models/spec.js';
import type { Affine, Box, Point, RgbImage } from './types.js';

/** A path, encoded image bytes, or already-decoded RGB pixels. */
export type ImageInput = string | Buffer | Uint8Array | RgbImage;

export interface LikenessOptions extends RuntimeOptions {
  /**
   * The model stack: a name (`likeness models` lists them; default: the default stack), a model
   * file trained by `likeness train` (its encoder on its base stack's detector), or a StackSpec.
   */
  model?: string | StackSpec;
  /** Replace the stack's detector, landmark network or encoder. */
  detector?: DetectorSpec;
  /** A 68-point landmark network; `null` runs none (five points from the detector). */
  landmarker?: LandmarkerSpec | null;
  embedder?: EncoderSpec;
  detection?: DetectionOptions;
  landmarks?: LandmarkOptions;
  embedding?: EmbedOptions;
  /** Pixel cap checked from the image header before decoding (default 40 megapixels). */
  maxPixels?: number;
}

export interface Face {
  box: Box;
  score: number;
  /** 68 iBUG landmarks in image pixels, when the stack has a landmark network. */
  landmarks?: Point[];
  /** Eyes, nose tip and mouth corners: the detector's own when it gives them, else from the 68 landmarks. */
  points5: FivePoints;
  /** Size, sharpness, pose and detection score (src/quality), with the `quality: true` option. */
  quality?: FaceQuality;
}

export interface AlignedFaceResult extends Face {
  chip: RgbImage;
  /** Image → chip similarity transform. */
  transform: Affine;
}

export interface EncodedFace extends Face {
  embedding: Float32Array;
}

export interface StageTimings {
  decodeMs: number;
  detectMs: number;
  landmarksMs: number;
  alignMs: number;
  encodeMs: number;
}

export interface Analysis<F> {
  source: string;
  width: number;
  height: number;
  faces: F[];
  timings: StageTimings;
}

export interface VerifyOptions {
  /** Override the model's calibrated threshold. */
  threshold?: number;
  /** Which face of each image to use (index into the faces sorted main face first: mainFirst). Default: the main face. */
  faceA?: number;
  faceB?: number;
}

export interface VerifyResult extends Decision {
  model: { name: string; version: string };
  /** Box of the face used in each image. */
  faces: [Box, Box];
  /** The faces' widths, whether both are wide enough for a confident decision, and each face's quality (data/quality.json). */
  quality: DecisionQuality;
  timeMs: number;
}

const area = (b: Box): number => b.width * b.height;

/** Faces sorted largest first (ties: higher score first). */
export function largestFirst<F extends { box: Box; score: number }>(faces: readonly F[]): F[] {
  return [...faces].sort((a, b) => area(b.box) - area(a.box) || b.score - a.score);
}

/**
 * How much a face is its photo's main face: its box's area minus twice the squared distance (px)
 * from the box's centre to the photo's centre — insightface's rule for the face to keep. A person
 * photographed is framed near the middle; a larger neighbour cut by the photo's edge is not the
 * subject (measured in docs/decisions.md: LFW View 1 and the open-set protocol).
 */
export function mainFaceScore(box: Box, photo: { width: number; height: number }): number {
  const dx = box.x + box.width / 2 - photo.width / 2;
  const dy = box.y + box.height / 2 - photo.height / 2;
  return area(box) - 2 * (dx * dx + dy * dy);
}

/** Faces sorted main face first (mainFaceScore; ties: higher score). This is the order of face indices (faceA, --face1). */
export function mainFirst<F extends { box: Box; score: number }>(faces: readonly F[], photo: { width: number; height: number }): F[] {
  return [...faces].sort((a, b) => mainFaceScore(b.box, photo) - mainFaceScore(a.box, photo) || b.score - a.score);
}

function isRgbImage(x: ImageInput): x is RgbImage {
  return typeof x === 'object' && !(x instanceof Uint8Array) && 'data' in x && 'width' in x && 'height' in x;
}

export class Likeness {
  private constructor(
    /** The stack's name (or the trained model's). */
    readonly stack: string,
    readonly detector: FaceDetector,
    readonly landmarker: Landmarker | undefined,
    readonly embedder: Embedder | FusedEmbedder,
    private readonly options: LikenessOptions,
  ) {}

  /** Load (and on first use convert and cache) the models. Sessions are shared per process. */
  static async create(options: LikenessOptions = {}): Promise<Likeness> {
    resolveDetectionOptions(options.detection);
    const stack = resolveStack(options.model);
    const det = options.detector ?? stack.detector;
    const lm = options.landmarker === null ? undefined : (options.landmarker ?? stack.landmarker);
    const enc = options.embedder ?? stack.embedder;
    const parts = enc.task === 'fuse' ? enc.parts.map((p) => p.embedder) : [enc];
    if (!lm && parts.some((p) => p.alignment.template === 'dlib68')) {
      throw new InvalidOptionError(`${enc.name} aligns on 68 landmarks, but the stack ${stack.name} has no landmark network`);
    }
    const [s1, s2, ...s3] = await Promise.all([getSession(det, options), lm ? getSession(lm, options) : undefined, ...parts.map((p) => getSession(p, options))]);
    const embedders = parts.map((p, i) => new Embedder(p, s3[i]!));
    const encoder = enc.task === 'fuse' ? new FusedEmbedder(enc, embedders) : embedders[0]!;
    return new Likeness(stack.name, new FaceDetector(det, s1), lm ? new Landmarker(lm, s2!) : undefined, encoder, options);
  }

  /**
   * Everything that determines an encoding, as plain data: the three model specs (sources, input
   * normalisation, alignment) and the detection, landmark and embedding options. Caches key on it.
   */
  settings(): Record<string, unknown> {
    const source = (src: ModelSource) =>
      src.kind === 'bytes' ? { kind: 'bytes', length: src.bytes.length } : src.kind === 'tfjs' ? { kind: 'tfjs', conversion: src.conversion } : src;
    const spec = (s: DetectorSpec | LandmarkerSpec | EmbedderSpec) => ({ ...s, source: source(s.source) });
    const e = this.embedder.spec;
    return {
      producer: PRODUCER,
      detector: spec(this.detector.spec),
      landmarker: this.landmarker ? spec(this.landmarker.spec) : null,
      embedder: e.task === 'fuse' ? { ...e, parts: e.parts.map((p) => ({ weight: p.weight, embedder: { ...spec(p.embedder), threshold: undefined } })), threshold: undefined } : { ...spec(e), threshold: undefined },
      // maxUpscale Infinity hashes as null (JSON), still distinct from any finite value.
      detection: { ...resolveDetectionOptions(this.options.detection), revision: DETECTION_REVISION },
      alignment: { revision: ALIGNMENT_REVISION },
      landmarks: { mirror: this.options.landmarks?.mirror ?? false, ...(this.options.landmarks?.jitter ? { jitter: this.options.landmarks.jitter } : {}) },
      embedding: { mirror: this.options.embedding?.mirror ?? true, jitter: this.options.embedding?.jitter ?? 0 },
    };
  }

  /** The encoder's network, for a single-network stack (raw passes, its template); a fusion has several. */
  get network(): Embedder {
    if (!(this.embedder instanceof Embedder)) throw new InvalidOptionError(`${this.embedder.spec.name} fuses several networks: it has no single network`);
    return this.embedder;
  }

  get model(): { name: string; version: string } {
    return { name: this.embedder.spec.name, version: this.embedder.spec.version };
  }

  /** The embedder's calibrated threshold. */
  get threshold(): number {
    return this.embedder.spec.threshold.value;
  }

  async load(input: ImageInput, options: LoadImageOptions = {}): Promise<RgbImage & { source: string }> {
    if (isRgbImage(input)) {
      if (input.data.length !== input.width * input.height * 3) throw new InvalidOptionError('RgbImage data length must be width × height × 3');
      return { ...input, source: options.source ?? '<pixels>' };
    }
    return loadImage(input, { maxPixels: this.options.maxPixels, ...options });
  }

  private async run(input: ImageInput, level: 'detect' | 'align' | 'embed', opts: { detection?: DetectionOptions; embedding?: EmbedOptions; source?: string; keepChips?: boolean; quality?: boolean }): Promise<Analysis<Face & Partial<AlignedFaceResult> & Partial<EncodedFace>>> {
    const t: StageTimings = { decodeMs: 0, detectMs: 0, landmarksMs: 0, alignMs: 0, encodeMs: 0 };
    let t0 = performance.now();
    const img = await this.load(input, opts.source === undefined ? {} : { source: opts.source });
    let t1 = performance.now();
    t.decodeMs = t1 - t0;
    // Main face first (mainFirst): the one order of faces everywhere (face indices, CLI, service).
    const dets = mainFirst(await this.detector.detect(img, { ...this.options.detection, ...opts.detection }), img);
    t0 = performance.now();
    t.detectMs = t0 - t1;
    const lms = this.landmarker ? await this.landmarker.predict(img, dets.map((d) => d.box), this.options.landmarks) : undefined;
    t1 = performance.now();
    t.landmarksMs = t1 - t0;
    const faces: (Face & Partial<AlignedFaceResult> & Partial<EncodedFace>)[] = dets.map((d, i) => {
      const l = lms?.[i];
      // The detector's own five points when it gives them (what 5-point encoders were trained on).
      const points5 = d.points ? fivePointsFromArray(d.points) : l ? fivePoints(l) : undefined;
      if (!points5) throw new InvalidOptionError(`the detector ${this.detector.spec.name} gives no points and the stack has no landmark network: faces cannot be aligned`);
      const face: Face = l ? { box: d.box, score: d.score, landmarks: l, points5 } : { box: d.box, score: d.score, points5 };
      if (opts.quality) face.quality = faceQuality(img, face);
      return face;
    });
    if (level !== 'detect') {
      const aligned = faces.map((f) => this.embedder.align(img, { ...(f.landmarks ? { landmarks: f.landmarks } : {}), points: fivePointsArray(f.points5) }));
      faces.forEach((f, i) => Object.assign(f, { chip: aligned[i]!.chip, transform: aligned[i]!.transform }));
      t0 = performance.now();
      t.alignMs = t0 - t1;
      if (level === 'embed') {
        const eo = { ...this.options.embedding, ...opts.embedding };
        const embs = await this.embedder.encode(img, aligned, eo);
        faces.forEach((f, i) => {
          f.embedding = embs[i]!;
          if (!opts.keepChips) {
            delete f.chip;
            delete f.transform;
          }
        });
        t.encodeMs = performance.now() - t0;
      }
    }
    return { source: img.source, width: img.width, height: img.height, faces, timings: t };
  }

  /** All faces with box, score, 68 landmarks and 5 points. */
  async detect(input: ImageInput, options: { detection?: DetectionOptions; source?: string; quality?: boolean } = {}): Promise<Analysis<Face>> {
    return this.run(input, 'detect', options);
  }

  /** All faces with their aligned chips (the embedder's template and size). */
  async align(input: ImageInput, options: { detection?: DetectionOptions; source?: string; quality?: boolean } = {}): Promise<Analysis<AlignedFaceResult>> {
    return (await this.run(input, 'align', options)) as Analysis<AlignedFaceResult>;
  }

  /** All faces with their L2-normalised encodings (and their aligned chips with `keepChips`, their quality with `quality`). */
  async embed(input: ImageInput, options: { detection?: DetectionOptions; embedding?: EmbedOptions; source?: string; keepChips?: boolean; quality?: boolean } = {}): Promise<Analysis<EncodedFace & Partial<AlignedFaceResult>>> {
    return (await this.run(input, 'embed', options)) as Analysis<EncodedFace & Partial<AlignedFaceResult>>;
  }

  /** The encoding of one face of an image (the main face by default, see mainFirst); NoFaceError when there is none. */
  async encodeOne(input: ImageInput, face = 0, options: { detection?: DetectionOptions; embedding?: EmbedOptions; source?: string; quality?: boolean } = {}): Promise<EncodedFace> {
    const { faces, source } = await this.embed(input, options);
    if (faces.length === 0) throw new NoFaceError(source);
    if (!Number.isInteger(face) || face < 0 || face >= faces.length) throw new FaceIndexError(source, face, faces.length);
    return faces[face]!;
  }

  /** 1:1 verification of two photos: are these the same person? */
  async verify(a: ImageInput, b: ImageInput, options: VerifyOptions = {}): Promise<VerifyResult> {
    const t0 = performance.now();
    const threshold = options.threshold ?? this.threshold;
    checkThreshold(threshold); // before any work
    const [fa, fb] = await Promise.all([this.encodeOne(a, options.faceA ?? 0, { quality: true }), this.encodeOne(b, options.faceB ?? 0, { quality: true })]);
    const d = decide(fa.embedding, fb.embedding, threshold, this.embedder.spec.metric, this.embedder.spec.threshold.logistic);
    const faces: [Box, Box] = [fa.box, fb.box];
    return { ...d, model: this.model, faces, quality: decisionQuality(faces, [fa.quality!, fb.quality!]), timeMs: performance.now() - t0 };
  }

  /** Verification of precomputed encodings (no image): plain arrays, or Encodings that carry their model. */
  verifyEncodings(a: ArrayLike<number> | Encoding, b: ArrayLike<number> | Encoding, options: { threshold?: number } = {}): Decision {
    const ea = 'embedding' in a ? a : { ...this.model, model: this.model.name, embedding: a };
    const eb = 'embedding' in b ? b : { ...this.model, model: this.model.name, embedding: b };
    sameModel({ model: this.model.name, version: this.model.version, embedding: [] }, ea);
    sameModel(ea, eb);
    return decide(ea.embedding, eb.embedding, options.threshold ?? this.threshold, this.embedder.spec.metric, this.embedder.spec.threshold.logistic);
  }

  /** An Encoding record (model-tagged) for a face encoding made by this instance. */
  encoding(embedding: Float32Array): Encoding {
    return { model: this.model.name, version: this.model.version, embedding };
  }
}
