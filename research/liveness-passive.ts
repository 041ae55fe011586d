/**
 * Passive liveness models on live photos (false rejections) and on WEAK SYNTHETIC attack proxies
 * (research/liveness-attacks.ts; no real print or replay attack was possible on this machine).
 * Per model: FRR per live set at its threshold, APCER per proxy, AUC (live vs each proxy and all),
 * time per face (provisional: the CPU is shared). Writes tmp/liveness-passive.json.
 *
 *   npx tsx research/liveness-passive.ts [--lfw 1000] [--proxy-lfw 200] [--threshold-frr 0.05]
 */
import { readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { Likeness } from '../src/likeness.js';
import { Liveness, LIVENESS_MODELS } from '../src/liveness/passive.js';
import { seededRng } from '../src/random.js';
import type { Box, RgbImage } from '../src/types.js';
import { PROXIES, PROXY_FNS } from './liveness-attacks.js';

const { values } = parseArgs({ options: { lfw: { type: 'string', default: '1000' }, 'proxy-lfw': { type: 'string', default: '200' }, data: { type: 'string', default: path.resolve('..', 'shared', 'data') } } });
const DATA = values.data!;
const DEMO = path.resolve('node_modules/@vladmandic/face-api/demo');

function listImages(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...listImages(p));
    else if (/\.(jpe?g|png)$/i.test(e.name)) out.push(p);
  }
  return out.sort();
}

const rng = seededRng(17);
const lfwAll = listImages(path.join(DATA, 'lfw', 'images'));
const lfw = lfwAll.map((p) => [rng(), p] as const).sort((a, b) => a[0] - b[0]).slice(0, Number(values.lfw)).map(([, p]) => p).sort();
const sets: Record<string, string[]> = {
  'faceapi-demo': [1, 2, 3, 4, 5, 6].map((i) => path.join(DEMO, `sample${i}.jpg`)),
  'seed-camera': listImages(path.join(DATA, 'seed-assignment')),
  'press-photos': listImages(path.join(DATA, 'press-photos')),
  lfw,
};

interface Item { set: string; file: string; img: RgbImage; box: Box }
const likeness = await Likeness.create();
const items: Item[] = [];
let noFace = 0;
for (const [set, files] of Object.entries(sets)) {
  for (const file of files) {
    const img = await likeness.load(file);
    const faces = (await likeness.detect(img)).faces;
    if (faces.length === 0) { noFace++; continue; }
    // every face of the multi-face photos (demo, press group shots); the main face elsewhere
    const use = set === 'lfw' || set === 'seed-camera' ? faces.slice(0, 1) : faces;
    for (const f of use) items.push({ set, file, img, box: f.box });
  }
}
// webcam-like frames of the demo and press faces: 320 px wide, JPEG q 50 (a live set; not a real video)
const frames: Item[] = [];
for (const it of items.filter((i) => i.set === 'faceapi-demo' || i.set === 'press-photos')) {
  const s = 320 / it.img.width;
  if (s >= 1) continue;
  const jpg = await sharp(Buffer.from(it.img.data), { raw: { width: it.img.width, height: it.img.height, channels: 3 } }).resize(320).jpeg({ quality: 50 }).toBuffer();
  const { data, info } = await sharp(jpg).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const box = { x: it.box.x * s, y: it.box.y * s, width: it.box.width * s, height: it.box.height * s };
  if (box.width < 24) continue;
  frames.push({ set: 'webcam-frames', file: it.file, img: { width: info.width, height: info.height, data: new Uint8Array(data) }, box });
}
items.push(...frames);
console.log(`live faces: ${items.length} (${[...new Set(items.map((i) => i.set))].map((k) => `${k} ${items.filter((i) => i.set === k).length}`).join(', ')}); photos without a face: ${noFace}`);

