/**
 * The page's Liveness check tab in Chromium (as test/web.browser.test.ts: Debian's Chromium, skipped
 * with the reason where it cannot be installed) against the real service, with Chromium's fake
 * webcam playing a Y4M video made from one real face (face-api's demo sample2.jpg): first the still
 * face alone (the challenge must fail), then a loop of frontal, turned-left, frontal, turned-right
 * frames made by the horizontal warp proxy of test/helpers/liveness-frames.ts (the challenge, a
 * random turn either way, must pass).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Likeness } from '../src/likeness.js';
import type { RgbImage } from '../src/types.js';
import { launchChromium, testChromium, type LaunchedBrowser } from './helpers/browser.js';
import { FACEAPI_DEMO } from './helpers/data.js';
import { faceCrop, turned } from './helpers/liveness-frames.js';
import { startWebService, type WebService } from './helpers/web-service.js';

const chromium = await testChromium();
const skip = chromium.skip;

/** Frames (each held `repeat` times) as a Y4M video at 10 fps, 4:2:0. */
async function y4m(frames: RgbImage[], repeat: number, out: string): Promise<void> {
  const w = frames[0]!.width, h = frames[0]!.height;
  const byte = (v: number): number => Math.max(0, Math.min(255, Math.round(v)));
  const parts: Buffer[] = [Buffer.from(`YUV4MPEG2 W${w} H${h} F10:1 Ip A1:1 C420jpeg\n`)];
  for (const f of frames) {
    const d = f.data;
    const y = Buffer.alloc(w * h), u = Buffer.alloc((w * h) / 4), v = Buffer.alloc((w * h) / 4);
    for (let i = 0; i < w * h; i++) y[i] = byte(0.299 * d[3 * i]! + 0.587 * d[3 * i + 1]! + 0.114 * d[3 * i + 2]!);
    for (let r = 0; r < h; r += 2)
      for (let c = 0; c < w; c += 2) {
        const i = 3 * (r * w + c);
        const j = (r / 2) * (w / 2) + c / 2;
        u[j] = byte(128 - 0.168736 * d[i]! - 0.331264 * d[i + 1]! + 0.5 * d[i + 2]!);
        v[j] = byte(128 + 0.5 * d[i]! - 0.418688 * d[i + 1]! - 0.081312 * d[i + 2]!);
      }
    const frame = Buffer.concat([Buffer.from('FRAME\n'), y, u, v]);
    for (let k = 0; k < repeat; k++) parts.push(frame);
  }
  await writeFile(out, Buffer.concat(parts));
}

describe.skipIf(skip !== undefined)(`Liveness check tab in Chromium${skip ? ` (${skip})` : ''}`, () => {
  let service: WebService;
  let tmp: string;
  const browsers: LaunchedBrowser[] = [];
  let still: string;
  let turning: string;

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'likeness-liveness-web-'));
    const likeness = await Likeness.create();
    const crop = await faceCrop(likeness, path.join(FACEAPI_DEMO, 'sample2.jpg'), 320);
    const lm = (await likeness.detect(crop)).faces[0]!.landmarks!;
    const w = lm[16]!.x - lm[0]!.x;
    const warp = (k: number): RgbImage => turned(crop, lm[0]!.x, lm[30]!.x, lm[16]!.x, k * w);
    still = path.join(tmp, 'still.y4m');
    turning = path.join(tmp, 'turning.y4m');
    await y4m([crop], 2, still);
    // 1 s each, two frontal-ish poses and a turn each way. Landmark yaw of these warps of the 320 px
    // crop (measured): k = -0.15 → -0.12, 0.1 → +0.33, 0 → +0.14, -0.3 → -0.38 (-0.45 loses the face,
    // 0.25 folds back to -0.37). A turn is judged from the frontal frame furthest the other way, so
    // both random challenges see a change ≥ 0.45, above the 0.35 needed.
    await y4m([warp(-0.15), warp(0.1), warp(0), warp(-0.3)], 10, turning);
    // A loaded CI machine answers frames slowly: the turn gets a minute, not the default 20 s.
    service = await startWebService({ challengeTimeoutMs: 60_000 });
  }, 300_000);

  afterAll(async () => {
    for (const b of browsers) await b.close();
    await service?.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  async function check(camera: string): Promise<{ state: string; text: string; task: string }> {
    const browser = await launchChromium(chromium.executable!, { fakeCamera: camera });
    browsers.push(browser);
    await browser.context.grantPermissions(['camera']);
    const page = await browser.context.newPage();
    page.setDefaultTimeout(90_000);
    // What the service saw of each frame (for the failure message): yaw, or no face.
    const seen: string[] = [];
    page.on('response', (res) => {
      if (!/\/v1\/liveness\/challenges\/[^/]+\/frames$/.test(res.url())) return;
      void res.json().then((j: { yaw?: number | null }) => seen.push(j.yaw == null ? '-' : j.yaw.toFixed(2)), () => undefined);
    });
    await page.goto(service.url);
    await page.getByTestId('login-key').fill(service.recognizeKey);
    await page.getByTestId('login-submit').click();
    await page.getByTestId('panel-verify').waitFor();
    await page.getByTestId('tab-liveness').click();
    await page.getByTestId('panel-liveness').waitFor();
    await page.getByTestId('liveness-start').click();
    await page.waitForSelector('[data-testid="liveness-verdict"][data-state="passed"], [data-testid="liveness-verdict"][data-state="failed"]');
    const verdict = page.getByTestId('liveness-verdict');
    return { state: (await verdict.getAttribute('data-state')) ?? '', text: `${(await verdict.textContent()) ?? ''} (yaws seen: ${seen.join(' ')})`, task: (await page.getByTestId('liveness-task').textContent()) ?? '' };
  }

  it('a still face on the webcam does not pass: the challenge fails', async () => {
    const r = await check(still);
    expect(r.task).toMatch(/turn your head/);
    expect(r).toMatchObject({ state: 'failed' });
    expect(r.text).toMatch(/^Failed: (the challenge timed out|too many frames)/);
  }, 180_000);

  it('a face that turns both ways on the webcam passes the random turn', { timeout: 180_000 }, async () => {
    const r = await check(turning);
    expect(r, r.text).toMatchObject({ state: 'passed' });
  });
});
