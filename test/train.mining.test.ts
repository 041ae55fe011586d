/** Online mining strategies, the active-triplet count, the identity split and the batch sampler on constructed cases. */
import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../src/errors.js';
import { activeTriplets, mineTriplets, squaredDistanceMatrix } from '../src/train/mining.js';
import { seededRng } from '../src/train/random.js';
import { PkSampler, splitIdentities, verificationPairs, type Person } from '../src/train/split.js';

// Points on a line (1-d encodings); squared distances are (xi − xj)².
//   a0 = 0 (person A), a1 = 0.3 (A), a2 = 0.7 (A), b0 = 0.5 (B), b1 = 1.0 (B), c0 = 0.62 (C)
const X = [[0], [0.3], [0.7], [0.5], [1.0], [0.62]];
const L = ['A', 'A', 'A', 'B', 'B', 'C'];
const D = squaredDistanceMatrix(X);
const key = (t: { anchor: number; positive: number; negative: number }) => `${t.anchor},${t.positive},${t.negative}`;

describe('mining', () => {
  it('batch-all: every (anchor, positive, negative) with a ≠ p of one person and n of another', () => {
    const t = mineTriplets(D, L, 'batch-all');
    // A anchors: 3 × 2 positives × 3 negatives = 18; B anchors: 2 × 1 × 4 = 8; C has no positive
    expect(t).toHaveLength(26);
    expect(new Set(t.map(key)).size).toBe(26);
    for (const x of t) {
      expect(L[x.anchor]).toBe(L[x.positive]);
      expect(x.anchor).not.toBe(x.positive);
      expect(L[x.negative]).not.toBe(L[x.anchor]);
    }
  });

  it('batch-hard: per anchor the farthest positive and the nearest negative', () => {
    const t = mineTriplets(D, L, 'batch-hard').map(key);
    // a0: farthest positive a2 (0.7), nearest negative b0 (0.5); a1: a2 (0.4) vs a0 (0.3) → a2, nearest b0 (0.2)
    // a2: farthest a0, nearest c0 (0.08); b0: b1, nearest c0 (0.12); b1: b0, nearest a2 (0.3)
    expect(t).toEqual(['0,2,3', '1,2,3', '2,0,5', '3,4,5', '4,3,2']);
  });

  it("semi-hard: a negative with d(A,P) < d(A,N) < d(A,P) + α (FaceNet), the nearest such; none → no triplet", () => {
    const t = mineTriplets(D, L, 'semi-hard', 0.2).map(key);
    // (a0,a1): d = 0.09; negatives at 0.25 (b0), 0.3844 (c0), 1 (b1): within (0.09, 0.29) only b0 → 0,1,3
    // (a0,a2): d = 0.49; negatives 0.25 < 0.49 (hard, not semi-hard), 0.3844 (hard), 1 > 0.69 (easy) → none
    // (a1,a0): 0.09; b0 0.04 (hard), c0 0.1024 (semi-hard), b1 0.49 (easy) → 1,0,5
    // (a1,a2): 0.16; c0 0.1024 (hard), b0 0.04, b1 0.49 > 0.36 → none
    // (a2,a0): 0.49; b0 0.04, c0 0.0064, b1 0.09: all hard → none; (a2,a1): 0.16; all hard → none
    // (b0,b1): 0.25; a0 0.25 (not >), a1 0.04, a2 0.04, c0 0.0144 → none
    // (b1,b0): 0.25; a0 1, a1 0.49, a2 0.09, c0 0.1444 → none (0.49 ≥ 0.45)
    expect(t).toEqual(['0,1,3', '1,0,5']);
    // a larger margin admits (b1,b0,a1): 0.25 < 0.49 < 0.75, and (a0,a2,b1): 0.49 < 1 < 1.09
    expect(mineTriplets(D, L, 'semi-hard', 0.6).map(key)).toContain('4,3,1');
    expect(mineTriplets(D, L, 'semi-hard', 0.6).map(key)).toContain('0,2,4');
    for (const x of mineTriplets(D, L, 'semi-hard', 0.6)) {
      const n = L.length;
      expect(D[x.anchor * n + x.negative]!).toBeGreaterThan(D[x.anchor * n + x.positive]!);
      expect(D[x.anchor * n + x.negative]!).toBeLessThan(D[x.anchor * n + x.positive]! + 0.6);
    }
  });

  it('counts active triplets over all valid ones, and refuses bad input', () => {
    const { valid, active } = activeTriplets(D, L, 0.2);
    expect(valid).toBe(26);
    // recount by brute force
    let act = 0;
    for (const t of mineTriplets(D, L, 'batch-all')) if (D[t.anchor * 6 + t.positive]! - D[t.anchor * 6 + t.negative]! + 0.2 > 0) act++;
    expect(active).toBe(act);
    expect(active).toBeGreaterThan(0);
    expect(activeTriplets(squaredDistanceMatrix([[0], [0.01], [5], [5.01]]), [1, 1, 2, 2], 0.2)).toEqual({ valid: 8, active: 0 });
    expect(() => mineTriplets(D, L.slice(1), 'batch-all')).toThrow(InvalidOptionError);
    expect(() => mineTriplets(D, L, 'nope' as 'batch-all')).toThrow(InvalidOptionError);
  });
});

