/**
 * One measurement of the pipeline benchmark, in its own process (forked by bench/pipeline.ts with an
 * IPC channel): separate processes keep peak RSS per side honest, and let each worker-pool size get a
 * fresh process (onnxruntime's addon cannot be loaded again in a new thread of the same process).
 *
 * Protocol: the parent sends {type:'start', args}; the child sends progress messages, optionally
 * {type:'ready'} (then waits for {type:'go'}), and finally {type:'result'} or {type:'error'}.
 */
import { loadImage } from '../src/image/index.js';
import type { Embedder } from '../src/embed/embedder.js';
import { FusedEmbedder, type FusedAlignedFace } from '../src/embed/fusion.js';
import { fivePointsArray } from '../src/landmarks/landmarker.js';
import { Likeness } from '../src/likeness.js';
import type { RgbImage } from '../src/types.js';
import { WorkerPool } from '../src/parallel/pool.js';
import { loadFaceApi } from '../test/oracle/faceapi.js';
import {
  MiB,
  type BaselineResult,
  type BatchResult,
  type ChildArgs,
  type ChildMessage,
  type ChildResult,
  type EncodeSample,
  type FaceApiRecord,
  type FaceApiResult,
  type OursRecord,
  type OursResult,
} from './common.js';

type StartMessage = { type: 'start'; args: ChildArgs };

function send(m: ChildMessage): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!process.send) {
      reject(new Error('bench/child.ts must be started by bench/pipeline.ts (no IPC channel)'));
      return;
    }
    process.send(m, undefined, {}, (e) => (e ? reject(e) : resolve()));
  });
}

function progress(phase: string, done: number, total: number): void {
  void send({ type: 'progress', phase, done, total }).catch(() => undefined);
}

function nextMessage<T extends { type: string }>(type: T['type']): Promise<T> {
  return new Promise((resolve) => {
    const on = (m: unknown): void => {
      if (typeof m === 'object' && m !== null && (m as { type?: unknown }).type === type) {
        process.off('message', on);
        resolve(m as T);
      }
    };
    process.on('message', on);
  });
}

const peakRssMiB = (): number => MiB(process.resourceUsage().maxRSS);

async function baseline(args: ChildArgs): Promise<BaselineResult> {
  let i = 0;
  for (const im of args.images) {
    await loadImage(im.file);
    progress('decode only', ++i, args.images.length);
  }
  return { mode: 'baseline', peakRssMiB: peakRssMiB() };
}

/** The stack's networks: one, or a fusion's parts (each timed on its own chips). */
function networks(l: Likeness): Embedder[] {
  return l.embedder instanceof FusedEmbedder ? [...l.embedder.parts] : [l.embedder];
}

/** Every face of an image aligned for each network of the stack (a fusion aligns once per part, on its own template). */
async function chipsPerFace(l: Likeness, img: RgbImage): Promise<RgbImage[][]> {
  const faces = (await l.detect(img)).faces;
  return faces.map((f) => {
    const a = l.embedder.align(img, { ...(f.landmarks ? { landmarks: f.landmarks } : {}), points: fivePointsArray(f.points5) });
    const parts = (a as Partial<FusedAlignedFace>).parts;
    return parts ? parts.map((p) => p.chip) : [a.chip];
  });
}

async function ours(args: ChildArgs): Promise<OursResult> {
  let t0 = performance.now();
  const l = await Likeness.create({ intraOpThreads: 1, model: args.model });
  const loadMs = performance.now() - t0;
  const nets = networks(l);

  t0 = performance.now();
  for (let r = 0; r < 2; r++) {
    for (const im of args.warmup) {
      const img = await loadImage(im.file);
      await l.embed(img);
      for (const chips of (await chipsPerFace(l, img)).slice(0, 2)) {
        for (const [k, n] of nets.entries()) {
          await n.raw([chips[k]!]);
          await n.embedChips([chips[k]!]);
        }
      }
    }
    progress('warm-up', r + 1, 2);
  }
  const warmupMs = performance.now() - t0;

  const records: OursRecord[] = [];
  for (const im of args.images) {
    const d0 = performance.now();
    const img = await loadImage(im.file);
    const d1 = performance.now();
    const r = await l.embed(img);
    const d2 = performance.now();
    const t = r.timings;
    records.push({
      set: im.set,
      faces: r.faces.length,
      decodeMs: d1 - d0,
      detectMs: t.detectMs,
      landmarksMs: t.landmarksMs,
      alignMs: t.alignMs,
      encodeMs: t.encodeMs,
      embedMs: d2 - d1,
    });
    progress('pipeline', records.length, args.images.length);
  }

  // Each network alone, per face: each distinct image once, every aligned chip as a batch of one.
  const seen = new Set<string>();
  const distinct = args.images.filter((im) => !seen.has(im.file) && Boolean(seen.add(im.file)));
  const encode: EncodeSample[] = [];
  let i = 0;
  for (const im of distinct) {
    for (const chips of await chipsPerFace(l, await loadImage(im.file))) {
      for (const [k, n] of nets.entries()) {
        const e0 = performance.now();
        await n.raw([chips[k]!]);
        const e1 = performance.now();
        await n.embedChips([chips[k]!], { mirror: true });
        const e2 = performance.now();
        encode.push({ set: im.set, network: n.spec.name, singleMs: e1 - e0, mirrorMs: e2 - e1 });
      }
    }
    progress('encoder per face', ++i, distinct.length);
  }
  return { mode: 'ours', stack: l.stack, loadMs, warmupMs, records, encode, peakRssMiB: peakRssMiB() };
}

