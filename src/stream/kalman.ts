/**
 * A constant-velocity Kalman filter on a face box (centre x, centre y, width, height and their
 * velocities per sampled frame), as SORT/ByteTrack predict boxes between frames. Noise scales with
 * the box's height (ByteTrack's rule), so a large near face and a small far one are treated alike.
 * The matrix maths is ml-matrix's.
 */
import { inverse, Matrix } from 'ml-matrix';
import type { Box } from '../types.js';

/** Position noise per unit of box height (ByteTrack's std_weight_position). */
const POSITION_NOISE = 1 / 20;
/** Velocity noise per unit of box height (ByteTrack's std_weight_velocity). */
const VELOCITY_NOISE = 1 / 160;

const F = (() => {
  const f = Matrix.eye(8, 8);
  for (let i = 0; i < 4; i++) f.set(i, i + 4, 1);
  return f;
})();
const H = Matrix.eye(4, 8);

const diag = (values: readonly number[]): Matrix => Matrix.diag([...values]);

export class BoxKalman {
  /** State mean (8×1). */
  private x: Matrix;
  /** State covariance (8×8). */
  private p: Matrix;

  constructor(box: Box) {
    const [cx, cy, w, h] = measure(box);
    this.x = Matrix.columnVector([cx, cy, w, h, 0, 0, 0, 0]);
    const sp = 2 * POSITION_NOISE * h;
    const sv = 10 * VELOCITY_NOISE * h;
    this.p = diag([sp, sp, sp, sp, sv, sv, sv, sv].map((s) => s * s));
  }

  /** Advance one sampled frame; returns the predicted box. */
  predict(): Box {
    const h = Math.max(1, this.x.get(3, 0));
    const sp = POSITION_NOISE * h;
    const sv = VELOCITY_NOISE * h;
    const q = diag([sp, sp, sp, sp, sv, sv, sv, sv].map((s) => s * s));
    this.x = F.mmul(this.x);
    // A box cannot shrink below a pixel: a fast shrinking prediction stops there.
    if (this.x.get(2, 0) < 1) this.x.set(2, 0, 1);
    if (this.x.get(3, 0) < 1) this.x.set(3, 0, 1);
    this.p = F.mmul(this.p).mmul(F.transpose()).add(q);
    return this.box();
  }

  /** Correct with a measured box. */
  update(box: Box): Box {
    const z = Matrix.columnVector(measure(box));
    const h = Math.max(1, this.x.get(3, 0));
    const sr = POSITION_NOISE * h;
    const r = diag([sr, sr, sr, sr].map((s) => s * s));
    const s = H.mmul(this.p).mmul(H.transpose()).add(r);
    const k = this.p.mmul(H.transpose()).mmul(inverse(s));
    const y = z.sub(H.mmul(this.x));
    this.x = this.x.add(k.mmul(y));
    this.p = Matrix.eye(8, 8).sub(k.mmul(H)).mmul(this.p);
    return this.box();
  }

  /** The current estimate as a box. */
  box(): Box {
    const cx = this.x.get(0, 0);
    const cy = this.x.get(1, 0);
    const w = Math.max(1, this.x.get(2, 0));
    const h = Math.max(1, this.x.get(3, 0));
    return { x: cx - w / 2, y: cy - h / 2, width: w, height: h };
  }
}

function measure(b: Box): [number, number, number, number] {
  return [b.x + b.width / 2, b.y + b.height / 2, b.width, b.height];
}

