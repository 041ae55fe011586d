/**
 * `eval identify`: open-set 1:N identification through a real gallery store (the same code path
 * as `likeness identify`): each gallery image enrols its identity (its largest face); each probe is
 * searched in the store, a subject's distance being its nearest face. Reports rank-1/rank-5 of known probes, the CMC curve, and DIR at fixed FPIRs (unknown probes
 * wrongly matched to someone).
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openGallery } from '../gallery/open.js';
import { Likeness, type LikenessOptions } from '../likeness.js';
import { rankSubjects } from '../match/identify.js';
import { encodeSet, type EncodeSetOptions } from './encode-set.js';
import { cmc, dirAtFpir, type ProbeResult } from './metrics.js';
import { readProtocol } from './protocol.js';
import { largestFace } from './verify-eval.js';

export interface IdentifyEvalReport {
  protocolFile: string;
  gallery: { images: number; identities: number; enrolled: number; withoutFace: number };
  probes: { known: number; unknown: number; withoutFace: number };
  rank1: number;
  rank5: number;
  cmc: number[];
  dirAtFpir: { fpir: number; dir: number; threshold: number }[];
  /** At the model's calibrated verification threshold. */
  calibrated: { threshold: number; dir: number; fpir: number };
  model: { name: string; version: string; metric: string };
  encoding: { images: number; encoded: number; fromCache: number; seconds: number };
}

export interface IdentifyEvalOptions extends EncodeSetOptions {
  /** Enrol into this gallery (SQLite path or postgres:// URL) instead of a temporary SQLite file. */
  galleryDb?: string;
}

export async function evaluateIdentification(protocolFile: string, likenessOptions: LikenessOptions = {}, options: IdentifyEvalOptions = {}): Promise<{ report: IdentifyEvalReport; probes: ProbeResult[] }> {
  const entries = await readProtocol(protocolFile);
  const engine = await Likeness.create(likenessOptions);
  const metric = engine.embedder.spec.metric;
  const enc = await encodeSet(entries.map((e) => e.path), likenessOptions, { label: 'encoding', ...options });
  const faceOf = (p: string) => {
    const r = enc.results.get(p);
    return r?.ok ? largestFace(r.faces) : undefined;
  };

  // Enrol the gallery into a real gallery store (a temporary SQLite file unless one is given),
  // and search it exactly as `likeness identify` does.
  const galleryEntries = entries.filter((e) => e.role === 'gallery');
  const tmp = options.galleryDb ? undefined : await mkdtemp(path.join(os.tmpdir(), 'likeness-eval-gallery-'));
  const store = await openGallery(options.galleryDb ?? path.join(tmp!, 'gallery.sqlite'));
  const probes: ProbeResult[] = [];
  let galleryWithoutFace = 0;
  let probesWithoutFace = 0;
  const identities = new Set(galleryEntries.map((e) => e.identity));
  const subjectOf = new Map<string, string>(); // subject id → identity
  try {
    await store.init({ ...engine.model, dimensions: engine.embedder.spec.outputSize });
    const subjectIds = new Map<string, string>();
    for (const g of galleryEntries) {
      const f = faceOf(g.path);
      if (!f) {
        galleryWithoutFace++;
        continue;
      }
      let id = subjectIds.get(g.identity);
      if (!id) {
        id = (await store.createSubject(g.identity)).id;
        subjectIds.set(g.identity, id);
        subjectOf.set(id, g.identity);
      }
      const r = enc.results.get(g.path);
      await store.addFaces(id, [{ embedding: f.embedding, score: f.score, imageSha256: r?.ok ? r.sha256 : createHash('sha256').update(g.path).digest('hex') }]);
    }
    const stats = await store.stats();
    // Enough hits to rank every subject up to rank 20 even when subjects have several faces.
    const k = Math.min(stats.faces, Math.max(200, 20 * Math.ceil(stats.faces / Math.max(1, stats.subjects))));
    for (const p of entries.filter((e) => e.role === 'probe')) {
      const known = identities.has(p.identity);
      const f = faceOf(p.path);
      if (!f || stats.faces === 0) {
        if (!f) probesWithoutFace++;
        probes.push({ known, rank: Infinity, bestDistance: Infinity, rank1Correct: false });
        continue;
      }
      // The store ranks by Euclidean distance between unit encodings; cosine distance is d²/2.
      const hits = (await store.search(f.embedding, k)).map((h) => (metric === 'cosine' ? { ...h, distance: (h.distance * h.distance) / 2 } : h));
      const ranked = rankSubjects(hits, stats.subjects);
      const pos = ranked.findIndex((r) => subjectOf.get(r.subjectId) === p.identity);
      probes.push({
        known,
        rank: known && pos >= 0 ? pos + 1 : Infinity,
        bestDistance: ranked[0]?.distance ?? Infinity,
        rank1Correct: known && pos === 0,
      });
    }
  } finally {
    await store.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  }
  const enrolled = new Set(subjectOf.values());
  const subjects = [...identities];

  const curve = cmc(probes, 20);
  const unknown = probes.filter((p) => !p.known);
  const known = probes.filter((p) => p.known);
  const t = engine.threshold;
  const report: IdentifyEvalReport = {
    protocolFile,
    gallery: { images: galleryEntries.length, identities: subjects.length, enrolled: enrolled.size, withoutFace: galleryWithoutFace },
    probes: { known: known.length, unknown: unknown.length, withoutFace: probesWithoutFace },
    rank1: curve[0] ?? 0,
    rank5: curve[4] ?? 0,
    cmc: curve,
    dirAtFpir: [0.01, 0.001].map((f) => dirAtFpir(probes, f)),
    calibrated: {
      threshold: t,
      dir: known.filter((p) => p.rank1Correct && p.bestDistance <= t).length / Math.max(1, known.length),
      fpir: unknown.filter((p) => p.bestDistance <= t).length / Math.max(1, unknown.length),
    },
    model: { ...engine.model, metric },
    encoding: { images: enc.results.size, encoded: enc.encoded, fromCache: enc.fromCache, seconds: enc.seconds },
  };
  return { report, probes };
}
