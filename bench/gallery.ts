/**
 * Gallery search benchmark: the in-process indexes of src/gallery/index/ on SQLite galleries of
 * 10k, 100k and 1M random unit encodings (128-d by default; --dims 192 for mobilefacenet, 320 for
 * the default fusion stack), clustered as people are (10 faces per identity around a centre).
 *
 *   npm run bench:gallery                           # 10k, 100k, 1M
 *   npm run bench:gallery -- --sizes 10k,100k       # skip 1M (its HNSW build takes minutes)
 *   npm run bench:gallery -- --dims 320             # the default stack's encoding length
 *   options: --queries N (timed queries per configuration, default 200), --recall-queries N
 *            (default 1000), --ef 64,96,128,256, --dir D (default $TMPDIR/likeness-bench-gallery)
 *
 * Each gallery is written once to D/gallery-<size>.sqlite (deterministic data) and reused; its HNSW
 * index is persisted beside it (gallery-<size>.sqlite.usearch) by HnswIndex.open, so a rerun loads
 * it instead of spending minutes rebuilding it.
 *
 * Measured per size:
 * - load: SqliteGalleryStore.loadAll() (median of 3), then building the exact index from it;
 * - exact search (ExactIndex: int8 prefilter on onnxruntime + exact re-ranking) with 1 and 2
 *   onnxruntime threads, p50/p99 over probes, and the rows re-ranked; checked equal to brute force;
 * - brute force in plain JavaScript (src/gallery/brute-force.ts), one core, for reference;
 * - identification through Gallery.identifyEncodings on the store's exact index (subjects ranked by
 *   their mean encoding): raw distances, then with the hubness correction on a fresh Gallery (cold:
 *   each new candidate subject costs one more search) and again on the same queries (warm: cached);
 * - HNSW (usearch, i8 graph, M 16, efConstruction 128, 32 candidates re-ranked exactly): build time, p50/p99
 *   and recall@1 against the exact index, for probes (a new photo of an enrolled person) and for
 *   random directions (no one enrolled near: the hardest case for a graph).
 * Other processes may share the CPU: the load average is printed with each size.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { nearest } from '../src/gallery/brute-force.js';
import { embeddingToBase64 } from '../src/gallery/encoding.js';
import { describeEncoder, Gallery } from '../src/gallery/gallery.js';
import { ExactIndex } from '../src/gallery/index/exact.js';
import { resnet128 } from '../src/models/registry.js';
import { builtinStack } from '../src/models/stacks.js';
import { mobileFaceNet } from '../src/models/zoo/mobilefacenet.js';
import { HnswIndex, hnswFileFor } from '../src/gallery/index/hnsw.js';
import { SqliteGalleryStore } from '../src/gallery/sqlite-store.js';
import type { GalleryModel, GalleryRecord, LoadedEncodings } from '../src/gallery/types.js';
import { seededRng } from '../src/random.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIMS = Number(arg('dims') ?? 128);
if (!(Number.isInteger(DIMS) && DIMS >= 2 && DIMS <= 2000)) throw new Error('--dims needs an integer in 2..2000');
const MODEL: GalleryModel = { name: `bench${DIMS}`, version: 'bench', dimensions: DIMS };
const D = MODEL.dimensions;
const FACES_PER_IDENTITY = 10;
/** Noise norm around an identity's centre: two faces of one identity are ~0.63 apart, identities ~1.41. */
const SPREAD = 0.5;

// ── options ────────────────────────────────────────────────────────────────────────────────────

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const parseSize = (s: string): number => {
  const m = /^(\d+(?:\.\d+)?)([km]?)$/i.exec(s.trim());
  if (!m) throw new Error(`bad size ${s} (e.g. 10k, 100k, 1m)`);
  return Math.round(Number(m[1]) * (m[2]!.toLowerCase() === 'k' ? 1e3 : m[2]!.toLowerCase() === 'm' ? 1e6 : 1));
};
const sizes = (arg('sizes') ?? '10k,100k,1m').split(',').map(parseSize);
const timedQueries = Number(arg('queries') ?? 200);
const recallQueries = Number(arg('recall-queries') ?? 1000);
const efs = (arg('ef') ?? '64,96,128,256').split(',').map(Number);
const dir = arg('dir') ?? path.join(os.tmpdir(), 'likeness-bench-gallery');
mkdirSync(dir, { recursive: true });

