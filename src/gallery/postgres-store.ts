/**
 * The shared gallery: PostgreSQL + pgvector through the ordinary `pg` client, so several service
 * instances on several machines use one gallery. Search runs in the database on an HNSW index
 * (L2 distance, `<->`), with `hnsw.ef_search` set per query (SET LOCAL, in the query's own
 * transaction) and an exact scan when k is too large for the index to answer well.
 *
 * Tables live in one schema (default `likeness`; `?schema=name` in the URL picks another):
 * `gallery` (one row: model, change counter), `subjects`, `faces` (encoding as vector(dims),
 * thumbnail as bytea). Every multi-row write is one transaction; writers serialise on the gallery
 * row, whose change counter they bump, so the counter's order is the commit order.
 * Erasure: a deleted subject's rows are gone for every query at commit; like any PostgreSQL row
 * their bytes stay in the table's (and the HNSW index's) pages until VACUUM reuses the space,
 * which is the database operator's business (disk encryption, VACUUM FULL).
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { LikenessError } from '../errors.js';
import { copyVectorBinaryInto, fromVectorBinary, toVectorLiteral } from './encoding.js';
import {
  GalleryClosedError,
  GalleryModelMismatchError,
  GalleryNotInitialisedError,
  GalleryOpenError,
  GalleryReindexError,
  UnknownSubjectError,
} from './errors.js';
import { headerRecord, readImport, subjectRecord, type ImportedFace } from './records.js';
import type { GalleryStore } from './store.js';
import type {
  GalleryModel,
  GalleryRecord,
  GalleryStats,
  ImportResult,
  ListFacesOptions,
  ListOptions,
  LoadedEncodings,
  NewFace,
  ReencodedFace,
  SearchHit,
  StoredFace,
  Subject,
} from './types.js';
import {
  checkEmbedding,
  checkK,
  checkList,
  checkModel,
  checkName,
  checkNewFace,
  isUuid,
  metadataJson,
  sameModel,
} from './validate.js';

const SCHEMA_VERSION = 1;
/** Above this k the search is an exact scan (HNSW's ef_search cannot exceed 1000). */
export const EXACT_SEARCH_ABOVE_K = 500;
const PAGE = 20_000;
const BATCH = 2_000;

export interface PostgresStoreOptions {
  /** Schema holding the gallery's tables (default `likeness`, or the URL's `?schema=`). */
  schema?: string;
  /** HNSW candidate list size per query (default 100; raised to 2k for larger k; max 1000). */
  efSearch?: number;
  /** Pool size (default 10). */
  maxConnections?: number;
}

interface GalleryRow {
  schema_version: number;
  model_name: string | null;
  model_version: string | null;
  dimensions: number | null;
  change_counter: string;
}
interface SubjectRow {
  id: string;
  name: string;
  metadata: Record<string, unknown>;
  created_at: Date;
  face_count: number;
}
interface FaceRow {
  id: string;
  subject_id: string;
  model: string;
  model_version: string;
  score: number;
  image_sha256: string;
  created_at: Date;
  embedding?: Buffer;
  thumbnail?: Buffer | null;
}

const modelOf = (r: GalleryRow): GalleryModel | undefined =>
  r.model_name === null ? undefined : { name: r.model_name, version: r.model_version ?? '', dimensions: r.dimensions ?? 0 };

const toSubject = (r: SubjectRow): Subject => ({
  id: r.id,
  name: r.name,
  metadata: r.metadata,
  createdAt: r.created_at.toISOString(),
  faceCount: Number(r.face_count),
});

function toFace(r: FaceRow): StoredFace {
  const f: StoredFace = {
    id: r.id,
    subjectId: r.subject_id,
    model: r.model,
    modelVersion: r.model_version,
    embedding: r.embedding ? fromVectorBinary(r.embedding) : new Float32Array(0),
    score: r.score,
    imageSha256: r.image_sha256,
    createdAt: r.created_at.toISOString(),
  };
  if (r.thumbnail) f.thumbnail = new Uint8Array(r.thumbnail);
  return f;
}

