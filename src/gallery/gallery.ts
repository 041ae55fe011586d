/**
 * The gallery as people use it: enrol a person from photos (one face each), identify the faces of a
 * photo among the enrolled people. A thin layer joining the engine (Likeness) to a GalleryStore.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { encodePng } from '../image/index.js';
import { InvalidOptionError, MultipleFacesError, NoFaceError } from '../errors.js';
import type { ImageInput, Likeness } from '../likeness.js';
import type { EncoderSpec } from '../models/spec.js';
import { meanEncoding } from '../match/distance.js';
import { adjustDistance, hubness, HUBNESS_NEIGHBOURS, type HubnessReference } from '../match/hubness.js';
import { decideMatch, openSetDistance, rankSubjects, toCandidate, type Candidate } from '../match/identify.js';
import { calibratedIdentifyThreshold, hubnessReference } from '../models/registry.js';
import { PoorQualityError, type FaceQuality } from '../quality/index.js';
import type { Box, RgbImage } from '../types.js';
import { openGallery, type OpenGalleryOptions } from './open.js';
import type { GalleryStore } from './store.js';
import type { NewFace, StoredFace, Subject } from './types.js';
import { UnknownSubjectError } from './errors.js';
import { checkName } from './validate.js';

export interface EnrollOptions {
  metadata?: Record<string, unknown>;
  /** Add the faces to this existing subject instead of creating one. */
  subjectId?: string;
  /** Keep a small aligned thumbnail of each face (off by default: privacy). */
  thumbnails?: boolean;
  /**
   * Enrol a photo whose face is poor (small, blurred, profile…: src/quality, data/quality.json).
   * Off by default: such a photo is refused with PoorQualityError (E_POOR_QUALITY) giving the reason.
   */
  allowPoorQuality?: boolean;
}

export interface IdentifyOptions {
  /** Candidates per face (default 5). */
  top?: number;
  /**
   * How a subject with several enrolled faces is scored: its 'mean' encoding (default) or its
   * 'nearest' face. Measured on LFW (305 people enrolled from 3 photos, 1,971 known and 3,847
   * unknown probes, `npx tsx research/subject-combination.ts`): mean 98.48 % rank-1 and 92.24 % DIR
   * at FPIR 1 %, nearest 98.22 % and 88.13 %.
   */
  combine?: 'mean' | 'nearest';
  /**
   * Hubness correction (src/match/hubness.ts): candidates are ranked and decided on their distance
   * corrected for how close each subject sits to other enrolled people. On by default for models
   * with a measured reference hubness (the built-in one); its threshold is calibrated with it.
   * Measured on LFW's identify.csv (840 people, one photo each): DIR at FPIR 1 % 66.4 → 76.8 %.
   */
  hubness?: boolean;
  /** Override the calibrated open-set threshold. */
  threshold?: number;
}

/** Subjects scored before the hubness correction re-ranks them (more than `top`: it may reorder). */
const HUBNESS_POOL = 20;
interface DerivedCache {
  counter: number;
  /** Faces in the gallery. */
  faces?: number;
  name: Map<string, string>;
  mean: Map<string, { mean: Float32Array; faces: number } | undefined>;
  hubness: Map<string, number | undefined>;
}

/** The k-th smallest of xs (1-based). */
const kthSmallest = (xs: readonly number[], k: number): number => [...xs].sort((a, b) => a - b)[k - 1]!;

/** Cached per-subject values (names, means, hubness) kept at most. */
const DERIVED_CACHE_LIMIT = 100_000;

const newDerivedCache = (counter: number): DerivedCache => ({
  counter,
  name: new Map<string, string>(),
  mean: new Map<string, { mean: Float32Array; faces: number } | undefined>(),
  hubness: new Map<string, number | undefined>(),
});

export interface IdentifiedFace {
  box: Box;
  score: number;
  /** The face's quality (size, sharpness, pose, detection score, reasons), when it was measured. */
  quality?: FaceQuality;
  /** Best subjects first. */
  candidates: Candidate[];
  /** The decision: the best candidate within the threshold, or null (unknown). */
  match: Candidate | null;
}

export interface IdentifyResult {
  source: string;
  threshold: number;
  faces: IdentifiedFace[];
}

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

async function bytesOf(input: ImageInput): Promise<{ bytes?: Uint8Array; input: ImageInput }> {
  if (typeof input === 'string') {
    const bytes = new Uint8Array(await readFile(input).catch(() => Buffer.alloc(0)));
    return bytes.length > 0 ? { bytes, input: bytes } : { input };
  }
  if (input instanceof Uint8Array) return { bytes: input, input };
  return { bytes: input.data, input };
}

