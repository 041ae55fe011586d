/**
 * Every error the library throws on purpose is a LikenessError with a stable `code`, so callers
 * (the CLI, the HTTP service) can map it to an exit status or a 4xx answer without parsing text.
 */
export class LikenessError extends Error {
  readonly code: string;
  /** True when the caller's input is at fault (exit status 1, HTTP 4xx); false for internal faults. */
  readonly isInputError: boolean;

  constructor(code: string, message: string, options?: { cause?: unknown; isInputError?: boolean }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.isInputError = options?.isInputError ?? true;
  }
}

/** The input is empty (zero bytes). */
export class EmptyImageError extends LikenessError {
  constructor(source: string) {
    super('E_IMAGE_EMPTY', `${source}: the file is empty (0 bytes)`);
  }
}

/** The input is not an image we can decode, or it is truncated/corrupt. */
export class ImageDecodeError extends LikenessError {
  constructor(source: string, detail: string, cause?: unknown) {
    super('E_IMAGE_DECODE', `${source}: cannot decode image (${detail})`, { cause });
  }
}

/** The image has more pixels than the configured cap; checked from the header, before decoding. */
export class ImageTooLargeError extends LikenessError {
  readonly pixels: number;
  readonly maxPixels: number;
  constructor(source: string, width: number, height: number, maxPixels: number) {
    super(
      'E_IMAGE_TOO_LARGE',
      `${source}: image is ${width}×${height} = ${(width * height / 1e6).toFixed(1)} megapixels, over the limit of ${(maxPixels / 1e6).toFixed(1)} megapixels`,
    );
    this.pixels = width * height;
    this.maxPixels = maxPixels;
  }
}

/** The file could not be read (missing, permission, directory). */
export class ImageReadError extends LikenessError {
  constructor(source: string, detail: string, cause?: unknown) {
    super('E_IMAGE_READ', `${source}: cannot read file (${detail})`, { cause });
  }
}

/** No face was found where one was required. */
export class NoFaceError extends LikenessError {
  constructor(source: string) {
    super('E_NO_FACE', `${source}: no face detected`);
  }
}

/** A face index was requested that the image does not have. */
export class FaceIndexError extends LikenessError {
  constructor(source: string, index: number, count: number) {
    super('E_FACE_INDEX', `${source}: face #${index} requested but ${count} face(s) were detected`);
  }
}

/** Encodings that cannot be compared (different length or model). */
export class EncodingMismatchError extends LikenessError {
  constructor(detail: string) {
    super('E_ENCODING_MISMATCH', `encodings cannot be compared: ${detail}`);
  }
}

/** A model could not be built, loaded or run. */
export class ModelError extends LikenessError {
  constructor(message: string, cause?: unknown) {
    super('E_MODEL', message, { cause, isInputError: false });
  }
}

/** Invalid option values given by the caller. */
export class InvalidOptionError extends LikenessError {
  constructor(message: string) {
    super('E_INVALID_OPTION', message);
  }
}

/** An enrolment photo must show exactly one face. */
export class MultipleFacesError extends LikenessError {
  constructor(source: string, count: number) {
    super('E_MULTIPLE_FACES', `${source}: ${count} faces detected; an enrolment photo must show exactly one face`);
  }
}
