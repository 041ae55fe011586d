/**
 * TFLite model (one subgraph of a `.tflite` file) → ONNX, on GraphBuilder. Only the operators the
 * outputs depend on are converted, in the file's execution order. Before anything is emitted the
 * whole graph is checked, and every unsupported op, tensor type or quantised tensor is reported in
 * one ModelError. Constant DEQUANTIZE (float16 or int8 weights) is folded into float32 weights;
 * PReLU split into RELU/ABS/SUB/MUL/ADD is fused back into one PRelu (fuse.ts).
 *
 * By default the batch dimension becomes symbolic ("N"): TFLite files fix it (MobileFaceNet's is 2),
 * while a pipeline wants to run any number of faces at once.
 */
import { ModelError } from '../../errors.js';
import { GraphBuilder } from '../onnx/graph.js';
import { constant, Context, dynamic, onnxElemType, type DType, type Value } from '../tfjs-graph/context.js';
import { dimsOf, type GraphConversion } from '../tfjs-graph/convert.js';
import type { TfNode } from '../tfjs-graph/types.js';
import { dequantizeValues, tensorValues } from './data.js';
import { findSplitPrelus } from './fuse.js';
import { prelu, TFLITE_EMITTERS, type OpContext, type PreluForm } from './ops.js';
import { readTflite, type TfliteModel, type TfliteOperator, type TfliteSubgraph, type TfliteTensor } from './schema.js';

export interface TfliteConversionOptions {
  /** Graph name (default: the subgraph's name, else "tflite"). */
  name?: string;
  /** Which subgraph (default 0, the main one). */
  subgraph?: number;
  /**
   * Layout of rank-4 inputs in the ONNX model: 'nhwc' as in TFLite (default), or 'nchw' (the first
   * convolution then reads the input without a transpose).
   */
  inputLayout?: 'nhwc' | 'nchw';
  /** 'dynamic' (default): the first dimension of inputs and outputs is symbolic "N"; 'fixed': as in the file. */
  batch?: 'dynamic' | 'fixed';
  /** TFLite tensor name → ONNX input name (default: the tensor's name, sanitised). */
  inputNames?: Record<string, string>;
  /** TFLite tensor name → ONNX output name (default: the tensor's name, sanitised), e.g. { embeddings: 'embedding' }. */
  outputNames?: Record<string, string>;
  /** Fuse PReLU split into parts back into PRelu (default true; false keeps the file's operators, for comparison). */
  fusePrelu?: boolean;
  /** How a PReLU is written (ops.ts PreluForm): 'prelu' (default, exact) or 'conv' (faster in onnxruntime on CPU). */
  preluForm?: PreluForm;
}

export interface TfliteConversion extends GraphConversion {
  /** Patterns fused into one ONNX node. */
  fused: { prelu: number };
}

const DTYPES: Partial<Record<string, DType>> = { FLOAT32: 'float32', INT32: 'int32', INT64: 'int64', BOOL: 'bool' };
/** Constant types DEQUANTIZE can fold. */
const DEQUANTIZABLE = new Set(['FLOAT16', 'INT8', 'UINT8', 'INT16']);

/** A tensor name as an ONNX graph input/output name: [A-Za-z0-9_] only, unique. */
function ioName(name: string, fallback: string, taken: Set<string>): string {
  let n = name.replace(/[^A-Za-z0-9_]/g, '_') || fallback;
  while (taken.has(n)) n = `${n}_`;
  return n;
}

/** Operators the outputs depend on, in execution order. */
function neededOperators(sg: TfliteSubgraph): TfliteOperator[] {
  const needed = new Set(sg.outputs);
  const out: TfliteOperator[] = [];
  for (let i = sg.operators.length - 1; i >= 0; i--) {
    const op = sg.operators[i]!;
    if (!op.outputs.some((t) => needed.has(t))) continue;
    out.push(op);
    for (const t of op.inputs) if (t >= 0) needed.add(t);
  }
  return out.reverse();
}

