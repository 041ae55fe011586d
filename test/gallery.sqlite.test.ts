/**
 * The SQLite gallery store: the shared conformance suite, then what only a file can show: erasure
 * read from the raw bytes, two processes enrolling at once, and a process killed mid-enrolment.
 */
import { fork } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openGallery } from '../src/gallery/open.js';
import { SqliteGalleryStore } from '../src/gallery/sqlite-store.js';
import { ROOT } from './helpers/data.js';
import { face, galleryConformance, MODEL, MODEL_64, png, rng, unitVector } from './gallery/conformance.js';

const dir = mkdtempSync(path.join(tmpdir(), 'likeness-gallery-'));
let n = 0;
const newFile = (): string => path.join(dir, `g${++n}`, 'gallery.sqlite');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

galleryConformance('SQLite gallery store', async () => ({
  exactSearch: true,
  fresh: async () => {
    const file = newFile();
    return { open: () => openGallery(file) };
  },
}));

/** The bytes of the gallery file and its -wal/-shm companions. */
function rawBytes(file: string): Buffer {
  return Buffer.concat([file, `${file}-wal`, `${file}-shm`].filter((f) => existsSync(f)).map((f) => readFileSync(f)));
}
const bytesOf = (e: Float32Array): Buffer => Buffer.from(e.buffer, e.byteOffset, e.byteLength);

describe('SQLite gallery file', () => {
  it('opens through openGallery as SQLite with WAL, FULL sync, foreign keys and secure_delete', async () => {
    const file = newFile();
    const store = await openGallery(file);
    expect(store.kind).toBe('sqlite');
    expect(store).toBeInstanceOf(SqliteGalleryStore);
    await store.close();
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(file, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('refuses a file that is not a gallery with a typed error', async () => {
    const file = path.join(dir, 'not-a-db.sqlite');
    (await import('node:fs')).writeFileSync(file, 'hello, this is not a database'.repeat(100));
    await expect(openGallery(file)).rejects.toMatchObject({ code: 'E_GALLERY_OPEN', isInputError: true });
  });

  it('refuses to turn another SQLite database into a gallery', async () => {
    const file = path.join(dir, 'other.sqlite');
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(file);
    db.exec('CREATE TABLE encodings (content TEXT)');
    db.close();
    await expect(openGallery(file)).rejects.toMatchObject({ code: 'E_GALLERY_OPEN', message: expect.stringContaining('not a likeness gallery') });
    const again = new Database(file, { readonly: true });
    expect(again.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").pluck().all()).toEqual(['encodings']);
    again.close();
  });

  it('loads encodings through the packed path, identical to reading them row by row', async () => {
    const file = newFile();
    const store = SqliteGalleryStore.open(file);
    await store.init(MODEL);
    const r = rng(102);
    for (let i = 0; i < 30; i++) {
      const s = await store.createSubject(`L${i}`);
      await store.addFaces(s.id, Array.from({ length: 1 + (i % 4) }, (_, j) => face(r, `l${i}-${j}`)));
    }
    await store.deleteFace((await store.loadAll()).faceIds[3]!); // a gap in the rowids
    type Loaded = { faceIds: string[]; subjectIds: string[]; matrix: Float32Array; dimensions: number; changeCounter: number };
    const internals = store as unknown as { loadPacked(o: Loaded, n: number): boolean; loadRows(o: Loaded, n: number): void };
    const n = (await store.stats()).faces;
    const empty = (): Loaded => ({ faceIds: new Array<string>(n), subjectIds: new Array<string>(n), matrix: new Float32Array(n * 128), dimensions: 128, changeCounter: 0 });
    const packed = empty();
    expect(internals.loadPacked(packed, n)).toBe(true);
    const rows = empty();
    internals.loadRows(rows, n);
    expect(packed).toEqual(rows);
    await store.close();
  });

  it('erases a deleted subject\'s encodings, thumbnails and name from the raw file bytes', async () => {
    const file = newFile();
    const store = await openGallery(file);
    await store.init(MODEL);
    const r = rng(100);
    // neighbours on the same pages
    for (let i = 0; i < 20; i++) {
      const s = await store.createSubject(`neighbour-${i}`);
      await store.addFaces(s.id, [face(r, `n${i}`, { thumbnail: png() })]);
    }
    const secret = await store.createSubject('Secret Person Qx7');
    const thumbnail = png(Buffer.from('THUMBNAIL-PAYLOAD-'.repeat(8)));
    const enrolled = await store.addFaces(secret.id, [face(r, 'secret-1', { thumbnail }), face(r, 'secret-2')]);
    for (let i = 20; i < 40; i++) {
      const s = await store.createSubject(`neighbour-${i}`);
      await store.addFaces(s.id, [face(r, `n${i}`)]);
    }
    const needles = [...enrolled.map((f) => bytesOf(f.embedding)), Buffer.from(thumbnail), Buffer.from('Secret Person Qx7')];
    // present before the deletion (so this test can fail)
    const before = rawBytes(file);
    for (const needle of needles) expect(before.includes(needle)).toBe(true);

    expect(await store.deleteSubject(secret.id)).toBe(true);
    // erased while the store is still open…
    const during = rawBytes(file);
    for (const needle of needles) expect(during.includes(needle), `found ${needle.subarray(0, 16).toString('hex')}… while open`).toBe(false);
    await store.close();
    // …and after closing
    const after = rawBytes(file);
    for (const needle of needles) expect(after.includes(needle)).toBe(false);
    // the neighbours are intact
    const again = await openGallery(file);
    expect((await again.stats()).faces).toBe(40);
    await again.close();
  });

  it('erases a single deleted face, and the old encodings after a reindex', async () => {
    const file = newFile();
    const store = await openGallery(file);
    await store.init(MODEL);
    const r = rng(101);
    const s = await store.createSubject('Reindexed');
    const faces = await store.addFaces(s.id, [face(r, 'a'), face(r, 'b'), face(r, 'c')]);
    expect(rawBytes(file).includes(bytesOf(faces[0]!.embedding))).toBe(true);
    await store.deleteFace(faces[0]!.id);
    expect(rawBytes(file).includes(bytesOf(faces[0]!.embedding))).toBe(false);
    expect(rawBytes(file).includes(bytesOf(faces[1]!.embedding))).toBe(true);
    await store.replaceModel(MODEL_64, faces.slice(1).map((f) => ({ faceId: f.id, embedding: unitVector(64, r) })));
    const raw = rawBytes(file);
    for (const f of faces) expect(raw.includes(bytesOf(f.embedding))).toBe(false);
    await store.close();
  });
});

// --- several processes ---------------------------------------------------------------------------

const CHILD = path.join(ROOT, 'test', 'helpers', 'gallery-enrol-child.ts');

interface ChildRun {
  committed: string[];
  skipped: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

interface Child {
  /** Resolves when the child has opened the store (with `waitForGo`). */
  ready: Promise<void>;
  go(): void;
  done: Promise<ChildRun>;
}

/** Starts the enrolment child; after `killAfter` commits it is killed with SIGKILL. */
function startChild(args: string[], options: { killAfter?: number; waitForGo?: boolean } = {}): Child {
  const env = { ...process.env, ...(options.waitForGo ? { LIKENESS_WAIT_FOR_GO: '1' } : {}) };
  const child = fork(CHILD, args, { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'pipe', 'pipe', 'ipc'], env });
  const ready = new Promise<void>((resolve) => child.once('message', () => resolve()));
  const done = new Promise<ChildRun>((resolve, reject) => {
    const out: ChildRun = { committed: [], skipped: 0, code: null, signal: null, stderr: '' };
    let buffer = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      buffer += chunk;
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (line.startsWith('committed ')) out.committed.push(line.slice(10));
        else if (line.startsWith('skipped ')) out.skipped++;
        if (options.killAfter !== undefined && out.committed.length === options.killAfter) child.kill('SIGKILL');
      }
    });
    child.stderr!.setEncoding('utf8').on('data', (c: string) => (out.stderr += c));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      out.code = code;
      out.signal = signal;
      resolve(out);
    });
  });
  return { ready, go: () => child.send('go'), done };
}

