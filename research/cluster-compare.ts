/**
 * Clustering algorithms compared on LFW: every face of all 13,233 photos (from
 * research/cluster-encode-lfw.ts, default stack) is clustered together; each photo's main face is
 * labelled with its identity, the other faces are unlabelled extras (reported apart). Parameters are
 * tuned on half of the identities (split A: sha256 of the name, first byte even) and reported on
 * the other half (B), and on all; each also on the people with ≥ 2 photos. Immich's defaults (DBSCAN,
 * cosine max distance 0.5, min faces 3) are the baseline, computed in the same run.
 *
 *   npx tsx research/cluster-encode-lfw.ts ../shared/data/lfw tmp/lfw-faces.jsonl
 *   npx tsx research/cluster-compare.ts tmp/lfw-faces.jsonl [--k 64] [--json tmp/cluster-compare.json]
 */
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { averageLinkage, chineseWhispers, dbscan, enforceConstraints, hdbscan, type Labels } from '../src/cluster/algorithms.js';
import { clusterMetrics, type ClusterMetrics } from '../src/cluster/metrics.js';
import { neighbourGraph } from '../src/cluster/neighbours.js';
import { trustedFace } from '../src/cluster/quality.js';

const args = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args.splice(i, 2)[1] : undefined;
};
const K = Number(opt('--k') ?? 64);
const jsonOut = opt('--json');
const file = args[0] ?? 'tmp/lfw-faces.jsonl';

