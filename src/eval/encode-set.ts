/**
 * Encode a set of image files for evaluation: cached by content and settings, spread over a worker
 * per core, with a progress bar (ETA) on stderr. Every file gets a result: its faces, or the error.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import os from 'node:os';
import { LikenessError } from '../errors.js';
import { Likeness, type LikenessOptions } from '../likeness.js';
import { cacheDir } from '../models/cache.js';
import { WorkerPool } from '../parallel/pool.js';
import { progressReporter } from '../progress.js';
import { EncodingCache, settingsHash, type CachedFace } from './encoding-cache.js';

export type EncodeResult = { ok: true; width: number; height: number; faces: CachedFace[]; cached: boolean; sha256: string } | { ok: false; error: { code: string; message: string } };

export interface EncodeSetOptions {
  /** Worker threads (default: one per core). */
  workers?: number;
  /** SQLite cache file (default <cache dir>/encodings.sqlite); false to disable. */
  cache?: string | false;
  /** Progress bar on stderr (default: when stderr is a terminal; otherwise a line every 10 %). */
  progress?: boolean;
  label?: string;
}

export interface EncodeSetResult {
  results: Map<string, EncodeResult>;
  settings: string;
  encoded: number;
  fromCache: number;
  seconds: number;
}

export async function encodeSet(files: readonly string[], likenessOptions: LikenessOptions = {}, options: EncodeSetOptions = {}): Promise<EncodeSetResult> {
  const t0 = performance.now();
  const unique = [...new Set(files)];
  const engine = await Likeness.create(likenessOptions); // validates options; gives the settings
  const settings = settingsHash(engine.settings());
  const cache = options.cache === false ? undefined : new EncodingCache(options.cache ?? path.join(cacheDir(), 'encodings.sqlite'));
  const results = new Map<string, EncodeResult>();
  const todo: { file: string; content: string }[] = [];
  for (const file of unique) {
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch (e) {
      results.set(file, { ok: false, error: { code: 'E_IMAGE_READ', message: `${file}: cannot read file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` } });
      continue;
    }
    const content = createHash('sha256').update(bytes).digest('hex');
    const hit = cache?.get(content, settings);
    if (hit) results.set(file, { ok: true, ...hit, cached: true, sha256: content });
    else todo.push({ file, content });
  }
  const fromCache = [...results.values()].filter((r) => r.ok).length;
  if (todo.length > 0) {
    const workers = Math.max(1, Math.min(options.workers ?? os.availableParallelism(), todo.length));
    const pool = new WorkerPool(workers, likenessOptions);
    const bar = progressReporter(todo.length, options.label ?? 'encoding', options.progress ?? process.stderr.isTTY === true);
    let done = 0;
    try {
      await Promise.all(
        todo.map(async ({ file, content }) => {
          try {
            // the workers measure each face's quality with its encoding (embed with quality: true); kept for the clustering's quality bar
            const a = await pool.embed(file);
            const faces = a.faces.map((f): CachedFace => ({ box: f.box, score: f.score, embedding: f.embedding, ...(f.quality ? { quality: { score: f.quality.score } } : {}) }));
            const entry = { width: a.width, height: a.height, faces };
            cache?.put(content, settings, entry);
            results.set(file, { ok: true, ...entry, cached: false, sha256: content });
          } catch (e) {
            if (!(e instanceof LikenessError) || !e.isInputError) throw e;
            results.set(file, { ok: false, error: { code: e.code, message: e.message } });
          } finally {
            bar.tick(++done);
          }
        }),
      );
    } finally {
      bar.stop();
      await pool.close();
    }
  }
  cache?.close();
  return { results, settings, encoded: todo.length, fromCache, seconds: (performance.now() - t0) / 1000 };
}
