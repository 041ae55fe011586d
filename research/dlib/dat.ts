/**
 * Reader for the parameters of a dlib DNN saved with `serialize(net, "file.dat")`, enough for the
 * layer types of dlib's face-recognition ResNet: `con_`, `affine_` and `fc_`.
 *
 * dlib writes a network input layer first and then each layer's details in data-flow order. Every
 * layer starts with its tag as a dlib string (a compact length, then the characters); the parameter
 * tensors of these three layers follow their tag (fc_ writes its output and input counts first).
 * dlib's compact integers are one byte `size | (negative ? 0x80 : 0)` followed by `size`
 * little-endian bytes; a tensor (version 2) is its version, num_samples, k, nr, nc as compact
 * integers, then the values as little-endian IEEE float32.
 *
 * The reader walks the file looking for those tags and checks every tensor header it reads, so a
 * file that is not such a network fails with a ModelError instead of giving garbage weights.
 */
import { ModelError } from '../../src/errors.js';

/** One layer's parameters: `params` exactly as dlib holds them (its `get_layer_params()`). */
export interface DlibLayer {
  type: 'con' | 'affine' | 'fc';
  /** The version tag dlib wrote, e.g. "con_4". */
  tag: string;
  params: Float32Array;
  /** con: [filters, channels, rows, cols]; affine: [channels]; fc: [inputs, outputs]. */
  shape: number[];
  /** con only: whether the layer has biases (after the filters in `params`). */
  bias?: boolean;
}

/** A position in a dlib-serialised file, reading its compact integers, portable floats and tensors. */
export class DlibStream {
  constructor(
    readonly buf: Uint8Array,
    public pos: number,
    readonly file: string,
    /** What the file should be, for messages: "dlib network file", "dlib shape predictor file". */
    readonly kind = 'dlib network file',
  ) {}

  fail(what: string): never {
    throw new ModelError(`${this.file}: not a ${this.kind} this reader understands (${what} at byte ${this.pos})`);
  }

  /** dlib's compact integer: one byte `size | (negative ? 0x80 : 0)`, then `size` little-endian bytes. */
  int(): number {
    if (this.pos >= this.buf.length) this.fail('unexpected end of file');
    const head = this.buf[this.pos++]!;
    const size = head & 0x0f;
    if (size === 0 || size > 8 || (head & 0x70) !== 0) this.fail(`bad integer header 0x${head.toString(16)}`);
    if (this.pos + size > this.buf.length) this.fail('unexpected end of file');
    let v = 0;
    for (let i = 0; i < size; i++) v += this.buf[this.pos++]! * 2 ** (8 * i);
    return head & 0x80 ? -v : v;
  }

  /** dlib's portable float: mantissa and exponent as compact integers. */
  float(): number {
    const mantissa = this.int();
    const exponent = this.int();
    if (exponent >= 32766) this.fail('non-finite number');
    return mantissa * 2 ** exponent;
  }

  /** dlib's string: its length as a compact integer, then the characters. */
  string(): string {
    const n = this.int();
    if (n < 0 || this.pos + n > this.buf.length) this.fail('bad string length');
    const t = new TextDecoder().decode(this.buf.subarray(this.pos, this.pos + n));
    this.pos += n;
    return t;
  }

  tensor(): { dims: number[]; data: Float32Array } {
    const version = this.int();
    if (version !== 2) this.fail(`tensor version ${version}`);
    const dims = [this.int(), this.int(), this.int(), this.int()];
    if (dims.some((d) => d < 0)) this.fail('negative tensor size');
    const n = dims.reduce((a, b) => a * b, 1);
    if (this.pos + 4 * n > this.buf.length) this.fail(`tensor of ${n} values past the end of the file`);
    const view = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 4 * n);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = view.getFloat32(4 * i, true);
    this.pos += 4 * n;
    return { dims, data };
  }
}

const TAGS: { type: DlibLayer['type']; prefix: string }[] = [
  { type: 'con', prefix: 'con_' },
  { type: 'affine', prefix: 'affine_' },
  { type: 'fc', prefix: 'fc_' },
];

/** Positions where a dlib string starting with `text` (its compact length, then characters) starts, in file order. */
export function findStrings(buf: Uint8Array, text: string): number[] {
  const needle = new TextEncoder().encode(text);
  const out: number[] = [];
  outer: for (let i = 2; i + needle.length <= buf.length; i++) {
    for (let j = 0; j < needle.length; j++) if (buf[i + j] !== needle[j]) continue outer;
    // A dlib string of length L < 256 is preceded by the compact integer [0x01, L].
    const len = buf[i - 1]!;
    if (buf[i - 2] === 0x01 && len >= needle.length && len < 64 && i + len <= buf.length) out.push(i - 2);
  }
  return out;
}

function readLayer(c: DlibStream, type: DlibLayer['type']): DlibLayer {
  const tag = c.string();
  if (type === 'fc') {
    const outputs = c.int();
    const inputs = c.int();
    const t = c.tensor();
    const rows = t.dims[0]!;
    if (t.dims[1] !== outputs || (rows !== inputs && rows !== inputs + 1)) c.fail(`fc params [${t.dims}] for ${inputs} → ${outputs}`);
    // A bias row follows the weights when the layer has one; the face ResNet's fc has none.
    return { type, tag, params: t.data, shape: [rows, outputs] };
  }
  const t = c.tensor();
  if (type === 'affine') {
    const n = t.data.length;
    if (n % 2 !== 0) c.fail('affine params of odd length');
    return { type, tag, params: t.data, shape: [n / 2] };
  }
  // con_: params, then num_filters, rows, cols, strides, paddings, the filters and biases aliases.
  const filters = c.int();
  const rows = c.int();
  const cols = c.int();
  const channels = Math.round((t.data.length - filters) / (filters * rows * cols));
  const bias = t.data.length === filters * channels * rows * cols + filters;
  if (!bias && t.data.length !== filters * channels * rows * cols) c.fail(`con params of ${t.data.length} values for ${filters} ${rows}×${cols} filters`);
  return { type, tag, params: t.data, shape: [filters, channels, rows, cols], bias };
}

/** The con_, affine_ and fc_ layers of a dlib network file, in data-flow order (input first). */
export function readDlibNetwork(buf: Uint8Array, file = 'dlib network'): DlibLayer[] {
  const starts = TAGS.flatMap(({ type, prefix }) => findStrings(buf, prefix).map((pos) => ({ pos, type }))).sort((a, b) => a.pos - b.pos);
  const layers: DlibLayer[] = [];
  let end = 0;
  for (const s of starts) {
    if (s.pos < end) continue; // inside the previous layer's data
    const c = new DlibStream(buf, s.pos, file);
    layers.push(readLayer(c, s.type));
    end = c.pos;
  }
  if (layers.length === 0) throw new ModelError(`${file}: no con_, affine_ or fc_ layers found: not a dlib network file`);
  return layers;
}
