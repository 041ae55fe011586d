/**
 * `likeness` command line. Exit status: 0 when the command ran (whatever the verdict), 1 for bad
 * input (unreadable image, no face, …) with one line on stderr, 2 for usage errors.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LikenessError } from '../errors.js';
// Heavy modules (onnxruntime, sharp, SQLite, PostgreSQL, fastify, tfjs) are imported inside the
// actions that need them: `--help` and the commands that load no model stay fast.
import type { Analysis, EncodedFace, Face, LikenessOptions } from '../likeness.js';
import { expandInputs, reportSkipped, type SkippedFile } from './files.js';
import { evalCommand } from './eval.js';
import { trainCommand } from './train.js';
import { livenessCommand } from './liveness.js';
import { modelOption, requestedModel } from './model.js';
import { galleryCommands } from './gallery.js';
import { clusterCommands } from './cluster.js';
import { keysCommands } from './keys.js';
import { modelsCommands } from './models.js';
import { serveCommand } from './serve.js';
import { watchCommand } from './watch.js';
import { boxJson, boxText, faceJson, plural, UsageFailure } from './output.js';

export const EXIT_OK = 0;
export const EXIT_INPUT = 1;
export const EXIT_USAGE = 2;

class InputFailure extends Error {}

function num(name: string, min: number, max = Infinity, integer = false) {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
      throw new InvalidArgumentError(`${name} must be ${integer ? 'an integer' : 'a number'} ${max === Infinity ? `≥ ${min}` : `within ${min}..${max}`}`);
    }
    return n;
  };
}

interface CommonOpts {
  json?: boolean;
  minScore?: number;
  minFace?: number;
  threads?: number;
  maxPixels?: number;
  mirror?: boolean;
  model?: string;
}

function engineOptions(o: CommonOpts): LikenessOptions {
  return {
    ...(requestedModel(o.model) === undefined ? {} : { model: requestedModel(o.model)! }),
    ...(o.threads === undefined ? {} : { intraOpThreads: o.threads }),
    ...(o.maxPixels === undefined ? {} : { maxPixels: o.maxPixels * 1e6 }),
    detection: { ...(o.minScore === undefined ? {} : { minScore: o.minScore }), ...(o.minFace === undefined ? {} : { minFaceSize: o.minFace }) },
    embedding: { mirror: o.mirror ?? true },
  };
}

function withCommon(cmd: Command, opts: { mirror?: boolean } = {}): Command {
  cmd
    .addOption(new Option('--min-score <s>', 'minimum detection score, 0..1').argParser(num('--min-score', 0, 1)))
    .addOption(new Option('--min-face <px>', 'also find faces down to this width in large photos (scans tiles: slower); at least 1/100 of the photo\'s longer side').argParser(num('--min-face', 0)))
    .addOption(new Option('--max-pixels <mp>', 'refuse images larger than this many megapixels').argParser(num('--max-pixels', 0.001)).default(undefined, '40'))
    .addOption(new Option('--threads <n>', 'onnxruntime intra-op threads per process').argParser(num('--threads', 1, 64, true)))
    .addOption(modelOption());
  if (opts.mirror) cmd.option('--no-mirror', 'do not average with the mirrored face (faster, slightly less accurate)');
  return cmd;
}

/**
 * Analyse files: in-process for one file, over a worker pool (one per core) for several.
 * Yields results in input order; failures come back as LikenessError values.
 */
async function analyseAll(files: string[], level: 'detect' | 'embed', o: CommonOpts): Promise<(Analysis<Face | EncodedFace> | LikenessError)[]> {
  const { Likeness } = await import('../likeness.js');
  // Faces come main face first from the library: the order `verify --face1 N` and `align` count in.
  const settle = (p: Promise<Analysis<Face | EncodedFace>>) =>
    p.catch((e: unknown) => {
      if (e instanceof LikenessError && e.isInputError) return e;
      throw e;
    });
  if (files.length === 0) throw new InputFailure('no image files given (the folders hold no images)');
  if (files.length === 1) {
    const l = await Likeness.create(engineOptions(o));
    return [await settle(level === 'embed' ? l.embed(files[0]!) : l.detect(files[0]!))];
  }
  const e = engineOptions(o);
  const [{ WorkerPool }, { progressFor }] = await Promise.all([import('../parallel/pool.js'), import('../progress.js')]);
  const pool = new WorkerPool(Math.min(files.length, os.availableParallelism()), { ...e, intraOpThreads: o.threads ?? 1 });
  const progress = progressFor(files.length, level === 'embed' ? 'encoding' : 'detecting');
  let done = 0;
  try {
    return await Promise.all(files.map((f) => settle(level === 'embed' ? pool.embed(f) : pool.detect(f)).finally(() => progress.tick(++done))));
  } finally {
    progress.stop();
    await pool.close();
  }
}