/** Every reason the converter cannot take these operators, grouped, in one message (undefined: none). */
function problems(sg: TfliteSubgraph, ops: readonly TfliteOperator[]): string | undefined {
  const found = new Map<string, string[]>(); // reason → example tensor names
  const add = (reason: string, example: string): void => {
    const list = found.get(reason) ?? [];
    list.push(example);
    found.set(reason, list);
  };
  const name = (op: TfliteOperator): string => sg.tensors[op.outputs[0]!]?.name ?? `operator ${op.index}`;
  const runtime = (t: TfliteTensor, where: string): void => {
    if (t.quantization && t.type !== 'FLOAT32') add(`quantised ${t.type} tensors (fully quantised models are not supported)`, where);
    else if (t.type !== 'FLOAT32' && t.type !== 'INT32') add(`${t.type} tensors computed at run time`, where);
  };
  for (const i of sg.inputs) if (sg.tensors[i]!.type !== 'FLOAT32') add(`${sg.tensors[i]!.type} graph inputs (float32 only)`, sg.tensors[i]!.name);
  for (const op of ops) {
    const where = name(op);
    if (op.op === 'DEQUANTIZE') {
      const t = sg.tensors[op.inputs[0] ?? -1];
      if (!t?.data) add('DEQUANTIZE of a tensor computed at run time', where);
      else if (!DEQUANTIZABLE.has(t.type)) add(`DEQUANTIZE of ${t.type} constants`, where);
      continue;
    }
    if (!TFLITE_EMITTERS[op.op]) {
      add(`op ${op.op}`, where);
      continue;
    }
    for (const i of op.inputs) {
      const t = i >= 0 ? sg.tensors[i]! : undefined;
      if (!t) continue;
      if (t.data) {
        if (!DTYPES[t.type] || (t.quantization && t.type !== 'FLOAT32')) add(`${t.quantization ? 'quantised ' : ''}${t.type} constants used by ${op.op}`, t.name);
      } else if (!sg.inputs.includes(i)) runtime(t, t.name);
    }
    for (const i of op.outputs) runtime(sg.tensors[i]!, sg.tensors[i]!.name);
  }
  if (found.size === 0) return undefined;
  return [...found]
    .map(([reason, names]) => {
      const unique = [...new Set(names)];
      return `${reason} (${unique.length}, e.g. "${unique[0]}")`;
    })
    .join('; ');
}

/**
 * Convert a TFLite model (the file's bytes, or as read by readTflite) to ONNX. Every failure is a
 * ModelError: one naming everything unsupported, or what in the file is inconsistent.
 */
export function convertTflite(file: Uint8Array | TfliteModel, options: TfliteConversionOptions = {}): TfliteConversion {
  const model = file instanceof Uint8Array ? readTflite(file) : file;
  try {
    return convert(model, options);
  } catch (cause) {
    if (cause instanceof ModelError) throw cause;
    // A file that reads as a flatbuffer but whose shapes and data contradict each other.
    throw new ModelError(`cannot convert this TFLite model: ${(cause as Error).message}`, cause);
  }
}

