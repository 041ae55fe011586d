/**
 * Exact k-nearest-neighbour index over a gallery's encodings, kept in memory and updated in place.
 *
 * Storage: every encoding in ONE contiguous Float32Array (n × d, row-major; capacity doubles as it
 * grows), with its face and subject ids; removal moves the last row into the hole (swap-with-last).
 * Beside it, an int8 copy of each row for the prefilter, in blocks of B rows stored transposed
 * ([blocks][d][B]) for onnxruntime's MatMulInteger (./int8-scores.ts).
 *
 * Search (results identical to brute force, src/gallery/brute-force.ts):
 * - small galleries (below `prefilterFrom` rows) or large k: one exact pass over the float rows;
 * - otherwise an int8 prefilter with a proven error bound, then exact float re-ranking of every row
 *   the bound cannot rule out.
 *
 * The bound. A row x is stored as codes c (integers in −127..127) with a per-row scale s, x̂ = s·c,
 * residual e = x − x̂; the query q as codes g in −63..63 with scale t, q̂ = t·g, residual f = q − q̂.
 * Then exactly
 *     x·q = x̂·q̂ + x̂·f + e·q,   with   |x̂·f| ≤ ‖x̂‖‖f‖   and   |e·q| ≤ ‖e‖‖q‖   (Cauchy–Schwarz),
 * and x̂·q̂ = s·t·(c·g) is computed exactly (c·g is an integer from MatMulInteger). ‖x̂‖, ‖e‖ and ‖x‖²
 * are kept per row, ‖f‖, ‖q‖ per query, so each row gets an interval [L, U] that certainly holds its
 * squared distance ‖x‖² + ‖q‖² − 2x·q (widened by 1e-9 for float64 rounding, which is ~1e-13 here).
 * Let T be the k-th smallest U. At least k rows are within T, so every row of the true top k (ties
 * included) has distance ≤ T, hence L ≤ T: keeping every row with L ≤ T and re-ranking those with
 * the brute-force formula gives exactly brute force's answer, whatever the data. Near-duplicates
 * only make the candidate list longer, never the answer different. On 128-d unit vectors the
 * interval is about ±0.04 in squared distance, and a search of 1M clustered faces re-ranks about k
 * rows (bench/gallery.ts prints the count).
 *
 * Ties (equal distance) are broken by insertion order, which for an index built from loadAll() and
 * then appended to is the store's row order (what a stable sort of loadAll() would give).
 *
 * Why this design (1M × 128 on this project's 2-core EPYC, measured while choosing it): a float dot
 * product over every row in plain JavaScript takes ~118 ms per query on one core and an int8 one
 * ~165 ms (V8 does not vectorise), so splitting either over two worker threads cannot reach 40 ms;
 * onnxruntime's float Gemm/MatMul takes ~60 ms (a memory-bound GEMV over 512 MB) and does not
 * scale with threads; its MatMulInteger over the 128 MB int8 copy takes ~10 ms on one thread and
 * ~5.5 ms on two, and the bound and selection pass in JavaScript another ~6 ms. onnxruntime refuses
 * SharedArrayBuffer-backed inputs, and needs none: its own thread pool spreads the product over the
 * cores (`threads`). bench/gallery.ts measures the whole search.
 */
import os from 'node:os';
import type { LoadedEncodings, SearchHit } from '../types.js';
import { int8Scores } from './int8-scores.js';
import { TopK } from './top-k.js';

export interface ExactIndexOptions {
  /** Galleries with fewer rows are scanned exactly in JavaScript (default 4096). */
  prefilterFrom?: number;
  /** onnxruntime intra-op threads for the int8 prefilter (default: cores, at most 2). */
  threads?: number;
  /** Rows per block of the int8 copy (default 4096). */
  blockRows?: number;
}

/** What the last search did (tests and benchmarks). */
export interface SearchTrace {
  path: 'scan' | 'prefilter';
  /** Rows re-ranked exactly. */
  candidates: number;
}

