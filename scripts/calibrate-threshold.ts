/**
 * Calibrate the default embedder's verification threshold on LFW View 1 (pairsDevTrain.txt) and
 * write it to data/thresholds.json with the measurement. Never touches View 2 (pairs.txt).
 *
 *   npx tsx scripts/calibrate-threshold.ts [../shared/data/lfw/pairsDevTrain.txt]
 */
import { readFile, writeFile } from 'node:fs/promises';
import { readPairs } from '../src/eval/pairs.js';
import { accuracyAt, bestThreshold } from '../src/eval/threshold.js';
import { largestFirst } from '../src/likeness.js';
import { euclidean } from '../src/match/distance.js';
import { DEFAULT_EMBEDDER } from '../src/models/registry.js';
import { WorkerPool } from '../src/parallel/pool.js';

const file = process.argv[2] ?? '../shared/data/lfw/pairsDevTrain.txt';
const testFile = file.replace('pairsDevTrain', 'pairsDevTest');
const pool = new WorkerPool();
const cache = new Map<string, Promise<Float32Array | null>>();
const encode = (p: string): Promise<Float32Array | null> => {
  let e = cache.get(p);
  if (!e) {
    e = pool.embed(p).then((a) => largestFirst(a.faces)[0]?.embedding ?? null);
    cache.set(p, e);
  }
  return e;
};

async function score(listFile: string) {
  const pairs = await readPairs(listFile);
  let done = 0;
  const scored = await Promise.all(
    pairs.map(async (p) => {
      const [a, b] = await Promise.all([encode(p.a), encode(p.b)]);
      if (++done % 200 === 0) process.stderr.write(`${listFile}: ${done}/${pairs.length}\n`);
      return a && b ? { distance: euclidean(a, b), same: p.same } : null;
    }),
  );
  return { pairs: pairs.length, scored: scored.filter((x) => x !== null), failed: scored.filter((x) => x === null).length };
}

const train = await score(file);
const { threshold, accuracy } = bestThreshold(train.scored);
const test = await score(testFile);
const testAcc = accuracyAt(test.scored, threshold);
await pool.close();
const rounded = Math.round(threshold * 1e4) / 1e4;
const entry = {
  value: rounded,
  metric: 'euclidean',
  calibration: `LFW View 1: accuracy-maximising threshold on pairsDevTrain.txt (${(accuracy * 100).toFixed(2)}% on ${train.scored.length} pairs), ${(testAcc * 100).toFixed(2)}% on pairsDevTest.txt; largest face, mirror averaging, L2-normalised encodings`,
  accuracyDevTrain: accuracy,
  accuracyDevTest: testAcc,
  pairsWithoutFace: { devTrain: train.failed, devTest: test.failed },
  command: 'npx tsx scripts/calibrate-threshold.ts ../shared/data/lfw/pairsDevTrain.txt',
  measured: new Date().toISOString().slice(0, 10),
};
const path = new URL('../data/thresholds.json', import.meta.url);
const all = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
all[DEFAULT_EMBEDDER] = entry;
await writeFile(path, `${JSON.stringify(all, null, 2)}\n`);
console.log(JSON.stringify(entry, null, 2));
