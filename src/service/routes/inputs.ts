/**
 * A request's images and fields, whether it came as multipart/form-data (image files) or as JSON
 * (base64 images), within the upload limits. Field values from multipart are strings; the helpers
 * below read numbers from either form the same way.
 */
import type { FastifyRequest } from 'fastify';
import { LikenessError } from '../../errors.js';
import type { ServiceConfig } from '../config.js';
import { badRequest, tooLarge } from '../errors.js';
import { decodeBase64Image } from '../limits.js';

export interface RequestInputs {
  /** Images by field name, in arrival order. */
  images: Map<string, Uint8Array[]>;
  /** Other fields: strings from multipart, JSON values from JSON. */
  fields: Record<string, unknown>;
}

/**
 * Reads the request's images. `imageFields` are the multipart file fields accepted; for JSON,
 * `jsonImages` maps each body property holding base64 (a string, or an array of strings) to the
 * image field it fills.
 */
export async function readInputs(request: FastifyRequest, c: ServiceConfig, imageFields: readonly string[], jsonImages: Record<string, string> = {}): Promise<RequestInputs> {
  const images = new Map<string, Uint8Array[]>();
  const fields: Record<string, unknown> = {};
  const add = (field: string, bytes: Uint8Array): void => {
    const list = images.get(field) ?? [];
    list.push(bytes);
    images.set(field, list);
    let n = 0;
    for (const l of images.values()) n += l.length;
    if (n > c.maxImages) throw tooLarge(`at most ${c.maxImages} images per request`);
  };
  if (request.isMultipart()) {
    try {
      for await (const part of request.parts()) {
        if (part.type === 'file') {
          if (!imageFields.includes(part.fieldname)) {
            part.file.resume();
            throw badRequest(`unexpected file field ${JSON.stringify(part.fieldname)}; expected ${imageFields.join(' or ')}`);
          }
          add(part.fieldname, await part.toBuffer());
        } else {
          fields[part.fieldname] = part.value;
        }
      }
    } catch (e) {
      throw multipartError(e);
    }
    return { images, fields };
  }
  const body = (request.body ?? {}) as Record<string, unknown>;
  for (const [k, v] of Object.entries(body)) {
    const target = jsonImages[k];
    if (target === undefined) {
      fields[k] = v;
      continue;
    }
    const list = Array.isArray(v) ? v : [v];
    list.forEach((s, i) => {
      if (typeof s !== 'string') throw badRequest(`${k} must be base64 text`);
      add(target, decodeBase64Image(s, Array.isArray(v) ? `${k}[${i}]` : k, c));
    });
  }
  return { images, fields };
}

/**
 * Our own errors and the multipart plugin's (FST_… codes: limits, media type) pass as they are; any
 * other is the body parser's (busboy: no boundary, a malformed part, an unexpected end): the
 * client's malformed body, 400.
 */
function multipartError(e: unknown): unknown {
  if (e instanceof LikenessError) return e;
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string' && code.startsWith('FST_')) return e;
  return badRequest(`malformed multipart/form-data body (${(e as Error).message ?? String(e)})`);
}

/** The one image of a field; 400 when it is missing or repeated. */
export function oneImage(inputs: RequestInputs, field: string): Uint8Array {
  const list = inputs.images.get(field);
  if (!list || list.length === 0) throw badRequest(`an image is required in the field ${JSON.stringify(field)}`);
  if (list.length > 1) throw badRequest(`one image only in the field ${JSON.stringify(field)}`);
  return list[0]!;
}

/** A numeric field (JSON number or multipart string); undefined when absent. */
export function numberField(inputs: RequestInputs, name: string, min: number, max: number, integer = false): number | undefined {
  const v = inputs.fields[name];
  if (v === undefined || v === '') return undefined;
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
  if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
    throw badRequest(`${name} must be ${integer ? 'an integer' : 'a number'} within ${min}..${max}`);
  }
  return n;
}

/** A boolean field (JSON boolean, or multipart "true"/"false"); undefined when absent. */
export function booleanField(inputs: RequestInputs, name: string): boolean | undefined {
  const v = inputs.fields[name];
  if (v === undefined || v === '') return undefined;
  if (v === true || v === 'true') return true;
  if (v === false || v === 'false') return false;
  throw badRequest(`${name} must be true or false`);
}

export function stringField(inputs: RequestInputs, name: string): string | undefined {
  const v = inputs.fields[name];
  if (v === undefined || v === '') return undefined;
  if (typeof v !== 'string') throw badRequest(`${name} must be a string`);
  return v;
}