const ROW_LEVELS = 127;
/** 7-bit query codes, stored offset by +64 as uint8 0..127: no 16-bit saturation in MLAS (see int8-scores.ts). */
const QUERY_LEVELS = 63;
const QUERY_OFFSET = 64;
/** Float64 rounding of the bound itself (values are O(1), errors O(1e-13)). */
const SLACK = 1e-9;
/** Retries when the index changed while onnxruntime was scoring; then an exact scan. */
const ATTEMPTS = 3;

export class ExactIndex {
  readonly dimensions: number;
  /** The store's changeCounter this index reflects (kept by the owner). */
  changeCounter = 0;
  lastSearch: SearchTrace | undefined;

  private readonly prefilterFrom: number;
  private readonly threads: number;
  private readonly blockRows: number;

  private n = 0;
  private capacity = 0;
  private matrix: Float32Array;
  private faceIds: string[] = [];
  private subjectIds: string[] = [];
  /** Insertion order, for ties. */
  private order: Float64Array;
  private nextOrder = 0;
  /**
   * 32-bit hashes of the face and subject ids, made on the first removal and kept from then on:
   * V8 compares two 36-character ids in ~110 ns, so finding one face among 1M by its id string
   * takes ~110 ms, by its hash ~1–10 ms (making the hashes of 1M rows costs ~0.1–0.8 s, once).
   */
  private faceHash: Uint32Array | undefined;
  private subjectHash: Uint32Array | undefined;
  /** Bumped by every change, so a search that awaited onnxruntime knows whether its scores still hold. */
  private version = 0;

  // int8 copy and per-row facts of the bound
  private codes: Int8Array;
  private blockCapacity = 0;
  private scale: Float64Array;
  private codeSum: Int32Array;
  private normSq: Float64Array;
  private codedNorm: Float64Array;
  private residualNorm: Float64Array;

  constructor(dimensions: number, options: ExactIndexOptions = {}) {
    if (!Number.isInteger(dimensions) || dimensions < 1) throw new RangeError(`dimensions must be a positive integer, got ${dimensions}`);
    this.dimensions = dimensions;
    this.prefilterFrom = options.prefilterFrom ?? 4096;
    this.threads = Math.max(1, Math.floor(options.threads ?? Math.min(2, os.availableParallelism())));
    this.blockRows = options.blockRows ?? 4096;
    if (!Number.isInteger(this.blockRows) || this.blockRows < 1) throw new RangeError(`blockRows must be a positive integer, got ${this.blockRows}`);
    this.matrix = new Float32Array(0);
    this.order = new Float64Array(0);
    this.codes = new Int8Array(0);
    this.scale = new Float64Array(0);
    this.codeSum = new Int32Array(0);
    this.normSq = new Float64Array(0);
    this.codedNorm = new Float64Array(0);
    this.residualNorm = new Float64Array(0);
  }

  /**
   * An index over a loadAll() snapshot, at its changeCounter. Takes ownership of the snapshot's
   * matrix and id arrays (no copy of the 512 MB of a 1M gallery).
   */
  static fromSnapshot(snapshot: LoadedEncodings, options: ExactIndexOptions = {}): ExactIndex {
    const ix = new ExactIndex(snapshot.dimensions, options);
    const n = snapshot.faceIds.length;
    if (snapshot.subjectIds.length !== n || snapshot.matrix.length !== n * snapshot.dimensions) {
      throw new RangeError('a snapshot needs one face id, one subject id and one matrix row per face');
    }
    ix.matrix = snapshot.matrix;
    ix.capacity = n;
    ix.faceIds = snapshot.faceIds;
    ix.subjectIds = snapshot.subjectIds;
    ix.allocateRows(n, false);
    ix.ensureBlocks(n);
    for (let r = 0; r < n; r++) {
      ix.order[r] = r;
      ix.quantise(r);
    }
    ix.n = n;
    ix.nextOrder = n;
    ix.changeCounter = snapshot.changeCounter;
    return ix;
  }

  get size(): number {
    return this.n;
  }

  /** Bytes held (float rows, int8 copy, per-row facts), for reports. */
  get bytes(): number {
    return this.matrix.byteLength + this.codes.byteLength + this.capacity * (8 * 5 + 4 + (this.faceHash ? 8 : 0));
  }

  // --- updates -------------------------------------------------------------------------------

