/**
 * `likeness train` as a library call: people from a folder, a seeded identity split, the frozen
 * pretrained encodings (cached), a head or a from-scratch CNN trained with the triplet loss, the
 * threshold calibrated on the validation people's pairs, and the model as one ONNX file.
 */
import * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { InvalidOptionError } from '../errors.js';
import type { EncodeSetOptions } from '../eval/encode-set.js';
import { Likeness, type LikenessOptions } from '../likeness.js';
import { fitLogistic, type Logistic } from '../match/calibration.js';
import type { EmbedderFileMetadata } from '../models/model-file.js';
import { modelBytes } from '../models/session.js';
import type { TensorLayout } from '../image/sample.js';
import { alignedChips, frozenEncodings } from './dataset.js';
import { headOnnx, scratchOnnx } from './export-onnx.js';
import { Head, type HeadKind, type HeadWeights } from './head.js';
import type { MiningStrategy } from './mining.js';
import { seededRng, subSeed } from './random.js';
import { greyHalf, patches, ScratchNet, type ScratchWeights, KERNEL1 } from './scratch.js';
import { PkSampler, readPeople, splitIdentities, verificationPairs, type Person } from './split.js';
import { train, useCpuBackend, type EpochReport, type TrainableModel, type TrainResult } from './trainer.js';
import { DEFAULT_ALPHA } from './triplet-loss.js';
import { TRAIN_DEFAULTS, TRAIN_STACK } from './defaults.js';

export type TrainMode = 'head' | 'scratch';

export interface TrainFolderOptions {
  dir: string;
  mode?: TrainMode;
  /** Model name (its encodings are tagged with it; default "likeness-<mode>"). */
  name?: string;
  mining?: MiningStrategy;
  alpha?: number;
  epochs?: number;
  patience?: number;
  /** P people × K photos per batch. */
  people?: number;
  photos?: number;
  learningRate?: number;
  validationFraction?: number;
  seed?: number;
  head?: HeadKind;
  hidden?: number;
  /** Scratch mode chip side (multiple of 16). */
  size?: number;
  /** Identities left out entirely (e.g. the people of a test fold). */
  exclude?: ReadonlySet<string>;
  /** The frozen pretrained pipeline's options (detection, mirror, …). */
  engine?: LikenessOptions;
  run?: EncodeSetOptions;
  shouldStop?: () => boolean;
  onStage?: (message: string) => void;
  onBatch?: (batch: number, total: number, epoch: number) => void;
  onEpoch?: (r: EpochReport, best: boolean) => void;
}

export interface TrainFolderResult {
  bytes: Uint8Array;
  metadata: EmbedderFileMetadata;
  result: TrainResult<HeadWeights | ScratchWeights>;
  people: { train: number; validation: number; excluded: number };
  photos: { train: number; validation: number; skipped: number };
  validationPairs: number;
  logistic: Logistic;
}


const SCRATCH_MEAN = [127.5, 127.5, 127.5] as const;

