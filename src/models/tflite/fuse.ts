/**
 * Finding PReLU split into parts. TOCO (TF 1.x's TFLite converter) had no PRELU builtin for
 * `tf.nn.relu(x) + alpha * (x - abs(x)) * 0.5`, so sirius-ai's MobileFaceNet carries each PReLU as
 * five operators, with alpha·0.5 folded into one constant k:
 *
 *     r = RELU(x);  a = ABS(x);  s = SUB(x, a);  m = MUL(k, s);  y = ADD(r, m)
 *
 * For x ≥ 0 this is x; for x < 0 it is k·2x, so y = PRelu(x, 2k), exactly in float32 (x − |x| = 2x
 * and the factor 2 are exact). One ONNX PRelu instead of five nodes halves the network's run time.
 * A pattern is fused only when its intermediate tensors feed nothing else, none is a graph output,
 * none of its ops carries a fused activation, and k is a per-channel (or scalar) constant.
 */
import { size } from '../tfjs-graph/tensor.js';
import { tensorValues } from './data.js';
import { readOptions, type OptionTable, type TfliteModel, type TfliteOperator, type TfliteSubgraph } from './schema.js';

export interface SplitPrelu {
  /** The ADD operator that the PRelu replaces. */
  add: number;
  /** Operators folded into it (RELU, ABS, SUB, MUL). */
  parts: number[];
  /** Tensor index of x. */
  input: number;
  /** PRelu's slope per channel (one value: shared by all channels). */
  alpha: Float64Array;
}

/** Producer and consumers of each tensor among `ops`. */
export interface Uses {
  producer: Map<number, TfliteOperator>;
  consumers: Map<number, number>;
}

export function uses(ops: readonly TfliteOperator[]): Uses {
  const producer = new Map<number, TfliteOperator>();
  const consumers = new Map<number, number>();
  for (const op of ops) {
    for (const t of op.outputs) producer.set(t, op);
    for (const t of op.inputs) if (t >= 0) consumers.set(t, (consumers.get(t) ?? 0) + 1);
  }
  return { producer, consumers };
}

const OPTIONS: Record<string, OptionTable> = { ADD: 'AddOptions', SUB: 'SubOptions', MUL: 'MulOptions' };

/** Split PReLUs among `ops` (the operators being converted), keyed by their ADD operator's index. */
export function findSplitPrelus(model: TfliteModel, sg: TfliteSubgraph, ops: readonly TfliteOperator[]): Map<number, SplitPrelu> {
  const { producer, consumers } = uses(ops);
  const outputs = new Set(sg.outputs);
  /** The operator producing tensor t if it is `kind`, plain (no fused activation), with one output feeding one consumer. */
  const inner = (t: number, kind: string): TfliteOperator | undefined => {
    const op = producer.get(t);
    if (!op || op.op !== kind || op.outputs.length !== 1 || outputs.has(t) || consumers.get(t) !== 1) return undefined;
    const table = OPTIONS[kind];
    if (table && readOptions(model, op, table).fused_activation_function !== 0) return undefined;
    return op;
  };
  const found = new Map<number, SplitPrelu>();
  for (const add of ops) {
    if (add.op !== 'ADD' || add.inputs.length !== 2 || readOptions(model, add, 'AddOptions').fused_activation_function !== 0) continue;
    for (const [ri, mi] of [[0, 1], [1, 0]] as const) {
      const relu = inner(add.inputs[ri]!, 'RELU');
      const mul = inner(add.inputs[mi]!, 'MUL');
      if (!relu || !mul || mul.inputs.length !== 2) continue;
      const x = relu.inputs[0]!;
      const match = [0, 1].flatMap((ki) => {
        const k = sg.tensors[mul.inputs[ki]!];
        const sub = inner(mul.inputs[1 - ki]!, 'SUB');
        if (!k?.data || k.type !== 'FLOAT32' || !sub || sub.inputs[0] !== x) return [];
        const abs = inner(sub.inputs[1]!, 'ABS');
        if (!abs || abs.inputs[0] !== x) return [];
        // k must be one value or one per channel (the last axis of x), broadcast over the rest.
        const channels = sg.tensors[x]!.shape.at(-1);
        const n = size(k.shape);
        if (!(n === 1 || (n === channels && k.shape.slice(0, -1).every((d) => d === 1)))) return [];
        return [{ k: tensorValues(k), parts: [relu.index, abs.index, sub.index, mul.index] }];
      })[0];
      if (!match) continue;
      found.set(add.index, { add: add.index, parts: match.parts, input: x, alpha: match.k.map((v) => 2 * v) });
      break;
    }
  }
  return found;
}
