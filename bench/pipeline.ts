/**
 * Pipeline benchmark: likeness (onnxruntime-node) vs @vladmandic/face-api (tfjs, wasm backend) in one
 * run, on the same images, on this machine. Prints ratios against the peer measured in the same run;
 * it never asserts timings.
 *
 *   npm run bench                  markdown tables on stdout, progress on stderr
 *   npm run bench -- --json        one JSON object on stdout instead
 *   options: --lfw <n> (default 200) · --demo-rounds <n> (default 3) · --no-faceapi-shards
 *            --stacks a,b,… (default: fusion,mobilefacenet,dlib; the batch runs use the first)
 *
 * Every measurement runs in its own child process (bench/child.ts), one after the other, so each
 * process's peak RSS belongs to one side and no two measurements compete for the cores.
 */
import cliProgress from 'cli-progress';
import { DEFAULT_STACK, isStackName, listStacks } from '../src/models/stacks.js';
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  demoImages,
  LFW_DIR,
  lfwImages,
  median,
  quantile,
  ROOT,
  sum,
  type BaselineResult,
  type BatchResult,
  type BenchImage,
  type ChildArgs,
  type ChildMessage,
  type ChildResult,
  type FaceApiResult,
  type OursResult,
  type SetName,
} from './common.js';

// ── options ─────────────────────────────────────────────────────────────────────────────────────

interface Options {
  json: boolean;
  lfw: number;
  demoRounds: number;
  faceapiShards: boolean;
  stacks: string[];
}

