/**
 * Does faceplugin's fr_eye.onnx tell open eyes from shut ones? Its input and crop as the package's
 * own lib/fr_eye.js makes them (read, not copied): a square around each eye's four lid points, 1.6 ×
 * the eye's width, 24×24 grey / 255, NCHW; two-class softmax. Printed: class-0 probability for the
 * left and right eye on LFW photos with open and shut eyes (John Paul II 0002/0003 and Rumsfeld 0067
 * are shut; the liveness research found them) and on face-api's demo photos (open).
 *
 *   npx tsx research/quality-eyes.ts        (fetches the package with npm pack into tmp/ once)
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { Likeness } from '../src/likeness.js';
const MODEL = 'tmp/faceplugin/package/model/fr_eye.onnx';
if (!existsSync(MODEL)) {
  mkdirSync('tmp/faceplugin', { recursive: true });
  const tgz = execFileSync('npm', ['pack', 'faceplugin-face-recognition-js@0.0.1', '--pack-destination', 'tmp/faceplugin'], { encoding: 'utf8' }).trim().split('\n').pop()!;
  execFileSync('tar', ['xzf', `tmp/faceplugin/${tgz}`, '-C', 'tmp/faceplugin']);
}
const sess = await ort.InferenceSession.create(MODEL);
console.log(sess.inputNames, sess.outputNames);
const L = await Likeness.create();
async function eyes(file: string) {
  const img = await L.load(file);
  const { faces } = await L.detect(img);
  const f = faces[0]!; const lm = f.landmarks!;
  const out: number[] = [];
  for (const [a, b, c, d, l, r] of [[37, 38, 40, 41, 36, 39], [43, 44, 46, 47, 42, 45]] as const) {
    const cx = (lm[a]!.x + lm[b]!.x + lm[c]!.x + lm[d]!.x) / 4, cy = (lm[a]!.y + lm[b]!.y + lm[c]!.y + lm[d]!.y) / 4;
    const size = Math.max(2, (lm[r]!.x - lm[l]!.x) * 1.6);
    const left = Math.max(0, Math.round(cx - size / 2)), top = Math.max(0, Math.round(cy - size / 2));
    const s = Math.round(Math.min(size, img.width - left - 1, img.height - top - 1));
    const g = await sharp(Buffer.from(img.data), { raw: { width: img.width, height: img.height, channels: 3 } }).extract({ left, top, width: s, height: s }).resize(24, 24, { kernel: 'linear' }).greyscale().raw().toBuffer();
    const x = new Float32Array(576); for (let i = 0; i < 576; i++) x[i] = g[i]! / 255;
    const o = await sess.run({ [sess.inputNames[0]!]: new ort.Tensor('float32', x, [1, 1, 24, 24]) });
    const v = o[sess.outputNames[0]!]!.data as Float32Array; const e0 = Math.exp(v[0]!), e1 = Math.exp(v[1]!);
    out.push(+(e0 / (e0 + e1)).toFixed(3));
  }
  console.log(file.split('/').pop(), out);
}
const L0 = '../shared/data/lfw/images/';
for (const f of ['John_Paul_II/John_Paul_II_0001.jpg','John_Paul_II/John_Paul_II_0002.jpg','John_Paul_II/John_Paul_II_0003.jpg','Donald_Rumsfeld/Donald_Rumsfeld_0067.jpg','Will_Ferrell/Will_Ferrell_0001.jpg','Donald_Rumsfeld/Donald_Rumsfeld_0001.jpg','Aaron_Peirsol/Aaron_Peirsol_0001.jpg']) await eyes(L0 + f);
for (const i of [1,2,3,4,5,6]) await eyes(`node_modules/@vladmandic/face-api/demo/sample${i}.jpg`);
