/**
 * The neighbour graph's search on LFW: exact against HNSW (f32, expansion_add 128; i8, 64), the
 * product's clustering (Chinese whispers 0.2, constraints) on each, BCubed on the main faces that
 * pass the quality bar.
 *
 *   npx tsx research/cluster-graph.ts   (reads tmp/lfw-faces.jsonl from research/cluster-encode-lfw.ts)
 */
import { readFile } from 'node:fs/promises';
import { chineseWhispers, enforceConstraints } from '../src/cluster/algorithms.js';
import { clusterMetrics } from '../src/cluster/metrics.js';
import { neighbourGraph } from '../src/cluster/neighbours.js';
import { trustedFace } from '../src/cluster/quality.js';
const lines = (await readFile('tmp/lfw-faces.jsonl', 'utf8')).trim().split('\n').map((l) => JSON.parse(l)).filter((l: any) => l.e && trustedFace({ box: l.box, score: l.score }));
const d = lines[0].e.length; const n = lines.length;
const m = new Float32Array(n * d); lines.forEach((l: any, i: number) => m.set(l.e, i * d));
const pm = new Map<string, number>(); const photo = Int32Array.from(lines, (l: any) => pm.get(l.path) ?? pm.set(l.path, pm.size).get(l.path)!);
const mains = lines.map((l: any, i: number) => [l, i] as const).filter(([l]) => l.main);
for (const [name, o] of [['exact', { exactUpTo: Infinity }], ['hnsw f32/128', { exactUpTo: 100, quantization: 'f32' as const, expansionAdd: 128 }], ['hnsw i8/64', { exactUpTo: 100, quantization: 'i8' as const, expansionAdd: 64 }]] as const) {
  const t = performance.now();
  const g = await neighbourGraph(m, d, 64, o);
  const tg = (performance.now() - t) / 1000;
  const lab = enforceConstraints(chineseWhispers(g, 0.2), photo, m, d, 2);
  const r = clusterMetrics(mains.map(([, i]) => lab[i]!), mains.map(([l]) => l.identity));
  console.log(name, `graph ${tg.toFixed(1)} s`, 'B3', r.bcubed.precision.toFixed(4), r.bcubed.recall.toFixed(4), r.bcubed.f1.toFixed(4));
}
