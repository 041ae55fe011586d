export { blurOf, describeQuality, faceQuality, poseFromPoints, PoorQualityError, QUALITY_THRESHOLDS } from './face-quality.js';
export type { FaceQuality, QualityData, QualityReason } from './face-quality.js';
