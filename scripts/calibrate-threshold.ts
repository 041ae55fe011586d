/**
 * Calibrate an encoder's thresholds and confidence, and write them to data/thresholds.json with the
 * measurement (under the encoder's name):
 * - 1:1: the accuracy-maximising threshold on LFW View 1's pairsDevTrain.txt, checked on
 *   pairsDevTest.txt, and a logistic fit of P(same | distance) on pairsDevTrain.txt. Never touches
 *   View 2 (pairs.txt).
 * - with --identify, open set on identify.csv: the raw-distance threshold at which 1 % of the
 *   unknown probes match someone, the gallery's mean hubness (the model's reference) and the
 *   hubness-corrected threshold at the same FPIR (a second process, which reads the reference back).
 *
 *   npx tsx scripts/calibrate-threshold.ts [--model NAME] [--identify] [../shared/data/lfw]
 */
import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { encodeSet } from '../src/eval/encode-set.js';
import { evaluateIdentification } from '../src/eval/identify-eval.js';
import { readPairs } from '../src/eval/pairs.js';
import { accuracyAt, bestThreshold, type Scored } from '../src/eval/threshold.js';
import { mainFace } from '../src/eval/verify-eval.js';
import { Likeness } from '../src/likeness.js';
import { fitLogistic } from '../src/match/calibration.js';
import { distance } from '../src/match/distance.js';
import { HUBNESS_NEIGHBOURS } from '../src/match/hubness.js';

const { values, positionals } = parseArgs({ options: { model: { type: 'string' }, identify: { type: 'boolean' }, 'identify-hubness': { type: 'boolean' } }, allowPositionals: true });
const lfw = positionals[0] ?? '../shared/data/lfw';
const options = values.model === undefined ? {} : { model: values.model };
const engine = await Likeness.create(options);
const spec = engine.embedder.spec;
const file = new URL('../data/thresholds.json', import.meta.url);
const modelArg = values.model === undefined ? '' : ` --model ${values.model}`;
const today = new Date().toISOString().slice(0, 10);

async function update(change: (entry: Record<string, unknown>) => Record<string, unknown>): Promise<void> {
  const all = JSON.parse(await readFile(file, 'utf8')) as Record<string, Record<string, unknown>>;
  all[spec.name] = change(all[spec.name] ?? {});
  await writeFile(file, `${JSON.stringify(all, null, 2)}\n`);
}

const identifyCsv = path.join(lfw, 'identify.csv');
if (values['identify-hubness']) {
  // Second stage: the reference hubness is in thresholds.json now.
  const { report } = await evaluateIdentification(identifyCsv, options, { hubness: true });
  const d = report.dirAtFpir.find((x) => x.fpir === 0.01)!;
  await update((e) => {
    const id = e.identify as Record<string, unknown>;
    const h = id.hubness as Record<string, unknown>;
    h.value = Math.round(d.threshold * 1e4) / 1e4;
    h.calibration = `${h.calibration} value = the hubness-corrected distance at which 1% of the ${report.probes.unknown} unknown probes match someone (DIR ${(d.dir * 100).toFixed(1)}% there; rank-1 ${(report.rank1 * 100).toFixed(2)}%).`;
    return e;
  });
  console.log(`hubness-corrected open-set threshold ${d.threshold.toFixed(4)} (DIR ${(d.dir * 100).toFixed(2)}% at FPIR 1%, rank-1 ${(report.rank1 * 100).toFixed(2)}%)`);
  process.exit(0);
}

async function score(name: string): Promise<{ scored: Scored[]; failed: number }> {
  const pairs = await readPairs(path.join(lfw, name));
  const enc = await encodeSet(pairs.flatMap((p) => [p.a, p.b]), options, { label: name });
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
  calibration: `LFW View 1: accuracy-maximising threshold on pairsDevTrain.txt (${(accuracy * 100).toFixed(2)}% of ${train.scored.length} pairs), ${(testAcc * 100).toFixed(2)}% on pairsDevTest.txt; main face, the ${engine.stack} stack`,
  logistic: { a: Math.round(logistic.a * 1e4) / 1e4, b: Math.round(logistic.b * 1e4) / 1e4 },
  accuracyDevTrain: accuracy,
  accuracyDevTest: testAcc,
  pairsWithoutFace: { devTrain: train.failed, devTest: test.failed },
  command: `npx tsx scripts/calibrate-threshold.ts${modelArg} ../shared/data/lfw`,
  measured: today,
};
await update((e) => ({ ...e, ...entry }));
console.log(JSON.stringify(entry, null, 2));

if (values.identify) {
  const { report } = await evaluateIdentification(identifyCsv, options, { hubness: false });
  const d = report.dirAtFpir.find((x) => x.fpir === 0.01)!;
  const people = report.gallery.enrolled;
  await update((e) => ({
    ...e,
    identify: {
      value: Math.round(d.threshold * 1e4) / 1e4,
      fpir: 0.01,
      gallerySize: people,
      calibration: `LFW open-set protocol identify.csv: the distance at which 1% of the ${report.probes.unknown} unknown probes match one of the ${people} people enrolled from one photo each (DIR ${(d.dir * 100).toFixed(1)}% there, rank-1 ${(report.rank1 * 100).toFixed(2)}%). Stricter than the 1:1 threshold because the nearest of many strangers is closer than a random one; galleries much larger than ${people} need a stricter value.`,
      command: `npx tsx scripts/calibrate-threshold.ts${modelArg} --identify ../shared/data/lfw`,
      measured: today,
      hubness: {
        k: HUBNESS_NEIGHBOURS,
        reference: Math.round((report.gallery.meanHubness ?? 0) * 1e4) / 1e4,
        value: null,
        calibration: `LFW open-set protocol identify.csv, ${people} people enrolled from one photo each: reference = the mean hubness of the enrolled people (mean cosine similarity to their ${HUBNESS_NEIGHBOURS} nearest other people, ${(report.gallery.meanHubness ?? 0).toFixed(5)});`,
        command: `npx tsx scripts/calibrate-threshold.ts${modelArg} --identify ../shared/data/lfw`,
        measured: today,
      },
    },
  }));
  console.log(`open-set threshold ${d.threshold.toFixed(4)} (DIR ${(d.dir * 100).toFixed(2)}% at FPIR 1%, rank-1 ${(report.rank1 * 100).toFixed(2)}%), reference hubness ${report.gallery.meanHubness}`);
  const self = fileURLToPath(import.meta.url);
  execFileSync(process.execPath, [...process.execArgv, self, ...(values.model ? ['--model', values.model] : []), '--identify-hubness', lfw], { stdio: 'inherit' });
}
