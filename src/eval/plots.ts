/**
 * Evaluation plots with Vega-Lite (rendered headless to SVG by Vega; PNG via sharp's SVG renderer):
 * the ROC curve beside the distance histograms of same and different pairs, and the CMC curve.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { InvalidOptionError } from '../errors.js';
import type { RocPoint } from './metrics.js';
import type { Scored } from './threshold.js';

/** Plots are SVG or PNG, told by the file name; checked before any work is done. */
export function checkPlotFile(file: string): '.svg' | '.png' {
  const ext = path.extname(file).toLowerCase();
  if (ext !== '.svg' && ext !== '.png') throw new InvalidOptionError(`${file}: plots are written as .svg or .png`);
  return ext;
}

async function render(spec: TopLevelSpec, file: string): Promise<void> {
  const ext = checkPlotFile(file);
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  await writeFile(file, ext === '.svg' ? svg : await sharp(Buffer.from(svg), { density: 144 }).png().toBuffer());
}

/** Thin the ROC to at most ~600 points for plotting (keeps the extremes). */
function thin(roc: readonly RocPoint[]): RocPoint[] {
  const step = Math.max(1, Math.floor(roc.length / 600));
  return roc.filter((_, i) => i % step === 0 || i === roc.length - 1);
}

export async function plotVerification(file: string, roc: readonly RocPoint[], scored: readonly Scored[], threshold: number, title: string): Promise<void> {
  const finite = scored.filter((s) => Number.isFinite(s.distance));
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    hconcat: [
      {
        title: 'ROC (true accept rate vs false accept rate)',
        width: 360,
        height: 300,
        data: { values: thin(roc).filter((p) => p.far > 0).map((p) => ({ far: p.far, tar: p.tar })) },
        mark: { type: 'line', interpolate: 'step-after', clip: true },
        encoding: {
          x: { field: 'far', type: 'quantitative', scale: { type: 'log', domain: [1e-4, 1] }, title: 'FAR (log)' },
          y: { field: 'tar', type: 'quantitative', scale: { domain: [0.8, 1] }, title: 'TAR' },
        },
      },
      {
        title: `Distances (threshold ${threshold.toFixed(3)})`,
        width: 360,
        height: 300,
        layer: [
          {
            data: { values: finite.map((s) => ({ distance: s.distance, pair: s.same ? 'same person' : 'different people' })) },
            mark: { type: 'bar', opacity: 0.6, binSpacing: 0 },
            encoding: {
              x: { field: 'distance', type: 'quantitative', bin: { maxbins: 60 }, title: 'distance' },
              y: { aggregate: 'count', type: 'quantitative', stack: null, title: 'pairs' },
              color: { field: 'pair', type: 'nominal', scale: { range: ['#1f77b4', '#d62728'] } },
            },
          },
          { data: { values: [{ t: threshold }] }, mark: { type: 'rule', strokeDash: [4, 3] }, encoding: { x: { field: 't', type: 'quantitative' } } },
        ],
      },
    ],
  };
  await render(spec, file);
}

export async function plotCmc(file: string, cmc: readonly number[], title: string): Promise<void> {
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    width: 420,
    height: 300,
    data: { values: cmc.map((rate, i) => ({ rank: i + 1, rate })) },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'rank', type: 'quantitative', title: 'rank' },
      y: { field: 'rate', type: 'quantitative', scale: { zero: false }, title: 'identification rate (known probes)' },
    },
  };
  await render(spec, file);
}

/** Training curves: triplet loss and active-triplet fraction per epoch, and validation accuracy. */
export async function plotTraining(file: string, history: readonly { epoch: number; loss: number; active: number; valAccuracy: number }[], title: string): Promise<void> {
  const rows = history.flatMap((h) => [
    { epoch: h.epoch, value: h.loss, series: 'triplet loss (mean per mined triplet)' },
    { epoch: h.epoch, value: h.active, series: 'fraction of active triplets' },
  ]);
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    hconcat: [
      {
        title: 'Training batches',
        width: 320,
        height: 240,
        data: { values: rows },
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'epoch', type: 'quantitative', title: 'epoch (0 = before training)' },
          y: { field: 'value', type: 'quantitative', title: 'loss / fraction' },
          color: { field: 'series', type: 'nominal', title: null, legend: { orient: 'bottom' } },
        },
      },
      {
        title: 'Validation people',
        width: 320,
        height: 240,
        data: { values: history.map((h) => ({ epoch: h.epoch, accuracy: h.valAccuracy })) },
        mark: { type: 'line', point: true, color: '#2ca02c' },
        encoding: {
          x: { field: 'epoch', type: 'quantitative', title: 'epoch (0 = before training)' },
          y: { field: 'accuracy', type: 'quantitative', scale: { zero: false }, title: 'verification accuracy' },
        },
      },
    ],
  };
  await render(spec, file);
}
