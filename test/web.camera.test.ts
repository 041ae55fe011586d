/**
 * The page's live camera as a push stream, in real Chromium (test/helpers/browser.ts) whose fake
 * webcam plays the test video built from the demo people's photos (test/helpers/video.ts, turned
 * into .y4m by ffmpeg from @ffmpeg-installer): the enrolled person crossing the picture is
 * tracked, named on the page once decided, and the event log shows the stream's events. The
 * service is the real one (test/helpers/web-service.ts); nothing is mocked.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveFfmpeg } from '../src/stream/source.js';
import { launchChromium, testChromium, type LaunchedBrowser } from './helpers/browser.js';
import { demoPeople } from './helpers/demo-people.js';
import { PERSON_A, PERSON_B, testVideo } from './helpers/video.js';
import { startWebService, type WebService } from './helpers/web-service.js';

const chromium = await testChromium();
const skip = chromium.skip;
const demo = await demoPeople();

describe.skipIf(skip !== undefined)(`live camera as a push stream in Chromium${skip ? ` (${skip})` : ''}`, () => {
  let service: WebService;
  let browser: LaunchedBrowser;
  let tmp: string;

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'likeness-camera-test-'));
    const y4m = path.join(tmp, 'webcam.y4m');
    await promisify(execFile)(resolveFfmpeg(), ['-hide_banner', '-loglevel', 'error', '-y', '-i', await testVideo('mp4'), '-pix_fmt', 'yuv420p', '-f', 'yuv4mpegpipe', y4m]);
    [service, browser] = await Promise.all([startWebService(), launchChromium(chromium.executable!, { fakeCamera: y4m })]);
    // Enrol the video's two people from their db photos, through the API.
    for (const p of [PERSON_A, PERSON_B]) {
      const auth = { authorization: `Bearer ${service.adminKey}` };
      const created = (await (await fetch(`${service.url}v1/subjects`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ name: p }) })).json()) as { id: string };
      const form = new FormData();
      const { readFile } = await import('node:fs/promises');
      form.append('image', new Blob([await readFile(demo.db(p))]), 'db.jpg');
      const enrol = await fetch(`${service.url}v1/subjects/${created.id}/faces`, { method: 'POST', headers: auth, body: form });
      expect(enrol.status).toBe(201);
    }
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await service?.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('tracks the webcam through a push stream: the enrolled person named on the page, the event log filled, the stream stopped with the camera', async () => {
    await browser.context.grantPermissions(['camera']);
    const page = await browser.context.newPage();
    page.setDefaultTimeout(120_000);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(service.url);
    await page.getByTestId('login-key').fill(service.recognizeKey);
    await page.getByTestId('login-submit').click();
    await page.getByTestId('panel-verify').waitFor();
    await page.getByTestId('tab-recognise').click();
    await page.getByTestId('recognise-camera').click();
    const panel = page.getByTestId('panel-recognise');
    // The video loops: each of the two people crosses the picture every 7.4 s.
    await panel.getByTestId('face-box-label').filter({ hasText: PERSON_A }).first().waitFor();
    await panel.locator('[data-testid="face-box"][data-kind="match"]').first().waitFor();
    await panel.getByTestId('stream-event').filter({ hasText: `: ${PERSON_A}` }).first().waitFor();
    const types = await panel.getByTestId('stream-event').evaluateAll((els) => els.map((e) => e.getAttribute('data-type')));
    expect(types).toContain('track');
    expect(types).toContain('identified');
    // Never the stranger named as anyone: every identified event names one of the two enrolled.
    const named = await panel.getByTestId('stream-event').filter({ hasText: /^track \d+: (?!a face|not enrolled)/ }).allTextContents();
    for (const n of named.filter((t) => !t.endsWith(' left'))) expect(n).toMatch(new RegExp(`: (${PERSON_A}|${PERSON_B}) \\(\\d+%\\)$`));
    // The stream is the page's own: stopping the camera stops it on the service.
    const streams = async () => ((await (await fetch(`${service.url}v1/streams`, { headers: { authorization: `Bearer ${service.adminKey}` } })).json()) as { streams: { state: string; kind: string }[] }).streams;
    expect((await streams()).filter((x) => x.state === 'running')).toMatchObject([{ kind: 'push' }]);
    await page.getByTestId('recognise-camera').click();
    expect(await page.getByTestId('recognise-status').textContent()).toBe('Camera stopped.');
    await expect.poll(async () => (await streams()).filter((x) => x.state === 'running').length, { timeout: 10_000 }).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  }, 300_000);
});
