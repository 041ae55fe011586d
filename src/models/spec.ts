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
  | { kind: 'bytes'; bytes: Uint8Array };

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
 * A detector whose graph outputs `boxes` [N, A, 4] as (ymin, xmin, ymax, xmax) relative to the square
 * input and `scores` [N, A] (the common SSD export contract). NMS is done by the pipeline.
 */
export interface DetectorSpec extends BaseSpec {
  task: 'detect';
  outputs: { boxes: string; scores: string };
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

export interface AlignmentSpec {
  /** 'dlib68': dlib's get_face_chip_details on the 68 landmarks; 'five-point': eye centres, nose tip, mouth corners. */
  template: 'dlib68' | 'five-point';
  /** Fraction of the face size added on each side of the chip (dlib's padding). */
  padding: number;
  /**
   * 'template' (default): template points land exactly where the template says. 'dlib': dlib's
   * extract_image_chip mapping (chip corners on pixel centres: ½ px shift), as dlib's own chips.
   */
  mapping?: 'template' | 'dlib';
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