// proxies from the demo, press and the first proxy-lfw LFW faces
const proxySource = items.filter((i) => i.set === 'faceapi-demo' || i.set === 'press-photos' || i.set === 'seed-camera').concat(items.filter((i) => i.set === 'lfw').slice(0, Number(values['proxy-lfw'])));
const attacks: Record<string, Item[]> = {};
const cache = new Map<string, RgbImage>();
for (const p of PROXIES) {
  attacks[p] = [];
  for (const it of proxySource) {
    const key = `${p}|${it.file}`;
    let img = cache.get(key);
    if (!img) { img = await PROXY_FNS[p](it.img); cache.set(key, img); }
    attacks[p].push({ ...it, set: p, img });
  }
}
mkdirSync('tmp', { recursive: true });
if (process.env.LIVENESS_SAVE_PROXIES) for (const p of PROXIES) { const it = attacks[p]![0]!; await sharp(Buffer.from(it.img.data), { raw: { width: it.img.width, height: it.img.height, channels: 3 } }).jpeg().toFile(`tmp/proxy-${p}.jpg`); }

function auc(pos: number[], neg: number[]): number {
  let s = 0;
  for (const a of pos) for (const b of neg) s += a > b ? 1 : a === b ? 0.5 : 0;
  return s / (pos.length * neg.length);
}
const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

const report: Record<string, unknown> = {};
for (const name of LIVENESS_MODELS) {
  let lv: Liveness;
  try { lv = await Liveness.create({ model: name, threshold: 0.5 }); } catch (e) { console.log(`${name}: ${(e as Error).message}`); continue; }
  const score = async (list: Item[]): Promise<number[]> => { const r: number[] = []; for (const it of list) r.push((await lv.scoreBoxes(it.img, [it.box]))[0]!); return r; };
  const t0 = performance.now();
  const live: Record<string, number[]> = {};
  for (const set of [...Object.keys(sets), 'webcam-frames']) live[set] = await score(items.filter((i) => i.set === set));
  const ms = (performance.now() - t0) / items.length;
  const spoof: Record<string, number[]> = {};
  for (const p of PROXIES) spoof[p] = await score(attacks[p]!);
  const allLive = Object.values(live).flat();
  const allSpoof = Object.values(spoof).flat();
  // candidate thresholds: 0.5, and the one giving 5% FRR on the LFW sample
  const lfwSorted = [...live.lfw!].sort((a, b) => a - b);
  const t5 = lfwSorted[Math.floor(0.05 * lfwSorted.length)] ?? 0.5;
  const rows: Record<string, unknown> = {};
  for (const [label, t] of [['0.5', 0.5], ['lfwFrr5', t5]] as const) {
    rows[label] = {
      threshold: t,
      frr: Object.fromEntries(Object.entries(live).map(([k, v]) => [k, v.filter((x) => x < t).length / v.length])),
      apcer: Object.fromEntries(Object.entries(spoof).map(([k, v]) => [k, v.filter((x) => x >= t).length / v.length])),
    };
  }
  const aucs: Record<string, number> = { all: auc(allLive, allSpoof), ...Object.fromEntries(PROXIES.map((p) => [p, auc(allLive, spoof[p]!)])) };
  report[name] = { msPerFace: ms, counts: Object.fromEntries(Object.entries(live).map(([k, v]) => [k, v.length])), proxyCount: proxySource.length, rows, auc: aucs, median: Object.fromEntries([...Object.entries(live), ...Object.entries(spoof)].map(([k, v]) => [k, [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]])) };
  console.log(`\n${name}  (${ms.toFixed(1)} ms/face provisional)  AUC all ${aucs.all!.toFixed(3)}  ${PROXIES.map((p) => `${p} ${aucs[p]!.toFixed(3)}`).join('  ')}`);
  for (const [label, r] of Object.entries(rows) as [string, { threshold: number; frr: Record<string, number>; apcer: Record<string, number> }][]) {
    console.log(`  t=${r.threshold.toFixed(4)} (${label})  FRR ${Object.entries(r.frr).map(([k, v]) => `${k} ${pct(v)}`).join(', ')}  |  APCER ${Object.entries(r.apcer).map(([k, v]) => `${k} ${pct(v)}`).join(', ')}`);
  }
  await lv.release();
}
writeFileSync('tmp/liveness-passive.json', JSON.stringify(report, null, 2));
