/**
 * The people found in a photo library by `likeness cluster` (kept beside the gallery, SQLite or PostgreSQL):
 * list, face thumbnails cut on demand from the original photos (nothing stored), and name / merge /
 * split / move / "not this person". Reading needs a recognize key, editing an admin key. A named
 * person is a gallery subject, so identify knows them at once.
 */
import type { FastifyInstance } from 'fastify';
import sharp from 'sharp';
import { openLibrary } from '../../gallery/library-open.js';
import { LibraryError, type LibraryStore } from '../../gallery/library-store.js';
import { summary } from '../../cluster/library.js';
import { mergePeople, moveFaces, namePerson, rejectFace } from '../../cluster/people.js';
import type { ServiceContext } from '../context.js';
import { badRequest, notFound } from '../errors.js';
import { errors } from '../schemas.js';

const security = [{ bearerAuth: [] }];
const tags = ['people'];
const box = { type: 'object', required: ['x', 'y', 'width', 'height'], properties: { x: { type: 'number' }, y: { type: 'number' }, width: { type: 'number' }, height: { type: 'number' } } } as const;
const face = { type: 'object', required: ['id', 'path', 'box'], properties: { id: { type: 'integer' }, path: { type: 'string' }, box } } as const;
const peopleAnswer = {
  type: 'object',
  required: ['clusters', 'unclustered'],
  properties: {
    clusters: { type: 'array', items: { type: 'object', required: ['id', 'name', 'size', 'faces'], properties: { id: { type: 'integer' }, name: { type: ['string', 'null'] }, size: { type: 'integer' }, faces: { type: 'array', items: face } } } },
    unclustered: { type: 'array', items: face },
  },
} as const;
const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'integer', minimum: 1 } } } as const;
const facesBody = { type: 'object', required: ['faces'], additionalProperties: false, properties: { faces: { type: 'array', minItems: 1, maxItems: 10000, items: { type: 'integer', minimum: 1 } } } } as const;

export function peopleRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  // opened on first use, beside the gallery (same location: a SQLite file or a postgres:// URL)
  let library: Promise<LibraryStore> | undefined;
  const lib = (): Promise<LibraryStore> => {
    if (!library) {
      const opening = openLibrary(ctx.config.db);
      library = opening;
      opening.catch(() => library === opening && (library = undefined)); // a failed open is retried by the next request
    }
    return library;
  };
  app.addHook('onClose', async () => {
    const l = await library?.catch(() => undefined);
    await l?.close();
  });
  /** The library's "no such person/face" as 404, its other refusals as 400. */
  const run = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof LibraryError && (e.code === 'E_UNKNOWN_PERSON' || e.code === 'E_UNKNOWN_FACE')) throw notFound(e.message);
      throw e;
    }
  };
  const store = ctx.gallery.store;

  app.get('/v1/people', {
    config: { role: 'recognize' },
    schema: { tags, summary: 'The people found by likeness cluster, with their faces, and the faces left unclustered', security, response: { 200: peopleAnswer, ...errors } },
  }, async () => summary(await lib()));

  app.get<{ Params: { id: number } }>('/v1/people/faces/:id/thumbnail', {
    config: { role: 'recognize' },
    schema: { tags, summary: 'A face, cut on demand from its original photo (JPEG, 160 px); nothing is stored', security, params: idParams, response: { ...errors } },
  }, async (request, reply) => {
    const f = await run(async () => (await lib()).face(request.params.id));
    const pad = 0.25;
    const img = sharp(f.path, { failOn: 'none' }).rotate();
    const meta = await img.metadata().catch(() => {
      throw notFound(`the photo of face ${f.id} is no longer readable`);
    });
    const w = meta.autoOrient?.width ?? meta.width ?? 0;
    const h = meta.autoOrient?.height ?? meta.height ?? 0;
    const left = Math.max(0, Math.floor(f.box.x - pad * f.box.width));
    const top = Math.max(0, Math.floor(f.box.y - pad * f.box.height));
    const width = Math.max(1, Math.min(w - left, Math.ceil(f.box.width * (1 + 2 * pad))));
    const height = Math.max(1, Math.min(h - top, Math.ceil(f.box.height * (1 + 2 * pad))));
    const jpeg = await img.extract({ left, top, width, height }).resize(160, 160, { fit: 'cover' }).jpeg({ quality: 85 }).toBuffer();
    return reply.type('image/jpeg').header('cache-control', 'no-store').send(jpeg);
  });

  app.post<{ Params: { id: number }; Body: { name: string } }>('/v1/people/:id/name', {
    config: { role: 'admin' },
    schema: { tags, summary: 'Name a person: they become a gallery subject that identify recognises', security, params: idParams, body: { type: 'object', required: ['name'], additionalProperties: false, properties: { name: { type: 'string', minLength: 1, maxLength: 200 } } }, response: { 200: { type: 'object', required: ['person', 'subject'], properties: { person: { type: 'integer' }, subject: { type: 'string' } } }, ...errors } },
  }, async (request) => run(async () => ({ person: request.params.id, subject: (await namePerson(await lib(), store, request.params.id, request.body.name)).subjectId })));

  app.post<{ Params: { id: number }; Body: { from: number } }>('/v1/people/:id/merge', {
    config: { role: 'admin' },
    schema: { tags, summary: 'Merge person `from` into this one', security, params: idParams, body: { type: 'object', required: ['from'], additionalProperties: false, properties: { from: { type: 'integer', minimum: 1 } } }, response: { 200: peopleAnswer, ...errors } },
  }, async (request) => run(async () => {
    await mergePeople(await lib(), store, request.params.id, request.body.from);
    return summary(await lib());
  }));

  app.post<{ Params: { id: number }; Body: { faces: number[] } }>('/v1/people/:id/split', {
    config: { role: 'admin' },
    schema: { tags, summary: 'Move these faces of the person to a new person', security, params: idParams, body: facesBody, response: { 200: { type: 'object', required: ['person'], properties: { person: { type: 'integer' } } }, ...errors } },
  }, async (request) => run(async () => {
    const l = await lib();
    for (const f of request.body.faces) if ((await l.face(f)).person !== request.params.id) throw badRequest(`face ${f} is not in person ${request.params.id}`);
    return { person: await moveFaces(l, store, request.body.faces, null) };
  }));

  app.post<{ Params: { id: number }; Body: { faces: number[] } }>('/v1/people/:id/faces', {
    config: { role: 'admin' },
    schema: { tags, summary: 'Move faces into this person', security, params: idParams, body: facesBody, response: { 200: { type: 'object', required: ['person'], properties: { person: { type: 'integer' } } }, ...errors } },
  }, async (request) => run(async () => ({ person: await moveFaces(await lib(), store, request.body.faces, request.params.id) })));

  app.post<{ Params: { id: number }; Body: { faces: number[] } }>('/v1/people/:id/reject', {
    config: { role: 'admin' },
    schema: { tags, summary: '"Not this person": the faces leave the person and are never proposed for them again', security, params: idParams, body: facesBody, response: { 200: peopleAnswer, ...errors } },
  }, async (request) => run(async () => {
    const l = await lib();
    for (const f of request.body.faces) await rejectFace(l, store, request.params.id, f);
    return summary(l);
  }));
}
