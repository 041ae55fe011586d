/**
 * Calibrated numbers of the built-in encoders, as data (data/thresholds.json), each with the
 * measurement and the command that produced it.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ModelError } from '../errors.js';
import type { HubnessReference, Threshold } from './spec.js';

interface ThresholdFile {
  [model: string]: Threshold & {
    accuracy?: number;
    command?: string;
    measured?: string;
    /** Open-set thresholds: `value` on raw distances, `hubness.value` on hubness-corrected ones. */
    identify?: { value: number; hubness?: HubnessReference & { value: number } };
  };
}

let thresholds: ThresholdFile | undefined;

function thresholdFile(): ThresholdFile {
  if (!thresholds) {
    const file = fileURLToPath(new URL('../../data/thresholds.json', import.meta.url));
    thresholds = JSON.parse(readFileSync(file, 'utf8')) as ThresholdFile;
  }
  return thresholds;
}

/**
 * The open-set identification threshold for a model, when one was calibrated: on hubness-corrected
 * distances (the default) or on raw ones.
 */
export function calibratedIdentifyThreshold(model: string, options: { hubness?: boolean } = {}): number | undefined {
  const id = thresholdFile()[model]?.identify;
  return (options.hubness ?? true) && id?.hubness ? id.hubness.value : id?.value;
}

/** The model's reference hubness (see src/match/hubness.ts), when one was measured. */
export function hubnessReference(model: string): HubnessReference | undefined {
  const h = thresholdFile()[model]?.identify?.hubness;
  return h ? { k: h.k, reference: h.reference } : undefined;
}

/** Calibrated thresholds shipped with the package (data/thresholds.json). */
export function calibratedThreshold(model: string): Threshold {
  const t = thresholdFile()[model];
  if (!t) throw new ModelError(`no calibrated threshold for model ${model} in data/thresholds.json`);
  return { value: t.value, metric: t.metric, calibration: t.calibration, ...(t.logistic ? { logistic: t.logistic } : {}) };
}


/** The calibrated threshold when one was measured, else `fallback` (a network being measured). */
export function calibratedThresholdOr(model: string, fallback: Threshold): Threshold {
  return thresholdFile()[model] ? calibratedThreshold(model) : fallback;
}
