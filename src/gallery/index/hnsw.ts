/**
 * Optional approximate index for very large galleries: usearch's HNSW graph (squared L2 on the unit
 * encodings, float32), whose best candidates are re-ranked with the exact distance, persisted
 * beside the store so the minutes a 1M build takes are spent once.
 *
 * Files, for `file` = e.g. `gallery.sqlite.usearch`:
 *   file            the usearch index (keys are slots, see below)
 *   file.ids        the face id of every slot, 36 ASCII bytes each (36 spaces for a removed face)
 *   file.json       what the index reflects: the store's changeCounter, face count, model and the
 *                   graph's parameters. Written last, and deleted before the other two are
 *                   rewritten, so a crash mid-save leaves no metadata and the next open rebuilds.
 *
 * Opening (HnswIndex.open): the store's encodings are loaded (loadAll: the exact re-ranking needs
 * them, and they say what the index must hold). When the metadata's changeCounter is the store's
 * and every id is there, the saved graph is reused as it is ("loaded"). When faces were only added
 * since, the saved graph is brought up to date by adding them ("updated"), unless more than
 * `rebuildAbove` of the faces are new, a face was removed, the model or the
 * graph's parameters differ, the files do not load, or the encodings themselves changed: then it
 * is rebuilt ("built"). A reindex keeps every face id and rewrites every encoding, so the metadata
 * also records a fingerprint (sha256) of the encodings of up to 64 faces spread over the index
 * ("probes"); a probe face whose encoding differs in the store means the graph is stale.
 *
 * Erasure: usearch only marks a removed vector deleted; its bytes stay in the graph and would stay in
 * a saved file. So a file never holds a removed face: the gallery store deletes the files when it
 * deletes faces (removeFiles), an index that removed faces is not saved, and catching up with a
 * store that lost faces rebuilds.
 *
 * Keys: usearch keys are slots, numbered in insertion order and never reused until a rebuild
 * compacts them; `faceIds[slot]` and the float32 encoding of each slot are kept in memory for the
 * re-ranking.
 *
 * The search asks usearch for `candidates` neighbours (beam max(ef, candidates)) and re-ranks them
 * with brute force's own formula, so reported distances are exact; recall is what the graph finds.
 * Measured recall and latency per size: bench/gallery.ts.
 */
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import type { Index as UsearchIndex } from 'usearch';
import { GalleryNotInitialisedError } from '../errors.js';
import type { GalleryStore } from '../store.js';
import type { GalleryModel, LoadedEncodings, SearchHit } from '../types.js';
import { sameModel } from '../validate.js';
import { squaredDistance } from './exact.js';
import type { SearchIndex } from './search-index.js';

export interface HnswOptions {
  /**
   * How usearch stores the encodings it walks the graph with (default 'i8': at 1M it builds in 250 s
   * instead of 560 s and searches ~2× faster than 'f32' at the same recall). The re-ranking always
   * uses the float32 encodings, so a coarser graph costs recall, never distance accuracy.
   */
  quantization?: 'f32' | 'f16' | 'bf16' | 'i8';
  /** Graph degree M (default 16). */
  connectivity?: number;
  /** Beam while building, efConstruction (default 128). */
  expansionAdd?: number;
  /**
   * Beam while searching, ef. Default: 128 up to 128 dimensions (recall@1 0.996 for probes at 1M,
   * 0.6 ms), 512 above (320-d at 1M: 0.996, 2.8 ms, where 128 gives 0.952); bench/gallery.ts.
   */
  expansionSearch?: number;
  /** Neighbours taken from the graph and re-ranked exactly (default 32; at least k). */
  candidates?: number;
  /** Threads for building (default: every core). Searches use one. */
  threads?: number;
  /** Rebuild instead of catching up when more than this share of the faces changed (default 0.2). */
  rebuildAbove?: number;
  /** Build progress (faces added so far, of total). */
  onProgress?: (done: number, total: number) => void;
}

export type HnswOpenAction = 'loaded' | 'updated' | 'built';

/** The search beam that keeps recall@1 near 0.996 at 1M faces: longer encodings need a wider one (see HnswOptions). */
export const defaultExpansionSearch = (dimensions: number): number => (dimensions > 128 ? 512 : 128);

interface HnswMeta {
  format: typeof FORMAT;
  version: typeof FORMAT_VERSION;
  model: GalleryModel;
  metric: 'l2sq';
  quantization: string;
  connectivity: number;
  expansionAdd: number;
  changeCounter: number;
  count: number;
  slots: number;
  /** Fingerprints of some faces' encodings: a reindex changes them while the ids stay (see the header). */
  probes: Probe[];
  savedAt: string;
}

