/**
 * The People routes on the real service: a library scanned and clustered by the library functions
 * (the demo people, real photos) into the gallery the service serves; list, a thumbnail cut from the
 * original photo, name → identify, merge, split, "not this person", and refusals. Twice: on a SQLite
 * gallery file, and on a PostgreSQL gallery (the test server of scripts/postgres/; skipped, with
 * the reason, where it cannot be started).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterLibrary, scanPhotos } from '../src/cluster/library.js';
import { initGallery } from '../src/cluster/people.js';
import { openLibrary } from '../src/gallery/library-open.js';
import { openGallery } from '../src/gallery/open.js';
import { testPostgres } from './helpers/postgres.js';
import { b64, camera, dbPhoto, PEOPLE, startService, type RunningService } from './helpers/service.js';

const server = await testPostgres();
const pgSchema = `people${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
interface Face { id: number; path: string }
interface People { clusters: { id: number; name: string | null; size: number; faces: Face[] }[]; unclustered: Face[] }
const owner = (out: People, file: string) => out.clusters.find((c) => c.faces.some((f) => f.path === file));

const backends: { name: string; location: () => string; skip?: string; drop?: () => Promise<void> }[] = [
  { name: 'SQLite', location: () => path.join(mkdtempSync(path.join(os.tmpdir(), 'likeness-people-')), 'gallery.sqlite') },
  {
    name: 'PostgreSQL',
    location: () => `${server.url}${server.url!.includes('?') ? '&' : '?'}schema=${pgSchema}`,
    ...(server.url ? {} : { skip: server.skip ?? 'no PostgreSQL' }),
    drop: async () => {
      const c = new pg.Client({ connectionString: server.url });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS "${pgSchema}" CASCADE`).finally(() => c.end());
    },
  },
];

for (const backend of backends) {
  describe.skipIf(backend.skip !== undefined)(`People routes on a ${backend.name} gallery${backend.skip ? ` (${backend.skip})` : ''}`, () => {
    let s: RunningService;
    beforeAll(async () => {
      const db = backend.location();
      const gallery = await openGallery(db);
      await initGallery(gallery);
      const library = await openLibrary(db);
      await scanPhotos(PEOPLE.flatMap((p) => [dbPhoto(p), camera(p)]), library, {}, { cache: false, progress: false });
      await clusterLibrary(library);
      await library.close();
      await gallery.close();
      s = await startService({ db });
    });
    afterAll(async () => {
      await s?.close();
      if (server.url) await backend.drop?.();
    });

    describe('People routes', () => {
      it('lists the ten people, one per person, and cuts a face thumbnail from the original photo', async () => {
        const r = await s.call<People>('GET', '/v1/people', { key: s.recognize });
        expect(r.status).toBe(200);
        expect(r.body.clusters).toHaveLength(10);
        for (const p of PEOPLE) expect(owner(r.body, dbPhoto(p))!.faces.map((f) => f.path).sort()).toEqual([camera(p), dbPhoto(p)].sort());
        const face = r.body.clusters[0]!.faces[0]!;
        const t = await fetch(`${s.base}/v1/people/faces/${face.id}/thumbnail`, { headers: { authorization: `Bearer ${s.recognize}` } });
        expect(t.status).toBe(200);
        expect(t.headers.get('content-type')).toBe('image/jpeg');
        const meta = await sharp(Buffer.from(await t.arrayBuffer())).metadata();
        expect([meta.width, meta.height]).toEqual([160, 160]);
      });

      it('naming needs an admin key, and then identify recognises the person', async () => {
        const list = (await s.call<People>('GET', '/v1/people', { key: s.recognize })).body;
        const c = owner(list, dbPhoto(PEOPLE[2]!))!;
        expect((await s.call('POST', `/v1/people/${c.id}/name`, { key: s.recognize, json: { name: 'Carol' } })).status).toBe(403);
        const r = await s.call('POST', `/v1/people/${c.id}/name`, { key: s.admin, json: { name: 'Carol' } });
        expect(r.status, JSON.stringify(r.body)).toBe(200);
        const id = await s.call('POST', '/v1/identify', { key: s.recognize, json: { image: b64(camera(PEOPLE[2]!)) } });
        expect(id.status).toBe(200);
        expect(id.body.faces[0].match?.name).toBe('Carol');
      });

      it('merge, split and "not this person" change the people and persist', async () => {
        let list = (await s.call<People>('GET', '/v1/people', { key: s.recognize })).body;
        const a = owner(list, dbPhoto(PEOPLE[0]!))!;
        const b = owner(list, dbPhoto(PEOPLE[1]!))!;
        const m = await s.call<People>('POST', `/v1/people/${a.id}/merge`, { key: s.admin, json: { from: b.id } });
        expect(m.status).toBe(200);
        expect(m.body.clusters.find((c) => c.id === a.id)!.size).toBe(4);
        const split = await s.call<{ person: number }>('POST', `/v1/people/${a.id}/split`, { key: s.admin, json: { faces: b.faces.map((f) => f.id) } });
        expect(split.status).toBe(200);
        list = (await s.call<People>('GET', '/v1/people', { key: s.recognize })).body;
        expect(list.clusters.find((c) => c.id === split.body.person)!.faces.map((f) => f.id).sort()).toEqual(b.faces.map((f) => f.id).sort());
        const face = a.faces[0]!;
        const rej = await s.call<People>('POST', `/v1/people/${a.id}/reject`, { key: s.admin, json: { faces: [face.id] } });
        expect(rej.status).toBe(200);
        expect(rej.body.unclustered.map((f) => f.id)).toContain(face.id);
      });

      it('is in the OpenAPI document', async () => {
        const doc = await s.call('GET', '/openapi.json');
        expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/v1/people', '/v1/people/faces/{id}/thumbnail', '/v1/people/{id}/name', '/v1/people/{id}/merge', '/v1/people/{id}/split', '/v1/people/{id}/reject']));
      });

      it('answers 404 for an unknown person or face and 400 for a bad body, never 500', async () => {
        expect((await s.call('POST', '/v1/people/9999/name', { key: s.admin, json: { name: 'X' } })).status).toBe(404);
        expect((await s.call('GET', '/v1/people/faces/9999/thumbnail', { key: s.recognize })).status).toBe(404);
        expect((await s.call('POST', '/v1/people/1/split', { key: s.admin, json: { faces: [] } })).status).toBe(400);
        expect((await s.call('POST', '/v1/people/1/merge', { key: s.admin, json: { from: 1 } })).status).toBe(400);
      });
    });
  });
}
