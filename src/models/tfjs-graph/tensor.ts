/**
 * Small dense-tensor helpers for constants known at conversion time (weights, shapes, folded
 * sub-graphs). Data is kept as float64 so int32 shapes and float32 weights are both exact.
 */

export const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

export function strides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1]! * shape[i + 1]!;
  return s;
}

/**
 * NumPy/TF broadcasting of static shapes; -1 (unknown) is compatible with anything and stays
 * unknown unless the other side is a known size > 1. Returns undefined when incompatible.
 */
export function broadcastShapes(shapes: readonly (readonly number[])[]): number[] | undefined {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    let d = 1;
    for (const s of shapes) {
      const k = s.length - rank + i;
      const e = k < 0 ? 1 : s[k]!;
      if (e === 1) continue;
      if (d === 1) d = e;
      else if (e === -1) continue;
      else if (d === -1) d = e;
      else if (d !== e) return undefined;
    }
    out.push(d);
  }
  return out;
}

/** Element-wise op over broadcast constant operands (shapes must be fully known). */
export function broadcastMap(
  inputs: readonly { shape: readonly number[]; data: Float64Array }[],
  f: (...xs: number[]) => number,
): { shape: number[]; data: Float64Array } {
  const shape = broadcastShapes(inputs.map((x) => x.shape));
  if (!shape) throw new RangeError('shapes do not broadcast');
  const rank = shape.length;
  const out = new Float64Array(size(shape));
  const inStrides = inputs.map((x) => {
    const st = strides(x.shape);
    // stride 0 along broadcast dimensions
    return shape.map((_, i) => {
      const k = x.shape.length - rank + i;
      return k < 0 || x.shape[k] === 1 ? 0 : st[k]!;
    });
  });
  const idx = new Array<number>(rank).fill(0);
  const args = new Array<number>(inputs.length);
  for (let o = 0; o < out.length; o++) {
    for (let j = 0; j < inputs.length; j++) {
      let off = 0;
      const s = inStrides[j]!;
      for (let i = 0; i < rank; i++) off += idx[i]! * s[i]!;
      args[j] = inputs[j]!.data[off]!;
    }
    out[o] = f(...args);
    for (let i = rank - 1; i >= 0; i--) {
      if (++idx[i]! < shape[i]!) break;
      idx[i] = 0;
    }
  }
  return { shape, data: out };
}

/** out[j] = in[perm[j]] over axes. */
export function transposeData<T extends Float32Array | Float64Array>(data: T, shape: readonly number[], perm: readonly number[]): { shape: number[]; data: T } {
  const outShape = perm.map((p) => shape[p]!);
  const inSt = strides(shape);
  const permSt = perm.map((p) => inSt[p]!);
  const out = (data instanceof Float32Array ? new Float32Array(data.length) : new Float64Array(data.length)) as T;
  const rank = shape.length;
  const idx = new Array<number>(rank).fill(0);
  for (let o = 0; o < out.length; o++) {
    let off = 0;
    for (let i = 0; i < rank; i++) off += idx[i]! * permSt[i]!;
    out[o] = data[off]!;
    for (let i = rank - 1; i >= 0; i--) {
      if (++idx[i]! < outShape[i]!) break;
      idx[i] = 0;
    }
  }
  return { shape: outShape, data: out };
}

/** Inverse of a permutation. */
export function invertPerm(perm: readonly number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => (inv[p] = i));
  return inv;
}

export const isIdentityPerm = (perm: readonly number[]): boolean => perm.every((p, i) => p === i);

/**
 * Strided slice over constant data: for each axis, begin/end/step already normalised (end exclusive,
 * possibly -1 for "before index 0" with negative steps).
 */
export function sliceData(
  data: Float64Array,
  shape: readonly number[],
  begin: readonly number[],
  end: readonly number[],
  step: readonly number[],
): { shape: number[]; data: Float64Array } {
  const outShape = shape.map((_, i) => Math.max(0, Math.ceil((end[i]! - begin[i]!) / step[i]!)));
  const st = strides(shape);
  const out = new Float64Array(size(outShape));
  const rank = shape.length;
  const idx = new Array<number>(rank).fill(0);
  for (let o = 0; o < out.length; o++) {
    let off = 0;
    for (let i = 0; i < rank; i++) off += (begin[i]! + idx[i]! * step[i]!) * st[i]!;
    out[o] = data[off]!;
    for (let i = rank - 1; i >= 0; i--) {
      if (++idx[i]! < outShape[i]!) break;
      idx[i] = 0;
    }
  }
  return { shape: outShape, data: out };
}

/** Concatenate constant tensors along `axis`. */
export function concatData(parts: readonly { shape: readonly number[]; data: Float64Array }[], axis: number): { shape: number[]; data: Float64Array } {
  const first = parts[0]!.shape;
  const outer = size(first.slice(0, axis));
  const shape = [...first];
  shape[axis] = parts.reduce((n, p) => n + p.shape[axis]!, 0);
  const out = new Float64Array(size(shape));
  let o = 0;
  for (let i = 0; i < outer; i++) {
    for (const p of parts) {
      const inner = size(p.shape.slice(axis));
      out.set(p.data.subarray(i * inner, (i + 1) * inner), o);
      o += inner;
    }
  }
  return { shape, data: out };
}
