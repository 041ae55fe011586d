/**
 * A cache of face encodings keyed by image content (sha256) and pipeline settings, in one SQLite
 * file, so a second evaluation run over the same images is seconds. Concurrent writers are safe
 * (WAL, busy timeout); entries for other settings live side by side.
 */
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Box } from '../types.js';

export interface CachedPhoto {
  width: number;
  height: number;
  faces: CachedFace[];
}

export interface CachedFace {
  box: Box;
  score: number;
  embedding: Float32Array;
  /** The per-face quality score (src/quality), when it was measured (entries written before it was kept have none). */
  quality?: { score: number };
}

/** A stable hash of plain data (object keys sorted). */
export function settingsHash(settings: unknown): string {
  const stable = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(stable) : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, stable((v as Record<string, unknown>)[k])])) : v;
  return createHash('sha256').update(JSON.stringify(stable(settings))).digest('hex').slice(0, 32);
}

export class EncodingCache {
  private readonly db: Database.Database;
  private readonly getStmt: Database.Statement<[string, string]>;
  private readonly putStmt: Database.Statement<[string, string, string, number]>;

  constructor(file: string) {
    mkdirSync(path.dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 10000');
    this.db.exec(`CREATE TABLE IF NOT EXISTS encodings (
      content TEXT NOT NULL, settings TEXT NOT NULL, faces TEXT NOT NULL, created INTEGER NOT NULL,
      PRIMARY KEY (content, settings)) WITHOUT ROWID`);
    this.getStmt = this.db.prepare('SELECT faces FROM encodings WHERE content = ? AND settings = ?');
    this.putStmt = this.db.prepare('INSERT OR REPLACE INTO encodings (content, settings, faces, created) VALUES (?, ?, ?, ?)');
  }

  /** The photo's size and faces; undefined when absent (or written by a version that kept no size). */
  get(content: string, settings: string): CachedPhoto | undefined {
    const row = this.getStmt.get(content, settings) as { faces: string } | undefined;
    if (!row) return undefined;
    const v = JSON.parse(row.faces) as { w?: number; h?: number; faces?: { box: Box; score: number; e: string; q?: number }[] };
    if (v.w === undefined || v.h === undefined || !Array.isArray(v.faces)) return undefined;
    const faces = v.faces.map((f) => {
      const b = Buffer.from(f.e, 'base64');
      const face: CachedFace = { box: f.box, score: f.score, embedding: new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)) };
      if (typeof f.q === 'number') face.quality = { score: f.q };
      return face;
    });
    return { width: v.w, height: v.h, faces };
  }

  put(content: string, settings: string, photo: CachedPhoto): void {
    const faces = photo.faces.map((f) => ({
      box: f.box,
      score: f.score,
      e: Buffer.from(f.embedding.buffer, f.embedding.byteOffset, f.embedding.byteLength).toString('base64'),
      ...(f.quality ? { q: f.quality.score } : {}),
    }));
    this.putStmt.run(content, settings, JSON.stringify({ w: photo.width, h: photo.height, faces }), Date.now());
  }

  close(): void {
    this.db.close();
  }
}
