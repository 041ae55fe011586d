/**
 * Calibrated confidence: the probability that two faces are the same person given their distance,
 * from a logistic fit p = 1 / (1 + exp(a·d + b)) on labelled pairs (LFW View 1). It means the same
 * thing whatever the model, unlike raw distances or cosines.
 */

export interface Logistic {
  a: number;
  b: number;
}

export function confidence(distance: number, l: Logistic): number {
  if (!Number.isFinite(distance)) return 0;
  return 1 / (1 + Math.exp(l.a * distance + l.b));
}

/** Maximum-likelihood logistic fit of same ~ distance (Newton's method, two parameters). */
export function fitLogistic(items: readonly { distance: number; same: boolean }[]): Logistic {
  const xs = items.filter((x) => Number.isFinite(x.distance));
  if (xs.length < 2) throw new RangeError('fitLogistic needs at least two finite distances');
  // Centre and scale the distance for a well-conditioned Newton step, then map back.
  const mean = xs.reduce((s, x) => s + x.distance, 0) / xs.length;
  const sd = Math.sqrt(xs.reduce((s, x) => s + (x.distance - mean) ** 2, 0) / xs.length) || 1;
  let a = 1;
  let b = 0;
  for (let it = 0; it < 100; it++) {
    // p = P(same) = σ(−(a·z + b)); gradient and Hessian of the negative log-likelihood, with a
    // tiny ridge so perfectly separable data stays finite.
    let ga = 1e-6 * a;
    let gb = 1e-6 * b;
    let haa = 1e-6;
    let hab = 0;
    let hbb = 1e-6;
    for (const x of xs) {
      const z = (x.distance - mean) / sd;
      const p = 1 / (1 + Math.exp(a * z + b));
      const y = x.same ? 1 : 0;
      const r = y - p; // d(−log L)/d(a·z + b) = y − p
      ga += r * z;
      gb += r;
      const w = p * (1 - p);
      haa += w * z * z;
      hab += w * z;
      hbb += w;
    }
    const det = haa * hbb - hab * hab;
    const da = (hbb * ga - hab * gb) / det;
    const db = (haa * gb - hab * ga) / det;
    a -= da;
    b -= db;
    if (Math.abs(da) < 1e-10 && Math.abs(db) < 1e-10) break;
  }
  return { a: a / sd, b: b - (a * mean) / sd };
}