function parseArgs(argv: readonly string[]): Options {
  const o: Options = { json: false, lfw: 200, demoRounds: 3, faceapiShards: true, stacks: [DEFAULT_STACK, 'mobilefacenet', 'dlib'] };
  const int = (flag: string, v: string | undefined, min: number): number => {
    const n = Number(v);
    if (v === undefined || !Number.isInteger(n) || n < min) throw new Error(`${flag} needs an integer ≥ ${min}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--json') o.json = true;
    else if (a === '--lfw') o.lfw = int(a, argv[++i], 0);
    else if (a === '--demo-rounds') o.demoRounds = int(a, argv[++i], 1);
    else if (a === '--no-faceapi-shards') o.faceapiShards = false;
    else if (a === '--stacks') {
      const v = argv[++i];
      const names = v?.split(',').filter(Boolean) ?? [];
      const bad = names.find((n) => !isStackName(n));
      if (names.length === 0 || bad) throw new Error(`--stacks needs stack names (${listStacks().map((x) => x.name).join(', ')})${bad ? `: unknown ${bad}` : ''}`);
      o.stacks = names;
    }
    else if (a === '--help' || a === '-h') {
      process.stdout.write('usage: npm run bench -- [--json] [--lfw <n>] [--demo-rounds <n>] [--stacks a,b,…] [--no-faceapi-shards]\n');
      process.exit(0);
    } else throw new Error(`unknown option ${a} (try --help)`);
  }
  return o;
}

// ── child processes ─────────────────────────────────────────────────────────────────────────────

const CHILD = path.join(ROOT, 'bench/child.ts');

const bar = new cliProgress.SingleBar(
  {
    format: '{label} |{bar}| {value}/{total} {step}',
    hideCursor: true,
    clearOnComplete: true,
    noTTYOutput: !process.stderr.isTTY,
    notTTYSchedule: 10_000,
    stream: process.stderr,
  },
  cliProgress.Presets.shades_classic,
);

interface Running {
  child: ChildProcess;
  result: Promise<ChildResult>;
}

/** Forks bench/child.ts (inheriting tsx's loader flags), sends it its arguments, resolves with its result. */
function start(args: ChildArgs, onMessage: (m: ChildMessage) => void): Running {
  const child = fork(CHILD, [], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const result = new Promise<ChildResult>((resolve, reject) => {
    let got: ChildResult | undefined;
    let error: string | undefined;
    child.on('message', (m: ChildMessage) => {
      if (m.type === 'result') got = m.result;
      else if (m.type === 'error') error = m.message;
      else onMessage(m);
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (got && code === 0) resolve(got);
      else reject(new Error(`bench child (${args.mode}) failed (exit ${code ?? signal}): ${error ?? ''}\n${output}`));
    });
  });
  child.send({ type: 'start', args });
  return { child, result };
}

async function runChild<R extends ChildResult>(label: string, args: ChildArgs): Promise<R> {
  bar.start(1, 0, { label, step: 'starting' });
  try {
    return (await start(args, (m) => {
      if (m.type !== 'progress') return;
      bar.setTotal(m.total);
      bar.update(m.done, { step: m.phase });
    }).result) as R;
  } finally {
    bar.stop();
  }
}

/** face-api over `shards` processes at once, each with a slice of the images; started together after warm-up. */
async function runFaceApiShards(label: string, images: BenchImage[], warmup: BenchImage[], shards: number): Promise<BatchResult[]> {
  const parts = Array.from({ length: shards }, (_, s) => images.filter((_, i) => i % shards === s));
  const done = new Array<number>(shards).fill(0);
  let ready = 0;
  bar.start(images.length, 0, { label, step: 'loading + warm-up' });
  let release = (): void => undefined;
  const allReady = new Promise<void>((r) => (release = r));
  const running = parts.map((part, s) =>
    start({ mode: 'faceapi-shard', images: part, warmup }, (m) => {
      if (m.type === 'ready' && ++ready === shards) release();
      if (m.type === 'progress') {
        done[s] = m.done;
        bar.update(sum(done), { step: 'batch' });
      }
    }),
  );
  try {
    // A failed child rejects its result before it is ready: do not wait for 'ready' forever.
    await Promise.race([allReady, Promise.all(running.map((r) => r.result))]);
    for (const r of running) r.child.send({ type: 'go' });
    return (await Promise.all(running.map((r) => r.result))) as BatchResult[];
  } finally {
    bar.stop();
  }
}

// ── summaries ───────────────────────────────────────────────────────────────────────────────────

function pkgVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '?';
  }
}

interface SetSummary {
  stack: string;
  set: SetName;
  runs: number;
  distinctImages: number;
  ours: {
    faces: number;
    median: { decodeMs: number; detectMs: number; landmarksMs: number; alignMs: number; encodeMs: number; totalMs: number };
    imagesPerS: number;
    facesPerS: number;
    encodeMsPerFace: number;
  };
  faceapi: {
    faces: number;
    median: { inputMs: number; detectMs: number; landmarksMs: number; descriptorMs: number; totalMs: number };
    imagesPerS: number;
    facesPerS: number;
    descriptorMsPerFace: number;
  };
  ratio: { images: number; faces: number };
}

function summarise(set: SetName, o: OursResult, f: FaceApiResult, distinctImages: number): SetSummary | undefined {
  const oi = o.records.map((r, i) => ({ r, i })).filter(({ r }) => r.set === set);
  if (oi.length === 0) return undefined;
  const or = oi.map(({ r }) => r);
  const fr = oi.map(({ i }) => f.records[i]!);
  // Decode (sharp) is shared work: measured once, in the likeness process, and added to both sides.
  const oursTotal = or.map((r) => r.decodeMs + r.embedMs);
  const faTotal = fr.map((r, k) => or[k]!.decodeMs + r.totalMs);
  const oFaces = sum(or.map((r) => r.faces));
  const fFaces = sum(fr.map((r) => r.faces));
  const ours = {
    faces: oFaces,
    median: {
      decodeMs: median(or.map((r) => r.decodeMs)),
      detectMs: median(or.map((r) => r.detectMs)),
      landmarksMs: median(or.map((r) => r.landmarksMs)),
      alignMs: median(or.map((r) => r.alignMs)),
      encodeMs: median(or.map((r) => r.encodeMs)),
      totalMs: median(oursTotal),
    },
    imagesPerS: (1000 * or.length) / sum(oursTotal),
    facesPerS: (1000 * oFaces) / sum(oursTotal),
    encodeMsPerFace: sum(or.map((r) => r.encodeMs)) / oFaces,
  };
  const faceapi = {
    faces: fFaces,
    median: {
      inputMs: median(fr.map((r) => r.inputMs)),
      detectMs: median(fr.map((r) => r.detectMs)),
      landmarksMs: median(fr.map((r) => r.landmarksMs)),
      descriptorMs: median(fr.map((r) => r.descriptorMs)),
      totalMs: median(faTotal),
    },
    imagesPerS: (1000 * fr.length) / sum(faTotal),
    facesPerS: (1000 * fFaces) / sum(faTotal),
    descriptorMsPerFace: sum(fr.map((r) => r.descriptorMs)) / fFaces,
  };
  return { stack: o.stack, set, runs: or.length, distinctImages, ours, faceapi, ratio: { images: ours.imagesPerS / faceapi.imagesPerS, faces: ours.facesPerS / faceapi.facesPerS } };
}

interface BatchSummary {
  label: string;
  cores: number;
  processes: number;
  images: number;
  faces: number;
  wallMs: number;
  imagesPerS: number;
  facesPerS: number;
  peakRssMiB: number;
}

function batchSummary(label: string, cores: number, rs: BatchResult[]): BatchSummary {
  const wallMs = Math.max(...rs.map((r) => r.wallMs));
  const images = sum(rs.map((r) => r.images));
  const faces = sum(rs.map((r) => r.faces));
  return {
    label,
    cores,
    processes: rs.length,
    images,
    faces,
    wallMs,
    imagesPerS: (1000 * images) / wallMs,
    facesPerS: (1000 * faces) / wallMs,
    peakRssMiB: Math.max(...rs.map((r) => r.peakRssMiB)),
  };
}

// ── formatting ──────────────────────────────────────────────────────────────────────────────────

const ms = (x: number): string => (Number.isFinite(x) ? (x >= 100 ? x.toFixed(0) : x.toFixed(1)) : '—');
const rate = (x: number): string => (Number.isFinite(x) ? (x >= 100 ? x.toFixed(0) : x.toFixed(2)) : '—');
const times = (x: number): string => (Number.isFinite(x) ? `${x.toFixed(2)}×` : '—');
const mib = (x: number): string => `${x.toFixed(0)}`;
const row = (cells: (string | number)[]): string => `| ${cells.join(' | ')} |`;
const rule = (n: number, firstLeft = 1): string => `|${Array.from({ length: n }, (_, i) => (i < firstLeft ? ' --- ' : ' ---: ')).join('|')}|`;

// ── main ────────────────────────────────────────────────────────────────────────────────────────

async function main(): Promise<void> {
  const opt = parseArgs(process.argv.slice(2));
  const demo = demoImages();
  const lfwSample = lfwImages(opt.lfw);
  const lfw = lfwSample.images;
  const lfwMissing = opt.lfw > 0 && lfw.length === 0;
  const rounds = Array.from({ length: opt.demoRounds }, () => demo).flat();
  const images = [...rounds, ...lfw];
  const warmup = [demo[0]!, lfw[0] ?? demo[1]!];
  // The batch runs (pool, face-api shards) use LFW, or the demo rounds where LFW is absent.
  const batchImages = lfw.length > 0 ? lfw : rounds;
  const batchSet: SetName = lfw.length > 0 ? 'lfw' : 'demo';
  const cores = os.availableParallelism();
  const workers = Math.max(2, cores);
  const loadStart = os.loadavg();
  const t0 = performance.now();
  if (lfwMissing) process.stderr.write(`bench: ${LFW_DIR} not found — running on face-api's demo photos only\n`);

  const batchStack = opt.stacks[0]!;
  const steps = 5 + opt.stacks.length + (opt.faceapiShards ? 1 : 0);
  let step = 0;
  const label = (what: string): string => `${++step}/${steps} ${what}`;
  const base = await runChild<BaselineResult>(label('baseline (decode only)'), { mode: 'baseline', images: [...demo, ...lfw], warmup: [] });
  const oursBy: OursResult[] = [];
  for (const stack of opt.stacks) oursBy.push(await runChild<OursResult>(label(`likeness ${stack}, 1 thread`), { mode: 'ours', images, warmup, model: stack }));
  const fa = await runChild<FaceApiResult>(label('face-api, tfjs-wasm'), { mode: 'faceapi', images, warmup });
  const pool1 = await runChild<BatchResult>(label(`likeness ${batchStack} pool, 1 worker`), { mode: 'pool', images: batchImages, warmup, workers: 1, model: batchStack });
  const pool2 = await runChild<BatchResult>(label(`likeness ${batchStack} pool, ${workers} workers`), { mode: 'pool', images: batchImages, warmup, workers, model: batchStack });
  const shards = opt.faceapiShards ? await runFaceApiShards(label(`face-api × ${workers} processes`), batchImages, warmup, workers) : undefined;
  const totalS = (performance.now() - t0) / 1000;
  const loadEnd = os.loadavg();

  const sets = oursBy.flatMap((ours) =>
    (['demo', 'lfw'] as const).map((s) => summarise(s, ours, fa, s === 'demo' ? demo.length : lfw.length)).filter((s): s is SetSummary => s !== undefined),
  );
  const batchFa1 = sets.find((s) => s.set === batchSet && s.stack === batchStack)!;
  const batch = {
    set: batchSet,
    stack: batchStack,
    pool1: batchSummary(`likeness ${batchStack} pool, 1 worker`, 1, [pool1]),
    pool2: batchSummary(`likeness ${batchStack} pool, ${pool2.workers} workers`, pool2.workers, [pool2]),
    faceapi1: {
      label: 'face-api, 1 process (from §2)',
      cores: 1,
      processes: 1,
      images: batchFa1.runs,
      faces: batchFa1.faceapi.faces,
      wallMs: (1000 * batchFa1.runs) / batchFa1.faceapi.imagesPerS,
      imagesPerS: batchFa1.faceapi.imagesPerS,
      facesPerS: batchFa1.faceapi.facesPerS,
      peakRssMiB: fa.peakRssMiB,
    } satisfies BatchSummary,
    faceapiShards: shards ? batchSummary(`face-api, ${shards.length} processes (images split)`, shards.length, shards) : undefined,
  };
  const oursBest = Math.max(batch.pool1.imagesPerS, batch.pool2.imagesPerS);
  const faBest = Math.max(batch.faceapi1.imagesPerS, batch.faceapiShards?.imagesPerS ?? 0);
  const ENCODE_TARGET_MS = 3;
  const DETECT_TARGET_MS = 15;
  const ONE_CORE_TARGET = 8;
  const encoders = oursBy.flatMap((ours) =>
    [...new Set(ours.encode.map((e) => e.network))].map((network) => {
      const e = ours.encode.filter((x) => x.network === network);
      return {
        stack: ours.stack,
        network,
        faces: e.length,
        singleMedianMs: median(e.map((x) => x.singleMs)),
        singleP90Ms: quantile(e.map((x) => x.singleMs), 0.9),
        mirrorMedianMs: median(e.map((x) => x.mirrorMs)),
        mirrorP90Ms: quantile(e.map((x) => x.mirrorMs), 0.9),
      };
    }),
  );
  const headline = {
    oneCoreVsOneCore: Object.fromEntries(oursBy.map((o) => [o.stack, Object.fromEntries(sets.filter((s) => s.stack === o.stack).map((s) => [s.set, s.ratio.images]))])),
    lfwDetectMedianMs: Object.fromEntries(sets.filter((s) => s.set === 'lfw').map((s) => [s.stack, s.ours.median.detectMs])),
    twoCoreVsFaceApiOneProcess: batch.pool2.imagesPerS / batch.faceapi1.imagesPerS,
    bestVsFaceApiBest: oursBest / faBest,
    poolSpeedup: batch.pool2.imagesPerS / batch.pool1.imagesPerS,
    targets: { oneCoreVsFaceApi: ONE_CORE_TARGET, detectMsAt250px: DETECT_TARGET_MS, encodeMsPerPass: ENCODE_TARGET_MS },
  };
  const machine = {
    cpu: os.cpus()[0]?.model ?? '?',
    cores,
    memGiB: os.totalmem() / 2 ** 30,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    onnxruntimeNode: pkgVersion('onnxruntime-node'),
    faceapi: fa.info.faceapiVersion,
    tfjs: fa.info.tfjsVersion,
    tfjsBackend: `${fa.info.backend}${fa.info.simd ? ' (SIMD)' : ''}, ${fa.info.threads} thread${fa.info.threads === 1 ? '' : 's'}`,
    sharp: pkgVersion('sharp'),
    loadAvgStart: loadStart,
    loadAvgEnd: loadEnd,
  };
  const memory = {
    baselineMiB: base.peakRssMiB,
    oursMiB: Object.fromEntries(oursBy.map((o) => [o.stack, o.peakRssMiB])),
    faceapiMiB: fa.peakRssMiB,
    pool1MiB: pool1.peakRssMiB,
    pool2MiB: pool2.peakRssMiB,
    faceapiShardMiB: shards?.map((s) => s.peakRssMiB),
  };
  const startup = {
    ours: Object.fromEntries(oursBy.map((o) => [o.stack, { loadMs: o.loadMs, warmupMs: o.warmupMs }])),
    faceapiLoadMs: fa.loadMs,
    faceapiWarmupMs: fa.warmupMs,
    pool1StartupMs: pool1.startupMs,
    pool2StartupMs: pool2.startupMs,
  };

  if (opt.json) {
    const out = { machine, stacks: opt.stacks, images: { demo: demo.length, demoRounds: opt.demoRounds, lfw: lfw.length, lfwMissing }, sets, encoders, batch, headline, memory, startup, totalSeconds: totalS };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    return;
  }

  const L: string[] = [];
  const la = (x: number[]): string => x.map((v) => v.toFixed(2)).join(' / ');
  const met = (ok: boolean): string => (ok ? 'met' : '**not met**');
  L.push('## Pipeline benchmark: likeness vs @vladmandic/face-api', '');
  L.push(`- Machine: ${machine.cpu}, ${cores} cores, ${machine.memGiB.toFixed(0)} GiB RAM, ${machine.os}; load average (1/5/15 min) ${la(loadStart)} at start, ${la(loadEnd)} at end`);
  L.push(`- likeness: Node ${machine.node}, onnxruntime-node ${machine.onnxruntimeNode} (CPU, 1 intra-op thread per process or worker), sharp ${machine.sharp}; stacks ${opt.stacks.join(', ')}`);
  L.push(`- peer: @vladmandic/face-api ${machine.faceapi} on tfjs ${machine.tfjs}, backend ${machine.tfjsBackend} — its fastest offline backend in Node (tfjs-wasm cannot use threads in Node)`);
  L.push(
    `- Images: **demo** = face-api's ${demo.length} demo photos (sample1–6.jpg, 1920 px wide) × ${opt.demoRounds} rounds = ${rounds.length} runs; ` +
      (lfw.length > 0 ? `**LFW** = ${lfw.length} LFW images (every ${lfwSample.step}th of the ${lfwSample.rows.toLocaleString('en-US')} rows of ../shared/data/lfw/labels.csv, 250×250)` : `**LFW absent** (../shared/data/lfw not found): demo photos only`),
  );
  L.push('- Both sides get the same decoded pixels and default settings; warm-up runs are not timed; every measurement runs in its own process, one after the other.', '');

  L.push('### 1. Per-stage medians, one core (ms per image)', '');
  L.push(row(['set', 'pipeline', 'faces / image⁴', 'decode¹', 'detect', 'landmarks', 'align', 'encode', 'total¹']), rule(9, 2));
  for (const set of ['demo', 'lfw'] as const) {
    const ss = sets.filter((s) => s.set === set);
    for (const s of ss) {
      const o = s.ours.median;
      L.push(row([set, `likeness ${s.stack}`, (s.ours.faces / s.runs).toFixed(2), ms(o.decodeMs), ms(o.detectMs), ms(o.landmarksMs), ms(o.alignMs), ms(o.encodeMs), ms(o.totalMs)]));
    }
    const s = ss[0];
    if (!s) continue;
    const f = s.faceapi.median;
    L.push(row([set, 'face-api', (s.faceapi.faces / s.runs).toFixed(2), `(${ms(s.ours.median.decodeMs)})`, `${ms(f.detectMs)} (+${ms(f.inputMs)})²`, ms(f.landmarksMs), 'in encode³', ms(f.descriptorMs), ms(f.totalMs)]));
  }
  L.push('');
  for (const s of sets.filter((x) => x.set === 'lfw')) L.push(`- ${s.stack}: detection on a 250 px LFW photo, median ${ms(s.ours.median.detectMs)} ms (target ≤ ${DETECT_TARGET_MS} ms: ${met(s.ours.median.detectMs <= DETECT_TARGET_MS)})`);
  L.push('');

  L.push('### 2. End-to-end throughput, one core (in-process, images one after another)', '');
  L.push(row(['set', 'stack', 'likeness img/s', 'face-api img/s', 'ratio', 'likeness faces/s', 'face-api faces/s', 'ratio']), rule(8, 2));
  for (const s of sets) L.push(row([`${s.set} (${s.runs} runs)`, s.stack, rate(s.ours.imagesPerS), rate(s.faceapi.imagesPerS), `**${times(s.ratio.images)}**`, rate(s.ours.facesPerS), rate(s.faceapi.facesPerS), times(s.ratio.faces)]));
  L.push('', `Target: ≥ ${ONE_CORE_TARGET}× face-api on one core. ${sets.map((s) => `${s.stack} on ${s.set}: ${times(s.ratio.images)} (${met(s.ratio.images >= ONE_CORE_TARGET)})`).join('; ')}.`, '');

  L.push('### 3. Encoding per face, one core (every aligned face of the distinct images, batch of one)', '');
  L.push(row(['stack', 'network', 'faces', 'one pass, median ms', 'p90 ms', `≤ ${ENCODE_TARGET_MS} ms`, 'with mirror (batch of 2), median ms', 'p90 ms']), rule(8, 2));
  for (const e of encoders) L.push(row([e.stack, e.network, e.faces, ms(e.singleMedianMs), ms(e.singleP90Ms), met(e.singleMedianMs <= ENCODE_TARGET_MS), ms(e.mirrorMedianMs), ms(e.mirrorP90Ms)]));
  for (const s of sets) L.push(row([s.stack, `in the pipeline, ${s.set}: encode stage ÷ faces (mirror, faces of an image batched)`, '', ms(s.ours.encodeMsPerFace), '', '', '', '']));
  for (const s of sets.filter((x) => x.stack === batchStack)) L.push(row(['face-api', `in its pipeline, ${s.set}: descriptor stage ÷ faces (incl. its alignment crop)`, '', ms(s.faceapi.descriptorMsPerFace), '', '', '', '']));
  L.push('');

  L.push(`### 4. Batch throughput on ${batch.set === 'lfw' ? `LFW ${lfw.length}` : `the demo runs`} (all files queued at once, decode included)`, '');
  L.push(row(['run', 'cores used', 'img/s', 'faces/s', 'vs likeness 1 worker', 'vs face-api 1 process', 'peak RSS MiB']), rule(7));
  const brow = (b: BatchSummary): string =>
    row([b.label, b.cores, rate(b.imagesPerS), rate(b.facesPerS), times(b.imagesPerS / batch.pool1.imagesPerS), times(b.imagesPerS / batch.faceapi1.imagesPerS), b.processes > 1 ? `${mib(b.peakRssMiB)} each⁵` : mib(b.peakRssMiB)]);
  L.push(brow(batch.pool1), brow(batch.pool2), brow(batch.faceapi1));
  if (batch.faceapiShards) L.push(brow(batch.faceapiShards));
  L.push('');
  L.push(`- **likeness ${batchStack} on ${batch.pool2.cores} cores vs face-api in one process: ${times(headline.twoCoreVsFaceApiOneProcess)}** (face-api cannot use a second core in one Node process: tfjs-wasm is single-threaded there)`);
  if (batch.faceapiShards) L.push(`- likeness best vs face-api's best on this machine (face-api split over ${batch.faceapiShards.processes} processes, as in its node-multiprocess demo — not something face-api does for you): ${times(headline.bestVsFaceApiBest)}`);
  L.push(`- likeness ${pool2.workers} workers vs 1 worker: ${times(headline.poolSpeedup)} (target ≈ 2×; the CLI uses this pool for several files)`, '');

  L.push('### 5. Peak RSS (MiB, whole process)', '');
  L.push(row(['process', 'peak RSS MiB']), rule(2));
  L.push(row(['floor: node + tsx + sharp, decoding the images, no model', mib(base.peakRssMiB)]));
  for (const o of oursBy) L.push(row([`likeness ${o.stack} in-process (§1–3: 1 thread)`, mib(o.peakRssMiB)]));
  L.push(row(['face-api in-process (§1–2: tfjs + wasm + 3 nets)', mib(fa.peakRssMiB)]));
  L.push(row([`likeness ${batchStack} pool, 1 worker thread`, mib(pool1.peakRssMiB)]));
  L.push(row([`likeness ${batchStack} pool, ${pool2.workers} worker threads`, mib(pool2.peakRssMiB)]));
  if (shards) L.push(row([`face-api, each of ${shards.length} processes`, shards.map((s) => mib(s.peakRssMiB)).join(' / ')]));
  L.push('');

  L.push(
    '¹ decode = sharp file → RGB, timed once in the likeness process and added to both sides\' totals (shared work: face-api gets the same pixels). Totals and img/s include it; §4 decodes inside each worker/process.',
    '² face-api\'s detect includes its letterbox + resize to 512²; the (+n) is its RGB → int32 tensor conversion, included in its total.',
    '³ face-api\'s descriptor stage includes its dlib-style alignment crop and resize to 150²; likeness aligns with a similarity warp to each network\'s template, timed apart.',
    `⁴ likeness's detector re-runs on a larger canvas when the first pass finds nothing (retry, on by default); face-api does not. Face counts can differ between the two.`,
    `⁵ Peak RSS is process.resourceUsage().maxRSS of each measurement's own process (worker threads share their process's RSS; the face-api shards are separate processes, so their sum is the memory cost of that run).`,
    `Startup (not in any rate): ${oursBy.map((o) => `likeness ${o.stack} models ${ms(o.loadMs)} ms + warm-up ${ms(o.warmupMs)} ms`).join('; ')}; face-api load ${ms(fa.loadMs)} ms + warm-up ${ms(fa.warmupMs)} ms. Whole benchmark: ${totalS.toFixed(0)} s.`,
  );
  process.stdout.write(`${L.join('\n')}\n`);
}

main().catch((e: unknown) => {
  bar.stop();
  process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
