/**
 * One LFW View 2 fold as its own CSV pair list, for measuring training on the people outside it:
 *   npx tsx research/lfw-fold.ts ../shared/data/lfw 1 > /tmp/lfw-fold1.csv
 * The fold's 600 pairs are split into 10 sub-folds of 30 same + 30 different pairs, so
 * `likeness eval verify --pairs /tmp/lfw-fold1.csv` chooses each threshold on the other 540 pairs.
 * The same file given to `likeness train --exclude-pairs` leaves the fold's people out of training.
 */
import path from 'node:path';
import { readPairs } from '../src/eval/pairs.js';

const [root, foldArg] = process.argv.slice(2);
if (!root || !foldArg) {
  process.stderr.write('usage: npx tsx research/lfw-fold.ts <lfw dir> <fold 1..10>\n');
  process.exit(2);
}
const fold = Number(foldArg);
const pairs = (await readPairs(path.join(root, 'pairs.txt'))).filter((p) => p.fold === fold);
if (pairs.length === 0) {
  process.stderr.write(`no pairs in fold ${foldArg}\n`);
  process.exit(1);
}
const lines = ['fold,same,path1,path2'];
for (const same of [true, false]) {
  const part = pairs.filter((p) => p.same === same);
  part.forEach((p, i) => lines.push(`${Math.floor((i * 10) / part.length) + 1},${same ? 1 : 0},${p.a},${p.b}`));
}
process.stdout.write(`${lines.join('\n')}\n`);
