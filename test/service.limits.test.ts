/**
 * Every limit of the HTTP service, each on its own small service (one worker) configured so the limit
 * is reached deterministically: upload size (multipart and base64) → 413 E_TOO_LARGE, pixel count →
 * 413 E_IMAGE_TOO_LARGE, faces per image → 422 E_TOO_MANY_FACES, images per request → 413, request
 * time → 503 E_TIMEOUT, per-key rate → 429 E_RATE_LIMITED, full queue → 503 E_BUSY + Retry-After.
 */
import { statSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { b64, DEMO, dbPhoto, form, GROUP, LARGE, PEOPLE, startService, type RunningService } from './helpers/service.js';

const kian = PEOPLE[0]!;
let s: RunningService | undefined;
afterEach(async () => {
  await s?.close();
  s = undefined;
});

describe('HTTP service limits', () => {
  it('upload size: 413 E_TOO_LARGE for a multipart file or a base64 image over the limit; images per request', async () => {
    s = await startService({ maxUploadBytes: 100_000, maxImages: 2 });
    expect(statSync(LARGE).size).toBeGreaterThan(100_000);
    const big = await s.call('POST', '/v1/detect', { key: s.recognize, form: form({ image: LARGE }) });
    expect(big).toMatchObject({ status: 413, body: { error: { code: 'E_TOO_LARGE' } } });
    const bigJson = await s.call('POST', '/v1/detect', { key: s.recognize, json: { image: b64(LARGE) } });
    expect(bigJson).toMatchObject({ status: 413, body: { error: { code: 'E_TOO_LARGE' } } });
    const huge = await s.call('POST', '/v1/detect', { key: s.recognize, json: { image: 'A'.repeat(2_000_000) } });
    expect(huge).toMatchObject({ status: 413, body: { error: { code: 'E_TOO_LARGE' } } });
    expect((await s.call('POST', '/v1/detect', { key: s.recognize, form: form({ image: dbPhoto(kian) }) })).status).toBe(200);
    const created = await s.call('POST', '/v1/subjects', { key: s.admin, json: { name: kian } });
    const three = await s.call('POST', `/v1/subjects/${created.body.id}/faces`, { key: s.admin, json: { images: [b64(dbPhoto(kian)), b64(dbPhoto(kian)), b64(dbPhoto(kian))] } });
    expect(three).toMatchObject({ status: 413, body: { error: { code: 'E_TOO_LARGE' } } });
  });

  it('pixel count: 413 E_IMAGE_TOO_LARGE, read from the header; faces per image: 422 E_TOO_MANY_FACES', async () => {
    s = await startService({ maxPixels: 1_000_000, maxFaces: 1 });
    const big = await s.call('POST', '/v1/identify', { key: s.recognize, form: form({ image: GROUP }) });
    expect(big).toMatchObject({ status: 413, body: { error: { code: 'E_IMAGE_TOO_LARGE' } } });
    expect(big.body.error.message).toMatch(/1920×1537/);
    // A 2-face photo under 1 MP: 900×520.
    const two = await s.call('POST', '/v1/detect', { key: s.recognize, json: { image: b64(DEMO.two) } });
    expect(two).toMatchObject({ status: 422, body: { error: { code: 'E_TOO_MANY_FACES' } } });
    expect((await s.call('POST', '/v1/detect', { key: s.recognize, json: { image: b64(dbPhoto(kian)) } })).status).toBe(200);
  });

  it('request time: 503 E_TIMEOUT with Retry-After when the work takes longer than the limit', async () => {
    s = await startService({ timeoutMs: 40 });
    const slow = await s.call('POST', '/v1/detect', { key: s.recognize, form: form({ image: GROUP }) });
    expect(slow).toMatchObject({ status: 503, body: { error: { code: 'E_TIMEOUT' } } });
    expect(Number(slow.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await s.call('GET', '/metrics')).body).toMatch(/likeness_requests_rejected_total\{reason="timeout"\} 1/);
  });

  it('rate limit per key: 429 E_RATE_LIMITED with Retry-After; another key is not affected', async () => {
    s = await startService({ rateLimit: 3, rateWindowMs: 60_000 });
    for (let i = 0; i < 3; i++) expect((await s.call('GET', '/v1/session', { key: s.recognize })).status).toBe(200);
    const limited = await s.call('GET', '/v1/session', { key: s.recognize });
    expect(limited).toMatchObject({ status: 429, body: { error: { code: 'E_RATE_LIMITED' } } });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await s.call('POST', '/v1/detect', { key: s.recognize, json: { image: b64(dbPhoto(kian)) } })).status).toBe(429);
    expect((await s.call('GET', '/v1/session', { key: s.admin })).status).toBe(200);
    expect((await s.call('GET', '/health')).status).toBe(200);
  });

  it('queue full: 503 E_BUSY with Retry-After at once, never a hang; the admitted requests complete', async () => {
    s = await startService({ workers: 1, queue: 1 });
    const t0 = Date.now();
    const answers = await Promise.all(Array.from({ length: 6 }, () => s!.call('POST', '/v1/verify', { key: s!.recognize, form: form({ image1: GROUP, image2: LARGE }) })));
    const ok = answers.filter((a) => a.status === 200);
    const busy = answers.filter((a) => a.status === 503);
    // Each verify needs two images: with one worker and one queue slot, one request at a time fits.
    expect(ok.length).toBeGreaterThanOrEqual(1);
    expect(busy.length).toBeGreaterThanOrEqual(3);
    expect(ok.length + busy.length).toBe(6);
    for (const b of busy) {
      expect(b.body.error.code).toBe('E_BUSY');
      expect(Number(b.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }
    expect(Date.now() - t0).toBeLessThan(20_000);
    expect((await s.call('GET', '/metrics')).body).toMatch(/likeness_requests_rejected_total\{reason="busy"\} [3-6]/);
    // Once the work is done, the service takes requests again.
    expect((await s.call('POST', '/v1/detect', { key: s.recognize, json: { image: b64(dbPhoto(kian)) } })).status).toBe(200);
  });
});
