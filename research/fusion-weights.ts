/**
 * The fusion's weights: the default stack averages MobileFaceNet's and dlib's cosine similarities
 * with equal weights. This scores each pair list (LFW View 1's two files by default, each with its
 * own best threshold, as research/stack-variants.ts does) at other weights, from the fusion's cached
 * encodings: a fused encoding is the two parts' unit encodings scaled by √weight and renormalised,
 * so each part is recovered from it exactly and any weight costs no network pass.
 *
 *   npx tsx research/fusion-weights.ts [--pairs FILE]...
 */
import { parseArgs } from 'node:util';
import { encodeSet } from '../src/eval/encode-set.js';
import { auc, rocCurve, tarAtFar } from '../src/eval/metrics.js';
import { readPairs } from '../src/eval/pairs.js';
import { bestThreshold } from '../src/eval/threshold.js';
import { mainFace } from '../src/eval/verify-eval.js';
import { l2normalize } from '../src/match/distance.js';
import { builtinStack } from '../src/models/stacks.js';

const { values } = parseArgs({ options: { pairs: { type: 'string', multiple: true, default: ['../shared/data/lfw/pairsDevTrain.txt', '../shared/data/lfw/pairsDevTest.txt'] } } });
const spec = builtinStack('fusion').embedder;
if (spec.task !== 'fuse') throw new Error('the fusion stack is not a fusion');
const sizes = spec.parts.map((p) => p.embedder.outputSize);
const weights = [0, 0.5, 0.75, 1, 1.25, 1.5, 2, 3, Infinity]; // MobileFaceNet's weight, dlib's = 1 (0: dlib alone, ∞: MobileFaceNet alone)

const dot = (a: Float32Array, b: Float32Array): number => a.reduce((s, x, i) => s + x * b[i]!, 0);
const rows: string[] = [];
const results = new Map<number, string[]>(weights.map((w) => [w, []]));
for (const file of values.pairs!) {
  const pairs = await readPairs(file);
  const enc = await encodeSet(pairs.flatMap((p) => [p.a, p.b]), { model: 'fusion' }, { label: file });
  const parts = (f: string): Float32Array[] | undefined => {
    const r = enc.results.get(f);
    const face = r?.ok ? mainFace(r) : undefined;
    if (!face) return undefined;
    let o = 0;
    return sizes.map((n) => l2normalize(face.embedding.slice(o, (o += n))));
  };
  const sims = pairs.map((p) => {
    const a = parts(p.a);
    const b = parts(p.b);
    return { same: p.same, c: a && b ? a.map((x, k) => dot(x, b[k]!)) : undefined };
  });
  for (const w of weights) {
    const scored = sims.map((s) => {
      if (!s.c) return { distance: Infinity, same: s.same };
      const [mfn, dlib] = s.c as [number, number];
      const sim = w === Infinity ? mfn : (w * mfn + dlib) / (w + 1);
      return { distance: 1 - sim, same: s.same };
    });
    const roc = rocCurve(scored);
    results.get(w)!.push(`${(bestThreshold(scored).accuracy * 100).toFixed(2)} % (AUC ${auc(roc).toFixed(5)}, TAR@1e-3 ${(tarAtFar(roc, 1e-3).tar * 100).toFixed(2)} %)`);
  }
  rows.push(file);
}
console.log(`| MobileFaceNet : dlib | ${rows.join(' | ')} |`);
console.log(`| --- |${rows.map(() => ' --- |').join('')}`);
for (const [w, r] of results) console.log(`| ${w === Infinity ? '1 : 0' : `${w} : 1`} | ${r.join(' | ')} |`);
