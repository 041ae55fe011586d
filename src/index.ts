/**
 * likeness — face verification (1:1) and recognition for Node.js.
 *
 *   import { Likeness } from 'likeness';
 *   const likeness = await Likeness.create();
 *   const r = await likeness.verify('a.jpg', 'b.jpg');   // { verified, distance, threshold, … }
 */
export { Likeness, largestFirst, mainFaceScore, mainFirst } from './likeness.js';
export type { Analysis, AlignedFaceResult, EncodedFace, Face, ImageInput, LikenessOptions, StageTimings, VerifyOptions, VerifyResult } from './likeness.js';
export * from './errors.js';
export type { Affine, Box, Point, RgbImage } from './types.js';
/** Webhook signatures of the service's stream events (docs/service-streams.md). */
export { verifyWebhookSignature, signWebhook, type VerifyWebhookOptions } from './service/streams/signature.js';
export { loadImage, encodePng, imageFromRaw, DEFAULT_MAX_PIXELS } from './image/index.js';
export type { LoadImageOptions, LoadedImage } from './image/index.js';
export { DEFAULT_DETECTION, type Detection, type DetectionOptions } from './detect/detector.js';
export type { EmbedOptions } from './embed/embedder.js';
export type { FivePoints } from './landmarks/landmarker.js';
export { alignFace, dlibTemplate, extractChip, fivePointTemplate, estimateSimilarity, warpAffine } from './align/index.js';
export type { AlignmentTemplate } from './align/index.js';
export { cosineSimilarity, euclidean, l2normalize, distance, meanEncoding } from './match/distance.js';
export { decide, type Decision, type Encoding } from './match/verify.js';
export { DEFAULT_EMBEDDER, calibratedThreshold, landmark68, resnet128, ssdMobilenetV1 } from './models/registry.js';
export { defineEmbedder, type EmbedderDescription } from './models/custom.js';
export type { AlignmentSpec, DetectorSpec, EmbedderSpec, LandmarkerSpec, Metric, ModelSource, ModelSpec, Threshold } from './models/spec.js';
export { cacheDir } from './models/cache.js';
export { releaseSessions } from './models/session.js';
export { WorkerPool } from './parallel/pool.js';
export { describeEncoder, Gallery, type EnrollOptions, type GalleryEncoder, type IdentifiedFace, type IdentifyOptions, type IdentifyResult } from './gallery/gallery.js';
export { openGallery, type GalleryStore, type Subject, type StoredFace, type GalleryModel, type GalleryStats, type SearchHit } from './gallery/index.js';
export * from './gallery/errors.js';
export { blurOf, describeQuality, faceQuality, poseFromPoints, PoorQualityError, QUALITY_THRESHOLDS, type FaceQuality, type QualityReason } from './quality/index.js';
export type { Candidate } from './match/identify.js';
export { confidence, fitLogistic, type Logistic } from './match/calibration.js';
export { calibratedIdentifyThreshold, hubnessReference } from './models/registry.js';
export { adjustDistance, hubness, HUBNESS_NEIGHBOURS, type HubnessReference } from './match/hubness.js';
export { evaluateVerification, type VerifyEvalReport } from './eval/verify-eval.js';
export { evaluateIdentification, type IdentifyEvalReport } from './eval/identify-eval.js';
export { faceres } from './models/human/index.js';
export { embedderFromFile, NotALikenessModelError, EMBEDDER_METADATA_KEY, type EmbedderFileMetadata } from './models/model-file.js';
export { tripletLoss, squaredDistance, DEFAULT_ALPHA, mineTriplets, activeTriplets, squaredDistanceMatrix, MINING_STRATEGIES, readPeople, splitIdentities, trainFromFolder, saveModel, TRAIN_DEFAULTS } from './train/index.js';
export type { MiningStrategy, Triplet, Person, IdentitySplit, TrainFolderOptions, TrainFolderResult, TrainMode } from './train/index.js';
export { Liveness, LIVENESS_MODELS, DEFAULT_LIVENESS_MODEL, ChallengeSession, CHALLENGES, RANDOM_CHALLENGES, eyeAspectRatio, landmarkYaw, type LivenessFace, type ChallengeKind, type ChallengeStatus, type ChallengeFace } from './liveness/index.js';
export { FaceStream, evidenceWeight, FfmpegNotFoundError, VideoSourceError, openVideoSource, resolveFfmpeg, watch } from './stream/index.js';
export type { AnalysedFace, FrameAnalyser, SourceOptions, VideoSource, WatchOptions, StreamEvent, StreamEventType, StreamFrame, StreamGallery, StreamOptions, StreamStats, TrackView } from './stream/index.js';
