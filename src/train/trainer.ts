/**
 * The training loop shared by head and scratch modes: batches of P people × K photos, online
 * mining, the triplet loss (tfjs computes the gradients, Adam updates), and after each epoch the
 * verification accuracy on the validation people's pairs. Epoch 0 is the model before training.
 * Early stopping keeps the weights of the best validation epoch; `shouldStop` (Ctrl-C) ends the run
 * after the current batch with the best weights so far.
 */
import * as tf from '@tensorflow/tfjs';
import { InvalidOptionError } from '../errors.js';
import { auc, rocCurve } from '../eval/metrics.js';
import { bestThreshold, type Scored } from '../eval/threshold.js';
import { activeTriplets, mineTriplets, type MiningStrategy } from './mining.js';
import type { PkSampler, ItemPair } from './split.js';
import { pairwiseSquaredDistancesTf, tripletTermsFromDistancesTf } from './triplet-loss-tf.js';

/** Use tfjs's pure-JavaScript cpu backend (deterministic, no native build). */
export async function useCpuBackend(): Promise<void> {
  // Production mode: no per-op NaN checks, and no "install tfjs-node" banner on stderr (that
  // package cannot be installed offline; the cpu backend is the intended one here).
  tf.env().set('PROD', true);
  if (tf.getBackend() !== 'cpu') await tf.setBackend('cpu');
  await tf.ready();
}

export interface TrainableModel<W> {
  readonly variables: tf.Variable[];
  /** Unit encodings [items, d] of dataset items; `training` enables augmentation. */
  encode(items: readonly number[], training: boolean): tf.Tensor2D;
  weights(): W;
}

export interface Validation {
  items: number[];
  pairs: ItemPair[];
}

export interface EpochReport {
  epoch: number;
  /** Mean triplet loss per mined triplet (J / T) over the epoch's batches. */
  loss: number;
  /** Fraction of all valid triplets of the batches with a non-zero loss. */
  active: number;
  /** Mined triplets per batch (mean). */
  triplets: number;
  /** Verification accuracy on the validation pairs at their best threshold, and that threshold. */
  valAccuracy: number;
  valThreshold: number;
  valAuc: number;
  seconds: number;
}

export interface TrainOptions {
  epochs: number;
  patience: number;
  batchesPerEpoch: number;
  sampler: PkSampler;
  mining: MiningStrategy;
  alpha: number;
  learningRate: number;
  validation: Validation;
  shouldStop?: () => boolean;
  onBatch?: (batch: number, total: number) => void;
  onEpoch?: (r: EpochReport, best: boolean) => void;
}

export interface TrainResult<W> {
  history: EpochReport[];
  best: EpochReport;
  bestWeights: W;
  interrupted: boolean;
  /** Validation pair distances under the best weights (for the threshold and calibration). */
  bestScored: Scored[];
}

/** Distances of the validation pairs under the current weights. */
export function validationScores<W>(model: TrainableModel<W>, v: Validation, chunk = 256): Scored[] {
  const enc: Float32Array[] = [];
  for (let i = 0; i < v.items.length; i += chunk) {
    const t = model.encode(v.items.slice(i, i + chunk), false);
    const data = t.dataSync() as Float32Array;
    const d = t.shape[1];
    for (let k = 0; k < t.shape[0]; k++) enc.push(data.slice(k * d, (k + 1) * d));
    t.dispose();
  }
  return v.pairs.map((p) => {
    const a = enc[p.a]!;
    const b = enc[p.b]!;
    let s = 0;
    for (let k = 0; k < a.length; k++) s += (a[k]! - b[k]!) ** 2;
    return { distance: Math.sqrt(s), same: p.same };
  });
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

export async function train<W>(model: TrainableModel<W>, o: TrainOptions): Promise<TrainResult<W>> {
  if (!(Number.isInteger(o.epochs) && o.epochs >= 0)) throw new InvalidOptionError('epochs must be an integer ≥ 0');
  if (!(Number.isInteger(o.patience) && o.patience >= 1)) throw new InvalidOptionError('patience must be an integer ≥ 1');
  if (!(o.learningRate > 0)) throw new InvalidOptionError('learning rate must be > 0');
  const optimizer = tf.train.adam(o.learningRate);
  const history: EpochReport[] = [];
  let best: EpochReport | undefined;
  let bestWeights = model.weights();
  let bestScored: Scored[] = [];
  let since = 0;
  let interrupted = false;

  const validate = (): { acc: number; thr: number; auc: number; scored: Scored[] } => {
    const scored = validationScores(model, o.validation);
    const b = bestThreshold(scored);
    return { acc: b.accuracy, thr: b.threshold, auc: auc(rocCurve(scored)), scored };
  };

  for (let epoch = 0; epoch <= o.epochs; epoch++) {
    const t0 = performance.now();
    // Epoch 0 measures the untrained model on a few batches (no updates).
    const batches = epoch === 0 ? Math.min(o.batchesPerEpoch, 5) : o.batchesPerEpoch;
    let lossSum = 0;
    let mined = 0;
    let valid = 0;
    let active = 0;
    for (let b = 0; b < batches; b++) {
      const { items, labels } = o.sampler.batch();
      let batchTriplets = 0;
      const f = (): tf.Scalar => {
        const e = model.encode(items, epoch > 0);
        const dist = pairwiseSquaredDistancesTf(e);
        const dd = dist.dataSync();
        const counts = activeTriplets(dd, labels, o.alpha);
        valid += counts.valid;
        active += counts.active;
        const triplets = mineTriplets(dd, labels, o.mining, o.alpha);
        batchTriplets = triplets.length;
        if (triplets.length === 0) return tf.mul(tf.sum(dist), 0) as tf.Scalar; // keeps the graph connected; the step is skipped
        const terms = tripletTermsFromDistancesTf(dist, triplets, o.alpha);
        const j = tf.sum(terms);
        lossSum += j.dataSync()[0]!;
        // Optimise J over the triplets that still have a loss (as Hermans et al. for batch-all).
        const nActive = Math.max(1, (terms.dataSync() as Float32Array).filter((x) => x > 0).length);
        return tf.div(j, nActive) as tf.Scalar;
      };
      if (epoch === 0) tf.tidy(f);
      else {
        const { value, grads } = tf.variableGrads(f, model.variables);
        if (batchTriplets > 0) (optimizer as tf.Optimizer).applyGradients(grads);
        value.dispose();
        tf.dispose(Object.values(grads));
      }
      mined += batchTriplets;
      o.onBatch?.(b + 1, batches);
      await tick(); // lets a SIGINT handler run
      if (o.shouldStop?.()) {
        interrupted = true;
        break;
      }
    }
    if (interrupted && epoch > 0) break; // a half-done epoch is not validated; the best so far is kept
    const v = validate();
    const report: EpochReport = {
      epoch,
      loss: mined > 0 ? lossSum / mined : 0,
      active: valid > 0 ? active / valid : 0,
      triplets: mined / Math.max(1, batches),
      valAccuracy: v.acc,
      valThreshold: v.thr,
      valAuc: v.auc,
      seconds: (performance.now() - t0) / 1000,
    };
    history.push(report);
    const improved = !best || report.valAccuracy > best.valAccuracy;
    if (improved) {
      best = report;
      bestWeights = model.weights();
      bestScored = v.scored;
      since = 0;
    } else since++;
    o.onEpoch?.(report, improved);
    if (interrupted || since >= o.patience) break;
  }
  optimizer.dispose();
  return { history, best: best!, bestWeights, interrupted, bestScored };
}
