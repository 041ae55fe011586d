/** One line of verification figures for the measurement scripts: accuracy ± std over the folds, AUC, TAR at FAR 1e-3. */
import { verificationFigures } from '../../src/eval/metrics.js';
import type { Scored } from '../../src/eval/threshold.js';
import { euclidean } from '../../src/match/distance.js';

const pct = (x: number): string => (x * 100).toFixed(2);

export function figuresLine(label: string, items: readonly (Scored & { fold: number })[]): string {
  const f = verificationFigures(items, [1e-3]);
  return `${label}: ${pct(f.accuracy.mean)} % ± ${pct(f.accuracy.std)}, AUC ${f.auc.toFixed(5)}, TAR at FAR 1e-3 ${pct(f.tarAtFar[0]!.tar)} %`;
}

/** Each pair's distance between its two photos' vectors (Infinity when either has none: answered "different"). */
export function pairDistances(pairs: readonly { fold: number; same: boolean; a: string; b: string }[], vec: (file: string) => Float32Array | undefined): (Scored & { fold: number })[] {
  return pairs.map((p) => {
    const a = vec(p.a);
    const b = vec(p.b);
    return { fold: p.fold, same: p.same, distance: a && b ? euclidean(a, b) : Infinity };
  });
}
