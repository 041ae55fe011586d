/**
 * How much one more resampling of every photo costs, measured on View 1: a diagnostic for the last
 * suspect of the gap to dlib's published figure. This copy of LFW is the deep-funneled one: each
 * photo was warped once more than the originals dlib measured on (a learned similarity/affine
 * alignment, resampled). Here every photo goes through one more warp before the default pipeline:
 *
 *   half-pixel shift     a (½, ½) px translation: bilinear's strongest blur (a 2×2 mean), no geometry
 *   random similarity    rotation U(−5°, 5°), scale U(0.95, 1.05), shift U(−3, 3) px about the centre
 *                        (seeded per photo), as an alignment would, with its blur
 *
 * and the other way, whether sharpening the photos given wins back what their resampling cost:
 *
 *   unsharp mask a       x + a·(x − B x), B the 3×3 binomial blur ([1 2 1]/4 each way), a = 0.5 or 1
 *
 *   npx tsx research/resampling-sensitivity.ts view1.csv            # encode (a process per core), then report
 *   npx tsx research/resampling-sensitivity.ts view1.csv --report   # report from the saved encodings
 *
 * Work files go to $LIKENESS_EXPERIMENTS (default <tmp>/likeness-resampling).
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { similarityAbout, warpAffine } from '../src/align/index.js';
import { largestFirst, Likeness } from '../src/likeness.js';
import { seededRng } from '../src/random.js';
import type { RgbImage } from '../src/types.js';
import { figuresLine, pairDistances } from './lib/figures.js';
import { pairsExperiment } from './lib/parts.js';

const VARIANTS = ['as given', 'half-pixel shift', 'random similarity', 'unsharp mask 0.5', 'unsharp mask 1'] as const;
const exp = await pairsExperiment('resampling');

/** Unsharp mask: x + amount·(x − B x) with B the separable [1 2 1]/4 blur (edges clamped), rounded and clipped. */
function unsharp(img: RgbImage, amount: number): RgbImage {
  const { width: w, height: h, data } = img;
  const at = (x: number, y: number, c: number): number => data[(Math.min(h - 1, Math.max(0, y)) * w + Math.min(w - 1, Math.max(0, x))) * 3 + c]!;
  const out = new Uint8Array(data.length);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let c = 0; c < 3; c++) {
        let blur = 0;
        for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) blur += (2 - Math.abs(dx)) * (2 - Math.abs(dy)) * at(x + dx, y + dy, c);
        const v = at(x, y, c);
        out[(y * w + x) * 3 + c] = Math.min(255, Math.max(0, Math.round(v + amount * (v - blur / 16))));
      }
  return { width: w, height: h, data: out };
}

async function encodePart(part: number, parts: number): Promise<void> {
  const likeness = await Likeness.create({ model: 'dlib', intraOpThreads: 1 });
  const d = likeness.embedder.spec.outputSize;
  const mine = exp.mine(part, parts);
  const out = new Float32Array(mine.length * VARIANTS.length * d).fill(Number.NaN);
  for (const [i, file] of mine.entries()) {
    const img = await likeness.load(file);
    const rnd = seededRng(createHash('sha256').update(path.basename(file)).digest().readUInt32LE(0));
    const between = (lo: number, hi: number): number => lo + (hi - lo) * rnd();
    const images = [
      img,
      warpAffine(img, [1, 0, 0.5, 0, 1, 0.5], img.width, img.height),
      warpAffine(img, similarityAbout({ x: (img.width - 1) / 2, y: (img.height - 1) / 2 }, between(0.95, 1.05), between(-5, 5), between(-3, 3), between(-3, 3)), img.width, img.height),
      unsharp(img, 0.5),
      unsharp(img, 1),
    ];
    for (const [k, image] of images.entries()) {
      const face = largestFirst((await likeness.embed(image)).faces)[0];
      if (face) out.set(face.embedding, (i * VARIANTS.length + k) * d);
    }
    if ((i + 1) % 500 === 0) process.stderr.write(`part ${part}: ${i + 1}/${mine.length}\n`);
  }
  await exp.save(part, parts, out);
}

async function report(parts: number): Promise<void> {
  const { outputs, d } = await exp.load(parts, VARIANTS.length);
  VARIANTS.forEach((name, k) => {
    let none = 0;
    const vec = (f: string): Float32Array | undefined => {
      const v = outputs.get(f)?.subarray(k * d, (k + 1) * d);
      if (!v || Number.isNaN(v[0])) {
        none++;
        return undefined;
      }
      return v;
    };
    const line = figuresLine(name, pairDistances(exp.pairs, vec));
    console.log(`${line}${none ? ` (${none} pair sides without a face)` : ''}`);
  });
}

await exp.run(encodePart, report);
