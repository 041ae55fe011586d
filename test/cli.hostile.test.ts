/**
 * The CLI under hostile use (outside probes): face order, closed pipes, JSON failures, skipped
 * files, unknown commands, lazy loading. Runs the built CLI (`npm run build` first).
 */
import { spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { BIN, runCli } from './helpers/cli.js';
import { FACEAPI_DEMO, ROOT } from './helpers/data.js';

const cli = (...args: string[]) => runCli(args);
const sample = (n: number) => path.join(FACEAPI_DEMO, `sample${n}.jpg`);

type Box = { x: number; y: number; width: number; height: number };
type DetectOut = { file: string; width: number; height: number; faces: { box: Box; score: number }[] }[];

/** insightface's main-face rule (as mainFaceScore in src/likeness.ts). */
const mainScore = (b: Box, w: number, h: number) => {
  const dx = b.x + b.width / 2 - w / 2;
  const dy = b.y + b.height / 2 - h / 2;
  return b.width * b.height - 2 * (dx * dx + dy * dy);
};

/** Run the CLI with its stdout through `sh -c '… | head -c N'`; returns the CLI's exit status (pipefail) and stderr. */
function throughHead(args: string[], bytes: number): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const quoted = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
  return new Promise((resolve) => {
    const p = spawn('bash', ['-o', 'pipefail', '-c', `${quoted} 2>"$ERRFILE" | head -c ${bytes}`], { cwd: ROOT, env: { ...process.env, ERRFILE: path.join(os.tmpdir(), `likeness-epipe-${process.pid}.err`) } });
    let stdout = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.on('close', async (code) => resolve({ code, stdout, stderr: await readFile(path.join(os.tmpdir(), `likeness-epipe-${process.pid}.err`), 'utf8') }));
  });
}

describe('likeness CLI under hostile use', () => {
  it('detect and embed list faces in the main-face order, the order verify --face1 N counts in', async () => {
    const photos = [1, 2, 3, 4, 5, 6].map(sample);
    const d = await cli('detect', ...photos, '--json');
    expect(d.code, d.stderr).toBe(0);
    const out = JSON.parse(d.stdout) as DetectOut;
    for (const o of out) {
      const s = o.faces.map((f) => mainScore(f.box, o.width, o.height));
      expect(s, o.file).toEqual([...s].sort((a, b) => b - a));
    }
    const e = JSON.parse((await cli('embed', ...photos, '--json', '--no-mirror')).stdout) as DetectOut;
    expect(e.map((o) => o.faces.map((f) => f.box))).toEqual(out.map((o) => o.faces.map((f) => f.box)));
    // verify --face1 N uses detect's face #N
    const five = out.find((o) => o.file === sample(5))!;
    for (const n of [1, 3]) {
      const v = await cli('verify', sample(5), sample(5), '--face1', String(n), '--json', '--no-mirror');
      expect(v.code, v.stderr).toBe(0);
      expect((JSON.parse(v.stdout) as { faces: Box[] }).faces[0]).toEqual(five.faces[n]!.box);
    }
    const help = await cli('detect', '--help');
    expect(help.stdout.replace(/\s+/g, ' ')).toMatch(/main face first/);
  });
});

describe('unknown commands', () => {
  it('an unknown command exits 2 with one line on stderr, even with --help', async () => {
    for (const args of [['teleport', '--help'], ['teleport'], ['teleport', '--json']]) {
      const r = await cli(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr).toMatch(/unknown command 'teleport'/);
      if (args.includes('--json')) expect(JSON.parse(r.stdout)).toMatchObject({ error: { code: 'E_USAGE' } });
      else expect(r.stdout).toBe('');
    }
    // known commands and help still work
    expect((await cli('help', 'detect')).code).toBe(0);
    expect((await cli('gallery', '--help')).code).toBe(0);
  });
});

describe('closed pipes', () => {
  it('`likeness embed DIR --json | head -c 30` ends quietly: exit 0, no EPIPE on stderr', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'likeness-pipe-'));
    for (const n of [1, 2, 3, 4, 5, 6]) await copyFile(sample(n), path.join(dir, `s${n}.jpg`));
    // ~150 kB of JSON: more than a pipe holds, so writes go on after head has gone.
    const r = await throughHead(['embed', dir, '--json', '--no-mirror'], 30);
    expect(r.stdout).toHaveLength(30);
    expect(r.stderr).not.toMatch(/EPIPE|Error|at /);
    expect(r.code).toBe(0);
    const t = await throughHead(['detect', dir], 30);
    expect(t.stderr).not.toMatch(/EPIPE|Error|at /);
    expect(t.code).toBe(0);
  });
});