interface Probe {
  slot: number;
  faceId: string;
  sha256: string;
}

const PROBES = 64;
const fingerprint = (v: Float32Array): string => createHash('sha256').update(new Uint8Array(v.buffer, v.byteOffset, v.byteLength)).digest('hex');

const FORMAT = 'likeness-hnsw';
const FORMAT_VERSION = 2;
const ID_BYTES = 36;
const EMPTY_ID = ' '.repeat(ID_BYTES);
const CHUNK = 16_384;

type Usearch = typeof import('usearch');
type UsearchScalar = import('usearch').ScalarKind;
let usearchModule: Promise<Usearch> | undefined;
/** usearch's native addon is loaded only when an HNSW index is used. */
const loadUsearch = (): Promise<Usearch> => (usearchModule ??= import('usearch'));

/** Where the HNSW index of a SQLite gallery lives by default: beside it. */
export const hnswFileFor = (galleryFile: string): string => `${galleryFile}.usearch`;

export class HnswIndex implements SearchIndex {
  readonly dimensions: number;
  readonly model: GalleryModel;
  /** The store's changeCounter this index reflects (kept by the owner between refreshes). */
  changeCounter = 0;
  /** How open() got this index: reused from disk, caught up, or built. */
  action: HnswOpenAction = 'built';
  /** Milliseconds open() spent building or catching up (0 when loaded). */
  buildMs = 0;

  private readonly options: Required<Omit<HnswOptions, 'onProgress'>> & Pick<HnswOptions, 'onProgress'>;
  private graph: UsearchIndex;
  private faceIds: (string | undefined)[] = [];
  private subjectIds: (string | undefined)[] = [];
  /** Face id → slot, built on first need (a 1M map costs ~0.5 s; a fresh open needs none). */
  private slotMap: Map<string, number> | undefined;
  private vectors: Float32Array;
  private live = 0;
  /** Fingerprints of encodings the graph holds (from the files, or made at build and sync), checked by sync(). */
  private held: Probe[] = [];
  /** The changeCounter of the files on disk (save()), so an owner knows whether to save again. */
  savedCounter = -1;
  /** Faces removed from the graph since it was built: their bytes are still in it (see Erasure). */
  private removals = 0;

  private constructor(usearch: Usearch, model: GalleryModel, options: HnswOptions) {
    this.model = model;
    this.dimensions = model.dimensions;
    this.options = {
      quantization: options.quantization ?? 'i8',
      connectivity: options.connectivity ?? 16,
      expansionAdd: options.expansionAdd ?? 128,
      expansionSearch: options.expansionSearch ?? defaultExpansionSearch(model.dimensions),
      candidates: options.candidates ?? 32,
      threads: options.threads ?? os.availableParallelism(),
      rebuildAbove: options.rebuildAbove ?? 0.2,
      onProgress: options.onProgress,
    };
    this.graph = new usearch.Index({
      dimensions: this.dimensions,
      metric: usearch.MetricKind.L2sq,
      quantization: this.options.quantization as UsearchScalar,
      connectivity: this.options.connectivity,
      expansion_add: this.options.expansionAdd,
      expansion_search: this.options.expansionSearch,
      multi: false,
    });
    this.vectors = new Float32Array(0);
  }

  /**
   * The HNSW index of `store`, kept in `file` (see the header): reused when fresh, caught up when a
   * little stale, otherwise built (minutes at 1M) and saved.
   */
  static async open(store: GalleryStore, file: string, options: HnswOptions = {}): Promise<HnswIndex> {
    const model = await store.model();
    if (!model) throw new GalleryNotInitialisedError('the HNSW index');
    const usearch = await loadUsearch();
    const snapshot = await store.loadAll();
    let ix = HnswIndex.load(usearch, model, file, options);
    if (ix) {
      const t0 = performance.now();
      const action = ix.sync(snapshot);
      if (action === 'rebuild') ix = undefined;
      else {
        ix.action = action;
        ix.buildMs = action === 'loaded' ? 0 : performance.now() - t0;
      }
    }
    if (!ix) ix = HnswIndex.build(usearch, model, snapshot, options);
    if (ix.action !== 'loaded') ix.save(file);
    return ix;
  }

  /** Builds from a loadAll() snapshot (not saved). */
  static async fromSnapshot(model: GalleryModel, snapshot: LoadedEncodings, options: HnswOptions = {}): Promise<HnswIndex> {
    return HnswIndex.build(await loadUsearch(), model, snapshot, options);
  }

