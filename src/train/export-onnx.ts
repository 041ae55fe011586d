/**
 * Trained models as ONE ONNX file each, so inference stays on onnxruntime:
 * - head mode: the pretrained encoder's graph with the head appended (its raw output L2-normalised,
 *   then MatMul/Add/Relu and L2 normalisation), mapping the aligned chip to the new encoding;
 * - scratch mode: the small CNN rebuilt from its trained weights.
 * The embedder description goes into metadata_props (see models/model-file.ts).
 */
import onnxProto from 'onnx-proto';
import { GraphBuilder, PRODUCER } from '../models/onnx/graph.js';
import { conv, dense, flatten, hwioToOihw, pool, relu } from '../models/onnx/layers.js';
import { EMBEDDER_METADATA_KEY, type EmbedderFileMetadata } from '../models/model-file.js';
import type { HeadWeights } from './head.js';
import type { ScratchWeights } from './scratch.js';
import { KERNEL1 } from './scratch.js';

const { onnx } = onnxProto;
type ModelProto = ReturnType<typeof onnx.ModelProto.decode>;

/** x / max(‖x‖₂, 1e-12) over axis 1 (as head.ts's l2normalizeTf). */
function l2normalize(g: GraphBuilder, x: string): string {
  const norm = g.op('ReduceL2', [x], { axes: { ints: [1] }, keepdims: { i: 1 } });
  return g.op('Div', [x, g.op('Max', [norm, g.constant([1e-12], [], 'eps')])]);
}

/** The head as a graph from `input` [N, in] to `embedding` [N, out] (unit rows). */
function headGraph(h: HeadWeights): GraphBuilder {
  const g = new GraphBuilder('likeness-head');
  const x = l2normalize(g, g.input('input', ['N', h.inDim]));
  let y: string;
  if (h.kind === 'linear') y = dense(g, x, h.w, h.inDim, h.outDim, h.b);
  else y = g.op('Add', [x, dense(g, relu(g, dense(g, x, h.w1, h.inDim, h.hidden, h.b1)), h.w2, h.hidden, h.outDim, h.b2)]);
  g.output('embedding', l2normalize(g, y), ['N', h.outDim]);
  return g;
}

function metadataProps(meta: EmbedderFileMetadata): { key: string; value: string }[] {
  return [{ key: EMBEDDER_METADATA_KEY, value: JSON.stringify(meta) }];
}

/**
 * The pretrained model's graph (ONNX bytes) with the head appended after its output `baseOutput`;
 * the composed model's output is `embedding`.
 */
export function headOnnx(baseBytes: Uint8Array, baseOutput: string, head: HeadWeights, meta: EmbedderFileMetadata): Uint8Array {
  const base = onnx.ModelProto.decode(baseBytes);
  const tail = onnx.ModelProto.decode(headGraph(head).build());
  const bg = base.graph!;
  const tg = tail.graph!;
  const joint = 'likeness_base_output';
  if (!bg.output!.some((o) => o.name === baseOutput)) throw new Error(`the base model has no output ${baseOutput}`);
  // The base output becomes an inner value; the head's names get a prefix so nothing clashes.
  for (const n of bg.node!) {
    n.output = n.output!.map((o) => (o === baseOutput ? joint : o));
    n.input = n.input!.map((i) => (i === baseOutput ? joint : i));
  }
  const rename = (name: string): string => (name === 'input' ? joint : name === 'embedding' ? 'embedding' : `head/${name}`);
  for (const n of tg.node!) {
    n.input = n.input!.map(rename);
    n.output = n.output!.map(rename);
    n.name = `head/${n.name ?? ''}`;
  }
  for (const t of tg.initializer!) t.name = rename(t.name!);
  bg.node = [...bg.node!, ...tg.node!];
  bg.initializer = [...bg.initializer!, ...tg.initializer!];
  bg.output = tg.output!;
  bg.name = `${bg.name ?? 'base'}+likeness-head`;
  const model: ModelProto = base;
  model.producerName = PRODUCER.name;
  model.producerVersion = PRODUCER.version;
  model.metadataProps = metadataProps(meta).map((p) => onnx.StringStringEntryProto.create(p));
  return onnx.ModelProto.encode(model).finish();
}

/** The scratch CNN as ONNX: input [N, 3, S, S] normalised chip → embedding [N, out]. */
export function scratchOnnx(w: ScratchWeights, meta: EmbedderFileMetadata): Uint8Array {
  const g = new GraphBuilder('likeness-scratch');
  const [c1, c2, c3] = w.channels;
  let x = g.input('input', ['N', 3, w.size, w.size]);
  x = g.op('ReduceMean', [x], { axes: { ints: [1] }, keepdims: { i: 1 } });
  x = pool(g, 'AveragePool', x, 2, 2, 'valid');
  x = relu(g, conv(g, x, { weight: hwioToOihw(w.w1, [KERNEL1, KERNEL1, 1, c1]), bias: w.b1, stride: 2, padding: 'same' }));
  x = relu(g, conv(g, x, { weight: hwioToOihw(w.w2, [2, 2, c1, c2]), bias: w.b2, stride: 2, padding: 'valid' }));
  x = relu(g, conv(g, x, { weight: hwioToOihw(w.w3, [2, 2, c2, c3]), bias: w.b3, stride: 2, padding: 'valid' }));
  // Dense weights are over NHWC-flattened features (tfjs order).
  x = flatten(g, g.op('Transpose', [x], { perm: { ints: [0, 2, 3, 1] } }));
  const feat = (w.size / 16) ** 2 * c3;
  g.output('embedding', l2normalize(g, dense(g, x, w.wd, feat, w.outDim, w.bd)), ['N', w.outDim]);
  return g.build({ [EMBEDDER_METADATA_KEY]: JSON.stringify(meta) });
}
