/**
 * Training data: a folder of `<identity>/<photos>`, split by identity (no person on both sides)
 * into training and validation people, deterministically from a seed; validation pairs for
 * verification accuracy.
 */
import { readPeople, type Person } from '../image/folders.js';
import { InvalidOptionError } from '../errors.js';
import { seededRng, shuffled, type Rng } from './random.js';

export { readPeople, type Person };

export interface IdentitySplit {
  train: Person[];
  validation: Person[];
}

/**
 * Split people into training and validation by identity: the validation side gets
 * round(fraction · n) people (at least 2 when there are 4 or more), chosen by a seeded shuffle of
 * the names in sorted order, so the same people and seed always give the same split.
 */
export function splitIdentities(people: readonly Person[], options: { validationFraction: number; seed: number }): IdentitySplit {
  const f = options.validationFraction;
  if (!(f > 0 && f < 1)) throw new InvalidOptionError(`validation fraction must be within 0..1 (exclusive), got ${f}`);
  const sorted = [...people].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (new Set(sorted.map((p) => p.name)).size !== sorted.length) throw new InvalidOptionError('identity names must be unique');
  const order = shuffled(sorted, seededRng(options.seed));
  const nVal = Math.min(order.length - 2, Math.max(order.length >= 4 ? 2 : 1, Math.round(f * order.length)));
  if (nVal < 1) throw new InvalidOptionError(`need at least 3 people to split into training and validation, got ${order.length}`);
  const byName = (a: Person, b: Person) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  return { validation: order.slice(0, nVal).sort(byName), train: order.slice(nVal).sort(byName) };
}

export interface ItemPair {
  a: number;
  b: number;
  same: boolean;
}

/**
 * Verification pairs over labelled items: same-person pairs (at most `perPerson` of each person, so
 * people with hundreds of photos do not dominate, and at most `maxSame` in all, sampled) and as
 * many different-person pairs, sampled without repeats. Deterministic from the rng.
 */
export function verificationPairs(labels: readonly number[], rng: Rng, options: { maxSame?: number; perPerson?: number } = {}): ItemPair[] {
  const maxSame = options.maxSame ?? 3000;
  const perPerson = options.perPerson ?? 45;
  const byPerson = new Map<number, number[]>();
  labels.forEach((l, i) => byPerson.set(l, [...(byPerson.get(l) ?? []), i]));
  let same: ItemPair[] = [];
  for (const items of byPerson.values()) {
    const mine: ItemPair[] = [];
    for (let i = 0; i < items.length; i++) for (let j = i + 1; j < items.length; j++) mine.push({ a: items[i]!, b: items[j]!, same: true });
    same.push(...(mine.length > perPerson ? shuffled(mine, rng).slice(0, perPerson) : mine));
  }
  if (same.length > maxSame) same = shuffled(same, rng).slice(0, maxSame);
  if (same.length === 0 || byPerson.size < 2) throw new InvalidOptionError('validation people need at least two photos of one person and two people');
  const diff: ItemPair[] = [];
  const seen = new Set<string>();
  let tries = 0;
  while (diff.length < same.length && tries++ < same.length * 50) {
    const a = Math.floor(rng() * labels.length);
    const b = Math.floor(rng() * labels.length);
    if (labels[a] === labels[b]) continue;
    const key = a < b ? `${a},${b}` : `${b},${a}`;
    if (seen.has(key)) continue;
    seen.add(key);
    diff.push({ a, b, same: false });
  }
  return [...same, ...diff];
}

/** Batches of P people × K photos each (fewer photos if a person has fewer), people cycling in a seeded order. */
export class PkSampler {
  private order: number[] = [];
  private next = 0;

  constructor(
    private readonly byPerson: readonly (readonly number[])[],
    private readonly P: number,
    private readonly K: number,
    private readonly rng: Rng,
  ) {
    if (byPerson.filter((x) => x.length >= 2).length < 2) throw new InvalidOptionError('training needs at least two people with two or more photos each');
  }

  batch(): { items: number[]; labels: number[] } {
    const items: number[] = [];
    const labels: number[] = [];
    const people = new Set<number>();
    const eligible = this.byPerson.filter((x) => x.length >= 2).length;
    while (people.size < Math.min(this.P, eligible)) {
      if (this.next >= this.order.length) {
        this.order = shuffled(this.byPerson.map((_, i) => i).filter((i) => this.byPerson[i]!.length >= 2), this.rng);
        this.next = 0;
      }
      const p = this.order[this.next++]!;
      if (people.has(p)) continue;
      people.add(p);
      for (const it of shuffled(this.byPerson[p]!, this.rng).slice(0, this.K)) {
        items.push(it);
        labels.push(p);
      }
    }
    return { items, labels };
  }
}
