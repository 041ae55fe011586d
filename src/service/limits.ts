/**
 * The service's limits, in one place: upload size (multipart files and base64 JSON alike), images
 * per request, the per-key rate limit, and the request deadline. Pixel count and faces per image are
 * enforced by the workers (maxPixels from the image header before decoding; faces after detection,
 * see inference.ts).
 */
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ServiceConfig } from './config.js';
import { badRequest, HttpError, tooLarge } from './errors.js';

/** Bodies without images (subjects: a name and at most 64 KB of metadata as JSON) and the default of routes without a body. */
export const SMALL_BODY_LIMIT = 128 * 1024;

/**
 * A JSON body's limit from what its route takes: `images` base64 images (4 bytes per 3) and
 * `extra` bytes more (fields, encodings). Each route sets its own (Fastify's per-route bodyLimit),
 * so a route taking one image or none cannot be sent a body sized for maxImages.
 */
export function jsonBodyLimit(c: ServiceConfig, images: number, extra = 64 * 1024): number {
  return Math.ceil((c.maxUploadBytes * 4) / 3) * images + extra;
}

export function multipartLimits(c: ServiceConfig): { fileSize: number; files: number; fields: number; fieldSize: number; parts: number } {
  return { fileSize: c.maxUploadBytes, files: c.maxImages, fields: 16, fieldSize: 64 * 1024, parts: c.maxImages + 16 };
}

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

/** A base64 (or data: URL) image from a JSON body, within the upload limit. */
export function decodeBase64Image(value: string, field: string, c: ServiceConfig): Uint8Array {
  const comma = value.startsWith('data:') ? value.indexOf(',') : -1;
  const text = (comma >= 0 ? value.slice(comma + 1) : value).replace(/\s+/g, '');
  if (text.length === 0) throw badRequest(`${field} is empty`);
  if (Math.floor((text.length * 3) / 4) - 2 > c.maxUploadBytes) throw tooLarge(`${field} is larger than the upload limit of ${c.maxUploadBytes} bytes`);
  if (!BASE64.test(text)) throw badRequest(`${field} is not base64`);
  const bytes = Buffer.from(text, text.includes('-') || text.includes('_') ? 'base64url' : 'base64');
  if (bytes.length > c.maxUploadBytes) throw tooLarge(`${field} is larger than the upload limit of ${c.maxUploadBytes} bytes`);
  return bytes;
}

/** The signal that fires when the request's time is up (counted from its arrival). */
export function deadline(reply: FastifyReply, c: ServiceConfig): AbortSignal {
  return AbortSignal.timeout(Math.max(1, Math.floor(c.timeoutMs - reply.elapsedTime)));
}

/**
 * Per-key rate limit (@fastify/rate-limit, in memory, per process): one bucket per key id across
 * all routes (set by the authentication hook, which runs before it), per client address for the
 * public pages; health, readiness and metrics are exempt (`config: { rateLimit: false }`).
 */
export async function registerRateLimit(app: FastifyInstance, c: ServiceConfig): Promise<void> {
  await app.register(rateLimit, {
    global: true,
    max: c.rateLimit,
    timeWindow: c.rateWindowMs,
    keyGenerator: (request: FastifyRequest) => (request.apiKey ? `key:${request.apiKey.id}` : `ip:${request.ip}`),
    errorResponseBuilder: (_request, ctx) => new HttpError(429, 'E_RATE_LIMITED', `rate limit of ${ctx.max} requests per ${c.rateWindowMs / 1000} s reached; retry in ${ctx.after}`),
  });
}
