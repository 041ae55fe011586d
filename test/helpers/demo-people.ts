/**
 * Test photos built at test time from the photos that ship in @vladmandic/face-api's npm package
 * (demo/sample1-6.jpg, MIT), so every capability's tests run on a fresh clone without ../shared.
 * Nothing here is copied into the repo; the files are written once to a cache folder in the OS
 * temp dir, keyed by this file's contents, and reused by every test file and process.
 *
 * The people: test/fixtures/faceapi-demo-faces.json lists 22 hand-checked faces. Faces within one
 * photo are different people, but across photos they need not be: the demo photos show a few
 * people more than once (fusion puts the main face of sample1.jpg 0.24-0.33 cosine distance from
 * faces of sample2.jpg and sample4.jpg, and sample1.jpg's third face 0.26 from sample3.jpg's
 * second), and fusion even puts two faces of one photo under its 1:1 threshold (0.3336) now and
 * then. So DEMO_PEOPLE are ten faces picked once with the product (fusion, on the crops below):
 * every two of them are at least 0.41 apart, each one's camera photo lies within 0.12 of its own
 * db photo and above the threshold (≥ 0.34) from everyone else's. test/demo-people.test.ts checks
 * that these choices still hold.
 *
 * Per person the tree `people/<person>/` holds two photos of one face:
 * - `<person>_db.jpg`: the face cropped from the demo photo, two face widths wide (the
 *   "enrolment" photo);
 * - `camera_0.jpg`: a different photo of the same face, as a small webcam would take it: a wider
 *   square crop, mirrored, turned 4°, downscaled to 128×128 and JPEG-recompressed at quality 70.
 *   (At the seed exercise's 96 px some demo faces, small in their photos, drift too far.)
 * `train/<person>/0-4.jpg` holds the first eight people with five photos each (db, camera and three
 * turned, rescaled, partly mirrored and recompressed versions of the db photo), for training.
 * Besides: `stranger.jpg` (sample4.jpg's fourth face, ≥ 0.46 from every person), two more
 * strangers (`stranger-1.jpg`, `stranger-2.jpg`: ≥ 0.40), `blank.png`
 * (no face), `two.jpg` (exactly two faces, a strip of sample1.jpg) and `group` (sample6.jpg itself: four faces, 1920×1537, 302 kB).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp, { type Sharp } from 'sharp';
import { FACEAPI_DEMO, ROOT } from './data.js';

/** [centre x, centre y, width] in pixels of the decoded demo photo. */
export type FaceBox = [number, number, number];
export const DEMO_FACES: Record<string, FaceBox[]> = JSON.parse(readFileSync(path.join(ROOT, 'test', 'fixtures', 'faceapi-demo-faces.json'), 'utf8')).faces;

/** One person: a face of a demo photo (index into DEMO_FACES[photo]). */
export interface DemoPerson {
  name: string;
  photo: string;
  face: number;
}

/** Ten different people, chosen as described above. Names are neutral labels "sample<N>-<face index>". */
export const DEMO_PEOPLE: DemoPerson[] = [
  ['sample1.jpg', 1],
  ['sample3.jpg', 0], ['sample3.jpg', 1],
  ['sample4.jpg', 0], ['sample4.jpg', 2],
  ['sample5.jpg', 1], ['sample5.jpg', 2],
  ['sample6.jpg', 1], ['sample6.jpg', 2], ['sample6.jpg', 3],
].map(([photo, face]) => ({ name: `${String(photo).replace(/\.jpg$/, '')}-${face}`, photo: photo as string, face: face as number }));

/** A face of none of DEMO_PEOPLE (fusion: at least 0.46 cosine distance from each of them). */
export const STRANGER: DemoPerson = { name: 'stranger', photo: 'sample4.jpg', face: 3 };
/**
 * STRANGER and two more faces of none of DEMO_PEOPLE (each at least 0.40 from every person), for
 * unknown probes. Not necessarily three people: sample1.jpg's main face may be STRANGER's.
 */
export const STRANGERS: DemoPerson[] = [STRANGER, { name: 'stranger-1', photo: 'sample1.jpg', face: 0 }, { name: 'stranger-2', photo: 'sample2.jpg', face: 0 }];

export interface DemoPeople {
  /** The cache folder. */
  dir: string;
  /** `<person>/<photo>` tree: every person's db and camera photo (the seed exercise's shape). */
  peopleDir: string;
  /** `<person>/<photo>` tree for training: the first eight people, five photos each (0-4.jpg). */
  trainDir: string;
  /** Person names in DEMO_PEOPLE's order. */
  people: string[];
  db: (person: string) => string;
  camera: (person: string) => string;
  /** A photo of STRANGER's face. */
  stranger: string;
  /** A photo of each of STRANGERS (the first is `stranger`). */
  strangers: string[];
  blank: string;
  /** A photo with exactly two faces. */
  two: string;
  /** A photo with four faces (1920×1537, 302 kB). */
  group: string;
}

const SOURCE = fileURLToPath(import.meta.url);

