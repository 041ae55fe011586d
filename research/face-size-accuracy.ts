/**
 * Verification accuracy vs face width: LFW View 1 pairs (pairsDevTest.txt, every k-th same and
 * different pair) with both photos shrunk so that their main face's detector box is W px wide, then
 * verified at the stack's calibrated threshold as `likeness verify` does (main face, mirror on).
 * Per W: accuracy, false accepts (different people accepted) and false rejects, pairs without a face
 * (counted as errors: a rejection). The figure behind data/quality.json.
 *
 *   npx tsx research/face-size-accuracy.ts [--pairs N] [--widths 24,32,...] [--model fusion] [LFW_DIR]
 */
import { parseArgs } from 'node:util';
import path from 'node:path';
import sharp from 'sharp';
import { evenDevTestPairs } from './lib/pairs.js';
import { decide } from '../src/match/verify.js';
import { Likeness, mainFirst } from '../src/likeness.js';
import { DATA } from '../test/helpers/data.js';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { pairs: { type: 'string', default: '300' }, widths: { type: 'string', default: '24,32,40,48,56,64,80,96' }, model: { type: 'string', default: 'fusion' } } });
const lfw = positionals[0] ?? path.join(DATA, 'lfw');
const n = Number(values.pairs);
const widths = values.widths!.split(',').map(Number);
const pairs = await evenDevTestPairs(lfw, n);
const l = await Likeness.create({ model: values.model! });
const spec = l.embedder.spec;

/** The photo's main face width at full size. */
const nativeWidth = new Map<string, number>();
async function widthOf(file: string): Promise<number | undefined> {
  if (!nativeWidth.has(file)) {
    const a = await l.detect(file);
    const f = mainFirst(a.faces, a)[0];
    nativeWidth.set(file, f ? f.box.width : NaN);
  }
  const w = nativeWidth.get(file)!;
  return Number.isNaN(w) ? undefined : w;
}

async function encodeAt(file: string, w: number): Promise<{ embedding: Float32Array; width: number } | undefined> {
  const native = await widthOf(file);
  if (native === undefined) return undefined;
  const meta = await sharp(file).metadata();
  const k = Math.min(1, w / native);
  const bytes = await sharp(file).resize(Math.max(8, Math.round(meta.width! * k)), Math.max(8, Math.round(meta.height! * k)), { kernel: 'lanczos3' }).png().toBuffer();
  const a = await l.embed(bytes);
  const f = mainFirst(a.faces, a)[0];
  return f ? { embedding: f.embedding, width: f.box.width } : undefined;
}

console.log(`${values.model}: ${pairs.length} LFW View 1 devTest pairs (${n / 2} same, ${n / 2} different), threshold ${spec.threshold.value}`);
console.log('| face width (px) | accuracy | false accepts (of different) | false rejects (of same) | pairs without a face | measured mean box width |');
console.log('| --- | --- | --- | --- | --- | --- |');
const rows = [];
for (const w of widths) {
  let ok = 0, fa = 0, fr = 0, noFace = 0, sumW = 0, nW = 0;
  for (const p of pairs) {
    const [ea, eb] = [await encodeAt(p.a, w), await encodeAt(p.b, w)];
    if (!ea || !eb) {
      noFace++;
      if (p.same) fr++;
      else ok++;
      continue;
    }
    sumW += ea.width + eb.width;
    nW += 2;
    const d = decide(ea.embedding, eb.embedding, spec.threshold.value, spec.metric, spec.threshold.logistic);
    if (d.verified === p.same) ok++;
    else if (d.verified) fa++;
    else fr++;
  }
  const row = { width: w, accuracy: ok / pairs.length, falseAccepts: fa, falseRejects: fr, noFace, meanBoxWidth: sumW / nW };
  rows.push(row);
  console.log(`| ${w} | ${(100 * row.accuracy).toFixed(1)} % | ${fa} / ${n / 2} | ${fr} / ${n / 2} | ${noFace} | ${row.meanBoxWidth.toFixed(1)} |`);
}
console.log(JSON.stringify(rows));
