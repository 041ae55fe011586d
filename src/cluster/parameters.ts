/** The clustering's tuned numbers, as data (data/cluster.json, with the measurement behind them). */
import { readFileSync } from 'node:fs';
import { MIN_FACE_WIDTH } from '../match/quality.js';

interface ClusterData {
  algorithm: { value: 'chinese-whispers'; measurement: string; command: string; measured: string };
  threshold: { value: number };
  minClusterSize: { value: number };
  minDetectionScore: { value: number };
  neighbours: { value: number };
  joinThreshold: { value: number };
  minQualityScore?: { value: number };
}

export interface ClusterParameters {
  /** Chinese whispers: faces closer than this (cosine distance) are linked. */
  threshold: number;
  /** Faces a cluster needs before it is proposed as a person. */
  minClusterSize: number;
  minDetectionScore: number;
  minFaceWidth: number;
  /** Neighbours per face in the graph. */
  neighbours: number;
  /** Incremental addition: a new face joins a person when its mean distance to the person's faces is under this. */
  joinThreshold: number;
  minQualityScore?: number;
}

let cached: ClusterParameters | undefined;
export function clusterParameters(): ClusterParameters {
  if (cached) return cached;
  const d = JSON.parse(readFileSync(new URL('../../data/cluster.json', import.meta.url), 'utf8')) as ClusterData;
  cached = {
    threshold: d.threshold.value,
    minClusterSize: d.minClusterSize.value,
    minDetectionScore: d.minDetectionScore.value,
    minFaceWidth: MIN_FACE_WIDTH,
    neighbours: d.neighbours.value,
    joinThreshold: d.joinThreshold.value,
    ...(d.minQualityScore ? { minQualityScore: d.minQualityScore.value } : {}),
  };
  return cached;
}
