/**
 * Detection quality of the detectors in the registry, on photos with a ground truth:
 * - face-api's six demo photos (22 hand-checked faces, test/fixtures/faceapi-demo-faces.json);
 * - the same six photos shrunk into one 1920×1080 mosaic, faces ~40 px wide ("small faces"), in one
 *   pass and with minFaceSize 40 (tiles);
 * - the press photos with several people (7 hand-checked faces, research/fixtures);
 * - a crowd: 48 LFW photos (distinct people) tiled 8×6 into 1920×1080 (each photo's subject at its
 *   tile's centre, faces ~90 px), and 190 tiled 19×10 (faces ~35 px);
 * - LFW: how many of its 13,233 photos (every one holds a face) come back without any.
 * Recall = found / ground truth; a false positive is a box holding no annotated face (not counted on
 * the mosaics of LFW photos, whose neighbours are real but unannotated faces).
 *
 *   npx tsx research/detection-quality.ts [--lfw] [DETECTOR...]      (default: all; --lfw adds the 13,233-photo count)
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import type { DetectionOptions } from '../src/detect/detector.js';
import { Likeness, type LikenessOptions } from '../src/likeness.js';
import { WorkerPool } from '../src/parallel/pool.js';
import type { Box, RgbImage } from '../src/types.js';
import { blazefaceBack, blazefaceShort } from '../src/models/zoo/blazeface.js';
import { retinafaceV1, retinafaceV2 } from '../src/models/zoo/retinaface.js';
import { FACEAPI_DEMO, DATA } from '../test/helpers/data.js';

const DETECTORS: Record<string, () => LikenessOptions> = {
  ssd: () => ({ model: 'dlib' }),
  'retina-v1-640': () => ({ model: 'mobilefacenet', detector: retinafaceV1(640) }),
  'retina-v1-512': () => ({ model: 'mobilefacenet', detector: retinafaceV1(512) }),
  'retina-v1-960': () => ({ model: 'mobilefacenet', detector: retinafaceV1(960) }),
  'retina-v1-1280': () => ({ model: 'mobilefacenet', detector: retinafaceV1(1280) }),
  'retina-v2-960': () => ({ model: 'mobilefacenet', detector: retinafaceV2(960) }),
  'retina-v2-1280': () => ({ model: 'mobilefacenet', detector: retinafaceV2(1280) }),
  'retina-v1-320': () => ({ model: 'mobilefacenet', detector: retinafaceV1(320) }),
  'retina-v2-640': () => ({ model: 'mobilefacenet', detector: retinafaceV2(640) }),
  'blaze-short': () => ({ model: 'mobilefacenet', detector: blazefaceShort() }),
  'blaze-back': () => ({ model: 'mobilefacenet', detector: blazefaceBack() }),
};

const { values, positionals } = parseArgs({ options: { lfw: { type: 'boolean' }, 'min-score': { type: 'string' } }, allowPositionals: true });
const minScore = values['min-score'] === undefined ? undefined : Number(values['min-score']);
type Truth = [number, number, number][];
const demoTruth = JSON.parse(readFileSync(new URL('../test/fixtures/faceapi-demo-faces.json', import.meta.url), 'utf8')).faces as Record<string, Truth>;
const pressTruth = JSON.parse(readFileSync(new URL('./fixtures/press-unlabelled-faces.json', import.meta.url), 'utf8')).faces as Record<string, Truth>;

const inside = (b: Box, x: number, y: number) => x >= b.x && x <= b.x + b.width && y >= b.y && y <= b.y + b.height;

/** Found faces, false positives. */
function score(boxes: readonly Box[], truth: Truth, countFp = true): { found: number; fp: number } {
  const found = truth.filter(([x, y]) => boxes.some((b) => inside(b, x, y))).length;
  const fp = countFp ? boxes.filter((b) => !truth.some(([x, y]) => inside(b, x, y))).length : 0;
  return { found, fp };
}

