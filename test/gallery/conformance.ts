/**
 * The one conformance suite every GalleryStore passes (run by test/gallery.sqlite.test.ts and
 * test/gallery.postgres.test.ts). Every refused write is checked to leave the store unchanged:
 * its full export, row counts and change counter are compared before and after.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { nearest } from '../../src/gallery/brute-force.js';
import type { GalleryStore } from '../../src/gallery/store.js';
import type { GalleryModel, GalleryRecord, NewFace, SubjectRecord } from '../../src/gallery/types.js';
import { LikenessError } from '../../src/errors.js';
import { seededRng } from '../../src/random.js';

export interface ConformanceTarget {
  /** A new, empty gallery; `open` makes a store object on it (call it twice for two "instances"). */
  fresh(): Promise<{ open: () => Promise<GalleryStore> }>;
  /** Exact search (brute force) or approximate (HNSW: recall@1 is measured instead). */
  exactSearch: boolean;
  cleanup?(): Promise<void>;
}

export const MODEL: GalleryModel = { name: 'resnet128', version: '1', dimensions: 128 };
export const MODEL_V2: GalleryModel = { name: 'resnet128', version: '2', dimensions: 128 };
export const MODEL_64: GalleryModel = { name: 'tiny64', version: '1', dimensions: 64 };

/** Deterministic pseudo-random numbers (mulberry32). */
export const rng = seededRng;

export function unitVector(dims: number, random: () => number): Float32Array {
  const v = new Float32Array(dims);
  let s = 0;
  for (let i = 0; i < dims; i++) {
    // Box–Muller: a Gaussian direction is uniform on the sphere.
    const g = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    v[i] = g;
    s += g * g;
  }
  const n = Math.sqrt(s);
  for (let i = 0; i < dims; i++) v[i]! /= n;
  return v;
}

export const sha = (s: string): string => createHash('sha256').update(s).digest('hex');
export const png = (payload: Uint8Array = randomBytes(64)): Uint8Array =>
  new Uint8Array(Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from(payload)]));

export function face(random: () => number, image: string, extra: Partial<NewFace> = {}, dims = 128): NewFace {
  return { embedding: unitVector(dims, random), score: 0.5 + random() / 2, imageSha256: sha(image), ...extra };
}

/** Everything observable about a gallery, to compare before and after a refused operation. */
async function snapshot(store: GalleryStore): Promise<unknown> {
  const records: GalleryRecord[] = [];
  const model = await store.model();
  if (model) for await (const r of store.export({ withThumbnails: true })) records.push(r.type === 'gallery' ? { ...r, exportedAt: '' } : r);
  return {
    model,
    counter: await store.changeCounter(),
    stats: model ? await store.stats() : undefined,
    subjects: await store.listSubjects(),
    records,
  };
}

async function expectUnchanged(store: GalleryStore, action: () => Promise<unknown>, errorClass: string, code?: string): Promise<LikenessError> {
  const before = await snapshot(store);
  const err = await action().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, `expected ${errorClass}`).toBeInstanceOf(LikenessError);
  expect((err as LikenessError).name).toBe(errorClass);
  if (code) expect((err as LikenessError).code).toBe(code);
  expect(await snapshot(store)).toEqual(before);
  return err as LikenessError;
}

async function collect(it: AsyncIterable<GalleryRecord>): Promise<GalleryRecord[]> {
  const out: GalleryRecord[] = [];
  for await (const r of it) out.push(r);
  return out;
}

const sameBits = (a: Float32Array, b: Float32Array): boolean => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

