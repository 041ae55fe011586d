/**
 * The README's screenshots of the web page (docs/screenshots/{verify,recognise,gallery}.png), taken
 * in Debian's Chromium against the real service on press photos from the shared data:
 *
 *   npx tsx scripts/screenshots.ts [out-dir]        # or: npm run screenshots
 *
 * Same setup as test/web.browser.test.ts: the page built by Vite, buildApp() on an ephemeral port
 * with a temporary gallery and key store (removed at the end), Chromium from
 * scripts/browser/ensure-chromium.sh. The photos are read from $LIKENESS_DATA (default
 * ../shared/data), never copied into the repository.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { launchChromium, testChromium } from '../test/helpers/browser.js';
import { dataPath, ROOT } from '../test/helpers/data.js';
import { startWebService } from '../test/helpers/web-service.js';

const out = path.resolve(process.argv[2] ?? path.join(ROOT, 'docs', 'screenshots'));
const press = (...p: string[]): string => dataPath('press-photos', ...p);
const photos = {
  obamaA: press('images', 'barack_obama', 'examples__obama.jpg'),
  obamaB: press('images', 'barack_obama', 'examples__knn_examples__test__obama1.jpg'),
  obamaC: press('images', 'barack_obama', 'examples__obama2.jpg'),
  kit: press('images', 'kit_harington', 'examples__knn_examples__train__kit_harington__john1.jpeg'),
  rose: press('images', 'rose_leslie', 'examples__knn_examples__train__rose_leslie__img1.jpg'),
  lin: press('images', 'lin_manuel_miranda', 'examples__lin-manuel-miranda.png'),
  obamaAndBiden: press('unlabelled', 'obama_and_biden.jpg'),
};
const missing = Object.values(photos).filter((p) => !existsSync(p));
if (missing.length) {
  console.error(`screenshots: the press photos are absent (${missing.join(', ')}); set LIKENESS_DATA to the shared data folder`);
  process.exit(1);
}
const chromium = await testChromium();
if (!chromium.executable) {
  console.error(chromium.skip);
  process.exit(1);
}

await mkdir(out, { recursive: true });
const service = await startWebService();
const browser = await launchChromium(chromium.executable, { viewport: { width: 1100, height: 760 } });
/** A full-page screenshot as a palette PNG (a third of the size of the browser's RGB one). */
async function shoot(page: Page, name: string): Promise<void> {
  const png = await page.screenshot({ fullPage: true });
  await sharp(png).png({ palette: true, quality: 90, effort: 10 }).toFile(path.join(out, `${name}.png`));
}
const idle = (page: Page, panel: string) => page.waitForSelector(`[data-testid="${panel}"]:not([aria-busy])`);
try {
  const page = await browser.context.newPage();
  page.setDefaultTimeout(30_000);
  await page.goto(service.url);
  await page.getByTestId('login-key').fill(service.adminKey);
  await page.getByTestId('login-submit').click();

  // Gallery: four people, one of them from two photos.
  await page.getByTestId('tab-gallery').click();
  for (const [name, files] of [
    ['Barack Obama', [photos.obamaA, photos.obamaC]],
    ['Kit Harington', [photos.kit]],
    ['Rose Leslie', [photos.rose]],
    ['Lin-Manuel Miranda', [photos.lin]],
  ] as const) {
    await page.getByTestId('enrol-name').fill(name);
    await page.getByTestId('enrol-files').setInputFiles([...files]);
    await page.getByTestId('enrol-submit').click();
    await page.locator(`[data-testid="subject-row"][data-name="${name}"]`).waitFor();
    await idle(page, 'panel-gallery');
  }
  await page.mouse.move(0, 0);
  await shoot(page, 'gallery');

  // Verify: two photos of one man.
  await page.getByTestId('tab-verify').click();
  await page.getByTestId('verify-file-1').setInputFiles(photos.obamaA);
  await page.getByTestId('verify-file-2').setInputFiles(photos.obamaB);
  await page.getByTestId('verify-result').waitFor();
  await idle(page, 'panel-verify');
  await shoot(page, 'verify');

  // Recognise: one enrolled face and one stranger in the same photo.
  await page.getByTestId('tab-recognise').click();
  await page.getByTestId('recognise-file').setInputFiles(photos.obamaAndBiden);
  await idle(page, 'panel-recognise');
  await page.getByTestId('face-item').first().waitFor();
  await shoot(page, 'recognise');
  console.log(`screenshots in ${path.relative(process.cwd(), out) || '.'}: gallery.png, verify.png, recognise.png`);
} finally {
  await browser.close();
  await service.close();
}
