/**
 * In-process gallery indexes (src/gallery/index/): the exact index (int8 prefilter on onnxruntime,
 * then exact re-ranking) must give brute force's answer bit for bit, whatever the data; the HNSW
 * index must find the nearest face at least 99 % of the time and persist beside its store.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nearest } from '../src/gallery/brute-force.js';
import { embeddingToBase64 } from '../src/gallery/encoding.js';
import { ExactIndex } from '../src/gallery/index/exact.js';
import { HnswIndex, hnswFileFor } from '../src/gallery/index/hnsw.js';
import { SqliteGalleryStore } from '../src/gallery/sqlite-store.js';
import type { GalleryRecord, LoadedEncodings, SearchHit } from '../src/gallery/types.js';
import { face, galleryConformance, MODEL, rng, unitVector } from './gallery/conformance.js';

const D = 128;
const dir = mkdtempSync(path.join(tmpdir(), 'likeness-index-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

function normalise(v: Float32Array): Float32Array {
  let s = 0;
  for (const x of v) s += x * x;
  const n = Math.sqrt(s);
  for (let i = 0; i < v.length; i++) v[i]! /= n;
  return v;
}

/** A sample of an identity: its centre plus Gaussian noise of about `spread` in norm, renormalised. */
function around(centre: Float32Array, spread: number, random: () => number): Float32Array {
  const d = centre.length;
  const v = new Float32Array(d);
  for (let j = 0; j < d; j++) v[j] = centre[j]! + (spread / Math.sqrt(d)) * gaussian(random);
  return normalise(v);
}

/** n unit vectors: random, or clustered (10 per identity around a centre, as a gallery of people). */
function dataset(n: number, kind: 'random' | 'clustered', random: () => number, d = D): LoadedEncodings {
  const matrix = new Float32Array(n * d);
  let centre = unitVector(d, random);
  for (let i = 0; i < n; i++) {
    if (kind === 'random') matrix.set(unitVector(d, random), i * d);
    else {
      if (i % 10 === 0) centre = unitVector(d, random);
      matrix.set(around(centre, 0.6, random), i * d);
    }
  }
  return {
    faceIds: Array.from({ length: n }, () => randomUUID()),
    subjectIds: Array.from({ length: n }, (_, i) => `s${Math.floor(i / 10)}`),
    matrix,
    dimensions: d,
    changeCounter: 1,
  };
}

/** The index's content kept beside it, in insertion order, for brute force. */
class Mirror {
  ids: string[] = [];
  subjects: string[] = [];
  rows: Float32Array[] = [];
  constructor(s?: LoadedEncodings) {
    if (!s) return;
    for (let i = 0; i < s.faceIds.length; i++) this.push(s.faceIds[i]!, s.subjectIds[i]!, s.matrix.slice(i * D, (i + 1) * D));
  }
  push(id: string, subject: string, v: Float32Array): void {
    this.ids.push(id);
    this.subjects.push(subject);
    this.rows.push(v);
  }
  remove(id: string): void {
    const i = this.ids.indexOf(id);
    this.ids.splice(i, 1);
    this.subjects.splice(i, 1);
    this.rows.splice(i, 1);
  }
  matrix(): Float32Array {
    const m = new Float32Array(this.rows.length * D);
    this.rows.forEach((r, i) => m.set(r, i * D));
    return m;
  }
  /** Brute force's answer, as hits. */
  truth(q: Float32Array, k: number, matrix = this.matrix()): SearchHit[] {
    return nearest(matrix, D, q, k).map((h) => ({ faceId: this.ids[h.index]!, subjectId: this.subjects[h.index]!, distance: h.distance }));
  }
}