const label = (n: number): string => (n >= 1e6 ? `${n / 1e6}M` : n >= 1e3 ? `${n / 1e3}k` : `${n}`);
const log = (s: string): void => void process.stderr.write(`${s}\n`);
const la = (): string => os.loadavg().map((l) => l.toFixed(2)).join(' / ');

// ── data ───────────────────────────────────────────────────────────────────────────────────────

const rng = seededRng;
const gaussian = (r: () => number): number => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());

function normalise(v: Float32Array): Float32Array {
  let s = 0;
  for (let j = 0; j < v.length; j++) s += v[j]! * v[j]!;
  const n = Math.sqrt(s);
  for (let j = 0; j < v.length; j++) v[j]! /= n;
  return v;
}
const randomUnit = (r: () => number): Float32Array => normalise(Float32Array.from({ length: D }, () => gaussian(r)));
function around(centre: Float32Array, r: () => number): Float32Array {
  return normalise(Float32Array.from(centre, (c) => c + (SPREAD / Math.sqrt(D)) * gaussian(r)));
}

function* records(n: number, seed: number): Generator<GalleryRecord> {
  const r = rng(seed);
  const now = new Date().toISOString();
  yield { type: 'gallery', format: 'likeness-gallery', version: 1, model: MODEL, exportedAt: now };
  for (let p = 0; p * FACES_PER_IDENTITY < n; p++) {
    const centre = randomUnit(r);
    const faces = [];
    for (let f = 0; f < FACES_PER_IDENTITY && p * FACES_PER_IDENTITY + f < n; f++) {
      faces.push({
        id: randomUUID(),
        model: MODEL.name,
        modelVersion: MODEL.version,
        embedding: embeddingToBase64(around(centre, r)),
        score: 0.99,
        imageSha256: (p * FACES_PER_IDENTITY + f).toString(16).padStart(64, '0'),
        createdAt: now,
      });
    }
    yield { type: 'subject', id: randomUUID(), name: `person ${p}`, metadata: {}, createdAt: now, faces };
  }
}

