/**
 * Small edits of ONNX files made by others, through onnx-proto: drop initializers that are also
 * listed as graph inputs (old exporters did; onnxruntime then cannot fold them), and make fixed
 * input/output dimensions symbolic so a fully convolutional detector runs at any input size.
 */
import onnxProto from 'onnx-proto';
import { ModelError } from '../../errors.js';

const { onnx } = onnxProto;
type ModelProto = ReturnType<typeof onnx.ModelProto.decode>;

export interface OnnxEditOptions {
  /** Remove graph inputs that are initializers (default true). */
  stripInitializerInputs?: boolean;
  /**
   * Per axis of the (first) graph input, a symbolic name to give it, e.g. { 0: 'N' } or
   * { 2: 'H', 3: 'W' }; every graph output's dimensions become symbolic too (their sizes follow
   * the input's), and intermediate value_info shapes are dropped.
   */
  symbolicInputDims?: Readonly<Record<number, string>>;
  /** Rename graph outputs: old name → new name (the producing node's output is renamed too). */
  renameOutputs?: Readonly<Record<string, string>>;
}

export function decodeOnnx(bytes: Uint8Array, what = 'model'): ModelProto {
  let m: ModelProto;
  try {
    m = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new ModelError(`${what} is not an ONNX file: ${(e as Error).message}`, e);
  }
  if (!m.graph || !(m.graph.node?.length ?? 0)) throw new ModelError(`${what} is not an ONNX model: it has no graph`);
  return m;
}

/** Apply the edits and serialise again. */
export function editOnnx(bytes: Uint8Array, options: OnnxEditOptions = {}, what = 'model'): Uint8Array {
  const m = decodeOnnx(bytes, what);
  const g = m.graph!;
  if (options.stripInitializerInputs ?? true) {
    const inits = new Set((g.initializer ?? []).map((i) => i.name));
    g.input = (g.input ?? []).filter((i) => !inits.has(i.name));
  }
  const sym = options.symbolicInputDims;
  if (sym && Object.keys(sym).length > 0) {
    const input = g.input?.[0];
    const dims = input?.type?.tensorType?.shape?.dim;
    if (!dims) throw new ModelError(`${what}: its input has no shape to make symbolic`);
    for (const [axis, name] of Object.entries(sym)) {
      const d = dims[Number(axis)];
      if (!d) throw new ModelError(`${what}: its input has no axis ${axis}`);
      dims[Number(axis)] = onnx.TensorShapeProto.Dimension.create({ dimParam: name });
    }
    for (const o of g.output ?? []) {
      const od = o.type?.tensorType?.shape?.dim;
      if (od) o.type!.tensorType!.shape!.dim = od.map((_, i) => onnx.TensorShapeProto.Dimension.create({ dimParam: `${o.name}_${i}` }));
    }
    g.valueInfo = [];
  }
  for (const [from, to] of Object.entries(options.renameOutputs ?? {})) {
    const o = (g.output ?? []).find((x) => x.name === from);
    if (!o) throw new ModelError(`${what} has no output named ${from}`);
    o.name = to;
    for (const n of g.node ?? []) {
      n.output = (n.output ?? []).map((x) => (x === from ? to : x));
      n.input = (n.input ?? []).map((x) => (x === from ? to : x));
    }
  }
  return onnx.ModelProto.encode(m).finish();
}
