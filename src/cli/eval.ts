/** `likeness eval verify|identify`: accuracy on labelled sets, as a thin shell over src/eval. */
import { atLeast as number } from './output.js';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { LikenessOptions } from '../likeness.js';
import { resolveStack } from '../models/stacks.js';
import { modelOption, requestedModel } from './model.js';
import type { EmbedderSpec } from '../models/spec.js';
import type { EncodeSetOptions } from '../eval/encode-set.js';
import { pairsCsv, pairsFromLabels, protocolCsv, protocolFromLabels, readLabels } from '../eval/labels.js';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { UsageFailure } from './output.js';

const pct = (x: number, digits = 2): string => `${(x * 100).toFixed(digits)}%`;

interface PipelineOpts {
  json?: boolean;
  mirror?: boolean;
  jitter?: number;
  landmarkMirror?: boolean;
  model?: string;
  landmarkJitter?: number;
  alignMapping?: 'template' | 'dlib';
  alignPadding?: number;
  inputStd?: number;
  minScore?: number;
  maxUpscale?: number;
  workers?: number;
  cache?: boolean;
}


function withPipeline(cmd: Command): Command {
  return cmd
    .option('--json', 'print one JSON object only')
    .option('--no-mirror', 'no mirror test-time augmentation of the encoder')
    .addOption(modelOption('the model stack to evaluate'))
    .addOption(new Option('--jitter <n>', 'also average n jittered chips per face (0–8)').argParser(number('--jitter', 0, true)))
    .option('--landmark-mirror', 'average landmarks predicted on the crop and its mirror')
    .addOption(new Option('--landmark-jitter <n>', 'also average landmarks predicted on n shifted crops (0–8)').argParser(number('--landmark-jitter', 0, true)))
    .addOption(new Option('--align-mapping <m>', 'chip mapping: template (exact) or dlib (½ px shift)').choices(['template', 'dlib']))
    .addOption(new Option('--align-padding <p>', "alignment padding (dlib's 0.25 by default)").argParser(number('--align-padding', 0)))
    .addOption(new Option('--input-std <s>', 'encoder input divisor (face-api 255, dlib 256)').argParser(number('--input-std', 1)))
    .addOption(new Option('--min-score <s>', 'minimum detection score').argParser(number('--min-score', 0)))
    .addOption(
      new Option('--max-upscale <f>', "the most the detector's first pass enlarges a small image (default 1: native scale; Infinity: fill its input, face-api's way)").argParser((v) =>
        v === 'Infinity' ? Infinity : number('--max-upscale', 0)(v),
      ),
    )
    .addOption(new Option('--workers <n>', 'worker threads (default: one per core)').argParser(number('--workers', 1, true)))
    .option('--no-cache', 'do not read or write the encoding cache');
}

export function pipelineOptions(o: PipelineOpts): { engine: LikenessOptions; run: EncodeSetOptions } {
  const model = requestedModel(o.model);
  let embedder: EmbedderSpec | undefined;
  if (o.alignMapping !== undefined || o.alignPadding !== undefined || o.inputStd !== undefined) {
    const base = resolveStack(model).embedder;
    if (base.task === 'fuse') throw new InvalidArgumentError(`--align-* and --input-std apply to one network; ${base.name} fuses several`);
    embedder = {
      ...base,
      alignment: { ...base.alignment, ...(o.alignMapping ? { mapping: o.alignMapping } : {}), ...(o.alignPadding !== undefined ? { padding: o.alignPadding } : {}) },
      input: o.inputStd === undefined ? base.input : { ...base.input, normalization: { mean: base.input.normalization.mean, std: [o.inputStd, o.inputStd, o.inputStd] } },
    };
  }
  return {
    engine: {
      ...(model === undefined ? {} : { model }),
      ...(embedder ? { embedder } : {}),
      embedding: { mirror: o.mirror ?? true, jitter: o.jitter ?? 0 },
      landmarks: { mirror: o.landmarkMirror ?? false, ...(o.landmarkJitter ? { jitter: o.landmarkJitter } : {}) },
      ...(o.minScore === undefined && o.maxUpscale === undefined
        ? {}
        : { detection: { ...(o.minScore === undefined ? {} : { minScore: o.minScore }), ...(o.maxUpscale === undefined ? {} : { maxUpscale: o.maxUpscale }) } }),
    },
    run: { ...(o.workers === undefined ? {} : { workers: o.workers }), ...(o.cache === false ? { cache: false as const } : {}) },
  };
}