/** The URL with its password hidden, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/:[^:@/]*@/, ':***@');
  }
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * A gallery URL's connection string (without `?schema=`), its schema (the option, else the URL's,
 * else `likeness`) and the URL as shown in messages. GalleryOpenError when it is not valid.
 */
export function postgresTarget(url: string, schemaOption?: string): { shown: string; connectionString: string; schema: string } {
  const shown = redactUrl(url);
  let connectionString = url;
  let schema = schemaOption;
  try {
    const u = new URL(url);
    const fromUrl = u.searchParams.get('schema');
    if (fromUrl !== null) {
      u.searchParams.delete('schema');
      connectionString = u.toString();
      schema ??= fromUrl;
    }
  } catch {
    throw new GalleryOpenError(shown, 'not a valid postgres:// URL');
  }
  schema ??= 'likeness';
  if (!SCHEMA_NAME.test(schema)) throw new GalleryOpenError(shown, `schema name ${JSON.stringify(schema)} must match ${SCHEMA_NAME}`);
  return { shown, connectionString, schema };
}

/** Runs fn in a transaction on one client of the pool (ROLLBACK on any error). */
export async function transaction<T>(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<T>, begin = 'BEGIN'): Promise<T> {
  const c = await pool.connect();
  try {
    await c.query(begin);
    const out = await fn(c);
    await c.query('COMMIT');
    return out;
  } catch (err) {
    await c.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    c.release();
  }
}

export class PostgresGalleryStore implements GalleryStore {
  readonly kind = 'postgres' as const;
  readonly schema: string;
  private readonly pool: pg.Pool;
  private readonly efSearch: number;
  private declared: GalleryModel | undefined;
  private closed = false;
  /** Qualified table names. */
  private readonly t: { gallery: string; subjects: string; faces: string; hnsw: string };

  private constructor(pool: pg.Pool, schema: string, efSearch: number) {
    this.pool = pool;
    this.schema = schema;
    this.efSearch = efSearch;
    const q = `"${schema}"`;
    this.t = { gallery: `${q}.gallery`, subjects: `${q}.subjects`, faces: `${q}.faces`, hnsw: `${q}.faces_embedding_hnsw` };
  }

