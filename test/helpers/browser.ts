/**
 * Debian's Chromium for the real-browser tests, driven by playwright-core (its own browser
 * download needs the internet beyond the Debian and npm mirrors). scripts/browser/ensure-chromium.sh
 * prints the browser's path, installing the `chromium` package first when it is missing and this
 * is root with apt; it runs once per test process. Where Chromium cannot be had, the tests skip
 * with the script's reason, printed here. LIKENESS_CHROMIUM=/path/to/chrome uses that binary.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import sharp from 'sharp';
import { ROOT } from './data.js';

export interface TestChromium {
  /** The browser executable, when there is one. */
  executable?: string;
  /** Why there is none. */
  skip?: string;
}

const SCRIPT = path.join(ROOT, 'scripts', 'browser', 'ensure-chromium.sh');
let found: Promise<TestChromium> | undefined;

/** The flags of every run: headless, no sandbox (CI runs as root), nothing fetched from the network. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
  '--disable-dev-shm-usage',
];

function run(timeoutMs: number): Promise<TestChromium> {
  return new Promise((resolve) => {
    execFile('bash', [SCRIPT], { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const executable = stdout.trim().split('\n').pop() ?? '';
      if (!err && executable.startsWith('/')) return resolve({ executable });
      const reason =
        stderr
          .split('\n')
          .filter((l) => l.startsWith('cannot install chromium'))
          .pop() ??
        (err && (err as { killed?: boolean }).killed
          ? `cannot install chromium: the script did not finish within ${Math.round(timeoutMs / 1000)} s`
          : `cannot install chromium: ${(err?.message ?? stderr).trim().split('\n').pop()}`);
      const skip = `browser tests skipped: ${reason} (scripts/browser/ensure-chromium.sh)`;
      process.stderr.write(`\n*** ${skip}\n`);
      resolve({ skip });
    });
  });
}

/** Finds (or installs) Chromium; resolves with its path or a skip reason, never rejects. */
export function testChromium(timeoutMs = 10 * 60_000): Promise<TestChromium> {
  found ??= run(timeoutMs);
  return found;
}

export interface LaunchedBrowser {
  /** The browser's one context (its profile is a fresh folder); open pages with context.newPage(). */
  context: BrowserContext;
  /** Closes the browser and removes its profile folder. */
  close(): Promise<void>;
}

/**
 * Launches Chromium headless with a fresh profile folder (its --user-data-dir, removed by close()).
 * Each page has its own sessionStorage, so pages of one context log in independently.
 */
export async function launchChromium(
  executable: string,
  options: {
    viewport?: { width: number; height: number };
    /** A .y4m video (see fakeCameraVideo) that Chromium shows as its webcam; camera access still needs context.grantPermissions(['camera']). */
    fakeCamera?: string;
  } = {},
): Promise<LaunchedBrowser> {
  const profile = await mkdtemp(path.join(os.tmpdir(), 'likeness-chromium-'));
  const args = [...CHROMIUM_ARGS];
  if (options.fakeCamera) args.push('--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${options.fakeCamera}`);
  let context: BrowserContext;
  try {
    // playwright passes the folder to Chromium as --user-data-dir (it refuses the flag in args).
    context = await chromium.launchPersistentContext(profile, {
      executablePath: executable,
      headless: true,
      args,
      timeout: 60_000,
      viewport: options.viewport ?? { width: 1200, height: 900 },
      locale: 'en-GB',
      timezoneId: 'UTC',
      colorScheme: 'light',
      reducedMotion: 'reduce',
    });
  } catch (e) {
    await rm(profile, { recursive: true, force: true });
    throw e;
  }
  return {
    context,
    async close() {
      await context.close().catch(() => undefined);
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/**
 * A still photo as a short Y4M video (YUV 4:2:0, what Chromium's fake webcam plays in a loop), so the
 * page's webcam features run on a known face in a browser without a camera.
 */
export async function fakeCameraVideo(image: string, out: string, size = 320): Promise<void> {
  const w = size - (size % 2);
  const h = w;
  const { data } = await sharp(image).resize(w, h, { fit: 'cover' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const byte = (v: number): number => Math.max(0, Math.min(255, Math.round(v)));
  const y = Buffer.alloc(w * h);
  const u = Buffer.alloc((w * h) / 4);
  const v = Buffer.alloc((w * h) / 4);
  for (let i = 0; i < w * h; i++) y[i] = byte(0.299 * data[3 * i]! + 0.587 * data[3 * i + 1]! + 0.114 * data[3 * i + 2]!);
  for (let r = 0; r < h; r += 2) {
    for (let c = 0; c < w; c += 2) {
      let red = 0;
      let green = 0;
      let blue = 0;
      for (const [dr, dc] of [[0, 0], [0, 1], [1, 0], [1, 1]] as const) {
        const i = 3 * ((r + dr) * w + c + dc);
        red += data[i]! / 4;
        green += data[i + 1]! / 4;
        blue += data[i + 2]! / 4;
      }
      const j = (r / 2) * (w / 2) + c / 2;
      u[j] = byte(128 - 0.168736 * red - 0.331264 * green + 0.5 * blue);
      v[j] = byte(128 + 0.5 * red - 0.418688 * green - 0.081312 * blue);
    }
  }
  const frame = Buffer.concat([Buffer.from('FRAME\n'), y, u, v]);
  await writeFile(out, Buffer.concat([Buffer.from(`YUV4MPEG2 W${w} H${h} F10:1 Ip A1:1 C420jpeg\n`), frame, frame]));
}
