/**
 * How the detection box is framed before the 68-point landmark net, on View 1 (never to choose on
 * View 2): the box scaled about its centre (0.9–1.2) or moved up/down by 5 % of its height, each
 * giving its own landmarks and chip; and the encodings of several framings averaged (test-time
 * augmentation over the landmark estimate). Largest face per photo, the default pipeline otherwise.
 * About 7 min for View 1's 4,992 photos on one core.
 *
 *   npx tsx research/landmark-box.ts view1.csv
 */
import { readPairs } from '../src/eval/pairs.js';
import { largestFirst, Likeness } from '../src/likeness.js';
import { meanEncoding } from '../src/match/distance.js';
import type { Box } from '../src/types.js';
import { figuresLine, pairDistances } from './lib/figures.js';

const pairs = await readPairs(process.argv[2] ?? 'view1.csv');
const files = [...new Set(pairs.flatMap((p) => [p.a, p.b]))];
const reframe = (s: number, dy: number) => (b: Box): Box => {
  const cx = b.x + b.width / 2;
  const cy = b.y + b.height / 2 + dy * b.height;
  return { x: cx - (b.width * s) / 2, y: cy - (b.height * s) / 2, width: b.width * s, height: b.height * s };
};
const framings: Record<string, (b: Box) => Box> = {
  'detector box (default)': reframe(1, 0),
  'scaled 0.9': reframe(0.9, 0),
  'scaled 0.95': reframe(0.95, 0),
  'scaled 1.05': reframe(1.05, 0),
  'scaled 1.1': reframe(1.1, 0),
  'scaled 1.2': reframe(1.2, 0),
  'moved up 5 %': reframe(1, -0.05),
  'moved down 5 %': reframe(1, 0.05),
};
const names = Object.keys(framings);
const likeness = await Likeness.create({ model: 'dlib' }); // the stack this was measured on (the default until the stacks)
const enc = new Map<string, Float32Array[]>();
for (const [i, file] of files.entries()) {
  const img = await likeness.load(file);
  const face = largestFirst((await likeness.detect(img)).faces)[0];
  if (face) {
    const landmarks = await likeness.landmarker!.predict(img, Object.values(framings).map((f) => f(face.box)));
    enc.set(file, await likeness.network.embedChips(landmarks.map((l) => likeness.network.align(img, l).chip)));
  }
  if ((i + 1) % 500 === 0) process.stderr.write(`${i + 1}/${files.length}\n`);
}
function report(label: string, encode: (e: Float32Array[]) => Float32Array): void {
  console.log(figuresLine(label, pairDistances(pairs, (f) => {
    const e = enc.get(f);
    return e && encode(e);
  })));
}
names.forEach((n, i) => report(n, (e) => e[i]!));
const average = (picked: string[]) => (e: Float32Array[]) => meanEncoding(picked.map((n) => e[names.indexOf(n)]!));
report('average of default, 0.9, 1.1', average(['detector box (default)', 'scaled 0.9', 'scaled 1.1']));
report('average of default, up, down', average(['detector box (default)', 'moved up 5 %', 'moved down 5 %']));
report('average of all eight', average(names));
