/**
 * Does reducing a large face before resampling (extractChip, as dlib's extract_image_chip) make the
 * encoding steadier than bilinear sampling alone (warpAffine)? For every photo of the set whose
 * largest face is sampled more than 2 photo pixels per chip pixel, the encoding of the chip is
 * compared with the encodings of chips taken after moving the photo by ½–1½ px: a face moved by a
 * pixel is the same face, so the smaller the distance the better. Also prints what extractChip costs
 * for a face 2,400 px across in a 12 MP photo and, with --steps, the largest sampling step over the
 * photos of a pairs file (at steps ≤ 2 both are the same function).
 *
 *   npx tsx research/chip-aliasing.ts [../shared/data/press-photos] [--steps view1.csv]
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { composeAffine, extractChip, samplingStep, warpAffine } from '../src/align/index.js';
import { readPairs } from '../src/eval/pairs.js';
import { largestFirst, Likeness } from '../src/likeness.js';
import { euclidean } from '../src/match/distance.js';
import { WorkerPool } from '../src/parallel/pool.js';
import type { Affine, RgbImage } from '../src/types.js';

const args = process.argv.slice(2);
const stepsFile = args.includes('--steps') ? args[args.indexOf('--steps') + 1] : undefined;
const dir = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--steps') ?? '../shared/data/press-photos';
const mean = (v: readonly number[]): number => v.reduce((a, b) => a + b, 0) / v.length;

const likeness = await Likeness.create({ model: 'dlib' }); // the stack this was measured on (the default until the stacks)
const n = likeness.network.spec.input.size;
const rows = (await readFile(path.join(dir, 'labels.csv'), 'utf8')).trim().split('\n').slice(1).map((l) => l.split(','));
const moves: Record<string, number[]> = { bilinear: [], reduced: [] };
for (const [file] of rows) {
  const img = await likeness.load(path.join(dir, file!));
  const face = largestFirst((await likeness.align(img)).faces)[0];
  if (!face || samplingStep(face.transform) <= 2) continue;
  const line: string[] = [];
  for (const [name, chipOf] of [['bilinear', warpAffine], ['reduced', extractChip]] as const) {
    // the photo moved by (−dx, −dy)
    const shifted = [[0, 0], [0.5, 0], [0, 0.5], [1, 0], [0, 1], [1.5, 1.5]].map(([dx, dy]): Affine => composeAffine(face.transform, [1, 0, dx!, 0, 1, dy!]));
    const [base, ...others] = await likeness.network.embedChips(shifted.map((t) => chipOf(img, t, n, n)));
    const m = mean(others.map((e) => euclidean(base!, e)));
    moves[name]!.push(m);
    line.push(`${name} ${m.toFixed(4)}`);
  }
  console.log(`${path.basename(file!)}: step ${samplingStep(face.transform).toFixed(2)}, moved ${line.join(' | ')}`);
}
for (const [name, v] of Object.entries(moves)) console.log(`${name}: mean distance to itself under ½–1½ px moves, ${v.length} photos: ${mean(v).toFixed(4)}`);

// cost: a face whose chip covers 2,400 px of a 4000×3000 photo
const photo: RgbImage = { width: 4000, height: 3000, data: new Uint8Array(4000 * 3000 * 3).fill(90) };
const k = n / 2400;
const big: Affine = [k, 0, -800 * k, 0, k, -300 * k];
for (let i = 0; i < 3; i++) extractChip(photo, big, n, n);
const t0 = performance.now();
for (let i = 0; i < 10; i++) extractChip(photo, big, n, n);
console.log(`extractChip, chip covering 2,400 px of a 12 MP photo: ${((performance.now() - t0) / 10).toFixed(1)} ms`);

if (stepsFile) {
  const pairs = await readPairs(stepsFile);
  const files = [...new Set(pairs.flatMap((p) => [p.a, p.b]))];
  const pool = new WorkerPool(undefined, { model: 'dlib' });
  const steps = await Promise.all(
    files.map(async (f) => {
      const face = largestFirst((await pool.detect(f)).faces)[0];
      return face ? samplingStep(likeness.network.transform(face.landmarks!)) : 0;
    }),
  );
  await pool.close();
  console.log(`${path.basename(stepsFile)}: ${files.length} photos, largest sampling step ${Math.max(...steps).toFixed(2)} photo px per chip px, ${steps.filter((s) => s > 2).length} above 2`);
}
