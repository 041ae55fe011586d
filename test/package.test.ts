/**
 * What `npm pack` puts in the package: the built library and CLI, its data, the built web page and
 * the README, LICENSE and NOTICE; never sources, tests, research, benchmarks or scripts, and no
 * compiled file without a source in src/ (a stale build of moved code). Runs after `npm run build`,
 * as `npm test` does.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/data.js';

interface PackEntry {
  path: string;
}

const files: string[] = (
  JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })) as { files: PackEntry[] }[]
)[0]!.files.map((f) => f.path);

describe('the npm package', () => {
  it('holds only dist/, bin/, data/, web/dist/, package.json, README.md, LICENSE and NOTICE', () => {
    const top = new Set(['package.json', 'README.md', 'LICENSE', 'NOTICE']);
    const stray = files.filter((f) => !top.has(f) && !/^(dist|bin|data|web\/dist)\//.test(f));
    expect(stray).toEqual([]);
    for (const f of top) expect(files).toContain(f);
    expect(files).toContain('dist/index.js');
    expect(files).toContain('dist/index.d.ts');
    expect(files).toContain('bin/likeness.js');
    expect(files).toContain('web/dist/index.html');
  });

  it('compiles nothing but src/: every dist/ file has its source', () => {
    const orphans = files
      .filter((f) => f.startsWith('dist/'))
      .map((f) => f.replace(/^dist\//, 'src/').replace(/(\.d\.ts|\.js\.map|\.js)$/, '.ts'))
      .filter((src) => !existsSync(path.join(ROOT, src)));
    expect([...new Set(orphans)]).toEqual([]);
  });
});
