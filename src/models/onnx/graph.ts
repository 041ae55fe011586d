/**
 * A small ONNX graph builder over the protobuf definitions of `onnx-proto`. Graphs built with it
 * are deterministic byte for byte: names are sequential, nothing depends on time or host.
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
type Onnx = typeof onnx;
type NodeProto = ReturnType<Onnx['NodeProto']['create']>;
type TensorProto = ReturnType<Onnx['TensorProto']['create']>;
type ValueInfoProto = ReturnType<Onnx['ValueInfoProto']['create']>;
type AttributeProto = ReturnType<Onnx['AttributeProto']['create']>;

export type AttrValue =
  | { i: number }
  | { f: number }
  | { s: string }
  | { ints: readonly number[] }
  | { floats: readonly number[] };

export const OPSET = 17;
/** Written into every model; bump when any converter's output changes, so caches rebuild. */
export const PRODUCER = { name: 'likeness', version: '2' };

function attribute(name: string, v: AttrValue): AttributeProto {
  const A = onnx.AttributeProto.AttributeType;
  if ('i' in v) return onnx.AttributeProto.create({ name, type: A.INT, i: v.i });
  if ('f' in v) return onnx.AttributeProto.create({ name, type: A.FLOAT, f: v.f });
  if ('s' in v) return onnx.AttributeProto.create({ name, type: A.STRING, s: new TextEncoder().encode(v.s) });
  if ('ints' in v) return onnx.AttributeProto.create({ name, type: A.INTS, ints: [...v.ints] });
  return onnx.AttributeProto.create({ name, type: A.FLOATS, floats: [...v.floats] });
}

function valueInfo(name: string, dims: readonly (number | string)[], elemType = onnx.TensorProto.DataType.FLOAT): ValueInfoProto {
  return onnx.ValueInfoProto.create({
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  });
}

export class GraphBuilder {
  private readonly nodes: NodeProto[] = [];
  private readonly initializers: TensorProto[] = [];
  private readonly inputs: ValueInfoProto[] = [];
  private readonly outputs: ValueInfoProto[] = [];
  private counter = 0;
  private readonly reserved = new Set<string>();

  constructor(readonly name: string) {}

  /** Keep generated value names clear of these (graph input and output names chosen by the caller). */
  reserve(...names: string[]): void {
    for (const n of names) this.reserved.add(n);
  }

  private fresh(prefix: string): string {
    let name: string;
    do name = `${prefix}_${this.counter++}`;
    while (this.reserved.has(name));
    return name;
  }

  input(name: string, dims: readonly (number | string)[]): string {
    this.inputs.push(valueInfo(name, dims));
    return name;
  }

  /** Declare `value` (a node output) as a graph output, renaming it through Identity. */
  output(name: string, value: string, dims: readonly (number | string)[]): void {
    this.nodes.push(onnx.NodeProto.create({ opType: 'Identity', input: [value], output: [name], name: `${name}_out` }));
    this.outputs.push(valueInfo(name, dims));
  }

  /** A float32 constant (initializer). */
  constant(data: Float32Array | readonly number[], dims: readonly number[], hint = 'const'): string {
    const name = this.fresh(hint);
    const arr = data instanceof Float32Array ? data : Float32Array.from(data);
    const size = dims.reduce((a, b) => a * b, 1);
    if (arr.length !== size) throw new Error(`constant ${name}: ${arr.length} values for dims [${dims.join(',')}]`);
    this.initializers.push(
      onnx.TensorProto.create({
        name,
        dims: [...dims],
        dataType: onnx.TensorProto.DataType.FLOAT,
        rawData: new Uint8Array(arr.buffer.slice(arr.byteOffset, arr.byteOffset + arr.byteLength)),
      }),
    );
    return name;
  }

  /** An int64 1-D constant (shapes, axes, pads). */
  int64s(values: readonly number[], hint = 'ints'): string {
    const name = this.fresh(hint);
    const raw = new BigInt64Array(values.map((v) => BigInt(v)));
    this.initializers.push(
      onnx.TensorProto.create({
        name,
        dims: [values.length],
        dataType: onnx.TensorProto.DataType.INT64,
        rawData: new Uint8Array(raw.buffer),
      }),
    );
    return name;
  }

  /** Add a node; returns its output names (one unless `outputs` > 1). */
  ops(opType: string, inputs: readonly string[], attrs: Record<string, AttrValue> = {}, outputs = 1): string[] {
    const outs = Array.from({ length: outputs }, () => this.fresh(opType.toLowerCase()));
    this.nodes.push(
      onnx.NodeProto.create({
        opType,
        name: this.fresh(`n_${opType}`),
        input: [...inputs],
        output: outs,
        attribute: Object.keys(attrs)
          .sort()
          .map((k) => attribute(k, attrs[k]!)),
      }),
    );
    return outs;
  }

  op(opType: string, inputs: readonly string[], attrs: Record<string, AttrValue> = {}): string {
    return this.ops(opType, inputs, attrs, 1)[0]!;
  }

  /** Serialise as an ONNX ModelProto. `metadata` lands in metadata_props (sorted by key). */
  build(metadata: Record<string, string> = {}): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: 8,
      producerName: PRODUCER.name,
      producerVersion: PRODUCER.version,
      opsetImport: [{ domain: '', version: OPSET }],
      metadataProps: Object.keys(metadata)
        .sort()
        .map((key) => ({ key, value: metadata[key]! })),
      graph: {
        name: this.name,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    });
    return onnx.ModelProto.encode(model).finish();
  }
}