/**
 * What a gallery needs of its encoder: the model's identity, calibrated threshold and spec, and
 * `embed` to encode photos. A Likeness is one; `describeEncoder(spec)` is one without any network
 * loaded, for a process that encodes elsewhere (the HTTP service encodes in worker threads) and
 * only calls identifyEncodings and the store.
 */
export interface GalleryEncoder {
  readonly model: { name: string; version: string };
  readonly threshold: number;
  readonly embedder: { readonly spec: EncoderSpec };
  embed?: Likeness['embed'];
}

/** A GalleryEncoder from a model spec alone: no network is loaded, so it cannot encode photos. */
export function describeEncoder(spec: EncoderSpec): GalleryEncoder {
  return { model: { name: spec.name, version: spec.version }, threshold: spec.threshold.value, embedder: { spec } };
}

export class Gallery {
  /**
   * Per-subject values read or derived from the store (name, mean encoding, hubness), valid while the store's
   * change counter stays at `counter`; bounded so a huge gallery cannot fill memory with them.
   */
  private derived = newDerivedCache(-1);

  private constructor(
    readonly store: GalleryStore,
    readonly likeness: GalleryEncoder,
  ) {}

  /** The encoder's embed, or a typed error for a gallery opened with a description only. */
  private embed(...args: Parameters<Likeness['embed']>): ReturnType<Likeness['embed']> {
    if (!this.likeness.embed) throw new InvalidOptionError(`this gallery was opened with a description of ${this.likeness.model.name}, not a loaded engine: it cannot encode photos (use Likeness.create(), or identifyEncodings with encodings made elsewhere)`);
    return this.likeness.embed(...args);
  }

  /**
   * Open (or create) the gallery at a SQLite path or postgres:// URL, for this engine's model.
   * `storeOptions` reach the store (e.g. `{ hnsw: {} }`: a SQLite gallery searched with HNSW).
   */
  static async open(location: string, likeness: GalleryEncoder, storeOptions: OpenGalleryOptions = {}): Promise<Gallery> {
    const store = await openGallery(location, storeOptions);
    try {
      await store.init({ ...likeness.model, dimensions: likeness.embedder.spec.outputSize });
    } catch (e) {
      await store.close();
      throw e;
    }
    return new Gallery(store, likeness);
  }

  /** A Gallery over an already-open store, without checking its model (reindexing needs this). */
  static wrap(store: GalleryStore, likeness: GalleryEncoder): Gallery {
    return new Gallery(store, likeness);
  }

  /** The model's reference hubness; undefined when none was measured (no correction then). */
  get hubnessReference(): HubnessReference | undefined {
    return hubnessReference(this.likeness.model.name);
  }

  /** The default open-set threshold (calibrated for identification, stricter than the 1:1 one). */
  get threshold(): number {
    return this.thresholdFor(this.hubnessReference !== undefined);
  }

  /**
   * The calibrated open-set threshold with or without hubness correction, as a Euclidean distance
   * between unit encodings (what the store ranks by). A model without one falls back to its 1:1
   * threshold, converted from cosine distance (1 − cos = d²/2) when that is its metric.
   */
  thresholdFor(hubnessCorrection: boolean): number {
    const t = calibratedIdentifyThreshold(this.likeness.model.name, { hubness: hubnessCorrection });
    if (t !== undefined) return t;
    const oneToOne = this.likeness.threshold;
    return this.likeness.embedder.spec.metric === 'cosine' ? Math.sqrt(2 * oneToOne) : oneToOne;
  }

  /**
   * The one face of an enrolment photo, with the photo's content hash. NoFaceError or
   * MultipleFacesError otherwise.
   */
  async encodeForEnrollment(image: ImageInput, source?: string, thumbnails = false, allowPoorQuality = false): Promise<NewFace & { box: Box; quality: FaceQuality }> {
    const { bytes, input } = await bytesOf(image);
    const label = source ?? (typeof image === 'string' ? image : undefined);
    // One decode and one detection: the thumbnail comes from the chip the encoding was made from.
    const a = await this.embed(input, { keepChips: thumbnails, quality: true, ...(label === undefined ? {} : { source: label }) });
    if (a.faces.length === 0) throw new NoFaceError(a.source);
    if (a.faces.length > 1) throw new MultipleFacesError(a.source, a.faces.length);
    const f = a.faces[0]!;
    const quality = f.quality!;
    if (!allowPoorQuality && quality.reasons.length > 0) throw new PoorQualityError(a.source, quality);
    const face: NewFace & { box: Box; quality: FaceQuality } = { box: f.box, quality, embedding: f.embedding, score: f.score, imageSha256: sha256(bytes ?? new Uint8Array()) };
    if (thumbnails && f.chip) face.thumbnail = new Uint8Array(await encodePng(shrink(f.chip, 2)));
    return face;
  }

