/**
 * LFW View 1 as one CSV pair list for `likeness eval verify`: pairsDevTrain.txt as fold 1,
 * pairsDevTest.txt as fold 2 (absolute paths), so levers are compared by 2-fold cross-validation.
 *
 *   npx tsx research/view1-csv.ts ../shared/data/lfw > view1.csv
 */
import path from 'node:path';
import { readPairs } from '../src/eval/pairs.js';

const lfw = process.argv[2] ?? '../shared/data/lfw';
const rows = ['fold,same,path1,path2'];
for (const [fold, file] of [[1, 'pairsDevTrain.txt'], [2, 'pairsDevTest.txt']] as const) {
  for (const p of await readPairs(path.join(lfw, file))) rows.push(`${fold},${p.same ? 1 : 0},${p.a},${p.b}`);
}
process.stdout.write(`${rows.join('\n')}\n`);
