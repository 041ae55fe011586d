/**
 * Which face of a multi-face photo a verification should use, measured from cached encodings:
 * the largest (what `verify` does), the one nearest the image centre, or size × centrality.
 * Cross-validated accuracy over the list's folds; run it on View 1, never to choose on View 2.
 *
 *   npx tsx scripts/face-choice.ts view1.csv
 */
import { encodeSet } from '../src/eval/encode-set.js';
import type { CachedFace } from '../src/eval/encoding-cache.js';
import { crossValidate } from '../src/eval/metrics.js';
import { readPairs } from '../src/eval/pairs.js';
import { euclidean } from '../src/match/distance.js';
import { loadImage } from '../src/image/index.js';

const pairs = await readPairs(process.argv[2] ?? 'view1.csv');
const enc = await encodeSet(pairs.flatMap((p) => [p.a, p.b]), {}, { label: 'encoding' });
const size = new Map<string, { w: number; h: number }>();
for (const f of enc.results.keys()) {
  const img = await loadImage(f);
  size.set(f, { w: img.width, h: img.height });
}
const centre = (f: CachedFace, s: { w: number; h: number }) => [(f.box.x + f.box.width / 2) / s.w - 0.5, (f.box.y + f.box.height / 2) / s.h - 0.5] as const;
const rules: Record<string, (f: CachedFace, s: { w: number; h: number }) => number> = {
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
};
for (const [name, score] of Object.entries(rules)) {
  const pick = (file: string) => {
    const r = enc.results.get(file);
    return r?.ok ? [...r.faces].sort((a, b) => score(b, size.get(file)!) - score(a, size.get(file)!))[0] : undefined;
  };
  const cv = crossValidate(
    pairs.map((p) => {
      const a = pick(p.a);
      const b = pick(p.b);
      return { fold: p.fold, same: p.same, distance: a && b ? euclidean(a.embedding, b.embedding) : Infinity };
    }),
  );
  console.log(`${name}: ${(cv.mean * 100).toFixed(2)} % ± ${(cv.std * 100).toFixed(2)}`);
}
