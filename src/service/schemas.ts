/**
 * JSON schemas of every route: Fastify validates requests and serialises responses with them (a
 * field not in a response schema is never sent), and @fastify/swagger turns them into the OpenAPI 3
 * document at /openapi.json, the API's contract.
 */

const num = { type: 'number' } as const;
const str = { type: 'string' } as const;

export const errorSchema = {
  type: 'object',
  description: 'Every 4xx/5xx answer',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', description: 'Stable code: E_UNAUTHORIZED, E_FORBIDDEN, E_NOT_FOUND, E_TOO_LARGE, E_IMAGE_TOO_LARGE, E_NO_FACE, E_MULTIPLE_FACES, E_TOO_MANY_FACES, E_IMAGE_DECODE, E_INVALID_ENCODING, E_RATE_LIMITED, E_BUSY, E_TIMEOUT, E_BAD_REQUEST, E_INTERNAL, …' },
        message: { type: 'string', description: 'A human sentence' },
      },
    },
  },
} as const;

/** The error answers every route may give. */
export const errors = { '4xx': errorSchema, '5xx': errorSchema } as const;

export const box = {
  type: 'object',
  description: 'Face box in image pixels',
  required: ['x', 'y', 'width', 'height'],
  properties: { x: num, y: num, width: num, height: num },
} as const;

/** A face's quality (src/quality, thresholds in data/quality.json). */
export const faceQuality = {
  type: 'object',
  description: "The face's quality: size, sharpness, pose, detection score; reasons name what is past its threshold (data/quality.json)",
  required: ['score', 'size', 'blur', 'yaw', 'pitch', 'roll', 'detection', 'reasons'],
  properties: {
    score: { type: 'number', description: '0..1, the weakest sub-score; under 0.5 a measure is past its threshold' },
    size: { type: 'number', description: 'Detector box width, px' },
    blur: { type: 'number', description: 'Sharpness: variance of the Laplacian on the grey 112 px aligned chip (low = blurred)' },
    yaw: { type: 'number', description: 'Degrees, from the five points' },
    pitch: { type: 'number', description: 'Degrees, from the five points' },
    roll: { type: 'number', description: 'Degrees, from the eye line' },
    detection: { type: 'number', description: 'Detection score' },
    reasons: { type: 'array', items: { type: 'string' }, description: "Why the face is poor: 'small', 'blurred', 'profile', 'pitched', 'tilted', 'low detection score'" },
  },
} as const;

const point = { type: 'array', items: num, minItems: 2, maxItems: 2, description: '[x, y] in image pixels' } as const;

export const detectedFace = {
  type: 'object',
  required: ['box', 'score', 'landmarks', 'points5'],
  properties: {
    box,
    score: { type: 'number', description: 'Detection score, 0..1' },
    landmarks: { type: 'array', items: point, description: '68 iBUG landmarks' },
    points5: {
      type: 'object',
      required: ['leftEye', 'rightEye', 'nose', 'mouthLeft', 'mouthRight'],
      properties: { leftEye: point, rightEye: point, nose: point, mouthLeft: point, mouthRight: point },
    },
    quality: faceQuality,
  },
} as const;

export const embeddedFace = {
  type: 'object',
  required: [...detectedFace.required, 'embedding'],
  properties: { ...detectedFace.properties, embedding: { type: 'array', items: num, description: 'L2-normalised encoding (128 numbers for the default model)' } },
} as const;

const size = { type: 'object', required: ['width', 'height'], properties: { width: { type: 'integer' }, height: { type: 'integer' } } } as const;

export const detectResult = { type: 'object', required: ['width', 'height', 'faces'], properties: { width: { type: 'integer' }, height: { type: 'integer' }, faces: { type: 'array', items: detectedFace } } } as const;
export const embedResult = { type: 'object', required: ['width', 'height', 'faces'], properties: { width: { type: 'integer' }, height: { type: 'integer' }, faces: { type: 'array', items: embeddedFace } } } as const;

