/** The seed exercise through the gallery CLI: enrol one photo each, identify, unknown, erase. */
import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { dataPath, FACEAPI_DEMO, hasData, ROOT, skipMessage } from './helpers/data.js';

const run = promisify(execFile);
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [path.join(ROOT, 'bin', 'likeness.js'), ...args], { cwd: ROOT, maxBuffer: 64 << 20 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

const PEOPLE = ['andrew', 'arnaud', 'benoit', 'bertrand', 'dan', 'danielle', 'felix', 'kevin', 'kian', 'sebastiano', 'tian', 'younes'];
const seed = (id: string, f: string) => dataPath('seed-assignment', 'images', id, f);
const dbPhoto = (p: string) => seed(p, p === 'danielle' ? 'danielle_db.png' : `${p}_db.jpg`);
const ready = hasData('seed-assignment') && hasData('press-photos');
let db: string;

beforeAll(async () => {
  db = path.join(await mkdtemp(path.join(os.tmpdir(), 'likeness-gallery-cli-')), 'seed.sqlite');
});

interface IdOut {
  file: string;
  faces: { match: { name: string; subject: string; distance: number } | null; candidates: { name: string; distance: number }[] }[];
}
const identify = async (...files: string[]): Promise<IdOut[]> => {
  const r = await cli('identify', '--db', db, '--json', ...files);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as IdOut[];
};

describe.skipIf(!ready)(`gallery CLI, the seed exercise${ready ? '' : ` (${skipMessage('seed-assignment')})`}`, () => {
  it('enrols the twelve <name>_db photos, one photo each', async () => {
    for (const p of PEOPLE) {
      const r = await cli('enroll', '--db', db, '--name', p, dbPhoto(p));
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`enrolled ${p} .* with 1 face`));
    }
    const list = JSON.parse((await cli('subjects', 'list', '--db', db, '--json')).stdout) as { name: string; faceCount: number }[];
    expect(list.map((s) => s.name)).toEqual(PEOPLE);
  });

  it('identify camera_0 → younes, camera_1 → bertrand, camera_2 → benoit; a stranger → unknown', async () => {
    const out = await identify(seed('younes', 'camera_0.jpg'), seed('bertrand', 'camera_1.jpg'), seed('benoit', 'camera_2.jpg'), dataPath('press-photos', 'images', 'barack_obama', 'examples__obama.jpg'));
    expect(out.map((o) => o.faces[0]!.match?.name ?? 'unknown')).toEqual(['younes', 'bertrand', 'benoit', 'unknown']);
    expect(out[3]!.faces[0]!.candidates.length).toBe(5);
    expect(out[3]!.faces[0]!.candidates[0]!.distance).toBeGreaterThan(0.31);
  });

  it('refuses a photo with several faces or none, and leaves the gallery unchanged', async () => {
    const before = JSON.parse((await cli('gallery', 'stats', '--db', db)).stdout) as { subjects: number; faces: number };
    const two = await cli('enroll', '--db', db, '--name', 'group', dataPath('press-photos', 'unlabelled', 'obama_and_biden.jpg'));
    expect(two.code).toBe(1);
    expect(two.stderr).toMatch(/2 faces detected; an enrolment photo must show exactly one face/);
    const mixed = await cli('enroll', '--db', db, '--name', 'mixed', dbPhoto('kian'), path.join(FACEAPI_DEMO, 'sample1.jpg'));
    expect(mixed.code).toBe(1);
    const after = JSON.parse((await cli('gallery', 'stats', '--db', db)).stdout) as { subjects: number; faces: number };
    expect(after).toMatchObject({ subjects: before.subjects, faces: before.faces });
    expect((await cli('enroll', '--db', db)).code).toBe(2);
    expect((await cli('subjects', 'remove', 'no-such-id', '--db', db)).code).toBe(1);
  });

  it('removing a subject erases them: their photo now answers unknown or someone else', async () => {
    const list = JSON.parse((await cli('subjects', 'list', '--db', db, '--json')).stdout) as { id: string; name: string }[];
    const younes = list.find((s) => s.name === 'younes')!;
    expect((await cli('subjects', 'remove', younes.id, '--db', db)).code).toBe(0);
    const [o] = await identify(seed('younes', 'camera_0.jpg'));
    expect(o!.faces[0]!.match?.name ?? 'unknown').not.toBe('younes');
    expect(o!.faces[0]!.candidates.map((c) => c.name)).not.toContain('younes');
  });

  it('bulk enrolment from <name>/<photos> resumes: a second run enrols nothing twice', async () => {
    const bulk = path.join(path.dirname(db), 'bulk.sqlite');
    const first = JSON.parse((await cli('enroll', '--db', bulk, '--from', dataPath('seed-assignment', 'images'), '--json')).stdout);
    expect(first).toMatchObject({ enrolled: 15, alreadyEnrolled: 0 });
    const second = JSON.parse((await cli('enroll', '--db', bulk, '--from', dataPath('seed-assignment', 'images'), '--json')).stdout);
    expect(second).toMatchObject({ enrolled: 0, alreadyEnrolled: 15 });
    const stats = JSON.parse((await cli('gallery', 'stats', '--db', bulk)).stdout);
    expect(stats).toMatchObject({ subjects: 12, faces: 15 });
  });
});
