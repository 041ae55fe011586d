/**
 * The HTTP API end to end: the real service on an ephemeral port with a temp SQLite gallery, the
 * seed exercise through it on the demo-photo people (test/helpers/demo-people.ts: enrol the ten
 * <name>_db photos, a person's camera photo → that person, a stranger → unknown), every route in its multipart and base64-JSON forms, roles, errors, the OpenAPI document,
 * metrics, erasure on delete (raw file bytes) and a log free of encodings and keys.
 */
import { existsSync, readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { b64, camera, dbPhoto, form, GROUP, PEOPLE, startService, STRANGER, type RunningService } from './helpers/service.js';

// The roles the seed exercise's people played: younes is identified and deleted, kian receives
// extra faces, tian's photo is added to kian and removed, andrew is a bystander.
const [andrew, younes, kian, benoit, tian, bertrand, arnaud] = PEOPLE as [string, string, string, string, string, string, string];
const size = async (f: string) => {
  const m = await sharp(f).metadata();
  return { width: m.width, height: m.height };
};
let s: RunningService;
let log = '';
const ids = new Map<string, string>();

const rawBytes = (file: string): Buffer => Buffer.concat([file, `${file}-wal`].filter((f) => existsSync(f)).map((f) => readFileSync(f)));
const f32 = (v: number[]): Buffer => Buffer.from(Float32Array.from(v).buffer);

beforeAll(async () => {
  const logStream = new Writable({
    write(chunk, _enc, cb) {
      log += String(chunk);
      cb();
    },
  });
  s = await startService({}, { logStream });
});
afterAll(async () => {
  await s?.close();
});

describe('HTTP API', () => {
  it('answers /health and /ready without a key', async () => {
    expect(await s.call('GET', '/health')).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(await s.call('GET', '/ready')).toMatchObject({ status: 200, body: { status: 'ready', checks: { models: true, store: true } } });
  });

  it('checks keys and roles: 401 without or with a wrong key, 403 for a recognize key on admin routes', async () => {
    expect(await s.call('GET', '/v1/session', { key: s.admin })).toMatchObject({ status: 200, body: { role: 'admin' } });
    expect(await s.call('GET', '/v1/session', { key: s.recognize })).toMatchObject({ status: 200, body: { role: 'recognize' } });
    const none = await s.call('GET', '/v1/session');
    expect(none).toMatchObject({ status: 401, body: { error: { code: 'E_UNAUTHORIZED' } } });
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    const forged = s.admin.slice(0, -4) + (s.admin.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    expect((await s.call('GET', '/v1/session', { key: forged })).status).toBe(401);
    expect((await s.call('POST', '/v1/detect', { key: 'lk_nonsense', json: { image: b64(STRANGER) } })).status).toBe(401);
    expect(await s.call('POST', '/v1/subjects', { key: s.recognize, json: { name: 'x' } })).toMatchObject({ status: 403, body: { error: { code: 'E_FORBIDDEN' } } });
    expect((await s.call('POST', '/v1/subjects', { json: { name: 'x' } })).status).toBe(401);
    expect((await s.call('GET', '/v1/subjects', { key: s.recognize })).status).toBe(200);
    expect((await s.call('GET', '/v1/subjects')).status).toBe(401);
  });

  it('enrols the ten <name>_db photos (multipart and base64 JSON), one photo each', async () => {
    for (const [i, p] of PEOPLE.entries()) {
      const created = await s.call('POST', '/v1/subjects', { key: s.admin, json: { name: p, metadata: { seat: i } } });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ name: p, metadata: { seat: i }, faceCount: 0 });
      ids.set(p, created.body.id);
      const enrol =
        i % 2 === 0
          ? await s.call('POST', `/v1/subjects/${created.body.id}/faces`, { key: s.admin, form: form({ image: dbPhoto(p) }) })
          : await s.call('POST', `/v1/subjects/${created.body.id}/faces`, { key: s.admin, json: { images: [b64(dbPhoto(p))] } });
      expect(enrol.status, JSON.stringify(enrol.body)).toBe(201);
      expect(enrol.body.faces).toHaveLength(1);
      expect(enrol.body.faces[0].box.width).toBeGreaterThan(20);
    }
    const list = await s.call('GET', '/v1/subjects', { key: s.recognize });
    expect(list.body.subjects.map((x: { name: string }) => x.name)).toEqual(PEOPLE);
    expect(list.body.subjects.every((x: { faceCount: number }) => x.faceCount === 1)).toBe(true);
  });

  it('identifies a camera photo as its person (multipart) and a stranger as unknown (JSON)', async () => {
    const cam = await s.call('POST', '/v1/identify', { key: s.recognize, form: form({ image: camera(younes) }, { top: '3' }) });
    expect(cam.status).toBe(200);
    expect(cam.body).toMatchObject({ ...(await size(camera(younes))), threshold: expect.any(Number) });
    expect(cam.body.faces).toHaveLength(1);
    expect(cam.body.faces[0].match).toMatchObject({ name: younes, subject: ids.get(younes) });
    expect(cam.body.faces[0].candidates).toHaveLength(3);
    const stranger = await s.call('POST', '/v1/identify', { key: s.recognize, json: { image: b64(STRANGER) } });
    expect(stranger.status).toBe(200);
    expect(stranger.body.faces[0].match).toBeNull();
    // Decided on the hubness-corrected distance, never shorter than the raw one.
    const nearest = stranger.body.faces[0].candidates[0];
    expect(nearest.adjustedDistance).toBeGreaterThan(stranger.body.threshold);
    expect(nearest.adjustedDistance).toBeGreaterThanOrEqual(nearest.distance);
    expect(nearest.hubness).toBeGreaterThan(0);
    const group = await s.call('POST', '/v1/identify', { key: s.recognize, form: form({ image: GROUP }) });
    expect(group.body.faces).toHaveLength(4); // sample6.jpg: four people
  });

  it('verifies a camera photo against its person: two images (both forms), image + subject, two encodings', async () => {
    const multi = await s.call('POST', '/v1/verify', { key: s.recognize, form: form({ image1: camera(younes), image2: dbPhoto(younes) }) });
    expect(multi.status, JSON.stringify(multi.body)).toBe(200);
    expect(multi.body).toMatchObject({ verified: true, metric: 'cosine', images: [await size(camera(younes)), await size(dbPhoto(younes))] });
    expect(multi.body.distance).toBeLessThan(multi.body.threshold);
    expect(multi.body.faces[0].box.width).toBeGreaterThan(20);
    expect(multi.body.confidence).toBeGreaterThan(0.5);
    const json = await s.call('POST', '/v1/verify', { key: s.recognize, json: { image1: b64(camera(benoit)), image2: b64(dbPhoto(kian)) } });
    expect(json.body.verified).toBe(false);
    const subj = await s.call('POST', '/v1/verify', { key: s.recognize, json: { image: b64(camera(younes)), subject: ids.get(younes) } });
    expect(subj.body).toMatchObject({ verified: true, faces: [{ box: expect.any(Object) }, null], images: [await size(camera(younes)), null] });
    const subjForm = await s.call('POST', '/v1/verify', { key: s.recognize, form: form({ image: camera(younes) }, { subject: ids.get(kian)!, threshold: '0.4' }) });
    expect(subjForm.body).toMatchObject({ verified: false, threshold: 0.4 });
    const e1 = (await s.call('POST', '/v1/embed', { key: s.recognize, json: { image: b64(camera(younes)) } })).body.faces[0].embedding;
    const e2 = (await s.call('POST', '/v1/embed', { key: s.recognize, form: form({ image: dbPhoto(younes) }) })).body.faces[0].embedding;
    expect(e1).toHaveLength(320);
    const enc = await s.call('POST', '/v1/verify', { key: s.recognize, json: { encoding1: e1, encoding2: e2 } });
    expect(enc.body).toMatchObject({ verified: true, faces: [null, null], images: [null, null] });
    expect(enc.body.distance).toBeCloseTo(multi.body.distance, 5);
    expect((await s.call('POST', '/v1/verify', { key: s.recognize, json: { encoding1: e1, encoding2: e2.slice(1) } })).body.error.code).toBe('E_ENCODING_MISMATCH');
    expect((await s.call('POST', '/v1/verify', { key: s.recognize, json: { image1: b64(dbPhoto(kian)) } })).status).toBe(400);
    expect((await s.call('POST', '/v1/verify', { key: s.recognize, json: { image: b64(dbPhoto(kian)), subject: '00000000-0000-4000-8000-000000000000' } })).body.error.code).toBe('E_NOT_FOUND');
  });

  it("verifies against a subject's cached encoding, and sees its faces change", async () => {
    const id = (await s.call('POST', '/v1/subjects', { key: s.admin, json: { name: 'later' } })).body.id as string;
    try {
      const probe = { image: b64(camera(younes)), subject: id };
      expect(await s.call('POST', '/v1/verify', { key: s.recognize, json: probe })).toMatchObject({ status: 422, body: { error: { code: 'E_SUBJECT_EMPTY' } } });
      // A face enrolled after the empty answer was cached: the gallery's cache follows the store.
      expect((await s.call('POST', `/v1/subjects/${id}/faces`, { key: s.admin, json: { images: [b64(dbPhoto(younes))] } })).status).toBe(201);
      const now = await s.call('POST', '/v1/verify', { key: s.recognize, json: probe });
      expect(now.status, JSON.stringify(now.body)).toBe(200);
      expect(now.body.verified).toBe(true);
    } finally {
      expect((await s.call('DELETE', `/v1/subjects/${id}`, { key: s.admin })).status).toBe(204);
    }
  });

  it('detects (multipart and JSON) with the fields of `likeness detect --json`', async () => {
    const a = await s.call('POST', '/v1/detect', { key: s.recognize, form: form({ image: GROUP }) });
    expect(a.status).toBe(200);
    expect(a.body).toMatchObject({ width: 1920, height: 1537 });
    expect(a.body.faces).toHaveLength(4);
    expect(a.body.faces[0].landmarks).toHaveLength(68);
    expect(Object.keys(a.body.faces[0].points5).sort()).toEqual(['leftEye', 'mouthLeft', 'mouthRight', 'nose', 'rightEye']);
    const b = await s.call('POST', '/v1/detect', { key: s.recognize, json: { image: `data:image/jpeg;base64,${b64(GROUP)}` } });
    expect(b.body.faces.map((f: { box: unknown }) => f.box)).toEqual(a.body.faces.map((f: { box: unknown }) => f.box));
  });

  it('answers bad images with 422 and typed codes, and enrols nothing from a refused photo', async () => {
    const blank = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#808080' } }).png().toBuffer();
    const kianId = ids.get(kian)!;
    expect((await s.call('POST', '/v1/detect', { key: s.recognize, form: form({ image: new Uint8Array(Buffer.from('not an image at all')) }) })).body.error.code).toBe('E_IMAGE_DECODE');
    expect(await s.call('POST', '/v1/verify', { key: s.recognize, json: { image1: blank.toString('base64'), image2: b64(dbPhoto(kian)) } })).toMatchObject({ status: 422, body: { error: { code: 'E_NO_FACE' } } });
    const two = await s.call('POST', `/v1/subjects/${kianId}/faces`, { key: s.admin, form: form({ image: [dbPhoto(kian), GROUP] }) });
    expect(two).toMatchObject({ status: 422, body: { error: { code: 'E_MULTIPLE_FACES' } } });
    const none = await s.call('POST', `/v1/subjects/${kianId}/faces`, { key: s.admin, json: { images: [blank.toString('base64')] } });
    expect(none).toMatchObject({ status: 422, body: { error: { code: 'E_NO_FACE' } } });
    expect((await s.call('GET', `/v1/subjects/${kianId}`, { key: s.recognize })).body.faceCount).toBe(1);
    expect((await s.call('POST', '/v1/detect', { key: s.recognize, json: { image: '%%%' } })).body.error.code).toBe('E_BAD_REQUEST');
    expect((await s.call('POST', '/v1/detect', { key: s.recognize, json: {} })).status).toBe(400);
  });

  it('reads, edits and deletes subjects and faces; deleting erases the encodings from the file', async () => {
    const kianId = ids.get(kian)!;
    const more = await s.call('POST', `/v1/subjects/${kianId}/faces`, { key: s.admin, form: form({ image: [dbPhoto(kian), dbPhoto(tian)] }) });
    expect(more.status).toBe(201);
    expect(more.body.faces).toHaveLength(2);
    const shown = await s.call('GET', `/v1/subjects/${kianId}`, { key: s.recognize });
    expect(shown.body).toMatchObject({ id: kianId, name: kian, faceCount: 3 });
    expect(shown.body.faces).toHaveLength(3);
    expect(shown.body.faces[0]).not.toHaveProperty('embedding');
    const patched = await s.call('PATCH', `/v1/subjects/${kianId}`, { key: s.admin, json: { name: 'Kian', metadata: { team: 'blue' } } });
    expect(patched.body).toMatchObject({ name: 'Kian', metadata: { team: 'blue' } });
    expect((await s.call('PATCH', `/v1/subjects/${kianId}`, { key: s.recognize, json: { name: 'x' } })).status).toBe(403);
    // Remove the tian photo from kian again.
    const tianFace = more.body.faces[1].id;
    expect((await s.call('DELETE', `/v1/subjects/${ids.get(andrew)}/faces/${tianFace}`, { key: s.admin })).status).toBe(404);
    expect((await s.call('DELETE', `/v1/subjects/${kianId}/faces/${tianFace}`, { key: s.admin })).status).toBe(204);
    expect((await s.call('GET', `/v1/subjects/${kianId}`, { key: s.recognize })).body.faceCount).toBe(2);

    // Erasure: the younes encoding is in the raw file, then gone after DELETE.
    const younesId = ids.get(younes)!;
    const enc = (await s.call('POST', '/v1/embed', { key: s.recognize, form: form({ image: dbPhoto(younes) }) })).body.faces[0].embedding as number[];
    const needle = f32(enc);
    expect(rawBytes(s.config.db).includes(needle), 'the enrolled encoding should be in the file before deletion').toBe(true);
    expect((await s.call('DELETE', `/v1/subjects/${younesId}`, { key: s.recognize })).status).toBe(403);
    expect((await s.call('DELETE', `/v1/subjects/${younesId}`, { key: s.admin })).status).toBe(204);
    expect(rawBytes(s.config.db).includes(needle)).toBe(false);
    expect(await s.call('GET', `/v1/subjects/${younesId}`, { key: s.admin })).toMatchObject({ status: 404, body: { error: { code: 'E_NOT_FOUND' } } });
    expect((await s.call('DELETE', `/v1/subjects/${younesId}`, { key: s.admin })).status).toBe(404);
    const cam = await s.call('POST', '/v1/identify', { key: s.recognize, json: { image: b64(camera(younes)) } });
    expect(cam.body.faces[0].candidates.map((c: { name: string }) => c.name)).not.toContain(younes);
  });

  it('publishes an OpenAPI 3 document with every route, and a docs page', async () => {
    const doc = await s.call('GET', '/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toMatch(/^3\./);
    const ops: Record<string, string[]> = {
      '/v1/session': ['get'],
      '/v1/detect': ['post'],
      '/v1/embed': ['post'],
      '/v1/verify': ['post'],
      '/v1/identify': ['post'],
      '/v1/subjects': ['get', 'post'],
      '/v1/subjects/{id}': ['get', 'patch', 'delete'],
      '/v1/subjects/{id}/faces': ['post'],
      '/v1/subjects/{id}/faces/{faceId}': ['delete'],
      '/health': ['get'],
      '/ready': ['get'],
      '/metrics': ['get'],
    };
    for (const [p, methods] of Object.entries(ops)) {
      for (const m of methods) {
        const op = doc.body.paths[p]?.[m];
        expect(op, `${m} ${p}`).toBeDefined();
        expect(Object.keys(op.responses).length).toBeGreaterThan(0);
        if (p.startsWith('/v1')) expect(op.security).toEqual([{ bearerAuth: [] }]);
      }
    }
    expect(Object.keys(doc.body.paths['/v1/identify'].post.requestBody.content).sort()).toEqual(['application/json', 'multipart/form-data']);
    expect(doc.body.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    const docs = await fetch(`${s.base}/docs`);
    expect(docs.status).toBe(200);
    expect(await docs.text()).toMatch(/swagger/i);
  });

  it('exposes Prometheus metrics: requests and latencies per route, faces, gallery size, queue depth', async () => {
    const m = await s.call('GET', '/metrics');
    expect(m.status).toBe(200);
    const text = m.body as string;
    expect(text).toMatch(/likeness_http_requests_total\{method="POST",route="\/v1\/identify",status="200"\} [1-9]/);
    expect(text).toMatch(/likeness_http_request_duration_seconds_bucket\{le="[^"]+",method="POST",route="\/v1\/verify",status="200"\}/);
    expect(text).toMatch(/likeness_http_requests_total\{method="GET",route="\/v1\/session",status="401"\}/);
    expect(text).toMatch(/likeness_faces_processed_total\{operation="identify"\} [1-9]/);
    expect(text).toMatch(new RegExp(`likeness_gallery_subjects ${PEOPLE.length - 1}\\b`));
    expect(text).toMatch(new RegExp(`likeness_gallery_faces ${PEOPLE.length}\\b`));
    expect(text).toMatch(/likeness_inference_queue_depth 0\b/);
    expect(text).toMatch(/likeness_process_resident_memory_bytes \d+/);
    expect(text).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/); // no subject ids as labels
  });

  it('answers unknown routes with 404 E_NOT_FOUND', async () => {
    expect(await s.call('GET', '/v1/nothing', { key: s.admin })).toMatchObject({ status: 404, body: { error: { code: 'E_NOT_FOUND' } } });
  });

  it('logs one line per request, never an encoding, a key or an image', async () => {
    const created = await s.call('POST', '/v1/subjects', { key: s.admin, json: { name: 'logged' } });
    await s.call('POST', `/v1/subjects/${created.body.id}/faces`, { key: s.admin, json: { images: [b64(dbPhoto(arnaud))] } });
    const id = await s.call('POST', '/v1/identify', { key: s.admin, json: { image: b64(camera(bertrand)) } });
    expect(id.body.faces[0].match.name).toBe(bertrand);
    const enc = (await s.call('POST', '/v1/embed', { key: s.admin, json: { image: b64(dbPhoto(arnaud)) } })).body.faces[0].embedding as number[];
    const lines = log.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.some((l) => l.url === `/v1/subjects/${created.body.id}/faces` && l.status === 201 && l.method === 'POST')).toBe(true);
    expect(lines.some((l) => l.url === '/v1/identify' && l.status === 200 && typeof l.ms === 'number')).toBe(true);
    for (const v of enc.slice(0, 16)) expect(log).not.toContain(String(v).slice(0, 9));
    expect(log).not.toContain(String(enc[0]));
    expect(log).not.toContain(s.admin);
    expect(log).not.toContain(s.admin.slice('lk_12345678_'.length));
    expect(log).not.toContain(s.recognize.slice('lk_12345678_'.length));
    expect(log).not.toContain(b64(dbPhoto(arnaud)).slice(0, 40));
    expect(log.toLowerCase()).not.toContain('authorization');
  });
});