describe('--json failures', () => {
  it('every command family prints one JSON object with the error on stdout and keeps its exit status', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'likeness-jsonerr-'));
    const db = path.join(dir, 'g.sqlite');
    const nope = path.join(dir, 'nope.jpg');
    const cases: [string[], number][] = [
      [['verify', nope, nope, '--json'], 1],
      [['align', nope, '--out', path.join(dir, 'chips'), '--json'], 1],
      [['eval', 'verify', '--pairs', path.join(dir, 'nope.csv'), '--json'], 1],
      [['eval', 'identify', '--protocol', path.join(dir, 'nope.csv'), '--json'], 1],
      [['train', path.join(dir, 'nope'), '--out', path.join(dir, 'm.onnx'), '--json'], 1],
      [['enroll', '--name', 'x', nope, '--db', db, '--json'], 1],
      [['models', 'install', 'nosuch', '--json'], 1],
      [['demo', path.join(dir, 'nope'), '--json'], 1],
      [['detect', '--json'], 2],
      [['verify', nope, '--json'], 2],
      [['gallery', 'stats', '--db', db, '--json'], 2],
      [['watch', '--json'], 2],
    ];
    for (const [args, code] of cases) {
      const r = await cli(...args);
      expect(r.code, args.join(' ')).toBe(code);
      const out = JSON.parse(r.stdout) as { error: { code: string; message: string } };
      expect(Object.keys(out), args.join(' ')).toEqual(['error']);
      expect(typeof out.error.code).toBe('string');
      expect(out.error.message.length).toBeGreaterThan(0);
    }
    // batch commands (detect, embed, identify): the per-file array, the bad file with its error
    for (const args of [['detect', nope, '--json'], ['embed', nope, '--json'], ['identify', nope, '--db', db, '--json']]) {
      const r = await cli(...args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(JSON.parse(r.stdout), args.join(' ')).toEqual([{ file: nope, error: { code: 'E_IMAGE_READ', message: expect.any(String) } }]);
    }
  });
});

describe('folders with files likeness does not read', () => {
  it('each skipped file is reported on stderr and in the --json output (detect, embed, identify, enroll, train)', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'likeness-skip-'));
    const person = path.join(dir, 'people', 'ann');
    await mkdir(person, { recursive: true });
    // one face: sample2's right-hand person
    await sharp(sample(2)).extract({ left: 1343, top: 82, width: 400, height: 400 }).jpeg().toFile(path.join(person, 'a.jpg'));
    await writeFile(path.join(person, 'b.avif'), Buffer.alloc(64));
    await writeFile(path.join(person, 'notes.txt'), 'hello');
    const avif = path.join(person, 'b.avif');
    const txt = path.join(person, 'notes.txt');
    for (const cmd of ['detect', 'embed']) {
      const t = await cli(cmd, dir);
      expect(t.code, t.stderr).toBe(0);
      expect(t.stderr).toContain(`${avif}: skipped, .avif is not an image type`);
      expect(t.stderr).toContain(`${txt}: skipped`);
      const j = await cli(cmd, dir, '--json');
      const out = JSON.parse(j.stdout) as { file: string; skipped?: { code: string } }[];
      expect(out.map((o) => o.file)).toEqual([path.join(person, 'a.jpg'), avif, txt]);
      expect(out[1]!.skipped).toMatchObject({ code: 'E_UNSUPPORTED_TYPE' });
    }
    const db = path.join(dir, 'g.sqlite');
    const e = await cli('enroll', '--from', path.join(dir, 'people'), '--db', db, '--json');
    expect(e.code, e.stderr).toBe(0);
    expect(e.stderr).toContain(`${avif}: skipped`);
    expect((JSON.parse(e.stdout) as { unsupported: { file: string }[] }).unsupported.map((u) => u.file)).toEqual([avif, txt]);
    const n = await cli('enroll', '--name', 'bob', person, '--db', db, '--json');
    expect(n.code, n.stderr).toBe(0);
    expect(n.stderr).toContain(`${avif}: skipped`);
    expect((JSON.parse(n.stdout) as { skipped: { file: string }[] }).skipped.map((u) => u.file)).toEqual([avif, txt]);
    // train reads the same <name>/<photos> layout: the report comes before training (which needs 3 people and fails here)
    const t = await cli('train', path.join(dir, 'people'), '--out', path.join(dir, 'm.onnx'));
    expect(t.code).toBe(1);
    expect(t.stderr).toContain(`${avif}: skipped`);
    const i = await cli('identify', person, '--db', db, '--json');
    expect(i.stderr).toContain(`${txt}: skipped`);
    expect((JSON.parse(i.stdout) as { file: string }[]).map((o) => o.file)).toEqual([path.join(person, 'a.jpg'), avif, txt]);
  });
});

