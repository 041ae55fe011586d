/**
 * Head mode: a small network on the frozen pretrained encodings, trained with the triplet loss.
 * It starts as the identity (so epoch 0 reproduces the pretrained accuracy):
 * - `linear`: y = x·W + b, W = I (the first min(in, out) coordinates), b = 0;
 * - `residual`: y = x + relu(x·W1 + b1)·W2 + b2, W1 random (seeded), W2 = 0, b2 = 0;
 * then y / ‖y‖.
 */
import * as tf from '@tensorflow/tfjs';
import { InvalidOptionError } from '../errors.js';

export const HEAD_KINDS = ['linear', 'residual'] as const;
export type HeadKind = (typeof HEAD_KINDS)[number];

/** Plain weights (row-major [in, out] matrices), for saving and ONNX export. */
export type HeadWeights =
  | { kind: 'linear'; inDim: number; outDim: number; w: Float32Array; b: Float32Array }
  | { kind: 'residual'; inDim: number; outDim: number; hidden: number; w1: Float32Array; b1: Float32Array; w2: Float32Array; b2: Float32Array };

/** x / max(‖x‖, 1e-12) per row (the ONNX export uses the same formula). */
export function l2normalizeTf(x: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.div(x, tf.maximum(tf.sqrt(tf.sum(tf.square(x), 1, true)), 1e-12)) as tf.Tensor2D);
}

export class Head {
  private constructor(
    readonly kind: HeadKind,
    readonly inDim: number,
    readonly outDim: number,
    readonly hidden: number,
    private readonly vars: tf.Variable[],
  ) {}

  static create(options: { kind: HeadKind; inDim: number; outDim?: number; hidden?: number; seed: number }): Head {
    const { kind, inDim } = options;
    const outDim = options.outDim ?? inDim;
    const hidden = options.hidden ?? 256;
    if (!HEAD_KINDS.includes(kind)) throw new InvalidOptionError(`unknown head ${String(kind)} (known: ${HEAD_KINDS.join(', ')})`);
    if (!Number.isInteger(hidden) || hidden < 1) throw new InvalidOptionError('head hidden size must be a positive integer');
    if (kind === 'residual' && inDim !== outDim) throw new InvalidOptionError('a residual head keeps the encoding size');
    if (kind === 'linear') {
      const w = new Float32Array(inDim * outDim);
      for (let i = 0; i < Math.min(inDim, outDim); i++) w[i * outDim + i] = 1;
      return new Head(kind, inDim, outDim, 0, [tf.variable(tf.tensor2d(w, [inDim, outDim]), true), tf.variable(tf.zeros([outDim]), true)]);
    }
    const w1 = tf.randomNormal([inDim, hidden], 0, Math.sqrt(2 / inDim), 'float32', options.seed);
    return new Head(kind, inDim, outDim, hidden, [
      tf.variable(w1, true),
      tf.variable(tf.zeros([hidden]), true),
      tf.variable(tf.zeros([hidden, outDim]), true),
      tf.variable(tf.zeros([outDim]), true),
    ]);
  }

  static fromWeights(w: HeadWeights): Head {
    const v = (data: Float32Array, shape: number[]) => tf.variable(tf.tensor(data, shape), true);
    if (w.kind === 'linear') return new Head('linear', w.inDim, w.outDim, 0, [v(w.w, [w.inDim, w.outDim]), v(w.b, [w.outDim])]);
    return new Head('residual', w.inDim, w.outDim, w.hidden, [v(w.w1, [w.inDim, w.hidden]), v(w.b1, [w.hidden]), v(w.w2, [w.hidden, w.outDim]), v(w.b2, [w.outDim])]);
  }

  get variables(): tf.Variable[] {
    return this.vars;
  }

  /** Encodings [N, in] → unit encodings [N, out]. */
  apply(x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const [a, b, c, d] = this.vars as [tf.Variable, tf.Variable, tf.Variable?, tf.Variable?];
      const y = this.kind === 'linear' ? tf.add(tf.matMul(x, a as tf.Tensor2D), b) : tf.add(tf.add(x, tf.matMul(tf.relu(tf.add(tf.matMul(x, a as tf.Tensor2D), b)), c as tf.Tensor2D)), d!);
      return l2normalizeTf(y as tf.Tensor2D);
    });
  }

  /** A copy of the weights. */
  weights(): HeadWeights {
    const d = this.vars.map((v) => v.dataSync() as Float32Array).map((a) => new Float32Array(a));
    if (this.kind === 'linear') return { kind: 'linear', inDim: this.inDim, outDim: this.outDim, w: d[0]!, b: d[1]! };
    return { kind: 'residual', inDim: this.inDim, outDim: this.outDim, hidden: this.hidden, w1: d[0]!, b1: d[1]!, w2: d[2]!, b2: d[3]! };
  }

  dispose(): void {
    for (const v of this.vars) v.dispose();
  }
}
