/**
 * `npm run bench:cluster`: clustering at library scale, on synthetic encodings (no photo is
 * decoded: this measures the neighbour graph and the clustering, not the encoder). Structure:
 * `--people` people × `--per` faces each, 320 dimensions (the default stack's length); each person's
 * centre is a shared direction plus a random one (cosine distance between people ≈ 0.55, LFW's
 * median between different people with the default stack is 0.57) and each face adds Gaussian noise
 * giving a distance of ≈ 0.14 within a person (LFW's median for one person: 0.14). Every face is its
 * own photo. Prints each stage's time, the peak RSS, and BCubed/pairwise against the known people.
 *
 *   npm run bench:cluster [-- --people 20000 --per 5 --k 64 --quantization i8|f16|f32 --expansion-add 64]
 */
import os from 'node:os';
import { chineseWhispers, enforceConstraints } from '../src/cluster/algorithms.js';
import { clusterMetrics } from '../src/cluster/metrics.js';
import { neighbourGraph } from '../src/cluster/neighbours.js';
import { clusterParameters } from '../src/cluster/parameters.js';
import { seededRng } from '../src/random.js';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}
const people = arg('people', 20_000);
const per = arg('per', 5);
const k = arg('k', clusterParameters().neighbours);
const qi = process.argv.indexOf('--quantization');
const quantization = (qi >= 0 ? process.argv[qi + 1] : 'i8') as 'f32' | 'f16' | 'i8';
const expansionAdd = arg('expansion-add', 64);
const d = 320;
const n = people * per;
const p = clusterParameters();

let peak = 0;
const sample = () => (peak = Math.max(peak, process.memoryUsage().rss));
const sampler = setInterval(sample, 100);
const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;

const rng = seededRng(7);
const gauss = () => Math.sqrt(-2 * Math.log(rng() + 1e-12)) * Math.cos(2 * Math.PI * rng());
const unit = (v: Float64Array) => {
  let s = 0;
  for (const x of v) s += x * x;
  const r = 1 / Math.sqrt(s);
  for (let i = 0; i < v.length; i++) v[i] = v[i]! * r;
  return v;
};
let t = performance.now();
const shared = unit(Float64Array.from({ length: d }, gauss));
const sigma = Math.sqrt(0.163 / d);
const matrix = new Float32Array(n * d);
const truth = new Int32Array(n);
for (let c = 0; c < people; c++) {
  const own = unit(Float64Array.from({ length: d }, gauss));
  const centre = unit(Float64Array.from({ length: d }, (_, i) => 0.9 * shared[i]! + own[i]!));
  for (let j = 0; j < per; j++) {
    const row = c * per + j;
    const v = unit(Float64Array.from({ length: d }, (_, i) => centre[i]! + sigma * gauss()));
    matrix.set(v, row * d);
    truth[row] = c;
  }
}
const made = (performance.now() - t) / 1000;
sample();
console.log(`${n.toLocaleString('en')} faces (${people.toLocaleString('en')} people × ${per}), ${d} dimensions, ${os.availableParallelism()} cores; made in ${made.toFixed(1)} s`);
t = performance.now();
const graph = await neighbourGraph(matrix, d, k, { quantization, expansionAdd });
const tGraph = (performance.now() - t) / 1000;
sample();
t = performance.now();
const raw = chineseWhispers(graph, p.threshold);
const tCw = (performance.now() - t) / 1000;
t = performance.now();
const labels = enforceConstraints(raw, Int32Array.from({ length: n }, (_, i) => i), matrix, d, p.minClusterSize);
const tCon = (performance.now() - t) / 1000;
sample();
clearInterval(sampler);
const m = clusterMetrics(labels, truth);
console.log(`neighbour graph (k ${k}, ${n > 5_000 ? `usearch HNSW, ${quantization}, expansion_add ${expansionAdd}` : 'usearch exact'}): ${tGraph.toFixed(1)} s`);
console.log(`Chinese whispers (threshold ${p.threshold}): ${tCw.toFixed(1)} s; constraints: ${tCon.toFixed(1)} s`);
console.log(`total clustering ${(tGraph + tCw + tCon).toFixed(1)} s; peak RSS ${mib(peak)} (encodings alone ${mib(matrix.byteLength)})`);
console.log(`BCubed P/R/F1 ${m.bcubed.precision.toFixed(4)} / ${m.bcubed.recall.toFixed(4)} / ${m.bcubed.f1.toFixed(4)}; pairwise ${m.pairwise.precision.toFixed(4)} / ${m.pairwise.recall.toFixed(4)} / ${m.pairwise.f1.toFixed(4)}; ${m.clusters} clusters of ≥ 2 for ${m.truthClusters} people, ${m.unclustered} faces unclustered`);