describe('lazy loading', () => {
  /** The npm packages a CLI run loaded (CommonJS ones, from require.cache: see test/helpers/loaded-modules.mjs). */
  async function packagesLoaded(args: string[]): Promise<Set<string>> {
    const out = path.join(await mkdtemp(path.join(os.tmpdir(), 'likeness-modules-')), 'modules.txt');
    const preload = path.join(ROOT, 'test', 'helpers', 'loaded-modules.mjs');
    await new Promise<void>((resolve, reject) => {
      const p = spawn(process.execPath, ['--import', preload, BIN, ...args], { cwd: ROOT, stdio: 'ignore', env: { ...process.env, LIKENESS_LOADED_MODULES: out } });
      p.on('error', reject);
      p.on('close', () => resolve());
    });
    const files = (await readFile(out, 'utf8')).split('\n');
    return new Set(files.flatMap((f) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(f)?.[1] ?? []));
  }
  const HEAVY = ['onnxruntime-node', 'sharp', '@tensorflow/tfjs', '@tensorflow/tfjs-core', 'fastify', 'pg', 'better-sqlite3'];

  it('--help, a command\'s --help and `models` load none of onnxruntime, sharp, tfjs, fastify, pg, better-sqlite3', async () => {
    for (const args of [['--help'], ['detect', '--help'], ['gallery', 'stats', '--help'], ['serve', '--help'], ['models']]) {
      const loaded = await packagesLoaded(args);
      expect(loaded.has('commander'), args.join(' ')).toBe(true); // the probe sees CommonJS packages
      for (const h of HEAVY) expect(loaded.has(h), `${args.join(' ')} loads ${h}`).toBe(false);
    }
    // a SQLite gallery command loads SQLite, not PostgreSQL or a model
    const dir = await mkdtemp(path.join(os.tmpdir(), 'likeness-lazy-'));
    const stats = await packagesLoaded(['gallery', 'stats', '--db', path.join(dir, 'g.sqlite')]);
    expect(stats.has('better-sqlite3')).toBe(true);
    for (const h of ['onnxruntime-node', 'sharp', 'pg', 'fastify']) expect(stats.has(h), `gallery stats loads ${h}`).toBe(false);
    // and a command that needs the models loads them
    expect((await packagesLoaded(['detect', sample(2)])).has('onnxruntime-node')).toBe(true);
  });
});

describe('progress of long work', () => {
  it('detect, embed, enroll --from and gallery reindex over 10+ photos print a progress line every ~10 % on a non-terminal stderr', async () => {
    const faces = (JSON.parse(await readFile(path.join(ROOT, 'test', 'fixtures', 'faceapi-demo-faces.json'), 'utf8')) as { faces: Record<string, [number, number, number][]> }).faces;
    const dir = await mkdtemp(path.join(os.tmpdir(), 'likeness-progress-'));
    const people = path.join(dir, 'people');
    let k = 0;
    for (const [photo, list] of Object.entries(faces)) {
      for (const [cx, cy, w] of list.slice(0, 2)) {
        const img = sharp(path.join(FACEAPI_DEMO, photo));
        const { width, height } = await img.metadata();
        const side = Math.round(1.6 * w);
        const left = Math.max(0, Math.min(width! - side, Math.round(cx - side / 2)));
        const top = Math.max(0, Math.min(height! - side, Math.round(cy - side / 2)));
        await mkdir(path.join(people, `p${k}`), { recursive: true });
        await img.extract({ left, top, width: side, height: side }).jpeg().toFile(path.join(people, `p${k}`, 'face.jpg'));
        k++;
      }
    }
    expect(k).toBe(12);
    const lines = (stderr: string, label: string) => stderr.split('\n').filter((l) => new RegExp(`^${label}: \\d+/12 \\(\\d+%\\), ETA \\d+ s$`).test(l));
    const d = await cli('detect', people, '--json');
    expect(d.code, d.stderr).toBe(0);
    expect(lines(d.stderr, 'detecting').length).toBeGreaterThanOrEqual(8);
    expect(lines(d.stderr, 'detecting').at(-1)).toMatch(/12\/12 \(100%\)/);
    const e = await cli('embed', people, '--no-mirror');
    expect(lines(e.stderr, 'encoding').length).toBeGreaterThanOrEqual(8);
    const db = path.join(dir, 'g.sqlite');
    const en = await cli('enroll', '--from', people, '--db', db);
    expect(en.code, en.stderr).toBe(0);
    expect(lines(en.stderr, 'enrolling').length).toBeGreaterThanOrEqual(8);
    const enrolled = Number(/enrolled (\d+) photos/.exec(en.stdout)?.[1]);
    expect(enrolled).toBeGreaterThanOrEqual(10);
    const re = await cli('gallery', 'reindex', '--from', people, '--db', db, '--model', 'fusion');
    expect(re.code, re.stderr).toBe(0);
    expect(re.stderr.split('\n').filter((l) => new RegExp(`^re-encoding: \\d+/${enrolled} \\(\\d+%\\)`).test(l)).length).toBeGreaterThanOrEqual(8);
    // a few files: no progress lines
    const few = await cli('detect', sample(1), sample(2));
    expect(few.stderr).toBe('');
  });
});

