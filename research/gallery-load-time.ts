/**
 * How long a SQLite gallery takes to load every encoding into memory (GalleryStore.loadAll, what an
 * in-process index does at start-up and after changes), and a brute-force search over it.
 *
 *   npx tsx research/gallery-load-time.ts [N ...]      # default: 100000 1000000
 *
 * Each gallery is built once with random unit 128-d encodings (10 faces per subject, through
 * import(): one transaction) in $TMPDIR, reopened, loaded three times; the file is deleted after.
 * The page cache is warm (the file was just written): this measures decoding, not the disk.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { embeddingToBase64 } from '../src/gallery/encoding.js';
import { SqliteGalleryStore } from '../src/gallery/sqlite-store.js';
import type { GalleryRecord } from '../src/gallery/types.js';

const MODEL = { name: 'resnet128', version: '1', dimensions: 128 };
const counts = process.argv.slice(2).map(Number).filter((n) => n > 0);
if (counts.length === 0) counts.push(100_000, 1_000_000);

function* records(n: number): Generator<GalleryRecord> {
  yield { type: 'gallery', format: 'likeness-gallery', version: 1, model: MODEL, exportedAt: new Date().toISOString() };
  const e = new Float32Array(128);
  const now = new Date().toISOString();
  for (let s = 0; s < n / 10; s++) {
    const faces = [];
    for (let f = 0; f < 10; f++) {
      let sq = 0;
      for (let i = 0; i < 128; i++) {
        e[i] = Math.random() - 0.5;
        sq += e[i]! * e[i]!;
      }
      const norm = Math.sqrt(sq);
      for (let i = 0; i < 128; i++) e[i]! /= norm;
      faces.push({ id: randomUUID(), model: MODEL.name, modelVersion: MODEL.version, embedding: embeddingToBase64(e), score: 0.99, imageSha256: '0'.repeat(63) + (f % 10), createdAt: now });
    }
    yield { type: 'subject', id: randomUUID(), name: `person ${s}`, metadata: {}, createdAt: now, faces };
  }
}

const ms = (t0: number): string => `${(performance.now() - t0).toFixed(0)} ms`;
const dir = mkdtempSync(path.join(tmpdir(), 'likeness-load-'));
try {
  for (const n of counts) {
    const file = path.join(dir, `g${n}.sqlite`);
    console.log(`\n${n.toLocaleString('en')} encodings (load average ${loadavg().map((l) => l.toFixed(1)).join(' ')})`);
    let t0 = performance.now();
    const builder = SqliteGalleryStore.open(file);
    await builder.import(records(n));
    await builder.close();
    console.log(`  build (import, one transaction): ${ms(t0)}; file ${(statSync(file).size / 2 ** 20).toFixed(0)} MiB`);

    const store = SqliteGalleryStore.open(file);
    await store.init(MODEL);
    for (let run = 1; run <= 3; run++) {
      const c0 = process.cpuUsage();
      t0 = performance.now();
      const all = await store.loadAll();
      const took = performance.now() - t0;
      const cpu = process.cpuUsage(c0);
      if (all.faceIds.length !== n) throw new Error(`loaded ${all.faceIds.length}, expected ${n}`);
      console.log(
        `  loadAll run ${run}: ${took.toFixed(0)} ms wall, ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms CPU ` +
          `(${((took * 1e6) / n).toFixed(0)} ns per encoding), rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`,
      );
    }
    const q = new Float32Array(128).fill(1 / Math.sqrt(128));
    t0 = performance.now();
    await store.search(q, 10);
    console.log(`  first search (loads, then brute force): ${ms(t0)}`);
    t0 = performance.now();
    await store.search(q, 10);
    console.log(`  next search (brute force over the cached matrix): ${ms(t0)}`);
    await store.close();
    rmSync(file, { force: true });
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
