/** The triplet loss on hand-computed values, its tfjs twins, and their agreement. */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../src/errors.js';
import { tripletLoss } from '../src/index.js';
import { pairwiseSquaredDistancesTf, tripletLossTf, tripletTermsFromDistancesTf } from '../src/train/triplet-loss-tf.js';
import { useCpuBackend } from '../src/train/trainer.js';

beforeAll(useCpuBackend);

describe('tripletLoss', () => {
  it('is max(‖A−P‖² − ‖A−N‖² + α, 0) for one triplet, with α = 0.2 by default', () => {
    // ‖A−P‖² = 1² + 0² = 1; ‖A−N‖² = 1² + 1² = 2; 1 − 2 + 0.2 < 0 → 0 (the hinge)
    expect(tripletLoss([0, 0], [1, 0], [1, 1])).toBe(0);
    // ‖A−P‖² = 4, ‖A−N‖² = 1: 4 − 1 + 0.2 = 3.2
    expect(tripletLoss([0, 0], [2, 0], [0, 1])).toBeCloseTo(3.2, 12);
    // exactly on the hinge: 1 − 1.2 + 0.2 = 0
    expect(tripletLoss([0], [1], [Math.sqrt(1.2)])).toBeCloseTo(0, 12);
  });

  it('α moves the hinge: a triplet satisfied by 0.1 is inactive at α 0.05 and costs 0.1 at α 0.2', () => {
    // d(A,P) = 0.9, d(A,N) = 1.0 (squared)
    const a = [0, 0, 0];
    const p = [0.9 ** 0.5, 0, 0];
    const n = [0, 1, 0];
    expect(tripletLoss(a, p, n, 0.05)).toBe(0);
    expect(tripletLoss(a, p, n, 0.2)).toBeCloseTo(0.1, 12);
    expect(tripletLoss(a, p, n, 1)).toBeCloseTo(0.9, 12);
    expect(tripletLoss(a, p, n, 0)).toBe(0);
  });

  it('sums over the batch (hinged terms count 0)', () => {
    const A = [[0, 0], [0, 0], [1, 1]];
    const P = [[2, 0], [1, 0], [1, 1]];
    const N = [[0, 1], [1, 1], [1, 1.5]];
    // 3.2 + 0 + (0 − 0.25 + 0.2 = −0.05 → 0)
    expect(tripletLoss(A, P, N)).toBeCloseTo(3.2, 12);
    expect(tripletLoss(A, P, N, 0.5)).toBeCloseTo(3.5 + 0 + 0.25, 12);
    expect(tripletLoss(A.map((x) => Float32Array.from(x)), P, N)).toBeCloseTo(3.2, 6);
  });

  it('refuses mismatched batches, lengths and margins with typed errors', () => {
    expect(() => tripletLoss([[0, 0]], [[1, 0], [1, 1]], [[0, 1]])).toThrow(InvalidOptionError);
    expect(() => tripletLoss([0, 0], [1, 0, 0], [0, 1])).toThrow(InvalidOptionError);
    expect(() => tripletLoss([0], [1], [2], -0.1)).toThrow(InvalidOptionError);
  });

  it('the tfjs versions give the same numbers and a gradient', () => {
    const rnd = (n: number, seed: number) => Array.from({ length: n }, (_, i) => Array.from({ length: 8 }, (_, j) => Math.sin(seed * 13.1 + i * 7.7 + j * 3.3)));
    const [A, P, N] = [rnd(5, 1), rnd(5, 2), rnd(5, 3)];
    const plain = tripletLoss(A, P, N, 0.7);
    expect(plain).toBeGreaterThan(0);
    const t = tripletLossTf(tf.tensor2d(A), tf.tensor2d(P), tf.tensor2d(N), 0.7);
    expect(t.dataSync()[0]).toBeCloseTo(plain, 4);
    // via the distance matrix of all 15 rows: triplet i = (i, 5 + i, 10 + i)
    const E = tf.tensor2d([...A, ...P, ...N]);
    const D = pairwiseSquaredDistancesTf(E);
    const terms = tripletTermsFromDistancesTf(D, A.map((_, i) => ({ anchor: i, positive: 5 + i, negative: 10 + i })), 0.7);
    expect(tf.sum(terms).dataSync()[0]).toBeCloseTo(plain, 4);
    const g = tf.grad((x: tf.Tensor) => tripletLossTf(x as tf.Tensor2D, tf.tensor2d(P), tf.tensor2d(N), 0.7))(tf.tensor2d(A));
    expect(Math.max(...Array.from(g.dataSync()).map(Math.abs))).toBeGreaterThan(0);
  });
});