/** The gallery file of n faces, written once and reused. */
async function gallery(n: number): Promise<string> {
  const file = path.join(dir, `gallery-${label(n)}${D === 128 ? '' : `-${D}d`}.sqlite`);
  if (existsSync(file)) {
    const store = SqliteGalleryStore.open(file);
    const faces = (await store.model()) ? (await store.stats()).faces : -1;
    await store.close();
    if (faces === n) return file;
    for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
  }
  log(`  writing ${file} (once) …`);
  const t0 = performance.now();
  const store = SqliteGalleryStore.open(file);
  await store.import(records(n, n));
  await store.close();
  log(`  written in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return file;
}

/** Probes: a new photo of an enrolled person (around the mean of their faces); and random directions. */
function queries(all: LoadedEncodings, count: number, seed: number): { probes: Float32Array[]; random: Float32Array[] } {
  const r = rng(seed);
  const n = all.faceIds.length;
  const identities = Math.ceil(n / FACES_PER_IDENTITY);
  const probes: Float32Array[] = [];
  for (let i = 0; i < count; i++) {
    const p = Math.floor(r() * identities);
    const centre = new Float32Array(D);
    for (let row = p * FACES_PER_IDENTITY; row < Math.min(n, (p + 1) * FACES_PER_IDENTITY); row++) {
      for (let j = 0; j < D; j++) centre[j]! += all.matrix[row * D + j]!;
    }
    probes.push(around(normalise(centre), r));
  }
  return { probes, random: Array.from({ length: count }, () => randomUnit(r)) };
}

// ── measurement helpers ────────────────────────────────────────────────────────────────────────

const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
};
const median = (xs: number[]): number => quantile(xs, 0.5);
const ms = (x: number): string => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toFixed(3));

function pkgVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '?';
  }
}

interface ExactRow {
  threads: number;
  p50: number;
  p99: number;
  candidates: number;
}
interface HnswRow {
  ef: number;
  p50: number;
  p99: number;
  recallProbes: number;
  recallRandom: number;
  /** Random queries: mean and worst (returned nearest distance / true nearest distance − 1). */
  excessMean: number;
  excessMax: number;
}
interface Latency {
  p50: number;
  p99: number;
}
interface SizeResult {
  n: number;
  identify: { raw: Latency; cold: Latency; warm: Latency };
  loadAvg: string;
  loadAllMs: number;
  indexBuildMs: number;
  bruteP50: number;
  exact: ExactRow[];
  exactRandom: { p50: number; p99: number; candidates: number };
  exactEqualsBruteForce: boolean;
  hnswBuild: string;
  hnswOpenMs: number;
  hnsw: HnswRow[];
}

async function measure(n: number): Promise<SizeResult> {
  log(`\n${label(n)} faces (load average ${la()})`);
  const file = await gallery(n);
  const store = SqliteGalleryStore.open(file);
  await store.init(MODEL);

  // load: loadAll three times (median), then the exact index from the last snapshot
  const loads: number[] = [];
  let all: LoadedEncodings | undefined;
  for (let i = 0; i < 3; i++) {
    all = undefined;
    const t0 = performance.now();
    all = await store.loadAll();
    loads.push(performance.now() - t0);
  }
  const snapshot = all!;
  let t0 = performance.now();
  const one = ExactIndex.fromSnapshot(snapshot, { threads: 1 });
  const indexBuildMs = performance.now() - t0;
  const two = ExactIndex.fromSnapshot(snapshot, { threads: 2 }); // shares the (unchanged) arrays
  log(`  loadAll ${loads.map((x) => x.toFixed(0)).join(', ')} ms; exact index built in ${indexBuildMs.toFixed(0)} ms`);

  const { probes, random } = queries(snapshot, Math.max(timedQueries, recallQueries), n + 1);

  // exactness and the plain JavaScript reference
  let equal = true;
  const brute: number[] = [];
  const bruteRuns = n >= 1e6 ? 10 : 30;
  for (let i = 0; i < bruteRuns; i++) {
    const q = i % 2 === 0 ? probes[i]! : random[i]!;
    t0 = performance.now();
    const truth = nearest(snapshot.matrix, D, q, 10);
    brute.push(performance.now() - t0);
    const hits = await two.search(q, 10);
    if (hits.some((h, j) => h.faceId !== snapshot.faceIds[truth[j]!.index] || h.distance !== truth[j]!.distance)) equal = false;
  }
  log(`  brute force p50 ${ms(median(brute))} ms; exact index = brute force on ${bruteRuns} queries: ${equal}`);

  // exact index, 1 and 2 onnxruntime threads, interleaved query by query
  const timed = probes.slice(0, timedQueries);
  for (const q of timed.slice(0, 5)) {
    await one.search(q, 10);
    await two.search(q, 10);
  }
  const times: Record<number, number[]> = { 1: [], 2: [] };
  const cands: Record<number, number[]> = { 1: [], 2: [] };
  for (const q of timed) {
    for (const [threads, ix] of [[1, one], [2, two]] as const) {
      t0 = performance.now();
      await ix.search(q, 10);
      times[threads]!.push(performance.now() - t0);
      cands[threads]!.push(ix.lastSearch!.candidates);
    }
  }
  const exact: ExactRow[] = [1, 2].map((threads) => ({
    threads,
    p50: median(times[threads]!),
    p99: quantile(times[threads]!, 0.99),
    candidates: cands[threads]!.reduce((a, b) => a + b, 0) / cands[threads]!.length,
  }));
  // random directions (unknown people): the same search, usually a few more rows re-ranked
  const randomTimes: number[] = [];
  const randomCands: number[] = [];
  for (const q of random.slice(0, timedQueries)) {
    t0 = performance.now();
    await two.search(q, 10);
    randomTimes.push(performance.now() - t0);
    randomCands.push(two.lastSearch!.candidates);
  }
  const exactRandom = { p50: median(randomTimes), p99: quantile(randomTimes, 0.99), candidates: randomCands.reduce((a, b) => a + b, 0) / randomCands.length };
  log(`  exact, 2 threads, random queries: p50 ${ms(exactRandom.p50)} ms, p99 ${ms(exactRandom.p99)} ms, ${exactRandom.candidates.toFixed(1)} rows re-ranked`);
  for (const e of exact) log(`  exact, ${e.threads} thread(s): p50 ${ms(e.p50)} ms, p99 ${ms(e.p99)} ms, ${e.candidates.toFixed(1)} rows re-ranked`);

  // identification through the Gallery (the store's exact index): raw, hubness cold, hubness warm
  const faces = timed.slice(0, Math.min(100, timed.length)).map((embedding) => ({ box: { x: 0, y: 0, width: 1, height: 1 }, score: 1, embedding }));
  const timeIdentify = async (g: Gallery, hubness: boolean): Promise<Latency> => {
    const lat: number[] = [];
    for (const f of faces) {
      t0 = performance.now();
      await g.identifyEncodings([f], { hubness });
      lat.push(performance.now() - t0);
    }
    return { p50: median(lat), p99: quantile(lat, 0.99) };
  };
  const rawGallery = Gallery.wrap(store, engine);
  await timeIdentify(rawGallery, false); // subjects' mean encodings cached, as in a running service
  const hubGallery = Gallery.wrap(store, engine);
  const identify = { raw: await timeIdentify(rawGallery, false), cold: await timeIdentify(hubGallery, true), warm: await timeIdentify(hubGallery, true) };
  log(`  identify (exact, top 5): raw p50 ${ms(identify.raw.p50)} ms; hubness cold p50 ${ms(identify.cold.p50)} ms, warm p50 ${ms(identify.warm.p50)} ms`);

  // truth for recall: the exact nearest face of every query
  const truthProbes: string[] = [];
  const truthRandom: string[] = [];
  const truthRandomDistance: number[] = [];
  for (let i = 0; i < recallQueries; i++) {
    truthProbes.push((await two.search(probes[i]!, 1))[0]!.faceId);
    const [nearestRandom] = await two.search(random[i]!, 1);
    truthRandom.push(nearestRandom!.faceId);
    truthRandomDistance.push(nearestRandom!.distance);
  }

  // HNSW: built once (or found fresh beside the gallery), then opened again per ef
  const hnswFile = hnswFileFor(file);
  const buildInfo = `${hnswFile}.bench.json`;
  t0 = performance.now();
  let lastPct = -1;
  let hnsw: HnswIndex | undefined = await HnswIndex.open(store, hnswFile, {
    expansionSearch: efs[0],
    onProgress: (done, total) => {
      const pct = Math.floor((100 * done) / total);
      if (pct >= lastPct + 10) {
        lastPct = pct;
        log(`  HNSW build ${pct} % (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
      }
    },
  });
  let hnswBuild: string;
  if (hnsw.action === 'built') {
    writeFileSync(buildInfo, JSON.stringify({ buildMs: hnsw.buildMs, threads: os.availableParallelism(), loadAvg: la(), at: new Date().toISOString() }));
    hnswBuild = `${(hnsw.buildMs / 1000).toFixed(1)} s`;
  } else {
    let earlier = '';
    try {
      earlier = `${((JSON.parse(readFileSync(buildInfo, 'utf8')) as { buildMs: number }).buildMs / 1000).toFixed(1)} s`;
    } catch {
      earlier = '?';
    }
    hnswBuild = `${earlier} (cached: ${hnsw.action})`;
  }
  log(`  HNSW ${hnsw.action} in ${((performance.now() - t0) / 1000).toFixed(1)} s; build ${hnswBuild}`);
  const rows: HnswRow[] = [];
  let hnswOpenMs = 0;
  for (const ef of efs) {
    if (!hnsw) {
      t0 = performance.now();
      hnsw = await HnswIndex.open(store, hnswFile, { expansionSearch: ef });
      hnswOpenMs = performance.now() - t0;
    }
    for (const q of probes.slice(0, 20)) hnsw.search(q, 10);
    const lat: number[] = [];
    for (const q of timed) {
      t0 = performance.now();
      hnsw.search(q, 10);
      lat.push(performance.now() - t0);
    }
    let hitP = 0;
    let hitR = 0;
    let excessSum = 0;
    let excessMax = 0;
    for (let i = 0; i < recallQueries; i++) {
      if (hnsw.search(probes[i]!, 1)[0]?.faceId === truthProbes[i]) hitP++;
      const [r] = hnsw.search(random[i]!, 1);
      if (r?.faceId === truthRandom[i]) hitR++;
      const excess = (r ? r.distance : 2) / truthRandomDistance[i]! - 1;
      excessSum += excess;
      excessMax = Math.max(excessMax, excess);
    }
    const row: HnswRow = {
      ef,
      p50: median(lat),
      p99: quantile(lat, 0.99),
      recallProbes: hitP / recallQueries,
      recallRandom: hitR / recallQueries,
      excessMean: excessSum / recallQueries,
      excessMax,
    };
    rows.push(row);
    log(
      `  HNSW ef ${ef}: p50 ${ms(row.p50)} ms, p99 ${ms(row.p99)} ms, recall@1 ${row.recallProbes.toFixed(4)} (probes), ${row.recallRandom.toFixed(4)} (random; ` +
        `nearest found ${(100 * row.excessMean).toFixed(3)} % farther than the true one on average, ${(100 * row.excessMax).toFixed(2)} % at worst)`,
    );
    hnsw = undefined; // the next ef reopens it from disk
  }
  await store.close();
  return {
    n,
    identify,
    loadAvg: la(),
    loadAllMs: median(loads),
    indexBuildMs,
    bruteP50: median(brute),
    exact,
    exactRandom,
    exactEqualsBruteForce: equal,
    hnswBuild,
    hnswOpenMs,
    hnsw: rows,
  };
}