  private static build(usearch: Usearch, model: GalleryModel, snapshot: LoadedEncodings, options: HnswOptions): HnswIndex {
    if (snapshot.dimensions !== model.dimensions) throw new RangeError(`a snapshot of ${snapshot.dimensions} dimensions for a model of ${model.dimensions}`);
    const t0 = performance.now();
    const ix = new HnswIndex(usearch, model, options);
    const n = snapshot.faceIds.length;
    ix.vectors = snapshot.matrix.slice(0, n * ix.dimensions);
    ix.faceIds = snapshot.faceIds.slice();
    ix.subjectIds = snapshot.subjectIds.slice();
    ix.insertSlots(0, n);
    ix.live = n;
    ix.changeCounter = snapshot.changeCounter;
    ix.held = ix.probes();
    ix.action = 'built';
    ix.buildMs = performance.now() - t0;
    return ix;
  }

  /** The saved index when its files are there and were made with the same model and parameters. */
  private static load(usearch: Usearch, model: GalleryModel, file: string, options: HnswOptions): HnswIndex | undefined {
    let meta: HnswMeta;
    try {
      meta = JSON.parse(readFileSync(`${file}.json`, 'utf8')) as HnswMeta;
    } catch {
      return undefined;
    }
    const ix = new HnswIndex(usearch, model, options);
    if (
      meta.format !== FORMAT ||
      meta.version !== FORMAT_VERSION ||
      meta.metric !== 'l2sq' ||
      meta.quantization !== ix.options.quantization ||
      !sameModel(meta.model, model) ||
      meta.connectivity !== ix.options.connectivity ||
      meta.expansionAdd !== ix.options.expansionAdd ||
      !existsSync(file)
    ) {
      return undefined;
    }
    try {
      const ids = readFileSync(`${file}.ids`);
      if (ids.byteLength !== meta.slots * ID_BYTES) return undefined;
      ix.graph.load(file);
      if (ix.graph.size() !== meta.count) return undefined;
      const text = ids.toString('latin1');
      ix.faceIds = new Array<string | undefined>(meta.slots);
      ix.subjectIds = new Array<string | undefined>(meta.slots);
      let live = 0;
      for (let s = 0; s < meta.slots; s++) {
        const id = text.slice(s * ID_BYTES, (s + 1) * ID_BYTES);
        if (id === EMPTY_ID) continue;
        ix.faceIds[s] = id;
        live++;
      }
      if (live !== meta.count) return undefined;
      ix.live = live;
      ix.changeCounter = meta.changeCounter;
      ix.savedCounter = meta.changeCounter;
      ix.held = Array.isArray(meta.probes) ? meta.probes : [];
      return ix;
    } catch {
      return undefined;
    }
  }

  get size(): number {
    return this.live;
  }

  private get slotOf(): Map<string, number> {
    if (!this.slotMap) {
      const m = new Map<string, number>();
      for (let s = 0; s < this.faceIds.length; s++) {
        const id = this.faceIds[s];
        if (id !== undefined) m.set(id, s);
      }
      this.slotMap = m;
    }
    return this.slotMap;
  }

  /**
   * Brings a loaded index to a snapshot of its store: 'loaded' when it already matched, 'updated'
   * after removing and adding the differences, 'rebuild' when too much changed.
   */
  private sync(snapshot: LoadedEncodings): 'loaded' | 'updated' | 'rebuild' {
    const d = this.dimensions;
    if (snapshot.dimensions !== d) return 'rebuild';
    if (!this.probesHold(snapshot)) return 'rebuild';
    const n = snapshot.faceIds.length;
    const slots = this.faceIds.length;
    const fresh = snapshot.changeCounter === this.changeCounter;
    // The common case, slots in the snapshot's order (built from it, nothing changed since or only
    // writes that changed no encoding): take the snapshot's arrays as they are (open() owns them).
    if (slots === n && this.live === n && this.faceIds.every((id, s) => id === snapshot.faceIds[s])) {
      this.vectors = snapshot.matrix;
      this.subjectIds = snapshot.subjectIds;
      this.changeCounter = snapshot.changeCounter;
      this.held = this.probes();
      return fresh ? 'loaded' : 'updated';
    }
    const rowOf = new Map<string, number>();
    for (let r = 0; r < n; r++) rowOf.set(snapshot.faceIds[r]!, r);
    const gone: string[] = [];
    for (const id of this.slotOf.keys()) if (!rowOf.has(id)) gone.push(id);
    const added: number[] = [];
    for (let r = 0; r < n; r++) if (!this.slotOf.has(snapshot.faceIds[r]!)) added.push(r);
    const changed = gone.length + added.length;
    if (gone.length > 0 || changed > this.options.rebuildAbove * Math.max(n, this.live)) return 'rebuild';
    // encodings of the kept slots, from the snapshot (the graph holds its own copy, not readable)
    this.vectors = new Float32Array(Math.max(slots, 1) * d);
    for (let s = 0; s < slots; s++) {
      const id = this.faceIds[s];
      if (id === undefined) continue;
      const r = rowOf.get(id);
      if (r === undefined) continue; // gone: removed below
      this.vectors.set(snapshot.matrix.subarray(r * d, (r + 1) * d), s * d);
      this.subjectIds[s] = snapshot.subjectIds[r]!;
    }
    for (const id of gone) this.remove(id);
    for (const r of added) this.add(snapshot.faceIds[r]!, snapshot.subjectIds[r]!, snapshot.matrix.subarray(r * d, (r + 1) * d));
    this.changeCounter = snapshot.changeCounter;
    this.held = this.probes();
    return changed === 0 && fresh ? 'loaded' : 'updated';
  }

