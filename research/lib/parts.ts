/**
 * A measurement over a pair list, split over a process per core: the parent forks itself once per
 * part with `--part i/n` added to its arguments; each child encodes the photos with index ≡ i (mod n)
 * into one float32 file of fixed-length vectors per photo; the parent then reports from those files
 * (`--report` reports from the files of an earlier run without encoding again).
 */
import { fork } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { readPairs, type Pair } from '../../src/eval/pairs.js';

export interface PairsExperiment {
  pairs: Pair[];
  /** Every photo of the pairs, once, sorted. */
  files: string[];
  /** The photos one part encodes. */
  mine(part: number, parts: number): string[];
  /** Writes one part's vectors (`per` per photo of `mine(part, parts)`, in that order). */
  save(part: number, parts: number, values: Float32Array): Promise<void>;
  /** Reads back every part's vectors: photo → its `per` vectors, and the vector length. */
  load(parts: number, per: number): Promise<{ outputs: Map<string, Float32Array>; d: number }>;
  /** As a child, encode this process's part; as the parent, fork one part per core (unless `--report`), then report. */
  run(encodePart: (part: number, parts: number) => Promise<void>, report: (parts: number) => Promise<void>): Promise<void>;
}

/**
 * The pair list named on the command line (default `view1.csv`); work files go to
 * $LIKENESS_EXPERIMENTS (default `<tmp>/likeness-<name>`).
 */
export async function pairsExperiment(name: string, args = process.argv.slice(2)): Promise<PairsExperiment> {
  const pairsFile = args.find((a) => !a.startsWith('--')) ?? 'view1.csv';
  const work = process.env.LIKENESS_EXPERIMENTS ?? path.join(os.tmpdir(), `likeness-${name}`);
  const pairs = await readPairs(pairsFile);
  const files = [...new Set(pairs.flatMap((p) => [p.a, p.b]))].sort();
  const partFile = (part: number, parts: number): string => path.join(work, `${path.basename(pairsFile)}-${part}-of-${parts}.f32`);
  const mine = (part: number, parts: number): string[] => files.filter((_, i) => i % parts === part);
  return {
    pairs,
    files,
    mine,
    save: (part, parts, values) => writeFile(partFile(part, parts), Buffer.from(values.buffer, values.byteOffset, values.byteLength)),
    async load(parts, per) {
      const outputs = new Map<string, Float32Array>();
      let d = 0;
      for (let part = 0; part < parts; part++) {
        const buf = await readFile(partFile(part, parts));
        const all = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
        const photos = mine(part, parts);
        d = all.length / per / photos.length;
        photos.forEach((f, i) => outputs.set(f, all.subarray(i * per * d, (i + 1) * per * d)));
      }
      return { outputs, d };
    },
    async run(encodePart, report) {
      const me = partOf(args);
      if (me) return encodePart(me.part, me.parts);
      const parts = os.availableParallelism();
      if (!args.includes('--report')) {
        await mkdir(work, { recursive: true });
        await Promise.all(
          Array.from({ length: parts }, (_, part) => {
            const child = fork(process.argv[1]!, [pairsFile, '--part', `${part}/${parts}`]);
            return new Promise<void>((resolve, reject) => child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`part ${part} exited with ${code}`)))));
          }),
        );
      }
      await report(parts);
    },
  };
}

/** This process's part when it is a child (`--part i/n` among the arguments), else undefined. */
function partOf(args: readonly string[]): { part: number; parts: number } | undefined {
  const i = args.indexOf('--part');
  if (i < 0) return undefined;
  const [part, parts] = (args[i + 1] ?? '').split('/').map(Number);
  if (!Number.isInteger(part) || !Number.isInteger(parts) || parts! < 1 || part! < 0 || part! >= parts!) throw new Error(`--part wants i/n, got ${args[i + 1]}`);
  return { part: part!, parts: parts! };
}
