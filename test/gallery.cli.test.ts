/**
 * The seed exercise through the gallery CLI on the demo-photo people (test/helpers/demo-people.ts):
 * enrol one photo each, identify, unknown, erase.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openGallery } from '../src/gallery/open.js';
import { FACEAPI_DEMO } from './helpers/data.js';
import { runCli } from './helpers/cli.js';
import { demoPeople } from './helpers/demo-people.js';

const cli = (...args: string[]) => runCli(args);

const demo = await demoPeople();
const PEOPLE = demo.people; // in alphabetical order, as `subjects list` prints them
const dbPhoto = demo.db;
// the seed exercise's roles
const [benoit, bertrand, kian, tian, younes] = PEOPLE as [string, string, string, string, string];
let db: string;

beforeAll(async () => {
  db = path.join(await mkdtemp(path.join(os.tmpdir(), 'likeness-gallery-cli-')), 'seed.sqlite');
});

interface IdOut {
  file: string;
  faces: { match: { name: string; subject: string; distance: number } | null; candidates: { name: string; distance: number; adjustedDistance?: number }[] }[];
}
const identify = async (...files: string[]): Promise<IdOut[]> => {
  const r = await cli('identify', '--db', db, '--json', ...files);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as IdOut[];
};

describe('gallery CLI, the seed exercise', () => {
  it('enrols the ten <name>_db photos, one photo each', async () => {
    for (const p of PEOPLE) {
      const r = await cli('enroll', '--db', db, '--name', p, dbPhoto(p));
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`enrolled ${p} .* with 1 face`));
    }
    const list = JSON.parse((await cli('subjects', 'list', '--db', db, '--json')).stdout) as { name: string; faceCount: number }[];
    expect(list.map((s) => s.name)).toEqual(PEOPLE);
  });

  it('identifies each camera photo as its person; a stranger → unknown', async () => {
    const out = await identify(demo.camera(younes), demo.camera(bertrand), demo.camera(benoit), demo.stranger);
    expect(out.map((o) => o.faces[0]!.match?.name ?? 'unknown')).toEqual([younes, bertrand, benoit, 'unknown']);
    expect(out[3]!.faces[0]!.candidates.length).toBe(5);
    expect(out[3]!.faces[0]!.candidates[0]!.distance).toBeGreaterThan(0.31);
    // Decided on hubness-corrected distances by default, never shorter than the raw ones; --no-hubness: raw only.
    for (const c of out.flatMap((o) => o.faces[0]!.candidates)) expect(c.adjustedDistance).toBeGreaterThanOrEqual(c.distance);
    const raw = await cli('identify', '--db', db, '--json', '--no-hubness', demo.camera(younes));
    const rawOut = JSON.parse(raw.stdout) as IdOut[];
    expect(rawOut[0]!.faces[0]!.match?.name).toBe(younes);
    expect(rawOut[0]!.faces[0]!.candidates.every((c) => c.adjustedDistance === undefined)).toBe(true);
  });

  it('--index hnsw gives the same answers, from an HNSW index saved beside the gallery; PostgreSQL refuses it', async () => {
    const files = [demo.camera(younes), demo.camera(bertrand), demo.stranger];
    const r = await cli('identify', '--db', db, '--index', 'hnsw', '--json', ...files);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(await identify(...files));
    expect(existsSync(`${db}.usearch.json`)).toBe(true);
    const pg = await cli('identify', '--db', 'postgres://127.0.0.1:1/none', '--index', 'hnsw', files[0]!);
    expect(pg.code).toBe(2);
    expect(pg.stderr).toMatch(/--index hnsw is for SQLite galleries/);
  });

  it('refuses a photo with several faces or none, and leaves the gallery unchanged', async () => {
    const before = JSON.parse((await cli('gallery', 'stats', '--db', db)).stdout) as { subjects: number; faces: number };
    const two = await cli('enroll', '--db', db, '--name', 'group', demo.two);
    expect(two.code).toBe(1);
    expect(two.stderr).toMatch(/[2-9] faces detected; an enrolment photo must show exactly one face/);
    const mixed = await cli('enroll', '--db', db, '--name', 'mixed', dbPhoto(kian), path.join(FACEAPI_DEMO, 'sample1.jpg'));
    expect(mixed.code).toBe(1);
    const after = JSON.parse((await cli('gallery', 'stats', '--db', db)).stdout) as { subjects: number; faces: number };
    expect(after).toMatchObject({ subjects: before.subjects, faces: before.faces });
    expect((await cli('enroll', '--db', db)).code).toBe(2);
    expect((await cli('subjects', 'remove', 'no-such-id', '--db', db)).code).toBe(1);
  });

  it('removing a subject erases them: their photo now answers unknown or someone else', async () => {
    const list = JSON.parse((await cli('subjects', 'list', '--db', db, '--json')).stdout) as { id: string; name: string }[];
    const removed = list.find((s) => s.name === younes)!;
    expect((await cli('subjects', 'remove', removed.id, '--db', db)).code).toBe(0);
    const [o] = await identify(demo.camera(younes));
    expect(o!.faces[0]!.match?.name ?? 'unknown').not.toBe(younes);
    expect(o!.faces[0]!.candidates.map((c) => c.name)).not.toContain(younes);
  });

  it('export → import into a new gallery gives the same people; faces remove erases one face', async () => {
    const file = path.join(path.dirname(db), 'export.jsonl');
    expect((await cli('gallery', 'export', '--db', db, '--out', file)).code).toBe(0);
    const copy = path.join(path.dirname(db), 'copy.sqlite');
    const imp = await cli('gallery', 'import', file, '--db', copy);
    expect(imp.code, imp.stderr).toBe(0);
    const a = JSON.parse((await cli('subjects', 'list', '--db', db, '--json')).stdout) as { id: string; name: string; faceCount: number }[];
    const b = JSON.parse((await cli('subjects', 'list', '--db', copy, '--json')).stdout) as { id: string; name: string; faceCount: number }[];
    expect(b).toEqual(a);
    const again = await cli('gallery', 'import', file, '--db', copy);
    expect(again.stdout).toMatch(/imported 0 subjects and 0 faces/);
    const kianSubject = b.find((s) => s.name === kian)!;
    const shown = JSON.parse((await cli('subjects', 'show', kianSubject.id, '--db', copy)).stdout) as { faces: { id: string }[] };
    expect((await cli('faces', 'remove', shown.faces[0]!.id, '--db', copy)).code).toBe(0);
    const after = JSON.parse((await cli('subjects', 'list', '--db', copy, '--json')).stdout) as { name: string; faceCount: number }[];
    expect(after.find((s) => s.name === kian)!.faceCount).toBe(0);
    expect((await cli('faces', 'remove', shown.faces[0]!.id, '--db', copy)).code).toBe(1);
  });

  it('a gallery made with another model is refused until reindexed from the original photos', async () => {
    const old = path.join(path.dirname(db), 'old-model.sqlite');
    const store = await openGallery(old);
    await store.init({ name: 'old-model', version: '0', dimensions: 128 });
    for (const p of [younes, bertrand, benoit]) {
      const s = await store.createSubject(p);
      const e = new Float32Array(128).map(() => Math.random() - 0.5);
      const n = Math.hypot(...e);
      await store.addFaces(s.id, [{ embedding: e.map((v) => v / n), score: 0.9, imageSha256: createHash('sha256').update(await readFile(dbPhoto(p))).digest('hex') }]);
    }
    await store.close();
    const refused = await cli('identify', '--db', old, demo.camera(younes));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/reindex/);
    // commands that make no encodings work on it as it is (they load no model)
    const listed = await cli('subjects', 'list', '--db', old, '--json');
    expect(listed.code, listed.stderr).toBe(0);
    expect((JSON.parse(listed.stdout) as { name: string }[]).map((x) => x.name)).toEqual([benoit, bertrand, younes]);
    expect(JSON.parse((await cli('gallery', 'stats', '--db', old)).stdout)).toMatchObject({ model: { name: 'old-model' }, subjects: 3 });
    const missing = await cli('gallery', 'reindex', '--db', old, '--from', FACEAPI_DEMO); // other photos only
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no photo .* for 3 face/);
    const ok = await cli('gallery', 'reindex', '--db', old, '--from', demo.peopleDir);
    expect(ok.code, ok.stderr).toBe(0);
    const r = JSON.parse((await cli('identify', '--db', old, '--json', demo.camera(younes))).stdout) as IdOut[];
    expect(r[0]!.faces[0]!.match?.name).toBe(younes);
  });

  it('keeps a thumbnail only when asked (--thumbnails)', async () => {
    const t = path.join(path.dirname(db), 'thumbs.sqlite');
    expect((await cli('enroll', '--db', t, '--name', kian, dbPhoto(kian))).code).toBe(0);
    expect((await cli('enroll', '--db', t, '--name', tian, '--thumbnails', dbPhoto(tian))).code).toBe(0);
    expect(JSON.parse((await cli('gallery', 'stats', '--db', t)).stdout)).toMatchObject({ faces: 2, withThumbnails: 1 });
  });

  it('bulk enrolment from <name>/<photos> resumes: a second run enrols nothing twice', async () => {
    const bulk = path.join(path.dirname(db), 'bulk.sqlite');
    const first = JSON.parse((await cli('enroll', '--db', bulk, '--from', demo.peopleDir, '--json')).stdout);
    // two photos (db and camera) of each person
    expect(first).toMatchObject({ enrolled: 2 * PEOPLE.length, alreadyEnrolled: 0 });
    const second = JSON.parse((await cli('enroll', '--db', bulk, '--from', demo.peopleDir, '--json')).stdout);
    expect(second).toMatchObject({ enrolled: 0, alreadyEnrolled: 2 * PEOPLE.length });
    const stats = JSON.parse((await cli('gallery', 'stats', '--db', bulk)).stdout);
    expect(stats).toMatchObject({ subjects: PEOPLE.length, faces: 2 * PEOPLE.length });
  });
});