  /**
   * Whether the faces fingerprinted at the last save still have the same encodings in the snapshot
   * (faces removed since are skipped). Probes are looked up at their slot first (the usual case:
   * slots in the snapshot's order), else by one pass over the snapshot's ids.
   */
  private probesHold(snapshot: LoadedEncodings): boolean {
    const d = this.dimensions;
    const probes = this.held;
    if (probes.length === 0) return true;
    const same = (p: Probe, row: number): boolean => fingerprint(snapshot.matrix.subarray(row * d, (row + 1) * d)) === p.sha256;
    const pending = new Map<string, Probe>();
    for (const p of probes) {
      if (snapshot.faceIds[p.slot] === p.faceId) {
        if (!same(p, p.slot)) return false;
      } else pending.set(p.faceId, p);
    }
    if (pending.size > 0) {
      for (let r = 0; r < snapshot.faceIds.length; r++) {
        const p = pending.get(snapshot.faceIds[r]!);
        if (p && !same(p, r)) return false;
      }
    }
    return true;
  }

  /** Fingerprints of up to PROBES live slots spread evenly over the index. */
  private probes(): Probe[] {
    const d = this.dimensions;
    const out: Probe[] = [];
    const slots = this.faceIds.length;
    const step = Math.max(1, Math.floor(slots / PROBES));
    for (let s = 0; s < slots && out.length < PROBES; s += step) {
      const faceId = this.faceIds[s];
      if (faceId !== undefined) out.push({ slot: s, faceId, sha256: fingerprint(this.vectors.subarray(s * d, (s + 1) * d)) });
    }
    return out;
  }

  /** Catches up with the store when it changed since (see open); returns what it did. */
  async refresh(store: GalleryStore, file?: string): Promise<'fresh' | HnswOpenAction> {
    if ((await store.changeCounter()) === this.changeCounter) return 'fresh';
    const snapshot = await store.loadAll();
    const action = this.sync(snapshot);
    if (action === 'rebuild') {
      const fresh = HnswIndex.build(await loadUsearch(), this.model, snapshot, this.options);
      this.graph = fresh.graph;
      this.faceIds = fresh.faceIds;
      this.subjectIds = fresh.subjectIds;
      this.slotMap = undefined;
      this.vectors = fresh.vectors;
      this.live = fresh.live;
      this.changeCounter = fresh.changeCounter;
      this.held = fresh.held;
      this.removals = 0;
    }
    if (file && this.saveable) this.save(file);
    return action === 'rebuild' ? 'built' : action;
  }

  // --- updates (the owner keeps changeCounter) ---------------------------------------------

  add(faceId: string, subjectId: string, encoding: ArrayLike<number>): void {
    const d = this.dimensions;
    if (encoding.length !== d) throw new RangeError(`an encoding of ${encoding.length} dimensions in an index of ${d}`);
    if (this.slotOf.has(faceId)) this.remove(faceId);
    const slot = this.faceIds.length;
    if ((slot + 1) * d > this.vectors.length) {
      const grown = new Float32Array(Math.max(1024, 2 * slot, slot + 1) * d);
      grown.set(this.vectors);
      this.vectors = grown;
    }
    for (let j = 0; j < d; j++) this.vectors[slot * d + j] = encoding[j]!;
    this.faceIds.push(faceId);
    this.subjectIds.push(subjectId);
    this.slotOf.set(faceId, slot);
    this.graph.add(BigInt(slot), this.vectors.subarray(slot * d, (slot + 1) * d), 1);
    this.live++;
  }

