/**
 * Hubness correction for open-set identification, measured from cached encodings: some enrolled
 * faces are near many strangers ("hubs") and collect false matches. Each gallery face g gets
 * r_g, its mean cosine similarity to its k nearest other gallery faces, and a probe q is scored
 * by 2·cos(q, g) − r_g (CSLS with the gallery side only; `+probe` also subtracts the probe's r_q).
 * The protocol's people are split in two halves by a hash of their name: a setting is worth
 * adopting only if it helps on both halves.
 *
 *   npx tsx scripts/identify-hubness.ts ../shared/data/lfw/identify.csv
 */
import { createHash } from 'node:crypto';
import { encodeSet } from '../src/eval/encode-set.js';
import { readProtocol } from '../src/eval/protocol.js';
import { largestFace } from '../src/eval/verify-eval.js';

const entries = await readProtocol(process.argv[2] ?? '../shared/data/lfw/identify.csv');
const enc = await encodeSet(entries.map((e) => e.path), {}, { label: 'encoding' });
const vec = (p: string): Float32Array | undefined => {
  const r = enc.results.get(p);
  return r?.ok ? largestFace(r.faces)?.embedding : undefined;
};
const half = (id: string): number => createHash('sha1').update(id).digest()[0]! & 1;
const dot = (a: Float32Array, b: Float32Array): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};
const meanTop = (xs: number[], k: number): number => [...xs].sort((a, b) => b - a).slice(0, k).reduce((a, b) => a + b, 0) / k;

for (const h of [0, 1]) {
  const gallery = entries.filter((e) => e.role === 'gallery' && half(e.identity) === h).flatMap((e) => {
    const v = vec(e.path);
    return v ? [{ id: e.identity, v }] : [];
  });
  const enrolled = new Set(gallery.map((g) => g.id));
  const probes = entries.filter((e) => e.role === 'probe' && half(e.identity) === h).flatMap((e) => {
    const v = vec(e.path);
    return v ? [{ id: e.identity, v }] : [];
  });
  for (const [k, probeSide] of [[0, false], [5, false], [10, false], [10, true]] as const) {
    const r = gallery.map((g) => (k === 0 ? 0 : meanTop(gallery.filter((o) => o !== g).map((o) => dot(g.v, o.v)), k)));
    let right = 0;
    let known = 0;
    const unknownBest: number[] = [];
    const knownBest: { score: number; right: boolean }[] = [];
    for (const q of probes) {
      const sims = gallery.map((g) => dot(q.v, g.v));
      const rq = probeSide ? meanTop(sims, k) : 0;
      let best = -Infinity;
      let at = -1;
      sims.forEach((s, i) => {
        const score = 2 * s - r[i]! - rq;
        if (score > best) [best, at] = [score, i];
      });
      const isRight = gallery[at]!.id === q.id;
      if (enrolled.has(q.id)) {
        known++;
        if (isRight) right++;
        knownBest.push({ score: best, right: isRight });
      } else unknownBest.push(best);
    }
    unknownBest.sort((a, b) => b - a);
    const threshold = unknownBest[Math.floor(unknownBest.length * 0.01)]!;
    const dir = knownBest.filter((x) => x.right && x.score > threshold).length / known;
    console.log(`half ${h} (${gallery.length} enrolled), k ${k}${probeSide ? ' +probe' : ''}: rank-1 ${((right / known) * 100).toFixed(2)} %, DIR ${(dir * 100).toFixed(2)} % at FPIR 1 %`);
  }
}
