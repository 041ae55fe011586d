/**
 * The zero-install PostgreSQL target: PGlite (PostgreSQL compiled to WebAssembly) with pgvector,
 * served over the wire protocol by pglite-socket on 127.0.0.1, reached by the same `pg` client and
 * PostgresGalleryStore as a real server. It passes the shared conformance suite, so a user without
 * a PostgreSQL server can try the shared-gallery setup (and these tests run anywhere).
 * PGlite has ONE backend behind every connection: session settings would leak between
 * connections, so the store only ever uses SET LOCAL inside its transactions.
 */
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { nearest } from '../src/gallery/brute-force.js';
import { openGallery } from '../src/gallery/open.js';
import { face, galleryConformance, MODEL, rng } from './gallery/conformance.js';

const db = await PGlite.create({ extensions: { vector } });
const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 200 /* every store is a pool of up to 10; the suite keeps several open */ });
await server.start();
const { port } = (server as unknown as { server: { address(): AddressInfo } }).server.address();
let schemas = 0;
const newLocation = (): string => `postgres://postgres@127.0.0.1:${port}/postgres?schema=pglite_${++schemas}`;

describe('PGlite + pgvector over the wire (zero-install PostgreSQL)', () => {
  afterAll(async () => {
    await server.stop();
    await db.close();
  });

  galleryConformance('PGlite gallery store', async () => ({
    exactSearch: false,
    fresh: async () => {
      const location = newLocation();
      return { open: () => openGallery(location) };
    },
  }));

  it('searches in the database: the same nearest faces as brute force over its encodings', async () => {
    const store = await openGallery(newLocation());
    expect(store.kind).toBe('postgres');
    await store.init(MODEL);
    const r = rng(90);
    for (let i = 0; i < 20; i++) {
      const s = await store.createSubject(`P${i}`);
      await store.addFaces(s.id, Array.from({ length: 5 }, (_, j) => face(r, `p${i}-${j}`)));
    }
    const all = await store.loadAll();
    for (let q = 0; q < 20; q++) {
      const query = face(r, `q${q}`).embedding;
      const [hit] = await store.search(query, 1);
      const [truth] = nearest(all.matrix, all.dimensions, query, 1);
      expect(hit!.faceId).toBe(all.faceIds[truth!.index]);
      expect(hit!.distance).toBeCloseTo(truth!.distance, 5);
    }
    await store.close();
  });
});
