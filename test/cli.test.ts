/** The CLI contract, run as a real process on the built package (npm test builds first). */
import { copyFile, mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { dataPath, FACEAPI_DEMO, hasData, skipMessage } from './helpers/data.js';
import { runCli } from './helpers/cli.js';
import { demoPeople } from './helpers/demo-people.js';


const cli = (...args: string[]) => runCli(args);

const S2 = path.join(FACEAPI_DEMO, 'sample2.jpg');
const S3 = path.join(FACEAPI_DEMO, 'sample3.jpg');

describe('likeness CLI', () => {
  it('--help works on every command', async () => {
    for (const c of [[], ['detect'], ['embed'], ['verify'], ['align'], ['demo']]) {
      const r = await cli(...c, '--help');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/Usage: likeness/);
    }
  });

  it('verify --json prints one JSON object and exits 0 whatever the verdict', async () => {
    const same = await cli('verify', S2, S2, '--json');
    expect(same.code).toBe(0);
    const r = JSON.parse(same.stdout) as Record<string, unknown>;
    expect(r.verified).toBe(true);
    expect(r.distance).toBe(0);
    expect(typeof r.threshold).toBe('number');
    expect(r.faces).toHaveLength(2);
    const diff = await cli('verify', S2, S3, '--json', '--threshold', '0.01');
    expect(diff.code).toBe(0);
    expect(JSON.parse(diff.stdout)).toMatchObject({ verified: false, threshold: 0.01 });
  });

  it('verify prints a human verdict line by default', async () => {
    const r = await cli('verify', S2, S2);
    expect(r.stdout).toMatch(/^same person \(distance 0\.000 ≤ threshold \d\.\d{3}/);
  });

  it("embed --json gives per file its faces with box, score and the stack's numbers (fusion 320, dlib 128); several files use the worker pool", async () => {
    type Out = { file: string; faces: { box: object; score: number; embedding: number[] }[] }[];
    const r = await cli('embed', S2, S3, '--json');
    expect(r.code, r.stderr).toBe(0);
    const dlib = await cli('embed', S2, '--json', '--model', 'dlib');
    expect(dlib.code, dlib.stderr).toBe(0);
    expect((JSON.parse(dlib.stdout) as Out)[0]!.faces[0]!.embedding).toHaveLength(128);
    const out = JSON.parse(r.stdout) as Out;
    expect(out.map((o) => o.file)).toEqual([S2, S3]);
    for (const o of out) {
      expect(o.faces.length).toBeGreaterThan(0);
      for (const f of o.faces) {
        expect(f.embedding).toHaveLength(320);
        expect(f.score).toBeGreaterThan(0.5);
        expect(Object.keys(f.box)).toEqual(['x', 'y', 'width', 'height']);
      }
    }
  });

  it("detect lists faces; align writes one PNG chip per face, at the stack's size (ArcFace 112 px, dlib 150 px)", async () => {
    const d = await cli('detect', path.join(FACEAPI_DEMO, 'sample1.jpg'));
    expect(d.stdout).toMatch(/3 faces/);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'likeness-align-'));
    const a = await cli('align', path.join(FACEAPI_DEMO, 'sample1.jpg'), '--out', dir);
    expect(a.code).toBe(0);
    const files = (await readdir(dir)).sort();
    expect(files).toEqual(['sample1_face0.png', 'sample1_face1.png', 'sample1_face2.png']);
    const meta = await sharp(path.join(dir, files[0]!)).metadata();
    expect([meta.width, meta.height, meta.format]).toEqual([112, 112, 'png']);
    const dlibDir = await mkdtemp(path.join(os.tmpdir(), 'likeness-align-dlib-'));
    expect((await cli('align', path.join(FACEAPI_DEMO, 'sample1.jpg'), '--out', dlibDir, '--model', 'dlib')).code).toBe(0);
    const dlibMeta = await sharp(path.join(dlibDir, 'sample1_face0.png')).metadata();
    expect([dlibMeta.width, dlibMeta.height]).toEqual([150, 150]);
  });

  it('bad input exits 1 with one line on stderr and no stack trace', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'likeness-bad-'));
    const text = path.join(dir, 'notes.jpg');
    await writeFile(text, 'this is not an image');
    const empty = path.join(dir, 'empty.png');
    await writeFile(empty, '');
    const blank = path.join(dir, 'blank.png');
    await sharp({ create: { width: 200, height: 200, channels: 3, background: '#336699' } }).png().toFile(blank);
    for (const [args, pattern] of [
      [['verify', text, S2], /cannot decode image/],
      [['verify', empty, S2], /empty/],
      [['verify', path.join(dir, 'missing.jpg'), S2], /cannot read file/],
      [['verify', blank, S2], /no face detected/],
      [['align', blank, '--out', dir], /no face detected/],
      [['embed', text, '--json'], /cannot decode image/],
    ] as const) {
      const r = await cli(...args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr).toMatch(pattern);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('embed --json on several files reports the bad one and still prints the good ones', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'likeness-mixed-'));
    const text = path.join(dir, 'x.png');
    await writeFile(text, 'nope');
    const r = await cli('embed', S2, text, '--json');
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as { faces?: unknown[]; error?: { code: string } }[];
    expect(out[0]!.faces!.length).toBeGreaterThan(0);
    expect(out[1]!.error!.code).toBe('E_IMAGE_DECODE');
  });

  it('a folder argument expands to the images inside it, recursively, in sorted order', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'likeness-folder-'));
    await mkdir(path.join(dir, 'sub'));
    await copyFile(S2, path.join(dir, 'b.jpg'));
    await copyFile(S3, path.join(dir, 'sub', 'a.JPG'));
    await writeFile(path.join(dir, 'notes.txt'), 'not an image');
    const r = await cli('detect', dir, '--json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { file: string; faces?: unknown[]; skipped?: unknown }[];
    // files that are not images come last, reported as skipped (test/cli.hostile.test.ts)
    expect(out.map((o) => path.relative(dir, o.file))).toEqual(['b.jpg', path.join('sub', 'a.JPG'), 'notes.txt']);
    expect(out[2]!.skipped).toBeDefined();
    const empty = await mkdtemp(path.join(os.tmpdir(), 'likeness-empty-'));
    const e = await cli('detect', empty);
    expect(e.code).toBe(1);
    expect(e.stderr).toMatch(/no image files/);
  });

  it('usage errors exit 2', async () => {
    for (const args of [['bogus'], ['verify', S2], ['verify', S2, S3, '--threshold', 'abc'], ['detect', S2, '--min-score', '2'], ['align', S2]]) {
      const r = await cli(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
    }
  });
});