describe('--min-face below 1/100 of the photo', () => {
  it('says on stderr that the photo was searched from 1/100 of its longer side', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'likeness-minface-'));
    const big = path.join(dir, 'big.jpg');
    await sharp(sample(2)).resize(4000).jpeg().toFile(big);
    const r = await cli('detect', big, '--min-face', '20', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`${big}: --min-face 20 is below 1/100 of its longer side (4000 px): faces from 40 px were searched`);
    expect((JSON.parse(r.stdout) as DetectOut)[0]!.faces).toHaveLength(3);
    expect((await cli('detect', sample(2), '--min-face', '20')).stderr).toBe('');
  });
});

describe('verify reports face sizes and quality', () => {
  it('every decision carries both face widths and whether they reach the measured minimum (JSON and text)', async () => {
    const quality = JSON.parse(await readFile(path.join(ROOT, 'data', 'quality.json'), 'utf8')) as { minFaceWidth: { value: number; command: string } };
    const min = quality.minFaceWidth.value;
    expect(min).toBeGreaterThan(0);
    expect(quality.minFaceWidth.command).toMatch(/research\/face-size-accuracy\.ts/);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'likeness-quality-'));
    const face = path.join(dir, 'face.jpg');
    const small = path.join(dir, 'small.jpg');
    await sharp(sample(2)).extract({ left: 1343, top: 82, width: 400, height: 400 }).jpeg().toFile(face);
    // the face (≈ 210 px in 400) shrunk to about 0.6 × the minimum width
    const side = Math.round((400 * 0.6 * min) / 210);
    await sharp(face).resize(side, side).jpeg({ quality: 95 }).toFile(small);
    const big = await cli('verify', face, face, '--json');
    expect(big.code, big.stderr).toBe(0);
    const b = JSON.parse(big.stdout) as { faces: Box[]; quality: { faceWidths: number[]; minFaceWidth: number; confident: boolean } };
    expect(b.quality).toMatchObject({ faceWidths: b.faces.map((f) => Math.round(f.width)), minFaceWidth: min, confident: true });
    // and each face's quality (src/quality): both the same sharp face, no reason
    expect((b.quality as unknown as { faces: { reasons: string[] }[] }).faces.map((f) => f.reasons)).toEqual([[], []]);
    const lo = await cli('verify', face, small, '--json');
    expect(lo.code, lo.stderr).toBe(0);
    const l = JSON.parse(lo.stdout) as { quality: { faceWidths: number[]; confident: boolean } };
    expect(l.quality.confident).toBe(false);
    expect(l.quality.faceWidths[1]).toBeLessThan(min);
    const text = await cli('verify', face, small);
    expect(text.stdout).toMatch(new RegExp(`faces \\d+ and \\d+ px wide; quality [^;]*small[^;]*; LOW QUALITY: under ${min} px a decision is not reliable\\)$`, 'm'));
    expect((await cli('verify', face, face)).stdout).toMatch(/faces \d+ and \d+ px wide; quality [\d.]+ and [\d.]+\)$/m);
  });
});
