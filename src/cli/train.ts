/**
 * `likeness train DIR --out model.onnx`: train with the triplet loss on a folder of
 * <identity>/<photos> (a head on the pretrained encoder, or a small CNN from scratch). Each epoch
 * prints its loss, active triplets and validation accuracy; Ctrl-C stops after the current batch
 * and saves the best model so far (exit status 130).
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import path from 'node:path';
import { readPairs } from '../eval/pairs.js';
import type { HeadKind } from '../train/head.js';
import { MINING_STRATEGIES, type MiningStrategy } from '../train/mining.js';
import { TRAIN_DEFAULTS, TRAIN_STACK } from '../train/defaults.js';
import type { TrainMode } from '../train/index.js';
import { readPeople } from '../image/folders.js';
import { reportSkipped, skippedFile } from './files.js';
import { requestedModel } from './model.js';
import type { EpochReport } from '../train/trainer.js';
import { UsageFailure } from './output.js';

const number = (name: string, min: number, integer = false, max = Infinity) => (v: string): number => {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
    throw new InvalidArgumentError(`${name} must be ${integer ? 'an integer' : 'a number'} ${max === Infinity ? `≥ ${min}` : `within ${min}..${max}`}`);
  }
  return n;
};

interface TrainOpts {
  out: string;
  mode: TrainMode;
  mining: MiningStrategy;
  head: HeadKind;
  hidden?: number;
  size: number;
  alpha: number;
  epochs?: number;
  patience?: number;
  people: number;
  photos: number;
  lr?: number;
  validation: number;
  seed: number;
  name?: string;
  excludePairs?: string;
  plot?: string | false;
  workers?: number;
  json?: boolean;
  model?: string;
}

const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;

export function trainCommand(): Command {
  return new Command('train')
    .description('train with the triplet loss on a folder of <identity>/<photos>: a head on the pretrained encoder (default) or a small CNN from scratch')
    .argument('<dir>', 'folder of <identity>/<photos>')
    .requiredOption('--out <file.onnx>', 'where to write the trained model (one ONNX file that --model accepts)')
    .addOption(new Option('--mode <mode>', 'head: a small network on the frozen pretrained encodings; scratch: a small CNN on aligned chips').choices(['head', 'scratch']).default('head'))
    .addOption(new Option('--model <name|file.onnx>', `head mode: the encoder the head is trained on (${TRAIN_STACK}, dlib, faceplugin, or a trained file; a fusion cannot be trained as one file); scratch mode: the stack that detects and aligns (env LIKENESS_MODEL)`).default(undefined, `${TRAIN_STACK} (head), the default stack (scratch)`))
    .addOption(new Option('--mining <strategy>', 'online triplet mining in each batch').choices([...MINING_STRATEGIES]).default('semi-hard'))
    .addOption(new Option('--head <kind>', 'head mode: linear (d→d on the encoder\'s d dimensions, starts as the identity) or residual (x + MLP(x), starts as the identity)').choices(['linear', 'residual']).default('linear'))
    .addOption(new Option('--hidden <n>', 'residual head: hidden units').argParser(number('--hidden', 1, true)))
    .addOption(new Option('--size <px>', 'scratch mode: chip side, a multiple of 16').argParser(number('--size', 32, true)).default(64))
    .addOption(new Option('--alpha <a>', 'triplet margin α').argParser(number('--alpha', 0)).default(0.2))
    .addOption(new Option('--epochs <n>', `maximum epochs (head ${TRAIN_DEFAULTS.head.epochs}, scratch ${TRAIN_DEFAULTS.scratch.epochs})`).argParser(number('--epochs', 0, true)))
    .addOption(new Option('--patience <n>', `stop after this many epochs without a better validation accuracy (head ${TRAIN_DEFAULTS.head.patience}, scratch ${TRAIN_DEFAULTS.scratch.patience})`).argParser(number('--patience', 1, true)))
    .addOption(new Option('--people <P>', 'people per batch').argParser(number('--people', 2, true)).default(16))
    .addOption(new Option('--photos <K>', 'photos per person per batch').argParser(number('--photos', 2, true)).default(4))
    .addOption(new Option('--lr <rate>', `Adam learning rate (head ${TRAIN_DEFAULTS.head.learningRate}, scratch ${TRAIN_DEFAULTS.scratch.learningRate})`).argParser(number('--lr', 1e-9)))
    .addOption(new Option('--validation <fraction>', 'fraction of the people held out for validation').argParser(number('--validation', 0.01, false, 0.9)).default(0.2))
    .addOption(new Option('--seed <n>', 'seed of the split, the batches and the initialisation').argParser(number('--seed', 0, true)).default(1))
    .option('--name <name>', "the model's name (its encodings are tagged with it; default likeness-<mode>)")
    .option('--exclude-pairs <file>', 'leave out every person of this pair list (LFW pairs.txt or CSV), e.g. a test fold')
    .option('--plot <file>', 'training curves (.svg or .png; default <out>-training.svg)')
    .option('--no-plot', 'do not write the training curves')
    .addOption(new Option('--workers <n>', 'worker threads for encoding photos not in the cache').argParser(number('--workers', 1, true)))
    .option('--json', 'print one JSON summary on stdout (epoch lines go to stderr)')
    .action(async (dir: string, o: TrainOpts) => {
      if (path.extname(o.out).toLowerCase() !== '.onnx') throw new UsageFailure('--out must name an .onnx file');
      const plotFile = o.plot === false ? undefined : (o.plot ?? o.out.replace(/\.onnx$/i, '-training.svg'));
      const [{ checkPlotFile, plotTraining }, { saveModel, trainFromFolder }] = await Promise.all([import('../eval/plots.js'), import('../train/index.js')]);
      if (plotFile) checkPlotFile(plotFile);
      // Files in the people's folders that are not images: one line each (training reads the images only).
      const notImages: string[] = [];
      await readPeople(dir, notImages).catch(() => undefined); // an unreadable folder fails in training, with its own message
      const unsupported = notImages.map(skippedFile);
      reportSkipped(unsupported);
      let exclude: Set<string> | undefined;
      if (o.excludePairs) {
        const pairs = await readPairs(o.excludePairs);
        exclude = new Set(pairs.flatMap((p) => [path.basename(path.dirname(p.a)), path.basename(path.dirname(p.b))]));
      }
      const log = (s: string) => (o.json ? process.stderr : process.stdout).write(`${s}\n`);
      let stop = false;
      const onSigint = () => {
        if (stop) process.exit(130); // a second Ctrl-C: give up at once
        stop = true;
        process.stderr.write('\nlikeness: interrupted: finishing the batch, then saving the best model so far (Ctrl-C again to quit without saving)\n');
      };
      process.on('SIGINT', onSigint);
      const tty = process.stderr.isTTY === true;
      const cliProgress = tty ? (await import('cli-progress')).default : undefined;
      const bar = cliProgress ? new cliProgress.SingleBar({ format: 'epoch {epoch} [{bar}] {value}/{total} batches | ETA {eta_formatted}', stream: process.stderr, hideCursor: true, clearOnComplete: true }, cliProgress.Presets.shades_classic) : undefined;
      let epoch = 0;
      let barRunning = false;
      try {
        const r = await trainFromFolder({
          dir,
          mode: o.mode,
          mining: o.mining,
          head: o.head,
          size: o.size,
          alpha: o.alpha,
          people: o.people,
          photos: o.photos,
          validationFraction: o.validation,
          seed: o.seed,
          ...(o.hidden === undefined ? {} : { hidden: o.hidden }),
          ...(o.epochs === undefined ? {} : { epochs: o.epochs }),
          ...(o.patience === undefined ? {} : { patience: o.patience }),
          ...(o.lr === undefined ? {} : { learningRate: o.lr }),
          ...(o.name === undefined ? {} : { name: o.name }),
          ...(exclude ? { exclude } : {}),
          ...(requestedModel(o.model) === undefined ? {} : { engine: { model: requestedModel(o.model) } }),
          run: { ...(o.workers === undefined ? {} : { workers: o.workers }) },
          shouldStop: () => stop,
          onStage: log,
          onBatch: (b, total) => {
            if (!bar) return;
            if (!barRunning) {
              bar.start(total, 0, { epoch });
              barRunning = true;
            }
            bar.update(b, { epoch });
          },
          onEpoch: (e: EpochReport, best: boolean) => {
            if (barRunning) bar?.stop();
            barRunning = false;
            epoch = e.epoch + 1;
            log(`epoch ${String(e.epoch).padStart(3)}  loss ${e.loss.toFixed(4)}  active ${pct(e.active)}  triplets/batch ${e.triplets.toFixed(0)}  val accuracy ${pct(e.valAccuracy)} (threshold ${e.valThreshold.toFixed(4)}, AUC ${e.valAuc.toFixed(4)})  ${e.seconds.toFixed(1)} s${best ? '  *best' : ''}`);
          },
        });
        if (barRunning) bar?.stop();
        await saveModel(o.out, r.bytes);
        if (plotFile) await plotTraining(plotFile, r.result.history, `likeness train --mode ${o.mode} on ${dir}: validation ${pct(r.result.history[0]!.valAccuracy)} → ${pct(r.result.best.valAccuracy)}`);
        const b = r.result.best;
        const summary = {
          model: o.out,
          name: r.metadata.name,
          version: r.metadata.version,
          mode: o.mode,
          interrupted: r.result.interrupted,
          bestEpoch: b.epoch,
          validation: { before: r.result.history[0]!.valAccuracy, after: b.valAccuracy, pairs: r.validationPairs },
          threshold: r.metadata.threshold.value,
          logistic: r.logistic,
          people: r.people,
          photos: r.photos,
          history: r.result.history,
          ...(plotFile ? { plot: plotFile } : {}),
          ...(unsupported.length > 0 ? { unsupported } : {}),
        };
        if (o.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
        log(`${r.result.interrupted ? 'interrupted; ' : ''}saved ${o.out} (${r.metadata.name}@${r.metadata.version}): best epoch ${b.epoch}, validation accuracy ${pct(r.result.history[0]!.valAccuracy)} before training → ${pct(b.valAccuracy)}, threshold ${b.valThreshold.toFixed(4)}${plotFile ? `; curves in ${plotFile}` : ''}`);
        if (r.result.interrupted) process.exitCode = 130;
      } finally {
        if (barRunning) bar?.stop();
        process.off('SIGINT', onSigint);
      }
    });
}
