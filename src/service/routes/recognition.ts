/** POST /v1/detect, /v1/embed, /v1/verify, /v1/identify and GET /v1/session. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { boxJson, faceJson } from '../../json.js';
import type { FaceQuality } from '../../quality/index.js';
import { EncodingMismatchError, NoFaceError } from '../../errors.js';
import { InvalidFaceError } from '../../gallery/errors.js';
import { checkEmbedding } from '../../gallery/validate.js';
import type { Analysis, EncodedFace } from '../../likeness.js';
import { decide } from '../../match/verify.js';
import type { Box } from '../../types.js';
import type { ServiceContext } from '../context.js';
import { badRequest, HttpError, notFound } from '../errors.js';
import { deadline, jsonBodyLimit } from '../limits.js';
import { detectResult, embedResult, errors, identifyBody, identifyResult, imageBody, sessionResult, verifyBody, verifyResult } from '../schemas.js';
import { numberField, oneImage, readInputs, stringField } from './inputs.js';

const security = [{ bearerAuth: [] }];

/** The main face of an analysis (faces come main face first, as `likeness verify` uses), NoFaceError when there is none. */
function mainFace(a: Analysis<EncodedFace>): EncodedFace {
  const f = a.faces[0];
  if (!f) throw new NoFaceError(a.source);
  return f;
}

/** The subject's encoding as the gallery scores it (the mean of its faces', re-normalised). */
async function subjectEncoding(ctx: ServiceContext, id: string): Promise<Float32Array> {
  const s = await ctx.gallery.store.getSubject(id);
  if (!s) throw notFound(`no subject with id ${JSON.stringify(id)}`);
  const e = await ctx.gallery.subjectEncoding(id);
  if (!e) throw new HttpError(422, 'E_SUBJECT_EMPTY', `subject ${id} has no enrolled face to compare with`);
  return e;
}

/**
 * An encoding from the body, as the gallery takes them (checkEmbedding): finite and of unit length
 * within UNIT_TOLERANCE, else 422 E_INVALID_ENCODING (an all-zero vector would verify as anyone,
 * values of 1000 give meaningless distances).
 */
function encodingOf(v: unknown, name: string, dims: number): Float32Array {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number')) throw badRequest(`${name} must be an array of numbers`);
  if (v.length !== dims) throw new EncodingMismatchError(`${name} has ${v.length} dimensions; the model's encodings have ${dims}`);
  try {
    return checkEmbedding(Float32Array.from(v as number[]), dims, name);
  } catch (e) {
    if (e instanceof InvalidFaceError) throw new HttpError(422, 'E_INVALID_ENCODING', `${e.message.replace(/^invalid face: /, '')} (encodings come from /v1/embed)`);
    throw e;
  }
}

/** Before the schema's validation, which would coerce a null in an encoding to 0. */
async function encodingsAreNumbers(request: FastifyRequest): Promise<void> {
  const body = request.body as Record<string, unknown> | null | undefined;
  if (!body || typeof body !== 'object') return;
  for (const k of ['encoding1', 'encoding2']) {
    const v = body[k];
    if (Array.isArray(v) && !v.every((x) => typeof x === 'number')) throw badRequest(`${k} must be an array of numbers`);
  }
}

