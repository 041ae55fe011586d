export { estimateSimilarity, invertAffine, applyAffine, composeAffine } from './similarity.js';
export { warpAffine, mirrorHorizontal } from './warp.js';
export { dlibTemplate, fivePointTemplate, fivePointsFrom68, FIVE_POINT_ORDER } from './templates.js';
export type { AlignmentTemplate } from './templates.js';
export { alignFace, alignFaces, alignmentTransform, dlibChipTransform } from './align.js';
export type { AlignOptions, AlignedFace } from './align.js';
