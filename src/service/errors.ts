/**
 * Every error answer is `{ "error": { "code": "E_…", "message": "human sentence" } }` with a 4xx/5xx
 * status. Library errors keep their LikenessError code (E_NO_FACE, E_MULTIPLE_FACES, E_IMAGE_DECODE,
 * E_IMAGE_TOO_LARGE, …); the service adds its own (E_UNAUTHORIZED, E_FORBIDDEN, E_NOT_FOUND,
 * E_TOO_LARGE, E_RATE_LIMITED, E_BUSY, E_TIMEOUT, E_BAD_REQUEST, E_INTERNAL).
 */
import { LikenessError } from '../errors.js';

export class HttpError extends LikenessError {
  constructor(
    readonly statusCode: number,
    code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(code, message, { isInputError: statusCode < 500 });
  }
}

export const unauthorized = (message: string): HttpError => new HttpError(401, 'E_UNAUTHORIZED', message, { 'www-authenticate': 'Bearer' });
export const forbidden = (message: string): HttpError => new HttpError(403, 'E_FORBIDDEN', message);
export const notFound = (message: string): HttpError => new HttpError(404, 'E_NOT_FOUND', message);
export const badRequest = (message: string): HttpError => new HttpError(400, 'E_BAD_REQUEST', message);
export const tooLarge = (message: string): HttpError => new HttpError(413, 'E_TOO_LARGE', message);

/** HTTP status of each library error code that is the caller's fault. */
const STATUS: Record<string, number> = {
  E_NO_FACE: 422,
  E_POOR_QUALITY: 422,
  E_MULTIPLE_FACES: 422,
  E_TOO_MANY_FACES: 422,
  E_IMAGE_DECODE: 422,
  E_IMAGE_EMPTY: 422,
  E_FACE_INDEX: 422,
  E_ENCODING_MISMATCH: 422,
  E_GALLERY_DIMENSIONS: 422,
  E_GALLERY_INVALID_FACE: 422,
  E_IMAGE_TOO_LARGE: 413,
  E_INVALID_OPTION: 400,
  E_GALLERY_INVALID_SUBJECT: 400,
};

/** Fastify's and its plugins' own error codes. */
const FASTIFY: Record<string, (e: Error) => HttpError> = {
  FST_ERR_CTP_BODY_TOO_LARGE: () => tooLarge('the request body is larger than the limit'),
  FST_REQ_FILE_TOO_LARGE: () => tooLarge('an uploaded file is larger than the limit'),
  FST_FILES_LIMIT: () => tooLarge('too many files in one request'),
  FST_PARTS_LIMIT: () => tooLarge('too many parts in one request'),
  FST_FIELDS_LIMIT: () => tooLarge('too many fields in one request'),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: () => new HttpError(415, 'E_UNSUPPORTED_MEDIA_TYPE', 'send multipart/form-data or application/json'),
  FST_INVALID_MULTIPART_CONTENT_TYPE: () => new HttpError(415, 'E_UNSUPPORTED_MEDIA_TYPE', 'send multipart/form-data or application/json'),
};

export interface ErrorAnswer {
  status: number;
  code: string;
  message: string;
  headers: Record<string, string>;
}

/** The answer for any thrown value. Internal faults get a generic message (the log has the detail). */
export function toAnswer(e: unknown): ErrorAnswer {
  if (e instanceof HttpError) return { status: e.statusCode, code: e.code, message: e.message, headers: e.headers };
  if (e instanceof LikenessError) {
    if (e.code === 'E_UNKNOWN_SUBJECT') return { status: 404, code: 'E_NOT_FOUND', message: e.message, headers: {} };
    if (!e.isInputError) return { status: 500, code: 'E_INTERNAL', message: 'internal error', headers: {} };
    return { status: STATUS[e.code] ?? 400, code: e.code, message: e.message, headers: {} };
  }
  const err = e as Error & { code?: string; statusCode?: number; validation?: unknown };
  if (err.validation) return { status: 400, code: 'E_BAD_REQUEST', message: err.message, headers: {} };
  const mapped = err.code ? FASTIFY[err.code] : undefined;
  if (mapped) return toAnswer(mapped(err));
  if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
    return { status: err.statusCode, code: 'E_BAD_REQUEST', message: err.message, headers: {} };
  }
  return { status: 500, code: 'E_INTERNAL', message: 'internal error', headers: {} };
}