  /** Enrol a person from one or more photos: all photos are checked before anything is written. */
  async enroll(name: string, images: readonly ImageInput[], options: EnrollOptions = {}): Promise<{ subject: Subject; faces: StoredFace[]; quality: FaceQuality[] }> {
    // A bad name is refused before any photo is encoded.
    if (!options.subjectId) name = checkName(name);
    const faces: NewFace[] = [];
    const quality: FaceQuality[] = [];
    for (const img of images) {
      const { box: _box, quality: q, ...face } = await this.encodeForEnrollment(img, undefined, options.thumbnails ?? false, options.allowPoorQuality ?? false);
      faces.push(face);
      quality.push(q);
    }
    let subject: Subject;
    if (options.subjectId) {
      const s = await this.store.getSubject(options.subjectId);
      if (!s) throw new UnknownSubjectError(options.subjectId);
      subject = s;
    } else subject = await this.store.createSubject(name, options.metadata);
    try {
      const stored = await this.store.addFaces(subject.id, faces);
      return { subject: (await this.store.getSubject(subject.id))!, faces: stored, quality };
    } catch (e) {
      if (!options.subjectId) await this.store.deleteSubject(subject.id);
      throw e;
    }
  }

  /** Every face of the photo, with its candidates and the open-set decision. */
  async identify(image: ImageInput, options: IdentifyOptions = {}): Promise<IdentifyResult> {
    const a = await this.embed(image, { quality: true, ...(typeof image === 'string' ? { source: image } : {}) });
    return { source: a.source, ...(await this.identifyEncodings(a.faces, options)) };
  }

  /**
   * The open-set decision for faces already encoded (by this gallery's model, e.g. in a worker
   * pool): every face with its candidates and its match or null.
   */
  async identifyEncodings(encoded: readonly { box: Box; score: number; embedding: Float32Array; quality?: FaceQuality }[], options: IdentifyOptions = {}): Promise<{ threshold: number; faces: IdentifiedFace[] }> {
    const top = options.top ?? 5;
    const reference = options.hubness === false ? undefined : this.hubnessReference;
    if (options.hubness && !reference) throw new InvalidOptionError(`hubness correction needs a reference hubness for model ${this.likeness.model.name}: none was measured`);
    const threshold = options.threshold ?? this.thresholdFor(reference !== undefined);
    const logistic = this.likeness.embedder.spec.threshold.logistic;
    const metric = this.likeness.embedder.spec.metric;
    const pool = reference ? Math.max(top, HUBNESS_POOL) : top;
    await this.checkDerivedCache();
    const faces: IdentifiedFace[] = [];
    for (const f of encoded) {
      // Several faces per subject: ask for more faces than subjects wanted, then keep each subject's nearest.
      const hits = await this.store.search(f.embedding, Math.max(50, pool * 10));
      const ranked = (options.combine ?? 'mean') === 'mean' ? await this.rankByMean(f.embedding, hits, pool) : rankSubjects(hits, pool);
      let candidates: Candidate[] = [];
      for (const r of ranked) {
        // The correction only lengthens distances, and `ranked` is in raw order: once a raw distance
        // reaches the top-th best corrected one, no later subject can enter the top.
        if (reference && candidates.length >= top && r.distance >= kthSmallest(candidates.map(openSetDistance), top)) break;
        const c = toCandidate(r.subjectId, await this.nameOf(r.subjectId), r.distance, logistic, metric);
        if (reference) {
          const h = await this.subjectHubness(r.subjectId, reference.k);
          if (h !== undefined) c.hubness = h;
          c.adjustedDistance = adjustDistance(r.distance, h, reference.reference);
        }
        candidates.push(c);
      }
      if (reference) candidates = candidates.sort((a, b) => openSetDistance(a) - openSetDistance(b) || a.distance - b.distance).slice(0, top);
      faces.push({ box: f.box, score: f.score, ...(f.quality ? { quality: f.quality } : {}), candidates, match: decideMatch(candidates, threshold) });
    }
    return { threshold, faces };
  }

