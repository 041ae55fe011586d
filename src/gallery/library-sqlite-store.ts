/**
 * The photo library in a SQLite gallery file, beside the gallery's tables (./library-store.ts).
 * Open the gallery (SqliteGalleryStore) first: it creates the file owner-only and refuses a file
 * without its tables.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { mergeIntoItself, otherSettings, unknownFace, unknownPerson, type LibraryFace, type LibraryPhoto, type LibraryStore, type Person } from './library-store.js';

export class SqliteLibraryStore implements LibraryStore {
  readonly kind = 'sqlite' as const;

  private constructor(private readonly db: Database.Database) {}

  static open(location: string): SqliteLibraryStore {
    mkdirSync(path.dirname(path.resolve(location)), { recursive: true });
    const db = new Database(location);
    db.pragma('journal_mode = WAL');
    db.pragma('busy_timeout = 10000');
    db.pragma('secure_delete = ON');
    db.exec(`
      CREATE TABLE IF NOT EXISTS library_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS library_photos (sha256 TEXT PRIMARY KEY, path TEXT NOT NULL, faces INTEGER NOT NULL, added INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS library_people (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT, subject_id TEXT, created INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS library_faces (
        id INTEGER PRIMARY KEY AUTOINCREMENT, sha256 TEXT NOT NULL REFERENCES library_photos(sha256) ON DELETE CASCADE,
        x REAL NOT NULL, y REAL NOT NULL, w REAL NOT NULL, h REAL NOT NULL, score REAL NOT NULL, trusted INTEGER NOT NULL,
        embedding BLOB NOT NULL, person INTEGER REFERENCES library_people(id) ON DELETE SET NULL);
      CREATE INDEX IF NOT EXISTS library_faces_person ON library_faces(person);
      CREATE TABLE IF NOT EXISTS library_rejections (face INTEGER NOT NULL REFERENCES library_faces(id) ON DELETE CASCADE,
        person INTEGER NOT NULL REFERENCES library_people(id) ON DELETE CASCADE, PRIMARY KEY (face, person));`);
    db.pragma('foreign_keys = ON');
    return new SqliteLibraryStore(db);
  }

  /** The encoder settings the faces were made with; a library refuses faces of other settings. */
  async checkSettings(settings: string): Promise<void> {
    const row = this.db.prepare("SELECT value FROM library_meta WHERE key = 'settings'").get() as { value: string } | undefined;
    if (!row) this.db.prepare("INSERT INTO library_meta (key, value) VALUES ('settings', ?)").run(settings);
    else if (row.value !== settings) throw otherSettings();
  }

  async hasPhoto(sha256: string): Promise<boolean> {
    return this.db.prepare('SELECT 1 FROM library_photos WHERE sha256 = ?').get(sha256) !== undefined;
  }

  /** Adds photos and their faces (a photo already there is skipped). Returns the new face ids. */
  async addPhotos(photos: readonly LibraryPhoto[]): Promise<number[]> {
    const ids: number[] = [];
    const insPhoto = this.db.prepare('INSERT OR IGNORE INTO library_photos (sha256, path, faces, added) VALUES (?, ?, ?, ?)');
    const insFace = this.db.prepare('INSERT INTO library_faces (sha256, x, y, w, h, score, trusted, embedding) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    this.db.transaction(() => {
      for (const p of photos) {
        if (insPhoto.run(p.sha256, p.path, p.faces.length, Date.now()).changes === 0) continue;
        for (const f of p.faces) {
          const e = Buffer.from(f.embedding.buffer, f.embedding.byteOffset, f.embedding.byteLength);
          ids.push(Number(insFace.run(p.sha256, f.box.x, f.box.y, f.box.width, f.box.height, f.score, f.trusted ? 1 : 0, e).lastInsertRowid));
        }
      }
    })();
    return ids;
  }

  async faces(): Promise<LibraryFace[]> {
    const rows = this.db.prepare('SELECT f.*, p.path FROM library_faces f JOIN library_photos p USING (sha256) ORDER BY f.id').all() as { id: number; sha256: string; path: string; x: number; y: number; w: number; h: number; score: number; trusted: number; embedding: Buffer; person: number | null }[];
    return rows.map((r) => ({
      id: r.id,
      path: r.path,
      sha256: r.sha256,
      box: { x: r.x, y: r.y, width: r.w, height: r.h },
      score: r.score,
      trusted: r.trusted === 1,
      person: r.person,
      embedding: new Float32Array(r.embedding.buffer.slice(r.embedding.byteOffset, r.embedding.byteOffset + r.embedding.byteLength)),
    }));
  }

  async face(id: number): Promise<LibraryFace> {
    const f = (await this.faces()).find((x) => x.id === id);
    if (!f) throw unknownFace(id);
    return f;
  }

  async people(): Promise<Person[]> {
    return this.db.prepare('SELECT p.id, p.name, p.subject_id AS subjectId, COUNT(f.id) AS size FROM library_people p LEFT JOIN library_faces f ON f.person = p.id GROUP BY p.id ORDER BY p.id').all() as Person[];
  }

  async person(id: number): Promise<Person> {
    const p = (await this.people()).find((x) => x.id === id);
    if (!p) throw unknownPerson(id);
    return p;
  }

  /** Pairs (face, person) marked "not this person". */
  async rejections(): Promise<Set<string>> {
    const rows = this.db.prepare('SELECT face, person FROM library_rejections').all() as { face: number; person: number }[];
    return new Set(rows.map((r) => `${r.face}:${r.person}`));
  }

  /**
   * One transaction: faces assigned to existing people (`assign`), new people each with their faces
   * (`create`), and, when `dissolveUnnamed`, every unnamed person removed first (a full re-cluster).
   */
  async applyClustering(assign: readonly { face: number; person: number }[], create: readonly number[][], dissolveUnnamed = false): Promise<number[]> {
    const created: number[] = [];
    this.db.transaction(() => {
      if (dissolveUnnamed) {
        this.db.prepare('UPDATE library_faces SET person = NULL WHERE person IN (SELECT id FROM library_people WHERE name IS NULL)').run();
        this.db.prepare('DELETE FROM library_people WHERE name IS NULL').run();
      }
      const set = this.db.prepare('UPDATE library_faces SET person = ? WHERE id = ?');
      for (const a of assign) set.run(a.person, a.face);
      const ins = this.db.prepare('INSERT INTO library_people (created) VALUES (?)');
      for (const faces of create) {
        const id = Number(ins.run(Date.now()).lastInsertRowid);
        created.push(id);
        for (const f of faces) set.run(id, f);
      }
    })();
    return created;
  }

  async setName(person: number, name: string, subjectId: string): Promise<void> {
    await this.person(person);
    this.db.prepare('UPDATE library_people SET name = ?, subject_id = ? WHERE id = ?').run(name, subjectId, person);
  }

  /** Moves every face of `from` to `into` and removes `from`; its rejections carry over. */
  async merge(into: number, from: number): Promise<void> {
    await this.person(into);
    await this.person(from);
    if (into === from) throw mergeIntoItself();
    this.db.transaction(() => {
      this.db.prepare('UPDATE library_faces SET person = ? WHERE person = ?').run(into, from);
      this.db.prepare('INSERT OR IGNORE INTO library_rejections (face, person) SELECT face, ? FROM library_rejections WHERE person = ?').run(into, from);
      this.db.prepare('DELETE FROM library_people WHERE id = ?').run(from);
    })();
  }

  /** Moves faces to another person (`to` null: a new person); returns the person they are in. */
  async move(faces: readonly number[], to: number | null): Promise<number> {
    for (const f of faces) await this.face(f);
    if (to !== null) this.person(to);
    let target = to;
    this.db.transaction(() => {
      if (target === null) target = Number(this.db.prepare('INSERT INTO library_people (created) VALUES (?)').run(Date.now()).lastInsertRowid);
      const set = this.db.prepare('UPDATE library_faces SET person = ? WHERE id = ?');
      const unreject = this.db.prepare('DELETE FROM library_rejections WHERE face = ? AND person = ?');
      for (const f of faces) set.run(target, f), unreject.run(f, target);
    })();
    return target!;
  }

  /** "Not this person": the face leaves the person and is never proposed for them again. */
  async reject(person: number, face: number): Promise<void> {
    await this.person(person);
    const f = await this.face(face);
    this.db.transaction(() => {
      this.db.prepare('INSERT OR IGNORE INTO library_rejections (face, person) VALUES (?, ?)').run(face, person);
      if (f.person === person) this.db.prepare('UPDATE library_faces SET person = NULL WHERE id = ?').run(face);
    })();
  }

  /** Removes people left without a face (and not named). */
  async prune(): Promise<void> {
    this.db.prepare('DELETE FROM library_people WHERE name IS NULL AND id NOT IN (SELECT DISTINCT person FROM library_faces WHERE person IS NOT NULL)').run();
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