/** One line per photo whose --min-face was raised to 1/100 of its longer side (the detector's floor: effectiveMinFaceSize). */
async function reportMinFace(files: readonly string[], results: readonly unknown[], minFace: number | undefined): Promise<void> {
  if (!minFace) return;
  const { effectiveMinFaceSize } = await import('../detect/detector.js');
  results.forEach((r, i) => {
    if (r instanceof LikenessError) return;
    const a = r as { width: number; height: number };
    const used = effectiveMinFaceSize(minFace, a.width, a.height);
    if (used > minFace) process.stderr.write(`likeness: ${files[i]}: --min-face ${minFace} is below 1/100 of its longer side (${Math.max(a.width, a.height)} px): faces from ${used} px were searched\n`);
  });
}

function reportFailures(results: readonly unknown[]): void {
  const failed = results.filter((r): r is LikenessError => r instanceof LikenessError);
  for (const f of failed) process.stderr.write(`likeness: ${f.message}\n`);
  if (failed.length > 0) process.exitCode = EXIT_INPUT;
}

/** The one order of faces everywhere (detect, embed, align, verify --face1/--face2). */
const FACE_ORDER = 'Faces are listed main face first (largest, nearest the photo\'s centre: area − 2 × squared offset from the centre), #0, #1, …: the numbers verify --face1/--face2 take.';