  /** Connects, checks pgvector and creates the schema's tables if needed. GalleryOpenError otherwise. */
  static async open(url: string, options: PostgresStoreOptions = {}): Promise<PostgresGalleryStore> {
    const { shown, connectionString, schema } = postgresTarget(url, options.schema);
    const ef = options.efSearch ?? 100;
    if (!Number.isInteger(ef) || ef < 1 || ef > 1000) throw new GalleryOpenError(shown, `efSearch must be an integer from 1 to 1000, got ${ef}`);
    const pool = new pg.Pool({ connectionString, max: options.maxConnections ?? 10, connectionTimeoutMillis: 15_000 });
    // An idle client's error (server restart) must not crash the process; the next query reconnects.
    pool.on('error', () => undefined);
    const store = new PostgresGalleryStore(pool, schema, ef);
    try {
      await store.createSchema();
    } catch (err) {
      await pool.end().catch(() => undefined);
      if (err instanceof LikenessError) throw err;
      const code = (err as { code?: string }).code ?? '';
      const reach = /^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|28P01|28000|3D000)$/.test(code) || /timeout/i.test((err as Error).message);
      throw new GalleryOpenError(shown, (err as Error).message || code, err, reach);
    }
    return store;
  }

  // --- plumbing ------------------------------------------------------------------------------

  private check(): void {
    if (this.closed) throw new GalleryClosedError();
  }

  /** Runs fn in a transaction on one client (ROLLBACK on any error). */
  private async tx<T>(fn: (c: pg.PoolClient) => Promise<T>, begin = 'BEGIN'): Promise<T> {
    this.check();
    return transaction(this.pool, fn, begin);
  }

  private async query<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<pg.QueryResult<R>> {
    this.check();
    return this.pool.query<R>(sql, params);
  }

  private async createSchema(): Promise<void> {
    const ext = await this.pool.query<{ extversion: string }>("SELECT extversion FROM pg_extension WHERE extname = 'vector'");
    if (ext.rowCount === 0) {
      try {
        await this.pool.query('CREATE EXTENSION IF NOT EXISTS vector');
      } catch (err) {
        throw new GalleryOpenError('the database', `the pgvector extension is not installed (and CREATE EXTENSION vector failed: ${(err as Error).message}); ask a superuser to run CREATE EXTENSION vector`, err, false);
      }
    }
    const v = (await this.pool.query<{ extversion: string }>("SELECT extversion FROM pg_extension WHERE extname = 'vector'")).rows[0]?.extversion ?? '0';
    const [major = 0, minor = 0] = v.split('.').map(Number);
    if (major === 0 && minor < 5) throw new GalleryOpenError('the database', `pgvector ${v} has no HNSW index: version 0.5.0 or newer is needed (ALTER EXTENSION vector UPDATE)`, undefined, false);
    const existing = await this.pool.query<{ faces: string | null }>('SELECT to_regclass($1) AS faces', [this.t.faces]);
    if (existing.rows[0]?.faces) {
      const g = await this.galleryRow(this.pool);
      if (g.schema_version > SCHEMA_VERSION) {
        throw new GalleryOpenError(`schema ${this.schema}`, `its schema version ${g.schema_version} is newer than this likeness (${SCHEMA_VERSION}): upgrade likeness`);
      }
      return;
    }
    await this.tx(async (c) => {
      await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`likeness-gallery:${this.schema}`]);
      await c.query(`CREATE SCHEMA IF NOT EXISTS "${this.schema}"`);
      await c.query(`CREATE TABLE IF NOT EXISTS ${this.t.gallery} (
        id int PRIMARY KEY CHECK (id = 1),
        schema_version int NOT NULL,
        model_name text,
        model_version text,
        dimensions int,
        change_counter bigint NOT NULL DEFAULT 0)`);
      await c.query(`INSERT INTO ${this.t.gallery} (id, schema_version) VALUES (1, ${SCHEMA_VERSION}) ON CONFLICT (id) DO NOTHING`);
      await c.query(`CREATE TABLE IF NOT EXISTS ${this.t.subjects} (
        seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
        id uuid PRIMARY KEY,
        name text NOT NULL,
        metadata jsonb NOT NULL,
        created_at timestamptz NOT NULL)`);
      await c.query(`CREATE INDEX IF NOT EXISTS subjects_by_name ON ${this.t.subjects} (name, id)`);
      await c.query(`CREATE TABLE IF NOT EXISTS ${this.t.faces} (
        seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
        id uuid PRIMARY KEY,
        subject_id uuid NOT NULL REFERENCES ${this.t.subjects} (id) ON DELETE CASCADE,
        model text NOT NULL,
        model_version text NOT NULL,
        embedding vector NOT NULL,
        score double precision NOT NULL,
        image_sha256 text NOT NULL,
        created_at timestamptz NOT NULL,
        thumbnail bytea)`);
      await c.query(`CREATE INDEX IF NOT EXISTS faces_by_subject ON ${this.t.faces} (subject_id, created_at, seq)`);
      await c.query(`CREATE INDEX IF NOT EXISTS faces_by_image ON ${this.t.faces} (image_sha256)`);
      const g = (await c.query<GalleryRow>(`SELECT schema_version FROM ${this.t.gallery} WHERE id = 1`)).rows[0]!;
      if (g.schema_version > SCHEMA_VERSION) {
        throw new GalleryOpenError(`schema ${this.schema}`, `its schema version ${g.schema_version} is newer than this likeness (${SCHEMA_VERSION}): upgrade likeness`);
      }
    });
  }

  private async galleryRow(c: pg.PoolClient | pg.Pool, forUpdate = false): Promise<GalleryRow> {
    const r = await c.query<GalleryRow>(
      `SELECT schema_version, model_name, model_version, dimensions, change_counter FROM ${this.t.gallery} WHERE id = 1${forUpdate ? ' FOR UPDATE' : ''}`,
    );
    return r.rows[0]!;
  }

  private async bump(c: pg.PoolClient): Promise<void> {
    await c.query(`UPDATE ${this.t.gallery} SET change_counter = change_counter + 1 WHERE id = 1`);
  }

  /** Inside a write transaction: locks the gallery row; its model must be the declared one. */
  private async lockDeclared(c: pg.PoolClient, operation: string): Promise<GalleryModel> {
    const declared = this.declared;
    if (!declared) throw new GalleryNotInitialisedError(operation);
    const recorded = modelOf(await this.galleryRow(c, true));
    if (!recorded) throw new GalleryNotInitialisedError(operation);
    if (!sameModel(recorded, declared)) throw new GalleryModelMismatchError(recorded, declared);
    return recorded;
  }

  /** Types the encoding column for the model's dimensions and (unless told not to yet) builds the HNSW index on it. */
  private async typeEmbeddings(c: pg.PoolClient, dimensions: number, index = true): Promise<void> {
    await c.query(`ALTER TABLE ${this.t.faces} ALTER COLUMN embedding TYPE vector(${dimensions})`);
    if (index) await this.createIndex(c);
  }

  /** Types the embedding column for `m` and records `m` as the gallery's model (in transaction `c`). */
  private async recordModel(c: pg.PoolClient, m: GalleryModel, options: { index: boolean; bump: boolean }): Promise<void> {
    await this.typeEmbeddings(c, m.dimensions, options.index);
    const bump = options.bump ? ', change_counter = change_counter + 1' : '';
    await c.query(`UPDATE ${this.t.gallery} SET model_name = $1, model_version = $2, dimensions = $3${bump} WHERE id = 1`, [m.name, m.version, m.dimensions]);
  }

  private async createIndex(c: pg.PoolClient): Promise<void> {
    await c.query(`CREATE INDEX IF NOT EXISTS faces_embedding_hnsw ON ${this.t.faces} USING hnsw (embedding vector_l2_ops)`);
  }

  private async subjectOrThrow(c: pg.PoolClient | pg.Pool, id: string): Promise<Subject> {
    const s = isUuid(id) ? await this.subjectRow(c, id) : undefined;
    if (!s) throw new UnknownSubjectError(id);
    return s;
  }

  private async subjectRow(c: pg.PoolClient | pg.Pool, id: string): Promise<Subject | undefined> {
    const r = await c.query<SubjectRow>(`SELECT ${this.subjectColumns()} FROM ${this.t.subjects} s WHERE s.id = $1`, [id]);
    return r.rows[0] ? toSubject(r.rows[0]) : undefined;
  }

  private subjectColumns(): string {
    return `s.id, s.name, s.metadata, s.created_at, (SELECT count(*) FROM ${this.t.faces} f WHERE f.subject_id = s.id)::int AS face_count`;
  }

  /** Inserts faces (one statement per batch). Returns the number inserted; existing ids are skipped. */
  private async insertFaces(c: pg.PoolClient, subjectId: string, model: GalleryModel, faces: readonly ImportedFace[]): Promise<number> {
    let inserted = 0;
    for (let i = 0; i < faces.length; i += BATCH) {
      const batch = faces.slice(i, i + BATCH);
      const r = await c.query(
        `INSERT INTO ${this.t.faces} (id, subject_id, model, model_version, embedding, score, image_sha256, created_at, thumbnail)
         SELECT u.id, $1::uuid, $2::text, $3::text, u.e::vector, u.score, u.sha, u.created, u.thumb
         FROM unnest($4::uuid[], $5::text[], $6::float8[], $7::text[], $8::timestamptz[], $9::bytea[]) WITH ORDINALITY AS u(id, e, score, sha, created, thumb, n)
         ORDER BY u.n
         ON CONFLICT (id) DO NOTHING`,
        [
          subjectId,
          model.name,
          model.version,
          batch.map((f) => f.id),
          batch.map((f) => toVectorLiteral(f.embedding)),
          batch.map((f) => f.score),
          batch.map((f) => f.imageSha256),
          batch.map((f) => f.createdAt),
          batch.map((f) => (f.thumbnail ? Buffer.from(f.thumbnail) : null)),
        ],
      );
      inserted += r.rowCount ?? 0;
    }
    return inserted;
  }

  // --- model ---------------------------------------------------------------------------------

  async model(): Promise<GalleryModel | undefined> {
    this.check();
    return modelOf(await this.galleryRow(this.pool));
  }

  async init(model: GalleryModel): Promise<void> {
    const m = checkModel(model);
    await this.tx(async (c) => {
      const recorded = modelOf(await this.galleryRow(c, true));
      if (recorded && !sameModel(recorded, m)) throw new GalleryModelMismatchError(recorded, m);
      if (!recorded) await this.recordModel(c, m, { index: true, bump: true });
    });
    this.declared = m;
  }

  async stats(): Promise<GalleryStats> {
    return this.tx(async (c) => {
      const model = modelOf(await this.galleryRow(c));
      if (!model) throw new GalleryNotInitialisedError('stats');
      const r = await c.query<{ subjects: number; faces: number; thumbs: number }>(
        `SELECT (SELECT count(*) FROM ${this.t.subjects})::int AS subjects, (SELECT count(*) FROM ${this.t.faces})::int AS faces,
                (SELECT count(*) FROM ${this.t.faces} WHERE thumbnail IS NOT NULL)::int AS thumbs`,
      );
      const row = r.rows[0]!;
      return { model, subjects: row.subjects, faces: row.faces, withThumbnails: row.thumbs };
    }, 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  }

  // --- subjects ------------------------------------------------------------------------------

  async createSubject(name: string, metadata: Record<string, unknown> = {}): Promise<Subject> {
    name = checkName(name);
    const json = metadataJson(metadata);
    const id = randomUUID();
    const createdAt = new Date().toISOString();
    await this.tx(async (c) => {
      await c.query(`INSERT INTO ${this.t.subjects} (id, name, metadata, created_at) VALUES ($1, $2, $3::jsonb, $4)`, [id, name, json, createdAt]);
      await this.bump(c);
    });
    return { id, name, metadata: JSON.parse(json) as Record<string, unknown>, createdAt, faceCount: 0 };
  }

  async getSubject(id: string): Promise<Subject | undefined> {
    this.check();
    return isUuid(id) ? this.subjectRow(this.pool, id) : undefined;
  }

  async findSubjects(name: string): Promise<Subject[]> {
    const r = await this.query<SubjectRow>(`SELECT ${this.subjectColumns()} FROM ${this.t.subjects} s WHERE s.name = $1 ORDER BY s.created_at, s.seq`, [name]);
    return r.rows.map(toSubject);
  }

  async listSubjects(options: ListOptions = {}): Promise<Subject[]> {
    const { limit, offset } = checkList(options);
    const r = await this.query<SubjectRow>(
      `SELECT ${this.subjectColumns()} FROM ${this.t.subjects} s ORDER BY s.name COLLATE "C", s.id LIMIT $1 OFFSET $2`,
      [limit < 0 ? null : limit, offset],
    );
    return r.rows.map(toSubject);
  }

  async renameSubject(id: string, name: string): Promise<Subject> {
    name = checkName(name);
    return this.tx(async (c) => {
      if (!isUuid(id) || (await c.query(`UPDATE ${this.t.subjects} SET name = $2 WHERE id = $1`, [id, name])).rowCount === 0) throw new UnknownSubjectError(id);
      await this.bump(c);
      return this.subjectOrThrow(c, id);
    });
  }

  async setMetadata(id: string, metadata: Record<string, unknown>): Promise<Subject> {
    const json = metadataJson(metadata);
    return this.tx(async (c) => {
      if (!isUuid(id) || (await c.query(`UPDATE ${this.t.subjects} SET metadata = $2::jsonb WHERE id = $1`, [id, json])).rowCount === 0) {
        throw new UnknownSubjectError(id);
      }
      await this.bump(c);
      return this.subjectOrThrow(c, id);
    });
  }

  async deleteSubject(id: string): Promise<boolean> {
    this.check();
    if (!isUuid(id)) return false;
    return this.tx(async (c) => {
      const n = (await c.query(`DELETE FROM ${this.t.subjects} WHERE id = $1`, [id])).rowCount ?? 0;
      if (n > 0) await this.bump(c);
      return n > 0;
    });
  }

  // --- faces ---------------------------------------------------------------------------------

  async addFaces(subjectId: string, faces: NewFace[]): Promise<StoredFace[]> {
    this.check();
    const declared = this.declared;
    if (!declared) throw new GalleryNotInitialisedError('addFaces');
    if (!Array.isArray(faces)) throw new TypeError('faces must be an array');
    faces.forEach((f, i) => checkNewFace(f, declared.dimensions, i));
    const createdAt = new Date().toISOString();
    const rows: ImportedFace[] = faces.map((f) => {
      const r: ImportedFace = { id: randomUUID(), embedding: f.embedding, score: f.score, imageSha256: f.imageSha256, createdAt };
      if (f.thumbnail) r.thumbnail = f.thumbnail;
      return r;
    });
    try {
      return await this.tx(async (c) => {
        const model = await this.lockDeclared(c, 'addFaces');
        if (!isUuid(subjectId) || (await c.query(`SELECT 1 FROM ${this.t.subjects} WHERE id = $1 FOR KEY SHARE`, [subjectId])).rowCount === 0) {
          throw new UnknownSubjectError(subjectId);
        }
        if (rows.length > 0) {
          await this.insertFaces(c, subjectId, model, rows);
          await this.bump(c);
        }
        return rows.map((r, i): StoredFace => {
          const out: StoredFace = {
            id: r.id,
            subjectId,
            model: model.name,
            modelVersion: model.version,
            embedding: Float32Array.from(r.embedding),
            score: r.score,
            imageSha256: r.imageSha256,
            createdAt,
          };
          const t = faces[i]!.thumbnail;
          if (t) out.thumbnail = new Uint8Array(t);
          return out;
        });
      });
    } catch (err) {
      if ((err as { code?: string }).code === '23503') throw new UnknownSubjectError(subjectId);
      throw err;
    }
  }

  async deleteFace(id: string): Promise<boolean> {
    this.check();
    if (!isUuid(id)) return false;
    return this.tx(async (c) => {
      const n = (await c.query(`DELETE FROM ${this.t.faces} WHERE id = $1`, [id])).rowCount ?? 0;
      if (n > 0) await this.bump(c);
      return n > 0;
    });
  }

  async listFaces(subjectId: string, options: ListFacesOptions = {}): Promise<StoredFace[]> {
    return this.tx(async (c) => {
      await this.subjectOrThrow(c, subjectId);
      const r = await c.query<FaceRow>(
        `SELECT f.id, f.subject_id, f.model, f.model_version, f.score, f.image_sha256, f.created_at` +
          (options.withEmbeddings ? ', vector_send(f.embedding) AS embedding' : '') +
          (options.withThumbnails ? ', f.thumbnail' : '') +
          ` FROM ${this.t.faces} f WHERE f.subject_id = $1 ORDER BY f.created_at, f.seq`,
        [subjectId],
      );
      return r.rows.map(toFace);
    }, 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  }

  async hasImage(subjectName: string, imageSha256: string): Promise<boolean> {
    const r = await this.query<{ found: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM ${this.t.faces} f JOIN ${this.t.subjects} s ON s.id = f.subject_id WHERE f.image_sha256 = $1 AND s.name = $2) AS found`,
      [imageSha256, subjectName],
    );
    return r.rows[0]!.found;
  }

  // --- index ---------------------------------------------------------------------------------

  async loadAll(): Promise<LoadedEncodings> {
    return this.tx(async (c) => {
      const g = await this.galleryRow(c);
      const dimensions = g.dimensions ?? 0;
      const n = (await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${this.t.faces}`)).rows[0]!.n;
      const matrix = new Float32Array(n * dimensions);
      const faceIds = new Array<string>(n);
      const subjectIds = new Array<string>(n);
      let i = 0;
      let after = '0';
      for (;;) {
        const r = await c.query<[string, string, string, Buffer]>({
          text: `SELECT seq, id, subject_id, vector_send(embedding) FROM ${this.t.faces} WHERE seq > $1 ORDER BY seq LIMIT ${PAGE}`,
          values: [after],
          rowMode: 'array',
        });
        for (const [seq, id, subjectId, bytes] of r.rows) {
          const d = copyVectorBinaryInto(matrix, i * dimensions, bytes);
          if (d !== dimensions) throw new Error(`face ${id} has an encoding of ${d} dimensions, the gallery ${dimensions}`);
          faceIds[i] = id;
          subjectIds[i] = subjectId;
          i++;
          after = seq;
        }
        if (r.rows.length < PAGE) break;
      }
      return { faceIds, subjectIds, matrix, dimensions, changeCounter: Number(g.change_counter) };
    }, 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  }

  async search(query: Float32Array, k: number): Promise<SearchHit[]> {
    this.check();
    checkK(k);
    const declared = this.declared;
    if (!declared) throw new GalleryNotInitialisedError('search');
    checkEmbedding(query, declared.dimensions, 'the query');
    return this.tx(async (c) => {
      const recorded = modelOf(await this.galleryRow(c));
      if (!recorded) throw new GalleryNotInitialisedError('search');
      if (!sameModel(recorded, declared)) throw new GalleryModelMismatchError(recorded, declared);
      if (k > EXACT_SEARCH_ABOVE_K) {
        // An exact scan: HNSW could return at most ef_search (≤ 1000) rows, and few of them exactly.
        await c.query('SET LOCAL enable_indexscan = off');
        await c.query('SET LOCAL enable_seqscan = on');
      } else {
        await c.query(`SET LOCAL hnsw.ef_search = ${Math.min(1000, Math.max(this.efSearch, 2 * k))}`);
      }
      const r = await c.query<{ id: string; subject_id: string; distance: number }>(
        `SELECT id, subject_id, embedding <-> $1::vector AS distance FROM ${this.t.faces} ORDER BY embedding <-> $1::vector LIMIT $2`,
        [toVectorLiteral(query), k],
      );
      return r.rows.map((row) => ({ faceId: row.id, subjectId: row.subject_id, distance: row.distance }));
    }, 'BEGIN READ ONLY');
  }

  async changeCounter(): Promise<number> {
    this.check();
    return Number((await this.galleryRow(this.pool)).change_counter);
  }

  // --- reindex -------------------------------------------------------------------------------

  async replaceModel(model: GalleryModel, reencoded: ReencodedFace[]): Promise<void> {
    this.check();
    const m = checkModel(model);
    if (!Array.isArray(reencoded)) throw new TypeError('reencoded must be an array');
    const seen = new Set<string>();
    reencoded.forEach((r, i) => {
      if (!r || !isUuid(r.faceId)) throw new GalleryReindexError(`entry #${i} has no valid faceId`);
      if (seen.has(r.faceId)) throw new GalleryReindexError(`face ${r.faceId} is re-encoded twice`);
      seen.add(r.faceId);
      checkEmbedding(r.embedding, m.dimensions, `the re-encoding of face ${r.faceId}`);
    });
    await this.tx(async (c) => {
      await this.galleryRow(c, true);
      await c.query(`LOCK TABLE ${this.t.faces} IN ACCESS EXCLUSIVE MODE`);
      const n = (await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${this.t.faces}`)).rows[0]!.n;
      if (n !== reencoded.length) {
        throw new GalleryReindexError(`the gallery has ${n} faces, ${reencoded.length} were re-encoded (did it change meanwhile? run the reindex again)`);
      }
      // The index is rebuilt once at the end, not updated row by row.
      await c.query(`DROP INDEX IF EXISTS ${this.t.hnsw}`);
      await c.query(`ALTER TABLE ${this.t.faces} ALTER COLUMN embedding TYPE vector`);
      for (let i = 0; i < reencoded.length; i += BATCH) {
        const batch = reencoded.slice(i, i + BATCH);
        const r = await c.query(
          `UPDATE ${this.t.faces} f SET embedding = u.e::vector, model = $1::text, model_version = $2::text
           FROM unnest($3::uuid[], $4::text[]) AS u(id, e) WHERE f.id = u.id`,
          [m.name, m.version, batch.map((b) => b.faceId), batch.map((b) => toVectorLiteral(b.embedding))],
        );
        if (r.rowCount !== batch.length) throw new GalleryReindexError(`${batch.length - (r.rowCount ?? 0)} re-encoded face ids are not in the gallery`);
      }
      await this.recordModel(c, m, { index: true, bump: true });
    });
    this.declared = m;
  }

  // --- export / import -----------------------------------------------------------------------

  async *export(options: { withThumbnails?: boolean } = {}): AsyncIterable<GalleryRecord> {
    this.check();
    const c = await this.pool.connect();
    let ok = false;
    try {
      await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const model = modelOf(await this.galleryRow(c));
      if (!model) throw new GalleryNotInitialisedError('export');
      yield headerRecord(model);
      let after = '00000000-0000-0000-0000-000000000000';
      let first = true;
      for (;;) {
        const subjects = (
          await c.query<SubjectRow>(
            `SELECT s.id, s.name, s.metadata, s.created_at, 0 AS face_count FROM ${this.t.subjects} s ${first ? 'WHERE s.id >= $1' : 'WHERE s.id > $1'} ORDER BY s.id LIMIT 500`,
            [after],
          )
        ).rows;
        first = false;
        if (subjects.length === 0) break;
        const faces = (
          await c.query<FaceRow>(
            `SELECT f.id, f.subject_id, f.model, f.model_version, f.score, f.image_sha256, f.created_at, vector_send(f.embedding) AS embedding` +
              (options.withThumbnails ? ', f.thumbnail' : '') +
              ` FROM ${this.t.faces} f WHERE f.subject_id = ANY($1::uuid[]) ORDER BY f.subject_id, f.created_at, f.seq`,
            [subjects.map((s) => s.id)],
          )
        ).rows;
        const bySubject = new Map<string, StoredFace[]>();
        for (const f of faces) {
          const list = bySubject.get(f.subject_id) ?? [];
          list.push(toFace(f));
          bySubject.set(f.subject_id, list);
        }
        for (const s of subjects) yield subjectRecord(toSubject(s), bySubject.get(s.id) ?? []);
        after = subjects[subjects.length - 1]!.id;
      }
      await c.query('COMMIT');
      ok = true;
    } finally {
      if (!ok) await c.query('ROLLBACK').catch(() => undefined);
      c.release();
    }
  }

  async import(records: AsyncIterable<GalleryRecord | string> | Iterable<GalleryRecord | string>): Promise<ImportResult> {
    const result: ImportResult = { subjects: 0, faces: 0, skippedFaces: 0 };
    let newModel: GalleryModel | undefined;
    await this.tx(async (c) => {
      let model: GalleryModel | undefined;
      const recorded = modelOf(await this.galleryRow(c, true));
      // Into an empty gallery, the HNSW index is built once at the end: maintaining it row by row
      // costs milliseconds per face (100k faces on 2 busy cores: 9 minutes, against 1.4 in all so).
      const empty = (await c.query<{ empty: boolean }>(`SELECT NOT EXISTS (SELECT 1 FROM ${this.t.faces}) AS empty`)).rows[0]!.empty;
      let rebuildIndex = false;
      for await (const item of readImport(records)) {
        if (item.kind === 'header') {
          model = item.model;
          if (this.declared && !sameModel(this.declared, model)) throw new GalleryModelMismatchError(this.declared, model);
          if (recorded && !sameModel(recorded, model)) throw new GalleryModelMismatchError(recorded, model);
          if (empty) {
            await c.query(`DROP INDEX IF EXISTS ${this.t.hnsw}`);
            rebuildIndex = true;
          }
          if (!recorded) {
            await this.recordModel(c, model, { index: false, bump: false });
            newModel = model;
          }
          continue;
        }
        const s = item.subject;
        const created = await c.query(
          `INSERT INTO ${this.t.subjects} (id, name, metadata, created_at) VALUES ($1, $2, $3::jsonb, $4) ON CONFLICT (id) DO NOTHING`,
          [s.id, s.name, s.metadataJson, s.createdAt],
        );
        result.subjects += created.rowCount ?? 0;
        const added = await this.insertFaces(c, s.id, model!, s.faces);
        result.faces += added;
        result.skippedFaces += s.faces.length - added;
      }
      if (rebuildIndex) await this.createIndex(c);
      if (result.subjects + result.faces > 0 || newModel) await this.bump(c);
    });
    if (newModel && !this.declared) this.declared = newModel;
    return result;
  }

  /** Drops this store's schema and everything in it (tests; `likeness gallery` never calls it). */
  async dropSchema(): Promise<void> {
    await this.query(`DROP SCHEMA IF EXISTS "${this.schema}" CASCADE`);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}
