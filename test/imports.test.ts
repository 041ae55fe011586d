/**
 * The shape of the import graph, checked on every `npm test` (a regex scan of the sources: no
 * dependency, well under a second): no import circles in src/ (static, dynamic and type-only
 * imports all count, as `npx madge --circular --extensions ts src` counts them); src/models/
 * describes networks and their files and imports none of the pipeline stages that use them; the
 * product never imports research, tests, benchmarks, scripts or examples; and the examples import
 * 'likeness' as a user would, never a relative path into src/.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/data.js';

const IMPORT = /^\s*(?:import|export)\s+(?:type\s+)?(?:[\w$]+\s*,\s*)?(?:\{[^}]*\}|\*(?:\s+as\s+[\w$]+)?|[\w$]+)\s+from\s+'([^']+)'|^\s*import\s+'([^']+)'|\bimport\(\s*'([^']+)'\s*\)/gm;

function sources(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.includes('node_modules'))
    .map((f) => path.join(dir, f))
    .sort();
}

/** The specifiers a file imports, as written. */
function specifiers(file: string): string[] {
  const text = readFileSync(path.join(ROOT, file), 'utf8');
  return [...text.matchAll(IMPORT)].map((m) => (m[1] ?? m[2] ?? m[3])!);
}

/** A relative specifier resolved to a repository path (`./x.js` → `dir/x.ts`), else undefined. */
function resolve(from: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  return path.normalize(path.join(path.dirname(from), spec)).replace(/\.js$/, '.ts');
}

function graph(files: readonly string[]): Map<string, string[]> {
  return new Map(files.map((f) => [f, specifiers(f).map((s) => resolve(f, s)).filter((t): t is string => t !== undefined)]));
}

/** Every elementary circle found by a depth-first search (each reported once, from its smallest file). */
function circles(g: Map<string, string[]>): string[][] {
  const found = new Map<string, string[]>();
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (f: string): void => {
    state.set(f, 'open');
    stack.push(f);
    for (const t of g.get(f) ?? []) {
      if (!g.has(t)) continue;
      if (state.get(t) === 'open') {
        const loop = stack.slice(stack.indexOf(t));
        const start = loop.indexOf([...loop].sort()[0]!);
        const key = [...loop.slice(start), ...loop.slice(0, start)];
        found.set(key.join(' → '), key);
      } else if (!state.has(t)) visit(t);
    }
    stack.pop();
    state.set(f, 'done');
  };
  for (const f of g.keys()) if (!state.has(f)) visit(f);
  return [...found.values()];
}

const src = graph(sources('src'));

describe('the import graph', () => {
  it('reads the sources it checks (the scan is not silently empty)', () => {
    expect(src.size).toBeGreaterThan(100);
    expect(src.get(path.join('src', 'index.ts'))).toContain(path.join('src', 'likeness.ts'));
    // a dynamic import is an edge too
    expect(src.get(path.join('src', 'train', 'index.ts'))).toContain(path.join('src', 'train', 'train-folder.ts'));
  });

  it('has no circles in src/', () => {
    expect(circles(src).map((c) => [...c, c[0]].join(' → '))).toEqual([]);
  });

  it('finds a circle when there is one', () => {
    const g = new Map([['a', ['b']], ['b', ['c']], ['c', ['a', 'd']], ['d', []]]);
    expect(circles(g)).toEqual([['a', 'b', 'c']]);
  });

  it('src/models/ imports only itself and the layers below it (errors, types, image)', () => {
    const allowed = (t: string): boolean =>
      t.startsWith(`src${path.sep}models${path.sep}`) || t === path.join('src', 'errors.ts') || t === path.join('src', 'types.ts') || t.startsWith(`src${path.sep}image${path.sep}`);
    const bad = [...src].filter(([f]) => f.startsWith(`src${path.sep}models${path.sep}`)).flatMap(([f, ts]) => ts.filter((t) => !allowed(t)).map((t) => `${f} → ${t}`));
    expect(bad).toEqual([]);
  });

  it('src/ imports nothing outside src/ but packages', () => {
    const bad = [...src].flatMap(([f, ts]) => ts.filter((t) => !t.startsWith(`src${path.sep}`)).map((t) => `${f} → ${t}`));
    expect(bad).toEqual([]);
  });

  it("the examples import 'likeness' as a user would, not src/", () => {
    const files = sources('examples');
    expect(files.length).toBeGreaterThan(0);
    const bad = files.flatMap((f) => specifiers(f).filter((s) => s.startsWith('.') || s.includes('/src/')).map((s) => `${f}: ${s}`));
    expect(bad).toEqual([]);
    for (const f of files) expect(specifiers(f), f).toContain('likeness');
  });
});
