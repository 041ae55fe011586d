/**
 * The embedded gallery: one SQLite file (better-sqlite3), no server.
 *
 * Durability and concurrency:
 * - WAL journal, synchronous=FULL: a transaction is on disk (the WAL is fsynced) before its call
 *   returns, so whatever a bulk enrolment reported as committed survives a killed process and a
 *   power cut alike (NORMAL would survive only the former; the fsync costs ~ms per transaction,
 *   nothing next to the ~100 ms it takes to encode the image).
 * - Writes are BEGIN IMMEDIATE transactions with a busy timeout, so several processes enrolling
 *   into one file queue up instead of failing; readers never wait (WAL snapshots).
 * - Foreign keys with ON DELETE CASCADE (subject → faces → thumbnails).
 * Erasure: secure_delete=ON overwrites deleted rows with zeros; after every deletion (and after a
 * reindex, which overwrites old encodings) a TRUNCATE checkpoint copies the zeroed pages into the
 * file and empties the WAL, so the deleted bytes are in neither file. journal_size_limit=0 also
 * truncates the WAL whenever it restarts, should that checkpoint find readers in the way.
 * Encodings are little-endian float32 BLOBs; thumbnails live in their own table, so a full scan of
 * the faces (loadAll) reads encodings only.
 */
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { endianness } from 'node:os';
import path from 'node:path';
import { ExactIndex, type ExactIndexOptions } from './index/exact.js';
import { HnswIndex, hnswFileFor, type HnswOptions } from './index/hnsw.js';
import type { SearchIndex } from './index/search-index.js';
import { bytesToEmbedding, copyBytesInto, embeddingToBytes } from './encoding.js';
import {
  GalleryClosedError,
  GalleryModelMismatchError,
  GalleryNotInitialisedError,
  GalleryOpenError,
  GalleryReindexError,
  UnknownSubjectError,
} from './errors.js';
import { headerRecord, readImport, subjectRecord } from './records.js';
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
const LITTLE_ENDIAN_HOST = endianness() === 'LE';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS gallery (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  schema_version INTEGER NOT NULL,
  model_name TEXT,
  model_version TEXT,
  dimensions INTEGER,
  change_counter INTEGER NOT NULL DEFAULT 0
);
INSERT OR IGNORE INTO gallery (id, schema_version) VALUES (1, ${SCHEMA_VERSION});
CREATE TABLE IF NOT EXISTS subjects (
  id TEXT NOT NULL PRIMARY KEY,
  name TEXT NOT NULL,
  metadata TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS subjects_by_name ON subjects (name, id);
CREATE TABLE IF NOT EXISTS faces (
  id TEXT NOT NULL PRIMARY KEY,
  subject_id TEXT NOT NULL REFERENCES subjects (id) ON DELETE CASCADE,
  model TEXT NOT NULL,
  model_version TEXT NOT NULL,
  embedding BLOB NOT NULL,
  score REAL NOT NULL,
  image_sha256 TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS faces_by_subject ON faces (subject_id, created_at);
CREATE INDEX IF NOT EXISTS faces_by_image ON faces (image_sha256);
CREATE TABLE IF NOT EXISTS thumbnails (
  face_id TEXT NOT NULL PRIMARY KEY REFERENCES faces (id) ON DELETE CASCADE,
  png BLOB NOT NULL
);
`;

interface GalleryRow {
  schema_version: number;
  model_name: string | null;
  model_version: string | null;
  dimensions: number | null;
  change_counter: number;
}
interface SubjectRow {
  id: string;
  name: string;
  metadata: string;
  created_at: string;
  face_count: number;
}
interface FaceRow {
  id: string;
  subject_id: string;
  model: string;
  model_version: string;
  score: number;
  image_sha256: string;
  created_at: string;
  embedding?: Buffer;
  png?: Buffer | null;
}

const SUBJECT_COLUMNS = `s.id, s.name, s.metadata, s.created_at, (SELECT count(*) FROM faces f WHERE f.subject_id = s.id) AS face_count`;

const toSubject = (r: SubjectRow): Subject => ({
  id: r.id,
  name: r.name,
  metadata: JSON.parse(r.metadata) as Record<string, unknown>,
  createdAt: r.created_at,
  faceCount: r.face_count,
});

function toFace(r: FaceRow): StoredFace {
  const f: StoredFace = {
    id: r.id,
    subjectId: r.subject_id,
    model: r.model,
    modelVersion: r.model_version,
    embedding: r.embedding ? bytesToEmbedding(r.embedding) : new Float32Array(0),
    score: r.score,
    imageSha256: r.image_sha256,
    createdAt: r.created_at,
  };
  if (r.png) f.thumbnail = new Uint8Array(r.png);
  return f;
}

const modelOf = (r: GalleryRow): GalleryModel | undefined =>
  r.model_name === null ? undefined : { name: r.model_name, version: r.model_version ?? '', dimensions: r.dimensions ?? 0 };

export interface SqliteStoreOptions {
  /** How long a write waits for another process's write transaction (default 30 s). */
  busyTimeoutMs?: number;
  /** The in-process search index (src/gallery/index/exact.ts): prefilter size, threads. */
  index?: ExactIndexOptions;
  /**
   * Search with usearch's HNSW graph instead (approximate, for very large galleries; exact distances
   * on the candidates it finds): kept in `file` (default `<gallery>.usearch`), reused while fresh,
   * caught up or rebuilt when stale (src/gallery/index/hnsw.ts), saved again on close().
   */
  hnsw?: HnswOptions & { file?: string };
}

export class SqliteGalleryStore implements GalleryStore {
  readonly kind = 'sqlite' as const;
  readonly file: string;
  private readonly db: Database.Database;
  private readonly busyTimeoutMs: number;
  /** The model this store object was initialised with (init), checked on every write and search. */
  private declared: GalleryModel | undefined;
  /**
   * The search index: built from loadAll() on the first search, updated in place by the writes of
   * this store object (write()), rebuilt when changeCounter() shows another process wrote.
   */
  private cache: SearchIndex | undefined;
  private readonly indexOptions: ExactIndexOptions;
  private readonly hnswOptions: (HnswOptions & { file: string }) | undefined;
  /** An HNSW open or catch-up in progress: concurrent searches wait for the same one. */
  private hnswPending: Promise<HnswIndex> | undefined;
  /** Set while an import holds its transaction open across awaits: every other call waits. */
  private importing: Promise<unknown> | undefined;
  private closed = false;

  private readonly s: {
    gallery: Database.Statement<[]>;
    bump: Database.Statement<[]>;
    subject: Database.Statement<[string]>;
    insertSubject: Database.Statement<[string, string, string, string]>;
    insertFace: Database.Statement<[string, string, string, string, Buffer, number, string, string]>;
    insertThumbnail: Database.Statement<[string, Buffer]>;
    subjectExists: Database.Statement<[string]>;
    faceExists: Database.Statement<[string]>;
  };

  private constructor(file: string, options: SqliteStoreOptions) {
    this.file = file;
    this.busyTimeoutMs = options.busyTimeoutMs ?? 30_000;
    this.indexOptions = options.index ?? {};
    if (options.hnsw) {
      if (file === ':memory:' && options.hnsw.file === undefined) throw new GalleryOpenError(file, 'an in-memory gallery needs hnsw.file to keep its HNSW index in');
      this.hnswOptions = { ...options.hnsw, file: options.hnsw.file ?? hnswFileFor(file) };
    }
    const created = file !== ':memory:' && !existsSync(file);
    this.db = new Database(file);
    try {
      // Biometric data: a gallery this opens first is owner-only (0600), wherever it is. SQLite
      // creates the -wal and -shm files with the database file's mode, so they follow.
      if (created) chmodSync(file, 0o600);
      this.db.pragma(`busy_timeout = ${Math.max(0, Math.floor(this.busyTimeoutMs))}`);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = FULL');
      this.db.pragma('foreign_keys = ON');
      this.db.pragma('secure_delete = ON');
      this.db.pragma('journal_size_limit = 0');
      this.db.transaction(() => {
        // Never add gallery tables to some other database (a mistyped path to another SQLite file).
        const tables = this.db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'").pluck().all() as string[];
        if (tables.length > 0 && !tables.includes('gallery')) {
          throw new GalleryOpenError(file, `it is a SQLite database of something else (tables ${tables.slice(0, 5).join(', ')}), not a likeness gallery`);
        }
        this.db.exec(SCHEMA);
      }).immediate();
      const row = this.db.prepare('SELECT schema_version FROM gallery WHERE id = 1').get() as { schema_version: number };
      if (row.schema_version > SCHEMA_VERSION) {
        throw new GalleryOpenError(file, `its schema version ${row.schema_version} is newer than this likeness (${SCHEMA_VERSION}): upgrade likeness`);
      }
    } catch (err) {
      this.db.close();
      throw err;
    }
    this.s = {
      gallery: this.db.prepare('SELECT schema_version, model_name, model_version, dimensions, change_counter FROM gallery WHERE id = 1'),
      bump: this.db.prepare('UPDATE gallery SET change_counter = change_counter + 1 WHERE id = 1'),
      subject: this.db.prepare(`SELECT ${SUBJECT_COLUMNS} FROM subjects s WHERE s.id = ?`),
      insertSubject: this.db.prepare('INSERT INTO subjects (id, name, metadata, created_at) VALUES (?, ?, ?, ?)'),
      insertFace: this.db.prepare(
        'INSERT INTO faces (id, subject_id, model, model_version, embedding, score, image_sha256, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      insertThumbnail: this.db.prepare('INSERT INTO thumbnails (face_id, png) VALUES (?, ?)'),
      subjectExists: this.db.prepare('SELECT 1 FROM subjects WHERE id = ?'),
      faceExists: this.db.prepare('SELECT 1 FROM faces WHERE id = ?'),
    };
  }

  /** Opens (creating if needed) a gallery file. GalleryOpenError when it is not a usable SQLite gallery. */
  static open(file: string, options: SqliteStoreOptions = {}): SqliteGalleryStore {
    try {
      if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
      return new SqliteGalleryStore(file, options);
    } catch (err) {
      if (err instanceof GalleryOpenError) throw err;
      const code = (err as { code?: string }).code ?? '';
      const input = /^(SQLITE_NOTADB|SQLITE_CANTOPEN|SQLITE_CORRUPT|SQLITE_READONLY|EACCES|ENOTDIR|EEXIST|EISDIR)/.test(code);
      throw new GalleryOpenError(file, (err as Error).message, err, input);
    }
  }

  // --- plumbing ------------------------------------------------------------------------------

  /**
   * Runs a synchronous body once no import holds the connection's transaction. When none does, the
   * body runs at once, in the caller's own turn: nothing can begin between the check and the body.
   */
  private async op<T>(fn: () => T): Promise<T> {
    for (;;) {
      if (this.closed) throw new GalleryClosedError();
      if (!this.importing) return fn();
      await this.importing.catch(() => undefined);
    }
  }

  private row(): GalleryRow {
    return this.s.gallery.get() as GalleryRow;
  }

  /** Inside a write transaction: the recorded model must be the one this store was initialised with. */
  private checkDeclared(operation: string): GalleryModel {
    const declared = this.declared;
    if (!declared) throw new GalleryNotInitialisedError(operation);
    const recorded = modelOf(this.row());
    if (!recorded) throw new GalleryNotInitialisedError(operation);
    if (!sameModel(recorded, declared)) throw new GalleryModelMismatchError(recorded, declared);
    return recorded;
  }

  /**
   * A write transaction. `index` applies the write to the search index after the commit, when the
   * index was current just before it; an index another process's write made stale is left for the
   * next search to rebuild. Writes that change no encoding just move the index's counter along.
   */
  private write<T>(fn: () => T, index?: (ix: SearchIndex, result: T) => void): T {
    let before = 0;
    let after = 0;
    const result = this.db
      .transaction(() => {
        before = this.row().change_counter;
        const r = fn();
        after = this.row().change_counter;
        return r;
      })
      .immediate();
    const ix = this.cache;
    if (ix && ix.changeCounter === before && after !== before) {
      index?.(ix, result);
      ix.changeCounter = after;
    }
    return result;
  }

  /**
   * Moves zeroed pages into the database file and empties the WAL, so deleted bytes are gone from
   * disk; deletes the saved HNSW index beside the gallery (and this store's own, when elsewhere),
   * which would still hold them (src/gallery/index/hnsw.ts, Erasure).
   */
  private erase(): void {
    this.db.pragma(`busy_timeout = ${Math.min(this.busyTimeoutMs, 5000)}`);
    try {
      this.db.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      this.db.pragma(`busy_timeout = ${Math.max(0, Math.floor(this.busyTimeoutMs))}`);
    }
    if (this.file !== ':memory:') HnswIndex.removeFiles(hnswFileFor(this.file));
    if (this.hnswOptions) HnswIndex.removeFiles(this.hnswOptions.file);
  }

  private subjectOrThrow(id: string): Subject {
    const r = isUuid(id) ? (this.s.subject.get(id) as SubjectRow | undefined) : undefined;
    if (!r) throw new UnknownSubjectError(id);
    return toSubject(r);
  }

  // --- model ---------------------------------------------------------------------------------

  async model(): Promise<GalleryModel | undefined> {
    return this.op(() => modelOf(this.row()));
  }

  async init(model: GalleryModel): Promise<void> {
    const m = checkModel(model);
    return this.op(() => {
      this.write(() => {
        const recorded = modelOf(this.row());
        if (recorded && !sameModel(recorded, m)) throw new GalleryModelMismatchError(recorded, m);
        if (!recorded) {
          this.db.prepare('UPDATE gallery SET model_name = ?, model_version = ?, dimensions = ? WHERE id = 1').run(m.name, m.version, m.dimensions);
          this.s.bump.run();
        }
      });
      this.declared = m;
    });
  }

  async stats(): Promise<GalleryStats> {
    return this.op(() =>
      this.db.transaction(() => {
        const model = modelOf(this.row());
        if (!model) throw new GalleryNotInitialisedError('stats');
        const c = this.db
          .prepare('SELECT (SELECT count(*) FROM subjects) AS subjects, (SELECT count(*) FROM faces) AS faces, (SELECT count(*) FROM thumbnails) AS thumbs')
          .get() as { subjects: number; faces: number; thumbs: number };
        return { model, subjects: c.subjects, faces: c.faces, withThumbnails: c.thumbs };
      })(),
    );
  }

  // --- subjects ------------------------------------------------------------------------------

  async createSubject(name: string, metadata: Record<string, unknown> = {}): Promise<Subject> {
    name = checkName(name);
    const json = metadataJson(metadata);
    return this.op(() => {
      const id = randomUUID();
      const createdAt = new Date().toISOString();
      this.write(() => {
        this.s.insertSubject.run(id, name, json, createdAt);
        this.s.bump.run();
      });
      return { id, name, metadata: JSON.parse(json) as Record<string, unknown>, createdAt, faceCount: 0 };
    });
  }

  async getSubject(id: string): Promise<Subject | undefined> {
    return this.op(() => {
      const r = isUuid(id) ? (this.s.subject.get(id) as SubjectRow | undefined) : undefined;
      return r ? toSubject(r) : undefined;
    });
  }

  async findSubjects(name: string): Promise<Subject[]> {
    return this.op(() =>
      (this.db.prepare(`SELECT ${SUBJECT_COLUMNS} FROM subjects s WHERE s.name = ? ORDER BY s.created_at, s.rowid`).all(name) as SubjectRow[]).map(toSubject),
    );
  }

  async listSubjects(options: ListOptions = {}): Promise<Subject[]> {
    const { limit, offset } = checkList(options);
    return this.op(() =>
      (this.db.prepare(`SELECT ${SUBJECT_COLUMNS} FROM subjects s ORDER BY s.name, s.id LIMIT ? OFFSET ?`).all(limit, offset) as SubjectRow[]).map(toSubject),
    );
  }

  async renameSubject(id: string, name: string): Promise<Subject> {
    name = checkName(name);
    return this.op(() =>
      this.write(() => {
        this.subjectOrThrow(id);
        this.db.prepare('UPDATE subjects SET name = ? WHERE id = ?').run(name, id);
        this.s.bump.run();
        return this.subjectOrThrow(id);
      }),
    );
  }

  async setMetadata(id: string, metadata: Record<string, unknown>): Promise<Subject> {
    const json = metadataJson(metadata);
    return this.op(() =>
      this.write(() => {
        this.subjectOrThrow(id);
        this.db.prepare('UPDATE subjects SET metadata = ? WHERE id = ?').run(json, id);
        this.s.bump.run();
        return this.subjectOrThrow(id);
      }),
    );
  }

  async deleteSubject(id: string): Promise<boolean> {
    return this.op(() => {
      if (!isUuid(id)) return false;
      const deleted = this.write(
        () => {
          const n = this.db.prepare('DELETE FROM subjects WHERE id = ?').run(id).changes;
          if (n > 0) this.s.bump.run();
          return n > 0;
        },
        (ix) => ix.removeSubject(id),
      );
      if (deleted) this.erase();
      return deleted;
    });
  }

  // --- faces ---------------------------------------------------------------------------------

  async addFaces(subjectId: string, faces: NewFace[]): Promise<StoredFace[]> {
    const declared = this.declared;
    if (!declared) throw new GalleryNotInitialisedError('addFaces');
    if (!Array.isArray(faces)) throw new TypeError('faces must be an array');
    faces.forEach((f, i) => checkNewFace(f, declared.dimensions, i));
    return this.op(() =>
      this.write(() => {
        const model = this.checkDeclared('addFaces');
        if (!isUuid(subjectId) || !this.s.subjectExists.get(subjectId)) throw new UnknownSubjectError(subjectId);
        const createdAt = new Date().toISOString();
        const out = faces.map((f): StoredFace => {
          const id = randomUUID();
          this.s.insertFace.run(id, subjectId, model.name, model.version, embeddingToBytes(f.embedding), f.score, f.imageSha256, createdAt);
          if (f.thumbnail) this.s.insertThumbnail.run(id, Buffer.from(f.thumbnail));
          const stored: StoredFace = {
            id,
            subjectId,
            model: model.name,
            modelVersion: model.version,
            embedding: Float32Array.from(f.embedding),
            score: f.score,
            imageSha256: f.imageSha256,
            createdAt,
          };
          if (f.thumbnail) stored.thumbnail = new Uint8Array(f.thumbnail);
          return stored;
        });
        if (out.length > 0) this.s.bump.run();
        return out;
      }, (ix, out) => {
        for (const f of out) ix.add(f.id, f.subjectId, f.embedding);
      }),
    );
  }

  async deleteFace(id: string): Promise<boolean> {
    return this.op(() => {
      if (!isUuid(id)) return false;
      const deleted = this.write(
        () => {
          const n = this.db.prepare('DELETE FROM faces WHERE id = ?').run(id).changes;
          if (n > 0) this.s.bump.run();
          return n > 0;
        },
        (ix) => ix.remove(id),
      );
      if (deleted) this.erase();
      return deleted;
    });
  }

  async listFaces(subjectId: string, options: ListFacesOptions = {}): Promise<StoredFace[]> {
    const sql =
      `SELECT f.id, f.subject_id, f.model, f.model_version, f.score, f.image_sha256, f.created_at` +
      (options.withEmbeddings ? ', f.embedding' : '') +
      (options.withThumbnails ? ', (SELECT png FROM thumbnails t WHERE t.face_id = f.id) AS png' : '') +
      ' FROM faces f WHERE f.subject_id = ? ORDER BY f.created_at, f.rowid';
    return this.op(() =>
      this.db.transaction(() => {
        this.subjectOrThrow(subjectId);
        return (this.db.prepare(sql).all(subjectId) as FaceRow[]).map(toFace);
      })(),
    );
  }

  async hasImage(subjectName: string, imageSha256: string): Promise<boolean> {
    return this.op(() => {
      const r = this.db
        .prepare('SELECT EXISTS (SELECT 1 FROM faces f JOIN subjects s ON s.id = f.subject_id WHERE f.image_sha256 = ? AND s.name = ?) AS found')
        .get(imageSha256, subjectName) as { found: number };
      return r.found === 1;
    });
  }

  // --- index ---------------------------------------------------------------------------------

  async loadAll(): Promise<LoadedEncodings> {
    return this.op(() => this.loadAllNow());
  }

  private loadAllNow(): LoadedEncodings {
    return this.db.transaction((): LoadedEncodings => {
      const g = this.row();
      const dimensions = g.dimensions ?? 0;
      const n = (this.db.prepare('SELECT count(*) AS n FROM faces').get() as { n: number }).n;
      const out: LoadedEncodings = {
        faceIds: new Array<string>(n),
        subjectIds: new Array<string>(n),
        matrix: new Float32Array(n * dimensions),
        dimensions,
        changeCounter: g.change_counter,
      };
      if (!this.loadPacked(out, n)) this.loadRows(out, n);
      return out;
    })();
  }

  /**
   * The fast path (1M encodings: 1.6 s of CPU against 3.5 s row by row, which makes a Buffer and
   * two strings per face): SQLite concatenates a chunk of rows per column, face ids (36 ASCII
   * characters each), subject ids and encodings (a BLOB concatenated as text keeps its bytes in a
   * UTF-8 database, checked), and JS slices them. The aggregates of one SELECT are stepped row by
   * row together, so the three columns stay aligned; every row's shape is checked in the same
   * pass. False when a row has another shape: loadRows then does the work.
   */
  private loadPacked(out: LoadedEncodings, n: number): boolean {
    const dims = out.dimensions;
    const bytes = dims * 4;
    if (this.db.pragma('encoding', { simple: true }) !== 'UTF-8') return false;
    const chunk = this.db.prepare(
      `SELECT count(*) AS n, max(r) AS last,
              sum(length(id) = 36 AND length(subject_id) = 36 AND typeof(embedding) = 'blob' AND length(embedding) = ?) AS shaped,
              group_concat(id, '') AS ids, group_concat(subject_id, '') AS subjects, CAST(group_concat(embedding, '') AS BLOB) AS encodings
       FROM (SELECT rowid AS r, id, subject_id, embedding FROM faces WHERE rowid > ? ORDER BY rowid LIMIT 8192)`,
    );
    type Chunk = { n: number; last: number | null; shaped: number | null; ids: string | null; subjects: string | null; encodings: Buffer | null };
    const matrix = Buffer.from(out.matrix.buffer, out.matrix.byteOffset, out.matrix.byteLength);
    let i = 0;
    let after = Number.MIN_SAFE_INTEGER;
    for (;;) {
      const c = chunk.get(bytes, after) as Chunk;
      if (c.n === 0) break;
      const { ids, subjects, encodings } = c;
      if (c.shaped !== c.n || i + c.n > n || ids?.length !== c.n * 36 || subjects?.length !== c.n * 36 || encodings?.byteLength !== c.n * bytes) return false;
      if (LITTLE_ENDIAN_HOST) encodings.copy(matrix, i * bytes);
      else copyBytesInto(out.matrix, i * dims, encodings);
      for (let j = 0; j < c.n; j++, i++) {
        out.faceIds[i] = ids.slice(j * 36, j * 36 + 36);
        out.subjectIds[i] = subjects.slice(j * 36, j * 36 + 36);
      }
      after = c.last!;
    }
    return i === n;
  }

  private loadRows(out: LoadedEncodings, n: number): void {
    const dims = out.dimensions;
    const stmt = this.db.prepare('SELECT id, subject_id, embedding FROM faces').raw(true) as Database.Statement<[], [string, string, Buffer]>;
    let i = 0;
    for (const [id, subjectId, bytes] of stmt.iterate()) {
      if (bytes.byteLength !== dims * 4) throw new Error(`face ${id} has an encoding of ${bytes.byteLength / 4} dimensions, the gallery ${dims}`);
      if (i >= n) throw new Error('more faces than counted');
      out.faceIds[i] = id;
      out.subjectIds[i] = subjectId;
      copyBytesInto(out.matrix, i * dims, bytes);
      i++;
    }
  }

  async search(query: Float32Array, k: number): Promise<SearchHit[]> {
    checkK(k);
    const declared = this.declared;
    if (!declared) throw new GalleryNotInitialisedError('search');
    checkEmbedding(query, declared.dimensions, 'the query');
    const current = (): number => {
      const g = this.row();
      const recorded = modelOf(g);
      if (!recorded) throw new GalleryNotInitialisedError('search');
      if (!sameModel(recorded, declared)) throw new GalleryModelMismatchError(recorded, declared);
      return g.change_counter;
    };
    if (this.hnswOptions) return (await this.hnswIndex(await this.op(current))).search(query, k);
    return this.op(() => {
      const counter = current();
      if (!this.cache || this.cache.changeCounter !== counter) this.cache = ExactIndex.fromSnapshot(this.loadAllNow(), this.indexOptions);
      // Exact: the same hits and distances as brute force over loadAll() (src/gallery/index/exact.ts).
      return this.cache.search(query, k);
    });
  }

  /** The HNSW index at least as fresh as `counter`: opened from its files, caught up, or built. */
  private async hnswIndex(counter: number): Promise<HnswIndex> {
    for (;;) {
      const current = this.cache;
      if (current instanceof HnswIndex && current.changeCounter >= counter) return current;
      if (!this.hnswPending) {
        const options = this.hnswOptions!;
        const run = current instanceof HnswIndex ? current.refresh(this).then(() => current) : HnswIndex.open(this, options.file, options);
        this.hnswPending = run.then(
          (ix) => {
            this.cache = ix;
            return ix;
          },
        ).finally(() => {
          this.hnswPending = undefined;
        });
      }
      const ix = await this.hnswPending;
      if (ix.changeCounter >= counter) return ix;
    }
  }

  /** Where the HNSW index is kept, when this store searches with one. */
  get hnswFile(): string | undefined {
    return this.hnswOptions?.file;
  }

  async changeCounter(): Promise<number> {
    return this.op(() => this.row().change_counter);
  }

  // --- reindex -------------------------------------------------------------------------------

  async replaceModel(model: GalleryModel, reencoded: ReencodedFace[]): Promise<void> {
    const m = checkModel(model);
    if (!Array.isArray(reencoded)) throw new TypeError('reencoded must be an array');
    const seen = new Set<string>();
    reencoded.forEach((r, i) => {
      if (!r || !isUuid(r.faceId)) throw new GalleryReindexError(`entry #${i} has no valid faceId`);
      if (seen.has(r.faceId)) throw new GalleryReindexError(`face ${r.faceId} is re-encoded twice`);
      seen.add(r.faceId);
      checkEmbedding(r.embedding, m.dimensions, `the re-encoding of face ${r.faceId}`);
    });
    return this.op(() => {
      this.write(() => {
        const n = (this.db.prepare('SELECT count(*) AS n FROM faces').get() as { n: number }).n;
        if (n !== reencoded.length) {
          throw new GalleryReindexError(`the gallery has ${n} faces, ${reencoded.length} were re-encoded (did it change meanwhile? run the reindex again)`);
        }
        const update = this.db.prepare('UPDATE faces SET embedding = ?, model = ?, model_version = ? WHERE id = ?');
        for (const r of reencoded) {
          if (update.run(embeddingToBytes(r.embedding), m.name, m.version, r.faceId).changes !== 1) throw new GalleryReindexError(`face ${r.faceId} is not in the gallery`);
        }
        this.db.prepare('UPDATE gallery SET model_name = ?, model_version = ?, dimensions = ? WHERE id = 1').run(m.name, m.version, m.dimensions);
        this.s.bump.run();
      });
      this.declared = m;
      this.cache = undefined;
      this.erase(); // the old encodings are biometric data too
    });
  }

  // --- export / import -----------------------------------------------------------------------

  async *export(options: { withThumbnails?: boolean } = {}): AsyncIterable<GalleryRecord> {
    // A second, read-only connection holds one snapshot for the whole export, and leaves the
    // store's own connection free for the caller meanwhile.
    const reader = await this.op(() => new Database(this.file, { readonly: true, fileMustExist: true }));
    try {
      reader.pragma(`busy_timeout = ${Math.max(0, Math.floor(this.busyTimeoutMs))}`);
      reader.exec('BEGIN');
      const g = reader.prepare('SELECT schema_version, model_name, model_version, dimensions, change_counter FROM gallery WHERE id = 1').get() as GalleryRow;
      const model = modelOf(g);
      if (!model) throw new GalleryNotInitialisedError('export');
      yield headerRecord(model);
      const page = reader.prepare('SELECT id, name, metadata, created_at, 0 AS face_count FROM subjects WHERE id > ? ORDER BY id LIMIT 500');
      const faces = reader.prepare(
        'SELECT f.id, f.subject_id, f.model, f.model_version, f.score, f.image_sha256, f.created_at, f.embedding' +
          (options.withThumbnails ? ', (SELECT png FROM thumbnails t WHERE t.face_id = f.id) AS png' : '') +
          ' FROM faces f WHERE f.subject_id = ? ORDER BY f.created_at, f.rowid',
      );
      let after = '';
      for (;;) {
        const subjects = page.all(after) as SubjectRow[];
        if (subjects.length === 0) break;
        for (const s of subjects) yield subjectRecord(toSubject(s), (faces.all(s.id) as FaceRow[]).map(toFace));
        after = subjects[subjects.length - 1]!.id;
      }
      reader.exec('COMMIT');
    } finally {
      reader.close();
    }
  }

  async import(records: AsyncIterable<GalleryRecord | string> | Iterable<GalleryRecord | string>): Promise<ImportResult> {
    for (;;) {
      if (this.closed) throw new GalleryClosedError();
      if (!this.importing) break;
      await this.importing.catch(() => undefined);
    }
    // importNow opens its transaction synchronously, in this very turn (see op()).
    const run = this.importNow(records);
    this.importing = run;
    try {
      return await run;
    } finally {
      this.importing = undefined;
    }
  }

  private async importNow(records: AsyncIterable<GalleryRecord | string> | Iterable<GalleryRecord | string>): Promise<ImportResult> {
    const result: ImportResult = { subjects: 0, faces: 0, skippedFaces: 0 };
    let model: GalleryModel | undefined;
    let newModel: GalleryModel | undefined;
    this.db.exec('BEGIN IMMEDIATE');
    try {
      for await (const item of readImport(records)) {
        if (item.kind === 'header') {
          model = item.model;
          const recorded = modelOf(this.row());
          if (this.declared && !sameModel(this.declared, model)) throw new GalleryModelMismatchError(this.declared, model);
          if (recorded && !sameModel(recorded, model)) throw new GalleryModelMismatchError(recorded, model);
          if (!recorded) {
            this.db.prepare('UPDATE gallery SET model_name = ?, model_version = ?, dimensions = ? WHERE id = 1').run(model.name, model.version, model.dimensions);
            newModel = model;
          }
          continue;
        }
        const s = item.subject;
        if (!this.s.subjectExists.get(s.id)) {
          this.s.insertSubject.run(s.id, s.name, s.metadataJson, s.createdAt);
          result.subjects++;
        }
        for (const f of s.faces) {
          if (this.s.faceExists.get(f.id)) {
            result.skippedFaces++;
            continue;
          }
          this.s.insertFace.run(f.id, s.id, model!.name, model!.version, embeddingToBytes(f.embedding), f.score, f.imageSha256, f.createdAt);
          if (f.thumbnail) this.s.insertThumbnail.run(f.id, Buffer.from(f.thumbnail));
          result.faces++;
        }
      }
      if (result.subjects + result.faces > 0 || newModel) this.s.bump.run();
      this.db.exec('COMMIT');
    } catch (err) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      throw err;
    }
    if (newModel && !this.declared) this.declared = newModel;
    return result;
  }

  async close(): Promise<void> {
    while (this.importing) await this.importing.catch(() => undefined);
    await this.hnswPending?.catch(() => undefined);
    if (this.closed) return;
    this.closed = true;
    // An HNSW index this store's writes moved on is saved, so the next open reuses it.
    const ix = this.cache;
    if (ix instanceof HnswIndex && ix.saveable && ix.savedCounter !== ix.changeCounter && this.hnswOptions) ix.save(this.hnswOptions.file);
    this.cache = undefined;
    this.db.close();
  }
}
