/**
 * How to combine several enrolled faces of one subject: the nearest face (default) or the mean
 * encoding. Protocol built from LFW labels (deterministic): people with ≥ 4 photos, alternately
 * enrolled (first 3 photos in the gallery, the rest as known probes) or left out (all their photos
 * as unknown probes). Reports rank-1 and DIR at FPIR 1 % for both rules.
 *
 *   npx tsx research/subject-combination.ts [../shared/data/lfw]
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { encodeSet } from '../src/eval/encode-set.js';
import { cmc, dirAtFpir, type ProbeResult } from '../src/eval/metrics.js';
import { mainFace } from '../src/eval/verify-eval.js';
import { meanEncoding } from '../src/match/distance.js';

const root = process.argv[2] ?? '../shared/data/lfw';
const rows = (await readFile(path.join(root, 'labels.csv'), 'utf8')).trim().split('\n').slice(1).map((l) => l.split(','));
const byId = new Map<string, string[]>();
for (const [p, id] of rows) byId.set(id!, [...(byId.get(id!) ?? []), path.join(root, p!)]);
const people = [...byId.entries()].filter(([, f]) => f.length >= 4).sort(([a], [b]) => (a < b ? -1 : 1));
const enrolled = people.filter((_, i) => i % 2 === 0);
const strangers = people.filter((_, i) => i % 2 === 1);
const files = people.flatMap(([, f]) => f);
const enc = await encodeSet(files, { model: 'dlib' }, { label: 'encoding' });
const emb = (f: string) => {
  const r = enc.results.get(f);
  return r?.ok ? mainFace(r)?.embedding : undefined;
};
const gallery = enrolled.map(([id, f]) => ({ id, faces: f.slice(0, 3).map(emb).filter((e): e is Float32Array => !!e) }));
const mean = gallery.map((g) => meanEncoding(g.faces));
const dist = (a: Float32Array, b: Float32Array) => {
  let dot = 0;
  for (let k = 0; k < a.length; k++) dot += a[k]! * b[k]!;
  return Math.sqrt(Math.max(0, 2 - 2 * dot));
};
const probes: { id: string | null; e: Float32Array }[] = [
  ...enrolled.flatMap(([id, f]) => f.slice(3).map(emb).filter((e): e is Float32Array => !!e).map((e) => ({ id, e }))),
  ...strangers.flatMap(([, f]) => f.map(emb).filter((e): e is Float32Array => !!e).map((e) => ({ id: null, e }))),
];
for (const rule of ['nearest', 'mean'] as const) {
  const results: ProbeResult[] = probes.map((p) => {
    const d = gallery.map((g, i) => (rule === 'nearest' ? Math.min(...g.faces.map((e) => dist(e, p.e))) : dist(mean[i]!, p.e)));
    const order = d.map((x, i) => [x, i] as const).sort((a, b) => a[0] - b[0]);
    const pos = p.id === null ? -1 : order.findIndex(([, i]) => gallery[i]!.id === p.id);
    return { known: p.id !== null, rank: pos >= 0 ? pos + 1 : Infinity, bestDistance: order[0]![0], rank1Correct: pos === 0 };
  });
  const r1 = cmc(results, 1)[0]!;
  const dir = dirAtFpir(results, 0.01);
  console.log(`${rule}: ${gallery.length} people × 3 photos, ${results.filter((r) => r.known).length} known and ${results.filter((r) => !r.known).length} unknown probes: rank-1 ${(r1 * 100).toFixed(2)} %, DIR ${(dir.dir * 100).toFixed(2)} % at FPIR 1 % (threshold ${dir.threshold.toFixed(4)})`);
}
