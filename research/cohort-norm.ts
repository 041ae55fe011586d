/**
 * Cohort score normalisation for verification, measured from cached encodings: each image's
 * similarity to the pair partner is standardised by its similarities to a cohort of faces of
 * people who are not in the pair list (S-norm: whole cohort; adaptive S-norm: its K nearest).
 * Cross-validated accuracy over the list's folds; run it on View 1, never to choose on View 2.
 *
 *   npx tsx research/cohort-norm.ts view1.csv ../shared/data/lfw [cohortSize]
 */
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { encodeSet } from '../src/eval/encode-set.js';
import { crossValidate, rocCurve, tarAtFar } from '../src/eval/metrics.js';
import { readPairs } from '../src/eval/pairs.js';
import { mainFace } from '../src/eval/verify-eval.js';

const pairs = await readPairs(process.argv[2] ?? 'view1.csv');
const lfw = process.argv[3] ?? '../shared/data/lfw';
const cohortSize = Number(process.argv[4] ?? 3000);

// The cohort: one image per person among the people absent from the pair list (sorted, deterministic).
const inPairs = new Set(pairs.flatMap((p) => [path.basename(path.dirname(p.a)), path.basename(path.dirname(p.b))]));
const labels = (await readFile(path.join(lfw, 'labels.csv'), 'utf8')).trim().split('\n').slice(1).map((l) => l.split(','));
const firstOf = new Map<string, string>();
for (const [p, id] of labels) if (!inPairs.has(id!) && !firstOf.has(id!)) firstOf.set(id!, path.join(lfw, p!));
const step = Math.max(1, Math.floor(firstOf.size / cohortSize));
const cohortFiles = [...firstOf.values()].filter((_, i) => i % step === 0).slice(0, cohortSize);

const files = [...new Set(pairs.flatMap((p) => [p.a, p.b]))];
const enc = await encodeSet([...files, ...cohortFiles], { model: 'dlib' }, { label: 'encoding' });
const vec = (f: string) => {
  const r = enc.results.get(f);
  return r?.ok ? mainFace(r)?.embedding : undefined;
};
const cohort = cohortFiles.map(vec).filter((v): v is Float32Array => v !== undefined);
const d = cohort[0]!.length;
const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < d; i++) s += a[i]! * b[i]!;
  return s;
};
console.log(`pairs ${pairs.length}, cohort ${cohort.length} people not in the list`);

/** Mean and std of an image's cosine similarities to its top-k cohort faces (k = all: S-norm). */
const statsCache = new Map<string, Map<number, { mu: number; sigma: number }>>();
function stats(file: string, v: Float32Array, k: number): { mu: number; sigma: number } {
  let m = statsCache.get(file);
  if (!m) statsCache.set(file, (m = new Map()));
  const hit = m.get(k);
  if (hit) return hit;
  const sims = cohort.map((c) => dot(c, v)).sort((a, b) => b - a).slice(0, k);
  const mu = sims.reduce((a, b) => a + b, 0) / sims.length;
  const sigma = Math.sqrt(sims.reduce((a, b) => a + (b - mu) ** 2, 0) / sims.length);
  const s = { mu, sigma };
  m.set(k, s);
  return s;
}

const rules: [string, number | undefined][] = [['raw cosine', undefined], ['S-norm (all)', Infinity], ['AS-norm top 300', 300], ['AS-norm top 100', 100], ['AS-norm top 30', 30]];
for (const [name, k] of rules) {
  const items = pairs.map((p) => {
    const a = vec(p.a);
    const b = vec(p.b);
    if (!a || !b) return { fold: p.fold, same: p.same, distance: Infinity };
    const s = dot(a, b);
    if (k === undefined) return { fold: p.fold, same: p.same, distance: 1 - s };
    const sa = stats(p.a, a, k);
    const sb = stats(p.b, b, k);
    return { fold: p.fold, same: p.same, distance: -0.5 * ((s - sa.mu) / sa.sigma + (s - sb.mu) / sb.sigma) };
  });
  const cv = crossValidate(items);
  const roc = rocCurve(items);
  console.log(`${name}: ${(cv.mean * 100).toFixed(2)} % ± ${(cv.std * 100).toFixed(2)}, TAR@FAR1e-2 ${(tarAtFar(roc, 1e-2).tar * 100).toFixed(2)} %`);
}
