/** Pair lists for the research scripts. */
import path from 'node:path';
import { readPairs, type Pair } from '../../src/eval/pairs.js';

/** n pairs of LFW View 1 devTest (n/2 same, n/2 different), spread evenly over the list. */
export async function evenDevTestPairs(lfw: string, n: number): Promise<Pair[]> {
  const all = await readPairs(path.join(lfw, 'pairsDevTest.txt'));
  const pick = (same: boolean) => {
    const p = all.filter((x) => x.same === same);
    const step = p.length / (n / 2);
    return Array.from({ length: n / 2 }, (_, i) => p[Math.floor(i * step)]!);
  };
  return [...pick(true), ...pick(false)];
}
