/**
 * TensorFlow.js graph model (model.json + weights) → ONNX, on GraphBuilder. Only the nodes the
 * requested outputs depend on are converted; an op outside the table (ops.ts) fails the conversion
 * with a ModelError naming every unsupported op and node at once.
 */
import { ModelError } from '../../errors.js';
import { GraphBuilder } from '../onnx/graph.js';
import type { WeightMap } from '../tfjs-weights.js';
import { attrShape, attrType, shapeDims } from './attrs.js';
import { constant, Context, dynamic, onnxElemType, tfDType, type Value } from './context.js';
import { EMITTERS } from './ops.js';
import type { TfjsGraphModelJson, TfNode } from './types.js';

export interface GraphConversionOptions {
  /** Graph name (default "tfjs-graph"). */
  name?: string;
  /**
   * ONNX output name → TF tensor ("node" or "node:index"). Default: the model's signature outputs
   * (named as in the signature, without ":0"), else every node nothing consumes.
   */
  outputs?: Record<string, string>;
  /**
   * Layout of rank-4 graph inputs in the ONNX model: 'nhwc' as in TF (default), or 'nchw' (the
   * converter then feeds the first convolution without a transpose).
   */
  inputLayout?: 'nhwc' | 'nchw';
  /** Override placeholder shapes (TF order, -1 for unknown), e.g. to fix a dynamic image size. */
  inputShapes?: Record<string, readonly number[]>;
  /** Keep tensors NCHW between layout-agnostic ops (default true; false wraps every conv/pool in transposes). */
  trackLayout?: boolean;
}

export interface GraphConversion {
  bytes: Uint8Array;
  /** ONNX inputs with their dims (strings for sizes unknown at conversion time). */
  inputs: { name: string; dims: (number | string)[] }[];
  outputs: { name: string; tensor: string; dims: (number | string)[] }[];
  /** Op types of the converted nodes, with counts. */
  ops: Record<string, number>;
}

/** "node:1" → ["node", 1]; "node" → ["node", 0]. */
function parseRef(ref: string): [string, number] {
  const m = /^(.*):(\d+)$/.exec(ref);
  return m ? [m[1]!, Number(m[2])] : [ref, 0];
}

function defaultOutputs(model: TfjsGraphModelJson): Record<string, string> {
  const sig = model.signature?.outputs;
  const out: Record<string, string> = {};
  if (sig && Object.keys(sig).length > 0) {
    for (const key of Object.keys(sig).sort()) {
      const tensor = sig[key]!.name ?? key;
      out[key.replace(/:0$/, '')] = tensor.replace(/:0$/, '');
    }
    return out;
  }
  const consumed = new Set<string>();
  for (const n of model.modelTopology.node) for (const i of n.input ?? []) consumed.add(parseRef(i.replace(/^\^/, ''))[0]);
  for (const n of model.modelTopology.node) if (!consumed.has(n.name) && n.op !== 'Const' && n.op !== 'NoOp') out[n.name] = n.name;
  return out;
}

/** Nodes the targets depend on, inputs before consumers (iterative DFS: graphs can be deep). */
function topoOrder(byName: ReadonlyMap<string, TfNode>, targets: readonly string[]): TfNode[] {
  const order: TfNode[] = [];
  const state = new Map<string, 1 | 2>(); // 1 visiting, 2 done
  for (const t of targets) {
    const stack: { node: TfNode; next: number }[] = [];
    const push = (name: string): void => {
      const node = byName.get(name);
      if (!node) throw new ModelError(`graph refers to unknown node "${name}"`);
      const s = state.get(name);
      if (s === 2) return;
      if (s === 1) throw new ModelError(`graph has a cycle through node "${name}"`);
      state.set(name, 1);
      stack.push({ node, next: 0 });
    };
    push(t);
    while (stack.length > 0) {
      const top = stack.at(-1)!;
      const inputs = top.node.input ?? [];
      if (top.next < inputs.length) {
        const ref = inputs[top.next++]!;
        push(parseRef(ref.replace(/^\^/, ''))[0]);
      } else {
        stack.pop();
        state.set(top.node.name, 2);
        order.push(top.node);
      }
    }
  }
  return order;
}

/** ONNX dims of a TF shape: -1 becomes "N" for the first dimension, `<prefix>_<i>` for the others. */
export function dimsOf(shape: readonly number[], prefix: string): (number | string)[] {
  return shape.map((d, i) => (d >= 0 ? d : i === 0 ? 'N' : `${prefix}_${i}`));
}

