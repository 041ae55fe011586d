/**
 * A SQLite gallery holds biometric data: created owner-only (0600) wherever it is (a `--db` outside
 * the 0700 data folder too), with its -wal and -shm files and its HNSW index files, like the key store.
 */
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hnswFileFor } from '../src/gallery/index/hnsw.js';
import { SqliteGalleryStore } from '../src/gallery/sqlite-store.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'likeness-modes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const mode = (f: string): string => (statSync(f).mode & 0o777).toString(8);

describe('gallery file modes', () => {
  it('a new gallery, its -wal and -shm, and its HNSW index are 0600 under a umask of 022', async () => {
    const old = process.umask(0o022);
    try {
      const file = path.join(dir, 'elsewhere', 'gallery.sqlite');
      const store = SqliteGalleryStore.open(file, { hnsw: { quantization: 'f32' } });
      await store.init({ name: 'test', version: '1', dimensions: 4 });
      const s = await store.createSubject('Ada');
      await store.addFaces(s.id, [{ embedding: Float32Array.from([1, 0, 0, 0]), score: 0.9, imageSha256: 'a'.repeat(64) }]);
      expect(await store.search(Float32Array.from([1, 0, 0, 0]), 1)).toHaveLength(1);
      for (const f of [file, `${file}-wal`, `${file}-shm`]) {
        expect(existsSync(f), f).toBe(true);
        expect(mode(f), f).toBe('600');
      }
      await store.close();
      const hnsw = hnswFileFor(file);
      for (const f of [file, hnsw, `${hnsw}.ids`]) expect(mode(f), f).toBe('600');
    } finally {
      process.umask(old);
    }
  });

  it('an existing gallery keeps the mode its owner gave it', async () => {
    const file = path.join(dir, 'shared.sqlite');
    await SqliteGalleryStore.open(file).close();
    chmodSync(file, 0o640);
    await SqliteGalleryStore.open(file).close();
    expect(mode(file)).toBe('640');
  });
});
