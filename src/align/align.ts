/**
 * Face alignment: fit a similarity from landmarks to a template and resample the face chip.
 */
import type { Affine, Point, RgbImage } from '../types.js';
import { composeAffine, estimateSimilarity, invertAffine } from './similarity.js';
import type { AlignmentTemplate } from './templates.js';
import { extractChip } from './warp.js';

/**
 * Bumped whenever chips change for the same landmarks and template, so encodings cached by an
 * earlier version are not reused (it is part of Likeness.settings()). 2: faces sampled more than 2
 * photo pixels per chip pixel are reduced first, as dlib's extract_image_chip does (extractChip).
 */
export const ALIGNMENT_REVISION = 2;

export interface AlignOptions {
  /**
   * How the fitted similarity becomes pixel indices of the chip.
   * - 'template' (default): the template points land exactly where the template says, i.e.
   *   transform = inverse of the least-squares fit template → landmarks.
   * - 'dlib': reproduce dlib's `extract_image_chip(img, get_face_chip_details(...))`, which turns
   *   the fit into a rectangle of side size·scale centred on fit(size/2, size/2) and maps its corner
   *   points onto pixel centres 0 and size − 1. The result differs from 'template' by a scaling of
   *   (size−1)·s/(size·s−1) about the chip centre plus a −½ px shift (s = image px per chip px);
   *   for s ≈ 1 this is just the ½ px shift. Use this to feed models trained on dlib chips.
   */
  mapping?: 'template' | 'dlib';
  /**
   * Which way the least-squares similarity is fitted: 'chip-to-image' (default, dlib's: residuals
   * in image pixels, then inverted) or 'image-to-chip' (insightface's and skimage's: residuals in
   * chip pixels). They differ only when the points do not fit a similarity exactly.
   */
  fit?: 'chip-to-image' | 'image-to-chip';
}

export interface AlignedFace {
  /** template.size × template.size RGB chip. */
  chip: RgbImage;
  /** Maps source-image coordinates to chip coordinates (pixel-centre convention). */
  transform: Affine;
}

/**
 * The image → chip transform dlib's extract_image_chip applies for a chip_details built from a
 * chip → image similarity `chipToImage` and a square chip of side `size` (see AlignOptions.mapping).
 */
export function dlibChipTransform(chipToImage: Affine, size: number): Affine {
  const s = Math.hypot(chipToImage[0], chipToImage[3]);
  const extent = size * s - 1; // dlib: centered_drect(..., size·s) spans size·s − 1 between corners
  if (size < 2) throw new RangeError(`dlibChipTransform: degenerate chip size ${size}`);
  // A fit spanning under a pixel of the image (landmarks that do not spread like a face, as on a
  // false detection) has no dlib rectangle: take the template mapping rather than fail the photo.
  if (!(extent > 0)) return invertAffine(chipToImage);
  const k = ((size - 1) / extent) * s; // scale relative to the template mapping
  const t = (size - 1) / 2 - k * (size / 2);
  return composeAffine([k, 0, t, 0, k, t], invertAffine(chipToImage));
}

/**
 * The image → chip transform for one face: least-squares similarity between the template points
 * and the corresponding landmarks. As in dlib, the fit is done chip → image (residuals measured
 * in image pixels) and then inverted.
 *
 * @param landmarks indexed by `template.landmarkIndices` (68 iBUG points for dlibTemplate,
 *   5 points for fivePointTemplate).
 */
export function alignmentTransform(
  landmarks: readonly Point[],
  template: AlignmentTemplate,
  options: AlignOptions = {},
): Affine {
  const { points, landmarkIndices } = template;
  if (points.length !== landmarkIndices.length) {
    throw new RangeError(`template ${template.name}: ${points.length} points but ${landmarkIndices.length} landmark indices`);
  }
  const picked: Point[] = new Array<Point>(landmarkIndices.length);
  for (let i = 0; i < landmarkIndices.length; i++) {
    const idx = landmarkIndices[i]!;
    const p = landmarks[idx];
    if (p === undefined) {
      throw new RangeError(`template ${template.name} needs landmark #${idx} but only ${landmarks.length} landmarks were given`);
    }
    picked[i] = p;
  }
  if (options.fit === 'image-to-chip') {
    const imageToChip = estimateSimilarity(picked, points);
    return options.mapping === 'dlib' ? dlibChipTransform(invertAffine(imageToChip), template.size) : imageToChip;
  }
  const chipToImage = estimateSimilarity(points, picked);
  return options.mapping === 'dlib' ? dlibChipTransform(chipToImage, template.size) : invertAffine(chipToImage);
}

/**
 * Aligns one face: returns the `template.size`-square chip and the image → chip transform.
 * Pixels of the chip that fall outside the image are black (see warpAffine); faces sampled more than
 * 2 photo pixels per chip pixel are reduced first (see extractChip).
 */
export function alignFace(
  img: RgbImage,
  landmarks68: readonly Point[],
  template: AlignmentTemplate,
  options: AlignOptions = {},
): AlignedFace {
  const transform = alignmentTransform(landmarks68, template, options);
  return { chip: extractChip(img, transform, template.size, template.size), transform };
}

/** Aligns several faces of the same image (one landmark set per face), in order. */
export function alignFaces(
  img: RgbImage,
  landmarkSets: readonly (readonly Point[])[],
  template: AlignmentTemplate,
  options: AlignOptions = {},
): AlignedFace[] {
  return landmarkSets.map((lm) => alignFace(img, lm, template, options));
}