  add(faceId: string, subjectId: string, encoding: ArrayLike<number>): void {
    const d = this.dimensions;
    if (encoding.length !== d) throw new RangeError(`an encoding of ${encoding.length} dimensions in an index of ${d}`);
    const r = this.n;
    if (r + 1 > this.capacity) this.allocateRows(Math.max(1024, 2 * this.capacity, r + 1), true);
    this.ensureBlocks(r + 1);
    for (let j = 0; j < d; j++) this.matrix[r * d + j] = encoding[j]!;
    this.faceIds.push(faceId);
    this.subjectIds.push(subjectId);
    if (this.faceHash && this.subjectHash) {
      this.faceHash[r] = hashId(faceId);
      this.subjectHash[r] = hashId(subjectId);
    }
    this.order[r] = this.nextOrder++;
    this.quantise(r);
    this.n = r + 1;
    this.version++;
  }

  /** Removes one face; false when the index does not hold it. */
  remove(faceId: string): boolean {
    const { face } = this.hashes();
    const h = hashId(faceId);
    for (let r = 0; r < this.n; r++) {
      if (face[r] === h && this.faceIds[r] === faceId) {
        this.removeRow(r);
        return true;
      }
    }
    return false;
  }

  /** Removes every face of a subject; returns how many. */
  removeSubject(subjectId: string): number {
    const { subject } = this.hashes();
    const h = hashId(subjectId);
    let removed = 0;
    // From the end: the row moved into a hole comes from behind, already checked.
    for (let r = this.n - 1; r >= 0; r--) {
      if (subject[r] === h && this.subjectIds[r] === subjectId) {
        this.removeRow(r);
        removed++;
      }
    }
    return removed;
  }

  private removeRow(r: number): void {
    const last = this.n - 1;
    const d = this.dimensions;
    if (r !== last) {
      this.matrix.copyWithin(r * d, last * d, last * d + d);
      this.faceIds[r] = this.faceIds[last]!;
      this.subjectIds[r] = this.subjectIds[last]!;
      if (this.faceHash && this.subjectHash) {
        this.faceHash[r] = this.faceHash[last]!;
        this.subjectHash[r] = this.subjectHash[last]!;
      }
      this.order[r] = this.order[last]!;
      this.scale[r] = this.scale[last]!;
      this.codeSum[r] = this.codeSum[last]!;
      this.normSq[r] = this.normSq[last]!;
      this.codedNorm[r] = this.codedNorm[last]!;
      this.residualNorm[r] = this.residualNorm[last]!;
      const B = this.blockRows;
      const to = Math.floor(r / B) * d * B + (r % B);
      const from = Math.floor(last / B) * d * B + (last % B);
      for (let j = 0; j < d; j++) this.codes[to + j * B] = this.codes[from + j * B]!;
    }
    this.faceIds.pop();
    this.subjectIds.pop();
    this.n = last;
    this.version++;
  }

  private hashes(): { face: Uint32Array; subject: Uint32Array } {
    if (!this.faceHash || !this.subjectHash) {
      this.faceHash = new Uint32Array(this.capacity);
      this.subjectHash = new Uint32Array(this.capacity);
      for (let r = 0; r < this.n; r++) {
        this.faceHash[r] = hashId(this.faceIds[r]!);
        this.subjectHash[r] = hashId(this.subjectIds[r]!);
      }
    }
    return { face: this.faceHash, subject: this.subjectHash };
  }

  /** Grows (or first sizes) the row arrays to `rows`, keeping the first n rows when `keep`. */
  private allocateRows(rows: number, keep: boolean): void {
    const d = this.dimensions;
    const grow = <T extends Float32Array | Float64Array | Int32Array | Uint32Array>(old: T, make: (len: number) => T, per: number): T => {
      const a = make(rows * per);
      if (keep) a.set(old.subarray(0, this.n * per));
      return a;
    };
    if (keep || this.matrix.length !== rows * d) this.matrix = grow(this.matrix, (l) => new Float32Array(l), d);
    this.order = grow(this.order, (l) => new Float64Array(l), 1);
    this.scale = grow(this.scale, (l) => new Float64Array(l), 1);
    this.codeSum = grow(this.codeSum, (l) => new Int32Array(l), 1);
    this.normSq = grow(this.normSq, (l) => new Float64Array(l), 1);
    this.codedNorm = grow(this.codedNorm, (l) => new Float64Array(l), 1);
    this.residualNorm = grow(this.residualNorm, (l) => new Float64Array(l), 1);
    if (this.faceHash) this.faceHash = grow(this.faceHash, (l) => new Uint32Array(l), 1);
    if (this.subjectHash) this.subjectHash = grow(this.subjectHash, (l) => new Uint32Array(l), 1);
    this.capacity = rows;
  }

