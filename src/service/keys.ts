/**
 * API keys: `lk_<id>_<secret>`, where the id (8 hex characters) names the key in listings, logs and
 * rate-limit buckets, and the secret is 32 random bytes (base64url). Only the sha256 of the whole
 * key is stored; a presented key is looked up by its id and its hash compared in constant time.
 *
 * The keys live in their own small SQLite file (default `<data dir>/keys.sqlite`, mode 0600), so
 * every service process on the host sees a key as soon as `likeness keys create` returns and a
 * revoked key at once (each check reads the table: microseconds).
 */
import Database from 'better-sqlite3';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { LikenessError } from '../errors.js';

export type Role = 'admin' | 'recognize';
export const ROLES: readonly Role[] = ['admin', 'recognize'];

export interface ApiKeyInfo {
  id: string;
  role: Role;
  name: string;
  createdAt: string;
}

/** The key store cannot be opened or used. */
export class KeyStoreError extends LikenessError {
  constructor(file: string, detail: string, cause?: unknown) {
    super('E_KEY_STORE', `cannot use the API key store ${file}: ${detail}`, { cause, isInputError: false });
  }
}

const KEY_PATTERN = /^lk_([0-9a-f]{8})_([A-Za-z0-9_-]{43})$/;

const sha256 = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

export class KeyStore {
  private readonly db: Database.Database;
  private readonly byId: Database.Statement<[string]>;

  private constructor(readonly file: string) {
    try {
      if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      this.db = new Database(file);
    } catch (e) {
      throw new KeyStoreError(file, (e as Error).message, e);
    }
    try {
      if (file !== ':memory:') chmodSync(file, 0o600);
      this.db.pragma('busy_timeout = 5000');
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('secure_delete = ON');
      this.db.exec(`CREATE TABLE IF NOT EXISTS api_keys (
        id TEXT NOT NULL PRIMARY KEY,
        hash BLOB NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('admin', 'recognize')),
        name TEXT NOT NULL,
        created_at TEXT NOT NULL
      )`);
      this.byId = this.db.prepare('SELECT id, hash, role, name, created_at FROM api_keys WHERE id = ?');
    } catch (e) {
      this.db.close();
      throw new KeyStoreError(file, (e as Error).message, e);
    }
  }

  static open(file: string): KeyStore {
    return new KeyStore(file === ':memory:' ? file : path.resolve(file));
  }

  /** A new key: the only time its secret exists outside the caller's hands. */
  create(role: Role, name = ''): { key: string; info: ApiKeyInfo } {
    if (!ROLES.includes(role)) throw new LikenessError('E_INVALID_OPTION', `role must be admin or recognize, got ${JSON.stringify(role)}`);
    for (;;) {
      const id = randomBytes(4).toString('hex');
      const key = `lk_${id}_${randomBytes(32).toString('base64url')}`;
      const info: ApiKeyInfo = { id, role, name, createdAt: new Date().toISOString() };
      const r = this.db.prepare('INSERT OR IGNORE INTO api_keys (id, hash, role, name, created_at) VALUES (?, ?, ?, ?, ?)').run(id, sha256(key), role, name, info.createdAt);
      if (r.changes === 1) return { key, info };
    }
  }

  /** The key's record when the key is valid; undefined otherwise. */
  verify(presented: string): ApiKeyInfo | undefined {
    const m = KEY_PATTERN.exec(presented);
    if (!m) return undefined;
    const row = this.byId.get(m[1]!) as { id: string; hash: Buffer; role: Role; name: string; created_at: string } | undefined;
    if (!row || row.hash.length !== 32) return undefined;
    if (!timingSafeEqual(row.hash, sha256(presented))) return undefined;
    return { id: row.id, role: row.role, name: row.name, createdAt: row.created_at };
  }

  list(): ApiKeyInfo[] {
    const rows = this.db.prepare('SELECT id, role, name, created_at FROM api_keys ORDER BY created_at, id').all() as { id: string; role: Role; name: string; created_at: string }[];
    return rows.map((r) => ({ id: r.id, role: r.role, name: r.name, createdAt: r.created_at }));
  }

  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM api_keys').get() as { n: number }).n;
  }

  /** Deletes a key; false when there was none with this id. */
  revoke(id: string): boolean {
    return this.db.prepare('DELETE FROM api_keys WHERE id = ?').run(id).changes > 0;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

/**
 * First start: with no key at all, create an admin key so a newcomer can get in, and return it
 * (the caller prints it once). Undefined when keys exist.
 */
export function ensureAdminKey(store: KeyStore): { key: string; info: ApiKeyInfo } | undefined {
  if (store.count() > 0) return undefined;
  return store.create('admin', 'first start');
}
