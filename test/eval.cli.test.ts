/**
 * `likeness eval verify|identify` end to end on real photos (the demo-photo people of
 * test/helpers/demo-people.ts), with the cache and the plots.
 */
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { demoPeople } from './helpers/demo-people.js';

let dir: string;
let env: NodeJS.ProcessEnv;

const cli = (...args: string[]) => runCli(args, { env });

const demo = await demoPeople();
// the seed exercise's roles
const [benoit, bertrand, dan, kian, tian, younes] = demo.people as [string, string, string, string, string, string];

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'likeness-eval-'));
  env = { ...process.env, LIKENESS_CACHE_DIR: path.join(dir, 'cache') };
});

describe('eval commands', () => {
  const rel = (p: string) => path.relative(dir, p);

  it('eval verify: CSV pairs relative to the list, cross-validated folds, JSON report, ROC plot, cache on the second run', async () => {
    const same = [
      [demo.camera(younes), demo.db(younes)],
      [demo.camera(bertrand), demo.db(bertrand)],
      [demo.camera(benoit), demo.db(benoit)],
    ];
    const diff = [
      [demo.camera(benoit), demo.db(kian)],
      [demo.camera(younes), demo.db(tian)],
      [demo.camera(bertrand), demo.db(dan)],
    ];
    const line = (fold: number, s: number, [a, b]: string[]) => `${fold},${s},${rel(a!)},${rel(b!)}`;
    const csv = ['fold,same,path1,path2', ...same.map((p, i) => line(i + 1, 1, p)), ...diff.map((p, i) => line(i + 1, 0, p))].join('\n');
    await writeFile(path.join(dir, 'pairs.csv'), csv);
    const roc = path.join(dir, 'roc.png');
    const r = await cli('eval', 'verify', '--pairs', path.join(dir, 'pairs.csv'), '--json', '--roc', roc);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.pairs).toBe(6);
    expect(report.folds).toBe(3);
    expect(report.accuracy.mean).toBeGreaterThan(0.6);
    expect(report.auc).toBe(1);
    expect(report.tarAtFar.map((t: { far: number }) => t.far)).toEqual([0.01, 0.001]);
    expect(report.failures.images).toBe(0);
    expect(report.encoding).toMatchObject({ images: 9, encoded: 9, fromCache: 0 });
    const meta = await sharp(roc).metadata();
    expect(meta.format).toBe('png');
    expect(meta.width).toBeGreaterThan(600);
    const again = JSON.parse((await cli('eval', 'verify', '--pairs', path.join(dir, 'pairs.csv'), '--json')).stdout);
    expect(again.encoding).toMatchObject({ encoded: 0, fromCache: 9 });
    expect(again.accuracy).toEqual(report.accuracy);
    // a pipeline change is a different cache entry
    const nomirror = JSON.parse((await cli('eval', 'verify', '--pairs', path.join(dir, 'pairs.csv'), '--json', '--no-mirror')).stdout);
    expect(nomirror.encoding.encoded).toBe(9);
  });

  it('eval verify counts images without a face instead of hiding them', async () => {
    const blank = path.join(dir, 'blank.png');
    await sharp({ create: { width: 120, height: 120, channels: 3, background: '#8899aa' } }).png().toFile(blank);
    await writeFile(path.join(dir, 'p2.csv'), `fold,same,path1,path2\n1,1,blank.png,${rel(demo.db(younes))}\n1,0,${rel(demo.camera(younes))},${rel(demo.db(kian))}\n`);
    const r = await cli('eval', 'verify', '--pairs', path.join(dir, 'p2.csv'));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/images without a face: 1 \(1 pairs/);
    expect(r.stdout).toMatch(/blank\.png/);
  });

  it('eval identify: one-shot gallery, known probes found, unknown probes reported with DIR at FPIR, CMC plot', async () => {
    const people = demo.people;
    const rows = [
      'path,identity,role',
      ...people.map((p) => `${rel(demo.db(p))},${p},gallery`),
      ...[younes, bertrand, benoit].map((p) => `${rel(demo.camera(p))},${p},probe`),
      // people not in the gallery: quoted identities with a comma
      ...demo.strangers.map((f, i) => `${rel(f)},"unknown, ${i}",probe`),
    ];
    await writeFile(path.join(dir, 'protocol.csv'), rows.join('\n'));
    const cmcFile = path.join(dir, 'cmc.svg');
    const r = await cli('eval', 'identify', '--protocol', path.join(dir, 'protocol.csv'), '--json', '--cmc', cmcFile);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.gallery).toMatchObject({ images: people.length, identities: people.length, enrolled: people.length, withoutFace: 0 });
    expect(report.probes).toMatchObject({ known: 3, unknown: demo.strangers.length });
    expect(report.rank1).toBe(1);
    expect(report.cmc).toHaveLength(20);
    expect(report.dirAtFpir[0].fpir).toBe(0.01);
    expect(report.calibrated.fpir).toBeLessThan(0.5);
    expect((await readFile(cmcFile, 'utf8')).startsWith('<svg')).toBe(true);
    expect((await stat(cmcFile)).size).toBeGreaterThan(1000);
    // Same path as `likeness identify`: hubness-corrected by default, raw distances on request.
    expect(report.hubness).toBe(true);
    expect(report.gallery.meanHubness).toBeGreaterThan(0.5);
    expect(report.gallery.meanHubness).toBeLessThan(1);
    const raw = await cli('eval', 'identify', '--protocol', path.join(dir, 'protocol.csv'), '--json', '--no-hubness');
    expect(raw.code, raw.stderr).toBe(0);
    const rawReport = JSON.parse(raw.stdout);
    expect(rawReport.hubness).toBe(false);
    expect(rawReport.rank1).toBe(1);
    expect(rawReport.calibrated.threshold).toBeLessThan(report.calibrated.threshold);
  });

  it('bad lists are usage or input errors, not crashes', async () => {
    await writeFile(path.join(dir, 'bad.csv'), 'fold,same,path1,path2\n1,yes,a.jpg,b.jpg\n');
    const r = await cli('eval', 'verify', '--pairs', path.join(dir, 'bad.csv'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/bad\.csv:2/);
    const m = await cli('eval', 'verify', '--pairs', path.join(dir, 'missing.csv'));
    expect(m.code).toBe(1);
    expect((await cli('eval', 'verify')).code).toBe(2);
    const p = await cli('eval', 'verify', '--pairs', path.join(dir, 'pairs.csv'), '--roc', path.join(dir, 'roc.gif'));
    expect(p.code).toBe(1);
  });
});