  /** Makes room in the int8 copy for `rows` rows (whole blocks; capacity doubles). */
  private ensureBlocks(rows: number): void {
    const need = Math.ceil(rows / this.blockRows);
    if (need <= this.blockCapacity) return;
    const blocks = Math.max(need, 2 * this.blockCapacity);
    const codes = new Int8Array(blocks * this.dimensions * this.blockRows);
    codes.set(this.codes);
    this.codes = codes;
    this.blockCapacity = blocks;
  }

  /** Writes row r's int8 codes and the facts of its error bound. */
  private quantise(r: number): void {
    const d = this.dimensions;
    const B = this.blockRows;
    const m = this.matrix;
    const base = r * d;
    let max = 0;
    let normSq = 0;
    for (let j = 0; j < d; j++) {
      const v = m[base + j]!;
      const a = Math.abs(v);
      if (a > max) max = a;
      normSq += v * v;
    }
    const s = max / ROW_LEVELS;
    const inv = max > 0 ? ROW_LEVELS / max : 0;
    const col = Math.floor(r / B) * d * B + (r % B);
    const codes = this.codes;
    let sum = 0;
    let sq = 0;
    let residual = 0;
    for (let j = 0; j < d; j++) {
      const v = m[base + j]!;
      // round to nearest (Math.round costs ~8 ns here); |v·inv| ≤ 127 so the code is in −127..127
      const c = ((v * inv + 128.5) | 0) - 128;
      codes[col + j * B] = c;
      sum = (sum + c) | 0;
      sq = (sq + c * c) | 0;
      const e = v - s * c;
      residual += e * e;
    }
    this.scale[r] = s;
    this.codeSum[r] = sum;
    this.normSq[r] = normSq;
    this.codedNorm[r] = s * Math.sqrt(sq);
    this.residualNorm[r] = Math.sqrt(residual);
  }

  // --- search --------------------------------------------------------------------------------

