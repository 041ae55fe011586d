/**
 * How much does the recognition network's weight precision cost? face-api ships dlib's ResNet with
 * every weight tensor quantised to 8 bits (256 levels between its min and max); dlib's 99.38 % on
 * LFW is for the float weights, which are not on npm. This re-quantises the shipped weights to
 * fewer bits (8 = the shipped weights, a sanity check) and measures View 1 accuracy for each, so
 * the cost of one bit less tells roughly what the shipped 8 bits cost against float.
 *
 *   npx tsx research/quantisation-sensitivity.ts view1.csv [bits...]     # default: 8 7 6 5
 */
import path from 'node:path';
import { evaluateVerification } from '../src/eval/verify-eval.js';
import { FACEAPI_CONVERSIONS, faceApiModelDir } from '../src/models/faceapi/index.js';
import { resnet128 } from '../src/models/registry.js';
import type { EmbedderSpec } from '../src/models/spec.js';
import { readTfjsWeights, type Tensor } from '../src/models/tfjs-weights.js';
import { figuresLine } from './lib/figures.js';

const pairs = process.argv[2] ?? 'view1.csv';
const bits = process.argv.slice(3).map(Number);
const { weights } = await readTfjsWeights(path.join(faceApiModelDir(), FACEAPI_CONVERSIONS.recognition.manifest));

/** Every tensor with more than `levels` distinct values snapped to `levels` evenly spaced values between its min and max. */
function requantise(levels: number): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const [name, t] of weights) {
    const distinct = new Set(t.data).size;
    if (distinct <= levels) {
      out.set(name, t);
      continue;
    }
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of t.data) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const step = (hi - lo) / (levels - 1);
    out.set(name, { shape: t.shape, data: t.data.map((v) => lo + Math.round((v - lo) / step) * step) });
  }
  return out;
}

for (const b of bits.length ? bits : [8, 7, 6, 5]) {
  const base = resnet128();
  const spec: EmbedderSpec = {
    ...base,
    name: `${base.name}-q${b}`,
    version: `${base.version}-requantised-${b}bit`,
    source: { kind: 'bytes', bytes: FACEAPI_CONVERSIONS.recognition.build(requantise(2 ** b)) },
  };
  const { scored } = await evaluateVerification(pairs, { model: 'dlib', embedder: spec }, { label: `${b} bits` });
  console.log(figuresLine(`${b} bits`, scored));
}