export function convertGraphModel(model: TfjsGraphModelJson, weights: WeightMap, options: GraphConversionOptions = {}): GraphConversion {
  const nodes = model.modelTopology?.node;
  if (!Array.isArray(nodes)) throw new ModelError('not a tfjs graph model: modelTopology.node is missing');
  const byName = new Map<string, TfNode>();
  for (const n of nodes) byName.set(n.name, n);

  const outputs = options.outputs ?? defaultOutputs(model);
  if (Object.keys(outputs).length === 0) throw new ModelError('graph model has no outputs');
  const targets = Object.values(outputs).map((r) => parseRef(r)[0]);
  for (const t of targets) if (!byName.has(t)) throw new ModelError(`output tensor "${t}" is not a node of the graph`);
  const order = topoOrder(byName, targets);

  const unsupported = new Map<string, string[]>();
  for (const n of order) {
    if (n.op === 'Placeholder' || n.op === 'Const' || n.op === 'NoOp' || EMITTERS[n.op]) continue;
    unsupported.set(n.op, [...(unsupported.get(n.op) ?? []), n.name]);
  }
  if (unsupported.size > 0) {
    const list = [...unsupported].map(([op, names]) => `${op} (${names.length} node${names.length > 1 ? 's' : ''}, e.g. "${names[0]}")`);
    throw new ModelError(`unsupported TensorFlow op${unsupported.size > 1 ? 's' : ''}: ${list.join('; ')}`);
  }

  const g = new GraphBuilder(options.name ?? 'tfjs-graph');
  const c: Context = new Context(g, options.trackLayout ?? true);
  const values = new Map<string, Value[]>();
  const inputs: GraphConversion['inputs'] = [];
  const ops: Record<string, number> = {};

  const resolve = (ref: string): Value => {
    const [name, index] = parseRef(ref);
    const v = values.get(name)?.[index];
    if (!v) throw new ModelError(`node "${c.node?.name}" uses output ${index} of "${name}", which the converter does not produce`);
    return v;
  };

  for (const node of order) {
    c.node = node;
    ops[node.op] = (ops[node.op] ?? 0) + 1;
    if (node.op === 'NoOp') {
      values.set(node.name, []);
      continue;
    }
    if (node.op === 'Placeholder') {
      const dtype = tfDType(node, attrType(node, 'dtype', 'DT_FLOAT'));
      if (dtype !== 'float32') c.fail('only float32 graph inputs are supported');
      const shape = options.inputShapes?.[node.name] ?? attrShape(node, 'shape') ?? shapeDims(model.signature?.inputs?.[`${node.name}:0`]?.tensorShape ?? model.signature?.inputs?.[node.name]?.tensorShape);
      if (!shape) c.fail('placeholder has no known rank');
      const nchw = options.inputLayout === 'nchw' && shape.length === 4;
      const dims = dimsOf(nchw ? [shape[0]!, shape[3]!, shape[1]!, shape[2]!] : shape, node.name);
      g.input(node.name, dims);
      inputs.push({ name: node.name, dims });
      values.set(node.name, [dynamic(node.name, shape, dtype, nchw ? 'nchw' : 'nhwc')]);
      continue;
    }
    if (node.op === 'Const') {
      const w = weights.get(node.name);
      if (!w) c.fail('constant has no value in the weights manifest');
      const dtype = tfDType(node, attrType(node, 'dtype', 'DT_FLOAT'));
      values.set(node.name, [constant(w.shape, dtype, Float64Array.from(w.data))]);
      continue;
    }
    const args = (node.input ?? []).filter((i) => !i.startsWith('^')).map(resolve);
    const out = EMITTERS[node.op]!(c, node, args);
    values.set(node.name, Array.isArray(out) ? out : [out]);
  }
  c.node = undefined;

  const outList: GraphConversion['outputs'] = [];
  for (const [name, ref] of Object.entries(outputs)) {
    const v = resolve(ref);
    let value = c.nhwc(v);
    if (v.dtype !== 'float32') value = g.op('Cast', [value], { to: { i: onnxElemType('float32') } });
    const dims = dimsOf(v.shape, name);
    g.output(name, value, dims);
    outList.push({ name, tensor: ref, dims });
  }
  const bytes = g.build({
    source: 'tensorflowjs graph model',
    ...(model.generatedBy ? { generatedBy: String(model.generatedBy) } : {}),
    ...(model.convertedBy ? { convertedBy: String(model.convertedBy) } : {}),
    outputs: JSON.stringify(outputs),
  });
  return { bytes, inputs, outputs: outList, ops };
}

