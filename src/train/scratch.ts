/**
 * From-scratch mode: a small convolutional encoder on aligned face chips, trained end to end with
 * the triplet loss. Sized for tfjs's pure-JavaScript cpu backend (its convolution gradients are far
 * too slow for a wider net): the chip (size S, e.g. 64) is turned grey and 2×2-averaged to S/2
 * (fixed, not learned), then
 *   conv 5×5 stride 2 → relu → conv 2×2 stride 2 → relu → conv 2×2 stride 2 → relu → dense 128 → L2.
 * The first convolution runs on patches extracted once per image in JS (its input is data, so
 * only its weights need gradients); the 2×2 stride-2 convolutions are reshape/transpose + matMul
 * inside tfjs, which differentiates everything.
 */
import * as tf from '@tensorflow/tfjs';
import { InvalidOptionError } from '../errors.js';
import { l2normalizeTf } from './head.js';

export interface ScratchWeights {
  /** Chip side S (divisible by 16). */
  size: number;
  channels: [number, number, number];
  outDim: number;
  /** HWIO [5, 5, 1, c1], [2, 2, c1, c2], [2, 2, c2, c3]; dense [(S/16)²·c3, out] over NHWC-flattened features. */
  w1: Float32Array;
  b1: Float32Array;
  w2: Float32Array;
  b2: Float32Array;
  w3: Float32Array;
  b3: Float32Array;
  wd: Float32Array;
  bd: Float32Array;
}

export const KERNEL1 = 5;

/** One normalised NCHW chip [3, S, S] → the fixed preprocessing: grey (channel mean), 2×2 average: [S/2, S/2]. */
export function greyHalf(chip: Float32Array, size: number): Float32Array {
  const g = size / 2;
  const plane = size * size;
  const grey = new Float32Array(g * g);
  for (let y = 0; y < g; y++)
    for (let x = 0; x < g; x++) {
      let s = 0;
      for (let c = 0; c < 3; c++) for (let dy = 0; dy < 2; dy++) for (let dx = 0; dx < 2; dx++) s += chip[c * plane + (2 * y + dy) * size + 2 * x + dx]!;
      grey[y * g + x] = s / 12;
    }
  return grey;
}

/**
 * The first convolution's input windows: 5×5 at stride 2 with TensorFlow's "same" padding (1 before,
 * 2 after) over a [g, g] grey image, optionally mirrored: [(g/2)², 25], written at `out[offset]`.
 */
export function patches(grey: Float32Array, g: number, flip = false, out = new Float32Array((g / 2) ** 2 * KERNEL1 * KERNEL1), offset = 0): Float32Array {
  const o = g / 2;
  const k = KERNEL1;
  for (let oy = 0; oy < o; oy++)
    for (let ox = 0; ox < o; ox++)
      for (let ky = 0; ky < k; ky++)
        for (let kx = 0; kx < k; kx++) {
          const iy = 2 * oy + ky - 1;
          const ix = 2 * ox + kx - 1;
          out[offset + (oy * o + ox) * k * k + ky * k + kx] = iy >= 0 && iy < g && ix >= 0 && ix < g ? grey[iy * g + (flip ? g - 1 - ix : ix)]! : 0;
        }
  return out;
}

export class ScratchNet {
  private constructor(
    readonly size: number,
    readonly channels: [number, number, number],
    readonly outDim: number,
    private readonly vars: tf.Variable[],
  ) {}

  static create(options: { size: number; channels?: [number, number, number]; outDim?: number; seed: number }): ScratchNet {
    const size = options.size;
    if (!Number.isInteger(size) || size < 32 || size % 16 !== 0) throw new InvalidOptionError(`chip size must be a multiple of 16, at least 32; got ${size}`);
    const [c1, c2, c3] = options.channels ?? [16, 32, 64];
    const outDim = options.outDim ?? 128;
    const feat = (size / 16) ** 2 * c3;
    const he = (shape: number[], fanIn: number, k: number) => tf.variable(tf.randomNormal(shape, 0, Math.sqrt(2 / fanIn), 'float32', options.seed + k), true);
    return new ScratchNet(size, [c1, c2, c3], outDim, [
      he([KERNEL1 * KERNEL1, c1], KERNEL1 * KERNEL1, 1),
      tf.variable(tf.zeros([c1]), true),
      he([4 * c1, c2], 4 * c1, 2),
      tf.variable(tf.zeros([c2]), true),
      he([4 * c2, c3], 4 * c2, 3),
      tf.variable(tf.zeros([c3]), true),
      tf.variable(tf.randomNormal([feat, outDim], 0, Math.sqrt(1 / feat), 'float32', options.seed + 4), true),
      tf.variable(tf.zeros([outDim]), true),
    ]);
  }

  static fromWeights(w: ScratchWeights): ScratchNet {
    const [c1, c2, c3] = w.channels;
    const feat = (w.size / 16) ** 2 * c3;
    const shapes = [[KERNEL1 * KERNEL1, c1], [c1], [4 * c1, c2], [c2], [4 * c2, c3], [c3], [feat, w.outDim], [w.outDim]];
    const data = [w.w1, w.b1, w.w2, w.b2, w.w3, w.b3, w.wd, w.bd];
    return new ScratchNet(w.size, w.channels, w.outDim, data.map((d, i) => tf.variable(tf.tensor(d, shapes[i]!), true)));
  }

  get variables(): tf.Variable[] {
    return this.vars;
  }

  /** Patches of B chips (`patches`, concatenated) → unit encodings [B, out]. */
  apply(patches: tf.Tensor2D, batch: number): tf.Tensor2D {
    return tf.tidy(() => {
      const [w1, b1, w2, b2, w3, b3, wd, bd] = this.vars as [tf.Variable, tf.Variable, tf.Variable, tf.Variable, tf.Variable, tf.Variable, tf.Variable, tf.Variable];
      const g = this.size / 4;
      const [c1, c2, c3] = this.channels;
      let h = tf.relu(tf.add(tf.matMul(patches, w1 as tf.Tensor2D), b1)).reshape([batch, g, g, c1]);
      // 2×2 stride-2 convolution = space-to-depth (dy, dx, c) then a matMul with HWIO weights.
      const s2d = (x: tf.Tensor, side: number, c: number) => x.reshape([batch, side / 2, 2, side / 2, 2, c]).transpose([0, 1, 3, 2, 4, 5]).reshape([batch * (side / 2) ** 2, 4 * c]) as tf.Tensor2D;
      h = tf.relu(tf.add(tf.matMul(s2d(h, g, c1), w2 as tf.Tensor2D), b2)).reshape([batch, g / 2, g / 2, c2]);
      h = tf.relu(tf.add(tf.matMul(s2d(h, g / 2, c2), w3 as tf.Tensor2D), b3)).reshape([batch, (g / 4) ** 2 * c3]);
      return l2normalizeTf(tf.add(tf.matMul(h as tf.Tensor2D, wd as tf.Tensor2D), bd) as tf.Tensor2D);
    });
  }

  weights(): ScratchWeights {
    const d = this.vars.map((v) => new Float32Array(v.dataSync() as Float32Array));
    return { size: this.size, channels: this.channels, outDim: this.outDim, w1: d[0]!, b1: d[1]!, w2: d[2]!, b2: d[3]!, w3: d[4]!, b3: d[5]!, wd: d[6]!, bd: d[7]! };
  }

  dispose(): void {
    for (const v of this.vars) v.dispose();
  }
}
