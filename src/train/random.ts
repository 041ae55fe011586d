/** Seeded shuffling and sampling for training, so a run is reproducible from its seed. */
import { seededRng, type Rng } from '../random.js';

export { seededRng, type Rng };

/** Fisher–Yates shuffle of a copy. */
export function shuffled<T>(items: readonly T[], rng: Rng): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

/** A seed for a derived stream (tfjs initialisers take integer seeds). */
export const subSeed = (rng: Rng): number => Math.floor(rng() * 2 ** 31);
