/**
 * Encode every LFW photo with the default stack (cached in the project's encoding cache) and dump
 * all faces found, with their photo, box, score and label (the main face of each photo is labelled
 * with the photo's identity, the others are extras), to one JSON-lines file for the clustering
 * experiments (research/cluster-compare.ts).
 *
 *   npx tsx research/cluster-encode-lfw.ts ../shared/data/lfw tmp/lfw-faces.jsonl
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { encodeSet } from '../src/eval/encode-set.js';
import { mainFirst } from '../src/likeness.js';

const [dir = '../shared/data/lfw', out = 'tmp/lfw-faces.jsonl'] = process.argv.slice(2);
const rows = (await readFile(path.join(dir, 'labels.csv'), 'utf8')).trim().split(/\r?\n/).slice(1).map((l) => l.split(','));
const files = rows.map(([p]) => path.join(dir, p!));
const label = new Map(rows.map(([p, id]) => [path.join(dir, p!), id!]));
const enc = await encodeSet(files, {}, { label: 'encoding LFW' });
const lines: string[] = [];
let failed = 0;
for (const f of files) {
  const r = enc.results.get(f)!;
  if (!r.ok) { failed++; lines.push(JSON.stringify({ path: f, identity: label.get(f), error: r.error.code })); continue; }
  const faces = mainFirst(r.faces, r);
  faces.forEach((face, i) => lines.push(JSON.stringify({ path: f, identity: label.get(f), main: i === 0, box: face.box, score: face.score, w: r.width, h: r.height, e: Array.from(face.embedding, (x) => Math.round(x * 1e6) / 1e6) })));
}
await writeFile(out, lines.join('\n') + '\n');
console.log(`${files.length} photos, ${lines.length} lines, ${failed} failed, ${enc.encoded} encoded, ${enc.fromCache} cached, ${enc.seconds.toFixed(0)} s`);
