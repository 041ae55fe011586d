/**
 * The likeness HTTP API, as the page uses it: same origin, relative /v1/… URLs, a bearer key.
 * Every non-2xx answer becomes an ApiError carrying the service's `error.code` and its human
 * `error.message` (shown to the user as is).
 */

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Size {
  width: number;
  height: number;
}

export type Role = 'admin' | 'recognize';

export interface Session {
  role: Role;
}

export interface VerifyResult {
  verified: boolean;
  distance: number;
  threshold: number;
  similarity: number;
  confidence?: number;
  metric: string;
  /** null for a side that was not a photo (the API can also compare with a subject or encodings). */
  faces: ({ box: Box } | null)[];
  images: (Size | null)[];
  timeMs: number;
}

export interface Match {
  subject: string;
  name: string;
  distance: number;
  similarity: number;
  /** The distance corrected for the subject's hubness: the one compared with the threshold when present. */
  adjustedDistance?: number;
}

export interface IdentifiedFace {
  box: Box;
  score: number;
  match: Match | null;
  candidates: Match[];
}

export interface IdentifyResult extends Size {
  threshold: number;
  faces: IdentifiedFace[];
}

export interface Subject {
  id: string;
  name: string;
  metadata?: unknown;
  faceCount: number;
  createdAt: string;
}

export interface LibraryFace {
  id: number;
  path: string;
  box: Box;
}

export interface People {
  clusters: { id: number; name: string | null; size: number; faces: LibraryFace[] }[];
  unclustered: LibraryFace[];
}

export interface EnrolledFace {
  id: string;
  score: number;
  box: Box;
}

/** A push stream's live tracks and events: the library's own types (type-only, stripped by Vite). */
import type { StreamEvent, TrackView } from '../../src/stream/types.js';
export type { StreamEvent, TrackView };

/** A failed call: HTTP status (0 when the service could not be reached), code, human message. */
export interface ChallengeStart {
  id: string;
  challenge: 'blink' | 'turn-left' | 'turn-right';
  expiresAt: string;
  message: string;
}

export interface ChallengeStatus {
  id: string;
  challenge: ChallengeStart['challenge'];
  state: 'pending' | 'passed' | 'failed';
  progress: number;
  message: string;
  reason?: string;
  frames: number;
  expiresAt: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

const FALLBACK: Record<number, string> = {
  400: 'The request was not understood.',
  401: 'This API key is not valid.',
  403: 'This API key is not allowed to do that.',
  404: 'Not found.',
  413: 'The photo is too large.',
  415: 'This kind of file is not supported.',
  422: 'The photo could not be used.',
  429: 'Too many requests: wait a moment and try again.',
  503: 'The service is busy: try again in a moment.',
};

async function toError(res: Response): Promise<ApiError> {
  let code = `HTTP_${res.status}`;
  let message = FALLBACK[res.status] ?? `The service answered ${res.status} ${res.statusText}.`;
  try {
    const body = (await res.json()) as { error?: { code?: unknown; message?: unknown } };
    if (typeof body.error?.code === 'string') code = body.error.code;
    if (typeof body.error?.message === 'string' && body.error.message.trim()) message = body.error.message;
  } catch {
    // not JSON (a proxy's page, an empty body): keep the fallback sentence
  }
  return new ApiError(res.status, code, message);
}

export class Api {
  /** Called with every 401 answer after login (the key was revoked or expired). */
  onUnauthorized: ((e: ApiError) => void) | undefined;

  constructor(
    private readonly key: string,
    private readonly base = '',
  ) {}

