/**
 * The seed exercise ("Happy House"): the camera photos verified against the enrolled `<name>_db`
 * photos. camera_0 is younes, camera_1 bertrand, camera_2 benoit.
 */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { LikenessError } from '../errors.js';
import { Likeness } from '../likeness.js';

export const SEED_CASES = [
  { camera: 'camera_0', claim: 'younes', expected: true },
  { camera: 'camera_1', claim: 'bertrand', expected: true },
  { camera: 'camera_2', claim: 'kian', expected: false },
  { camera: 'camera_2', claim: 'benoit', expected: true },
] as const;

/** Map of file stem → path for every image under dir/images/<identity>/. */
export async function indexImages(dir: string): Promise<Map<string, string>> {
  const root = path.join(dir, 'images');
  const out = new Map<string, string>();
  for (const id of await readdir(root)) {
    for (const f of await readdir(path.join(root, id))) out.set(f.replace(/\.[^.]+$/, ''), path.join(root, id, f));
  }
  return out;
}

export async function runSeedDemo(dir: string, json: boolean): Promise<void> {
  if (!existsSync(path.join(dir, 'images'))) {
    throw new LikenessError('E_NO_DATA', `seed-assignment data not found at ${dir} (expected ${path.join(dir, 'images')}); pass its folder as an argument`);
  }
  const files = await indexImages(dir);
  const l = await Likeness.create();
  const rows = [];
  for (const c of SEED_CASES) {
    const a = files.get(c.camera);
    const b = files.get(`${c.claim}_db`);
    if (!a || !b) throw new LikenessError('E_NO_DATA', `${dir}: missing ${!a ? c.camera : `${c.claim}_db`}`);
    const r = await l.verify(a, b);
    rows.push({ camera: c.camera, claim: c.claim, verified: r.verified, distance: r.distance, threshold: r.threshold, expected: c.expected });
    if (!json) {
      const verdict = r.verified ? `It's ${c.claim}, welcome in!` : `It's not ${c.claim}, please go away`;
      process.stdout.write(`${c.camera} claims to be ${c.claim}: ${verdict} (distance ${r.distance.toFixed(3)}, threshold ${r.threshold.toFixed(3)})${r.verified === c.expected ? '' : '  ← unexpected'}\n`);
    }
  }
  if (json) process.stdout.write(`${JSON.stringify(rows)}\n`);
}