  /** Forgets every cached name, mean and hubness when the store changed (any write by any process). */
  private async checkDerivedCache(): Promise<void> {
    const counter = await this.store.changeCounter();
    const size = this.derived.name.size + this.derived.mean.size + this.derived.hubness.size;
    if (counter !== this.derived.counter || size > DERIVED_CACHE_LIMIT) this.derived = newDerivedCache(counter);
  }

  private async nameOf(subjectId: string): Promise<string> {
    let name = this.derived.name.get(subjectId);
    if (name === undefined) {
      name = (await this.store.getSubject(subjectId))?.name ?? '?';
      this.derived.name.set(subjectId, name);
    }
    return name;
  }

  /**
   * A subject's encoding: the mean of its faces' encodings, renormalised (how `identify` scores it
   * by default); undefined for a subject without faces. Cached until the store changes.
   */
  async subjectEncoding(subjectId: string): Promise<Float32Array | undefined> {
    await this.checkDerivedCache();
    return (await this.meanOf(subjectId))?.mean;
  }

  /** A subject's mean encoding (renormalised) and face count; undefined for a subject without faces. */
  private async meanOf(subjectId: string): Promise<{ mean: Float32Array; faces: number } | undefined> {
    if (this.derived.mean.has(subjectId)) return this.derived.mean.get(subjectId);
    const faces = await this.store.listFaces(subjectId, { withEmbeddings: true });
    const m = faces.length > 0 ? { mean: meanEncoding(faces.map((f) => f.embedding)), faces: faces.length } : undefined;
    this.derived.mean.set(subjectId, m);
    return m;
  }

  /**
   * A subject's hubness: the mean cosine similarity of its mean encoding to the nearest face of each
   * of its k nearest other people (k: the model's, else 5); undefined for a subject without faces or
   * alone in the gallery. Cached until the store changes.
   */
  async hubness(subjectId: string): Promise<number | undefined> {
    await this.checkDerivedCache();
    return this.subjectHubness(subjectId, this.hubnessReference?.k ?? HUBNESS_NEIGHBOURS);
  }

  private async subjectHubness(subjectId: string, k: number): Promise<number | undefined> {
    if (this.derived.hubness.has(subjectId)) return this.derived.hubness.get(subjectId);
    const own = await this.meanOf(subjectId);
    let h: number | undefined;
    if (own) {
      const total = (this.derived.faces ??= (await this.store.stats()).faces);
      // Enough hits for k other people, unless a few people own most of them: then search wider.
      for (let n = own.faces + 10 * k; ; n *= 4) {
        const others = rankSubjects(
          (await this.store.search(own.mean, Math.min(n, total))).filter((x) => x.subjectId !== subjectId),
          k,
        );
        if (others.length >= k || n >= total) {
          h = hubness(others.map((o) => 1 - (o.distance * o.distance) / 2), k);
          break;
        }
      }
    }
    this.derived.hubness.set(subjectId, h);
    return h;
  }

  /**
   * The subjects among the search hits, scored by the distance to their mean (re-normalised)
   * encoding. Only subjects owning one of the nearest faces are scored: a subject none of whose
   * faces is among them is very unlikely to have the nearest mean, but this is an approximation.
   */
  private async rankByMean(query: Float32Array, hits: readonly { subjectId: string; distance: number }[], top: number): Promise<{ subjectId: string; distance: number }[]> {
    const ids = [...new Set(hits.map((h) => h.subjectId))];
    const scored: { subjectId: string; distance: number }[] = [];
    for (const id of ids) {
      const m = (await this.meanOf(id))?.mean;
      if (!m) continue;
      let dot = 0;
      for (let k = 0; k < m.length; k++) dot += m[k]! * query[k]!;
      scored.push({ subjectId: id, distance: Math.sqrt(Math.max(0, 2 - 2 * dot)) });
    }
    return scored.sort((a, b) => a.distance - b.distance).slice(0, top);
  }

  async close(): Promise<void> {
    await this.store.close();
  }
}

/** Halve a chip's size (box filter) for a small thumbnail. */
function shrink(img: RgbImage, factor: number): RgbImage {
  const w = Math.floor(img.width / factor);
  const h = Math.floor(img.height / factor);
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let c = 0; c < 3; c++) {
        let s = 0;
        for (let dy = 0; dy < factor; dy++) for (let dx = 0; dx < factor; dx++) s += img.data[((y * factor + dy) * img.width + x * factor + dx) * 3 + c]!;
        data[(y * w + x) * 3 + c] = Math.round(s / (factor * factor));
      }
  return { width: w, height: h, data };
}
