/**
 * Subjects CRUD and enrolment. Reading needs a recognize key; creating, editing, enrolling and
 * deleting need an admin key. Deleting a subject or a face erases its encodings (the gallery's
 * guarantee: SQLite secure_delete + checkpoint).
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { boxJson } from '../../json.js';
import { MultipleFacesError, NoFaceError } from '../../errors.js';
import type { NewFace, Subject } from '../../gallery/types.js';
import type { ServiceContext } from '../context.js';
import { badRequest, notFound } from '../errors.js';
import { deadline, jsonBodyLimit } from '../limits.js';
import { createSubjectBody, enrolBody, enrolResult, errors, faceParams, idParams, listQuery, noContent, patchSubjectBody, subject, subjectDetail } from '../schemas.js';
import { booleanField, readInputs } from './inputs.js';
import { PoorQualityError } from '../../quality/index.js';

const security = [{ bearerAuth: [] }];
const tags = ['subjects'];

const subjectJson = (s: Subject) => ({ id: s.id, name: s.name, metadata: s.metadata, faceCount: s.faceCount, createdAt: s.createdAt });

export function subjectRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  const store = ctx.gallery.store;
  const c = ctx.config;
  const mustGet = async (id: string): Promise<Subject> => {
    const s = await store.getSubject(id);
    if (!s) throw notFound(`no subject with id ${JSON.stringify(id)}`);
    return s;
  };

  app.get<{ Querystring: { limit?: number; offset?: number } }>('/v1/subjects', {
    config: { role: 'recognize' },
    schema: {
      tags,
      summary: 'The enrolled people, by name',
      security,
      querystring: listQuery,
      response: { 200: { type: 'object', required: ['subjects'], properties: { subjects: { type: 'array', items: subject } } }, ...errors },
    },
  }, async (request) => {
    const { limit, offset } = request.query;
    return { subjects: (await store.listSubjects({ ...(limit === undefined ? {} : { limit }), ...(offset === undefined ? {} : { offset }) })).map(subjectJson) };
  });

  app.post<{ Body: { name: string; metadata?: Record<string, unknown> } }>('/v1/subjects', {
    config: { role: 'admin' },
    schema: { tags, summary: 'Create a subject (then enrol faces with POST /v1/subjects/{id}/faces)', security, body: createSubjectBody, response: { 201: subject, ...errors } },
  }, async (request, reply) => {
    const s = await store.createSubject(request.body.name, request.body.metadata ?? {});
    return reply.status(201).send(subjectJson(s));
  });

  app.get<{ Params: { id: string } }>('/v1/subjects/:id', {
    config: { role: 'recognize' },
    schema: { tags, summary: 'A subject and its enrolled faces', security, params: idParams, response: { 200: subjectDetail, ...errors } },
  }, async (request) => {
    const s = await mustGet(request.params.id);
    const faces = await store.listFaces(s.id);
    return { ...subjectJson(s), faces: faces.map((f) => ({ id: f.id, score: f.score, createdAt: f.createdAt })) };
  });

  app.patch<{ Params: { id: string }; Body: { name?: string; metadata?: Record<string, unknown> } }>('/v1/subjects/:id', {
    config: { role: 'admin' },
    schema: { tags, summary: 'Rename a subject and/or replace its metadata', security, params: idParams, body: patchSubjectBody, response: { 200: subject, ...errors } },
  }, async (request) => {
    let s = await mustGet(request.params.id);
    if (request.body.name !== undefined) s = await store.renameSubject(s.id, request.body.name);
    if (request.body.metadata !== undefined) s = await store.setMetadata(s.id, request.body.metadata);
    return subjectJson(s);
  });

  app.delete<{ Params: { id: string } }>('/v1/subjects/:id', {
    config: { role: 'admin' },
    schema: { tags, summary: 'Delete a subject and erase its encodings', security, params: idParams, response: { 204: noContent, ...errors } },
  }, async (request, reply) => {
    if (!(await store.deleteSubject(request.params.id))) throw notFound(`no subject with id ${JSON.stringify(request.params.id)}`);
    return reply.status(204).send();
  });

  app.post<{ Params: { id: string } }>('/v1/subjects/:id/faces', {
    config: { role: 'admin' },
    bodyLimit: jsonBodyLimit(c, c.maxImages),
    schema: {
      tags,
      summary: 'Enrol faces: one or more photos showing exactly one face each; otherwise 422 and nothing is stored',
      security,
      params: idParams,
      body: enrolBody,
      response: { 201: enrolResult, ...errors },
    },
  }, async (request, reply) => {
    const s = await mustGet(request.params.id);
    const inputs = await readInputs(request, c, ['image'], { images: 'image' });
    const photos = inputs.images.get('image') ?? [];
    if (photos.length === 0) throw badRequest('send at least one photo (multipart "image" fields, or JSON "images")');
    const allowPoorQuality = booleanField(inputs, 'allowPoorQuality') ?? false;
    const analyses = await ctx.inference.embed(photos.map((bytes, i) => ({ bytes, source: photos.length === 1 ? 'image' : `image #${i + 1}` })), deadline(reply, c));
    ctx.metrics.faces.inc({ operation: 'enrol' }, analyses.reduce((n, a) => n + a.faces.length, 0));
    // Every photo is checked before anything is written.
    const faces = analyses.map((a, i) => {
      if (a.faces.length === 0) throw new NoFaceError(a.source);
      if (a.faces.length > 1) throw new MultipleFacesError(a.source, a.faces.length);
      const f = a.faces[0]!;
      if (!allowPoorQuality && f.quality && f.quality.reasons.length > 0) throw new PoorQualityError(a.source, f.quality);
      const face: NewFace = { embedding: f.embedding, score: f.score, imageSha256: createHash('sha256').update(photos[i]!).digest('hex') };
      return { face, box: f.box, quality: f.quality };
    });
    const stored = await store.addFaces(s.id, faces.map((f) => f.face));
    return reply.status(201).send({ faces: stored.map((f, i) => ({ id: f.id, score: f.score, box: boxJson(faces[i]!.box), ...(faces[i]!.quality ? { quality: faces[i]!.quality } : {}) })) });
  });

  app.delete<{ Params: { id: string; faceId: string } }>('/v1/subjects/:id/faces/:faceId', {
    config: { role: 'admin' },
    schema: { tags, summary: 'Remove one enrolled face and erase its encoding', security, params: faceParams, response: { 204: noContent, ...errors } },
  }, async (request, reply) => {
    const s = await mustGet(request.params.id);
    const faces = await store.listFaces(s.id);
    if (!faces.some((f) => f.id === request.params.faceId) || !(await store.deleteFace(request.params.faceId))) {
      throw notFound(`subject ${s.id} has no face with id ${JSON.stringify(request.params.faceId)}`);
    }
    return reply.status(204).send();
  });
}
