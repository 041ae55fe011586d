/**
 * The gallery's typed errors. All are LikenessErrors with a stable `code`; every one thrown for bad
 * input is thrown before anything is written (or inside a rolled-back transaction), so the store is
 * unchanged.
 */
import { LikenessError } from '../errors.js';
import type { GalleryModel } from './types.js';

const describe = (m: GalleryModel): string => `${m.name} v${m.version} (${m.dimensions}-d)`;

/** The gallery holds encodings of another model (or model version) than the caller's. */
export class GalleryModelMismatchError extends LikenessError {
  readonly galleryModel: GalleryModel;
  readonly requestedModel: GalleryModel;
  constructor(gallery: GalleryModel, requested: GalleryModel) {
    super(
      'E_GALLERY_MODEL_MISMATCH',
      `the gallery holds encodings of ${describe(gallery)}, not of ${describe(requested)}: ` +
        'encodings of different models are never mixed; run `likeness gallery reindex` to re-encode the gallery with the new model',
    );
    this.galleryModel = gallery;
    this.requestedModel = requested;
  }
}

/** An operation that needs the gallery's model ran before `init(model)` on this store. */
export class GalleryNotInitialisedError extends LikenessError {
  constructor(operation: string) {
    super('E_GALLERY_NOT_INITIALISED', `${operation}: call init(model) on the gallery store first, so the encodings' model is checked`, {
      isInputError: false,
    });
  }
}

/** No subject has this id. */
export class UnknownSubjectError extends LikenessError {
  readonly subjectId: string;
  constructor(id: string) {
    super('E_UNKNOWN_SUBJECT', `no subject with id ${JSON.stringify(id)} in the gallery`);
    this.subjectId = id;
  }
}

/** An encoding whose length is not the gallery's dimensions. */
export class GalleryDimensionError extends LikenessError {
  readonly expected: number;
  readonly actual: number;
  constructor(what: string, expected: number, actual: number) {
    super('E_GALLERY_DIMENSIONS', `${what} has ${actual} dimensions; the gallery's model has ${expected}`);
    this.expected = expected;
    this.actual = actual;
  }
}

/** A face to store is malformed (non-finite or non-unit encoding, bad score, hash or thumbnail). */
export class InvalidFaceError extends LikenessError {
  constructor(detail: string) {
    super('E_GALLERY_INVALID_FACE', `invalid face: ${detail}`);
  }
}

/** A subject's name or metadata is unusable. */
export class InvalidSubjectError extends LikenessError {
  constructor(detail: string) {
    super('E_GALLERY_INVALID_SUBJECT', `invalid subject: ${detail}`);
  }
}

/** A reindex whose re-encoded faces are not exactly the gallery's faces. */
export class GalleryReindexError extends LikenessError {
  constructor(detail: string) {
    super('E_GALLERY_REINDEX', `reindex refused, the gallery is unchanged: ${detail}`);
  }
}

/** An import record that cannot be read; nothing of the import is kept. */
export class GalleryImportError extends LikenessError {
  readonly record: number;
  constructor(record: number, detail: string) {
    super('E_GALLERY_IMPORT', `import record ${record}: ${detail}; nothing was imported`);
    this.record = record;
  }
}

/** The gallery's location cannot be opened as a gallery (not a database, unreachable server, no pgvector). */
export class GalleryOpenError extends LikenessError {
  constructor(location: string, detail: string, cause?: unknown, isInputError = true) {
    super('E_GALLERY_OPEN', `cannot open the gallery at ${location}: ${detail}`, { cause, isInputError });
  }
}

/** The store was used after close(). */
export class GalleryClosedError extends LikenessError {
  constructor() {
    super('E_GALLERY_CLOSED', 'the gallery store is closed', { isInputError: false });
  }
}