describe('likeness demo: the seed exercise on a seed-shaped folder of demo-photo people', () => {
  it('prints the expected verdicts, and a clear error without the folder', async () => {
    // the seed exercise's layout (images/<name>/<name>_db.jpg, camera_<n>.jpg) built from the
    // demo-photo people: camera_0 is younes, camera_1 bertrand, camera_2 benoit; kian is someone else
    const demo = await demoPeople();
    const dir = await mkdtemp(path.join(os.tmpdir(), 'likeness-seed-demo-'));
    const roles = [['younes', 'camera_0'], ['bertrand', 'camera_1'], ['benoit', 'camera_2'], ['kian']] as const;
    for (const [i, [name, cam]] of roles.entries()) {
      const person = demo.people[i]!;
      await mkdir(path.join(dir, 'images', name), { recursive: true });
      await copyFile(demo.db(person), path.join(dir, 'images', name, `${name}_db.jpg`));
      if (cam) await copyFile(demo.camera(person), path.join(dir, 'images', name, `${cam}.jpg`));
    }
    const r = await cli('demo', dir, '--json');
    expect(r.code, r.stderr).toBe(0);
    const rows = JSON.parse(r.stdout) as { verified: boolean; expected: boolean }[];
    expect(rows).toHaveLength(4);
    for (const row of rows) expect(row.verified).toBe(row.expected);
    const none = await cli('demo', path.join(dir, 'nothing'));
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/seed-assignment data not found/);
  });
});

describe.skipIf(!hasData('seed-assignment'))(`npm start: the seed exercise${hasData('seed-assignment') ? '' : ` (${skipMessage('seed-assignment')})`}`, () => {
  it('prints the expected verdicts', async () => {
    const r = await cli('demo', dataPath('seed-assignment'), '--json');
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout) as { verified: boolean; expected: boolean }[];
    expect(rows).toHaveLength(4);
    for (const row of rows) expect(row.verified).toBe(row.expected);
  });
});
