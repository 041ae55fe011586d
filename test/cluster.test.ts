/**
 * The clustering library: the neighbour graph (exact and HNSW agree with brute force), each
 * algorithm on encodings of real photos (the demo people: their db and camera photos, plus a
 * training variant), the constraints (same photo, minimum size), the metrics on known cases, and
 * the library functions (scan, cluster, name → identify) without the CLI.
 */
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { averageLinkage, chineseWhispers, dbscan, enforceConstraints, hdbscan } from '../src/cluster/algorithms.js';
import { clusterLibrary, scanPhotos } from '../src/cluster/library.js';
import { trustedFace } from '../src/cluster/quality.js';
import { clusterMetrics } from '../src/cluster/metrics.js';
import { neighbourGraph } from '../src/cluster/neighbours.js';
import { clusterParameters } from '../src/cluster/parameters.js';
import { encodeSet } from '../src/eval/encode-set.js';
import { namePerson } from '../src/cluster/people.js';
import { initGallery } from '../src/cluster/people.js';
import { Gallery } from '../src/gallery/gallery.js';
import { openLibrary } from '../src/gallery/library-open.js';
import { openGallery } from '../src/gallery/open.js';
import { Likeness } from '../src/likeness.js';
import { seededRng } from '../src/random.js';
import { demoPeople } from './helpers/demo-people.js';

const demo = await demoPeople();
const engine = await Likeness.create();

/** Unit vectors around `centres` random centres, `per` each, with noise `noise`. */
function blobs(centres: number, per: number, d: number, noise: number, seed = 1): { m: Float32Array; truth: number[] } {
  const rng = seededRng(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(rng() + 1e-12)) * Math.cos(2 * Math.PI * rng());
  const m = new Float32Array(centres * per * d);
  const truth: number[] = [];
  for (let c = 0; c < centres; c++) {
    const centre = Array.from({ length: d }, gauss);
    for (let i = 0; i < per; i++) {
      const v = centre.map((x) => x + noise * gauss());
      const n = Math.hypot(...v);
      m.set(v.map((x) => x / n), (c * per + i) * d);
      truth.push(c);
    }
  }
  return { m, truth };
}

describe('neighbour graph', () => {
  it('exact and HNSW search find the brute-force neighbours, for every row (not only the first chunk)', async () => {
    const d = 32;
    const { m } = blobs(300, 20, d, 0.3);
    const n = m.length / d;
    const exact = await neighbourGraph(m, d, 5, { exactUpTo: 10_000 });
    const hnsw = await neighbourGraph(m, d, 5, { exactUpTo: 100 });
    let agree = 0;
    for (const i of [0, 1, 4100, 4500, n - 1]) {
      const brute = Array.from({ length: n }, (_, j) => j).filter((j) => j !== i);
      const dot = (j: number) => { let s = 0; for (let t = 0; t < d; t++) s += m[i * d + t]! * m[j * d + t]!; return s; };
      brute.sort((a, b) => dot(b) - dot(a));
      expect(Array.from(exact.ids.subarray(i * 5, i * 5 + 5))).toEqual(brute.slice(0, 5));
      agree += Array.from(hnsw.ids.subarray(i * 5, i * 5 + 5)).filter((x) => brute.slice(0, 5).includes(x)).length;
    }
    expect(agree).toBeGreaterThanOrEqual(24);
  });
});

