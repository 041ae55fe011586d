/**
 * The one interface every gallery store implements (SQLite: embedded default; PostgreSQL +
 * pgvector: shared by several service instances). test/gallery/conformance.ts holds both to it.
 *
 * Rules common to all stores:
 * - A gallery holds the encodings of one model (name, version, dimensions). `init(model)` records
 *   it on first use and refuses another one (GalleryModelMismatchError: run `likeness gallery
 *   reindex`); writes and searches need `init` on the store object first, and re-check the recorded
 *   model inside their transaction, so a gallery reindexed by another process is never mixed into.
 * - Every write is one transaction: all or nothing. Bad input raises a typed LikenessError (see
 *   ./errors.ts) and leaves the store unchanged.
 * - Deleting a subject deletes its faces, encodings and thumbnails, and erases their bytes (SQLite:
 *   secure_delete + WAL checkpoint; PostgreSQL: rows are deleted, space is reclaimed by VACUUM).
 * - `changeCounter()` grows with every committed write, so an in-process index knows it is stale.
 */
import type {
  GalleryModel,
  GalleryRecord,
  GalleryStats,
  ImportResult,
  ListFacesOptions,
  ListOptions,
  LoadedEncodings,
  NewFace,
  ReencodedFace,
  SearchHit,
  StoredFace,
  Subject,
} from './types.js';

export interface GalleryStore {
  readonly kind: 'sqlite' | 'postgres';

  /** The model whose encodings the gallery holds; undefined for a gallery never initialised. */
  model(): Promise<GalleryModel | undefined>;
  /** Records the model on first use; afterwards checks it (GalleryModelMismatchError otherwise). */
  init(model: GalleryModel): Promise<void>;
  /** Counts; GalleryNotInitialisedError when the gallery has no model yet. */
  stats(): Promise<GalleryStats>;

  createSubject(name: string, metadata?: Record<string, unknown>): Promise<Subject>;
  getSubject(id: string): Promise<Subject | undefined>;
  /** Subjects with exactly this name (names need not be unique), oldest first. */
  findSubjects(name: string): Promise<Subject[]>;
  /** Ordered by name, then id. */
  listSubjects(options?: ListOptions): Promise<Subject[]>;
  /** UnknownSubjectError when there is no such subject. */
  renameSubject(id: string, name: string): Promise<Subject>;
  /** Replaces the metadata. UnknownSubjectError when there is no such subject. */
  setMetadata(id: string, metadata: Record<string, unknown>): Promise<Subject>;
  /** Deletes the subject and all its faces (bytes erased); false when there was no such subject. */
  deleteSubject(id: string): Promise<boolean>;

  /** Adds faces to a subject in one transaction, stamped with the gallery's model. */
  addFaces(subjectId: string, faces: NewFace[]): Promise<StoredFace[]>;
  /** Deletes one face (bytes erased); false when there was no such face. */
  deleteFace(id: string): Promise<boolean>;
  /** A subject's faces, oldest first. UnknownSubjectError when there is no such subject. */
  listFaces(subjectId: string, options?: ListFacesOptions): Promise<StoredFace[]>;
  /** Whether a subject of this name already has a face from this image (resumable bulk enrolment). */
  hasImage(subjectName: string, imageSha256: string): Promise<boolean>;

  /** Every encoding, for an in-process index: one consistent snapshot. */
  loadAll(): Promise<LoadedEncodings>;
  /** The k faces nearest to a unit-length query (Euclidean distance), nearest first. */
  search(query: Float32Array, k: number): Promise<SearchHit[]>;
  /** Grows with every committed write (by any process sharing the store). */
  changeCounter(): Promise<number>;

  /**
   * Reindex: replaces every face's encoding with its re-encoding by `model` and switches the
   * gallery to that model, in one transaction. `reencoded` must cover exactly the gallery's faces.
   */
  replaceModel(model: GalleryModel, reencoded: ReencodedFace[]): Promise<void>;

  /** The gallery as records: a header, then one record per subject with its faces (ordered by id). */
  export(options?: { withThumbnails?: boolean }): AsyncIterable<GalleryRecord>;
  /**
   * Imports records (objects or JSON lines) in one transaction: all or nothing. The header's model
   * must be the gallery's (an uninitialised gallery takes it). Existing subject/face ids are kept
   * and skipped, so importing the same file twice is harmless.
   */
  import(records: AsyncIterable<GalleryRecord | string> | Iterable<GalleryRecord | string>): Promise<ImportResult>;

  close(): Promise<void>;
}
