/**
 * `eval identify`: open-set 1:N identification through a real gallery store and the same code path
 * as `likeness identify` (Gallery.identifyEncodings: subject scoring, hubness correction, the
 * open-set distance): each gallery image enrols its identity (its largest face); each probe's
 * largest face is identified. Reports rank-1/rank-5 of known probes, the CMC curve, and DIR at fixed
 * FPIRs (unknown probes wrongly matched to someone).
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Gallery } from '../gallery/gallery.js';
import { openGallery } from '../gallery/open.js';
import { Likeness, type LikenessOptions } from '../likeness.js';
import { openSetDistance } from '../match/identify.js';
import { encodeSet, type EncodeSetOptions } from './encode-set.js';
import { cmc, dirAtFpir, type ProbeResult } from './metrics.js';
import { readProtocol, type ProtocolEntry } from './protocol.js';
import { mainFace } from './verify-eval.js';

export interface IdentifyEvalReport {
  protocolFile: string;
  gallery: {
    images: number;
    identities: number;
    enrolled: number;
    withoutFace: number;
    /** Mean hubness of the enrolled subjects (the measurement behind a model's reference hubness). */
    meanHubness: number | null;
  };
  /** Whether candidates were ranked and decided on hubness-corrected distances. */
  hubness: boolean;
  probes: { known: number; unknown: number; withoutFace: number };
  rank1: number;
  rank5: number;
  cmc: number[];
  dirAtFpir: { fpir: number; dir: number; threshold: number }[];
  /** At the calibrated open-set threshold `likeness identify` uses. */
  calibrated: { threshold: number; dir: number; fpir: number };
  model: { name: string; version: string; metric: string };
  encoding: { images: number; encoded: number; fromCache: number; seconds: number };
}

export interface IdentifyEvalOptions extends EncodeSetOptions {
  /** Enrol into this gallery (SQLite path or postgres:// URL) instead of a temporary SQLite file. */
  galleryDb?: string;
  /** Hubness correction (default: on when the model has a reference hubness, as in `identify`). */
  hubness?: boolean;
}

/** CMC depth: candidates asked for per probe. */
const RANKS = 20;

/** A protocol file, or entries made elsewhere (e.g. from labels) with the name reports give them. */
export type ProtocolSource = string | { name: string; entries: readonly ProtocolEntry[] };

export async function evaluateIdentification(source: ProtocolSource, likenessOptions: LikenessOptions = {}, options: IdentifyEvalOptions = {}): Promise<{ report: IdentifyEvalReport; probes: ProbeResult[] }> {
  const entries = typeof source === 'string' ? await readProtocol(source) : source.entries;
  const protocolFile = typeof source === 'string' ? source : source.name;
  const engine = await Likeness.create(likenessOptions);
  const metric = engine.embedder.spec.metric;
  const enc = await encodeSet(entries.map((e) => e.path), likenessOptions, { label: 'encoding', ...options });
  const faceOf = (p: string) => {
    const r = enc.results.get(p);
    return r?.ok ? mainFace(r) : undefined;
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
  let hubnessOn = false;
  let threshold = 0;
  let meanHubness: number | null = null;
  try {
    await store.init({ ...engine.model, dimensions: engine.embedder.spec.outputSize });
    const gallery = Gallery.wrap(store, engine);
    hubnessOn = options.hubness ?? gallery.hubnessReference !== undefined;
    threshold = gallery.thresholdFor(hubnessOn);
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
    const hubs = (await Promise.all([...subjectOf.keys()].map((id) => gallery.hubness(id)))).filter((h): h is number => h !== undefined);
    if (hubs.length > 0) meanHubness = hubs.reduce((a, b) => a + b, 0) / hubs.length;
    const empty = (await store.stats()).faces === 0;
    for (const p of entries.filter((e) => e.role === 'probe')) {
      const known = identities.has(p.identity);
      const f = faceOf(p.path);
      if (!f || empty) {
        if (!f) probesWithoutFace++;
        probes.push({ known, rank: Infinity, bestDistance: Infinity, rank1Correct: false });
        continue;
      }
      const [face] = (await gallery.identifyEncodings([{ box: f.box, score: f.score, embedding: f.embedding }], { top: RANKS, hubness: hubnessOn, threshold })).faces;
      const candidates = face!.candidates;
      const pos = candidates.findIndex((c) => subjectOf.get(c.subject) === p.identity);
      probes.push({
        known,
        rank: known && pos >= 0 ? pos + 1 : Infinity,
        bestDistance: candidates[0] ? openSetDistance(candidates[0]) : Infinity,
        rank1Correct: known && pos === 0,
      });
    }
  } finally {
    await store.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  }
  const enrolled = new Set(subjectOf.values());
  const subjects = [...identities];

  const curve = cmc(probes, RANKS);
  const unknown = probes.filter((p) => !p.known);
  const known = probes.filter((p) => p.known);
  const t = threshold;
  const report: IdentifyEvalReport = {
    protocolFile,
    gallery: { images: galleryEntries.length, identities: subjects.length, enrolled: enrolled.size, withoutFace: galleryWithoutFace, meanHubness },
    hubness: hubnessOn,
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
