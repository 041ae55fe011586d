/** `likeness eval verify|identify` end to end on real photos, with the cache and the plots. */
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { dataPath, hasData, skipMessage } from './helpers/data.js';
import { runCli } from './helpers/cli.js';

let dir: string;
let env: NodeJS.ProcessEnv;

const cli = (...args: string[]) => runCli(args, { env });

const ready = hasData('seed-assignment') && hasData('bbt');

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'likeness-eval-'));
  env = { ...process.env, LIKENESS_CACHE_DIR: path.join(dir, 'cache') };
});

describe.skipIf(!ready)(`eval commands${ready ? '' : ` (${skipMessage('seed-assignment')})`}`, () => {
  const seed = (id: string, f: string) => dataPath('seed-assignment', 'images', id, f);
  const rel = (p: string) => path.relative(dir, p);

  it('eval verify: CSV pairs relative to the list, cross-validated folds, JSON report, ROC plot, cache on the second run', async () => {
    const same = [
      ['younes', 'camera_0.jpg', 'younes', 'younes_db.jpg'],
      ['bertrand', 'camera_1.jpg', 'bertrand', 'bertrand_db.jpg'],
      ['benoit', 'camera_2.jpg', 'benoit', 'benoit_db.jpg'],
    ];
    const diff = [
      ['benoit', 'camera_2.jpg', 'kian', 'kian_db.jpg'],
      ['younes', 'camera_0.jpg', 'tian', 'tian_db.jpg'],
      ['bertrand', 'camera_1.jpg', 'dan', 'dan_db.jpg'],
    ];
    const line = (fold: number, s: number, [i1, f1, i2, f2]: string[]) => `${fold},${s},${rel(seed(i1!, f1!))},${rel(seed(i2!, f2!))}`;
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
    await writeFile(path.join(dir, 'p2.csv'), `fold,same,path1,path2\n1,1,blank.png,${rel(seed('younes', 'younes_db.jpg'))}\n1,0,${rel(seed('younes', 'camera_0.jpg'))},${rel(seed('kian', 'kian_db.jpg'))}\n`);
    const r = await cli('eval', 'verify', '--pairs', path.join(dir, 'p2.csv'));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/images without a face: 1 \(1 pairs/);
    expect(r.stdout).toMatch(/blank\.png/);
  });

  it('eval identify: one-shot gallery, known probes found, unknown probes reported with DIR at FPIR, CMC plot', async () => {
    const people = ['andrew', 'arnaud', 'benoit', 'bertrand', 'dan', 'danielle', 'felix', 'kevin', 'kian', 'sebastiano', 'tian', 'younes'];
    const dbFile = (p: string) => (p === 'danielle' ? 'danielle_db.png' : `${p}_db.jpg`);
    const bbt = (await readFile(dataPath('bbt', 'labels.csv'), 'utf8')).trim().split('\n').slice(1, 11).map((l) => l.split(','));
    const rows = [
      'path,identity,role',
      ...people.map((p) => `${rel(seed(p, dbFile(p)))},${p},gallery`),
      `${rel(seed('younes', 'camera_0.jpg'))},younes,probe`,
      `${rel(seed('bertrand', 'camera_1.jpg'))},bertrand,probe`,
      `${rel(seed('benoit', 'camera_2.jpg'))},benoit,probe`,
      ...bbt.map(([p, id]) => `${rel(dataPath('bbt', p!))},"bbt, ${id}",probe`),
    ];
    await writeFile(path.join(dir, 'protocol.csv'), rows.join('\n'));
    const cmcFile = path.join(dir, 'cmc.svg');
    const r = await cli('eval', 'identify', '--protocol', path.join(dir, 'protocol.csv'), '--json', '--cmc', cmcFile);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.gallery).toMatchObject({ images: 12, identities: 12, enrolled: 12, withoutFace: 0 });
    expect(report.probes).toMatchObject({ known: 3, unknown: 10 });
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
