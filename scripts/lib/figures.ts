/** One line of verification figures for the measurement scripts: accuracy ± std over the folds, AUC, TAR at FAR 1e-3. */
import { verificationFigures } from '../../src/eval/metrics.js';
import type { Scored } from '../../src/eval/threshold.js';

const pct = (x: number): string => (x * 100).toFixed(2);

export function figuresLine(label: string, items: readonly (Scored & { fold: number })[]): string {
  const f = verificationFigures(items, [1e-3]);
  return `${label}: ${pct(f.accuracy.mean)} % ± ${pct(f.accuracy.std)}, AUC ${f.auc.toFixed(5)}, TAR at FAR 1e-3 ${pct(f.tarAtFar[0]!.tar)} %`;
}
