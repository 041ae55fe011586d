/**
 * onnxruntime's graph optimisation levels, per network of the stacks, on one thread: the median
 * time of one pass on the input the pipeline gives it (RetinaFace on a 256² input — a 250 px LFW
 * photo at native scale — and on 1280²; the encoders on a batch of one and of two (chip + mirror)).
 * Inputs are random: speed does not depend on the pixels for these convolutional graphs.
 *
 *   npx tsx research/ort-optimisation.ts [--runs 50]
 */
import ort from 'onnxruntime-node';
import { parseArgs } from 'node:util';
import { modelBytes } from '../src/models/session.js';
import type { ModelSpec } from '../src/models/spec.js';
import { resnet128 } from '../src/models/zoo/dlib-resnet.js';
import { landmark68 } from '../src/models/zoo/faceapi-landmark68.js';
import { ssdMobilenetV1 } from '../src/models/zoo/faceapi-ssd.js';
import { mobileFaceNet } from '../src/models/zoo/mobilefacenet.js';
import { retinafaceV1 } from '../src/models/zoo/retinaface.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '50' } } });
const runs = Number(values.runs);

const cases: { spec: ModelSpec; label: string; dims: number[] }[] = [
  { spec: retinafaceV1(), label: 'RetinaFace v1, 256² (a 250 px photo)', dims: [1, 3, 256, 256] },
  { spec: retinafaceV1(), label: 'RetinaFace v1, 1280²', dims: [1, 3, 1280, 1280] },
  { spec: ssdMobilenetV1(), label: 'SSD-MobileNetV1, 512²', dims: [1, 3, 512, 512] },
  { spec: landmark68(), label: '68 landmarks, 112², batch 1', dims: [1, 3, 112, 112] },
  { spec: mobileFaceNet(), label: 'MobileFaceNet, batch 1', dims: [1, 3, 112, 112] },
  { spec: mobileFaceNet(), label: 'MobileFaceNet, batch 2 (mirror)', dims: [2, 3, 112, 112] },
  { spec: resnet128(), label: 'dlib ResNet, batch 1', dims: [1, 3, 150, 150] },
  { spec: resnet128(), label: 'dlib ResNet, batch 2 (mirror)', dims: [2, 3, 150, 150] },
];
const levels = ['disabled', 'basic', 'extended', 'all'] as const;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

console.log(`| network | ${levels.join(' | ')} |`);
console.log(`| --- |${levels.map(() => ' ---: |').join('')}`);
for (const c of cases) {
  const bytes = await modelBytes(c.spec);
  const cells: string[] = [];
  for (const level of levels) {
    const s = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: level, logSeverityLevel: 3 });
    // SSD and the landmark net take NHWC; the spec says which.
    const dims = c.spec.input.layout === 'nhwc' ? [c.dims[0]!, c.dims[2]!, c.dims[3]!, 3] : c.dims;
    const size = dims.reduce((a, b) => a * b, 1);
    const input = new ort.Tensor('float32', Float32Array.from({ length: size }, () => Math.random() * 255), dims);
    const feeds = { [c.spec.input.name ?? s.inputNames[0]!]: input };
    for (let i = 0; i < 5; i++) await s.run(feeds);
    const t: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      await s.run(feeds);
      t.push(performance.now() - t0);
    }
    cells.push(median(t).toFixed(2));
    await s.release();
  }
  console.log(`| ${c.label} | ${cells.join(' | ')} |`);
}