interface Line { path: string; identity: string; main?: boolean; box?: { x: number; y: number; width: number; height: number }; score?: number; e?: number[]; error?: string }
const lines = (await readFile(file, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Line);
const faces = lines.filter((l) => l.e);
const photosAll = new Set(lines.map((l) => l.path));
const d = faces[0]!.e!.length;
const matrix = new Float32Array(faces.length * d);
faces.forEach((f, i) => matrix.set(f.e!, i * d));
const photoIndex = new Map<string, number>();
const photo = Int32Array.from(faces, (f) => photoIndex.get(f.path) ?? photoIndex.set(f.path, photoIndex.size).get(f.path)!);
const trusted = faces.map((f) => trustedFace({ box: f.box!, score: f.score! }));
const perPerson = new Map<string, number>();
for (const p of photosAll) {
  const id = lines.find((l) => l.path === p)!.identity;
  perPerson.set(id, (perPerson.get(id) ?? 0) + 1);
}
const splitA = (id: string) => createHash('sha256').update(id).digest()[0]! % 2 === 0;
// the truth: one item per photo (its main face, or a singleton when no face was found)
const photoList = [...photosAll];
const identityOf = new Map(lines.map((l) => [l.path, l.identity]));
const mainFace = new Map<string, number>();
faces.forEach((f, i) => f.main && mainFace.set(f.path, i));
console.log(`${photoList.length} photos, ${faces.length} faces (${faces.length - mainFace.size} extras), ${photoList.length - mainFace.size} photos without a face, ${trusted.filter((t) => !t).length} faces under the quality bar, ${d} dimensions`);

let t0 = performance.now();
const graph = await neighbourGraph(matrix, d, K);
console.log(`neighbour graph k=${K}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);

// untrusted faces take no part: their edges are cut
const gTrusted = { ...graph, ids: Int32Array.from(graph.ids), dist: Float32Array.from(graph.dist) };
for (let i = 0; i < graph.n; i++) {
  const kept: [number, number][] = [];
  if (trusted[i]) for (let j = 0; j < graph.k; j++) { const t = graph.ids[i * graph.k + j]!; if (t >= 0 && trusted[t]) kept.push([t, graph.dist[i * graph.k + j]!]); }
  for (let j = 0; j < graph.k; j++) { gTrusted.ids[i * graph.k + j] = kept[j]?.[0] ?? -1; gTrusted.dist[i * graph.k + j] = kept[j]?.[1] ?? Infinity; }
}

type Subset = 'A' | 'B' | 'all';
function evaluate(labels: Labels, subset: Subset, min2: boolean): ClusterMetrics {
  const pred: number[] = [];
  const truth: string[] = [];
  for (const p of photoList) {
    const id = identityOf.get(p)!;
    if (subset !== 'all' && splitA(id) !== (subset === 'A')) continue;
    if (min2 && perPerson.get(id)! < 2) continue;
    const f = mainFace.get(p);
    pred.push(f === undefined ? -1 : labels[f]!);
    truth.push(id);
  }
  return clusterMetrics(pred, truth);
}
const extrasClustered = (labels: Labels) => faces.reduce((s, f, i) => s + (!f.main && labels[i]! >= 0 ? 1 : 0), 0);

interface Run { algorithm: string; params: string; constrained: boolean; labels: Labels; seconds: number }
const runs: Run[] = [];
function run(algorithm: string, params: string, f: () => Labels, minSize: number, constrained = true): void {
  const t = performance.now();
  let labels = f();
  labels = constrained ? enforceConstraints(labels, photo, matrix, d, minSize) : enforceConstraints(labels, new Int32Array(labels.length).map((_, i) => i), matrix, d, minSize);
  runs.push({ algorithm, params: `${params}, min ${minSize}`, constrained, labels, seconds: (performance.now() - t) / 1000 });
}
t0 = performance.now();
// the baseline: Immich's defaults, as Immich runs it (no quality filter, no same-photo rule)
run('DBSCAN (Immich defaults)', 'eps 0.5, minPts 3', () => dbscan(graph, 0.5, 3), 3, false);
for (const minSize of [2, 3]) {
  for (const eps of [0.15, 0.2, 0.25, 0.3]) for (const minPts of [2, 3]) run('DBSCAN', `eps ${eps}, minPts ${minPts}`, () => dbscan(gTrusted, eps, minPts), minSize);
  for (const th of [0.2, 0.225, 0.25, 0.275, 0.3, 0.35]) run('Chinese whispers', `threshold ${th}`, () => chineseWhispers(gTrusted, th), minSize);
  for (const th of [0.35, 0.45, 0.55, 0.65]) run('average linkage (missing pairs = 1)', `threshold ${th}`, () => averageLinkage(gTrusted, { threshold: th }), minSize);
  for (const th of [0.2, 0.225, 0.25, 0.275, 0.3]) {
    run('average linkage (observed pairs)', `threshold ${th}`, () => averageLinkage(gTrusted, { threshold: th, fill: 'observed' }), minSize);
    run('average linkage (observed pairs) + same-photo rule', `threshold ${th}`, () => averageLinkage(gTrusted, { threshold: th, fill: 'observed', photo }), minSize);
  }
  for (const mcs of [2, 3]) for (const ms of [1, 2, 3]) for (const md of [0.3, 0.4, Infinity]) run('HDBSCAN', `minClusterSize ${mcs}, minSamples ${ms}, maxDistance ${md}`, () => hdbscan(gTrusted, { minClusterSize: mcs, minSamples: ms, maxDistance: md }), minSize);
}
console.log(`${runs.length} runs in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

const fmt = (x: number) => x.toFixed(4);
const row = (r: Run, subset: Subset, min2: boolean) => {
  const m = evaluate(r.labels, subset, min2);
  return `| ${r.algorithm} | ${r.params} | ${subset}${min2 ? ' ≥2' : ''} | ${fmt(m.pairwise.precision)} | ${fmt(m.pairwise.recall)} | ${fmt(m.pairwise.f1)} | ${fmt(m.bcubed.precision)} | ${fmt(m.bcubed.recall)} | ${fmt(m.bcubed.f1)} | ${m.clusters} / ${m.truthClusters} | ${r.seconds.toFixed(2)} |`;
};
// the best of each algorithm on split A by BCubed F1 (ties: precision)
const best = new Map<string, Run>();
for (const r of runs) {
  const m = evaluate(r.labels, 'A', false);
  const cur = best.get(r.algorithm);
  const cm = cur && evaluate(cur.labels, 'A', false);
  if (!cm || m.bcubed.f1 > cm.bcubed.f1 + 1e-9 || (Math.abs(m.bcubed.f1 - cm.bcubed.f1) <= 1e-9 && m.bcubed.precision > cm.bcubed.precision)) best.set(r.algorithm, r);
}
console.log('\nBest of each algorithm on split A (BCubed F1), reported on split B and on all:\n');
console.log('| algorithm | parameters | items | pair P | pair R | pair F1 | B³ P | B³ R | B³ F1 | clusters (≥2) / truth | s |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of best.values()) for (const [s, m2] of [['A', false], ['B', false], ['B', true], ['all', false], ['all', true]] as [Subset, boolean][]) console.log(row(r, s, m2));
console.log('\nExtras (faces other than the main one) put in a cluster:');
for (const r of best.values()) console.log(`  ${r.algorithm}: ${extrasClustered(r.labels)} of ${faces.length - mainFace.size}`);
if (jsonOut) {
  const all = runs.map((r) => ({ algorithm: r.algorithm, params: r.params, A: evaluate(r.labels, 'A', false), B: evaluate(r.labels, 'B', false), all: evaluate(r.labels, 'all', false), all2: evaluate(r.labels, 'all', true) }));
  await writeFile(jsonOut, JSON.stringify(all, null, 1));
}
