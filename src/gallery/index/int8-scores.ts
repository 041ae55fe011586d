/**
 * The int8 prefilter's inner product, on onnxruntime: one MatMulInteger (MLAS, SIMD; VNNI where the
 * CPU has it) of a uint8 query row against the gallery's int8 encodings, stored in blocks of B rows
 * transposed ([blocks, dims, B], so each block is a dims × B matrix and the product broadcasts the
 * query over the blocks). At 1M × 128 on this project's 2-core EPYC: ~10 ms per query on one thread,
 * ~5.5 ms on two, against ~118 ms for a float dot product in plain JavaScript and ~60 ms for
 * onnxruntime's float MatMul/Gemm (see ./exact.ts). Blocks of 4096 rows were as fast as one
 * [d, n] matrix; 1024 were 2× slower; the row-major [n, d] × [d, 1] product 1.5–2× slower.
 *
 * Exactness of the integers: the query's values are kept in 0..127 (7 bits), so two adjacent u8×s8
 * products sum to at most 2·127·127 = 32258 and MLAS's 16-bit intermediate (vpmaddubsw on CPUs
 * without VNNI) can never saturate: the int32 results are the exact dot products on every x86 CPU.
 * No zero point is given to MatMulInteger (with one, MLAS took a path 4–5× slower): the caller
 * subtracts the offset itself (see ExactIndex).
 *
 * onnxruntime is imported lazily, the first time a gallery is large enough to use the prefilter:
 * opening a store or searching a small gallery never loads the native addon.
 */
import type ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';

type Ort = typeof ort;

const { onnx } = onnxProto;

/** query [1, d] uint8 × encodings [blocks, d, B] int8 → [blocks, 1, B] int32. */
function graph(): Uint8Array {
  const T = onnx.TensorProto.DataType;
  const info = (name: string, dims: (number | string)[], elemType: number) =>
    onnx.ValueInfoProto.create({
      name,
      type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
    });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'likeness',
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'int8_scores',
      node: [onnx.NodeProto.create({ opType: 'MatMulInteger', name: 'scores', input: ['query', 'encodings'], output: ['scores'] })],
      input: [info('query', [1, 'd'], T.UINT8), info('encodings', ['blocks', 'd', 'B'], T.INT8)],
      output: [info('scores', ['blocks', 1, 'B'], T.INT32)],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

let ortModule: Promise<Ort> | undefined;
const sessions = new Map<number, Promise<ort.InferenceSession>>();

/** The session for `threads` intra-op threads, created once per process and kept. */
function session(threads: number): Promise<{ ort: Ort; session: ort.InferenceSession }> {
  ortModule ??= import('onnxruntime-node').then((m) => (m.default ?? m) as Ort);
  let s = sessions.get(threads);
  if (!s) {
    s = ortModule.then((o) =>
      o.InferenceSession.create(graph(), {
        intraOpNumThreads: threads,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
        // Do not burn a core spinning between queries: the encoder needs it.
        extra: { session: { intra_op: { allow_spinning: '0' } } },
      }),
    );
    sessions.set(threads, s);
    s.catch(() => sessions.delete(threads));
  }
  return Promise.all([ortModule, s]).then(([o, sess]) => ({ ort: o, session: sess }));
}

/**
 * Dot products of `query` (d values in 0..127) with every column of `blocks` (a view of exactly
 * `count` blocks of d × `blockRows` int8 values): row b·B + c of the result is block b, column c.
 */
export async function int8Scores(query: Uint8Array, blocks: Int8Array, count: number, blockRows: number, threads: number): Promise<Int32Array> {
  const d = query.length;
  const { ort: o, session: s } = await session(threads);
  const out = await s.run({
    query: new o.Tensor('uint8', query, [1, d]),
    encodings: new o.Tensor('int8', blocks, [count, d, blockRows]),
  });
  return out.scores!.data as Int32Array;
}
