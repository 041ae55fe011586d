/**
 * The model registry: every built-in network (src/models/zoo, one file each), the named stacks
 * users pick by one word (stacks.ts), and their calibrated thresholds (thresholds.ts).
 */
export { calibratedIdentifyThreshold, calibratedThreshold, hubnessReference } from './thresholds.js';
export { ssdMobilenetV1 } from './zoo/faceapi-ssd.js';
export { landmark68 } from './zoo/faceapi-landmark68.js';
export { DEFAULT_EMBEDDER, resnet128 } from './zoo/dlib-resnet.js';
