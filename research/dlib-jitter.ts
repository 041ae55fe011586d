/**
 * dlib's test-time jitter, measured on View 1 (never to choose on View 2). dlib's example says its
 * ResNet gets 99.38 % on LFW when each descriptor is the mean over 100 copies of the chip made by
 * dlib::jitter_image, and 99.13 % without. jitter_image, reproduced here: a crop of the chip shrunk by
 * 3 px a side, moved by up to ±2 % of its size (whole pixels), enlarged 1.01–1.04× (box of
 * size/U(0.97, 1)), rotated by U(−3°, 3°) and mirrored half of the time (here: every other copy).
 * Each copy is warped from the photo in one resampling (dlib resamples its chip again). The default
 * pipeline otherwise: largest face, face-api's 68 landmarks, dlib template at 150 px.
 *
 *   npx tsx research/dlib-jitter.ts view1.csv            # encode (a process per core, ~27 min on 2), then report
 *   npx tsx research/dlib-jitter.ts view1.csv --report   # report from the saved outputs
 *
 * Work files (the 102 raw network outputs per photo: chip, mirror, 100 copies) go to
 * $LIKENESS_EXPERIMENTS (default <tmp>/likeness-dlib-jitter).
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { composeAffine, extractChip, mirrorHorizontal, similarityAbout } from '../src/align/index.js';
import { largestFirst, Likeness } from '../src/likeness.js';
import { seededRng, type Rng } from '../src/random.js';
import { l2normalize } from '../src/match/distance.js';
import type { Affine } from '../src/types.js';
import { figuresLine, pairDistances } from './lib/figures.js';
import { pairsExperiment } from './lib/parts.js';

const COPIES = 100;
const PER = COPIES + 2; // chip, its mirror, the copies
const exp = await pairsExperiment('dlib-jitter');

/** One draw of dlib::jitter_image's geometry as a chip → chip similarity (n: chip size). */
function jitter(rnd: Rng, n: number): Affine {
  const between = (lo: number, hi: number): number => lo + (hi - lo) * rnd();
  const inner = n - 6;
  const tx = Math.round(between(-0.02, 0.02) * inner);
  const ty = Math.round(between(-0.02, 0.02) * inner);
  const box = Math.floor(inner / between(0.97, 0.99999));
  // the crop centred t from the chip's centre, enlarged to fill the chip and rotated about its centre
  return composeAffine(similarityAbout({ x: (n - 1) / 2, y: (n - 1) / 2 }, (n - 1) / (box - 1), between(-3, 3)), [1, 0, -tx, 0, 1, -ty]);
}

async function encodePart(part: number, parts: number): Promise<void> {
  const likeness = await Likeness.create({ model: 'dlib', intraOpThreads: 1 });
  const mine = exp.mine(part, parts);
  const d = likeness.embedder.spec.outputSize;
  const out = new Float32Array(mine.length * PER * d).fill(Number.NaN);
  for (const [i, file] of mine.entries()) {
    const img = await likeness.load(file);
    const face = largestFirst((await likeness.align(img)).faces)[0];
    if (face) {
      const rnd = seededRng(createHash('sha256').update(path.basename(file)).digest().readUInt32LE(0));
      const n = face.chip.width;
      const copies = Array.from({ length: COPIES }, (_, j) => {
        const c = extractChip(img, composeAffine(jitter(rnd, n), face.transform), n, n);
        return j % 2 ? mirrorHorizontal(c) : c;
      });
      const chips = [face.chip, mirrorHorizontal(face.chip), ...copies];
      for (let s = 0; s < chips.length; s += 34) {
        (await likeness.network.raw(chips.slice(s, s + 34))).forEach((v, k) => out.set(v, (i * PER + s + k) * d));
      }
    }
    if ((i + 1) % 500 === 0) process.stderr.write(`part ${part}: ${i + 1}/${mine.length}\n`);
  }
  await exp.save(part, parts, out);
}

async function report(parts: number): Promise<void> {
  const { outputs, d } = await exp.load(parts, PER);
  /** Mean of the chosen outputs (each L2-normalised, or raw as dlib averages), L2-normalised. */
  const mean = (picks: readonly number[], normalise = true) => (o: Float32Array): Float32Array => {
    const sum = new Float32Array(d);
    for (const j of picks) {
      const v = o.subarray(j * d, (j + 1) * d);
      const u = normalise ? l2normalize(v) : v;
      for (let k = 0; k < d; k++) sum[k]! += u[k]!;
    }
    return l2normalize(sum);
  };
  const line = (label: string, encode: (o: Float32Array) => Float32Array): void => {
    const enc = new Map<string, Float32Array | undefined>();
    for (const [f, o] of outputs) enc.set(f, Number.isNaN(o[0]) ? undefined : encode(o));
    console.log(figuresLine(label, pairDistances(exp.pairs, (f) => enc.get(f))));
  };
  const copies = (n: number): number[] => Array.from({ length: n }, (_, j) => 2 + j);
  line('chip + mirror (the default)', mean([0, 1]));
  for (const n of [2, 4, 10, 20, 50, 100]) line(`${n} jittered copies`, mean(copies(n)));
  line('100 jittered copies, raw outputs averaged (dlib)', mean(copies(100), false));
  line('chip + mirror + 100 jittered copies', mean([0, 1, ...copies(100)]));
}

await exp.run(encodePart, report);
