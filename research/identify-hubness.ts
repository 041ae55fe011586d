/**
 * Hubness correction for open-set identification (src/match/hubness.ts), measured from cached
 * encodings on an identify protocol: raw distances, the unclamped correction d² + (h − h₀) and the
 * clamped one d² + max(0, h − h₀) that `identify` uses, on the whole gallery, on two halves of the
 * people (split by a hash of their name: a setting is worth adopting only if it helps on both), and
 * on small galleries (the first 20 and 100 people), where the correction must not hurt. h₀ is the
 * whole gallery's mean hubness. Subjects have one photo each here, so a subject is its face.
 *
 *   npx tsx research/identify-hubness.ts ../shared/data/lfw/identify.csv
 */
import { createHash } from 'node:crypto';
import { encodeSet } from '../src/eval/encode-set.js';
import { cmc, dirAtFpir, type ProbeResult } from '../src/eval/metrics.js';
import { readProtocol } from '../src/eval/protocol.js';
import { mainFace } from '../src/eval/verify-eval.js';
import { hubness } from '../src/match/hubness.js';

const entries = await readProtocol(process.argv[2] ?? '../shared/data/lfw/identify.csv');
const enc = await encodeSet(entries.map((e) => e.path), { model: 'dlib' }, { label: 'encoding' });
const vec = (p: string): Float32Array | undefined => {
  const r = enc.results.get(p);
  return r?.ok ? mainFace(r)?.embedding : undefined;
};
const dot = (a: Float32Array, b: Float32Array): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};
const half = (id: string): number => createHash('sha1').update(id).digest()[0]! & 1;
const pct = (x: number): string => (x * 100).toFixed(2);

type Person = { id: string; v: Float32Array };
const allGallery: Person[] = entries.filter((e) => e.role === 'gallery').flatMap((e) => (vec(e.path) ? [{ id: e.identity, v: vec(e.path)! }] : []));
const allProbes = entries.filter((e) => e.role === 'probe').map((e) => ({ id: e.identity, v: vec(e.path) }));
const hubs = (gallery: Person[]): number[] => gallery.map((g) => hubness(gallery.filter((o) => o !== g).map((o) => dot(g.v, o.v)))!);
const reference = ((h) => h.reduce((a, b) => a + b, 0) / h.length)(hubs(allGallery));

function measure(label: string, gallery: Person[], probes: typeof allProbes): void {
  const enrolled = new Set(gallery.map((g) => g.id));
  const h = hubs(gallery);
  const rules: Record<string, (d2: number, i: number) => number> = {
    raw: (d2) => d2,
    unclamped: (d2, i) => d2 + h[i]! - reference,
    clamped: (d2, i) => d2 + Math.max(0, h[i]! - reference),
  };
  console.log(`${label}: ${gallery.length} enrolled, ${probes.filter((p) => enrolled.has(p.id)).length} known and ${probes.filter((p) => !enrolled.has(p.id)).length} unknown probes`);
  for (const [name, score] of Object.entries(rules)) {
    const results: ProbeResult[] = probes.map((p) => {
      const known = enrolled.has(p.id);
      if (!p.v) return { known, rank: Infinity, bestDistance: Infinity, rank1Correct: false };
      const ranked = gallery.map((g, i) => ({ id: g.id, d: score(2 - 2 * dot(p.v!, g.v), i) })).sort((a, b) => a.d - b.d);
      const pos = ranked.findIndex((x) => x.id === p.id);
      return { known, rank: known && pos >= 0 ? pos + 1 : Infinity, bestDistance: ranked[0]!.d, rank1Correct: known && pos === 0 };
    });
    const [d1, d01] = [dirAtFpir(results, 0.01), dirAtFpir(results, 0.001)];
    console.log(`  ${name.padEnd(9)} rank-1 ${pct(cmc(results, 1)[0]!)} %, DIR ${pct(d1.dir)} % at FPIR 1 % (distance ${Math.sqrt(Math.max(0, d1.threshold)).toFixed(4)}), ${pct(d01.dir)} % at 0.1 %`);
  }
}

console.log(`reference hubness h₀ (mean over the whole gallery): ${reference.toFixed(5)}`);
measure('whole', allGallery, allProbes);
for (const side of [0, 1]) measure(`half ${side}`, allGallery.filter((g) => half(g.id) === side), allProbes.filter((p) => half(p.id) === side));
for (const n of [20, 100]) {
  const small = allGallery.slice(0, n);
  const everyone = new Set(allGallery.map((g) => g.id));
  measure(`first ${n} people`, small, allProbes.filter((p) => small.some((g) => g.id === p.id) || !everyone.has(p.id)));
}
