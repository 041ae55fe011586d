/**
 * Which face of a multi-face photo to use, measured from cached encodings: the largest (what
 * `verify` and `eval identify` do), the one nearest the image centre, size × centrality,
 * insightface's area − 2·offset², or the box's shorter side (a neighbour cut by the photo's edge
 * gets a tall, narrow box). On a pairs list: cross-validated accuracy over its folds (run it on View
 * 1, never to choose on View 2). On an open-set protocol (`path,identity,role`): rank-1 and DIR at
 * FPIR 1 % by plain nearest-gallery-face search (raw distances, no hubness correction), with the
 * same rule for gallery and probe photos.
 *
 *   npx tsx research/face-choice.ts [--model NAME] view1.csv
 *   npx tsx research/face-choice.ts ../shared/data/lfw/identify.csv
 */
import { readFile } from 'node:fs/promises';
import { encodeSet } from '../src/eval/encode-set.js';
import type { CachedFace } from '../src/eval/encoding-cache.js';
import { crossValidate, dirAtFpir, type ProbeResult } from '../src/eval/metrics.js';
import { readPairs } from '../src/eval/pairs.js';
import { readProtocol } from '../src/eval/protocol.js';
import { euclidean } from '../src/match/distance.js';
import { pairDistances } from './lib/figures.js';

type Size = { w: number; h: number };
const args = process.argv.slice(2);
const modelAt = args.indexOf('--model');
const model = modelAt >= 0 ? args.splice(modelAt, 2)[1] : undefined;
const file = args[0] ?? 'view1.csv';
// an open-set protocol has a header naming path, identity and role (in any order), as readProtocol wants
const header = (await readFile(file, 'utf8')).split(/\r?\n/, 1)[0]!.toLowerCase().split(',').map((h) => h.trim());
const isProtocol = ['path', 'identity', 'role'].every((h) => header.includes(h));
const pairs = isProtocol ? undefined : await readPairs(file);
const protocol = pairs ? undefined : await readProtocol(file);
const paths = pairs ? pairs.flatMap((p) => [p.a, p.b]) : protocol!.map((e) => e.path);
const enc = await encodeSet(paths, model === undefined ? {} : { model }, { label: 'encoding' });
const size = new Map<string, Size>();
for (const [f, r] of enc.results) {
  if (!r.ok || r.faces.length < 2) continue; // the rule matters only where there is a choice
  size.set(f, { w: r.width, h: r.height });
}
const centre = (f: CachedFace, s: Size) => [(f.box.x + f.box.width / 2) / s.w - 0.5, (f.box.y + f.box.height / 2) / s.h - 0.5] as const;
const rules: Record<string, (f: CachedFace, s: Size) => number> = {
  largest: (f) => f.box.width * f.box.height,
  central: (f, s) => -Math.hypot(...centre(f, s)),
  // insightface's RetinaFace.detect(max_num): area − 2 × squared pixel offset from the centre.
  'area − 2·offset²': (f, s) => {
    const dx = f.box.x + f.box.width / 2 - s.w / 2;
    const dy = f.box.y + f.box.height / 2 - s.h / 2;
    return f.box.width * f.box.height - 2 * (dx * dx + dy * dy);
  },
  'size × centrality': (f, s) => {
    const [dx, dy] = centre(f, s);
    return f.box.width * f.box.height * Math.exp(-4 * dx * dx - 4 * dy * dy);
  },
  'shorter side': (f) => Math.min(f.box.width, f.box.height),
};
const pct = (x: number) => (x * 100).toFixed(2);
console.log(`${size.size} of ${enc.results.size} photos have more than one face`);
const picker = (score: (f: CachedFace, s: Size) => number) => (f: string): CachedFace | undefined => {
  const r = enc.results.get(f);
  if (!r?.ok) return undefined;
  const s = size.get(f);
  return s ? [...r.faces].sort((a, b) => score(b, s) - score(a, s))[0] : r.faces[0];
};
const largest = picker(rules.largest!);
/** Pixels between a box and the nearest edge of the photo (≤ 0: it reaches or crosses the edge). */
const edgeGap = (b: CachedFace['box'], s: Size) => Math.min(b.x, b.y, s.w - b.x - b.width, s.h - b.y - b.height);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1] ?? NaN;
for (const [name, score] of Object.entries(rules)) {
  const pick = picker(score);
  // where the rule departs from the largest face: how far from the photo's edge, and how tall, are the two boxes?
  const departs = [...size].filter(([f]) => pick(f) !== largest(f));
  const describe = (which: (f: string) => CachedFace | undefined) =>
    `median ${median(departs.map(([f, s]) => edgeGap(which(f)!.box, s))).toFixed(0)} px from the edge, height/width ${median(departs.map(([f]) => which(f)!.box.height / which(f)!.box.width)).toFixed(2)}`;
  const changes = name === 'largest' || departs.length === 0 ? '' : ` (another face than the largest in ${departs.length} photos; largest: ${describe(largest)}; picked: ${describe(pick)})`;
  if (pairs) {
    const cv = crossValidate(pairDistances(pairs, (f) => pick(f)?.embedding));
    console.log(`${name}: ${pct(cv.mean)} % ± ${pct(cv.std)}${changes}`);
    continue;
  }
  const gallery = protocol!.filter((e) => e.role === 'gallery').flatMap((e) => {
    const f = pick(e.path);
    return f ? [{ identity: e.identity, embedding: f.embedding }] : [];
  });
  const enrolled = new Set(gallery.map((g) => g.identity));
  const probes: ProbeResult[] = protocol!
    .filter((e) => e.role === 'probe')
    .map((p) => {
      const known = enrolled.has(p.identity);
      const f = pick(p.path);
      if (!f) return { known, rank: Infinity, bestDistance: Infinity, rank1Correct: false };
      const ranked = gallery.map((g) => ({ identity: g.identity, d: euclidean(g.embedding, f.embedding) })).sort((a, b) => a.d - b.d);
      const pos = ranked.findIndex((g) => g.identity === p.identity);
      return { known, rank: known && pos >= 0 ? pos + 1 : Infinity, bestDistance: ranked[0]?.d ?? Infinity, rank1Correct: known && pos === 0 };
    });
  const known = probes.filter((p) => p.known);
  console.log(`${name}: rank-1 ${pct(known.filter((p) => p.rank1Correct).length / known.length)} %, DIR at FPIR 1 % ${pct(dirAtFpir(probes, 0.01).dir)} %${changes}`);
}