async function faceapi(args: ChildArgs): Promise<FaceApiResult> {
  let t0 = performance.now();
  const oracle = await loadFaceApi();
  const loadMs = performance.now() - t0;

  t0 = performance.now();
  for (let r = 0; r < 2; r++) {
    for (const im of args.warmup) await oracle.full(await loadImage(im.file));
    progress('warm-up', r + 1, 2);
  }
  const warmupMs = performance.now() - t0;

  const records: FaceApiRecord[] = [];
  for (const im of args.images) {
    const d0 = performance.now();
    const img = await loadImage(im.file);
    const decodeMs = performance.now() - d0;
    const { faces, timings: t } = await oracle.full(img);
    records.push({
      set: im.set,
      faces: faces.length,
      decodeMs,
      inputMs: t.inputMs,
      detectMs: t.detectMs,
      landmarksMs: t.landmarksMs,
      descriptorMs: t.descriptorMs,
      totalMs: t.totalMs,
    });
    progress('pipeline', records.length, args.images.length);
  }
  return { mode: 'faceapi', loadMs, warmupMs, info: oracle.info, records, peakRssMiB: peakRssMiB() };
}

/** face-api over this process's share of the images (decode included), started on the parent's 'go'. */
async function faceapiShard(args: ChildArgs): Promise<BatchResult> {
  const t0 = performance.now();
  const oracle = await loadFaceApi();
  for (let r = 0; r < 2; r++) for (const im of args.warmup) await oracle.full(await loadImage(im.file));
  const startupMs = performance.now() - t0;
  const go = nextMessage<{ type: 'go' }>('go');
  await send({ type: 'ready' });
  await go;
  const w0 = performance.now();
  let faces = 0;
  let done = 0;
  for (const im of args.images) {
    faces += (await oracle.full(await loadImage(im.file))).faces.length;
    progress('batch', ++done, args.images.length);
  }
  const wallMs = performance.now() - w0;
  return { mode: 'faceapi-shard', workers: 1, images: args.images.length, faces, wallMs, startupMs, peakRssMiB: peakRssMiB() };
}

/** Our worker pool (the CLI's batch path): all files queued at once, decode inside the workers. */
async function pool(args: ChildArgs): Promise<BatchResult> {
  const workers = args.workers ?? 1;
  const t0 = performance.now();
  const p = new WorkerPool(workers, { intraOpThreads: 1, model: args.model });
  try {
    // Each round submits one job per worker while all are idle, so every worker warms up.
    for (let r = 0; r < 2; r++) {
      for (const im of args.warmup) await Promise.all(Array.from({ length: workers }, () => p.embed(im.file)));
      progress('warm-up', r + 1, 2);
    }
    const startupMs = performance.now() - t0;
    let done = 0;
    const w0 = performance.now();
    const counts = await Promise.all(
      args.images.map((im) =>
        p.embed(im.file).then((r) => {
          progress('batch', ++done, args.images.length);
          return r.faces.length;
        }),
      ),
    );
    const wallMs = performance.now() - w0;
    const faces = counts.reduce((a, b) => a + b, 0);
    return { mode: 'pool', workers, images: args.images.length, faces, wallMs, startupMs, peakRssMiB: peakRssMiB() };
  } finally {
    await p.close();
  }
}

async function run(args: ChildArgs): Promise<ChildResult> {
  switch (args.mode) {
    case 'baseline':
      return baseline(args);
    case 'ours':
      return ours(args);
    case 'faceapi':
      return faceapi(args);
    case 'faceapi-shard':
      return faceapiShard(args);
    case 'pool':
      return pool(args);
  }
}

try {
  const { args } = await nextMessage<StartMessage>('start');
  const result = await run(args);
  await send({ type: 'result', result });
  process.exit(0);
} catch (e) {
  const err = e as Error;
  await send({ type: 'error', message: err.stack ?? err.message }).catch(() => undefined);
  process.exit(1);
}