async function rgb(file: string): Promise<RgbImage> {
  const { data, info } = await sharp(file).rotate().removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

/** Photos laid out in a grid on a 1920×1080 canvas, each fitted into its cell; returns the truth mapped. */
async function mosaic(files: readonly string[], cols: number, rows: number, truthOf: (f: string, w: number, h: number) => Truth): Promise<{ img: RgbImage; truth: Truth }> {
  const W = 1920, H = 1080, cw = Math.floor(W / cols), ch = Math.floor(H / rows);
  const parts: { input: Buffer; left: number; top: number }[] = [];
  const truth: Truth = [];
  for (const [i, f] of files.entries()) {
    const meta = await sharp(f).rotate().toBuffer({ resolveWithObject: true });
    const k = Math.min(cw / meta.info.width, ch / meta.info.height);
    const w = Math.round(meta.info.width * k), h = Math.round(meta.info.height * k);
    const left = (i % cols) * cw, top = Math.floor(i / cols) * ch;
    parts.push({ input: await sharp(meta.data).resize(w, h).toBuffer(), left, top });
    for (const [x, y, s] of truthOf(f, meta.info.width, meta.info.height)) truth.push([left + x * k, top + y * k, s * k]);
  }
  const { data, info } = await sharp({ create: { width: W, height: H, channels: 3, background: '#808080' } }).composite(parts).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { img: { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) }, truth };
}

const lfwPeople = (n: number): string[] => {
  const lines = readFileSync(path.join(DATA, 'lfw', 'labels.csv'), 'utf8').trim().split('\n').slice(1);
  const seen = new Set<string>();
  const out: string[] = [];
  // every 97th person, their first photo: a spread of the set, fixed
  for (let i = 0; i < lines.length && out.length < n; i += 7) {
    const [p, id] = lines[i]!.split(',');
    if (seen.has(id!)) continue;
    seen.add(id!);
    out.push(path.join(DATA, 'lfw', p!));
  }
  return out;
};
const lfwCentre = (_f: string, w: number, h: number): Truth => [[w / 2, h / 2, w * 0.4]];

const demo = Object.keys(demoTruth).map((f) => path.join(FACEAPI_DEMO, f));
const small = await mosaic(demo, 3, 2, (f) => demoTruth[path.basename(f)]!);
const crowd48 = await mosaic(lfwPeople(48), 8, 6, lfwCentre);
const crowd190 = await mosaic(lfwPeople(190), 19, 10, lfwCentre);
const press = Object.keys(pressTruth).map((f) => path.join(DATA, 'press-photos', 'unlabelled', f));

const pct = (a: number, b: number) => `${((100 * a) / b).toFixed(1)}%`;
for (const name of positionals.length ? positionals : Object.keys(DETECTORS)) {
  const opts = DETECTORS[name]!();
  const detection: DetectionOptions = minScore === undefined ? {} : { minScore };
  const l = await Likeness.create({ ...opts, detection });
  const row: string[] = [];
  const t0 = performance.now();
  let f = 0, fp = 0, n = 0;
  for (const file of demo) {
    const a = await l.detect(file);
    const s = score(a.faces.map((x) => x.box), demoTruth[path.basename(file)]!);
    f += s.found; fp += s.fp; n += demoTruth[path.basename(file)]!.length;
  }
  row.push(`demo ${f}/${n} fp ${fp}`);
  const demoMs = (performance.now() - t0) / demo.length;
  for (const [label, m, opt] of [['small', small, {}], ['small+tiles', small, { minFaceSize: 40 }], ['crowd48', crowd48, {}], ['crowd190', crowd190, { maxFaces: 1000 }], ['crowd190+tiles', crowd190, { maxFaces: 1000, minFaceSize: 30 }]] as const) {
    const a = await l.detect(m.img, { detection: { ...detection, ...opt } });
    const s = score(a.faces.map((x) => x.box), m.truth, label.startsWith('small'));
    row.push(`${label} ${pct(s.found, m.truth.length)}${label.startsWith('small') ? ` fp ${s.fp}` : ''}`);
  }
  f = 0; fp = 0; n = 0;
  for (const file of press) {
    const a = await l.detect(await rgb(file));
    const s = score(a.faces.map((x) => x.box), pressTruth[path.basename(file)]!);
    f += s.found; fp += s.fp; n += pressTruth[path.basename(file)]!.length;
  }
  row.push(`press ${f}/${n} fp ${fp}`);
  if (values.lfw) {
    const files = readFileSync(path.join(DATA, 'lfw', 'labels.csv'), 'utf8').trim().split('\n').slice(1).map((x) => path.join(DATA, 'lfw', x.split(',')[0]!));
    const pool = new WorkerPool(2, { ...opts, detection });
    const t = performance.now();
    const none = (await Promise.all(files.map((x) => pool.detect(x)))).filter((a) => a.faces.length === 0).length;
    await pool.close();
    row.push(`LFW without a face ${none}/${files.length} (${((performance.now() - t) / files.length * 2).toFixed(1)} ms/photo/core)`);
  }
  console.log(`${name.padEnd(15)} ${row.join(' | ')}  [${demoMs.toFixed(0)} ms per demo photo]`);
}
