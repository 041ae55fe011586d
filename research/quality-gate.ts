/**
 * What the quality gate buys. Different-person pairs: every two faces of one group photo (faces of
 * one photo are different people) from face-api's demo photos and press-photos/unlabelled, each
 * face's photo as is, Gaussian-blurred (sigma 3, 5 at native size) and shrunk (the photo ×0.25,
 * ×0.15), verified at the stack's calibrated threshold: false accepts of all pairs, and of the
 * pairs the gate lets through (both faces without a quality reason). Same-person pairs the gate
 * rejects: LFW View 1 devTest same pairs, both photos sharp, blurred σ=2 and σ=3, shrunk ×0.4.
 *
 *   npx tsx research/quality-gate.ts [--lfw-pairs 100] [--model fusion] [DATA_DIR]
 */
import { readdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import path from 'node:path';
import sharp from 'sharp';
import { readPairs } from '../src/eval/pairs.js';
import { decide } from '../src/match/verify.js';
import { Likeness, type EncodedFace } from '../src/likeness.js';
import { DATA, FACEAPI_DEMO } from '../test/helpers/data.js';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { 'lfw-pairs': { type: 'string', default: '100' }, model: { type: 'string', default: 'fusion' } } });
const data = positionals[0] ?? DATA;
const l = await Likeness.create({ model: values.model! });
const spec = l.embedder.spec;
const accept = (a: Float32Array, b: Float32Array) => decide(a, b, spec.threshold.value, spec.metric, spec.threshold.logistic).verified;
const poor = (f: EncodedFace) => f.quality!.reasons.length > 0;

const groups = [
  ...readdirSync(FACEAPI_DEMO).filter((f) => /^sample\d\.jpg$/.test(f)).map((f) => path.join(FACEAPI_DEMO, f)),
  ...readdirSync(path.join(data, 'press-photos', 'unlabelled')).map((f) => path.join(data, 'press-photos', 'unlabelled', f)),
];
type Cond = { name: string; make: (f: string) => Promise<Buffer> };
const scaled = (k: number) => async (f: string) => {
  const m = await sharp(f).rotate().metadata();
  return sharp(f).rotate().resize(Math.round((m.autoOrient?.width ?? m.width!) * k)).png().toBuffer();
};
const conds: Cond[] = [
  { name: 'as is', make: (f) => sharp(f).rotate().png().toBuffer() },
  { name: 'blur σ=3', make: (f) => sharp(f).rotate().blur(3).png().toBuffer() },
  { name: 'blur σ=5', make: (f) => sharp(f).rotate().blur(5).png().toBuffer() },
  { name: 'shrunk ×0.25', make: scaled(0.25) },
  { name: 'shrunk ×0.15', make: scaled(0.15) },
];
console.log(`${values.model}, threshold ${spec.threshold.value}: ${groups.length} group photos`);
console.log('\n| condition | faces | different-person pairs | false accepts | pairs through the gate | false accepts through the gate | pairs with a face under 100 px | their false accepts |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
const tot = { pairs: 0, fa: 0, gated: 0, gatedFa: 0 };
for (const c of conds) {
  let faces = 0, pairs = 0, fa = 0, gated = 0, gatedFa = 0, small = 0, smallFa = 0;
  for (const g of groups) {
    const a = await l.embed(await c.make(g), { quality: true });
    faces += a.faces.length;
    for (let i = 0; i < a.faces.length; i++)
      for (let j = i + 1; j < a.faces.length; j++) {
        const [x, y] = [a.faces[i]!, a.faces[j]!];
        const acc = accept(x.embedding, y.embedding);
        pairs++;
        if (acc) fa++;
        if (Math.min(x.box.width, y.box.width) < 100) {
          small++;
          if (acc) smallFa++;
        }
        if (!poor(x) && !poor(y)) {
          gated++;
          if (acc) gatedFa++;
        }
      }
  }
  tot.pairs += pairs; tot.fa += fa; tot.gated += gated; tot.gatedFa += gatedFa;
  console.log(`| ${c.name} | ${faces} | ${pairs} | ${fa} | ${gated} | ${gatedFa} | ${small} | ${smallFa} |`);
}
console.log(`| all | | ${tot.pairs} | ${tot.fa} | ${tot.gated} | ${tot.gatedFa} | | |`);

const n = Number(values['lfw-pairs']);
const same = (await readPairs(path.join(data, 'lfw', 'pairsDevTest.txt'))).filter((p) => p.same);
const step = same.length / n;
const lfwPairs = Array.from({ length: n }, (_, i) => same[Math.floor(i * step)]!);
const lconds: Cond[] = [conds[0]!, { name: 'blur σ=2', make: (f) => sharp(f).blur(2).png().toBuffer() }, conds[1]!, { name: 'shrunk ×0.4', make: scaled(0.4) }];
console.log(`\nLFW View 1 devTest, ${n} same-person pairs\n| condition | accepted | refused by the gate (either face poor) | accepted among those the gate refused | reasons |\n| --- | --- | --- | --- | --- |`);
for (const c of lconds) {
  let acc = 0, refused = 0, refusedAcc = 0;
  const reasons = new Map<string, number>();
  for (const p of lfwPairs) {
    const [a, b] = [(await l.embed(await c.make(p.a), { quality: true })).faces[0], (await l.embed(await c.make(p.b), { quality: true })).faces[0]];
    if (!a || !b) continue;
    const ok = accept(a.embedding, b.embedding);
    if (ok) acc++;
    if (poor(a) || poor(b)) {
      refused++;
      if (ok) refusedAcc++;
      for (const r of new Set([...a.quality!.reasons, ...b.quality!.reasons])) reasons.set(r, (reasons.get(r) ?? 0) + 1);
    }
  }
  console.log(`| ${c.name} | ${acc} / ${n} | ${refused} | ${refusedAcc} | ${[...reasons].map(([r, k]) => `${r} ${k}`).join(', ')} |`);
}