describe('exact index', () => {
  for (const kind of ['random', 'clustered'] as const) {
    it(`gives brute force's hits and distances on ${kind} data (k = 1, 5, 50), through adds and removes`, async () => {
      const r = rng(kind === 'random' ? 1 : 2);
      const snapshot = dataset(20_000, kind, r);
      const mirror = new Mirror(snapshot);
      const ix = ExactIndex.fromSnapshot(snapshot, { threads: 1 });
      const check = async (rounds: number): Promise<void> => {
        const matrix = mirror.matrix();
        for (let i = 0; i < rounds; i++) {
          // half the queries are probes near a stored face, half arbitrary directions
          const q = i % 2 === 0 ? around(mirror.rows[Math.floor(r() * mirror.rows.length)]!, 0.5, r) : unitVector(D, r);
          for (const k of [1, 5, 50]) {
            const hits = await ix.search(q, k);
            expect(ix.lastSearch?.path).toBe('prefilter');
            expect(hits).toEqual(mirror.truth(q, k, matrix));
          }
        }
      };
      await check(6);
      // adds (the float rows and the int8 blocks grow), removes (swap-with-last), a subject removed
      for (let i = 0; i < 3000; i++) {
        const id = randomUUID();
        const v = unitVector(D, r);
        ix.add(id, `new${i % 7}`, v);
        mirror.push(id, `new${i % 7}`, v);
      }
      for (let i = 0; i < 2000; i++) {
        const id = mirror.ids[Math.floor(r() * mirror.ids.length)]!;
        expect(ix.remove(id)).toBe(true);
        mirror.remove(id);
      }
      expect(ix.remove('not there')).toBe(false);
      const gone = mirror.ids.filter((_, i) => mirror.subjects[i] === 'new3');
      expect(ix.removeSubject('new3')).toBe(gone.length);
      for (const id of gone) mirror.remove(id);
      // adds and removes once the id hashes exist (made by the first removal)
      const late: string[] = [];
      for (let i = 0; i < 300; i++) {
        const id = randomUUID();
        const v = unitVector(D, r);
        ix.add(id, 'late', v);
        mirror.push(id, 'late', v);
        late.push(id);
      }
      for (const id of late.filter((_, i) => i % 3 === 0)) {
        expect(ix.remove(id)).toBe(true);
        mirror.remove(id);
      }
      expect(ix.size).toBe(mirror.ids.length);
      await check(6);
      // k at least an eighth of the gallery: one exact pass instead
      const q = unitVector(D, r);
      expect(await ix.search(q, 3000)).toEqual(mirror.truth(q, 3000));
      expect(ix.lastSearch?.path).toBe('scan');
    });
  }

  it('never lets the int8 prefilter change the answer: near-ties, duplicates, coarse rows', async () => {
    const r = rng(3);
    const ix = new ExactIndex(D, { prefilterFrom: 0, threads: 2, blockRows: 256 });
    const mirror = new Mirror();
    const add = (v: Float32Array, subject = 'x'): void => {
      const id = randomUUID();
      ix.add(id, subject, v);
      mirror.push(id, subject, v);
    };
    for (let i = 0; i < 3000; i++) add(unitVector(D, r));
    const queries = Array.from({ length: 4 }, () => unitVector(D, r));
    for (const q of queries) {
      // rings of vectors all at almost the same angle from q (cos 0.6), differing by 1e-7 to 1e-3:
      // far inside the int8 error, so only the exact re-ranking can order them
      for (let i = 0; i < 300; i++) {
        const o = unitVector(D, r);
        let dot = 0;
        for (let j = 0; j < D; j++) dot += o[j]! * q[j]!;
        for (let j = 0; j < D; j++) o[j]! -= dot * q[j]!;
        normalise(o);
        const c = 0.6 + 10 ** -(3 + (i % 5)) * (r() - 0.5);
        const s = Math.sqrt(1 - c * c);
        add(normalise(Float32Array.from(q, (x, j) => c * x + s * o[j]!)));
      }
      // exact duplicates (true ties: insertion order decides) and rows whose int8 codes are equal
      const dup = mirror.rows[mirror.rows.length - 1]!;
      add(dup.slice());
      add(dup.slice());
      const nudged = dup.slice();
      nudged[5]! += 1e-6;
      add(normalise(nudged));
    }
    // rows with one dominant component: a coarse scale, the largest quantisation error
    for (let i = 0; i < 200; i++) {
      const v = unitVector(D, r);
      v[i % D] = 20;
      add(normalise(v));
    }
    const matrix = mirror.matrix();
    for (const q of queries) {
      for (const k of [1, 5, 50, 200]) {
        const hits = await ix.search(q, k);
        expect(ix.lastSearch?.path).toBe('prefilter');
        expect(hits).toEqual(mirror.truth(q, k, matrix));
        // ties come out in insertion order, like a stable sort of every row
        const stable = mirror.ids
          .map((id, i) => ({ id, i, d: nearest(matrix.subarray(i * D, (i + 1) * D), D, q, 1)[0]!.distance }))
          .sort((a, b) => a.d - b.d || a.i - b.i)
          .slice(0, k);
        expect(hits.map((h) => h.faceId)).toEqual(stable.map((s) => s.id));
      }
      // the near-ties were all re-ranked: the bound widened the candidate list as far as needed
      await ix.search(q, 5);
      expect(ix.lastSearch!.candidates).toBeGreaterThan(100);
    }
  });

  it('is what SqliteGalleryStore.search uses, kept up to date by its own writes and rebuilt after another process writes', async () => {
    const file = path.join(dir, 'store', 'gallery.sqlite');
    const store = SqliteGalleryStore.open(file, { index: { prefilterFrom: 0 } });
    const other = SqliteGalleryStore.open(file);
    await store.init(MODEL);
    await other.init(MODEL);
    const r = rng(4);
    const subjects = await Promise.all(Array.from({ length: 20 }, (_, i) => store.createSubject(`S${i}`)));
    for (const s of subjects) await store.addFaces(s.id, Array.from({ length: 25 }, (_, j) => face(r, `${s.name}-${j}`)));
    const internals = store as unknown as { cache: ExactIndex | undefined };
    const agree = async (): Promise<void> => {
      const all = await store.loadAll();
      const mirror = new Mirror(all);
      for (let i = 0; i < 10; i++) {
        const q = unitVector(D, r);
        expect(await store.search(q, 5)).toEqual(mirror.truth(q, 5, all.matrix));
      }
    };
    await agree();
    const built = internals.cache;
    expect(built?.lastSearch?.path).toBe('prefilter');
    // writes through this store object update the index in place: no reload
    const [added] = await store.addFaces(subjects[0]!.id, [face(r, 'late')]);
    await store.renameSubject(subjects[1]!.id, 'renamed');
    expect(await store.deleteFace((await store.listFaces(subjects[2]!.id))[0]!.id)).toBe(true);
    expect(await store.deleteSubject(subjects[3]!.id)).toBe(true);
    const extra = await store.createSubject('extra');
    await store.addFaces(extra.id, [face(r, 'extra')]);
    await agree();
    expect(internals.cache).toBe(built);
    expect(built!.size).toBe(500 + 1 - 1 - 25 + 1);
    expect((await store.search((await store.listFaces(subjects[0]!.id, { withEmbeddings: true })).at(-1)!.embedding, 1))[0]!.faceId).toBe(added!.id);
    // another store object (another process) writes: the next search rebuilds from loadAll
    await other.addFaces(extra.id, [face(r, 'from elsewhere')]);
    await agree();
    expect(internals.cache).not.toBe(built);
    await store.close();
    await other.close();
  });
});

