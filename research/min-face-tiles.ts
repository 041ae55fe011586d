/**
 * `--min-face` (tiles) on large photos: false positives and time on a synthetic 35 MP photo of one
 * person (bigOnePerson in test/helpers/synthetic-photos.ts: 7,200×4,800, face ≈ 2,500 px), and recall on
 * the demo mosaic (the six photos shrunk into one 1920×1080 image, 22 faces ≈ 40 px; as
 * test/detect.test.ts). Default stack's detector (RetinaFace v1 at 1280).
 *
 *   [MODEL=dlib] npx tsx research/min-face-tiles.ts [MIN_FACE...]      (default: 20 40; MODEL: a stack, default fusion)
 */
import { Likeness } from '../src/likeness.js';
import { bigOnePerson, demoMosaic } from '../test/helpers/synthetic-photos.js';

const inside = (b: { x: number; y: number; width: number; height: number }, x: number, y: number) => x >= b.x && x <= b.x + b.width && y >= b.y && y <= b.y + b.height;

const sizes = process.argv.slice(2).map(Number);
const l = await Likeness.create(process.env.MODEL ? { model: process.env.MODEL } : {});
const big = await bigOnePerson();
const m = await demoMosaic();
for (const minFaceSize of sizes.length > 0 ? sizes : [20, 40]) {
  const t0 = performance.now();
  const faces = (await l.detect(big.img, { detection: { minFaceSize } })).faces;
  const s = (performance.now() - t0) / 1000;
  const extra = faces.filter((f) => !inside(f.box, ...big.face));
  console.log(`35 MP one person, minFaceSize ${minFaceSize}: ${faces.length} faces (${extra.length} false: widths ${extra.map((f) => Math.round(f.box.width)).join(' ')}, scores ≤ ${Math.max(0, ...extra.map((f) => f.score)).toFixed(2)}), ${s.toFixed(1)} s`);
  const mf = (await l.detect(m.img, { detection: { minFaceSize } })).faces;
  const found = m.truth.filter(([x, y]) => mf.some((f) => inside(f.box, x, y))).length;
  const fp = mf.filter((f) => !m.truth.some(([x, y]) => inside(f.box, x, y))).length;
  console.log(`demo mosaic, minFaceSize ${minFaceSize}: ${found}/22 found, ${fp} boxes on no face`);
}
const t0 = performance.now();
const one = (await l.detect(big.img)).faces;
console.log(`35 MP one person, one pass: ${one.length} faces, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
