/**
 * `likeness cluster` and `likeness people` on a small library of real photos (the demo people of
 * test/helpers/demo-people.ts: a db and a camera photo of each of ten people), through the built CLI:
 * one cluster per person, bad input reported, incremental addition, naming then identify, merge /
 * split / "not this person" persisting, and two faces of one photo never in one person.
 */
import { copyFile, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { demoPeople } from './helpers/demo-people.js';

const demo = await demoPeople();
interface Face { id: number; path: string; box: { x: number; y: number; width: number; height: number } }
interface Out { clusters: { id: number; name: string | null; size: number; faces: Face[] }[]; unclustered: Face[]; problems?: { path: string; code: string }[] }
let dir: string;
let db: string;
const cli = async (...args: string[]) => runCli(args);
const json = async (...args: string[]): Promise<Out> => {
  const r = await cli(...args, '--db', db, '--json');
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Out;
};
/** The person a photo of the library shows, from its file name (`<person>-db.jpg`, `<person>-new.jpg`…). */
const personOf = (file: string) => path.basename(file).replace(/-(db|camera|new)\.jpg$/, '');
const clusterOf = (out: Out, person: string) => out.clusters.find((c) => c.faces.some((f) => personOf(f.path) === person));

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'likeness-cluster-'));
  db = path.join(dir, 'library.sqlite');
  await mkdir(path.join(dir, 'photos'));
  await mkdir(path.join(dir, 'empty'));
  await mkdir(path.join(dir, 'more'));
  for (const p of demo.people) {
    await copyFile(demo.db(p), path.join(dir, 'photos', `${p}-db.jpg`));
    await copyFile(demo.camera(p), path.join(dir, 'photos', `${p}-camera.jpg`));
  }
  await copyFile(demo.blank, path.join(dir, 'photos', 'blank.png'));
  await writeFile(path.join(dir, 'photos', 'broken.jpg'), 'not a photo at all');
});

