/**
 * The challenge's landmark measures on real photos: the distribution of eye aspect ratio and of
 * landmark yaw on a seeded LFW sample (news photos: mostly frontal, eyes mostly open), to see where
 * the blink ratio and the frontal / turned yaw limits of src/liveness/challenge.ts fall.
 *
 *   npx tsx research/liveness-challenge.ts [--lfw 500]
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Likeness } from '../src/likeness.js';
import { DEFAULT_CHALLENGE_PARAMS, eyeAspectRatio, landmarkYaw } from '../src/liveness/challenge.js';
import { seededRng } from '../src/random.js';

const { values } = parseArgs({ options: { lfw: { type: 'string', default: '500' }, data: { type: 'string', default: path.resolve('..', 'shared', 'data') } } });
const root = path.join(values.data!, 'lfw', 'images');
const all = readdirSync(root).flatMap((d) => readdirSync(path.join(root, d)).map((f) => path.join(root, d, f))).sort();
const rng = seededRng(23);
const files = all.map((f) => [rng(), f] as const).sort((a, b) => a[0] - b[0]).slice(0, Number(values.lfw)).map(([, f]) => f);
const lk = await Likeness.create();
const ears: number[] = [];
const yaws: number[] = [];
const byFile: [number, string][] = [];
for (const f of files) {
  const face = (await lk.detect(f)).faces[0];
  if (!face?.landmarks) continue;
  ears.push(eyeAspectRatio(face.landmarks));
  byFile.push([eyeAspectRatio(face.landmarks), path.relative(root, f)]);
  yaws.push(landmarkYaw(face.landmarks));
}
const q = (v: number[], p: number): number => [...v].sort((a, b) => a - b)[Math.min(v.length - 1, Math.floor(p * v.length))]!;
const med = q(ears, 0.5);
console.log(`faces ${ears.length} of ${files.length}`);
console.log(`EAR: p1 ${q(ears, 0.01).toFixed(3)} p5 ${q(ears, 0.05).toFixed(3)} median ${med.toFixed(3)} p95 ${q(ears, 0.95).toFixed(3)}; under ${DEFAULT_CHALLENGE_PARAMS.closedRatio}×median: ${ears.filter((e) => e < DEFAULT_CHALLENGE_PARAMS.closedRatio * med).length}`);
console.log(`lowest EAR: ${byFile.sort((a, b) => a[0] - b[0]).slice(0, 12).map(([e, f]) => `${f} ${e.toFixed(3)}`).join(', ')}`);
const abs = yaws.map(Math.abs);
console.log(`|yaw|: median ${q(abs, 0.5).toFixed(3)} p75 ${q(abs, 0.75).toFixed(3)} p95 ${q(abs, 0.95).toFixed(3)} p99 ${q(abs, 0.99).toFixed(3)}; ≤ frontal ${DEFAULT_CHALLENGE_PARAMS.frontalYaw}: ${(100 * abs.filter((y) => y <= DEFAULT_CHALLENGE_PARAMS.frontalYaw).length / abs.length).toFixed(1)}%; ≥ turn ${DEFAULT_CHALLENGE_PARAMS.turnYaw}: ${(100 * abs.filter((y) => y >= DEFAULT_CHALLENGE_PARAMS.turnYaw).length / abs.length).toFixed(1)}%`);

// The painted closed-eye proxy (test/helpers/liveness-frames.ts) on face-api's demo faces: does the
// landmark network follow covered eyes?
const { closedEyes } = await import('../test/helpers/liveness-frames.js');
for (const i of [1, 2, 3, 4, 5, 6]) {
  const img = await lk.load(path.resolve(`node_modules/@vladmandic/face-api/demo/sample${i}.jpg`));
  const f = (await lk.detect(img)).faces[0]!;
  const c = (await lk.detect(closedEyes(img, f.landmarks!))).faces[0];
  console.log(`sample${i}: EAR open ${eyeAspectRatio(f.landmarks!).toFixed(3)}, eyes painted over ${c?.landmarks ? eyeAspectRatio(c.landmarks).toFixed(3) : 'no face'}`);
}
