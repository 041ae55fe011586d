/**
 * The People view in a real browser (Debian's Chromium, as test/web.browser.test.ts), against the
 * real service serving a library clustered from the demo people's real photos: ten people with
 * thumbnails cut from the original photos, naming one, merging two.
 */
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterLibrary, scanPhotos } from '../src/cluster/library.js';
import { initGallery } from '../src/cluster/people.js';
import { openLibrary } from '../src/gallery/library-open.js';
import { openGallery } from '../src/gallery/open.js';
import { launchChromium, testChromium, type LaunchedBrowser } from './helpers/browser.js';
import { camera, dbPhoto, PEOPLE, startService, type RunningService } from './helpers/service.js';
import { buildWebPage } from './helpers/web-service.js';

const chromium = await testChromium();
const skip = chromium.skip;

describe.skipIf(skip !== undefined)(`People view in Chromium${skip ? ` (${skip})` : ''}`, () => {
  let s: RunningService;
  let browser: LaunchedBrowser;
  let pageDir: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'likeness-people-web-'));
    const db = path.join(dir, 'gallery.sqlite');
    const gallery = await openGallery(db);
    await initGallery(gallery);
    const library = await openLibrary(db);
    await scanPhotos(PEOPLE.flatMap((p) => [dbPhoto(p), camera(p)]), library, {}, { progress: false });
    await clusterLibrary(library);
    await library.close();
    await gallery.close();
    pageDir = path.join(dir, 'page');
    await buildWebPage(pageDir);
    [s, browser] = await Promise.all([startService({ db, webDir: pageDir }), launchChromium(chromium.executable!)]);
  });
  afterAll(async () => {
    await browser?.close();
    await s?.close();
    if (pageDir) await rm(pageDir, { recursive: true, force: true });
  });

  async function openPeople(key: string): Promise<Page> {
    const page = await browser.context.newPage();
    page.setDefaultTimeout(20_000);
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(s.base);
    await page.getByTestId('login-key').fill(key);
    await page.getByTestId('login-submit').click();
    await page.getByTestId('panel-verify').waitFor();
    await page.getByTestId('tab-people').click();
    await page.getByTestId('people-person').first().waitFor();
    return page;
  }

  it('shows the ten people with their face thumbnails, names one and merges two', async () => {
    const page = await openPeople(s.admin);
    expect(await page.getByTestId('people-person').count()).toBe(10);
    // every thumbnail is a 160 px JPEG cut by the service from the original photo
    // polled with page.evaluate (a CDP evaluation): waitForFunction's string predicate is eval'd in
    // the page, which its Content-Security-Policy refuses
    const thumbs = '[...document.querySelectorAll(\'[data-testid="people-face"]\')].every((i) => i.complete && i.naturalWidth === 160)';
    await expect.poll(() => page.evaluate(thumbs), { timeout: 20_000 }).toBe(true);
    expect(await page.getByTestId('people-face').count()).toBe(20);
    const first = page.getByTestId('people-person').first();
    await first.getByTestId('people-name-input').fill('Dora');
    await first.getByTestId('people-name').click();
    await page.getByText('Dora', { exact: false }).first().waitFor();
    const names = await s.call('GET', '/v1/subjects', { key: s.recognize });
    expect(names.body.subjects.map((x: { name: string }) => x.name)).toContain('Dora');
    // merge the second person into the first
    const second = page.getByTestId('people-person').nth(1);
    await second.getByTestId('people-merge').click();
    await expect.poll(() => page.evaluate('document.querySelectorAll(\'[data-testid="people-person"]\').length'), { timeout: 20_000 }).toBe(9);
    expect(pageErrors).toEqual([]);
  });
});