export function galleryConformance(name: string, target: () => Promise<ConformanceTarget | undefined>): void {
  let t: ConformanceTarget | undefined;
  const opened: GalleryStore[] = [];
  const getTarget = async (): Promise<ConformanceTarget> => {
    t ??= await target();
    if (!t) throw new Error('no conformance target');
    return t;
  };
  /** A fresh gallery, initialised with MODEL unless told otherwise; returns its store and a way to open another. */
  async function gallery(init: GalleryModel | null = MODEL): Promise<{ store: GalleryStore; open: () => Promise<GalleryStore> }> {
    const { open } = await (await getTarget()).fresh();
    const tracked = async (): Promise<GalleryStore> => {
      const s = await open();
      opened.push(s);
      return s;
    };
    const store = await tracked();
    if (init) await store.init(init);
    return { store, open: tracked };
  }

  describe(name, () => {
    afterAll(async () => {
      for (const s of opened) await s.close().catch(() => undefined);
      await t?.cleanup?.();
    });

    describe('model', () => {
      it('records the model on first init, accepts it again, refuses another with a reindex hint', async () => {
        const { store, open } = await gallery(null);
        expect(await store.model()).toBeUndefined();
        await expect(store.stats()).rejects.toMatchObject({ code: 'E_GALLERY_NOT_INITIALISED' });
        await store.init(MODEL);
        expect(await store.model()).toEqual(MODEL);
        await store.init({ ...MODEL });
        const err = await expectUnchanged(store, () => store.init(MODEL_V2), 'GalleryModelMismatchError', 'E_GALLERY_MODEL_MISMATCH');
        expect(err.message).toContain('likeness gallery reindex');
        expect(err.isInputError).toBe(true);
        await expectUnchanged(store, () => store.init(MODEL_64), 'GalleryModelMismatchError');
        // another store object on the same gallery sees the model
        const other = await open();
        expect(await other.model()).toEqual(MODEL);
        await expectUnchanged(other, () => other.init({ ...MODEL, name: 'other' }), 'GalleryModelMismatchError');
        await expect(store.init({ name: '', version: '1', dimensions: 128 })).rejects.toMatchObject({ code: 'E_INVALID_OPTION' });
        await expect(store.init({ name: 'x', version: '1', dimensions: 0 })).rejects.toMatchObject({ code: 'E_INVALID_OPTION' });
      });

      it('needs init on the store object before writes and searches', async () => {
        const { store, open } = await gallery();
        const other = await open();
        const s = await other.createSubject('Ada'); // subjects need no model
        const r = rng(1);
        await expect(other.addFaces(s.id, [face(r, 'a')])).rejects.toMatchObject({ code: 'E_GALLERY_NOT_INITIALISED' });
        await expect(other.search(unitVector(128, r), 1)).rejects.toMatchObject({ code: 'E_GALLERY_NOT_INITIALISED' });
        expect(await store.addFaces(s.id, [face(r, 'a')])).toHaveLength(1);
      });
    });

    describe('subjects', () => {
      it('creates, gets, finds, lists (by name, then id), renames, sets metadata', async () => {
        const { store } = await gallery();
        const meta = { employee: 42, tags: ['a', 'b'], nested: { ok: true, none: null } };
        const b = await store.createSubject('Bob', meta);
        expect(b).toMatchObject({ name: 'Bob', metadata: meta, faceCount: 0 });
        expect(b.id).toMatch(/^[0-9a-f-]{36}$/);
        expect(Number.isFinite(Date.parse(b.createdAt))).toBe(true);
        const a1 = await store.createSubject('Alice');
        const a2 = await store.createSubject('Alice', { second: true });
        const z = await store.createSubject('Zoë');
        expect(await store.getSubject(b.id)).toEqual(b);
        expect(await store.getSubject('00000000-0000-4000-8000-000000000000')).toBeUndefined();
        expect(await store.getSubject('not-a-uuid')).toBeUndefined();
        expect((await store.findSubjects('Alice')).map((s) => s.id)).toEqual([a1.id, a2.id]);
        expect(await store.findSubjects('alice')).toEqual([]);
        const alices = [a1.id, a2.id].sort();
        expect((await store.listSubjects()).map((s) => s.id)).toEqual([...alices, b.id, z.id]);
        expect((await store.listSubjects({ limit: 2 })).map((s) => s.id)).toEqual(alices);
        expect((await store.listSubjects({ limit: 2, offset: 2 })).map((s) => s.id)).toEqual([b.id, z.id]);
        expect(await store.listSubjects({ offset: 10 })).toEqual([]);
        await expect(store.listSubjects({ limit: -1 })).rejects.toMatchObject({ code: 'E_INVALID_OPTION' });

        const renamed = await store.renameSubject(b.id, 'Robert');
        expect(renamed).toMatchObject({ id: b.id, name: 'Robert', metadata: meta });
        expect(await store.findSubjects('Bob')).toEqual([]);
        const withMeta = await store.setMetadata(b.id, { replaced: 'yes' });
        expect(withMeta.metadata).toEqual({ replaced: 'yes' });
        expect((await store.getSubject(b.id))!.metadata).toEqual({ replaced: 'yes' });
      });

      it('refuses bad names, bad metadata and unknown subjects, leaving the store unchanged', async () => {
        const { store } = await gallery();
        const s = await store.createSubject('Carol');
        await store.addFaces(s.id, [face(rng(2), 'c1')]);
        await expectUnchanged(store, () => store.createSubject(''), 'InvalidSubjectError', 'E_GALLERY_INVALID_SUBJECT');
        await expectUnchanged(store, () => store.createSubject('x'.repeat(1001)), 'InvalidSubjectError');
        await expectUnchanged(store, () => store.createSubject('D', [] as unknown as Record<string, unknown>), 'InvalidSubjectError');
        const circular: Record<string, unknown> = {};
        circular.self = circular;
        await expectUnchanged(store, () => store.createSubject('D', circular), 'InvalidSubjectError');
        await expectUnchanged(store, () => store.setMetadata(s.id, { bad: 'a\u0000b' }), 'InvalidSubjectError');
        const unknown = '00000000-0000-4000-8000-000000000000';
        const e = await expectUnchanged(store, () => store.renameSubject(unknown, 'X'), 'UnknownSubjectError', 'E_UNKNOWN_SUBJECT');
        expect(e.isInputError).toBe(true);
        await expectUnchanged(store, () => store.renameSubject('nope', 'X'), 'UnknownSubjectError');
        await expectUnchanged(store, () => store.setMetadata(unknown, {}), 'UnknownSubjectError');
        await expectUnchanged(store, () => store.listFaces(unknown), 'UnknownSubjectError');
        await expectUnchanged(store, () => store.renameSubject(s.id, ''), 'InvalidSubjectError');
        expect(await store.deleteSubject(unknown)).toBe(false);
        expect(await store.deleteSubject('nope')).toBe(false);
      });
    });

    describe('faces', () => {
      it('adds faces stamped with the model, lists them with and without encodings and thumbnails', async () => {
        const { store } = await gallery();
        const r = rng(3);
        const s = await store.createSubject('Dan');
        const thumb = png();
        const input = [face(r, 'd1', { thumbnail: thumb }), face(r, 'd2'), face(r, 'd2')];
        const stored = await store.addFaces(s.id, input);
        expect(stored).toHaveLength(3);
        for (const [i, f] of stored.entries()) {
          expect(f).toMatchObject({ subjectId: s.id, model: MODEL.name, modelVersion: MODEL.version, score: input[i]!.score, imageSha256: input[i]!.imageSha256 });
          expect(sameBits(f.embedding, input[i]!.embedding)).toBe(true);
        }
        expect(new Set(stored.map((f) => f.id)).size).toBe(3);
        expect((await store.getSubject(s.id))!.faceCount).toBe(3);

        const plain = await store.listFaces(s.id);
        expect(plain.map((f) => f.id)).toEqual(stored.map((f) => f.id));
        expect(plain.every((f) => f.embedding.length === 0 && f.thumbnail === undefined)).toBe(true);
        expect(plain[0]).toMatchObject({ model: MODEL.name, modelVersion: MODEL.version, createdAt: stored[0]!.createdAt, score: input[0]!.score });

        const full = await store.listFaces(s.id, { withEmbeddings: true, withThumbnails: true });
        for (const [i, f] of full.entries()) expect(sameBits(f.embedding, input[i]!.embedding)).toBe(true);
        expect(Buffer.from(full[0]!.thumbnail!).equals(Buffer.from(thumb))).toBe(true);
        expect(full[1]!.thumbnail).toBeUndefined();
        expect(await store.stats()).toEqual({ model: MODEL, subjects: 1, faces: 3, withThumbnails: 1 });
        expect(await store.addFaces(s.id, [])).toEqual([]);
      });

      it('refuses unknown subjects and bad faces as a whole batch, leaving the store unchanged', async () => {
        const { store } = await gallery();
        const r = rng(4);
        const s = await store.createSubject('Eve');
        await store.addFaces(s.id, [face(r, 'e0')]);
        const good = face(r, 'e1');
        const unknown = '00000000-0000-4000-8000-000000000000';
        await expectUnchanged(store, () => store.addFaces(unknown, [good]), 'UnknownSubjectError', 'E_UNKNOWN_SUBJECT');
        await expectUnchanged(store, () => store.addFaces('garbage', [good]), 'UnknownSubjectError');
        const e = await expectUnchanged(store, () => store.addFaces(s.id, [good, face(r, 'e2', {}, 64)]), 'GalleryDimensionError', 'E_GALLERY_DIMENSIONS');
        expect(e.message).toMatch(/64 dimensions.*128/);
        const long = new Float32Array(128).fill(1); // norm √128
        await expectUnchanged(store, () => store.addFaces(s.id, [good, { ...good, embedding: long }]), 'InvalidFaceError', 'E_GALLERY_INVALID_FACE');
        const nan = Float32Array.from(good.embedding);
        nan[5] = Number.NaN;
        await expectUnchanged(store, () => store.addFaces(s.id, [{ ...good, embedding: nan }]), 'InvalidFaceError');
        await expectUnchanged(store, () => store.addFaces(s.id, [{ ...good, embedding: Array.from(good.embedding) as unknown as Float32Array }]), 'InvalidFaceError');
        await expectUnchanged(store, () => store.addFaces(s.id, [{ ...good, imageSha256: 'abc' }]), 'InvalidFaceError');
        await expectUnchanged(store, () => store.addFaces(s.id, [{ ...good, score: Number.POSITIVE_INFINITY }]), 'InvalidFaceError');
        await expectUnchanged(store, () => store.addFaces(s.id, [good, { ...good, thumbnail: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]) }]), 'InvalidFaceError');
      });

      it('deletes faces and subjects (with their faces), everywhere', async () => {
        const { store } = await gallery();
        const r = rng(5);
        const keep = await store.createSubject('Keep');
        const gone = await store.createSubject('Gone');
        const [k1] = await store.addFaces(keep.id, [face(r, 'k1')]);
        const [g1, g2] = await store.addFaces(gone.id, [face(r, 'g1', { thumbnail: png() }), face(r, 'g2')]);
        expect(await store.deleteFace(g2!.id)).toBe(true);
        expect(await store.deleteFace(g2!.id)).toBe(false);
        expect(await store.deleteFace('not-a-uuid')).toBe(false);
        expect((await store.listFaces(gone.id)).map((f) => f.id)).toEqual([g1!.id]);
        expect(await store.deleteSubject(gone.id)).toBe(true);
        expect(await store.deleteSubject(gone.id)).toBe(false);
        expect(await store.getSubject(gone.id)).toBeUndefined();
        await expect(store.listFaces(gone.id)).rejects.toMatchObject({ code: 'E_UNKNOWN_SUBJECT' });
        expect(await store.stats()).toEqual({ model: MODEL, subjects: 1, faces: 1, withThumbnails: 0 });
        expect((await store.loadAll()).faceIds).toEqual([k1!.id]);
        const hits = await store.search(g1!.embedding, 5);
        expect(hits.map((h) => h.faceId)).toEqual([k1!.id]);
        expect(await store.hasImage('Gone', sha('g1'))).toBe(false);
      });

      it('tells whether a subject name already has a face from an image', async () => {
        const { store } = await gallery();
        const r = rng(6);
        const s = await store.createSubject('Fay');
        await store.createSubject('Gus');
        expect(await store.hasImage('Fay', sha('f1'))).toBe(false);
        await store.addFaces(s.id, [face(r, 'f1')]);
        expect(await store.hasImage('Fay', sha('f1'))).toBe(true);
        expect(await store.hasImage('Gus', sha('f1'))).toBe(false);
        expect(await store.hasImage('Fay', sha('f2'))).toBe(false);
        expect(await store.hasImage('Nobody', sha('f1'))).toBe(false);
      });
    });

    describe('index', () => {
      it('loads every encoding as one matrix with aligned ids and the change counter', async () => {
        const { store } = await gallery();
        const r = rng(7);
        const empty = await store.loadAll();
        expect(empty).toMatchObject({ faceIds: [], subjectIds: [], dimensions: 128 });
        expect(empty.matrix.length).toBe(0);
        const expected = new Map<string, { subjectId: string; embedding: Float32Array }>();
        for (let i = 0; i < 5; i++) {
          const s = await store.createSubject(`S${i}`);
          for (const f of await store.addFaces(s.id, [face(r, `${i}a`), face(r, `${i}b`)])) expected.set(f.id, { subjectId: s.id, embedding: f.embedding });
        }
        const all = await store.loadAll();
        expect(all.dimensions).toBe(128);
        expect(all.faceIds).toHaveLength(10);
        expect(all.matrix.length).toBe(10 * 128);
        expect(all.changeCounter).toBe(await store.changeCounter());
        all.faceIds.forEach((id, i) => {
          const e = expected.get(id)!;
          expect(all.subjectIds[i]).toBe(e.subjectId);
          expect(sameBits(all.matrix.subarray(i * 128, (i + 1) * 128), e.embedding)).toBe(true);
        });
      });

      it('bumps the change counter on every write (seen by other store objects), not on reads or refused writes', async () => {
        const { store, open } = await gallery();
        const other = await open();
        await other.init(MODEL);
        const r = rng(8);
        let last = await store.changeCounter();
        const bumped = async (what: string, action: () => Promise<unknown>): Promise<void> => {
          await action();
          const now = await other.changeCounter();
          expect(now, what).toBeGreaterThan(last);
          last = now;
        };
        let sid = '';
        let fid = '';
        await bumped('createSubject', async () => (sid = (await store.createSubject('H')).id));
        await bumped('addFaces', async () => (fid = (await store.addFaces(sid, [face(r, 'h1'), face(r, 'h2')]))[0]!.id));
        await bumped('renameSubject', () => store.renameSubject(sid, 'H2'));
        await bumped('setMetadata', () => store.setMetadata(sid, { x: 1 }));
        await bumped('deleteFace', () => store.deleteFace(fid));
        // reads do not bump
        await store.listSubjects();
        await store.search(unitVector(128, r), 3);
        await store.loadAll();
        await store.stats();
        expect(await store.changeCounter()).toBe(last);
        await expect(store.addFaces(sid, [face(r, 'bad', {}, 32)])).rejects.toBeInstanceOf(LikenessError);
        expect(await store.deleteFace(fid)).toBe(false);
        expect(await store.changeCounter()).toBe(last);
        await bumped('deleteSubject', () => store.deleteSubject(sid));
      });

      it('finds each stored encoding as its own nearest neighbour and agrees with brute force', async () => {
        const target = await getTarget();
        const { store, open } = await gallery();
        const r = rng(9);
        const n = 300;
        const subjects = await Promise.all(Array.from({ length: 30 }, (_, i) => store.createSubject(`P${i}`)));
        for (let i = 0; i < subjects.length; i++) {
          await store.addFaces(subjects[i]!.id, Array.from({ length: n / subjects.length }, (_, j) => face(r, `p${i}-${j}`)));
        }
        const all = await store.loadAll();
        expect(all.faceIds).toHaveLength(n);
        // each stored vector finds itself at distance ~0
        for (let i = 0; i < 20; i++) {
          const row = i * 15;
          const [hit] = await store.search(all.matrix.slice(row * 128, (row + 1) * 128), 1);
          expect(hit!.faceId).toBe(all.faceIds[row]);
          expect(hit!.subjectId).toBe(all.subjectIds[row]);
          expect(hit!.distance).toBeLessThan(1e-3);
        }
        const rowOf = new Map(all.faceIds.map((id, i) => [id, i]));
        // random queries against brute force over the same matrix
        const queries = 200;
        let agree = 0;
        for (let q = 0; q < queries; q++) {
          const query = unitVector(128, r);
          const truth = nearest(all.matrix, 128, query, 5);
          const hits = await store.search(query, 5);
          expect(hits).toHaveLength(5);
          for (let i = 1; i < hits.length; i++) expect(hits[i]!.distance).toBeGreaterThanOrEqual(hits[i - 1]!.distance);
          if (hits[0]!.faceId === all.faceIds[truth[0]!.index]) agree++;
          if (target.exactSearch) {
            expect(hits.map((h) => h.faceId)).toEqual(truth.map((h) => all.faceIds[h.index]));
            hits.forEach((h, i) => expect(h.distance).toBeCloseTo(truth[i]!.distance, 5));
          }
          // every reported distance is the true Euclidean distance of that face
          for (const h of hits) {
            const row = rowOf.get(h.faceId)!;
            expect(h.distance).toBeCloseTo(nearest(all.matrix.subarray(row * 128, (row + 1) * 128), 128, query, 1)[0]!.distance, 5);
          }
        }
        expect(agree / queries, 'recall@1').toBeGreaterThanOrEqual(0.99);
        // k larger than the gallery: everything, nearest first; k validated; query dimensions checked
        const everything = await store.search(unitVector(128, r), 1000);
        expect(everything).toHaveLength(n);
        await expect(store.search(unitVector(128, r), 0)).rejects.toMatchObject({ code: 'E_INVALID_OPTION' });
        await expect(store.search(unitVector(64, r), 3)).rejects.toMatchObject({ code: 'E_GALLERY_DIMENSIONS' });
        // another store object sees a face added after its first search
        const other = await open();
        await other.init(MODEL);
        await other.search(unitVector(128, r), 1);
        const extra = face(r, 'late');
        const [added] = await store.addFaces(subjects[0]!.id, [extra]);
        expect((await other.search(extra.embedding, 1))[0]!.faceId).toBe(added!.id);
      });
    });

    describe('reindex', () => {
      it('replaces every encoding and switches the model in one step; the old model is then refused', async () => {
        const { store, open } = await gallery();
        const old = await open();
        await old.init(MODEL);
        const r = rng(10);
        const s = await store.createSubject('Ivy');
        const faces = await store.addFaces(s.id, [face(r, 'i1'), face(r, 'i2', { thumbnail: png() }), face(r, 'i3')]);
        const before = await store.changeCounter();
        const reencoded = faces.map((f) => ({ faceId: f.id, embedding: unitVector(64, r) }));
        // refused: incomplete, unknown, duplicate, wrong dimensions (store unchanged)
        await expectUnchanged(store, () => store.replaceModel(MODEL_64, reencoded.slice(1)), 'GalleryReindexError', 'E_GALLERY_REINDEX');
        await expectUnchanged(
          store,
          () => store.replaceModel(MODEL_64, [...reencoded.slice(1), { faceId: '00000000-0000-4000-8000-000000000000', embedding: unitVector(64, r) }]),
          'GalleryReindexError',
        );
        await expectUnchanged(store, () => store.replaceModel(MODEL_64, [...reencoded.slice(1), reencoded[1]!]), 'GalleryReindexError');
        await expectUnchanged(store, () => store.replaceModel(MODEL_64, faces.map((f) => ({ faceId: f.id, embedding: f.embedding }))), 'GalleryDimensionError');

        await store.replaceModel(MODEL_64, reencoded);
        expect(await store.model()).toEqual(MODEL_64);
        expect(await store.changeCounter()).toBeGreaterThan(before);
        const listed = await store.listFaces(s.id, { withEmbeddings: true, withThumbnails: true });
        expect(listed.map((f) => f.id)).toEqual(faces.map((f) => f.id));
        listed.forEach((f, i) => {
          expect(f).toMatchObject({ model: MODEL_64.name, modelVersion: MODEL_64.version, imageSha256: faces[i]!.imageSha256 });
          expect(sameBits(f.embedding, reencoded[i]!.embedding)).toBe(true);
        });
        expect(listed[1]!.thumbnail).toBeDefined();
        const [hit] = await store.search(reencoded[2]!.embedding, 1);
        expect(hit!.faceId).toBe(faces[2]!.id);
        expect((await store.loadAll()).dimensions).toBe(64);
        // a store still declaring the old model is refused, and so is init with it
        await expect(old.addFaces(s.id, [face(r, 'i4')])).rejects.toMatchObject({ code: 'E_GALLERY_MODEL_MISMATCH' });
        await expect(old.search(unitVector(128, r), 1)).rejects.toMatchObject({ code: 'E_GALLERY_MODEL_MISMATCH' });
        await expect(old.init(MODEL)).rejects.toMatchObject({ code: 'E_GALLERY_MODEL_MISMATCH' });
        // the new model works for new faces
        expect(await store.addFaces(s.id, [face(r, 'i5', {}, 64)])).toHaveLength(1);
      });
    });

    describe('export and import', () => {
      it('round-trips a gallery through JSON lines, idempotently', async () => {
        const { store } = await gallery();
        const r = rng(11);
        for (let i = 0; i < 7; i++) {
          const s = await store.createSubject(`J${i % 3}`, { i, label: `subject ${i}` });
          await store.addFaces(s.id, Array.from({ length: i % 3 }, (_, j) => face(r, `j${i}-${j}`, j === 0 ? { thumbnail: png() } : {})));
        }
        await store.createSubject('No faces');
        const exported = await collect(store.export({ withThumbnails: true }));
        expect(exported[0]).toMatchObject({ type: 'gallery', format: 'likeness-gallery', version: 1, model: MODEL });
        expect(exported.slice(1).map((x) => (x as SubjectRecord).id)).toEqual([...exported.slice(1).map((x) => (x as SubjectRecord).id)].sort());
        const lines = exported.map((x) => JSON.stringify(x));

        const { store: copy } = await gallery(null);
        const result = await copy.import(lines);
        expect(result).toEqual({ subjects: 8, faces: 6, skippedFaces: 0 });
        expect(await copy.model()).toEqual(MODEL);
        const again = await collect(copy.export({ withThumbnails: true }));
        expect(again.slice(1)).toEqual(exported.slice(1));
        expect(await copy.listSubjects()).toEqual(await store.listSubjects());
        expect(await copy.stats()).toEqual(await store.stats());
        // the imported gallery searches like the original
        const all = await store.loadAll();
        await copy.init(MODEL);
        const q = all.matrix.slice(0, 128);
        expect((await copy.search(q, 3)).map((h) => h.faceId)).toEqual((await store.search(q, 3)).map((h) => h.faceId));
        // importing twice changes nothing
        const counter = await copy.changeCounter();
        expect(await copy.import(exported)).toEqual({ subjects: 0, faces: 0, skippedFaces: 6 });
        expect(await copy.changeCounter()).toBe(counter);
        // without thumbnails by default
        const light = await collect(store.export());
        expect(light.slice(1).every((x) => (x as SubjectRecord).faces.every((f) => f.thumbnail === undefined))).toBe(true);
      });

      it('refuses another model and malformed records as a whole, leaving the store unchanged', async () => {
        const { store: source } = await gallery();
        const r = rng(12);
        for (let i = 0; i < 3; i++) {
          const s = await source.createSubject(`K${i}`);
          await source.addFaces(s.id, [face(r, `k${i}`)]);
        }
        const records = await collect(source.export());
        const { store } = await gallery();
        const s = await store.createSubject('Existing');
        await store.addFaces(s.id, [face(r, 'x')]);

        const otherModel = records.map((x) => (x.type === 'gallery' ? { ...x, model: MODEL_V2 } : x));
        await expectUnchanged(store, () => store.import(otherModel), 'GalleryModelMismatchError');
        const broken = [...records.slice(0, 3), { ...(records[3] as SubjectRecord), faces: [{ ...(records[3] as SubjectRecord).faces[0]!, embedding: 'AAAA' }] }];
        const err = await expectUnchanged(store, () => store.import(broken), 'GalleryImportError', 'E_GALLERY_IMPORT');
        expect((err as LikenessError & { record: number }).record).toBe(4);
        await expectUnchanged(store, () => store.import([JSON.stringify(records[0]), JSON.stringify(records[1]), '{not json']), 'GalleryImportError');
        await expectUnchanged(store, () => store.import(records.slice(1)), 'GalleryImportError');
        await expectUnchanged(store, () => store.import([]), 'GalleryImportError');
        const wrongFaceModel = [records[0]!, { ...(records[1] as SubjectRecord), faces: [{ ...(records[1] as SubjectRecord).faces[0]!, modelVersion: '9' }] }];
        await expectUnchanged(store, () => store.import(wrongFaceModel), 'GalleryImportError');
        // an async source that fails midway: nothing of it stays
        async function* failing(): AsyncGenerator<GalleryRecord> {
          yield records[0]!;
          yield records[1]!;
          throw new Error('disk gone');
        }
        const before = await snapshot(store);
        await expect(store.import(failing())).rejects.toThrow('disk gone');
        expect(await snapshot(store)).toEqual(before);
        // and the store still works afterwards
        expect(await store.import(records)).toMatchObject({ subjects: 3, faces: 3 });
      });
    });

    describe('any encoding length', () => {
      // The stacks' lengths: MobileFaceNet 192, fusion 320 (192 + 128), faceplugin 512, and pgvector's HNSW limit.
      for (const dims of [192, 320, 512, 2000]) {
        it(`stores, searches, exports and imports ${dims}-d encodings`, async () => {
          const model: GalleryModel = { name: `enc${dims}`, version: '1', dimensions: dims };
          const { store } = await gallery(model);
          const r = rng(dims);
          const subjects = await Promise.all(Array.from({ length: 8 }, (_, i) => store.createSubject(`D${i}`)));
          for (const [i, s] of subjects.entries()) await store.addFaces(s.id, [face(r, `d${dims}-${i}a`, {}, dims), face(r, `d${dims}-${i}b`, {}, dims)]);
          const all = await store.loadAll();
          expect(all.dimensions).toBe(dims);
          expect(all.matrix).toHaveLength(16 * dims);
          for (let row = 0; row < 16; row += 5) {
            const [hit] = await store.search(all.matrix.slice(row * dims, (row + 1) * dims), 1);
            expect(hit!.faceId).toBe(all.faceIds[row]);
            expect(hit!.distance).toBeLessThan(1e-3);
          }
          const q = unitVector(dims, r);
          const truth = nearest(all.matrix, dims, q, 3);
          expect((await store.search(q, 3)).map((h) => h.faceId)).toEqual(truth.map((h) => all.faceIds[h.index]));
          await expect(store.search(unitVector(128, r), 1)).rejects.toMatchObject({ code: 'E_GALLERY_DIMENSIONS' });
          await expectUnchanged(store, () => store.addFaces(subjects[0]!.id, [face(r, 'short', {}, 128)]), 'GalleryDimensionError');
          // export → import keeps every bit of every encoding
          const exported = await collect(store.export());
          const { store: copy } = await gallery(null);
          expect(await copy.import(exported)).toMatchObject({ subjects: 8, faces: 16 });
          expect(await copy.model()).toEqual(model);
          const copied = await copy.loadAll();
          const byId = new Map(copied.faceIds.map((id, i) => [id, copied.matrix.subarray(i * dims, (i + 1) * dims)]));
          all.faceIds.forEach((id, i) => expect(sameBits(byId.get(id)!, all.matrix.subarray(i * dims, (i + 1) * dims))).toBe(true));
        });
      }

      it('reindexes a 128-d gallery to 320-d encodings and searches them', async () => {
        const { store } = await gallery(MODEL);
        const r = rng(320);
        const s = await store.createSubject('Wide');
        const faces = await store.addFaces(s.id, [face(r, 'w1'), face(r, 'w2'), face(r, 'w3')]);
        const wide: GalleryModel = { name: 'fusion', version: '1', dimensions: 320 };
        const reencoded = faces.map((f) => ({ faceId: f.id, embedding: unitVector(320, r) }));
        await store.replaceModel(wide, reencoded);
        expect(await store.model()).toEqual(wide);
        expect((await store.search(reencoded[1]!.embedding, 1))[0]!.faceId).toBe(faces[1]!.id);
        expect(await store.addFaces(s.id, [face(r, 'w4', {}, 320)])).toHaveLength(1);
      });
    });

    it('refuses calls after close', async () => {
      const { store } = await gallery();
      await store.close();
      await store.close();
      await expect(store.listSubjects()).rejects.toMatchObject({ code: 'E_GALLERY_CLOSED' });
      await expect(store.createSubject('x')).rejects.toMatchObject({ code: 'E_GALLERY_CLOSED' });
    });
  });
}
