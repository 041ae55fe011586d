/**
 * A measurement script's work split over a process per core: the parent forks itself once per part
 * with `--part i/n` added to its arguments; each child handles the files with index ≡ i (mod n).
 */
import { fork } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import os from 'node:os';

/** This process's part when it is a child (`--part i/n` among the arguments), else undefined. */
function partOf(args: readonly string[]): { part: number; parts: number } | undefined {
  const i = args.indexOf('--part');
  if (i < 0) return undefined;
  const [part, parts] = (args[i + 1] ?? '').split('/').map(Number);
  if (!Number.isInteger(part) || !Number.isInteger(parts) || parts! < 1 || part! < 0 || part! >= parts!) throw new Error(`--part wants i/n, got ${args[i + 1]}`);
  return { part: part!, parts: parts! };
}

/** Forks this script once per part (default: one per core) and waits for every child to succeed. */
async function runParts(args: readonly string[], parts = os.availableParallelism()): Promise<void> {
  await Promise.all(
    Array.from({ length: parts }, (_, part) => {
      const child = fork(process.argv[1]!, [...args, '--part', `${part}/${parts}`]);
      return new Promise<void>((resolve, reject) => child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`part ${part} exited with ${code}`)))));
    }),
  );
}

/** The items of one part: index ≡ part (mod parts). */
export const itemsOf = <T>(items: readonly T[], part: number, parts: number): T[] => items.filter((_, i) => i % parts === part);

/** Reads back what every part wrote (a float32 file of `per` vectors per item, in part order): item → its values, and the vector length. */
export async function readPartOutputs(items: readonly string[], parts: number, fileOf: (part: number) => string, per: number): Promise<{ outputs: Map<string, Float32Array>; d: number }> {
  const outputs = new Map<string, Float32Array>();
  let d = 0;
  for (let part = 0; part < parts; part++) {
    const buf = await readFile(fileOf(part));
    const all = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
    const mine = itemsOf(items, part, parts);
    d = all.length / per / mine.length;
    mine.forEach((f, i) => outputs.set(f, all.subarray(i * per * d, (i + 1) * per * d)));
  }
  return { outputs, d };
}

/**
 * A parts script's entry point: as a child, encode its part; as the parent, fork one part per core
 * (unless `--report`: reuse the saved outputs in `work`), then report.
 */
export async function partsMain(args: readonly string[], work: string, encodePart: (part: number, parts: number) => Promise<void>, report: (parts: number) => Promise<void>): Promise<void> {
  const me = partOf(args);
  if (me) return encodePart(me.part, me.parts);
  const parts = os.availableParallelism();
  if (!args.includes('--report')) {
    await mkdir(work, { recursive: true });
    await runParts(args.filter((a) => a !== '--report'), parts);
  }
  await report(parts);
}
