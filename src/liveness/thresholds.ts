/** The measured live-probability thresholds (data/liveness.json, written from research/liveness-passive.ts). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface LivenessThreshold {
  value: number;
  measurement: string;
  command: string;
}

interface LivenessData {
  defaultModel: string;
  models: Record<string, LivenessThreshold>;
}

let data: LivenessData | undefined;

export function livenessData(): LivenessData {
  data ??= JSON.parse(readFileSync(fileURLToPath(new URL('../../data/liveness.json', import.meta.url)), 'utf8')) as LivenessData;
  return data;
}

export function livenessThreshold(model: string): LivenessThreshold {
  return livenessData().models[model] ?? { value: 0.5, measurement: 'uncalibrated placeholder', command: '' };
}
