/**
 * The triplet loss (FaceNet, Schroff et al. 2015): for anchors A, positives P (same person) and
 * negatives N (another person),
 *
 *   J = Σᵢ max(‖f(Aᵢ) − f(Pᵢ)‖² − ‖f(Aᵢ) − f(Nᵢ)‖² + α, 0),   α = 0.2 by default.
 *
 * `tripletLoss` computes it on plain encodings (users, tests); triplet-loss-tf.ts has the same
 * formula on tfjs tensors, differentiated by tfjs when training.
 */
import { InvalidOptionError } from '../errors.js';

export const DEFAULT_ALPHA = 0.2;

/** ‖a − b‖², squared Euclidean distance. */
export function squaredDistance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new InvalidOptionError(`encodings of different lengths (${a.length} and ${b.length})`);
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    s += d * d;
  }
  return s;
}

export function checkAlpha(alpha: number): void {
  if (!(Number.isFinite(alpha) && alpha >= 0)) throw new InvalidOptionError(`the triplet margin α must be a number ≥ 0, got ${alpha}`);
}

/**
 * The triplet loss summed over a batch: anchor[i], positive[i], negative[i] are the encodings of
 * triplet i (any equal length). One triplet may be passed as three plain vectors.
 */
export function tripletLoss(
  anchor: readonly ArrayLike<number>[] | ArrayLike<number>,
  positive: readonly ArrayLike<number>[] | ArrayLike<number>,
  negative: readonly ArrayLike<number>[] | ArrayLike<number>,
  alpha = DEFAULT_ALPHA,
): number {
  checkAlpha(alpha);
  const batch = (x: readonly ArrayLike<number>[] | ArrayLike<number>): ArrayLike<number>[] =>
    typeof (x as ArrayLike<unknown>)[0] === 'number' || (x as ArrayLike<unknown>).length === 0 ? [x as ArrayLike<number>] : [...(x as readonly ArrayLike<number>[])];
  const [a, p, n] = [batch(anchor), batch(positive), batch(negative)];
  if (a.length !== p.length || a.length !== n.length) throw new InvalidOptionError(`anchor, positive and negative batches differ in size (${a.length}, ${p.length}, ${n.length})`);
  let j = 0;
  for (let i = 0; i < a.length; i++) j += Math.max(squaredDistance(a[i]!, p[i]!) - squaredDistance(a[i]!, n[i]!) + alpha, 0);
  return j;
}