galleryConformance('SQLite gallery store, every search through the int8 prefilter', async () => {
  let n = 0;
  return {
    exactSearch: true,
    fresh: async () => {
      const file = path.join(dir, `conformance-${++n}`, 'gallery.sqlite');
      return { open: async () => SqliteGalleryStore.open(file, { index: { prefilterFrom: 0, threads: 1 } }) };
    },
  };
});

describe('HNSW index (usearch)', () => {
  it('finds the nearest face at least 99 % of the time at 20k, with exact distances', async () => {
    const r = rng(5);
    const snapshot = dataset(20_000, 'clustered', r);
    const mirror = new Mirror(snapshot);
    const matrix = snapshot.matrix.slice();
    const ix = await HnswIndex.fromSnapshot(MODEL, snapshot);
    let found = 0;
    const queries = 300;
    for (let i = 0; i < queries; i++) {
      // a probe: another photo of an enrolled person, about as far from their faces as they are apart
      const centreRow = Math.floor(r() * 2000) * 10;
      const q = around(mirror.rows[centreRow]!, 0.6, r);
      const [truth] = mirror.truth(q, 1, matrix);
      const hits = ix.search(q, 5);
      expect(hits).toHaveLength(5);
      if (hits[0]!.faceId === truth!.faceId) {
        found++;
        expect(hits[0]!.distance).toBe(truth!.distance);
      }
    }
    expect(found / queries, 'recall@1').toBeGreaterThanOrEqual(0.99);
  });

  for (const d of [192, 320]) {
    it(`finds the nearest ${d}-d encoding at least 99 % of the time at 5k (the MobileFaceNet and fusion lengths)`, async () => {
      const r = rng(d);
      const snapshot = dataset(5000, 'clustered', r, d);
      const ix = await HnswIndex.fromSnapshot({ name: `enc${d}`, version: '1', dimensions: d }, snapshot);
      let found = 0;
      const queries = 200;
      for (let i = 0; i < queries; i++) {
        const row = Math.floor(r() * 500) * 10;
        const q = around(snapshot.matrix.slice(row * d, (row + 1) * d), 0.6, r);
        const [truth] = nearest(snapshot.matrix, d, q, 1);
        const [hit] = ix.search(q, 1);
        if (hit!.faceId === snapshot.faceIds[truth!.index]) found++;
      }
      expect(found / queries, 'recall@1').toBeGreaterThanOrEqual(0.99);
      expect(() => ix.search(unitVector(128, r), 1)).toThrow(/dimension/);
    });
  }

  it('is saved beside its store, reused while fresh, caught up or rebuilt when the store changed', async () => {
    const file = path.join(dir, 'hnsw', 'gallery.sqlite');
    const store = SqliteGalleryStore.open(file);
    const r = rng(6);
    const now = new Date().toISOString();
    function* records(people: number): Generator<GalleryRecord> {
      yield { type: 'gallery', format: 'likeness-gallery', version: 1, model: MODEL, exportedAt: now };
      for (let p = 0; p < people; p++) {
        const centre = unitVector(D, r);
        const faces = Array.from({ length: 10 }, (_, f) => ({
          id: randomUUID(),
          model: MODEL.name,
          modelVersion: MODEL.version,
          embedding: embeddingToBase64(around(centre, 0.6, r)),
          score: 0.9,
          imageSha256: (p * 10 + f).toString(16).padStart(64, '0'),
          createdAt: now,
        }));
        yield { type: 'subject', id: randomUUID(), name: `P${p}`, metadata: {}, createdAt: now, faces };
      }
    }
    await store.import(records(300));
    await store.init(MODEL);
    const where = hnswFileFor(file);
    const first = await HnswIndex.open(store, where);
    expect(first.action).toBe('built');
    expect(first.size).toBe(3000);
    const q = unitVector(D, r);
    const before = first.search(q, 5);
    expect(before[0]).toEqual((await store.search(q, 1))[0]);

    const again = await HnswIndex.open(store, where);
    expect(again.action).toBe('loaded');
    expect(again.search(q, 5)).toEqual(before);

    // faces added since: caught up (the new face is found)
    const s = (await store.listSubjects({ limit: 1 }))[0]!;
    const newFace = face(r, 'new');
    const [added] = await store.addFaces(s.id, [newFace]);
    const caughtUp = await HnswIndex.open(store, where);
    expect(caughtUp.action).toBe('updated');
    expect(caughtUp.changeCounter).toBe(await store.changeCounter());
    expect(caughtUp.search(newFace.embedding, 1)[0]!.faceId).toBe(added!.id);
    expect((await HnswIndex.open(store, where)).action).toBe('loaded');

    // an index refreshed in place by its owner
    await store.addFaces(s.id, [face(r, 'newer')]);
    expect(await caughtUp.refresh(store, where)).toBe('updated');
    expect(await caughtUp.refresh(store, where)).toBe('fresh');
    expect((await HnswIndex.open(store, where)).action).toBe('loaded');

    // a face deleted: the store deletes the saved index (it would still hold the face's bytes), and
    // an index that removes it in memory is neither saved nor caught up by removal
    const victim = (await store.listFaces(s.id))[0]!;
    await store.deleteFace(victim.id);
    expect(existsSync(where) || existsSync(`${where}.json`) || existsSync(`${where}.ids`)).toBe(false);
    caughtUp.remove(added!.id);
    expect(caughtUp.saveable).toBe(false);
    expect(() => caughtUp.save(where)).toThrow(/removed face/);
    const afterDelete = await HnswIndex.open(store, where);
    expect(afterDelete.action).toBe('built');
    expect(afterDelete.search(q, 3000).map((h) => h.faceId)).not.toContain(victim.id);
    expect((await HnswIndex.open(store, where)).action).toBe('loaded');

    // a reindex keeps every id and changes every encoding (same model name and version): rebuilt
    const snap = await store.loadAll();
    const shifted = Array.from({ length: snap.faceIds.length }, (_, i) => {
      const v = snap.matrix.slice(i * D, (i + 1) * D);
      v[0]! += 0.01;
      return { faceId: snap.faceIds[i]!, embedding: normalise(v) };
    });
    await store.replaceModel(MODEL, shifted);
    const reindexed = await HnswIndex.open(store, where);
    expect(reindexed.action).toBe('built');
    const q2 = shifted[17]!.embedding;
    expect(reindexed.search(q2, 1)[0]).toEqual((await store.search(q2, 1))[0]);
    expect(reindexed.search(q2, 1)[0]!.distance).toBe(0);

    // most of the gallery replaced: rebuilt; damaged files: rebuilt
    for (const subject of await store.listSubjects({ limit: 100 })) await store.deleteSubject(subject.id);
    expect((await HnswIndex.open(store, where)).action).toBe('built');
    truncateSync(where, 100);
    const rebuilt = await HnswIndex.open(store, where);
    expect(rebuilt.action).toBe('built');
    expect(rebuilt.size).toBe((await store.stats()).faces);
    await store.close();
  });

  it('is the search of a SQLite store opened with { hnsw }: kept current by its writes, saved on close, erasable', async () => {
    const file = path.join(dir, 'hnsw-store', 'gallery.sqlite');
    const r = rng(7);
    const open = () => SqliteGalleryStore.open(file, { hnsw: { quantization: 'f32' } });
    let store = open();
    await store.init(MODEL);
    const people = await Promise.all(Array.from({ length: 40 }, (_, p) => store.createSubject(`P${p}`)));
    const faces = [];
    for (const p of people) faces.push(...(await store.addFaces(p.id, [face(r, 'a'), face(r, 'b')])));
    const exact = SqliteGalleryStore.open(file);
    await exact.init(MODEL);
    for (const f of faces.slice(0, 20)) expect(await store.search(f.embedding, 3)).toEqual(await exact.search(f.embedding, 3));
    const where = hnswFileFor(file);
    expect(store.hnswFile).toBe(where);
    expect(existsSync(`${where}.json`)).toBe(true);

    // a face enrolled through the store is found at once; the index is saved again on close and reused
    const late = face(r, 'late');
    const [lateFace] = await store.addFaces(people[0]!.id, [late]);
    expect((await store.search(late.embedding, 1))[0]!.faceId).toBe(lateFace!.id);
    await store.close();
    const saved = JSON.parse(readFileSync(`${where}.json`, 'utf8')) as { count: number; savedAt: string };
    expect(saved.count).toBe(faces.length + 1);
    store = open();
    await store.init(MODEL);
    expect((await store.search(late.embedding, 1))[0]!.faceId).toBe(lateFace!.id);
    expect((JSON.parse(readFileSync(`${where}.json`, 'utf8')) as { savedAt: string }).savedAt).toBe(saved.savedAt); // loaded, not rebuilt

    // another process's write (here: another store object) is seen by the next search
    const other = exact;
    const outsider = face(r, 'outsider');
    const [outsiderFace] = await other.addFaces(people[1]!.id, [outsider]);
    expect((await store.search(outsider.embedding, 1))[0]!.faceId).toBe(outsiderFace!.id);

    // deleting a subject: gone from the search and from every file on disk (the f32 graph would hold its bytes)
    const victim = people[2]!;
    const victimFaces = await store.listFaces(victim.id, { withEmbeddings: true });
    expect(await store.deleteSubject(victim.id)).toBe(true);
    for (const f of victimFaces) expect((await store.search(f.embedding, 5)).map((h) => h.subjectId)).not.toContain(victim.id);
    await store.close();
    await other.close();
    const needle = Buffer.from(victimFaces[0]!.embedding.buffer, victimFaces[0]!.embedding.byteOffset, 64);
    const folder = path.dirname(file);
    for (const name of readdirSync(folder)) {
      if (!statSync(path.join(folder, name)).isFile()) continue;
      expect(readFileSync(path.join(folder, name)).includes(needle), name).toBe(false);
    }
  });
});