  /** The k faces nearest to `query` (Euclidean distance), nearest first; exactly brute force's answer. */
  async search(query: ArrayLike<number>, k: number): Promise<SearchHit[]> {
    const d = this.dimensions;
    if (query.length !== d) throw new RangeError(`a query of ${query.length} dimensions in an index of ${d}`);
    if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be a positive integer, got ${k}`);
    const q = Float64Array.from(query);
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const n = this.n;
      const m = Math.min(k, n);
      if (n < this.prefilterFrom || m * 8 > n) break;
      const prepared = prepareQuery(q);
      if (!prepared) break;
      const version = this.version;
      const blocks = Math.ceil(n / this.blockRows);
      const raw = await int8Scores(prepared.codes, this.codes.subarray(0, blocks * d * this.blockRows), blocks, this.blockRows, this.threads);
      if (this.version !== version) continue; // changed meanwhile: score again
      const candidates = this.candidates(raw, prepared, m);
      this.lastSearch = { path: 'prefilter', candidates: candidates.length };
      return this.rerank(q, candidates, candidates.length, m);
    }
    const n = this.n;
    const all = new Int32Array(n);
    for (let r = 0; r < n; r++) all[r] = r;
    this.lastSearch = { path: 'scan', candidates: n };
    return this.rerank(q, all, n, Math.min(k, n));
  }

  /** Rows whose lower bound does not exceed the m-th smallest upper bound (see the header). */
  private candidates(raw: Int32Array, p: PreparedQuery, m: number): Int32Array {
    const n = this.n;
    const { scale, codeSum, normSq, codedNorm, residualNorm } = this;
    const t = p.scale;
    const qNormSq = p.normSq;
    const qNorm = p.norm;
    const fNorm = p.residualNorm;
    // the m smallest upper bounds; T = the largest of them
    const uppers = new TopK(m);
    let T = Infinity;
    let rows = new Int32Array(Math.max(64, 4 * m));
    let lows = new Float64Array(rows.length);
    let count = 0;
    for (let r = 0; r < n; r++) {
      const dot = scale[r]! * t * (raw[r]! - QUERY_OFFSET * codeSum[r]!);
      const err = 2 * (codedNorm[r]! * fNorm + residualNorm[r]! * qNorm) + SLACK;
      const mid = normSq[r]! + qNormSq - 2 * dot;
      const lower = mid - err;
      if (lower > T) continue;
      const upper = mid + err;
      if (upper < T) {
        uppers.offer(upper, 0, r);
        T = uppers.bound;
      }
      if (count === rows.length) {
        const r2 = new Int32Array(2 * count);
        r2.set(rows);
        rows = r2;
        const l2 = new Float64Array(2 * count);
        l2.set(lows);
        lows = l2;
      }
      rows[count] = r;
      lows[count++] = lower;
    }
    let kept = 0;
    for (let i = 0; i < count; i++) if (lows[i]! <= T) rows[kept++] = rows[i]!;
    return rows.subarray(0, kept);
  }

  /**
   * Exact distances of the candidate rows, computed as brute force does (float64 sum of squared
   * differences), the m nearest kept (ties: earlier insertion first), nearest first.
   */
  private rerank(q: Float64Array, rows: Int32Array, count: number, m: number): SearchHit[] {
    if (m <= 0) return [];
    const best = new TopK(m);
    for (let c = 0; c < count; c++) {
      const r = rows[c]!;
      best.offer(squaredDistance(this.matrix, r, q), this.order[r]!, r);
    }
    return best.sorted().map((e) => ({ faceId: this.faceIds[e.item]!, subjectId: this.subjectIds[e.item]!, distance: Math.sqrt(e.key) }));
  }
}

/**
 * Squared Euclidean distance between row `row` of `matrix` and `q`, computed exactly as brute force
 * computes it (float64, dimension by dimension), so distances from every index agree to the bit.
 */
export function squaredDistance(matrix: Float32Array, row: number, q: Float64Array): number {
  const d = q.length;
  const base = row * d;
  let s = 0;
  for (let j = 0; j < d; j++) {
    const t = matrix[base + j]! - q[j]!;
    s += t * t;
  }
  return s;
}

/**
 * A cheap first test before comparing id strings: FNV-1a (32 bits) of the first and last 8
 * characters (all of a shorter id). Ids that share those only cost a string comparison more.
 */
function hashId(id: string): number {
  let h = 0x811c9dc5;
  const n = id.length;
  const head = n <= 16 ? n : 8;
  for (let i = 0; i < head; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  for (let i = Math.max(head, n - 8); i < n; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

interface PreparedQuery {
  /** uint8 codes g + 64, each in 1..127. */
  codes: Uint8Array;
  scale: number;
  normSq: number;
  norm: number;
  residualNorm: number;
}

/** The query's 7-bit codes and the facts of its part of the bound; undefined for a zero query. */
function prepareQuery(q: Float64Array): PreparedQuery | undefined {
  const d = q.length;
  let max = 0;
  let normSq = 0;
  for (let j = 0; j < d; j++) {
    const v = q[j]!;
    const a = Math.abs(v);
    if (a > max) max = a;
    normSq += v * v;
  }
  if (!(max > 0) || !Number.isFinite(normSq)) return undefined;
  const t = max / QUERY_LEVELS;
  const codes = new Uint8Array(d);
  let residual = 0;
  for (let j = 0; j < d; j++) {
    let g = Math.round(q[j]! / t);
    if (g > QUERY_LEVELS) g = QUERY_LEVELS;
    else if (g < -QUERY_LEVELS) g = -QUERY_LEVELS;
    codes[j] = g + QUERY_OFFSET; // 1..127
    const e = q[j]! - t * g;
    residual += e * e;
  }
  return { codes, scale: t, normSq, norm: Math.sqrt(normSq), residualNorm: Math.sqrt(residual) };
}
