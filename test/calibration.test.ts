import { describe, expect, it } from 'vitest';
import { confidence, fitLogistic } from '../src/match/calibration.js';

describe('logistic calibration of distances', () => {
  it('recovers the parameters of data drawn from a known logistic model', () => {
    // deterministic sample: distances on a grid, labels from the true probability by a fixed sequence
    const truth = { a: 20, b: -8 }; // p(same) = 0.5 at d = 0.4
    const items: { distance: number; same: boolean }[] = [];
    let state = 12345;
    for (let i = 0; i < 20000; i++) {
      const d = (i % 400) / 400;
      state = (Math.imul(state, 1103515245) + 12345) >>> 0; // integer LCG
      const u = (state >>> 8) / 2 ** 24;
      items.push({ distance: d, same: u < confidence(d, truth) });
    }
    const fit = fitLogistic(items);
    expect(fit.a).toBeGreaterThan(17);
    expect(fit.a).toBeLessThan(23);
    expect(-fit.b / fit.a).toBeCloseTo(0.4, 1);
  });

  it('is monotone decreasing in distance, 0 at infinity, and finite for separable data', () => {
    const fit = fitLogistic([
      { distance: 0.1, same: true },
      { distance: 0.2, same: true },
      { distance: 0.8, same: false },
      { distance: 0.9, same: false },
    ]);
    expect(Number.isFinite(fit.a) && Number.isFinite(fit.b)).toBe(true);
    expect(confidence(0.1, fit)).toBeGreaterThan(confidence(0.5, fit));
    expect(confidence(0.5, fit)).toBeGreaterThan(confidence(0.9, fit));
    expect(confidence(Infinity, fit)).toBe(0);
  });
});