describe('identity split and batches', () => {
  const people: Person[] = Array.from({ length: 50 }, (_, i) => ({ name: `p${String(i).padStart(2, '0')}`, files: Array.from({ length: 1 + (i % 5) }, (_, k) => `p${i}/${k}.jpg`) }));

  it('same people and seed → same split, whatever the input order; no one on both sides', () => {
    const a = splitIdentities(people, { validationFraction: 0.2, seed: 7 });
    const b = splitIdentities([...people].reverse(), { validationFraction: 0.2, seed: 7 });
    expect(a).toEqual(b);
    expect(a.validation).toHaveLength(10);
    expect(a.train).toHaveLength(40);
    const v = new Set(a.validation.map((p) => p.name));
    expect(a.train.some((p) => v.has(p.name))).toBe(false);
    expect(new Set([...a.train, ...a.validation].map((p) => p.name)).size).toBe(50);
    const c = splitIdentities(people, { validationFraction: 0.2, seed: 8 });
    expect(c.validation.map((p) => p.name)).not.toEqual(a.validation.map((p) => p.name));
    expect(() => splitIdentities(people, { validationFraction: 1, seed: 1 })).toThrow(InvalidOptionError);
    expect(() => splitIdentities(people.slice(0, 2), { validationFraction: 0.5, seed: 1 })).toThrow(InvalidOptionError);
  });

  it('P × K batches hold P people with up to K photos each; validation pairs are balanced and deterministic', () => {
    const byPerson = [[0, 1, 2, 3, 4], [5, 6], [7], [8, 9, 10], [11, 12, 13, 14]];
    const s = new PkSampler(byPerson, 3, 2, seededRng(1));
    for (let i = 0; i < 10; i++) {
      const { items, labels } = s.batch();
      expect(new Set(labels).size).toBe(3);
      expect(labels).not.toContain(2); // a person with one photo gives no positive
      for (const p of new Set(labels)) expect(labels.filter((l) => l === p)).toHaveLength(2);
      items.forEach((it, k) => expect(byPerson[labels[k]!]).toContain(it));
    }
    const labels = [0, 0, 0, 1, 1, 2, 3, 3];
    const pairs = verificationPairs(labels, seededRng(3));
    expect(pairs.filter((p) => p.same)).toHaveLength(5); // 3 + 1 + 1
    expect(pairs.filter((p) => !p.same)).toHaveLength(5);
    for (const p of pairs) expect(labels[p.a] === labels[p.b]).toBe(p.same);
    expect(verificationPairs(labels, seededRng(3))).toEqual(pairs);
  });
});