describe('algorithms', () => {
  it('each separates well-separated groups and none merges two of them', async () => {
    const d = 16;
    const { m, truth } = blobs(12, 6, d, 0.08);
    const g = await neighbourGraph(m, d, 10);
    const photo = Int32Array.from(truth, (_, i) => i);
    for (const labels of [dbscan(g, 0.2, 2), chineseWhispers(g, 0.2), averageLinkage(g, { threshold: 0.2, fill: 'observed' }), averageLinkage(g, { threshold: 0.2 }), hdbscan(g, { minClusterSize: 2, minSamples: 1, maxDistance: 0.3 })]) {
      const c = enforceConstraints(labels, photo, m, d, 2);
      const metrics = clusterMetrics(c, truth);
      expect(metrics.bcubed.precision).toBe(1);
      expect(metrics.bcubed.recall).toBeGreaterThan(0.9);
    }
  });

  it('DBSCAN at a loose eps chains everything into one cluster (what Immich\'s defaults do on LFW)', async () => {
    const d = 16;
    const { m, truth } = blobs(12, 6, d, 0.08);
    const g = await neighbourGraph(m, d, truth.length - 1); // every pair: DBSCAN exactly
    expect(clusterMetrics(dbscan(g, 1.5, 3), truth).clusters).toBe(1);
    expect(clusterMetrics(dbscan(g, 0.2, 3), truth).bcubed.f1).toBe(1);
  });

  it('the constraints: a second face of one photo leaves its cluster, and small clusters dissolve', () => {
    const d = 2;
    const m = Float32Array.from([1, 0, 1, 0, 0.99, 0.141, 0, 1]);
    const out = enforceConstraints(Int32Array.from([0, 0, 0, 1]), Int32Array.from([7, 7, 8, 9]), m, d, 2);
    expect(out[0]! >= 0 !== out[1]! >= 0).toBe(true);
    expect(out[3]).toBe(-1);
  });

  it('metrics: a perfect clustering scores 1, one cluster of everything scores its known precision', () => {
    const truth = ['a', 'a', 'b', 'b', 'c'];
    expect(clusterMetrics([0, 0, 1, 1, -1], truth).bcubed.f1).toBe(1);
    const all = clusterMetrics([0, 0, 0, 0, 0], truth);
    expect(all.bcubed.recall).toBe(1);
    expect(all.bcubed.precision).toBeCloseTo((2 / 5) * (4 / 5) + (1 / 5) * (1 / 5), 10);
    expect(all.pairwise.precision).toBeCloseTo(2 / 10, 10);
  });
});

describe('the library, through its functions', () => {
  it('scans real photos into people, names one, and the gallery then identifies them', async () => {
    const db = path.join(await mkdtemp(path.join(os.tmpdir(), 'likeness-cluster-lib-')), 'g.sqlite');
    const gallery = await openGallery(db);
    await initGallery(gallery);
    const library = await openLibrary(db);
    const files = demo.people.flatMap((p) => [demo.db(p), demo.camera(p)]);
    const scan = await scanPhotos([...files, demo.blank], library, {}, { cache: false, progress: false });
    expect(scan.problems.map((p) => p.code)).toEqual(['E_NO_FACE']);
    const result = await clusterLibrary(library);
    expect(result.clusters).toHaveLength(10);
    for (const c of result.clusters) expect(new Set(c.faces.map((f) => path.dirname(f.path))).size).toBe(1);
    const person = result.clusters.find((c) => c.faces.some((f) => f.path === demo.db(demo.people[1]!)))!;
    await namePerson(library, gallery, person.id, 'Bob');
    await library.close();
    await gallery.close();
    const g = await Gallery.open(db, engine);
    const id = await g.identify(path.join(demo.trainDir, demo.people[1]!, '3.jpg'));
    expect(id.faces[0]!.match?.name).toBe('Bob');
    await g.close();
  });

  it('the scan measures each face\'s quality (kept in the encoding cache), and the quality bar uses it first', async () => {
    const cache = path.join(await mkdtemp(path.join(os.tmpdir(), 'likeness-cluster-q-')), 'encodings.sqlite');
    const files = [demo.db(demo.people[0]!), demo.camera(demo.people[0]!)];
    const fresh = await encodeSet(files, {}, { cache, progress: false });
    const again = await encodeSet(files, {}, { cache, progress: false });
    expect(again.fromCache).toBe(2);
    for (const f of files) {
      const a = fresh.results.get(f)!;
      const b = again.results.get(f)!;
      if (!a.ok || !b.ok) throw new Error(`${f} not encoded`);
      const q = a.faces[0]!.quality!.score;
      expect(q).toBeGreaterThan(0);
      expect(q).toBeLessThanOrEqual(1);
      expect(b.faces[0]!.quality!.score).toBe(q);
    }
    const min = clusterParameters().minQualityScore!;
    // a big, sure face under the quality bar is not trusted; a small one over it is
    expect(trustedFace({ box: { x: 0, y: 0, width: 300, height: 300 }, score: 1, quality: { score: min - 0.01 } })).toBe(false);
    expect(trustedFace({ box: { x: 0, y: 0, width: 10, height: 10 }, score: 0.1, quality: { score: min } })).toBe(true);
    expect(trustedFace({ box: { x: 0, y: 0, width: 10, height: 10 }, score: 0.1 })).toBe(false);
  });
});