  remove(faceId: string): boolean {
    const slot = this.slotOf.get(faceId);
    if (slot === undefined) return false;
    this.graph.remove(BigInt(slot));
    this.slotOf.delete(faceId);
    this.faceIds[slot] = undefined;
    this.subjectIds[slot] = undefined;
    this.live--;
    this.removals++;
    return true;
  }

  removeSubject(subjectId: string): number {
    const ids: string[] = [];
    for (let s = 0; s < this.faceIds.length; s++) if (this.subjectIds[s] === subjectId) ids.push(this.faceIds[s]!);
    for (const id of ids) this.remove(id);
    return ids.length;
  }

  /** Adds slots [from, to) to the graph in chunks, on every build thread. */
  private insertSlots(from: number, to: number): void {
    const d = this.dimensions;
    for (let start = from; start < to; start += CHUNK) {
      const end = Math.min(to, start + CHUNK);
      const keys = new BigUint64Array(end - start);
      for (let i = 0; i < keys.length; i++) keys[i] = BigInt(start + i);
      this.graph.add(keys, this.vectors.subarray(start * d, end * d), this.options.threads);
      this.options.onProgress?.(end - from, to - from);
    }
  }

  // --- search --------------------------------------------------------------------------------

  /** Approximately the k nearest faces, nearest first, with exact distances. */
  search(query: ArrayLike<number>, k: number): SearchHit[] {
    const d = this.dimensions;
    if (query.length !== d) throw new RangeError(`a query of ${query.length} dimensions in an index of ${d}`);
    if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be a positive integer, got ${k}`);
    const want = Math.min(Math.max(k, this.options.candidates), this.live);
    if (want === 0) return [];
    const q32 = query instanceof Float32Array ? query : Float32Array.from(query);
    const found = this.graph.search(q32, want, 1);
    const q = Float64Array.from(query);
    const hits: { hit: SearchHit; slot: number }[] = [];
    for (let i = 0; i < found.keys.length; i++) {
      const slot = Number(found.keys[i]);
      const faceId = this.faceIds[slot];
      if (faceId === undefined) continue;
      const distance = Math.sqrt(squaredDistance(this.vectors, slot, q));
      hits.push({ hit: { faceId, subjectId: this.subjectIds[slot]!, distance }, slot });
    }
    hits.sort((a, b) => a.hit.distance - b.hit.distance || a.slot - b.slot);
    return hits.slice(0, k).map((h) => h.hit);
  }

  // --- persistence ---------------------------------------------------------------------------

  /** Whether save() may write this graph: not after removals, whose bytes it still holds (see Erasure). */
  get saveable(): boolean {
    return this.removals === 0;
  }

  /** Deletes an index's files (metadata first, so a crash midway leaves nothing that loads). */
  static removeFiles(file: string): void {
    for (const f of [`${file}.json`, `${file}.json.tmp`, file, `${file}.tmp`, `${file}.ids`, `${file}.ids.tmp`]) rmSync(f, { force: true });
  }

  /** Writes the graph, the slot ids and (last) the metadata; see the header. */
  save(file: string): void {
    if (!this.saveable) throw new Error(`this HNSW graph still holds the bytes of ${this.removals} removed face(s): rebuild it before saving`);
    rmSync(`${file}.json`, { force: true });
    this.graph.save(`${file}.tmp`);
    // The graph holds the encodings: owner-only, as the gallery file.
    chmodSync(`${file}.tmp`, 0o600);
    renameSync(`${file}.tmp`, file);
    const ids = Buffer.alloc(this.faceIds.length * ID_BYTES, 0x20);
    for (let s = 0; s < this.faceIds.length; s++) {
      const id = this.faceIds[s];
      if (id === undefined) continue;
      if (id.length !== ID_BYTES) throw new RangeError(`face id ${id} is not ${ID_BYTES} characters`);
      ids.write(id, s * ID_BYTES, 'latin1');
    }
    writeFileSync(`${file}.ids.tmp`, ids, { mode: 0o600 });
    renameSync(`${file}.ids.tmp`, `${file}.ids`);
    const meta: HnswMeta = {
      format: FORMAT,
      version: FORMAT_VERSION,
      model: this.model,
      metric: 'l2sq',
      quantization: this.options.quantization,
      connectivity: this.options.connectivity,
      expansionAdd: this.options.expansionAdd,
      changeCounter: this.changeCounter,
      count: this.live,
      slots: this.faceIds.length,
      probes: this.probes(),
      savedAt: new Date().toISOString(),
    };
    writeFileSync(`${file}.json.tmp`, `${JSON.stringify(meta, null, 2)}\n`);
    renameSync(`${file}.json.tmp`, `${file}.json`);
    this.savedCounter = this.changeCounter;
  }
}
