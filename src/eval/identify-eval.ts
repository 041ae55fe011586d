/**
 * `eval identify`: open-set 1:N identification. Each gallery image enrols its identity (its largest
 * face); each probe is compared with every enrolled face, a subject's distance being its nearest
 * face. Reports rank-1/rank-5 of known probes, the CMC curve, and DIR at fixed FPIRs (unknown probes
 * wrongly matched to someone).
 */
import { Likeness, type LikenessOptions } from '../likeness.js';
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

export async function evaluateIdentification(protocolFile: string, likenessOptions: LikenessOptions = {}, options: EncodeSetOptions = {}): Promise<{ report: IdentifyEvalReport; probes: ProbeResult[] }> {
  const entries = await readProtocol(protocolFile);
  const engine = await Likeness.create(likenessOptions);
  const metric = engine.embedder.spec.metric;
  const enc = await encodeSet(entries.map((e) => e.path), likenessOptions, { label: 'encoding', ...options });
  const faceOf = (p: string) => {
    const r = enc.results.get(p);
    return r?.ok ? largestFace(r.faces) : undefined;
  };

  // Gallery as one contiguous matrix; subject index per row.
  const galleryEntries = entries.filter((e) => e.role === 'gallery');
  const subjects = [...new Set(galleryEntries.map((e) => e.identity))];
  const subjectIndex = new Map(subjects.map((s, i) => [s, i]));
  const rows: { subject: number; e: Float32Array }[] = [];
  let galleryWithoutFace = 0;
  for (const g of galleryEntries) {
    const f = faceOf(g.path);
    if (f) rows.push({ subject: subjectIndex.get(g.identity)!, e: f.embedding });
    else galleryWithoutFace++;
  }
  const enrolled = new Set(rows.map((r) => r.subject));
  const d = rows[0]?.e.length ?? 0;
  const G = new Float32Array(rows.length * d);
  rows.forEach((r, i) => G.set(r.e, i * d));

  const probes: ProbeResult[] = [];
  let probesWithoutFace = 0;
  const perSubject = new Float64Array(subjects.length);
  for (const p of entries.filter((e) => e.role === 'probe')) {
    const known = subjectIndex.has(p.identity);
    const f = faceOf(p.path);
    if (!f) {
      probesWithoutFace++;
      probes.push({ known, rank: Infinity, bestDistance: Infinity, rank1Correct: false });
      continue;
    }
    perSubject.fill(Infinity);
    const q = f.embedding;
    for (let r = 0; r < rows.length; r++) {
      let dot = 0;
      const o = r * d;
      for (let k = 0; k < d; k++) dot += G[o + k]! * q[k]!;
      // unit encodings: squared Euclidean = 2 − 2·dot; cosine distance = 1 − dot
      const dist = metric === 'euclidean' ? Math.sqrt(Math.max(0, 2 - 2 * dot)) : 1 - dot;
      const s = rows[r]!.subject;
      if (dist < perSubject[s]!) perSubject[s] = dist;
    }
    let best = Infinity;
    let bestSubject = -1;
    for (let s = 0; s < subjects.length; s++) if (perSubject[s]! < best) [best, bestSubject] = [perSubject[s]!, s];
    let rank = Infinity;
    if (known) {
      const t = subjectIndex.get(p.identity)!;
      const dt = perSubject[t]!;
      if (Number.isFinite(dt)) {
        rank = 1;
        for (let s = 0; s < subjects.length; s++) if (perSubject[s]! < dt) rank++;
      }
    }
    probes.push({ known, rank, bestDistance: best, rank1Correct: known && bestSubject === subjectIndex.get(p.identity) });
  }

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
