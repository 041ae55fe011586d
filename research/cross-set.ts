/**
 * Each stack on every labelled set, not LFW alone: LFW View 1 (pairsDevTrain + pairsDevTest, with
 * their own thresholds chosen on the same pairs), and the small sets unlike LFW — the press photos
 * (full-size, several people), bbt (150 px grey crops), orl (92×112 grey, pose), the seed's 96 px
 * photos — through the protocols `--labels` makes (src/eval/labels.ts). Per set: verification
 * accuracy cross-validated over its folds, AUC, accuracy at the stack's calibrated (LFW View 1)
 * threshold — what a user gets on such photos — and one-shot open-set identification (rank-1, and
 * the share of known probes accepted and of unknown ones refused at the calibrated open-set
 * threshold).
 *
 *   npx tsx research/cross-set.ts [STACK...]        (default: dlib mobilefacenet fusion faceplugin)
 */
import path from 'node:path';
import { evaluateIdentification } from '../src/eval/identify-eval.js';
import { pairsFromLabels, protocolFromLabels, readLabels } from '../src/eval/labels.js';
import { evaluateVerification } from '../src/eval/verify-eval.js';
import { DATA } from '../test/helpers/data.js';

const stacks = process.argv.slice(2).length ? process.argv.slice(2) : ['dlib', 'mobilefacenet', 'fusion', 'faceplugin'];
const sets = ['press-photos', 'bbt', 'orl', 'seed-assignment'];
const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
const quiet = { progress: false };

for (const model of stacks) {
  const cols: string[] = [];
  for (const f of ['pairsDevTrain.txt', 'pairsDevTest.txt']) {
    const { report: r } = await evaluateVerification(path.join(DATA, 'lfw', f), { model }, quiet);
    cols.push(`${f.replace('pairs', '').replace('.txt', '')} ${pct(r.accuracy.mean)} @cal ${pct(r.calibrated.accuracy)}`);
  }
  for (const set of sets) {
    const labels = await readLabels(path.join(DATA, set, 'labels.csv'));
    let v = '';
    try {
      const { report: r } = await evaluateVerification({ name: set, pairs: pairsFromLabels(labels) }, { model }, quiet);
      v = `${pct(r.accuracy.mean)} AUC ${r.auc.toFixed(4)} @cal ${pct(r.calibrated.accuracy)} (${r.pairs}p, no-face ${r.failures.images})`;
    } catch (e) {
      v = `(no pairs: ${(e as Error).message})`;
    }
    const { report: id } = await evaluateIdentification({ name: set, entries: protocolFromLabels(labels) }, { model }, { ...quiet, hubness: false });
    cols.push(`${set}: ${v}; id rank-1 ${pct(id.rank1)} DIR@cal ${pct(id.calibrated.dir)} FPIR@cal ${pct(id.calibrated.fpir)}`);
  }
  console.log(`== ${model}\n  ${cols.join('\n  ')}`);
}