export function evalCommand(): Command {
  const evalCmd = new Command('eval').description('measure accuracy on labelled photo sets');

  withPipeline(
    evalCmd
      .command('verify')
      .description("1:1 verification on a pair list (LFW pairs.txt or CSV fold,same,path1,path2), or on pairs made from a labels.csv: per-fold thresholds chosen on the other folds")
      .option('--pairs <file>', 'pair list')
      .option('--labels <file>', 'labels.csv (path,identity): every same-identity pair and as many seeded different ones, in 10 folds'),
  )
    .option('--roc <file>', 'write the ROC curve and distance histograms (.svg or .png)')
    .action(async (o: PipelineOpts & { pairs?: string; labels?: string; roc?: string }) => {
      if ((o.pairs === undefined) === (o.labels === undefined)) throw new UsageFailure('give exactly one of --pairs or --labels');
      const [{ checkPlotFile, plotVerification }, { evaluateVerification }] = await Promise.all([import('../eval/plots.js'), import('../eval/verify-eval.js')]);
      if (o.roc) checkPlotFile(o.roc);
      const { engine, run } = pipelineOptions(o);
      const source = o.labels === undefined ? o.pairs! : { name: `pairs from ${o.labels}`, pairs: pairsFromLabels(await readLabels(o.labels)) };
      const { report, roc, scored } = await evaluateVerification(source, engine, run);
      if (o.roc) await plotVerification(o.roc, roc, scored, report.calibrated.threshold, `${report.model.name} on ${report.pairsFile}: ${pct(report.accuracy.mean)} ± ${pct(report.accuracy.std)}`);
      if (o.json) {
        process.stdout.write(`${JSON.stringify(report)}\n`);
        return;
      }
      const r = report;
      const lines = [
        `${r.pairsFile}: ${r.pairs} pairs, ${r.folds} fold${r.folds === 1 ? '' : 's'}${r.folds === 1 ? ' (threshold chosen and tested on the same pairs: optimistic)' : ''}`,
        `accuracy ${pct(r.accuracy.mean)} ± ${pct(r.accuracy.std)} (per fold: ${r.accuracy.perFold.map((a) => pct(a, 1)).join(' ')})`,
        `AUC ${r.auc.toFixed(5)}, EER ${pct(r.eer)}`,
        r.tarAtFar.map((t) => `TAR ${pct(t.tar)} at FAR ${t.far} (threshold ${t.threshold.toFixed(4)})`).join(', '),
        `thresholds chosen per fold: ${r.thresholds.map((t) => t.toFixed(4)).join(' ')}`,
        `at the calibrated threshold ${r.calibrated.threshold}: ${pct(r.calibrated.accuracy)} of all pairs`,
        `images without a face: ${r.failures.images} (${r.failures.pairs} pairs; ${r.failures.policy})${r.failures.examples.length ? `: ${r.failures.examples.join(', ')}` : ''}`,
        `encoded ${r.encoding.encoded} of ${r.encoding.images} images in ${r.encoding.seconds.toFixed(1)} s (${r.encoding.fromCache} from cache); model ${r.model.name}@${r.model.version}, ${r.model.metric} distance`,
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    });

  withPipeline(
    evalCmd
      .command('identify')
      .description('open-set 1:N identification on a protocol CSV (path,identity,role with role gallery|probe), or on a one-shot protocol made from a labels.csv')
      .option('--protocol <file>', 'protocol CSV')
      .option('--labels <file>', 'labels.csv (path,identity): a seeded quarter of the people left out as unknown, the others enrolled from their first photo'),
  )
    .option('--cmc <file>', 'write the CMC curve (.svg or .png)')
    .option('--db <file|url>', 'enrol into this gallery (SQLite file or postgres:// URL) instead of a temporary one')
    .option('--no-hubness', 'rank and decide on raw distances, without the hubness correction `identify` uses')
    .action(async (o: PipelineOpts & { protocol?: string; labels?: string; cmc?: string; db?: string; hubness: boolean }) => {
      if ((o.protocol === undefined) === (o.labels === undefined)) throw new UsageFailure('give exactly one of --protocol or --labels');
      const [{ checkPlotFile, plotCmc }, { evaluateIdentification }] = await Promise.all([import('../eval/plots.js'), import('../eval/identify-eval.js')]);
      if (o.cmc) checkPlotFile(o.cmc);
      const { engine, run } = pipelineOptions(o);
      const source = o.labels === undefined ? o.protocol! : { name: `protocol from ${o.labels}`, entries: protocolFromLabels(await readLabels(o.labels)) };
      const { report } = await evaluateIdentification(source, engine, { ...run, ...(o.db === undefined ? {} : { galleryDb: o.db }), ...(o.hubness ? {} : { hubness: false }) });
      if (o.cmc) await plotCmc(o.cmc, report.cmc, `${report.model.name} on ${report.protocolFile}: rank-1 ${pct(report.rank1)}`);
      if (o.json) {
        process.stdout.write(`${JSON.stringify(report)}\n`);
        return;
      }
      const r = report;
      const lines = [
        `${r.protocolFile}: gallery ${r.gallery.images} images of ${r.gallery.identities} people (${r.gallery.enrolled} enrolled, ${r.gallery.withoutFace} without a face); probes ${r.probes.known} known, ${r.probes.unknown} unknown (${r.probes.withoutFace} without a face)`,
        `rank-1 ${pct(r.rank1)}, rank-5 ${pct(r.rank5)} (known probes); ${r.hubness ? 'hubness-corrected distances' : 'raw distances'}${r.gallery.meanHubness === null ? '' : `, mean hubness of the gallery ${r.gallery.meanHubness.toFixed(4)}`}`,
        r.dirAtFpir.map((d) => `DIR ${pct(d.dir)} at FPIR ${d.fpir} (threshold ${d.threshold.toFixed(4)})`).join(', '),
        `at the calibrated threshold ${r.calibrated.threshold}: DIR ${pct(r.calibrated.dir)}, FPIR ${pct(r.calibrated.fpir)}`,
        `encoded ${r.encoding.encoded} of ${r.encoding.images} images in ${r.encoding.seconds.toFixed(1)} s (${r.encoding.fromCache} from cache); model ${r.model.name}@${r.model.version}`,
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    });

  evalCmd
    .command('protocol')
    .description('write the protocols --labels makes, for other tools: pairs.csv (verification) and identify.csv (open-set identification)')
    .requiredOption('--labels <file>', 'labels.csv (path,identity)')
    .requiredOption('--out <dir>', 'folder for pairs.csv and identify.csv (paths written relative to it)')
    .action(async (o: { labels: string; out: string }) => {
      const labels = await readLabels(o.labels);
      await mkdir(o.out, { recursive: true });
      const pairs = pairsFromLabels(labels);
      const entries = protocolFromLabels(labels);
      await writeFile(path.join(o.out, 'pairs.csv'), pairsCsv(pairs, path.resolve(o.out)));
      await writeFile(path.join(o.out, 'identify.csv'), protocolCsv(entries, path.resolve(o.out)));
      process.stdout.write(`${path.join(o.out, 'pairs.csv')}: ${pairs.length} pairs; ${path.join(o.out, 'identify.csv')}: ${entries.filter((e) => e.role === 'gallery').length} enrolled, ${entries.filter((e) => e.role === 'probe').length} probes\n`);
    });

  return evalCmd;
}
