/**
 * `likeness cluster` and `likeness people` on a PostgreSQL + pgvector gallery (the server
 * scripts/postgres/start-test-server.sh starts; skipped, with the reason, where it cannot be), through
 * the built CLI on the demo people's real photos: the library's tables are in the gallery's schema,
 * one cluster per person, incremental addition, naming then identify, merge / split / "not this
 * person" persisting across processes, and a re-cluster keeping the named person and the rejection.
 */
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { demoPeople } from './helpers/demo-people.js';
import { testPostgres } from './helpers/postgres.js';

const server = await testPostgres();
const demo = await demoPeople();
const schema = `lib${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
const db = server.url ? `${server.url}${server.url.includes('?') ? '&' : '?'}schema=${schema}` : '';
interface Face { id: number; path: string; box: { x: number; y: number; width: number; height: number } }
interface Out { clusters: { id: number; name: string | null; size: number; faces: Face[] }[]; unclustered: Face[] }
let dir: string;
const cli = async (...args: string[]) => runCli([...args, '--db', db]);
const json = async (...args: string[]): Promise<Out> => {
  const r = await cli(...args, '--json');
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Out;
};
const personOf = (file: string) => path.basename(file).replace(/-(db|camera|new)\.jpg$/, '');
const clusterOf = (out: Out, person: string) => out.clusters.find((c) => c.faces.some((f) => personOf(f.path) === person));

async function sql<R extends pg.QueryResultRow>(text: string, params: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: server.url });
  await client.connect();
  try {
    return (await client.query<R>(text, params)).rows;
  } finally {
    await client.end();
  }
}

describe.skipIf(!server.url)(`likeness cluster on a PostgreSQL gallery${server.skip ? ` (${server.skip})` : ''}`, () => {
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'likeness-cluster-pg-'));
    await mkdir(path.join(dir, 'photos'));
    await mkdir(path.join(dir, 'more'));
    for (const p of demo.people) {
      await copyFile(demo.db(p), path.join(dir, 'photos', `${p}-db.jpg`));
      await copyFile(demo.camera(p), path.join(dir, 'photos', `${p}-camera.jpg`));
    }
  });
  afterAll(async () => {
    if (server.url) await sql(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  });

  it('finds each of the ten people as one cluster, with the library in the gallery\'s schema', async () => {
    const out = await json('cluster', path.join(dir, 'photos'));
    expect(out.clusters).toHaveLength(10);
    for (const c of out.clusters) {
      expect(c.size).toBe(2);
      expect(new Set(c.faces.map((f) => personOf(f.path))).size).toBe(1);
    }
    expect(new Set(out.clusters.map((c) => personOf(c.faces[0]!.path)))).toEqual(new Set(demo.people));
    const tables = (await sql<{ tablename: string }>('SELECT tablename FROM pg_tables WHERE schemaname = $1', [schema])).map((r) => r.tablename);
    expect(tables).toEqual(expect.arrayContaining(['faces', 'subjects', 'library_meta', 'library_photos', 'library_faces', 'library_people', 'library_rejections']));
    expect(Number((await sql<{ n: string }>(`SELECT COUNT(*) AS n FROM "${schema}".library_faces`))[0]!.n)).toBe(20);
    // people list in another process reads the same people
    expect((await json('people', 'list')).clusters.map((c) => c.id).sort()).toEqual(out.clusters.map((c) => c.id).sort());
  });

  it('adds a new photo to the right person without re-clustering, and a second run adds nothing', async () => {
    const before = await json('people', 'list');
    const person = demo.people[2]!;
    await copyFile(path.join(demo.trainDir, person, '2.jpg'), path.join(dir, 'more', `${person}-new.jpg`));
    const out = await json('cluster', path.join(dir, 'more'));
    const c = clusterOf(out, person)!;
    expect(c.id).toBe(clusterOf(before, person)!.id);
    expect(c.size).toBe(3);
    expect(out.clusters.map((x) => x.id).sort()).toEqual(before.clusters.map((x) => x.id).sort());
    expect((await cli('cluster', path.join(dir, 'more'))).stderr).toMatch(/0 new photos/);
  });

  it('naming a person makes identify recognise them from the PostgreSQL gallery', async () => {
    const person = demo.people[0]!;
    const c = clusterOf(await json('people', 'list'), person)!;
    const r = await cli('people', 'name', String(c.id), 'Alice');
    expect(r.code, r.stderr).toBe(0);
    const subjects = await sql<{ name: string; faces: string }>(`SELECT s.name, COUNT(f.id) AS faces FROM "${schema}".subjects s LEFT JOIN "${schema}".faces f ON f.subject_id = s.id GROUP BY s.id`);
    expect(subjects).toEqual([{ name: 'Alice', faces: String(c.size) }]);
    const id = await cli('identify', '--json', path.join(demo.trainDir, person, '4.jpg'));
    expect(id.code, id.stderr).toBe(0);
    expect((JSON.parse(id.stdout) as { faces: { match: { name: string } | null }[] }[])[0]!.faces[0]!.match?.name).toBe('Alice');
    const other = await cli('identify', '--json', demo.camera(demo.people[5]!));
    expect((JSON.parse(other.stdout) as { faces: { match: { name: string } | null }[] }[])[0]!.faces[0]!.match).toBeNull();
  });

  it('merge, split and "not this person" persist, and a re-cluster keeps the named person and the rejection', async () => {
    let out = await json('people', 'list');
    const a = clusterOf(out, demo.people[3]!)!;
    const b = clusterOf(out, demo.people[4]!)!;
    expect((await cli('people', 'merge', String(a.id), String(b.id))).code).toBe(0);
    out = await json('people', 'list');
    expect(out.clusters.find((c) => c.id === a.id)!.size).toBe(4);
    expect(out.clusters.some((c) => c.id === b.id)).toBe(false);
    const split = await cli('people', 'split', String(a.id), ...b.faces.map((f) => String(f.id)), '--json');
    expect(split.code, split.stderr).toBe(0);
    const newId = (JSON.parse(split.stdout) as { person: number }).person;
    out = await json('people', 'list');
    expect(out.clusters.find((c) => c.id === newId)!.faces.map((f) => f.id).sort()).toEqual(b.faces.map((f) => f.id).sort());
    expect(out.clusters.find((c) => c.id === a.id)!.size).toBe(2);
    const named = out.clusters.find((c) => c.name === 'Alice')!;
    const face = named.faces[0]!;
    expect((await cli('people', 'reject', String(named.id), String(face.id))).code).toBe(0);
    expect(await sql(`SELECT face, person FROM "${schema}".library_rejections`)).toEqual([{ face: face.id, person: named.id }]);
    // the named person's gallery subject follows: one face fewer
    expect((await sql<{ n: string }>(`SELECT COUNT(*) AS n FROM "${schema}".faces`))[0]!.n).toBe(String(named.size - 1));
    out = await json('cluster', path.join(dir, 'photos'), '--recluster');
    const alice = out.clusters.find((c) => c.name === 'Alice')!;
    expect(alice.id).toBe(named.id);
    expect(alice.faces.map((f) => f.id)).not.toContain(face.id);
  });

  it('refuses bad ids as on SQLite', async () => {
    const r = await cli('people', 'name', '999', 'Nobody', '--json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).error.code).toBe('E_UNKNOWN_PERSON');
  });
});
