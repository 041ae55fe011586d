/**
 * Protocols made from a labelled set (`labels.csv`: path,identity), so any small set is measured by
 * one command, the same way every time (seeded):
 * - verification: every same-identity pair (at most `maxSame`, a seeded sample beyond) and as many
 *   seeded different-identity pairs, dealt into 10 folds;
 * - open-set identification: a seeded quarter of the people with two or more photos are left out
 *   (all their photos are unknown probes), as are people with one photo; the others are enrolled
 *   from their first photo (by path) and their other photos are known probes — one-shot, as
 *   LFW's identify.csv.
 */
import path from 'node:path';
import { LikenessError } from '../errors.js';
import { seededRng, type Rng } from '../random.js';
import type { Pair } from './pairs.js';
import { readList } from './pairs.js';
import { splitCsv, type ProtocolEntry } from './protocol.js';

export interface Labelled {
  path: string;
  identity: string;
}

export class LabelsFormatError extends LikenessError {
  constructor(file: string, line: number, detail: string) {
    super('E_LABELS_FORMAT', `${file}:${line}: ${detail}`);
  }
}

export function parseLabels(text: string, file: string): Labelled[] {
  const root = path.dirname(path.resolve(file));
  const lines = text.split(/\r?\n/);
  const header = splitCsv(lines[0] ?? '').map((h) => h.trim().toLowerCase());
  const ip = header.indexOf('path');
  const ii = header.indexOf('identity');
  if (ip < 0 || ii < 0) throw new LabelsFormatError(file, 1, 'expected a header with path,identity');
  const out: Labelled[] = [];
  lines.slice(1).forEach((l, i) => {
    if (!l.trim()) return;
    const f = splitCsv(l);
    if (!f[ip] || !f[ii]) throw new LabelsFormatError(file, i + 2, `expected path,identity, got "${l}"`);
    out.push({ path: path.resolve(root, f[ip]!), identity: f[ii]! });
  });
  if (out.length === 0) throw new LabelsFormatError(file, 1, 'no labelled photos');
  return out;
}

export async function readLabels(file: string): Promise<Labelled[]> {
  return parseLabels(await readList(file), file);
}

function shuffle<T>(xs: T[], rng: Rng): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
  return xs;
}

function byIdentity(labels: readonly Labelled[]): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const l of [...labels].sort((a, b) => a.path.localeCompare(b.path))) m.set(l.identity, [...(m.get(l.identity) ?? []), l.path]);
  return m;
}

export interface LabelPairsOptions {
  seed?: number;
  folds?: number;
  /** At most this many same-identity pairs (default 3000); as many different ones. */
  maxSame?: number;
}

/** A balanced, seeded verification protocol from labels (see the module comment). */
export function pairsFromLabels(labels: readonly Labelled[], options: LabelPairsOptions = {}): Pair[] {
  const rng = seededRng(options.seed ?? 1);
  const folds = options.folds ?? 10;
  const people = [...byIdentity(labels)];
  let same: Omit<Pair, 'fold'>[] = [];
  for (const [, files] of people) for (let i = 0; i < files.length; i++) for (let j = i + 1; j < files.length; j++) same.push({ same: true, a: files[i]!, b: files[j]! });
  if (same.length > (options.maxSame ?? 3000)) same = shuffle(same, rng).slice(0, options.maxSame ?? 3000);
  if (same.length === 0 || people.length < 2) throw new LikenessError('E_LABELS_FORMAT', 'a verification protocol needs two people and someone with two photos');
  const all = labels.map((l) => l.path).sort();
  const identity = new Map(labels.map((l) => [l.path, l.identity]));
  const seen = new Set<string>();
  const different: Omit<Pair, 'fold'>[] = [];
  const possible = all.length * (all.length - 1) / 2 - same.length;
  for (let tries = 0; different.length < Math.min(same.length, possible) && tries < 100 * same.length; tries++) {
    const a = all[Math.floor(rng() * all.length)]!;
    const b = all[Math.floor(rng() * all.length)]!;
    if (identity.get(a) === identity.get(b)) continue;
    const key = a < b ? `${a}\n${b}` : `${b}\n${a}`;
    if (seen.has(key)) continue;
    seen.add(key);
    different.push({ same: false, a, b });
  }
  return shuffle([...same, ...different], rng).map((p, i) => ({ ...p, fold: (i % folds) + 1 }));
}

export interface LabelProtocolOptions {
  seed?: number;
  /** The part of the people with several photos left out as unknown (default 0.25). */
  unknownFraction?: number;
}

/** A one-shot open-set identification protocol from labels (see the module comment). */
export function protocolFromLabels(labels: readonly Labelled[], options: LabelProtocolOptions = {}): ProtocolEntry[] {
  const rng = seededRng(options.seed ?? 1);
  const people = [...byIdentity(labels)];
  const several = shuffle(people.filter(([, f]) => f.length >= 2).map(([id]) => id), rng);
  const unknown = new Set(several.slice(0, Math.round(several.length * (options.unknownFraction ?? 0.25))));
  const out: ProtocolEntry[] = [];
  for (const [identity, files] of people) {
    const enrolled = files.length >= 2 && !unknown.has(identity);
    files.forEach((p, i) => out.push({ path: p, identity, role: enrolled && i === 0 ? 'gallery' : 'probe' }));
  }
  if (!out.some((e) => e.role === 'gallery')) throw new LikenessError('E_LABELS_FORMAT', 'an identification protocol needs someone with two photos to enrol');
  return out;
}

const csvField = (s: string): string => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** The pairs as CSV (fold,same,path1,path2), paths relative to `dir`. */
export function pairsCsv(pairs: readonly Pair[], dir: string): string {
  return `fold,same,path1,path2\n${pairs.map((p) => `${p.fold},${p.same ? 1 : 0},${csvField(path.relative(dir, p.a))},${csvField(path.relative(dir, p.b))}`).join('\n')}\n`;
}

/** The protocol as CSV (path,identity,role), paths relative to `dir`. */
export function protocolCsv(entries: readonly ProtocolEntry[], dir: string): string {
  return `path,identity,role\n${entries.map((e) => `${csvField(path.relative(dir, e.path))},${csvField(e.identity)},${e.role}`).join('\n')}\n`;
}
