/**
 * Face quality (src/quality) on real photos: a demo person's enrolment photo, a Gaussian-blurred copy
 * and a tiny copy made here with sharp. The score ranks the sharp large face above both; enrolment
 * refuses the poor copies with the reason (library, CLI, service) and takes them with the override;
 * verify and identify report each face's quality.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Gallery } from '../src/gallery/gallery.js';
import { Likeness } from '../src/likeness.js';
import { PoorQualityError, QUALITY_THRESHOLDS, type FaceQuality } from '../src/quality/index.js';
import { runCli } from './helpers/cli.js';
import { demoPeople } from './helpers/demo-people.js';
import { startService, type RunningService } from './helpers/service.js';

const demo = await demoPeople();
const person = demo.people[0]!;
const dir = mkdtempSync(path.join(tmpdir(), 'likeness-quality-'));
const sharpPhoto = demo.db(person);
const blurred = path.join(dir, 'blurred.jpg');
const tiny = path.join(dir, 'tiny.jpg');
let likeness: Likeness;

beforeAll(async () => {
  writeFileSync(blurred, await sharp(sharpPhoto).blur(6).jpeg({ quality: 92 }).toBuffer());
  // the crop is two face widths wide: 60 px wide puts the face near 30 px, under minFaceWidth
  writeFileSync(tiny, await sharp(sharpPhoto).resize({ width: 60 }).jpeg({ quality: 92 }).toBuffer());
  likeness = await Likeness.create();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function qualityOf(file: string): Promise<FaceQuality> {
  const a = await likeness.detect(file, { quality: true });
  expect(a.faces).toHaveLength(1);
  return a.faces[0]!.quality!;
}

describe('face quality', () => {
  it('ranks the sharp large face above its blurred and its tiny copy, with the reasons', async () => {
    const [good, blur, small] = [await qualityOf(sharpPhoto), await qualityOf(blurred), await qualityOf(tiny)];
    expect(good.reasons).toEqual([]);
    expect(good.score).toBeGreaterThanOrEqual(0.5);
    expect(good.blur).toBeGreaterThan(QUALITY_THRESHOLDS.minBlur);
    expect(blur.reasons).toContain('blurred');
    expect(blur.blur).toBeLessThan(good.blur);
    expect(small.reasons).toContain('small');
    expect(small.size).toBeLessThan(QUALITY_THRESHOLDS.minFaceWidth);
    expect(good.score).toBeGreaterThan(blur.score);
    expect(good.score).toBeGreaterThan(small.score);
    expect(blur.score).toBeLessThan(0.5);
    expect(small.score).toBeLessThan(0.5);
  });

  it('is only measured when asked for', async () => {
    const a = await likeness.detect(sharpPhoto);
    expect(a.faces[0]!.quality).toBeUndefined();
  });

  it('reports both faces\' quality with a verify decision', async () => {
    const r = await likeness.verify(sharpPhoto, blurred);
    expect(r.quality.faces).toHaveLength(2);
    expect(r.quality.faces![0].reasons).toEqual([]);
    expect(r.quality.faces![1].reasons).toContain('blurred');
  });
});

describe('enrolment gate (library)', () => {
  let gallery: Gallery;
  beforeAll(async () => {
    gallery = await Gallery.open(path.join(dir, 'lib.sqlite'), likeness);
  });
  afterAll(async () => gallery?.close());

  it('refuses a blurred or tiny photo with the reason and the measured values, and stores nothing', async () => {
    const e = await gallery.enroll('blurry', [blurred]).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(PoorQualityError);
    expect((e as PoorQualityError).code).toBe('E_POOR_QUALITY');
    expect((e as PoorQualityError).isInputError).toBe(true);
    expect((e as Error).message).toMatch(/blurred \(sharpness [\d.]+, under 10\)/);
    const t = await gallery.enroll('tiny', [tiny]).catch((x: unknown) => x);
    expect((t as Error).message).toMatch(/small \(\d+ px wide, under 40\)/);
    expect(await gallery.store.findSubjects('blurry')).toEqual([]);
    expect(await gallery.store.findSubjects('tiny')).toEqual([]);
  });

  it('enrols them with allowPoorQuality, and a good photo without it; identify reports quality per face', async () => {
    const r = await gallery.enroll('blurry', [blurred], { allowPoorQuality: true });
    expect(r.faces).toHaveLength(1);
    expect(r.quality[0]!.reasons).toContain('blurred');
    const ok = await gallery.enroll(person, [sharpPhoto]);
    expect(ok.quality[0]!.reasons).toEqual([]);
    const id = await gallery.identify(demo.camera(person));
    expect(id.faces[0]!.quality).toMatchObject({ score: expect.any(Number), size: expect.any(Number), reasons: expect.any(Array) });
    expect(id.faces[0]!.match?.name).toBe(person);
  });
});

describe('enrolment gate and reports (service)', () => {
  let s: RunningService;
  beforeAll(async () => {
    s = await startService();
  });
  afterAll(async () => s?.close());

  it('answers 422 E_POOR_QUALITY with the reason, enrols with allowPoorQuality, reports quality on verify and identify', async () => {
    const created = await s.call('POST', '/v1/subjects', { key: s.admin, json: { name: person } });
    const id = created.body.id as string;
    const img = async (f: string) => (await sharp(f).toBuffer()).toString('base64');
    const refused = await s.call('POST', `/v1/subjects/${id}/faces`, { key: s.admin, json: { images: [await img(blurred)] } });
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('E_POOR_QUALITY');
    expect(refused.body.error.message).toMatch(/blurred/);
    const taken = await s.call('POST', `/v1/subjects/${id}/faces`, { key: s.admin, json: { images: [await img(blurred)], allowPoorQuality: true } });
    expect(taken.status).toBe(201);
    expect(taken.body.faces[0].quality.reasons).toContain('blurred');
    const good = await s.call('POST', `/v1/subjects/${id}/faces`, { key: s.admin, json: { images: [await img(sharpPhoto)] } });
    expect(good.status).toBe(201);
    expect(good.body.faces[0].quality.reasons).toEqual([]);
    const v = await s.call('POST', '/v1/verify', { key: s.recognize, json: { image1: await img(sharpPhoto), image2: await img(tiny) } });
    expect(v.status).toBe(200);
    expect(v.body.faces[0].quality.reasons).toEqual([]);
    expect(v.body.faces[1].quality.reasons).toContain('small');
    const i = await s.call('POST', '/v1/identify', { key: s.recognize, json: { image: await img(demo.camera(person)) } });
    expect(i.status).toBe(200);
    expect(i.body.faces[0].quality).toMatchObject({ score: expect.any(Number), blur: expect.any(Number), reasons: expect.any(Array) });
  });
});

describe('enrolment gate and reports (CLI)', () => {
  it('exits 1 with the reason, enrols with --allow-poor-quality, prints quality with verify', async () => {
    const db = path.join(dir, 'cli.sqlite');
    const refused = await runCli(['enroll', '--db', db, '--name', 'blurry', blurred]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/blurred \(sharpness/);
    const taken = await runCli(['enroll', '--db', db, '--name', 'blurry', '--allow-poor-quality', '--json', blurred]);
    expect(taken.code).toBe(0);
    expect(JSON.parse(taken.stdout).faces[0].quality.reasons).toContain('blurred');
    const v = await runCli(['verify', '--json', sharpPhoto, tiny]);
    expect(v.code).toBe(0);
    expect(JSON.parse(v.stdout).quality.faces[1].reasons).toContain('small');
    const text = await runCli(['verify', sharpPhoto, blurred]);
    expect(text.stdout).toMatch(/quality [\d.]+ and [\d.]+ \(blurred/);
  });
});
