/**
 * Does reducing a large face before resampling (extractChip, as dlib's extract_image_chip) make the
 * encoding steadier than bilinear sampling alone (warpAffine)? For every press photo whose largest
 * face is sampled more than 2 photo pixels per chip pixel, the encoding of the chip is compared with
 * the encodings of chips taken after moving the photo by ½–1½ px: a face moved by a pixel is the same
 * face, so the smaller the distance the better. LFW's faces are all sampled under 1.3 photo px per
 * chip px, where both are the same function.
 *
 *   npx tsx scripts/chip-aliasing.ts [../shared/data/press-photos]
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Likeness, largestFirst } from '../src/likeness.js';
import { composeAffine, extractChip, warpAffine } from '../src/align/index.js';
import { euclidean } from '../src/match/distance.js';
import type { Affine } from '../src/types.js';
const dir = process.argv[2] ?? '../shared/data/press-photos';
const rows = (await readFile(path.join(dir, 'labels.csv'), 'utf8')).trim().split('\n').slice(1).map((l) => l.split(','));
const lk = await Likeness.create();
const res: Record<string, number[]> = { bilinear: [], pyramid: [] };
for (const [p] of rows) {
  const img = await lk.load(path.join(dir, p!));
  const f = largestFirst((await lk.align(img)).faces)[0];
  if (!f) continue;
  const step = 1 / Math.hypot(f.transform[0], f.transform[3]);
  if (step <= 2) continue;
  const line: string[] = [];
  for (const [name, fn] of [['bilinear', warpAffine], ['pyramid', extractChip]] as const) {
    const [base] = await lk.embedder.embedChips([fn(img, f.transform, 150, 150)]);
    const ds: number[] = [];
    for (const [dx, dy] of [[0.5, 0], [0, 0.5], [1, 0], [0, 1], [1.5, 1.5]]) {
      const shifted: Affine = composeAffine(f.transform, [1, 0, dx!, 0, 1, dy!]); // the photo moved by (−dx, −dy)
      const [e] = await lk.embedder.embedChips([fn(img, shifted, 150, 150)]);
      ds.push(euclidean(base!, e!));
    }
    const m = ds.reduce((a, b) => a + b, 0) / ds.length;
    res[name]!.push(m);
    line.push(`${name} ${m.toFixed(4)}`);
  }
  console.log(path.basename(p!), 'step', step.toFixed(2), line.join(' | '));
}
for (const [k, v] of Object.entries(res)) console.log(k, 'mean distance to itself under ≤1.5 px shifts:', (v.reduce((a, b) => a + b, 0) / v.length).toFixed(4));
