/**
 * Where the shared research photos live (never copied into the repo): ../shared/data beside the
 * checkout, or the folder named by LIKENESS_TEST_DATA (or, as before, LIKENESS_DATA). Point it at
 * a folder that does not exist to run the suite as on a user's fresh clone:
 * `LIKENESS_TEST_DATA=/nowhere npx vitest run test/x.test.ts`. Only tests that measure accuracy on
 * real photos of the same people taken apart use them; they skip with skipMessage(), whose text
 * contains RESEARCH_DATA_MISSING, the one skip reason the suite accepts
 * (test/helpers/summary-reporter.ts fails the run on any other skip). Every other capability is
 * tested on face-api's demo photos (test/helpers/demo-people.ts).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DATA = process.env.LIKENESS_TEST_DATA ?? process.env.LIKENESS_DATA ?? path.resolve(ROOT, '..', 'shared', 'data');
export const hasData = (set: string): boolean => existsSync(path.join(DATA, set, 'images'));
export const dataPath = (...p: string[]): string => path.join(DATA, ...p);
export const FACEAPI_DEMO = path.join(ROOT, 'node_modules', '@vladmandic', 'face-api', 'demo');

/** The words every data skip says; the summary reporter accepts a skip only when they are in it. */
export const RESEARCH_DATA_MISSING = 'research data not found';

export function skipMessage(set: string): string {
  return `skipped: ${RESEARCH_DATA_MISSING}: ${path.join(DATA, set)} (the shared research photos are not part of the repo; LIKENESS_TEST_DATA names their folder)`;
}