export function recognitionRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  const c = ctx.config;

  app.get('/v1/session', {
    config: { role: 'recognize' },
    schema: { tags: ['session'], summary: 'The role of the key sent (the web page checks a key with it)', security, response: { 200: sessionResult, ...errors } },
  }, async (request) => ({ role: request.apiKey!.role, keyId: request.apiKey!.id }));

  app.post('/v1/detect', {
    config: { role: 'recognize' },
    bodyLimit: jsonBodyLimit(c, 1),
    schema: { tags: ['recognition'], summary: 'Every face of an image: box, score, 68 landmarks, 5 points (as `likeness detect --json`)', security, body: imageBody, response: { 200: detectResult, ...errors } },
  }, async (request, reply) => {
    const inputs = await readInputs(request, c, ['image'], { image: 'image' });
    const [a] = await ctx.inference.detect([{ bytes: oneImage(inputs, 'image'), source: 'image' }], deadline(reply, c));
    ctx.metrics.faces.inc({ operation: 'detect' }, a!.faces.length);
    return { width: a!.width, height: a!.height, faces: a!.faces.map(faceJson) };
  });

  app.post('/v1/embed', {
    config: { role: 'recognize' },
    bodyLimit: jsonBodyLimit(c, 1),
    schema: { tags: ['recognition'], summary: 'Every face of an image with its encoding (as `likeness embed --json`)', security, body: imageBody, response: { 200: embedResult, ...errors } },
  }, async (request, reply) => {
    const inputs = await readInputs(request, c, ['image'], { image: 'image' });
    const [a] = await ctx.inference.embed([{ bytes: oneImage(inputs, 'image'), source: 'image' }], deadline(reply, c));
    ctx.metrics.faces.inc({ operation: 'embed' }, a!.faces.length);
    return { width: a!.width, height: a!.height, faces: a!.faces.map((f) => ({ ...faceJson(f), embedding: Array.from(f.embedding) })) };
  });

  app.post('/v1/verify', {
    config: { role: 'recognize' },
    // Two images, or two encodings of up to 4096 numbers (~24 characters each as JSON).
    bodyLimit: jsonBodyLimit(c, 2, 2 * 4096 * 24 + 64 * 1024),
    preValidation: encodingsAreNumbers,
    schema: {
      tags: ['recognition'],
      summary: 'Are these the same person? Two images (image1, image2), an image and an enrolled subject (image, subject), or two encodings (encoding1, encoding2)',
      description: "Each image's main face (the largest, nearer the centre winning) is compared. The threshold is the model's calibrated 1:1 threshold unless `threshold` is given.",
      security,
      body: verifyBody,
      response: { 200: verifyResult, ...errors },
    },
  }, async (request, reply) => {
    const t0 = performance.now();
    const inputs = await readInputs(request, c, ['image1', 'image2', 'image'], { image1: 'image1', image2: 'image2', image: 'image' });
    const threshold = numberField(inputs, 'threshold', 0, 4) ?? c.verifyThreshold ?? ctx.encoder.threshold;
    const spec = ctx.encoder.embedder.spec;
    const dims = spec.outputSize;
    const subject = stringField(inputs, 'subject');
    let a: Float32Array;
    let b: Float32Array;
    let faces: [{ box: Box; quality?: FaceQuality } | null, { box: Box; quality?: FaceQuality } | null] = [null, null];
    let images: [{ width: number; height: number } | null, { width: number; height: number } | null] = [null, null];
    if (inputs.fields.encoding1 !== undefined || inputs.fields.encoding2 !== undefined) {
      if (inputs.images.size > 0 || subject !== undefined) throw badRequest('send two images, an image and a subject, or two encodings: not a mix');
      a = encodingOf(inputs.fields.encoding1, 'encoding1', dims);
      b = encodingOf(inputs.fields.encoding2, 'encoding2', dims);
    } else if (subject !== undefined) {
      if (inputs.images.has('image1') || inputs.images.has('image2')) throw badRequest('with subject, send the photo in the field "image"');
      const image = oneImage(inputs, 'image');
      b = await subjectEncoding(ctx, subject);
      const [an] = await ctx.inference.embed([{ bytes: image, source: 'image' }], deadline(reply, c));
      ctx.metrics.faces.inc({ operation: 'verify' }, an!.faces.length);
      const f = mainFace(an!);
      a = f.embedding;
      faces = [{ box: boxJson(f.box), ...(f.quality ? { quality: f.quality } : {}) }, null];
      images = [{ width: an!.width, height: an!.height }, null];
    } else {
      if (inputs.images.has('image')) throw badRequest('send image1 and image2 (or image with subject)');
      const jobs = [{ bytes: oneImage(inputs, 'image1'), source: 'image1' }, { bytes: oneImage(inputs, 'image2'), source: 'image2' }];
      const [x, y] = await ctx.inference.embed(jobs, deadline(reply, c));
      ctx.metrics.faces.inc({ operation: 'verify' }, x!.faces.length + y!.faces.length);
      const fa = mainFace(x!);
      const fb = mainFace(y!);
      a = fa.embedding;
      b = fb.embedding;
      faces = [{ box: boxJson(fa.box), ...(fa.quality ? { quality: fa.quality } : {}) }, { box: boxJson(fb.box), ...(fb.quality ? { quality: fb.quality } : {}) }];
      images = [{ width: x!.width, height: x!.height }, { width: y!.width, height: y!.height }];
    }
    const d = decide(a, b, threshold, spec.metric, spec.threshold.logistic);
    return { ...d, model: ctx.encoder.model, faces, images, timeMs: Math.round(performance.now() - t0) };
  });

  app.post('/v1/identify', {
    config: { role: 'recognize' },
    bodyLimit: jsonBodyLimit(c, 1),
    schema: {
      tags: ['recognition'],
      summary: 'Who is in this photo? Every face with its nearest enrolled subjects and the open-set decision (match, or null: unknown)',
      security,
      body: identifyBody,
      response: { 200: identifyResult, ...errors },
    },
  }, async (request, reply) => {
    const inputs = await readInputs(request, c, ['image'], { image: 'image' });
    const top = numberField(inputs, 'top', 1, 100, true) ?? 5;
    const threshold = numberField(inputs, 'threshold', 0, 4) ?? c.identifyThreshold;
    const [a] = await ctx.inference.embed([{ bytes: oneImage(inputs, 'image'), source: 'image' }], deadline(reply, c));
    ctx.metrics.faces.inc({ operation: 'identify' }, a!.faces.length);
    const r = await ctx.gallery.identifyEncodings(a!.faces, { top, ...(threshold === undefined ? {} : { threshold }) });
    return { width: a!.width, height: a!.height, threshold: r.threshold, faces: r.faces.map((f) => ({ box: boxJson(f.box), score: f.score, ...(f.quality ? { quality: f.quality } : {}), match: f.match, candidates: f.candidates })) };
  });
}
