/**
 * The PostgreSQL + pgvector gallery store: the shared conformance suite against a real server that
 * scripts/postgres/start-test-server.sh installs and starts on 127.0.0.1 (skipped, with the
 * reason, where it cannot be started), plus what only PostgreSQL shows: the HNSW index is what
 * answers searches, and two store objects (two "service instances") share one gallery.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { nearest } from '../src/gallery/brute-force.js';
import { openGallery } from '../src/gallery/open.js';
import { PostgresGalleryStore } from '../src/gallery/postgres-store.js';
import { face, galleryConformance, MODEL, rng, unitVector } from './gallery/conformance.js';
import { testPostgres } from './helpers/postgres.js';

const server = await testPostgres();
const run = `t${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
let schemas = 0;
/** Each gallery of this run in its own schema, all dropped at the end. */
const newLocation = (): string => `${server.url}${server.url!.includes('?') ? '&' : '?'}schema=${run}_${++schemas}`;

async function dropRunSchemas(): Promise<void> {
  const client = new pg.Client({ connectionString: server.url });
  await client.connect();
  try {
    const r = await client.query<{ nspname: string }>('SELECT nspname FROM pg_namespace WHERE nspname LIKE $1', [`${run}\\_%`]);
    for (const { nspname } of r.rows) await client.query(`DROP SCHEMA "${nspname}" CASCADE`);
  } finally {
    await client.end();
  }
}

describe.skipIf(!server.url)(`PostgreSQL + pgvector gallery${server.skip ? ` (${server.skip})` : ''}`, () => {
  afterAll(async () => {
    if (server.url) await dropRunSchemas();
  });

  galleryConformance('PostgreSQL gallery store', async () => ({
    exactSearch: false,
    fresh: async () => {
      const location = newLocation();
      return { open: () => openGallery(location) };
    },
  }));

  describe('PostgreSQL specifics', () => {
    it('opens a postgres:// URL as a PostgreSQL store; a bad URL or unreachable server is a typed error', async () => {
      const store = await openGallery(newLocation());
      expect(store.kind).toBe('postgres');
      expect(store).toBeInstanceOf(PostgresGalleryStore);
      await store.close();
      const unreachable = 'postgresql://likeness:secret-password@127.0.0.1:1/nothing';
      const err = (await openGallery(unreachable).then(
        () => undefined,
        (e: unknown) => e,
      )) as Error & { code: string };
      expect(err).toMatchObject({ code: 'E_GALLERY_OPEN' });
      expect(err.message).not.toContain('secret-password');
      await expect(openGallery(`${server.url}?schema=Bad-Name`)).rejects.toMatchObject({ code: 'E_GALLERY_OPEN' });
    });

    it('answers searches from the HNSW index: recall@1 ≥ 0.99 against brute force, exact for large k', async () => {
      // A few hundred rows are cheaper to scan than to look up, so the planner would scan them (it
      // takes the index from ~10k rows on): sequential scans are switched off for this store's
      // connections, so every search below goes through HNSW.
      const location = `${newLocation()}&options=${encodeURIComponent('-c enable_seqscan=off')}`;
      const store = (await openGallery(location)) as PostgresGalleryStore;
      await store.init(MODEL);
      const r = rng(50);
      for (let i = 0; i < 30; i++) {
        const s = await store.createSubject(`P${i}`);
        await store.addFaces(s.id, Array.from({ length: 10 }, (_, j) => face(r, `p${i}-${j}`)));
      }
      const all = await store.loadAll();
      const clientUrl = new URL(location);
      clientUrl.searchParams.delete('schema');
      const client = new pg.Client({ connectionString: clientUrl.toString() });
      await client.connect();
      try {
        await client.query('BEGIN');
        await client.query('SET LOCAL hnsw.ef_search = 100');
        const plan = (
          await client.query(
            `EXPLAIN SELECT id, subject_id, embedding <-> $1::vector AS distance FROM "${store.schema}".faces ORDER BY embedding <-> $1::vector LIMIT $2`,
            [`[${Array.from(unitVector(128, r)).join(',')}]`, 5],
          )
        ).rows
          .map((row: { 'QUERY PLAN': string }) => row['QUERY PLAN'])
          .join('\n');
        await client.query('COMMIT');
        expect(plan).toContain('Index Scan using faces_embedding_hnsw');
        const index = await client.query(`SELECT indexdef FROM pg_indexes WHERE schemaname = $1 AND indexname = 'faces_embedding_hnsw'`, [store.schema]);
        expect(index.rows[0].indexdef).toMatch(/USING hnsw \(embedding vector_l2_ops\)/);
        const column = await client.query(`SELECT format_type(atttypid, atttypmod) AS type FROM pg_attribute WHERE attrelid = $1::regclass AND attname = 'embedding'`, [
          `"${store.schema}".faces`,
        ]);
        expect(column.rows[0].type).toBe('vector(128)');
      } finally {
        await client.end();
      }
      // every stored encoding finds itself
      for (let i = 0; i < all.faceIds.length; i++) {
        const [hit] = await store.search(all.matrix.slice(i * 128, (i + 1) * 128), 1);
        expect(hit!.faceId).toBe(all.faceIds[i]);
        expect(hit!.distance).toBeLessThan(1e-3);
      }
      // random queries: recall@1 against brute force
      let agree = 0;
      const queries = 200;
      for (let q = 0; q < queries; q++) {
        const query = unitVector(128, r);
        const [truth] = nearest(all.matrix, 128, query, 1);
        const [hit] = await store.search(query, 1);
        if (hit!.faceId === all.faceIds[truth!.index]) agree++;
      }
      expect(agree / queries, 'HNSW recall@1').toBeGreaterThanOrEqual(0.99);
      // large k: an exact scan, complete and ordered
      const hits = await store.search(unitVector(128, r), 600);
      expect(hits).toHaveLength(300);
      for (let i = 1; i < hits.length; i++) expect(hits[i]!.distance).toBeGreaterThanOrEqual(hits[i - 1]!.distance);
      // an import into an empty gallery builds the index once, at its end: it is there afterwards
      const copy = (await openGallery(newLocation())) as PostgresGalleryStore;
      const records = [];
      for await (const record of store.export()) records.push(record);
      expect((await copy.import(records)).faces).toBe(300);
      const indexes = new pg.Client({ connectionString: clientUrl.toString() });
      await indexes.connect();
      const found = await indexes.query(`SELECT indexdef FROM pg_indexes WHERE schemaname = $1 AND indexname = 'faces_embedding_hnsw'`, [copy.schema]);
      await indexes.end();
      expect(found.rows[0].indexdef).toMatch(/USING hnsw \(embedding vector_l2_ops\)/);
      await copy.close();
      await store.close();
    });

    it('lets two store objects (two service instances) write one gallery at once', async () => {
      const location = newLocation();
      const [a, b] = [await openGallery(location), await openGallery(location)];
      await Promise.all([a.init(MODEL), b.init(MODEL)]);
      const r = rng(51);
      const [sa, sb] = [await a.createSubject('from-a'), await b.createSubject('from-b')];
      const added = await Promise.all(
        Array.from({ length: 40 }, (_, i) => (i % 2 ? a.addFaces(sa.id, [face(r, `a${i}`)]) : b.addFaces(sb.id, [face(r, `b${i}`)]))),
      );
      const ids = new Set(added.flat().map((f) => f.id));
      const all = await a.loadAll();
      expect(new Set(all.faceIds)).toEqual(ids);
      expect(await b.changeCounter()).toBe(all.changeCounter);
      await a.close();
      await b.close();
    });
  });
});