function weightsVersion(w: HeadWeights | ScratchWeights): string {
  const h = createHash('sha256');
  for (const v of Object.values(w)) {
    if (v instanceof Float32Array) h.update(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
    else h.update(JSON.stringify(v));
  }
  return h.digest('hex').slice(0, 12);
}

const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;

export async function trainFromFolder(o: TrainFolderOptions): Promise<TrainFolderResult> {
  const mode = o.mode ?? 'head';
  if (mode !== 'head' && mode !== 'scratch') throw new InvalidOptionError(`unknown training mode ${String(mode)} (head or scratch)`);
  const seed = o.seed ?? 1;
  const alpha = o.alpha ?? DEFAULT_ALPHA;
  const mining = o.mining ?? 'semi-hard';
  const P = o.people ?? 16;
  const K = o.photos ?? 4;
  if (!(Number.isInteger(P) && P >= 2 && Number.isInteger(K) && K >= 2)) throw new InvalidOptionError('batches need at least 2 people × 2 photos');
  const defaults = TRAIN_DEFAULTS[mode];
  const stage = o.onStage ?? (() => {});
  await useCpuBackend();

  const all = await readPeople(o.dir);
  const people = o.exclude ? all.filter((p) => !o.exclude!.has(p.name)) : all;
  const split = splitIdentities(people, { validationFraction: o.validationFraction ?? 0.2, seed });
  const ordered: Person[] = [...split.train, ...split.validation];
  const isTrain = (person: number) => person < split.train.length;
  stage(`${people.length} people (${all.length - people.length} excluded): ${split.train.length} for training, ${split.validation.length} for validation (seed ${seed})`);

  // A head is trained on one network: by default the strongest single-network stack (the default stack is a fusion).
  const engineOptions: LikenessOptions = mode === 'head' && o.engine?.model === undefined && !o.engine?.embedder ? { ...o.engine, model: TRAIN_STACK } : (o.engine ?? {});
  // Refused before any photo is encoded.
  const engine = await Likeness.create(engineOptions);
  const encoder = engine.embedder.spec;
  if (mode === 'head' && encoder.task === 'fuse') throw new InvalidOptionError(`${encoder.name} fuses several networks: train a head on a single-network stack (--model ${TRAIN_STACK}, the default, or dlib)`);
  const base = encoder.task === 'fuse' ? undefined : encoder;
  const frozen = await frozenEncodings(ordered, engineOptions, o.run ?? {});
  const samples = frozen.samples;
  stage(`${samples.length} faces (${frozen.fromCache} encodings from the cache, ${frozen.encoded} computed in ${frozen.seconds.toFixed(1)} s; ${frozen.skipped.length} photos without a usable face)`);
  const trainIdx = samples.map((s, i) => (isTrain(s.person) ? i : -1)).filter((i) => i >= 0);
  const valIdx = samples.map((s, i) => (isTrain(s.person) ? -1 : i)).filter((i) => i >= 0);

  const rng = seededRng(seed);
  const byPerson = new Map<number, number[]>();
  for (const i of trainIdx) byPerson.set(samples[i]!.person, [...(byPerson.get(samples[i]!.person) ?? []), i]);
  const sampler = new PkSampler([...byPerson.values()], P, K, seededRng(subSeed(rng)));
  const pairs = verificationPairs(valIdx.map((i) => samples[i]!.person), seededRng(subSeed(rng)));
  const validation = { items: valIdx, pairs };
  const initSeed = subSeed(rng);

  let model: TrainableModel<HeadWeights | ScratchWeights>;
  let layout: TensorLayout | undefined;
  const padding = 0.25;
  if (mode === 'head' && base) {
    const head = Head.create({ kind: o.head ?? 'linear', inDim: base.outputSize, seed: initSeed, ...(o.hidden === undefined ? {} : { hidden: o.hidden }) });
    const emb = (items: readonly number[]) => {
      const d = base.outputSize;
      const x = new Float32Array(items.length * d);
      items.forEach((it, k) => x.set(samples[it]!.embedding, k * d));
      return tf.tensor2d(x, [items.length, d]);
    };
    model = {
      variables: head.variables,
      encode: (items) => tf.tidy(() => head.apply(emb(items))),
      weights: () => head.weights(),
    };
  } else {
    const size = o.size ?? 64;
    const net = ScratchNet.create({ size, seed: initSeed });
    layout = { size, channelOrder: 'rgb', layout: 'nchw', normalization: { mean: SCRATCH_MEAN, std: SCRATCH_MEAN } };
    stage(`aligning ${samples.length} chips at ${size}×${size} (landmarks from the cached boxes)`);
    const chips = await alignedChips(samples, layout, padding, engine);
    const greys = chips.map((c) => greyHalf(c, size));
    const g = size / 2;
    const per = (g / 2) ** 2 * KERNEL1 * KERNEL1;
    const flipRng = seededRng(subSeed(rng));
    model = {
      variables: net.variables,
      encode: (items, training) =>
        tf.tidy(() => {
          const x = new Float32Array(items.length * per);
          items.forEach((it, k) => patches(greys[it]!, g, training && flipRng() < 0.5, x, k * per));
          return net.apply(tf.tensor2d(x, [items.length * (g / 2) ** 2, KERNEL1 * KERNEL1]), items.length);
        }),
      weights: () => net.weights(),
    };
  }

  const trainPhotos = trainIdx.length;
  const result = await train(model, {
    epochs: o.epochs ?? defaults.epochs,
    patience: o.patience ?? defaults.patience,
    batchesPerEpoch: Math.max(1, Math.ceil(trainPhotos / (P * K))),
    sampler,
    mining,
    alpha,
    learningRate: o.learningRate ?? defaults.learningRate,
    validation,
    ...(o.shouldStop ? { shouldStop: o.shouldStop } : {}),
    ...(o.onBatch ? { onBatch: (b: number, t: number) => o.onBatch!(b, t, -1) } : {}),
    ...(o.onEpoch ? { onEpoch: o.onEpoch } : {}),
  });

  // Threshold: the best-accuracy threshold on the validation pairs; confidence: a logistic fit on them.
  const best = result.best;
  const logistic = fitLogistic(result.bestScored);
  const version = weightsVersion(result.bestWeights);
  const name = o.name ?? `likeness-${mode}`;
  const calibration = `likeness train (${mode}, ${mining} mining, seed ${seed}): ${pct(best.valAccuracy)} at this threshold on ${pairs.length} pairs of ${split.validation.length} validation people held out of ${path.resolve(o.dir)} (epoch ${best.epoch}; epoch 0, before training: ${pct(result.history[0]!.valAccuracy)})`;
  const training = {
    mode,
    dir: path.resolve(o.dir),
    seed,
    mining,
    alpha,
    people: { train: split.train.length, validation: split.validation.length, excluded: all.length - people.length },
    bestEpoch: best.epoch,
    epochs: result.history.length - 1,
    interrupted: result.interrupted,
    validation: { pairs: pairs.length, before: result.history[0]!.valAccuracy, after: best.valAccuracy, auc: best.valAuc },
  };
  let bytes: Uint8Array;
  let metadata: EmbedderFileMetadata;
  if (mode === 'head' && base) {
    const w = result.bestWeights as HeadWeights;
    metadata = {
      format: 1,
      name,
      version,
      description: `${w.kind} head trained with the triplet loss on ${base.name}@${base.version} encodings`,
      size: base.input.size,
      channelOrder: base.input.channelOrder,
      layout: base.input.layout,
      mean: [...base.input.normalization.mean] as [number, number, number],
      std: [...base.input.normalization.std] as [number, number, number],
      inputName: base.input.name ?? 'input',
      output: 'embedding',
      outputSize: w.outDim,
      alignment: base.alignment,
      metric: 'euclidean',
      threshold: { value: best.valThreshold, calibration, logistic },
      base: { name: base.name, version: base.version },
      training: { ...training, head: w.kind },
    };
    bytes = headOnnx(await modelBytes(base), base.output, w, metadata);
  } else {
    const w = result.bestWeights as ScratchWeights;
    metadata = {
      format: 1,
      name,
      version,
      description: `small CNN (${w.size}×${w.size} chips) trained from scratch with the triplet loss`,
      size: w.size,
      channelOrder: 'rgb',
      layout: 'nchw',
      mean: [...SCRATCH_MEAN],
      std: [...SCRATCH_MEAN],
      inputName: 'input',
      output: 'embedding',
      outputSize: w.outDim,
      alignment: { template: 'dlib68', padding },
      metric: 'euclidean',
      threshold: { value: best.valThreshold, calibration, logistic },
      training,
    };
    bytes = scratchOnnx(w, metadata);
  }
  return {
    bytes,
    metadata,
    result,
    people: { train: split.train.length, validation: split.validation.length, excluded: all.length - people.length },
    photos: { train: trainPhotos, validation: valIdx.length, skipped: frozen.skipped.length },
    validationPairs: pairs.length,
    logistic,
  };
}

/** Write a model file atomically (temp file + rename). */
export async function saveModel(file: string, bytes: Uint8Array): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, bytes);
  await rename(tmp, file);
}