/** A crop `margin` face widths wide and `aspect` times as high, centred a little below the box centre. */
async function crop(photo: string, [cx, cy, w]: FaceBox, margin: number, aspect = 1.1): Promise<Sharp> {
  const file = path.join(FACEAPI_DEMO, photo);
  const meta = await sharp(file).rotate().metadata();
  const W = meta.autoOrient?.width ?? meta.width!;
  const H = meta.autoOrient?.height ?? meta.height!;
  const half = (w * margin) / 2;
  const left = Math.max(0, Math.round(cx - half));
  const top = Math.max(0, Math.round(cy - half * aspect));
  const width = Math.min(W - left, Math.round(2 * half));
  const height = Math.min(H - top, Math.round(2 * aspect * half));
  return sharp(await sharp(file).rotate().extract({ left, top, width, height }).toBuffer());
}

async function build(dir: string): Promise<void> {
  for (const p of DEMO_PEOPLE) {
    const box = DEMO_FACES[p.photo]![p.face]!;
    const folder = path.join(dir, 'people', p.name);
    mkdirSync(folder, { recursive: true });
    await (await crop(p.photo, box, 2)).jpeg({ quality: 92 }).toFile(path.join(folder, `${p.name}_db.jpg`));
    const wide = await (await crop(p.photo, box, 2.6, 1)).flop().rotate(4, { background: '#808080' }).toBuffer();
    await sharp(wide).resize(128, 128, { fit: 'cover' }).jpeg({ quality: 70 }).toFile(path.join(folder, 'camera_0.jpg'));
  }
  for (const x of STRANGERS) await (await crop(x.photo, DEMO_FACES[x.photo]![x.face]!, 2)).jpeg({ quality: 92 }).toFile(path.join(dir, `${x.name}.jpg`));
  // a training tree: the first eight people, five photos each (db, camera and three more variants)
  for (const p of DEMO_PEOPLE.slice(0, 8)) {
    const folder = path.join(dir, 'train', p.name);
    mkdirSync(folder, { recursive: true });
    const db = path.join(dir, 'people', p.name, `${p.name}_db.jpg`);
    await sharp(db).toFile(path.join(folder, '0.jpg'));
    await sharp(path.join(dir, 'people', p.name, 'camera_0.jpg')).toFile(path.join(folder, '1.jpg'));
    for (const [i, angle] of [-6, 5, 8].entries()) {
      const turned = await sharp(db).rotate(angle, { background: '#707070' }).toBuffer();
      await (i === 1 ? sharp(turned).flop() : sharp(turned)).resize({ width: 140 + 50 * i }).jpeg({ quality: 65 + 10 * i }).toFile(path.join(folder, `${i + 2}.jpg`));
    }
  }
  await sharp({ create: { width: 320, height: 240, channels: 3, background: { r: 90, g: 140, b: 200 } } }).png().toFile(path.join(dir, 'blank.png'));
  // sample1.jpg's faces at x 934 and 509 (y ≈ 480-540), without the third at x 1579
  await sharp(path.join(FACEAPI_DEMO, 'sample1.jpg')).rotate().extract({ left: 300, top: 250, width: 900, height: 520 }).jpeg({ quality: 90 }).toFile(path.join(dir, 'two.jpg'));
}

let built: Promise<DemoPeople> | undefined;

/** Builds (once per machine and version of this file) and returns the demo-photo fixtures. */
export function demoPeople(): Promise<DemoPeople> {
  built ??= (async () => {
    const key = createHash('sha1').update(readFileSync(SOURCE)).update(readFileSync(path.join(ROOT, 'test', 'fixtures', 'faceapi-demo-faces.json'))).digest('hex').slice(0, 12);
    const dir = path.join(os.tmpdir(), `likeness-demo-people-${key}`);
    if (!existsSync(path.join(dir, 'done'))) {
      // build in a private folder and rename it into place: parallel test processes never see half a tree
      const tmp = `${dir}.${process.pid}.${Date.now()}`;
      await build(tmp);
      writeFileSync(path.join(tmp, 'done'), '');
      try {
        renameSync(tmp, dir);
      } catch {
        rmSync(tmp, { recursive: true, force: true });
        if (!existsSync(path.join(dir, 'done'))) throw new Error(`could not build the demo-photo fixtures in ${dir}`);
      }
    }
    const peopleDir = path.join(dir, 'people');
    return {
      dir,
      peopleDir,
      trainDir: path.join(dir, 'train'),
      people: DEMO_PEOPLE.map((p) => p.name),
      db: (person) => path.join(peopleDir, person, `${person}_db.jpg`),
      camera: (person) => path.join(peopleDir, person, 'camera_0.jpg'),
      stranger: path.join(dir, 'stranger.jpg'),
      strangers: STRANGERS.map((x) => path.join(dir, `${x.name}.jpg`)),
      blank: path.join(dir, 'blank.png'),
      two: path.join(dir, 'two.jpg'),
      group: path.join(FACEAPI_DEMO, 'sample6.jpg'),
    };
  })();
  return built;
}
