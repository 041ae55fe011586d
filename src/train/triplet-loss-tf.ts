/**
 * The triplet loss on tfjs tensors (the formula of triplet-loss.ts), differentiated by tfjs when
 * training: from encodings, or read from a matrix of squared distances.
 */
import * as tf from '@tensorflow/tfjs';
import { checkAlpha, DEFAULT_ALPHA } from './triplet-loss.js';

/** The per-triplet hinge terms max(d(A,P) − d(A,N) + α, 0) on [T, d] tensors: a [T] tensor. */
export function tripletTermsTf(anchor: tf.Tensor2D, positive: tf.Tensor2D, negative: tf.Tensor2D, alpha = DEFAULT_ALPHA): tf.Tensor1D {
  checkAlpha(alpha);
  return tf.tidy(() => {
    const dap = tf.sum(tf.square(tf.sub(anchor, positive)), 1);
    const dan = tf.sum(tf.square(tf.sub(anchor, negative)), 1);
    return tf.relu(tf.add(tf.sub(dap, dan), alpha)) as tf.Tensor1D;
  });
}

/** The triplet loss J (sum over the batch) on tensors; differentiable. */
export function tripletLossTf(anchor: tf.Tensor2D, positive: tf.Tensor2D, negative: tf.Tensor2D, alpha = DEFAULT_ALPHA): tf.Scalar {
  return tf.tidy(() => tf.sum(tripletTermsTf(anchor, positive, negative, alpha)) as tf.Scalar);
}

/** Squared Euclidean distances between all rows of E [n, d]: [n, n] (clamped at 0); differentiable. */
export function pairwiseSquaredDistancesTf(e: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const sq = tf.sum(tf.square(e), 1);
    const dot = tf.matMul(e, e, false, true);
    return tf.relu(tf.sub(tf.add(sq.expandDims(1), sq.expandDims(0)), tf.mul(dot, 2))) as tf.Tensor2D;
  });
}

/**
 * The hinge terms max(d(A,P) − d(A,N) + α, 0) of triplets (item indices) read from an [n, n]
 * squared-distance tensor: the same formula as tripletTermsTf, without gathering encodings.
 */
export function tripletTermsFromDistancesTf(dist: tf.Tensor2D, triplets: readonly { anchor: number; positive: number; negative: number }[], alpha = DEFAULT_ALPHA): tf.Tensor1D {
  checkAlpha(alpha);
  const n = dist.shape[0];
  return tf.tidy(() => {
    const flat = dist.reshape([n * n]);
    const ap = tf.gather(flat, tf.tensor1d(triplets.map((t) => t.anchor * n + t.positive), 'int32'));
    const an = tf.gather(flat, tf.tensor1d(triplets.map((t) => t.anchor * n + t.negative), 'int32'));
    return tf.relu(tf.add(tf.sub(ap, an), alpha)) as tf.Tensor1D;
  });
}