// ── main ───────────────────────────────────────────────────────────────────────────────────────

// Identification needs the model's facts (thresholds, reference hubness), not its networks.
// Thresholds and hubness references of the stack with this encoding length (dlib's otherwise).
const engine = describeEncoder(D === 320 ? builtinStack('fusion').embedder : D === 192 ? mobileFaceNet() : resnet128());
const startLoad = la();
const results: SizeResult[] = [];
for (const n of sizes) results.push(await measure(n));

const L: string[] = [];
L.push(`${D}-d encodings`, '', '### Exact search (k = 10; int8 prefilter on onnxruntime + exact re-ranking; probes unless said)', '');
L.push(
  '| faces | loadAll (SQLite → memory) | + exact index build | exact p50 / p99, 1 thread | exact p50 / p99, 2 threads | rows re-ranked (mean) | random queries, 2 threads: p50 / p99, rows re-ranked | = brute force | brute force JS, 1 core, p50 | load average at end |',
);
L.push('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | :---: | ---: | --- |');
for (const r of results) {
  const [a, b] = r.exact;
  L.push(
    `| ${label(r.n)} | ${ms(r.loadAllMs)} ms | ${ms(r.indexBuildMs)} ms | ${ms(a!.p50)} / ${ms(a!.p99)} ms | ${ms(b!.p50)} / ${ms(b!.p99)} ms | ${b!.candidates.toFixed(1)} | ${ms(r.exactRandom.p50)} / ${ms(r.exactRandom.p99)} ms, ${r.exactRandom.candidates.toFixed(1)} | ${r.exactEqualsBruteForce ? 'yes' : '**NO**'} | ${ms(r.bruteP50)} ms | ${r.loadAvg} |`,
  );
}
L.push('', '### Identification (Gallery.identifyEncodings, exact index, top 5 subjects by mean encoding)', '');
L.push('| faces | raw distances p50 / p99 | hubness-corrected, cold (fresh gallery object) p50 / p99 | hubness-corrected, warm p50 / p99 |');
L.push('| ---: | ---: | ---: | ---: |');
for (const r of results) {
  const f = (x: Latency): string => `${ms(x.p50)} / ${ms(x.p99)} ms`;
  L.push(`| ${label(r.n)} | ${f(r.identify.raw)} | ${f(r.identify.cold)} | ${f(r.identify.warm)} |`);
}
L.push('', '### HNSW (usearch, i8 graph, M 16, efConstruction 128, 32 candidates re-ranked exactly; k = 10 timed, recall@1 vs exact)', '');
L.push('| faces | build | open when fresh (loadAll + load) | ef | p50 / p99 | recall@1, probes | recall@1, random queries | random: found / true nearest distance − 1, mean (max) |');
L.push('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const r of results) {
  for (const h of r.hnsw) {
    L.push(`| ${label(r.n)} | ${r.hnswBuild} | ${r.hnswOpenMs ? `${(r.hnswOpenMs / 1000).toFixed(1)} s` : '–'} | ${h.ef} | ${ms(h.p50)} / ${ms(h.p99)} ms | ${h.recallProbes.toFixed(4)} | ${h.recallRandom.toFixed(4)} | ${(100 * h.excessMean).toFixed(3)} % (${(100 * h.excessMax).toFixed(2)} %) |`);
  }
}
const cpu = os.cpus()[0]?.model ?? '?';
L.push('');
L.push(
  `- Machine: ${cpu}, ${os.availableParallelism()} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, ${os.type()} ${os.release()} ${os.arch()}; ` +
    `Node ${process.version}, onnxruntime-node ${pkgVersion('onnxruntime-node')}, usearch ${pkgVersion('usearch')}, better-sqlite3 ${pkgVersion('better-sqlite3')}`,
);
L.push(`- Load average (1/5/15 min): ${startLoad} at start, ${la()} at end (other processes share the CPU when it is above 0)`);
L.push(
  `- Data: ${FACES_PER_IDENTITY} faces per identity around a random centre (noise norm ${SPREAD}), written once to ${dir}; ` +
    `${timedQueries} timed queries, ${recallQueries} probes + ${recallQueries} random queries for recall; page cache warm`,
);
console.log(L.join('\n'));