  private async call<T>(method: string, path: string, body?: FormData | object, signal?: AbortSignal): Promise<T> {
    const headers: Record<string, string> = { Authorization: `Bearer ${this.key}`, Accept: 'application/json' };
    let payload: BodyInit | undefined;
    if (body instanceof FormData) payload = body;
    else if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, { method, headers, body: payload ?? null, signal: signal ?? null });
    } catch (e) {
      if (e instanceof DOMException && e.name === 'AbortError') throw e;
      throw new ApiError(0, 'E_NETWORK', 'The service cannot be reached: check that it is running.');
    }
    if (!res.ok) {
      const err = await toError(res);
      if (res.status === 401) this.onUnauthorized?.(err);
      throw err;
    }
    if (res.status === 204) return undefined as T;
    return (await res.json()) as T;
  }

  session(): Promise<Session> {
    return this.call('GET', '/v1/session');
  }

  async verify(image1: Blob, image2: Blob, signal?: AbortSignal): Promise<VerifyResult> {
    const form = new FormData();
    form.append('image1', await forUpload(image1), fileName(image1, 'image1.jpg'));
    form.append('image2', await forUpload(image2), fileName(image2, 'image2.jpg'));
    return this.call('POST', '/v1/verify', form, signal);
  }

  async identify(image: Blob, signal?: AbortSignal): Promise<IdentifyResult> {
    const form = new FormData();
    form.append('image', await forUpload(image), fileName(image, 'image.jpg'));
    return this.call('POST', '/v1/identify', form, signal);
  }

  /** Starts a push stream (the live camera): frames go to pushFrame. */
  startPushStream(minFrames?: number): Promise<{ id: string }> {
    return this.call('POST', '/v1/streams', { source: 'push', ...(minFrames ? { minFrames } : {}) });
  }

  pushFrame(id: string, frame: Blob, time: number, signal?: AbortSignal): Promise<{ tracks: TrackView[]; events: StreamEvent[] }> {
    const form = new FormData();
    form.append('time', String(time));
    form.append('image', frame, 'frame.jpg');
    return this.call('POST', `/v1/streams/${encodeURIComponent(id)}/frames`, form, signal);
  }

  stopStream(id: string): Promise<unknown> {
    return this.call('DELETE', `/v1/streams/${encodeURIComponent(id)}`);
  }

  async subjects(): Promise<Subject[]> {
    return (await this.call<{ subjects: Subject[] }>('GET', '/v1/subjects')).subjects;
  }

  createSubject(name: string): Promise<Subject> {
    return this.call('POST', '/v1/subjects', { name });
  }

  renameSubject(id: string, name: string): Promise<Subject> {
    return this.call('PATCH', `/v1/subjects/${encodeURIComponent(id)}`, { name });
  }

  deleteSubject(id: string): Promise<void> {
    return this.call('DELETE', `/v1/subjects/${encodeURIComponent(id)}`);
  }

  startChallenge(): Promise<ChallengeStart> {
    return this.call('POST', '/v1/liveness/challenges', {});
  }

  challengeFrame(id: string, frame: Blob, signal?: AbortSignal): Promise<ChallengeStatus> {
    const form = new FormData();
    form.append('image', frame, 'frame.jpg');
    return this.call('POST', `/v1/liveness/challenges/${encodeURIComponent(id)}/frames`, form, signal);
  }

  people(): Promise<People> {
    return this.call('GET', '/v1/people');
  }

  namePerson(id: number, name: string): Promise<{ person: number; subject: string }> {
    return this.call('POST', `/v1/people/${id}/name`, { name });
  }

  mergePeople(into: number, from: number): Promise<People> {
    return this.call('POST', `/v1/people/${into}/merge`, { from });
  }

  splitPerson(id: number, faces: number[]): Promise<{ person: number }> {
    return this.call('POST', `/v1/people/${id}/split`, { faces });
  }

  /** A face cut on demand from its original photo, as a JPEG blob. */
  async faceThumbnail(id: number): Promise<Blob> {
    const res = await fetch(`${this.base}/v1/people/faces/${id}/thumbnail`, { headers: { Authorization: `Bearer ${this.key}` } });
    if (!res.ok) throw await toError(res);
    return res.blob();
  }

  async addFaces(id: string, images: Blob[]): Promise<EnrolledFace[]> {
    const form = new FormData();
    const ready = await Promise.all(images.map(forUpload));
    ready.forEach((img, i) => form.append('image', img, fileName(images[i]!, `photo-${i + 1}.jpg`)));
    return (await this.call<{ faces: EnrolledFace[] }>('POST', `/v1/subjects/${encodeURIComponent(id)}/faces`, form)).faces;
  }
}

/** Photos larger than this on their longest side are scaled down before upload. */
const MAX_UPLOAD_SIDE = 2048;
/** Files larger than this are re-encoded as JPEG before upload, even when not too wide. */
const MAX_UPLOAD_BYTES = 4 * 1024 * 1024;

/**
 * A phone photo (12–50 MP, several MB) is more than face detection needs (it sees 512 px) and may
 * exceed the service's upload limit: photos wider or taller than MAX_UPLOAD_SIDE, or heavier than
 * MAX_UPLOAD_BYTES, are drawn upright (EXIF applied) at most MAX_UPLOAD_SIDE px and sent as JPEG.
 * Boxes come back in percent of the sent image, so they land on the shown photo all the same.
 * A photo the browser cannot decode (TIFF, say) is sent as it is: the service may read it.
 */
async function forUpload(image: Blob): Promise<Blob> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(image, { imageOrientation: 'from-image' });
  } catch {
    return image;
  }
  try {
    const side = Math.max(bitmap.width, bitmap.height);
    if (side <= MAX_UPLOAD_SIDE && image.size <= MAX_UPLOAD_BYTES) return image;
    const scale = Math.min(1, MAX_UPLOAD_SIDE / side);
    const canvas = document.createElement('canvas');
    canvas.width = Math.max(1, Math.round(bitmap.width * scale));
    canvas.height = Math.max(1, Math.round(bitmap.height * scale));
    const ctx = canvas.getContext('2d');
    if (!ctx) return image;
    ctx.imageSmoothingQuality = 'high';
    ctx.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    const jpeg = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/jpeg', 0.92));
    return jpeg && jpeg.size < image.size ? jpeg : image;
  } finally {
    bitmap.close();
  }
}

function fileName(b: Blob, fallback: string): string {
  return b instanceof File && b.name ? b.name : fallback;
}

/** A user-facing sentence for anything thrown by a call. */
export function describe(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return sentence(m);
}

/** "no face found in image1" → "No face found in image1." */
export function sentence(m: string): string {
  const t = m.trim();
  if (!t) return 'Something went wrong.';
  return `${t[0]!.toUpperCase()}${t.slice(1)}${/[.!?…]$/.test(t) ? '' : '.'}`;
}
