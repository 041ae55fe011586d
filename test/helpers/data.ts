/**
 * Where the shared research photos live (never copied into the repo). Tests that need them skip
 * with a clear message when the folder is absent, as on a user's fresh clone.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DATA = process.env.LIKENESS_DATA ?? path.resolve(ROOT, '..', 'shared', 'data');
export const hasData = (set: string): boolean => existsSync(path.join(DATA, set, 'images'));
export const dataPath = (...p: string[]): string => path.join(DATA, ...p);
export const FACEAPI_DEMO = path.join(ROOT, 'node_modules', '@vladmandic', 'face-api', 'demo');

export function skipMessage(set: string): string {
  return `skipped: ${path.join(DATA, set)} is absent (the shared research photos are not part of the repo)`;
}
