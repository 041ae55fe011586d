/** Choosing a verification threshold from labelled distances. */

export interface Scored {
  distance: number;
  same: boolean;
}

/**
 * The threshold maximising accuracy (same ⇔ distance ≤ t). Candidates are midpoints between
 * consecutive sorted distances; ties go to the smallest accuracy-maximising threshold's plateau
 * centre, so the choice does not hug one sample.
 */
export function bestThreshold(items: readonly Scored[]): { threshold: number; accuracy: number } {
  if (items.length === 0) throw new RangeError('bestThreshold: no scored pairs');
  const s = [...items].sort((a, b) => a.distance - b.distance);
  const totalDiff = s.filter((x) => !x.same).length;
  // threshold below everything: all rejected → correct = number of different pairs
  let correct = totalDiff;
  let best = correct;
  let bestLo = -Infinity;
  let bestHi = s[0]!.distance;
  for (let i = 0; i < s.length; i++) {
    correct += s[i]!.same ? 1 : -1;
    const lo = s[i]!.distance;
    const hi = i + 1 < s.length ? s[i + 1]!.distance : Infinity;
    if (hi === lo) continue;
    if (correct > best) {
      best = correct;
      bestLo = lo;
      bestHi = hi;
    }
  }
  const threshold = Number.isFinite(bestLo) && Number.isFinite(bestHi) ? (bestLo + bestHi) / 2 : Number.isFinite(bestLo) ? bestLo : bestHi;
  return { threshold, accuracy: best / s.length };
}

export function accuracyAt(items: readonly Scored[], threshold: number): number {
  let ok = 0;
  for (const x of items) if ((x.distance <= threshold) === x.same) ok++;
  return ok / items.length;
}
