/** Verification and identification metrics on small hand-computed cases. */
import { describe, expect, it } from 'vitest';
import { auc, cmc, crossValidate, dirAtFpir, eer, nextDown, rocCurve, tarAtFar, type ProbeResult } from '../src/eval/metrics.js';
import { parsePairs } from '../src/eval/pairs.js';
import { accuracyAt, bestThreshold } from '../src/eval/threshold.js';

const S = (distance: number, same: boolean) => ({ distance, same });

describe('verification metrics', () => {
  const items = [S(0.1, true), S(0.2, true), S(0.3, false), S(0.4, true), S(0.5, false), S(0.6, false)];

  it('best threshold maximises accuracy, in the middle of the gap', () => {
    const b = bestThreshold(items);
    expect(b.accuracy).toBeCloseTo(5 / 6, 10);
    expect(b.threshold).toBeCloseTo(0.25, 10);
    expect(accuracyAt(items, 0.45)).toBeCloseTo(5 / 6, 10);
    expect(accuracyAt(items, 0.05)).toBeCloseTo(3 / 6, 10);
  });

  it('ROC, AUC, EER and TAR@FAR', () => {
    const roc = rocCurve(items);
    expect(roc.map((p) => [p.tar, p.far])).toEqual([
      [0, 0],
      [1 / 3, 0],
      [2 / 3, 0],
      [2 / 3, 1 / 3],
      [1, 1 / 3],
      [1, 2 / 3],
      [1, 1],
    ]);
    // 8 of the 9 (same, different) orderings are right
    expect(auc(roc)).toBeCloseTo(8 / 9, 10);
    expect(eer(roc)).toBeCloseTo(1 / 3, 10);
    expect(tarAtFar(roc, 0)).toMatchObject({ tar: 2 / 3, threshold: 0.2 });
    expect(tarAtFar(roc, 0.34)).toMatchObject({ tar: 1, threshold: 0.4 });
    expect(auc(rocCurve([S(0.1, true), S(0.9, false)]))).toBe(1);
    expect(auc(rocCurve([S(0.5, true), S(0.5, false)]))).toBe(0.5);
  });

  it('cross-validation picks each fold threshold on the other folds', () => {
    const f = [
      { ...S(0.1, true), fold: 1 },
      { ...S(0.9, false), fold: 1 },
      { ...S(0.2, true), fold: 2 },
      { ...S(0.8, false), fold: 2 },
      { ...S(0.7, true), fold: 3 },
      { ...S(0.3, false), fold: 3 },
    ];
    const r = crossValidate(f);
    expect(r.folds.map((x) => x.accuracy)).toEqual([1, 1, 0]);
    expect(r.mean).toBeCloseTo(2 / 3, 10);
    expect(r.std).toBeCloseTo(Math.sqrt(2 / 9), 10);
  });
});

describe('identification metrics', () => {
  const P = (known: boolean, rank: number, bestDistance: number): ProbeResult => ({ known, rank, bestDistance, rank1Correct: known && rank === 1 });
  const probes = [P(true, 1, 0.2), P(true, 1, 0.5), P(true, 2, 0.3), P(true, 6, 0.4), P(false, Infinity, 0.35), P(false, Infinity, 0.45), P(false, Infinity, 0.6), P(false, Infinity, 0.7)];

  it('CMC counts known probes by the rank of their true identity', () => {
    expect(cmc(probes, 6)).toEqual([0.5, 0.75, 0.75, 0.75, 0.75, 1]);
  });

  it('DIR at FPIR: the threshold lets through at most that fraction of unknown probes', () => {
    // 1 of 4 unknowns may pass: threshold just below 0.45
    const a = dirAtFpir(probes, 0.25);
    expect(a.threshold).toBe(nextDown(0.45));
    expect(a.dir).toBe(0.25); // only the 0.2 probe is rank-1 and within; 0.5 is beyond
    const b = dirAtFpir(probes, 0);
    expect(b.threshold).toBeLessThan(0.35);
    expect(b.dir).toBe(0.25);
    expect(dirAtFpir(probes, 1).dir).toBe(0.5);
  });
});

describe('pair lists', () => {
  it("reads LFW's pairs.txt (folds, same and different lines) and the CSV format", () => {
    const txt = '2\t1\nA_B\t1\t2\nC\t1\tD_E\t12\nF\t3\t4\nG\t1\tH\t2\n';
    const p = parsePairs(txt, '/data/lfw/pairs.txt');
    expect(p).toHaveLength(4);
    expect(p[0]).toEqual({ fold: 1, same: true, a: '/data/lfw/images/A_B/A_B_0001.jpg', b: '/data/lfw/images/A_B/A_B_0002.jpg' });
    expect(p[1]).toMatchObject({ fold: 1, same: false, b: '/data/lfw/images/D_E/D_E_0012.jpg' });
    expect(p[2]!.fold).toBe(2);
    const csv = parsePairs('fold,same,path1,path2\n3,0,x/a.jpg,y/b.png\n', '/sets/s/pairs.csv');
    expect(csv).toEqual([{ fold: 3, same: false, a: '/sets/s/x/a.jpg', b: '/sets/s/y/b.png' }]);
    expect(() => parsePairs('fold,same,path1,path2\n1,2,a,b\n', 'p.csv')).toThrow(/p.csv:2/);
    expect(() => parsePairs('1\nA\t1\n', 'p.txt')).toThrow(/p.txt:2/);
  });
});
