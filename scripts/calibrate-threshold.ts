/**
 * Calibrate the default embedder's verification threshold and confidence on LFW View 1 and write
 * them to data/thresholds.json with the measurement: the accuracy-maximising threshold on
 * pairsDevTrain.txt, checked on pairsDevTest.txt, and a logistic fit of P(same | distance) on
 * pairsDevTrain.txt. Never touches View 2 (pairs.txt).
 *
 *   npx tsx scripts/calibrate-threshold.ts [../shared/data/lfw]
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { encodeSet } from '../src/eval/encode-set.js';
import { readPairs } from '../src/eval/pairs.js';
import { accuracyAt, bestThreshold, type Scored } from '../src/eval/threshold.js';
import { mainFace } from '../src/eval/verify-eval.js';
import { fitLogistic } from '../src/match/calibration.js';
import { distance } from '../src/match/distance.js';
import { Likeness } from '../src/likeness.js';

const lfw = process.argv[2] ?? '../shared/data/lfw';
const engine = await Likeness.create();
const spec = engine.embedder.spec;

async function score(file: string): Promise<{ scored: Scored[]; failed: number }> {
  const pairs = await readPairs(path.join(lfw, file));
  const enc = await encodeSet(pairs.flatMap((p) => [p.a, p.b]), {}, { label: file });
  const face = (f: string) => {
    const r = enc.results.get(f);
    return r?.ok ? mainFace(r) : undefined;
  };
  let failed = 0;
  const scored = pairs.map((p) => {
    const a = face(p.a);
    const b = face(p.b);
    if (!a || !b) failed++;
    return { distance: a && b ? distance(a.embedding, b.embedding, spec.metric) : Infinity, same: p.same };
  });
  return { scored, failed };
}

const train = await score('pairsDevTrain.txt');
const test = await score('pairsDevTest.txt');
const { threshold, accuracy } = bestThreshold(train.scored);
const value = Math.round(threshold * 1e4) / 1e4;
const testAcc = accuracyAt(test.scored, value);
const logistic = fitLogistic(train.scored);
const entry = {
  value,
  metric: spec.metric,
  calibration: `LFW View 1: accuracy-maximising threshold on pairsDevTrain.txt (${(accuracy * 100).toFixed(2)}% of ${train.scored.length} pairs), ${(testAcc * 100).toFixed(2)}% on pairsDevTest.txt; largest face, default pipeline`,
  logistic: { a: Math.round(logistic.a * 1e4) / 1e4, b: Math.round(logistic.b * 1e4) / 1e4 },
  accuracyDevTrain: accuracy,
  accuracyDevTest: testAcc,
  pairsWithoutFace: { devTrain: train.failed, devTest: test.failed },
  command: 'npx tsx scripts/calibrate-threshold.ts ../shared/data/lfw',
  measured: new Date().toISOString().slice(0, 10),
};
const file = new URL('../data/thresholds.json', import.meta.url);
const all = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
all[spec.name] = { ...(all[spec.name] as object | undefined), ...entry };
await writeFile(file, `${JSON.stringify(all, null, 2)}\n`);
console.log(JSON.stringify(entry, null, 2));
