export { Liveness, livenessSpec, LIVENESS_MODELS, DEFAULT_LIVENESS_MODEL, livenessCanvas, type LivenessFace, type LivenessModelName } from './passive.js';
export { ChallengeSession, CHALLENGES, RANDOM_CHALLENGES, DEFAULT_CHALLENGE_PARAMS, eyeAspectRatio, landmarkYaw, type ChallengeFace, type ChallengeKind, type ChallengeOptions, type ChallengeParams, type ChallengeState, type ChallengeStatus } from './challenge.js';
export { ChallengeStore } from './store.js';
export { livenessThreshold, type LivenessThreshold } from './thresholds.js';