export const candidate = {
  type: 'object',
  required: ['subject', 'name', 'distance', 'similarity'],
  properties: {
    subject: { type: 'string', description: 'Subject id' },
    name: str,
    distance: { type: 'number', description: 'Euclidean distance between unit encodings, 0..2' },
    similarity: { type: 'number', description: 'Cosine similarity, 1 − d²/2' },
    confidence: { type: 'number', description: 'Calibrated P(same person), 0..1' },
    hubness: { type: 'number', description: "The subject's mean cosine similarity to its k nearest other enrolled people (the model's k: 5 for the built-in one)" },
    adjustedDistance: {
      type: 'number',
      description: "The distance corrected for the subject's hubness, √(d² + max(0, hubness − the model's reference)); candidates are ranked and decided on it when present",
    },
  },
} as const;

export const identifyResult = {
  type: 'object',
  required: ['width', 'height', 'threshold', 'faces'],
  properties: {
    width: { type: 'integer' },
    height: { type: 'integer' },
    threshold: { type: 'number', description: "Open-set decision threshold used, on each candidate's adjustedDistance (hubness correction) when present, else its distance" },
    faces: {
      type: 'array',
      items: {
        type: 'object',
        required: ['box', 'score', 'match', 'candidates'],
        properties: {
          box,
          score: num,
          quality: faceQuality,
          match: { ...candidate, nullable: true, description: 'The best candidate within the threshold, or null: unknown' },
          candidates: { type: 'array', items: candidate, description: 'Nearest subjects first' },
        },
      },
    },
  },
} as const;

export const verifyResult = {
  type: 'object',
  required: ['verified', 'distance', 'threshold', 'similarity', 'metric', 'faces', 'images', 'timeMs'],
  properties: {
    verified: { type: 'boolean', description: 'distance ≤ threshold' },
    distance: num,
    threshold: num,
    similarity: num,
    confidence: { type: 'number', description: 'Calibrated P(same person), 0..1' },
    metric: str,
    model: { type: 'object', properties: { name: str, version: str } },
    faces: {
      type: 'array',
      minItems: 2,
      maxItems: 2,
      items: { type: 'object', nullable: true, required: ['box'], properties: { box, quality: faceQuality } },
      description: 'The compared face of each side (its main face); null for a subject or an encoding',
    },
    images: { type: 'array', minItems: 2, maxItems: 2, items: { ...size, nullable: true }, description: 'Size of each side’s image; null for a subject or an encoding' },
    timeMs: num,
  },
} as const;

export const subject = {
  type: 'object',
  required: ['id', 'name', 'metadata', 'faceCount', 'createdAt'],
  properties: {
    id: str,
    name: str,
    metadata: { type: 'object', additionalProperties: true },
    faceCount: { type: 'integer' },
    createdAt: { type: 'string', format: 'date-time' },
  },
} as const;

export const storedFace = { type: 'object', required: ['id', 'score', 'createdAt'], properties: { id: str, score: num, createdAt: { type: 'string', format: 'date-time' } } } as const;

export const subjectDetail = {
  type: 'object',
  required: [...subject.required, 'faces'],
  properties: { ...subject.properties, faces: { type: 'array', items: storedFace } },
} as const;

export const enrolResult = {
  type: 'object',
  required: ['faces'],
  properties: { faces: { type: 'array', items: { type: 'object', required: ['id', 'score', 'box'], properties: { id: str, score: num, box, quality: faceQuality } } } },
} as const;

const base64 = { type: 'string', description: 'The image file (JPEG, PNG, WebP, GIF, TIFF) in base64, or a data: URL' } as const;
const file = { type: 'string', format: 'binary', description: 'An image file (JPEG, PNG, WebP, GIF, TIFF)' } as const;
const threshold = { type: 'number', minimum: 0, description: 'Override the calibrated distance threshold' } as const;
const top = { type: 'integer', minimum: 1, maximum: 100, description: 'Candidates per face (default 5)' } as const;
const encoding = { type: 'array', items: num, minItems: 1, maxItems: 4096, description: 'A face encoding from /v1/embed' } as const;

/**
 * A body sent as JSON (images in base64) or as multipart/form-data (image files). The multipart
 * schema is for the documentation: the parts are read as streams by the handler, which checks them.
 */
