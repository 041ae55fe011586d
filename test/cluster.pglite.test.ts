/**
 * The photo library on PGlite (PostgreSQL in WebAssembly with pgvector, over the wire protocol on
 * 127.0.0.1, as test/gallery.pglite.test.ts): the same PostgresLibraryStore as on a real server,
 * through the library functions on the demo people's real photos, so the PostgreSQL library is
 * tested where no server can be started: scan, cluster, name → identify, merge / split / "not this
 * person", and a re-cluster keeping the named person and the rejection.
 */
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { clusterLibrary, scanPhotos, summary } from '../src/cluster/library.js';
import { initGallery, mergePeople, moveFaces, namePerson, rejectFace } from '../src/cluster/people.js';
import { Gallery } from '../src/gallery/gallery.js';
import { openLibrary } from '../src/gallery/library-open.js';
import { openGallery } from '../src/gallery/open.js';
import { Likeness } from '../src/likeness.js';
import { demoPeople } from './helpers/demo-people.js';

const demo = await demoPeople();
const engine = await Likeness.create();
const db = await PGlite.create({ extensions: { vector } });
const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 100 });
await server.start();
const { port } = (server as unknown as { server: { address(): AddressInfo } }).server.address();
const location = `postgres://postgres@127.0.0.1:${port}/postgres?schema=library_pglite`;

describe('the photo library on PGlite (zero-install PostgreSQL)', () => {
  afterAll(async () => {
    await server.stop();
    await db.close();
  });

  it('scans, clusters, names (identify knows them), and merge / split / reject / re-cluster persist', async () => {
    const gallery = await openGallery(location);
    await initGallery(gallery);
    let library = await openLibrary(location);
    expect(library.kind).toBe('postgres');
    const files = demo.people.flatMap((p) => [demo.db(p), demo.camera(p)]);
    const scan = await scanPhotos([...files, demo.blank], library, {}, { cache: false, progress: false });
    expect(scan.problems.map((p) => p.code)).toEqual(['E_NO_FACE']);
    expect(scan.faces).toBe(20);
    const result = await clusterLibrary(library);
    expect(result.clusters).toHaveLength(10);
    for (const c of result.clusters) expect(new Set(c.faces.map((f) => path.dirname(f.path))).size).toBe(1);
    const clusterOf = (s: typeof result, person: string) => s.clusters.find((c) => c.faces.some((f) => f.path === demo.db(person)))!;
    const bob = clusterOf(result, demo.people[1]!);
    await namePerson(library, gallery, bob.id, 'Bob');
    // merge two people, split them again, reject one of Bob's faces
    const a = clusterOf(result, demo.people[3]!);
    const b = clusterOf(result, demo.people[4]!);
    await mergePeople(library, gallery, a.id, b.id);
    expect((await library.person(a.id)).size).toBe(4);
    await expect(library.person(b.id)).rejects.toMatchObject({ code: 'E_UNKNOWN_PERSON' });
    const split = await moveFaces(library, gallery, b.faces.map((f) => f.id), null);
    expect((await library.faces()).filter((f) => f.person === split).map((f) => f.id).sort()).toEqual(b.faces.map((f) => f.id).sort());
    const rejected = bob.faces[0]!.id;
    await rejectFace(library, gallery, bob.id, rejected);
    await library.close();
    await gallery.close();

    // a new process's view: the same people, and identify knows Bob from the PostgreSQL gallery
    const g = await Gallery.open(location, engine);
    const id = await g.identify(path.join(demo.trainDir, demo.people[1]!, '3.jpg'));
    expect(id.faces[0]!.match?.name).toBe('Bob');
    await g.close();
    library = await openLibrary(location);
    expect(await library.rejections()).toEqual(new Set([`${rejected}:${bob.id}`]));
    const re = await clusterLibrary(library, { recluster: true });
    const named = re.clusters.find((c) => c.name === 'Bob')!;
    expect(named.id).toBe(bob.id);
    expect(named.faces.map((f) => f.id)).not.toContain(rejected);
    expect((await summary(library)).clusters.map((c) => c.id)).toEqual(re.clusters.map((c) => c.id));
    await library.close();
  }, 180_000);
});
