/**
 * Hostile and malformed requests to the HTTP service (an outside probe's findings): every one gets a
 * 4xx `{"error":{"code","message"}}` answer, never a 500, and nothing secret reaches the log. Images
 * are generated with sharp at test time, so this runs on a fresh clone.
 */
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService, type RunningService } from './helpers/service.js';

let s: RunningService;
const log: string[] = [];
let grey: string;

beforeAll(async () => {
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => log.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
  s = await startService({ maxUploadBytes: 100_000, maxImages: 10 }, { logStream: stream });
  grey = (await sharp({ create: { width: 64, height: 64, channels: 3, background: { r: 128, g: 128, b: 128 } } }).png().toBuffer()).toString('base64');
});
afterAll(async () => {
  await s?.close();
});

describe('HTTP service: hostile requests', () => {
  it('body size is limited per route from what it takes; unknown properties are refused, not dropped', async () => {
    // 300 KB is less than the 10 images enrolment takes, but more than a subject's name and metadata.
    const pad = 'x'.repeat(300_000);
    const subject = await s.call('POST', '/v1/subjects', { key: s.admin, json: { name: 'a', metadata: { pad } } });
    expect(subject).toMatchObject({ status: 413, body: { error: { code: 'E_TOO_LARGE' } } });
    // One image's worth (≈133 KB in base64) for detect, not ten.
    const detect = await s.call('POST', '/v1/detect', { key: s.recognize, json: { image: grey, pad } });
    expect(detect).toMatchObject({ status: 413, body: { error: { code: 'E_TOO_LARGE' } } });
    // Enrolment still takes several images.
    const created = await s.call('POST', '/v1/subjects', { key: s.admin, json: { name: 'several' } });
    expect(created.status).toBe(201);
    const three = await s.call('POST', `/v1/subjects/${created.body.id}/faces`, { key: s.admin, json: { images: [grey, grey, grey] } });
    expect(three).toMatchObject({ status: 422, body: { error: { code: 'E_NO_FACE' } } });

    for (const [url, key, json] of [
      ['/v1/detect', s.recognize, { image: grey, extra: 1 }],
      ['/v1/verify', s.recognize, { image1: grey, image2: grey, imgae: grey }],
      ['/v1/subjects', s.admin, { name: 'b', role: 'admin' }],
      [`/v1/subjects/${created.body.id}/faces`, s.admin, { images: [grey], name: 'c' }],
    ] as const) {
      const r = await s.call('POST', url, { key, json });
      expect(r, url).toMatchObject({ status: 400, body: { error: { code: 'E_BAD_REQUEST' } } });
    }
    const patch = await s.call('PATCH', `/v1/subjects/${created.body.id}`, { key: s.admin, json: { name: 'd', faceCount: 3 } });
    expect(patch).toMatchObject({ status: 400, body: { error: { code: 'E_BAD_REQUEST' } } });
    expect((await s.call('GET', `/v1/subjects/${created.body.id}`, { key: s.admin })).body.name).toBe('several');
  });

  it('list paging beyond the bounds is 400, not a store error (limit=1e20, offset=99999999999999999999)', async () => {
    for (const q of ['limit=1e20', 'offset=99999999999999999999', 'limit=1000001', 'offset=1e300', 'limit=0', 'limit=-1', 'limit=1.5']) {
      const r = await s.call('GET', `/v1/subjects?${q}`, { key: s.recognize });
      expect(r, q).toMatchObject({ status: 400, body: { error: { code: 'E_BAD_REQUEST' } } });
    }
    expect((await s.call('GET', '/v1/subjects?limit=1000000&offset=1000000000', { key: s.recognize })).status).toBe(200);
    // The library refuses them too (InvalidOptionError), before the store sees them.
    await expect(s.app.service.gallery.store.listSubjects({ offset: 1e20 })).rejects.toMatchObject({ code: 'E_INVALID_OPTION' });
  });

  it('malformed multipart bodies are 400 E_BAD_REQUEST, not 500', async () => {
    const cases: [string, string][] = [
      ['multipart/form-data; boundary=XX', 'garbage'],
      ['multipart/form-data; boundary=XX', '--XX\r\nContent-Disposition: form-data; name="image"; filename="a.jpg"\r\n\r\nnot the end'],
      ['multipart/form-data; boundary=XX', '--XX\r\nno header end'],
      ['multipart/form-data', 'garbage'],
      ['multipart/form-data; boundary=', '--\r\n'],
    ];
    for (const url of ['/v1/detect', '/v1/verify']) {
      for (const [type, body] of cases) {
        const r = await s.call('POST', url, { key: s.recognize, headers: { 'content-type': type }, body });
        expect(r, `${url} ${type} ${JSON.stringify(body)}`).toMatchObject({ status: 400, body: { error: { code: 'E_BAD_REQUEST' } } });
      }
    }
    expect(log.filter((l) => l.includes('internal error'))).toEqual([]);
  });

  it('a client that disconnects mid-upload is logged as a client abort (info), not an internal error', async () => {
    const before = log.length;
    const { port } = new URL(s.base);
    for (const type of ['multipart/form-data; boundary=XX', 'application/json']) {
      await new Promise<void>((resolve) => {
        const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/v1/detect', headers: { authorization: `Bearer ${s.recognize}`, 'content-type': type, 'content-length': '90000' } });
        req.on('error', () => resolve());
        req.write(type.startsWith('multipart') ? '--XX\r\nContent-Disposition: form-data; name="image"; filename="a.jpg"\r\n\r\n' + 'x'.repeat(20_000) : `{"image":"${'A'.repeat(20_000)}`);
        setTimeout(() => {
          req.destroy();
          resolve();
        }, 200);
      });
    }
    // The log line of an abort arrives once the server has noticed.
    const until = Date.now() + 5000;
    while (log.slice(before).filter((l) => l.includes("client aborted")).length < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    const lines = log.slice(before).map((l) => JSON.parse(l) as { level: number; msg: string; status?: number });
    expect(lines.filter((l) => l.msg === 'client aborted')).toHaveLength(2);
    expect(lines.every((l) => l.level <= 30), JSON.stringify(lines)).toBe(true);
    expect(lines.filter((l) => l.msg === 'internal error' || (l.status ?? 0) >= 500)).toEqual([]);
    const metrics = (await s.call('GET', '/metrics')).body as string;
    expect(metrics).not.toMatch(/status="5\d\d"/);
  });

  it('a key sent in a query string never reaches the log', async () => {
    const before = log.length;
    const secret = s.recognize;
    for (const q of [`api_key=${secret}`, `limit=2&apiKey=${encodeURIComponent(secret)}`, `token=abc&x=${secret}`, `a%70i_key=${secret}`, `limit=1`]) {
      await s.call('GET', `/v1/subjects?${q}`, { key: s.recognize });
    }
    await s.call('GET', `/v1/subjects/${secret}`, { key: s.recognize });
    await new Promise((r) => setTimeout(r, 100));
    const lines = log.slice(before).join('\n');
    expect(lines).not.toContain(secret.slice(12));
    expect(lines).not.toContain('abc');
    expect(lines).toContain('"url":"/v1/subjects?api_key=***"');
    expect(lines).toContain('"url":"/v1/subjects?limit=1"');
  });

  it('verify refuses encodings that are not unit vectors: all zeros, nulls, huge or non-finite values (422), and non-numbers (400)', async () => {
    const dims = s.app.service.encoder.embedder.spec.outputSize;
    const unit = (i: number): number[] => Array.from({ length: dims }, (_, j) => (j === i ? 1 : 0));
    const zeros = Array.from({ length: dims }, () => 0);
    const verify = (encoding1: unknown, encoding2: unknown, body?: string) =>
      s.call('POST', '/v1/verify', { key: s.recognize, ...(body === undefined ? { json: { encoding1, encoding2 } } : { body, headers: { 'content-type': 'application/json' } }) });
    for (const [a, b] of [
      [zeros, zeros],
      [unit(0), zeros],
      [unit(0).map((x) => x * 1000), unit(1).map((x) => x * 1000)],
      [unit(0).map((x) => x * 1.01), unit(0)],
    ]) {
      expect(await verify(a, b)).toMatchObject({ status: 422, body: { error: { code: 'E_INVALID_ENCODING' } } });
    }
    // JSON can say 1e999 (Infinity when parsed): the schema refuses it as not a number; 1e39 overflows float32.
    const inf = `[1e999${',0'.repeat(dims - 1)}]`;
    expect(await verify(undefined, undefined, `{"encoding1":${inf},"encoding2":${JSON.stringify(unit(0))}}`)).toMatchObject({ status: 400, body: { error: { code: 'E_BAD_REQUEST' } } });
    expect(await verify([1e39, ...unit(0).slice(1)], unit(0))).toMatchObject({ status: 422, body: { error: { code: 'E_INVALID_ENCODING' } } });
    const nulls = Array.from({ length: dims }, () => null);
    expect(await verify(nulls, nulls)).toMatchObject({ status: 400, body: { error: { code: 'E_BAD_REQUEST' } } });
    expect(await verify([null, ...unit(0).slice(1)], unit(0))).toMatchObject({ status: 400, body: { error: { code: 'E_BAD_REQUEST' } } });
    // Unit encodings (within the gallery's tolerance) are compared.
    const ok = await verify(unit(0).map((x) => x * 1.0004), unit(1));
    expect(ok).toMatchObject({ status: 200, body: { verified: false } });
    expect(ok.body.distance).toBeGreaterThan(ok.body.threshold);
    expect(await verify(unit(0), unit(0))).toMatchObject({ status: 200, body: { verified: true, distance: 0 } });
  });

  it('the web page is sent with a Content-Security-Policy and X-Frame-Options (built page and fallback)', async () => {
    const check = (h: Headers, what: string): void => {
      expect(h.get('content-security-policy'), what).toMatch(/default-src 'self'/);
      expect(h.get('content-security-policy'), what).toMatch(/frame-ancestors 'none'/);
      expect(h.get('x-frame-options'), what).toBe('DENY');
      expect(h.get('x-content-type-options'), what).toBe('nosniff');
    };
    const page = await s.call('GET', '/');
    expect(page.status).toBe(200);
    check(page.headers, '/');
    const script = /src="\.?\/?(assets\/[^"]+\.js)"/.exec(page.body as string)?.[1];
    if (script) check((await s.call('GET', `/${script}`)).headers, script);
    const bare = await startService({ webDir: path.join(os.tmpdir(), 'likeness-no-web-page') });
    try {
      const r = await bare.call('GET', '/');
      expect(r.status).toBe(200);
      check(r.headers, 'fallback /');
    } finally {
      await bare.close();
    }
  });
});