function body(json: Record<string, unknown>, multipart: Record<string, unknown>, requiredJson: string[] = []) {
  return {
    content: {
      'application/json': { schema: { type: 'object', additionalProperties: false, ...(requiredJson.length ? { required: requiredJson } : {}), properties: json } },
      'multipart/form-data': { schema: { type: 'object', nullable: true, properties: multipart } },
    },
  };
}

export const imageBody = body({ image: base64 }, { image: file }, ['image']);
export const identifyBody = body({ image: base64, top, threshold }, { image: file, top: { type: 'string', description: top.description }, threshold: { type: 'string', description: threshold.description } }, ['image']);
export const verifyBody = body(
  { image1: base64, image2: base64, image: base64, subject: { type: 'string', description: 'A subject id: compare the image with this enrolled person' }, encoding1: encoding, encoding2: encoding, threshold },
  { image1: file, image2: file, image: file, subject: str, threshold: { type: 'string', description: threshold.description } },
);
export const enrolBody = body(
  { images: { type: 'array', items: base64, minItems: 1, description: 'Photos showing exactly one face each' }, allowPoorQuality: { type: 'boolean', description: 'Enrol photos whose face is poor (small, blurred, profile…); refused by default with 422 E_POOR_QUALITY' } },
  { image: { type: 'array', items: file, description: 'One or more `image` parts, each showing exactly one face' }, allowPoorQuality: { type: 'string', description: '"true" to enrol poor photos' } },
  ['images'],
);

export const createSubjectBody = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: { name: { type: 'string', minLength: 1, maxLength: 256 }, metadata: { type: 'object', additionalProperties: true } },
} as const;
export const patchSubjectBody = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: { name: { type: 'string', minLength: 1, maxLength: 256 }, metadata: { type: 'object', additionalProperties: true } },
} as const;

export const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', description: 'Subject id' } } } as const;
export const faceParams = { type: 'object', required: ['id', 'faceId'], properties: { id: { type: 'string', description: 'Subject id' }, faceId: { type: 'string', description: 'Face id' } } } as const;
export const listQuery = {
  type: 'object',
  // Bounded: a number beyond SQLite's integers (1e20) would reach the store as a float.
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: 1_000_000, description: 'At most this many (default: all), up to 1,000,000' },
    offset: { type: 'integer', minimum: 0, maximum: 1_000_000_000, description: 'Skip this many first' },
  },
} as const;

export const noContent = { type: 'null', description: 'Done, no content' } as const;
export const sessionResult = { type: 'object', required: ['role'], properties: { role: { type: 'string', enum: ['admin', 'recognize'] }, keyId: str } } as const;
export const healthResult = { type: 'object', required: ['status'], properties: { status: str } } as const;
export const readyResult = {
  type: 'object',
  required: ['status', 'checks'],
  properties: { status: { type: 'string', enum: ['ready', 'not ready'] }, checks: { type: 'object', properties: { models: { type: 'boolean' }, store: { type: 'boolean' } } } },
} as const;

/** POST /v1/streams/:id/frames: one camera frame and its time in the stream (s; default: since the stream started). */
export const frameBody = body(
  { image: base64, time: { type: 'number', minimum: 0, description: 'Seconds into the stream (default: since it started)' } },
  { image: file, time: { type: 'string', description: 'Seconds into the stream' } },
  ['image'],
);

/** POST /v1/streams. */
export const createStreamBody = {
  type: 'object',
  additionalProperties: false,
  required: ['source'],
  properties: {
    source: { type: 'string', minLength: 1, maxLength: 2048, description: '"push" (frames sent to /v1/streams/:id/frames; recognize keys), or a source the server reads (admin keys): a file path on the server, rtsp:// or http(s):// URL, /dev/videoN or camera:N' },
    fps: { type: 'number', minimum: 0.1, maximum: 30, description: 'Frames sampled per second (default 5)' },
    minFrames: { type: 'integer', minimum: 1, maximum: 100, description: 'Frames of evidence before a track is decided (default 3)' },
    webhook: {
      type: 'object',
      additionalProperties: false,
      required: ['url', 'secret'],
      description: "POST each of this stream's events here, signed with the secret (admin keys)",
      properties: { url: { type: 'string', minLength: 1, maxLength: 2048 }, secret: { type: 'string', minLength: 16, maxLength: 256 } },
    },
  },
} as const;