export function buildProgram(): Command {
  const program = new Command('likeness')
    .description('Face verification and recognition: detect, align, encode and compare faces')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });

  withCommon(program.command('detect').description(`find faces: box, score, 5 points (the detector's, or from the 68 landmarks) and the 68 landmarks when the stack has a landmark network. ${FACE_ORDER}`).argument('<images...>', 'image files or folders of images'))
    .option('--json', 'print JSON only')
    .action(async (args: string[], o: CommonOpts) => {
      const skipped: SkippedFile[] = [];
      const files = await expandInputs(args, skipped);
      reportSkipped(skipped);
      const results = await analyseAll(files, 'detect', o);
      if (o.json) {
        const out = results.map((r, i) => (r instanceof LikenessError ? { file: files[i], error: { code: r.code, message: r.message } } : { file: files[i], width: r.width, height: r.height, faces: r.faces.map(faceJson) }));
        process.stdout.write(`${JSON.stringify([...out, ...skipped])}\n`);
      } else {
        results.forEach((r, i) => {
          if (r instanceof LikenessError) return;
          process.stdout.write(`${files[i]}: ${plural(r.faces.length, 'face')}\n`);
          r.faces.forEach((f, k) => process.stdout.write(`  #${k} ${boxText(f.box)} score ${f.score.toFixed(3)}\n`));
        });
      }
      await reportMinFace(files, results, o.minFace);
      reportFailures(results);
    });

  withCommon(program.command('embed').description(`L2-normalised encodings of every face (the stack's length: fusion 320, mobilefacenet 192, dlib 128). ${FACE_ORDER}`).argument('<images...>', 'image files or folders of images'), { mirror: true })
    .option('--json', 'print JSON only')
    .action(async (args: string[], o: CommonOpts) => {
      const skipped: SkippedFile[] = [];
      const files = await expandInputs(args, skipped);
      reportSkipped(skipped);
      const results = await analyseAll(files, 'embed', o);
      if (o.json) {
        const out = results.map((r, i) =>
          r instanceof LikenessError
            ? { file: files[i], error: { code: r.code, message: r.message } }
            : { file: files[i], width: r.width, height: r.height, faces: r.faces.map((f) => ({ ...faceJson(f), embedding: Array.from((f as EncodedFace).embedding) })) },
        );
        process.stdout.write(`${JSON.stringify([...out, ...skipped])}\n`);
      } else {
        results.forEach((r, i) => {
          if (r instanceof LikenessError) return;
          process.stdout.write(`${files[i]}: ${plural(r.faces.length, 'face')}\n`);
          r.faces.forEach((f, k) => {
            const e = Array.from((f as EncodedFace).embedding.slice(0, 4), (v) => v.toFixed(4)).join(', ');
            process.stdout.write(`  #${k} ${boxText(f.box)} encoding [${e}, …] (${(f as EncodedFace).embedding.length}-d)\n`);
          });
        });
      }
      await reportMinFace(files, results, o.minFace);
      reportFailures(results);
    });

  withCommon(program.command('verify').description('are the faces in two photos the same person? Each decision reports the two faces\' widths and whether both reach the width a confident decision needs (data/quality.json, docs/accuracy.md)').argument('<image1>').argument('<image2>'), { mirror: true })
    .addOption(new Option('--threshold <t>', "distance threshold (default: the model's calibrated one)").argParser(num('--threshold', 0)))
    .addOption(new Option('--face1 <i>', 'which face of image1, 0 = the main face (largest, near the centre)').argParser(num('--face1', 0, Infinity, true)))
    .addOption(new Option('--face2 <i>', 'which face of image2, 0 = the main face (largest, near the centre)').argParser(num('--face2', 0, Infinity, true)))
    .option('--json', 'print JSON only')
    .action(async (a: string, b: string, o: CommonOpts & { threshold?: number; face1?: number; face2?: number }) => {
      const { Likeness } = await import('../likeness.js');
      const l = await Likeness.create(engineOptions(o));
      const r = await l.verify(a, b, {
        ...(o.threshold === undefined ? {} : { threshold: o.threshold }),
        ...(o.face1 === undefined ? {} : { faceA: o.face1 }),
        ...(o.face2 === undefined ? {} : { faceB: o.face2 }),
      });
      const { qualityText } = await import('./quality.js');
      if (o.json) {
        process.stdout.write(`${JSON.stringify({ ...r, faces: r.faces.map(boxJson), timeMs: Math.round(r.timeMs) })}\n`);
      } else {
        const verdict = r.verified ? 'same person' : 'different people';
        const conf = r.confidence === undefined ? '' : `, confidence ${(r.confidence * 100).toFixed(1)}%`;
        process.stdout.write(`${verdict} (distance ${r.distance.toFixed(3)} ${r.verified ? '≤' : '>'} threshold ${r.threshold.toFixed(3)}${conf}, similarity ${r.similarity.toFixed(3)}; ${qualityText(r.quality)})\n`);
      }
    });

  withCommon(program.command('align').description("write the aligned face chips as PNG (the encoder's template and size: 112 px ArcFace, 150 px dlib)").argument('<image>'))
    .requiredOption('--out <dir>', 'folder for the chips (created if missing)')
    .option('--json', 'print JSON only')
    .action(async (file: string, o: CommonOpts & { out: string }) => {
      const [{ Likeness }, { encodePng }] = await Promise.all([import('../likeness.js'), import('../image/index.js')]);
      const l = await Likeness.create(engineOptions(o));
      const a = await l.align(file);
      await mkdir(o.out, { recursive: true });
      const base = path.basename(file).replace(/\.[^.]+$/, '');
      const written: { file: string; box: ReturnType<typeof boxJson> }[] = [];
      for (const [i, f] of a.faces.entries()) {
        const out = path.join(o.out, `${base}_face${i}.png`);
        await writeFile(out, await encodePng(f.chip));
        written.push({ file: out, box: boxJson(f.box) });
      }
      if (o.json) process.stdout.write(`${JSON.stringify({ file, faces: written })}\n`);
      else {
        process.stdout.write(`${file}: ${plural(written.length, 'face')}\n`);
        for (const w of written) process.stdout.write(`  ${w.file} (${boxText(w.box)})\n`);
      }
      if (written.length === 0) throw new InputFailure(`${file}: no face detected`);
    });

  program
    .command('demo')
    .description("run the seed exercise (\"Happy House\"): verify camera photos against the enrolled photos")
    .argument('[dir]', 'the seed-assignment data folder', path.join('..', 'shared', 'data', 'seed-assignment'))
    .option('--json', 'print JSON only')
    .action(async (dir: string, o: { json?: boolean }) => {
      await (await import('./demo.js')).runSeedDemo(dir, o.json ?? false);
    });

  program.addCommand(evalCommand());
  program.addCommand(trainCommand());
  program.addCommand(livenessCommand());
  galleryCommands(program);
  clusterCommands(program);
  serveCommand(program);
  watchCommand(program);
  keysCommands(program);
  modelsCommands(program);

  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  const override = (c: Command): void => {
    c.exitOverride();
    c.commands.forEach(override);
  };
  override(program);
  // With --json, a failure is also one JSON object on stdout ({"error": {code, message}}).
  const json = argv.includes('--json');
  const fail = (status: number, code: string, message: string, prefix = ''): number => {
    const line = message.replace(/\s*\n\s*/g, ' ');
    process.stderr.write(`likeness: ${prefix}${line}\n`);
    if (json) process.stdout.write(`${JSON.stringify({ error: { code, message: line } })}\n`);
    return status;
  };
  // An unknown command is a usage error even with --help (commander would print the general help and exit 0).
  const first = argv.slice(2).find((a) => !a.startsWith('-'));
  const known = new Set(['help', ...program.commands.flatMap((c) => [c.name(), ...c.aliases()])]);
  if (first !== undefined && argv[2] === first && !known.has(first)) return fail(EXIT_USAGE, 'E_USAGE', `unknown command '${first}' (run likeness --help for the commands)`);
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT_OK;
  } catch (e) {
    if (e instanceof UsageFailure) return fail(EXIT_USAGE, 'E_USAGE', e.message);
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return EXIT_OK;
      // commander has printed its message on stderr already
      if (json) process.stdout.write(`${JSON.stringify({ error: { code: 'E_USAGE', message: e.message.replace(/^error: /, '') } })}\n`);
      return EXIT_USAGE;
    }
    if (e instanceof InputFailure || (e instanceof LikenessError && e.isInputError)) {
      return fail(EXIT_INPUT, e instanceof LikenessError ? e.code : 'E_INPUT', (e as Error).message);
    }
    const err = e as Error;
    const status = fail(3, e instanceof LikenessError ? e.code : 'E_INTERNAL', err.message, e instanceof LikenessError ? '' : 'internal error: ');
    if (process.env.LIKENESS_DEBUG) process.stderr.write(`${err.stack ?? ''}\n`);
    return status;
  }
}
