/**
 * The web page in a real browser: Debian's Chromium (installed by scripts/browser/ensure-chromium.sh
 * when missing; skipped with the reason where it cannot be) driven by playwright-core, against the
 * real service (buildApp, as `likeness serve`) with the real models, a temporary SQLite gallery and
 * real photos. Nothing is mocked: every verdict, box and name on the page comes from the service.
 */
import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeCameraVideo, launchChromium, testChromium, type LaunchedBrowser } from './helpers/browser.js';
import { demoPeople } from './helpers/demo-people.js';
import { startWebService, type WebService } from './helpers/web-service.js';

const chromium = await testChromium();
// The demo-photo people (test/helpers/demo-people.ts) in the seed exercise's roles.
const demo = await demoPeople();
const [younes, benoit, kian, bertrand] = demo.people as [string, string, string, string];
const skip = chromium.skip;

/** Upload limit of the service under test, so that a generated photo can exceed it. */
const MAX_UPLOAD_MB = 2;

describe.skipIf(skip !== undefined)(`web page in Chromium${skip ? ` (${skip})` : ''}`, () => {
  let service: WebService;
  let browser: LaunchedBrowser;
  let tmp: string;
  let noFacePng: string;
  let tooLargePng: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'likeness-web-test-'));
    // A photo without a face (plain colour) and one over the upload limit (noise does not compress).
    noFacePng = path.join(tmp, 'plain-blue.png');
    await sharp({ create: { width: 320, height: 240, channels: 3, background: { r: 40, g: 90, b: 200 } } }).png().toFile(noFacePng);
    tooLargePng = path.join(tmp, 'noise.png');
    const w = 1000;
    const h = 900; // 2.7 MB of incompressible RGB
    await sharp(randomBytes(w * h * 3), { raw: { width: w, height: h, channels: 3 } }).png({ compressionLevel: 0 }).toFile(tooLargePng);
    // Chromium's webcam: a video of younes' camera photo (camera access is granted per test).
    const camera = path.join(tmp, 'webcam.y4m');
    await fakeCameraVideo(demo.camera(younes), camera);
    [service, browser] = await Promise.all([startWebService({ maxUploadMb: MAX_UPLOAD_MB }), launchChromium(chromium.executable!, { fakeCamera: camera })]);
  });

  afterAll(async () => {
    await browser?.close();
    await service?.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  /** A new tab (its own sessionStorage), logged in with `key` when given. */
  async function openPage(key?: string): Promise<Page> {
    const page = await browser.context.newPage();
    page.setDefaultTimeout(20_000);
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(service.url);
    await page.getByTestId('login').waitFor();
    if (key) {
      await page.getByTestId('login-key').fill(key);
      await page.getByTestId('login-submit').click();
      await page.getByTestId('panel-verify').waitFor();
    }
    return page;
  }

  const idle = (page: Page, panel: string) => page.waitForSelector(`[data-testid="${panel}"]:not([aria-busy])`);
  const num = async (page: Page, testId: string): Promise<number> => Number(await page.getByTestId(testId).textContent());

  async function recognise(page: Page, file: string): Promise<string[]> {
    await page.getByTestId('tab-recognise').click();
    await page.getByTestId('recognise-file').setInputFiles(file);
    // (the page marks the panel busy as soon as the file is chosen, and idle when the answer is drawn)
    await idle(page, 'panel-recognise');
    return page.getByTestId('panel-recognise').getByTestId('face-box-label').allTextContents();
  }

  it('serves the built page at / and asks for a key', async () => {
    const page = await openPage();
    expect(await page.title()).toContain('likeness');
    expect(await page.getByTestId('tabs').isVisible()).toBe(false);
    await page.close();
  });

  it('refuses a wrong key at login with the service 401 message', async () => {
    const page = await openPage();
    await page.getByTestId('login-key').fill('lk_00000000_notARealKeyNotARealKeyNotARealKeyNotARealK');
    await page.getByTestId('login-submit').click();
    const error = page.getByTestId('login-error');
    await error.waitFor();
    expect(await error.textContent()).toMatch(/API key is not valid/i);
    expect(await page.getByTestId('panel-verify').isVisible()).toBe(false);
    await page.close();
  });

  it('verifies two photos of one person: "Same person" with the distance and threshold of the API', async () => {
    const page = await openPage(service.adminKey);
    await page.getByTestId('verify-file-1').setInputFiles(demo.camera(younes));
    await page.getByTestId('verify-file-2').setInputFiles(demo.db(younes));
    await page.getByTestId('verify-result').waitFor();
    await idle(page, 'panel-verify');
    expect(await page.getByTestId('verify-verdict').textContent()).toBe('Same person');
    const distance = await num(page, 'verify-distance');
    const threshold = await num(page, 'verify-threshold');
    expect(distance).toBeGreaterThan(0);
    expect(distance).toBeLessThanOrEqual(threshold);

    // The same figures as the API gives for these two files.
    const form = new FormData();
    for (const [field, file] of [['image1', demo.camera(younes)], ['image2', demo.db(younes)]] as const) {
      form.append(field, new Blob([await readFile(file)]), path.basename(file));
    }
    const api = (await (await fetch(new URL('v1/verify', service.url), { method: 'POST', headers: { authorization: `Bearer ${service.adminKey}` }, body: form })).json()) as {
      distance: number;
      threshold: number;
    };
    expect(distance).toBeCloseTo(api.distance, 3);
    expect(threshold).toBeCloseTo(api.threshold, 3);
    // both faces boxed, inside their photos
    const boxes = page.getByTestId('panel-verify').getByTestId('face-box');
    expect(await boxes.count()).toBe(2);
    for (const b of await boxes.all()) expect((await b.boundingBox())!.width).toBeGreaterThan(20);

    // Another pair: benoit's camera photo against kian's database photo.
    await page.getByTestId('verify-file-1').setInputFiles(demo.camera(benoit));
    await page.getByTestId('verify-file-2').setInputFiles(demo.db(kian));
    await page.getByTestId('verify-result').waitFor();
    await idle(page, 'panel-verify');
    expect(await page.getByTestId('verify-verdict').textContent()).toBe('Different people');
    expect(await num(page, 'verify-distance')).toBeGreaterThan(await num(page, 'verify-threshold'));
    await page.close();
  });

  it('shows the no-face message for a photo without a face (verify and recognise)', async () => {
    const page = await openPage(service.adminKey);
    await page.getByTestId('verify-file-1').setInputFiles(noFacePng);
    await page.getByTestId('verify-file-2').setInputFiles(demo.db(younes));
    const error = page.getByTestId('verify-error');
    await error.waitFor();
    expect(await error.textContent()).toMatch(/no face/i);
    expect(await page.getByTestId('verify-result').isVisible()).toBe(false);

    // Recognise answers a photo without faces with no face at all (not an error).
    expect(await recognise(page, noFacePng)).toEqual([]);
    expect(await page.getByTestId('recognise-status').textContent()).toMatch(/no face/i);
    await page.close();
  });

  it('scales a large photo down before upload: a 4,000 px photo of 9 MB passes a 2 MB limit', async () => {
    const big = path.join(tmp, 'big.png');
    await sharp(demo.stranger).resize({ width: 4000 }).png({ compressionLevel: 1 }).toFile(big);
    expect(statSync(big).size).toBeGreaterThan(MAX_UPLOAD_MB * 1024 * 1024 * 2);
    const page = await openPage(service.adminKey);
    expect(await recognise(page, big)).toHaveLength(1);
    expect(await page.getByTestId('recognise-error').isVisible()).toBe(false);
    await page.close();
  });

  it('shows the 413 message for a photo over the upload limit', async () => {
    const page = await openPage(service.adminKey);
    await page.getByTestId('tab-recognise').click();
    await page.getByTestId('recognise-file').setInputFiles(tooLargePng);
    const error = page.getByTestId('recognise-error');
    await error.waitFor();
    expect(await error.textContent()).toMatch(/larger than the limit/i);
    await page.close();
  });

  it('enrols a person, recognises them in another photo, deletes them, then sees "unknown"', async () => {
    const page = await openPage(service.adminKey);
    await page.getByTestId('tab-gallery').click();
    await page.getByTestId('subjects-empty').waitFor();

    // A photo without a face is refused and leaves nobody behind.
    await page.getByTestId('enrol-name').fill('Nobody');
    await page.getByTestId('enrol-files').setInputFiles(noFacePng);
    await page.getByTestId('enrol-submit').click();
    const enrolError = page.getByTestId('enrol-error');
    await enrolError.waitFor();
    expect(await enrolError.textContent()).toMatch(/no face/i);
    await idle(page, 'panel-gallery');
    expect(await page.getByTestId('subject-row').count()).toBe(0);
    await page.getByTestId('enrol-thumb').getByRole('button').click(); // remove the faceless photo

    await page.getByTestId('enrol-name').fill('Younes');
    await page.getByTestId('enrol-files').setInputFiles(demo.db(younes));
    await page.getByTestId('enrol-submit').click();
    const row = page.locator('[data-testid="subject-row"][data-name="Younes"]');
    await row.waitFor();
    expect(await row.getByTestId('subject-faces').textContent()).toBe('1');
    expect(await enrolError.isVisible()).toBe(false);

    const labels = await recognise(page, demo.camera(younes));
    expect(labels).toHaveLength(1);
    expect(labels[0]).toMatch(/^Younes 0\.\d\d$/);
    expect(await page.getByTestId('panel-recognise').getByTestId('face-box').getAttribute('data-kind')).toBe('match');

    // Delete, with the confirmation.
    await page.getByTestId('tab-gallery').click();
    await row.getByTestId('subject-delete').click();
    const dialog = page.getByTestId('confirm-dialog');
    await dialog.waitFor();
    expect(await dialog.getByTestId('confirm-title').textContent()).toBe('Delete Younes?');
    await dialog.getByTestId('confirm-ok').click();
    await row.waitFor({ state: 'detached' });
    await page.getByTestId('subjects-empty').waitFor();

    const after = await recognise(page, demo.camera(younes));
    expect(after).toHaveLength(1);
    expect(after[0]).toMatch(/^unknown\b/);
    expect(await page.getByTestId('panel-recognise').getByTestId('face-name').textContent()).toBe('unknown');
    await page.close();
  });

  it('renames a person; cancelling the delete confirmation keeps them', async () => {
    const page = await openPage(service.adminKey);
    await page.getByTestId('tab-gallery').click();
    await page.getByTestId('enrol-name').fill('Bertrand');
    await page.getByTestId('enrol-files').setInputFiles(demo.db(bertrand));
    await page.getByTestId('enrol-submit').click();
    const row = page.locator('[data-testid="subject-row"][data-name="Bertrand"]');
    await row.waitFor();

    await row.getByTestId('subject-rename').click();
    await page.getByTestId('subject-rename-input').fill('Bertrand B.');
    await page.getByTestId('subject-rename-save').click();
    const renamed = page.locator('[data-testid="subject-row"][data-name="Bertrand B."]');
    await renamed.waitFor();

    await renamed.getByTestId('subject-delete').click();
    await page.getByTestId('confirm-cancel').click();
    await page.getByTestId('confirm-dialog').waitFor({ state: 'hidden' });
    await idle(page, 'panel-gallery');
    expect(await renamed.count()).toBe(1);

    expect(await recognise(page, demo.camera(bertrand))).toEqual([expect.stringMatching(/^Bertrand B\. /)]);
    await page.close();
  });

  it('says so on the page when camera access is refused, and photos still work', async () => {
    await browser.context.clearPermissions();
    const page = await openPage(service.adminKey);
    await page.getByTestId('tab-recognise').click();
    await page.getByTestId('recognise-camera').click();
    const error = page.getByTestId('recognise-error');
    await error.waitFor();
    expect(await error.textContent()).toMatch(/camera permission was refused/i);
    expect(await page.getByTestId('recognise-camera').getAttribute('aria-pressed')).toBe('false');
    expect(await recognise(page, demo.camera(bertrand))).toHaveLength(1);
    await page.close();
  });

  it('enrols from a webcam snapshot and names the face in the live webcam', async () => {
    await browser.context.grantPermissions(['camera']);
    const page = await openPage(service.adminKey);
    await page.getByTestId('tab-gallery').click();
    await page.getByTestId('enrol-name').fill('Younes (webcam)');
    await page.getByTestId('enrol-camera').click();
    // Polled with page.evaluate (a CDP evaluation): waitForFunction's string predicate is eval'd in
    // the page, which the page's Content-Security-Policy (no 'unsafe-eval') rightly refuses.
    const playing = `(() => {
      const v = document.querySelector('[data-testid="enrol-video"]');
      return v !== null && v.videoWidth > 0 && !v.paused;
    })()`;
    await expect.poll(() => page.evaluate(playing), { timeout: 20_000 }).toBe(true);
    await page.getByTestId('enrol-snap').click();
    await page.getByTestId('enrol-thumb').waitFor();
    await page.getByTestId('enrol-submit').click();
    const row = page.locator('[data-testid="subject-row"][data-name="Younes (webcam)"]');
    await row.waitFor();
    expect(await row.getByTestId('subject-faces').textContent()).toBe('1');
    expect(await page.getByTestId('enrol-camera-box').isVisible()).toBe(false); // the camera is off again

    await page.getByTestId('tab-recognise').click();
    await page.getByTestId('recognise-camera').click();
    const live = page.getByTestId('panel-recognise').getByTestId('face-box-label').filter({ hasText: 'Younes (webcam)' });
    await live.waitFor();
    expect(await page.getByTestId('recognise-camera').getAttribute('aria-pressed')).toBe('true');
    await page.getByTestId('recognise-camera').click(); // stop
    expect(await page.getByTestId('recognise-status').textContent()).toBe('Camera stopped.');
    expect(await page.getByTestId('recognise-video').count()).toBe(0);

    await page.getByTestId('tab-gallery').click();
    await row.getByTestId('subject-delete').click();
    await page.getByTestId('confirm-ok').click();
    await row.waitFor({ state: 'detached' });
    await page.close();
  });

  it('a recognize key sees the gallery read-only: no enrol, rename or delete controls', async () => {
    const page = await openPage(service.recognizeKey);
    expect(await page.getByTestId('session-role').textContent()).toBe('recognize');
    await page.getByTestId('tab-gallery').click();
    await page.getByTestId('gallery-readonly').waitFor();
    await idle(page, 'panel-gallery');
    expect(await page.getByTestId('enrol-form').isVisible()).toBe(false);
    expect(await page.getByTestId('subject-row').count()).toBeGreaterThan(0); // Bertrand B., from the test above
    expect(await page.getByTestId('subject-delete').count()).toBe(0);
    expect(await page.getByTestId('subject-rename').count()).toBe(0);
    // …and can still recognise.
    expect(await recognise(page, demo.camera(bertrand))).toEqual([expect.stringMatching(/^Bertrand B\. /)]);
    // Logging out forgets the key.
    await page.getByTestId('logout').click();
    await page.getByTestId('login').waitFor();
    expect(await page.evaluate('sessionStorage.length')).toBe(0);
    await page.close();
  });

  it('threw no uncaught error in any page', () => {
    expect(pageErrors).toEqual([]);
  });
});
