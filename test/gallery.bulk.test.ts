/**
 * Bulk enrolment (`likeness enroll --from people/`) says what happened to each person: enrolled,
 * no usable photo, or a name that matched a subject already in the gallery (which got the faces).
 * One-face photos are cut from face-api's demo photos with sharp at test time.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { FACEAPI_DEMO } from './helpers/data.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'likeness-bulk-'));
const people = path.join(dir, 'people');
const bobElsewhere = path.join(dir, 'bob-elsewhere.jpg');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(async () => {
  const cut = (file: string, left: number, top: number, width: number, height: number, out: string) =>
    sharp(path.join(FACEAPI_DEMO, file)).extract({ left, top, width, height }).jpeg().toFile(out);
  for (const p of ['alice', 'bob', 'carol', 'dave']) mkdirSync(path.join(people, p), { recursive: true });
  await cut('sample1.jpg', 730, 320, 400, 440, path.join(people, 'alice', 'a.jpg'));
  await cut('sample1.jpg', 310, 250, 390, 450, path.join(people, 'bob', 'b.jpg'));
  await cut('sample2.jpg', 800, 140, 380, 420, bobElsewhere);
  // No face: carol's only photo is grey, dave's is a broken file.
  await sharp({ create: { width: 200, height: 200, channels: 3, background: '#808080' } }).png().toFile(path.join(people, 'carol', 'grey.png'));
  const jpeg = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } }).jpeg().toBuffer();
  writeFileSync(path.join(people, 'dave', 'broken.jpg'), jpeg.subarray(0, 20));
});

describe('bulk enrolment report', () => {
  it('--json and text: people enrolled, people with no usable photo, names that matched existing subjects', async () => {
    for (const json of [true, false]) {
      const db = path.join(dir, `g-${json}.sqlite`);
      // bob-elsewhere's face looks down (pitch ≈ 36°, over data/quality.json's 30°): the quality gate refuses it without the override.
      const pre = await runCli(['enroll', '--db', db, '--name', 'bob', '--allow-poor-quality', bobElsewhere]);
      expect(pre.code, pre.stderr).toBe(0);
      const r = await runCli(['enroll', '--db', db, '--from', people, ...(json ? ['--json'] : [])]);
      expect(r.code, r.stderr).toBe(0);
      if (json) {
        const out = JSON.parse(r.stdout);
        expect(out).toMatchObject({ enrolled: 2, alreadyEnrolled: 0, people: { total: 4, enrolled: 2, noUsablePhoto: ['carol', 'dave'] } });
        expect(out.skipped).toHaveLength(2);
        expect(out.people.matchedExisting).toEqual([{ name: 'bob', subject: expect.any(String), faces: 1, subjectsWithName: 1 }]);
      } else {
        expect(r.stdout).toMatch(/^enrolled 2 photos: 2 of 4 people got faces \(0 photos already enrolled, 2 skipped\)$/m);
        expect(r.stdout).toMatch(/^2 people with no usable photo: "carol", "dave"$/m);
        expect(r.stdout).toMatch(/^"bob" matched an existing subject \([0-9a-f-]{36}\), which got 1 face$/m);
      }
      const stats = JSON.parse((await runCli(['gallery', 'stats', '--db', db])).stdout);
      expect(stats).toMatchObject({ subjects: 2, faces: 3 });
    }
  });
});
