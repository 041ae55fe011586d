/**
 * Training with the triplet loss, as exported by the package. The plain loss, mining and split
 * need no tfjs; `trainFromFolder` loads tfjs (and its cpu backend) only when called.
 */
import type { TrainFolderOptions, TrainFolderResult } from './train-folder.js';

export { DEFAULT_ALPHA, squaredDistance, tripletLoss } from './triplet-loss.js';
export { activeTriplets, mineTriplets, squaredDistanceMatrix, MINING_STRATEGIES, type MiningStrategy, type Triplet } from './mining.js';
export { readPeople, splitIdentities, type IdentitySplit, type Person } from './split.js';
export type { TrainFolderOptions, TrainFolderResult, TrainMode } from './train-folder.js';

export { TRAIN_DEFAULTS, TRAIN_STACK } from './defaults.js';

/** Train a head on the pretrained encoder, or a small CNN from scratch, on a folder of <identity>/<photos>. */
export async function trainFromFolder(options: TrainFolderOptions): Promise<TrainFolderResult> {
  return (await import('./train-folder.js')).trainFromFolder(options);
}

/** Write a model file atomically. */
export async function saveModel(file: string, bytes: Uint8Array): Promise<void> {
  return (await import('./train-folder.js')).saveModel(file, bytes);
}
