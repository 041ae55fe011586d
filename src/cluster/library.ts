/**
 * People from a photo library: scan folders (detect and encode every face, cached and resumable,
 * on a worker per core), then group the faces into people.
 *
 * Clustering keeps what the user decided: named people keep their faces; a face marked "not this
 * person" is never proposed for that person again. Incremental (the default): faces not in a person
 * join the nearest person when their mean cosine distance to its faces is under `joinThreshold`
 * (and the person holds no other face of their photo); the rest are clustered among themselves and
 * each cluster of at least `minClusterSize` faces becomes a new person (Chinese whispers on the
 * edges under `threshold`: the choice measured on LFW, docs/clustering.md). A full re-cluster
 * (`recluster`) first dissolves every unnamed person. Two faces of one photo never share a person;
 * faces under the quality bar (./quality.ts) stay unclustered.
 */
import { encodeSet, type EncodeSetOptions } from '../eval/encode-set.js';
import type { LibraryFace, LibraryStore } from '../gallery/library-store.js';
import type { LikenessOptions } from '../likeness.js';
import type { Box } from '../types.js';
import { chineseWhispers, enforceConstraints } from './algorithms.js';
import { neighbourGraph } from './neighbours.js';
import { clusterParameters, type ClusterParameters } from './parameters.js';
import { trustedFace } from './quality.js';

export interface ScanProblem {
  path: string;
  code: string;
  message: string;
}

export interface ScanResult {
  photos: number;
  newPhotos: number;
  faces: number;
  /** Photos that could not be read or decoded, and photos without a face. */
  problems: ScanProblem[];
}

/** Detects and encodes the files (cached by content), adding the photos not yet in the library. */
export async function scanPhotos(files: readonly string[], library: LibraryStore, likenessOptions: LikenessOptions = {}, options: EncodeSetOptions = {}): Promise<ScanResult> {
  const enc = await encodeSet(files, likenessOptions, { label: 'faces', ...options });
  await library.checkSettings(enc.settings);
  const problems: ScanProblem[] = [];
  const photos = [];
  for (const file of files) {
    const r = enc.results.get(file);
    if (!r) continue;
    if (!r.ok) {
      problems.push({ path: file, code: r.error.code, message: r.error.message });
      continue;
    }
    if (r.faces.length === 0) problems.push({ path: file, code: 'E_NO_FACE', message: `${file}: no face found` });
    if (await library.hasPhoto(r.sha256)) continue;
    photos.push({ sha256: r.sha256, path: file, faces: r.faces.map((f) => ({ box: f.box, score: f.score, embedding: f.embedding, trusted: trustedFace(f) /* f.quality.score when measured */ })) });
  }
  const added = await library.addPhotos(photos);
  return { photos: files.length, newPhotos: photos.length, faces: added.length, problems };
}

export interface ClusterSummary {
  clusters: { id: number; name: string | null; size: number; faces: { id: number; path: string; box: Box }[] }[];
  unclustered: { id: number; path: string; box: Box }[];
  joined: number;
  created: number;
}

const dotMean = (e: Float32Array, mean: Float64Array): number => {
  let s = 0;
  for (let t = 0; t < e.length; t++) s += e[t]! * mean[t]!;
  return s;
};

/** Clusters the library's faces into people (see the header) and returns the result. */
export async function clusterLibrary(library: LibraryStore, options: { recluster?: boolean; parameters?: Partial<ClusterParameters> } = {}): Promise<ClusterSummary> {
  const p = { ...clusterParameters(), ...options.parameters };
  const named = new Set((await library.people()).filter((x) => x.name !== null).map((x) => x.id));
  const faces = await library.faces();
  const rejected = await library.rejections();
  const assign: { face: number; person: number }[] = [];
  // the people kept: all (incremental) or only the named ones (re-cluster)
  const keptPerson = (person: number | null) => person !== null && (!options.recluster || named.has(person));
  const members = new Map<number, LibraryFace[]>();
  for (const f of faces) if (keptPerson(f.person)) (members.get(f.person!) ?? members.set(f.person!, []).get(f.person!)!).push(f);
  const free = faces.filter((f) => f.trusted && !keptPerson(f.person));
  // 1. join existing people
  const means = [...members].map(([id, list]) => {
    const d = list[0]!.embedding.length;
    const m = new Float64Array(d);
    for (const f of list) for (let t = 0; t < d; t++) m[t] = m[t]! + f.embedding[t]! / list.length;
    return { id, mean: m, photos: new Set(list.map((f) => f.sha256)) };
  });
  const rest: LibraryFace[] = [];
  if (means.length > 0 && free.length > 0) {
    // the 8 nearest people of each free face by mean distance (1 − dot with the mean encoding),
    // searched natively; then the first of them the face may join
    const d = free[0]!.embedding.length;
    const meanMatrix = new Float32Array(means.length * d);
    means.forEach((m, i) => meanMatrix.set(m.mean, i * d));
    const queries = new Float32Array(free.length * d);
    free.forEach((f, i) => queries.set(f.embedding, i * d));
    const want = Math.min(8, means.length);
    const usearch = await import('usearch');
    const found = usearch.exactSearch(meanMatrix, queries, d, want, usearch.MetricKind.IP, 0) as import('usearch').BatchMatches;
    free.forEach((f, i) => {
      for (let j = 0; j < want; j++) {
        const m = means[Number(found.keys[i * want + j])];
        if (!m || rejected.has(`${f.id}:${m.id}`) || m.photos.has(f.sha256)) continue;
        if (1 - dotMean(f.embedding, m.mean) > p.joinThreshold) break;
        assign.push({ face: f.id, person: m.id });
        m.photos.add(f.sha256);
        return;
      }
      rest.push(f);
    });
  } else rest.push(...free);
  // 2. cluster the rest among themselves
  const create: number[][] = [];
  if (rest.length >= p.minClusterSize) {
    const d = rest[0]!.embedding.length;
    const matrix = new Float32Array(rest.length * d);
    rest.forEach((f, i) => matrix.set(f.embedding, i * d));
    const photoIds = new Map<string, number>();
    const photo = Int32Array.from(rest, (f) => photoIds.get(f.sha256) ?? photoIds.set(f.sha256, photoIds.size).get(f.sha256)!);
    const graph = await neighbourGraph(matrix, d, p.neighbours);
    const labels = enforceConstraints(chineseWhispers(graph, p.threshold), photo, matrix, d, p.minClusterSize);
    const groups = new Map<number, number[]>();
    labels.forEach((l, i) => l >= 0 && (groups.get(l) ?? groups.set(l, []).get(l)!).push(rest[i]!.id));
    create.push(...groups.values());
  }
  // faces of dissolved people that found no place become unclustered
  await library.applyClustering(assign, create, options.recluster === true);
  await library.prune();
  return { ...(await summary(library)), joined: assign.length, created: create.length };
}

export async function summary(library: LibraryStore): Promise<Omit<ClusterSummary, 'joined' | 'created'>> {
  const faces = await library.faces();
  const people = await library.people();
  const byPerson = new Map<number, LibraryFace[]>();
  for (const f of faces) if (f.person !== null) (byPerson.get(f.person) ?? byPerson.set(f.person, []).get(f.person)!).push(f);
  const face = (f: LibraryFace) => ({ id: f.id, path: f.path, box: f.box });
  return {
    clusters: people.filter((x) => x.size > 0).map((x) => ({ id: x.id, name: x.name, size: x.size, faces: (byPerson.get(x.id) ?? []).map(face) })),
    unclustered: faces.filter((f) => f.person === null).map(face),
  };
}