const runChild = (args: string[], killAfter?: number): Promise<ChildRun> => startChild(args, { killAfter }).done;

describe('SQLite gallery shared by processes', () => {
  it('loses nothing when two processes enrol 200 faces each into one file at once', async () => {
    // Each attempt must lose nothing; the test also needs the two processes' commits to interleave
    // (else it proved nothing about concurrency): on a busy machine one child may finish before
    // the other starts, so up to three attempts are made for that.
    let switches = 0;
    for (let attempt = 0; attempt < 3 && switches < 2; attempt++) {
      const file = newFile();
      const store = await openGallery(file);
      await store.init(MODEL);
      await store.close();
      const children = [startChild([file, 'A', '0', '200'], { waitForGo: true }), startChild([file, 'B', '0', '200'], { waitForGo: true })];
      await Promise.all(children.map((c) => c.ready));
      for (const c of children) c.go();
      const [a, b] = await Promise.all(children.map((c) => c.done));
      if (!a || !b) throw new Error('unreachable');
      for (const run of [a, b]) {
        expect(run.stderr).toBe('');
        expect(run.code).toBe(0);
        expect(run.committed).toHaveLength(200);
      }
      const check = await openGallery(file);
      const all = await check.loadAll();
      expect(all.faceIds).toHaveLength(400);
      expect(new Set(all.faceIds)).toEqual(new Set([...a.committed, ...b.committed]));
      expect((await check.stats()).subjects).toBe(20);
      const fromA = new Set(a.committed);
      const owners = all.faceIds.map((id) => fromA.has(id));
      switches = owners.filter((o, i) => i > 0 && o !== owners[i - 1]).length;
      await check.close();
    }
    // the two really wrote at the same time: their commits interleave
    expect(switches).toBeGreaterThanOrEqual(2);
  }, 60_000);

  it('keeps every face a killed process reported as committed, and the rerun resumes without duplicates', async () => {
    const file = newFile();
    const total = 5000;
    const killed = await runChild([file, 'K', '0', String(total)], 60);
    expect(killed.signal).toBe('SIGKILL');
    expect(killed.committed.length).toBeGreaterThanOrEqual(60);
    expect(killed.committed.length).toBeLessThan(total);

    const check = await openGallery(file);
    const ids = new Set((await check.loadAll()).faceIds);
    for (const id of killed.committed) expect(ids.has(id), `face ${id} reported committed`).toBe(true);
    const done = ids.size; // may include one committed just before the kill, not yet printed
    await check.close();

    // The rerun over the same images (the first `upto`) skips those already enrolled.
    const upto = done + 25;
    const rerun = await runChild([file, 'K', '0', String(upto)]);
    expect(rerun.code).toBe(0);
    expect(rerun.skipped).toBe(done);
    expect(rerun.committed).toHaveLength(25);
    const final = await openGallery(file);
    await final.init(MODEL);
    expect((await final.stats()).faces).toBe(upto);
    // one face per image: no image was enrolled twice
    let faces = 0;
    const images = new Set<string>();
    for (const s of await final.listSubjects()) {
      for (const f of await final.listFaces(s.id)) {
        faces++;
        images.add(`${s.name}/${f.imageSha256}`);
      }
    }
    expect(images.size).toBe(faces);
    await final.close();
  }, 60_000);
});
