/**
 * 2-D similarity transforms (uniform scale + rotation + translation) and small affine helpers.
 *
 * Matrices use the project's row-major 2×3 layout `[a, b, tx, c, d, ty]`:
 *   x' = a·x + b·y + tx,   y' = c·x + d·y + ty.
 * A similarity has the form a = d = s·cosθ, c = −b = s·sinθ (s > 0), i.e. no shear and no reflection.
 */
import { LikenessError } from '../errors.js';
import type { Affine, Point } from '../types.js';

/**
 * Least-squares similarity transform mapping `from[i]` onto `to[i]`.
 *
 * Minimises Σ‖s·R·from[i] + t − to[i]‖² over s > 0, rotation R (det +1) and translation t. This is
 * Umeyama's (1991) solution specialised to 2-D, where it has a closed form: with both point sets
 * centred (p = from − mean(from), q = to − mean(to)) and writing the linear part as [[α, −β], [β, α]],
 *   α = Σ(p·q) / Σ‖p‖²,   β = Σ(p×q) / Σ‖p‖²,   t = mean(to) − [[α, −β], [β, α]]·mean(from).
 * Every (α, β) ≠ 0 is a rotation times a positive scale, so a reflection can never come out: for
 * mirrored input the best *proper* similarity is returned (its determinant α² + β² is positive).
 *
 * @throws RangeError if the arrays differ in length or have fewer than 2 points.
 * @throws LikenessError (code E_ALIGN_DEGENERATE) if all `from` points coincide, or the fit collapses
 *   to zero scale (e.g. all `to` points coincide), or a coordinate is not finite.
 */
export function estimateSimilarity(from: readonly Point[], to: readonly Point[]): Affine {
  const n = from.length;
  if (n !== to.length) {
    throw new RangeError(`estimateSimilarity: ${n} source points but ${to.length} destination points`);
  }
  if (n < 2) throw new RangeError(`estimateSimilarity: need at least 2 point pairs, got ${n}`);

  let mfx = 0, mfy = 0, mtx = 0, mty = 0;
  for (let i = 0; i < n; i++) {
    const f = from[i]!, t = to[i]!;
    mfx += f.x; mfy += f.y; mtx += t.x; mty += t.y;
  }
  mfx /= n; mfy /= n; mtx /= n; mty /= n;

  let sumPP = 0, dot = 0, cross = 0;
  for (let i = 0; i < n; i++) {
    const f = from[i]!, t = to[i]!;
    const px = f.x - mfx, py = f.y - mfy;
    const qx = t.x - mtx, qy = t.y - mty;
    sumPP += px * px + py * py;
    dot += px * qx + py * qy;
    cross += px * qy - py * qx;
  }
  if (!Number.isFinite(sumPP) || !Number.isFinite(dot) || !Number.isFinite(cross)) {
    throw new LikenessError('E_ALIGN_DEGENERATE', 'estimateSimilarity: non-finite point coordinates', { isInputError: false });
  }
  if (sumPP === 0) {
    throw new LikenessError('E_ALIGN_DEGENERATE', 'estimateSimilarity: all source points coincide', { isInputError: false });
  }
  const alpha = dot / sumPP;
  const beta = cross / sumPP;
  if (alpha === 0 && beta === 0) {
    throw new LikenessError('E_ALIGN_DEGENERATE', 'estimateSimilarity: the best fit has zero scale (destination points coincide?)', { isInputError: false });
  }
  const tx = mtx - (alpha * mfx - beta * mfy);
  const ty = mty - (beta * mfx + alpha * mfy);
  return [alpha, -beta, tx, beta, alpha, ty];
}

/**
 * Inverse of an affine transform.
 * @throws LikenessError (code E_ALIGN_DEGENERATE) if the matrix is singular.
 */
export function invertAffine(m: Affine): Affine {
  const [a, b, tx, c, d, ty] = m;
  const det = a * d - b * c;
  if (det === 0 || !Number.isFinite(det)) {
    throw new LikenessError('E_ALIGN_DEGENERATE', 'invertAffine: the matrix is singular', { isInputError: false });
  }
  const ia = d / det, ib = -b / det, ic = -c / det, id = a / det;
  return [ia, ib, -(ia * tx + ib * ty), ic, id, -(ic * tx + id * ty)];
}

/** Applies `m` to a point: (a·x + b·y + tx, c·x + d·y + ty). */
export function applyAffine(m: Affine, p: Point): Point {
  return { x: m[0] * p.x + m[1] * p.y + m[2], y: m[3] * p.x + m[4] * p.y + m[5] };
}

/** Composition `outer ∘ inner`: the transform that applies `inner` first, then `outer`. */
export function composeAffine(outer: Affine, inner: Affine): Affine {
  const [a1, b1, t1, c1, d1, u1] = outer;
  const [a2, b2, t2, c2, d2, u2] = inner;
  return [
    a1 * a2 + b1 * c2, a1 * b2 + b1 * d2, a1 * t2 + b1 * u2 + t1,
    c1 * a2 + d1 * c2, c1 * b2 + d1 * d2, c1 * t2 + d1 * u2 + u1,
  ];
}

/**
 * A similarity about the point `c`: rotate by `degrees` and scale by `scale` about it, then shift by
 * (dx, dy). On a chip, the small perturbations of test-time jitter.
 */
export function similarityAbout(c: Point, scale: number, degrees: number, dx = 0, dy = 0): Affine {
  const r = (degrees * Math.PI) / 180;
  const a = scale * Math.cos(r);
  const b = scale * Math.sin(r);
  return [a, -b, c.x - a * c.x + b * c.y + dx, b, a, c.y - b * c.x - a * c.y + dy];
}
