/**
 * Where the face-quality thresholds sit (data/quality.json): LFW View 1 devTest pairs (every k-th
 * same and different pair), both photos degraded (Gaussian blur of sigma S, or shrunk so the
 * main face is W px wide, or JPEG quality Q), verified at the stack's calibrated threshold as
 * `likeness verify` does (main face, mirror on). Per condition: accuracy, false accepts/rejects and
 * the faces' measured sharpness (src/quality: Laplacian variance on the 112 px chip); then every
 * pair of every condition bucketed by the blurrier face's sharpness, and (sharp photos) by the larger
 * |yaw|/|pitch|/|roll|, with the accuracy in each bucket. Also the cost of faceQuality per face.
 *
 *   npx tsx research/quality-degrade.ts [--pairs N] [--sigmas 0,1,2,3,4,6] [--jpeg 10,5] [--model fusion] [LFW_DIR]
 */
import { parseArgs } from 'node:util';
import path from 'node:path';
import sharp from 'sharp';
import { evenDevTestPairs } from './lib/pairs.js';
import { decide } from '../src/match/verify.js';
import { Likeness } from '../src/likeness.js';
import { faceQuality, type FaceQuality } from '../src/quality/index.js';
import { DATA } from '../test/helpers/data.js';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { pairs: { type: 'string', default: '200' }, sigmas: { type: 'string', default: '0,1,2,3,4,6' }, jpeg: { type: 'string', default: '10,4' }, model: { type: 'string', default: 'fusion' } } });
const lfw = positionals[0] ?? path.join(DATA, 'lfw');
const n = Number(values.pairs);
const pairs = await evenDevTestPairs(lfw, n);
const l = await Likeness.create({ model: values.model! });
const spec = l.embedder.spec;
let qMs = 0, qN = 0;

type Cond = { name: string; make: (file: string) => Promise<Buffer> };
const conds: Cond[] = [
  ...values.sigmas!.split(',').map(Number).map((s) => ({ name: `blur σ=${s}`, make: (f: string) => (s === 0 ? sharp(f).png().toBuffer() : sharp(f).blur(s).png().toBuffer()) })),
  ...values.jpeg!.split(',').filter(Boolean).map(Number).map((q) => ({ name: `jpeg q=${q}`, make: (f: string) => sharp(f).jpeg({ quality: q }).toBuffer() })),
];

async function encode(bytes: Buffer): Promise<{ embedding: Float32Array; q: FaceQuality } | undefined> {
  const img = await l.load(bytes);
  const a = await l.embed(img);
  const f = a.faces[0];
  if (!f) return undefined;
  const t0 = performance.now();
  const q = faceQuality(img, f);
  qMs += performance.now() - t0;
  qN++;
  return { embedding: f.embedding, q };
}

interface Row { cond: string; same: boolean; ok: boolean; verified: boolean; qa?: FaceQuality; qb?: FaceQuality }
const rows: Row[] = [];
console.log(`${values.model}: ${pairs.length} LFW View 1 devTest pairs (${n / 2} same, ${n / 2} different), threshold ${spec.threshold.value}`);
console.log('| condition | accuracy | false accepts | false rejects | no face | median sharpness | 10th pct sharpness |');
console.log('| --- | --- | --- | --- | --- | --- | --- |');
for (const c of conds) {
  let ok = 0, fa = 0, fr = 0, noFace = 0;
  const blurs: number[] = [];
  for (const p of pairs) {
    const [ea, eb] = [await encode(await c.make(p.a)), await encode(await c.make(p.b))];
    if (!ea || !eb) {
      noFace++;
      if (p.same) fr++;
      else ok++;
      rows.push({ cond: c.name, same: p.same, ok: !p.same, verified: false });
      continue;
    }
    blurs.push(ea.q.blur, eb.q.blur);
    const d = decide(ea.embedding, eb.embedding, spec.threshold.value, spec.metric, spec.threshold.logistic);
    if (d.verified === p.same) ok++;
    else if (d.verified) fa++;
    else fr++;
    rows.push({ cond: c.name, same: p.same, ok: d.verified === p.same, verified: d.verified, qa: ea.q, qb: eb.q });
  }
  blurs.sort((a, b) => a - b);
  console.log(`| ${c.name} | ${((100 * ok) / pairs.length).toFixed(1)} % | ${fa} / ${n / 2} | ${fr} / ${n / 2} | ${noFace} | ${blurs[blurs.length >> 1]?.toFixed(1)} | ${blurs[Math.floor(blurs.length * 0.1)]?.toFixed(1)} |`);
}

function buckets(title: string, value: (r: Row) => number | undefined, edges: number[], sel: (r: Row) => boolean = () => true): void {
  console.log(`\n${title}\n| bucket | pairs | accuracy | false accepts | false rejects |\n| --- | --- | --- | --- | --- |`);
  for (let i = 0; i < edges.length - 1; i++) {
    const rs = rows.filter((r) => sel(r) && r.qa && r.qb && value(r)! >= edges[i]! && value(r)! < edges[i + 1]!);
    if (rs.length === 0) continue;
    const ok = rs.filter((r) => r.ok).length;
    console.log(`| [${edges[i]}, ${edges[i + 1]}) | ${rs.length} | ${((100 * ok) / rs.length).toFixed(1)} % | ${rs.filter((r) => !r.same && r.verified).length} | ${rs.filter((r) => r.same && !r.verified).length} |`);
  }
}
buckets('All conditions, by the blurrier face’s sharpness (min of the pair)', (r) => Math.min(r.qa!.blur, r.qb!.blur), [0, 5, 10, 15, 20, 30, 40, 60, 100, 200, 400, 1e9]);
const sharpOnly = (r: Row) => r.cond === conds[0]!.name;
buckets('Undegraded photos, by the larger |yaw| of the pair (degrees)', (r) => Math.max(Math.abs(r.qa!.yaw), Math.abs(r.qb!.yaw)), [0, 10, 20, 30, 40, 50, 90], sharpOnly);
buckets('Undegraded photos, by the larger |pitch| of the pair (degrees)', (r) => Math.max(Math.abs(r.qa!.pitch), Math.abs(r.qb!.pitch)), [0, 10, 20, 30, 40, 90], sharpOnly);
buckets('Undegraded photos, by the larger |roll| of the pair (degrees)', (r) => Math.max(Math.abs(r.qa!.roll), Math.abs(r.qb!.roll)), [0, 10, 20, 30, 45, 90], sharpOnly);
buckets('Undegraded photos, by the lower detection score of the pair', (r) => Math.min(r.qa!.detection, r.qb!.detection), [0, 0.5, 0.7, 0.9, 0.95, 1.01], sharpOnly);
console.log(`\nfaceQuality: ${(qMs / qN).toFixed(3)} ms per face (mean of ${qN}; provisional, shared CPU)`);
