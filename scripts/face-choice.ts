/**
 * Which face of a multi-face photo to use, measured from cached encodings: the largest (what
 * `verify` and `eval identify` do), the one nearest the image centre, size × centrality,
 * insightface's area − 2·offset², or the box's shorter side (a neighbour cut by the photo's edge
 * gets a tall, narrow box). On a pairs list: cross-validated accuracy over its folds (run it on View
 * 1, never to choose on View 2). On an open-set protocol (`path,identity,role`): rank-1 and DIR at
 * FPIR 1 % by plain nearest-gallery-face search (raw distances, no hubness correction), with the
 * same rule for gallery and probe photos.
 *
 *   npx tsx scripts/face-choice.ts view1.csv
 *   npx tsx scripts/face-choice.ts ../shared/data/lfw/identify.csv
 */
import { readFile } from 'node:fs/promises';
import { encodeSet } from '../src/eval/encode-set.js';
import type { CachedFace } from '../src/eval/encoding-cache.js';
import { crossValidate, dirAtFpir, type ProbeResult } from '../src/eval/metrics.js';
import { readPairs } from '../src/eval/pairs.js';
import { readProtocol } from '../src/eval/protocol.js';
import { euclidean } from '../src/match/distance.js';
import { loadImage } from '../src/image/index.js';

type Size = { w: number; h: number };
const file = process.argv[2] ?? 'view1.csv';
const isProtocol = /^path,identity,role/.test(await readFile(file, 'utf8'));
const pairs = isProtocol ? undefined : await readPairs(file);
const protocol = pairs ? undefined : await readProtocol(file);
const paths = pairs ? pairs.flatMap((p) => [p.a, p.b]) : protocol!.map((e) => e.path);
const enc = await encodeSet(paths, {}, { label: 'encoding' });
const size = new Map<string, Size>();
for (const [f, r] of enc.results) {
  if (!r.ok || r.faces.length < 2) continue; // the rule matters only where there is a choice
  const img = await loadImage(f);
  size.set(f, { w: img.width, h: img.height });
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
for (const [name, score] of Object.entries(rules)) {
  const pick = (f: string) => {
    const r = enc.results.get(f);
    if (!r?.ok) return undefined;
    const s = size.get(f);
    return s ? [...r.faces].sort((a, b) => score(b, s) - score(a, s))[0] : r.faces[0];
  };
  if (pairs) {
    const cv = crossValidate(
      pairs.map((p) => {
        const a = pick(p.a);
        const b = pick(p.b);
        return { fold: p.fold, same: p.same, distance: a && b ? euclidean(a.embedding, b.embedding) : Infinity };
      }),
    );
    console.log(`${name}: ${pct(cv.mean)} % ± ${pct(cv.std)}`);
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
  console.log(`${name}: rank-1 ${pct(known.filter((p) => p.rank1Correct).length / known.length)} %, DIR at FPIR 1 % ${pct(dirAtFpir(probes, 0.01).dir)} %`);
}
