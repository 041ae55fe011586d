export { estimateSimilarity, invertAffine, applyAffine, composeAffine, similarityAbout } from './similarity.js';
export { extractChip, samplingStep, warpAffine, mirrorHorizontal } from './warp.js';
export { arcfaceTemplate, dlibTemplate, fivePointTemplate, fivePointsFrom68, FIVE_POINT_ORDER } from './templates.js';
export type { AlignmentTemplate } from './templates.js';
export { ALIGNMENT_REVISION, alignFace, alignFaces, alignmentTransform, dlibChipTransform } from './align.js';
export type { AlignOptions, AlignedFace } from './align.js';