function convert(model: TfliteModel, options: TfliteConversionOptions): TfliteConversion {
  const si = options.subgraph ?? 0;
  const sg = model.subgraphs[si];
  if (!sg) throw new ModelError(`the model has ${model.subgraphs.length} subgraph(s), no subgraph ${si}`);
  if (sg.outputs.length === 0) throw new ModelError('the subgraph has no outputs');
  const ops = neededOperators(sg);
  const problem = problems(sg, ops);
  if (problem) throw new ModelError(`cannot convert this TFLite model: unsupported ${problem}`);

  for (const key of Object.keys(options.outputNames ?? {})) {
    if (!sg.outputs.some((i) => sg.tensors[i]!.name === key)) throw new ModelError(`outputNames names "${key}", which is not an output (outputs: ${sg.outputs.map((i) => sg.tensors[i]!.name).join(', ')})`);
  }
  for (const key of Object.keys(options.inputNames ?? {})) {
    if (!sg.inputs.some((i) => sg.tensors[i]!.name === key)) throw new ModelError(`inputNames names "${key}", which is not an input (inputs: ${sg.inputs.map((i) => sg.tensors[i]!.name).join(', ')})`);
  }

  const g = new GraphBuilder(options.name ?? (sg.name || 'tflite'));
  const c = new Context(g, true);
  const values = new Map<number, Value>();
  // Input and output names first, so that no generated name can take one of them.
  const taken = new Set<string>();
  const nameOf = (t: TfliteTensor, given: string | undefined, fallback: string): string => {
    if (given !== undefined && taken.has(given)) throw new ModelError(`two graph inputs or outputs named "${given}"`);
    const name = given ?? ioName(t.name, fallback, taken);
    taken.add(name);
    return name;
  };
  const inputNames = sg.inputs.map((i, k) => nameOf(sg.tensors[i]!, options.inputNames?.[sg.tensors[i]!.name], `input_${k}`));
  const outputNames = sg.outputs.map((i, k) => nameOf(sg.tensors[i]!, options.outputNames?.[sg.tensors[i]!.name], `output_${k}`));
  g.reserve(...taken);
  const dynamicBatch = (options.batch ?? 'dynamic') === 'dynamic';
  const preluForm = options.preluForm ?? 'prelu';
  let batch: number | undefined;

  const inputs: GraphConversion['inputs'] = [];
  for (const [k, i] of sg.inputs.entries()) {
    const t = sg.tensors[i]!;
    const shape = [...t.shapeSignature];
    if (dynamicBatch && shape.length >= 2) {
      if (batch !== undefined && t.shape[0] !== batch) throw new ModelError(`inputs disagree on the batch size (${batch} and ${t.shape[0]}); convert with batch: 'fixed'`);
      batch = t.shape[0]!;
      shape[0] = -1;
    }
    const nchw = options.inputLayout === 'nchw' && shape.length === 4;
    const name = inputNames[k]!;
    const dims = dimsOf(nchw ? [shape[0]!, shape[3]!, shape[1]!, shape[2]!] : shape, name);
    g.input(name, dims);
    inputs.push({ name, dims });
    values.set(i, dynamic(name, shape, 'float32', nchw ? 'nchw' : 'nhwc'));
  }

  const value = (i: number, op: TfliteOperator): Value | undefined => {
    if (i < 0) return undefined;
    const v = values.get(i);
    if (v) return v;
    const t = sg.tensors[i]!;
    if (!t.data) throw new ModelError(`operator ${op.index} (${op.op}) reads tensor "${t.name}" before any operator writes it`);
    const k = constant(t.shape, DTYPES[t.type]!, tensorValues(t));
    values.set(i, k);
    return k;
  };

  const fusions = options.fusePrelu === false ? new Map() : findSplitPrelus(model, sg, ops);
  const skipped = new Set([...fusions.values()].flatMap((f) => f.parts));
  const counts: Record<string, number> = {};
  for (const op of ops) {
    counts[op.op] = (counts[op.op] ?? 0) + 1;
    if (skipped.has(op.index)) continue;
    const outName = sg.tensors[op.outputs[0]!]?.name ?? `operator ${op.index}`;
    c.node = { name: outName, op: op.op } satisfies TfNode;
    let out: Value | Value[];
    const fused = fusions.get(op.index);
    if (fused) out = prelu(c, value(fused.input, op)!, fused.alpha, preluForm);
    else if (op.op === 'DEQUANTIZE') {
      const t = sg.tensors[op.inputs[0]!]!;
      out = constant(t.shape, 'float32', dequantizeValues(t));
    } else {
      const x: OpContext = { c, model, op, preluForm, ...(batch !== undefined ? { batch } : {}) };
      out = TFLITE_EMITTERS[op.op]!(x, op.inputs.map((i) => value(i, op)));
    }
    const outs = Array.isArray(out) ? out : [out];
    if (outs.length < op.outputs.length) c.fail(`internal: ${outs.length} results for ${op.outputs.length} outputs`);
    op.outputs.forEach((t, k) => values.set(t, outs[k]!));
  }
  c.node = undefined;

  const outputs: GraphConversion['outputs'] = [];
  for (const [k, i] of sg.outputs.entries()) {
    const t = sg.tensors[i]!;
    const v = values.get(i) ?? (t.data ? constant(t.shape, DTYPES[t.type] ?? 'float32', tensorValues(t)) : undefined);
    if (!v) throw new ModelError(`output "${t.name}" is not computed by any operator`);
    let name = c.nhwc(v);
    if (v.dtype !== 'float32') name = g.op('Cast', [name], { to: { i: onnxElemType('float32') } });
    const onnxName = outputNames[k]!;
    const dims = dimsOf(v.shape, onnxName);
    g.output(onnxName, name, dims);
    outputs.push({ name: onnxName, tensor: t.name, dims });
  }
  const bytes = g.build({
    source: 'tflite',
    ...(model.description ? { description: model.description } : {}),
    outputs: JSON.stringify(Object.fromEntries(outputs.map((o) => [o.name, o.tensor]))),
  });
  return { bytes, inputs, outputs, ops: counts, fused: { prelu: fusions.size } };
}
