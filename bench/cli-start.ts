/**
 * CLI start-up: wall time of `node bin/likeness.js ARGS` as a user runs it (built package: `npm run
 * build` first), median of N runs per command. Commands that load no model should stay ≤ 0.3 s:
 * heavy modules load inside the actions that need them (test/cli.hostile.test.ts checks which).
 *
 *   npm run bench:cli                 # --help, detect --help, models, gallery stats, one-photo embed
 *   npm run bench:cli -- --runs 10
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { FACEAPI_DEMO, ROOT } from '../test/helpers/data.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
const runs = Number(values.runs);
const db = path.join(mkdtempSync(path.join(os.tmpdir(), 'likeness-bench-cli-')), 'g.sqlite');
const commands = [['--help'], ['detect', '--help'], ['models'], ['gallery', 'stats', '--db', db], ['embed', path.join(FACEAPI_DEMO, 'sample2.jpg')]];
console.log('| command | median (s) | min (s) |');
console.log('| --- | ---: | ---: |');
for (const args of commands) {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'likeness.js'), ...args], { cwd: ROOT, stdio: 'ignore' });
    if (r.status !== 0) throw new Error(`likeness ${args.join(' ')} exited ${r.status}`);
    times.push((performance.now() - t0) / 1000);
  }
  times.sort((a, b) => a - b);
  const label = args.map((a) => (a.startsWith(os.tmpdir()) ? path.basename(a) : a.startsWith(FACEAPI_DEMO) ? path.basename(a) : a)).join(' ');
  console.log(`| \`likeness ${label}\` | ${times[Math.floor(times.length / 2)]!.toFixed(2)} | ${times[0]!.toFixed(2)} |`);
}