describe('likeness cluster', () => {
  it('finds each of the ten people as one cluster of their two photos; bad input is reported, not fatal', async () => {
    const r = await cli('cluster', path.join(dir, 'photos'), path.join(dir, 'empty'), path.join(dir, 'missing'), '--db', db, '--json');
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as Out;
    expect(out.clusters).toHaveLength(10);
    for (const c of out.clusters) {
      expect(c.size).toBe(2);
      expect(new Set(c.faces.map((f) => personOf(f.path))).size).toBe(1);
    }
    expect(new Set(out.clusters.map((c) => personOf(c.faces[0]!.path)))).toEqual(new Set(demo.people));
    const codes = Object.fromEntries(out.problems!.map((p) => [path.basename(p.path), p.code]));
    expect(codes).toMatchObject({ 'blank.png': 'E_NO_FACE', 'broken.jpg': 'E_IMAGE_DECODE', empty: 'E_EMPTY_FOLDER', missing: 'E_NOT_FOUND' });
    expect(r.stderr).toMatch(/broken\.jpg/);
  });

  it('adds a new photo to the right person without re-clustering, and a second run adds nothing', async () => {
    const before = await json('people', 'list');
    const person = demo.people[2]!;
    await copyFile(path.join(demo.trainDir, person, '2.jpg'), path.join(dir, 'more', `${person}-new.jpg`));
    const r = await cli('cluster', path.join(dir, 'more'), '--db', db, '--json');
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as Out;
    const c = clusterOf(out, person)!;
    expect(c.id).toBe(clusterOf(before, person)!.id);
    expect(c.faces.map((f) => path.basename(f.path)).sort()).toEqual([`${person}-camera.jpg`, `${person}-db.jpg`, `${person}-new.jpg`]);
    expect(out.clusters.map((x) => x.id).sort()).toEqual(before.clusters.map((x) => x.id).sort());
    const again = await cli('cluster', path.join(dir, 'more'), '--db', db);
    expect(again.stderr).toMatch(/0 new photos/);
  });

  it('naming a person makes identify recognise them', async () => {
    const person = demo.people[0]!;
    const c = clusterOf(await json('people', 'list'), person)!;
    const r = await cli('people', 'name', String(c.id), 'Alice', '--db', db);
    expect(r.code, r.stderr).toBe(0);
    const id = await cli('identify', '--db', db, '--json', path.join(demo.trainDir, person, '4.jpg'));
    expect(id.code, id.stderr).toBe(0);
    const faces = (JSON.parse(id.stdout) as { faces: { match: { name: string } | null }[] }[])[0]!.faces;
    expect(faces[0]!.match?.name).toBe('Alice');
    const other = await cli('identify', '--db', db, '--json', demo.camera(demo.people[5]!));
    expect((JSON.parse(other.stdout) as { faces: { match: { name: string } | null }[] }[])[0]!.faces[0]!.match).toBeNull();
  });

  it('merge, split and "not this person" persist, and a re-cluster keeps the named person and the rejection', async () => {
    let out = await json('people', 'list');
    const a = clusterOf(out, demo.people[3]!)!;
    const b = clusterOf(out, demo.people[4]!)!;
    expect((await cli('people', 'merge', String(a.id), String(b.id), '--db', db)).code).toBe(0);
    out = await json('people', 'list');
    expect(out.clusters.find((c) => c.id === a.id)!.size).toBe(4);
    expect(out.clusters.some((c) => c.id === b.id)).toBe(false);
    // split the merged person's faces of demo.people[4] back out
    const moved = b.faces.map((f) => String(f.id));
    const split = await cli('people', 'split', String(a.id), ...moved, '--db', db, '--json');
    expect(split.code, split.stderr).toBe(0);
    const newId = (JSON.parse(split.stdout) as { person: number }).person;
    out = await json('people', 'list');
    expect(out.clusters.find((c) => c.id === newId)!.faces.map((f) => f.id).sort()).toEqual(b.faces.map((f) => f.id).sort());
    // "not this person" on the named person: the face leaves and a re-cluster does not put it back
    const named = out.clusters.find((c) => c.name === 'Alice')!;
    const face = named.faces[0]!;
    expect((await cli('people', 'reject', String(named.id), String(face.id), '--db', db)).code).toBe(0);
    const re = await cli('cluster', path.join(dir, 'photos'), '--recluster', '--db', db, '--json');
    expect(re.code, re.stderr).toBe(0);
    out = JSON.parse(re.stdout) as Out;
    const alice = out.clusters.find((c) => c.name === 'Alice')!;
    expect(alice.id).toBe(named.id);
    expect(alice.faces.map((f) => f.id)).not.toContain(face.id);
  });

  it('never puts two faces of one photo in one person, even the same face twice', async () => {
    const person = demo.people[6]!;
    const img = sharp(demo.db(person));
    const { width, height } = await img.metadata();
    const twice = await sharp({ create: { width: width! * 2, height: height!, channels: 3, background: '#808080' } })
      .composite([{ input: demo.db(person), left: 0, top: 0 }, { input: demo.db(person), left: width!, top: 0 }])
      .jpeg()
      .toBuffer();
    await mkdir(path.join(dir, 'twice'));
    await writeFile(path.join(dir, 'twice', `${person}-new.jpg`), twice);
    await copyFile(demo.group, path.join(dir, 'twice', 'group.jpg'));
    const out = await json('cluster', path.join(dir, 'twice'));
    for (const c of out.clusters) expect(new Set(c.faces.map((f) => f.path)).size).toBe(c.faces.length);
    const both = [...out.clusters.flatMap((c) => c.faces), ...out.unclustered].filter((f) => path.basename(f.path) === `${person}-new.jpg`);
    expect(both).toHaveLength(2);
    expect(clusterOf(out, person)!.faces.filter((f) => path.basename(f.path) === `${person}-new.jpg`)).toHaveLength(1);
  });

  it('refuses bad ids with one line on stderr and exit 1', async () => {
    const r = await cli('people', 'name', '999', 'Nobody', '--db', db, '--json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).error.code).toBe('E_UNKNOWN_PERSON');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    // a PostgreSQL gallery holds a library too (test/cluster.postgres.test.ts); one it cannot reach is the gallery's error
    const pg = await cli('cluster', path.join(dir, 'photos'), '--db', 'postgres://nobody@127.0.0.1:1/none', '--json');
    expect(pg.code).toBe(1);
    expect(JSON.parse(pg.stdout).error.code).toBe('E_GALLERY_OPEN');
  });
});
