/**
 * The gallery's records: subjects (people) and their enrolled faces, as every store returns them.
 * Ids are random UUIDs (crypto.randomUUID()); times are ISO 8601 strings in UTC.
 */

/** A person in the gallery. */
export interface Subject {
  id: string;
  name: string;
  /** Free-form, JSON-serialisable. */
  metadata: Record<string, unknown>;
  createdAt: string;
  faceCount: number;
}

/** One enrolled face: an encoding made by one model version, and where it came from. */
export interface StoredFace {
  id: string;
  subjectId: string;
  model: string;
  modelVersion: string;
  /**
   * Unit-length encoding (length = the gallery's dimensions). Empty (length 0) when the listing was
   * asked without embeddings.
   */
  embedding: Float32Array;
  /** Detection score of the face. */
  score: number;
  /** sha256 (lowercase hex) of the image file's bytes the face was found in. */
  imageSha256: string;
  createdAt: string;
  /** A small aligned face chip as PNG; only when one was stored (off by default: privacy). */
  thumbnail?: Uint8Array;
}

/** A face to enrol; the store stamps it with the gallery's model. */
export interface NewFace {
  embedding: Float32Array;
  score: number;
  imageSha256: string;
  /** PNG bytes of a small aligned chip (optional; store only when the user asked for thumbnails). */
  thumbnail?: Uint8Array;
}

/** The model whose encodings a gallery holds. Encodings of different models never mix. */
export interface GalleryModel {
  name: string;
  version: string;
  dimensions: number;
}

/** A search result: Euclidean distance between unit encodings (0–2; cosine = 1 − d²/2). */
export interface SearchHit {
  faceId: string;
  subjectId: string;
  distance: number;
}

export interface GalleryStats {
  model: GalleryModel;
  subjects: number;
  faces: number;
  withThumbnails: number;
}

/** Every encoding of a gallery in one matrix, for an in-process index. */
export interface LoadedEncodings {
  /** Row i of `matrix` is the encoding of face `faceIds[i]`, of subject `subjectIds[i]`. */
  faceIds: string[];
  subjectIds: string[];
  /** n × dimensions, row-major. */
  matrix: Float32Array;
  dimensions: number;
  /** The store's changeCounter() at the moment of this snapshot (read in the same transaction). */
  changeCounter: number;
}

export interface ListOptions {
  limit?: number;
  offset?: number;
}

export interface ListFacesOptions {
  /** Include the encodings (default false: `embedding` is empty). */
  withEmbeddings?: boolean;
  /** Include the thumbnails that were stored (default false). */
  withThumbnails?: boolean;
}

/** A re-encoded face for `replaceModel` (likeness gallery reindex). */
export interface ReencodedFace {
  faceId: string;
  embedding: Float32Array;
}

/**
 * Export/import records, one JSON object per line (`likeness gallery export|import`). The first
 * record is the header; then one record per subject with all its faces. Encodings are base64 of
 * little-endian float32, thumbnails base64 of their PNG bytes.
 */
export interface GalleryHeaderRecord {
  type: 'gallery';
  format: 'likeness-gallery';
  version: 1;
  model: GalleryModel;
  exportedAt: string;
}

export interface ExportedFace {
  id: string;
  model: string;
  modelVersion: string;
  embedding: string;
  score: number;
  imageSha256: string;
  createdAt: string;
  thumbnail?: string;
}

export interface SubjectRecord {
  type: 'subject';
  id: string;
  name: string;
  metadata: Record<string, unknown>;
  createdAt: string;
  faces: ExportedFace[];
}

export type GalleryRecord = GalleryHeaderRecord | SubjectRecord;

export interface ImportResult {
  /** Subjects created (subjects whose id already existed are kept as they are). */
  subjects: number;
  /** Faces added (faces whose id already existed are skipped: importing twice is harmless). */
  faces: number;
  skippedFaces: number;
}
