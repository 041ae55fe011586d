/** The liveness routes and CLI on real photos: answers, and 4xx / exit 1 for bad input. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installHumanModels, locateHumanModel } from '../src/models/human/index.js';
import { runCli } from './helpers/cli.js';
import { ensureFile } from './helpers/models.js';
import { FACEPLUGIN } from '../src/models/npm-files/packages.js';
import { FACEAPI_DEMO } from './helpers/data.js';
import { b64, camera, dbPhoto, form, PEOPLE, startService, STRANGER, type RunningService } from './helpers/service.js';

let s: RunningService;
const SAMPLE = path.join(FACEAPI_DEMO, 'sample1.jpg');

beforeAll(async () => {
  try {
    await locateHumanModel('liveness');
  } catch {
    await installHumanModels({ models: ['antispoof', 'liveness'] });
  }
  await ensureFile(FACEPLUGIN, 'liveness');
  s = await startService();
}, 600_000);
afterAll(async () => {
  await s?.close();
});

describe('POST /v1/liveness', () => {
  it('gives every face a live probability with the model and its threshold', async () => {
    const r = await s.call('POST', '/v1/liveness', { key: s.recognize, json: { image: b64(SAMPLE) } });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ model: 'human-liveness', threshold: 0.799 });
    expect(r.body.faces).toHaveLength(3);
    for (const f of r.body.faces) {
      expect(f.live).toBeGreaterThanOrEqual(r.body.threshold);
      expect(f.isLive).toBe(true);
    }
  });

  it('answers 4xx for no key, no image, a broken image', async () => {
    expect((await s.call('POST', '/v1/liveness', { json: { image: b64(SAMPLE) } })).status).toBe(401);
    expect((await s.call('POST', '/v1/liveness', { key: s.recognize, json: {} })).status).toBe(400);
    const broken = await s.call('POST', '/v1/liveness', { key: s.recognize, json: { image: Buffer.from('not an image').toString('base64') } });
    expect(broken.status).toBeGreaterThanOrEqual(400);
    expect(broken.status).toBeLessThan(500);
  });
});

describe('liveness challenges', () => {
  it('starts a challenge and takes frames: a still photo stays pending, a swapped face fails, a finished challenge answers 409', async () => {
    const c = await s.call('POST', '/v1/liveness/challenges', { key: s.recognize, json: { challenge: 'blink' } });
    expect(c.status).toBe(201);
    expect(c.body).toMatchObject({ challenge: 'blink' });
    expect(Date.parse(c.body.expiresAt)).toBeGreaterThan(Date.now());
    const frame = (file: string) => s.call('POST', `/v1/liveness/challenges/${c.body.id}/frames`, { key: s.recognize, json: { image: b64(file) } });
    const person = PEOPLE[0]!;
    expect((await frame(dbPhoto(person))).body).toMatchObject({ state: 'pending', challenge: 'blink', frames: 1 });
    const multipart = await s.call('POST', `/v1/liveness/challenges/${c.body.id}/frames`, { key: s.recognize, form: form({ image: camera(person) }) });
    expect(multipart.body).toMatchObject({ state: 'pending', frames: 2 });
    expect((await frame(STRANGER)).body).toMatchObject({ state: 'failed', reason: 'face-changed' });
    expect(await frame(dbPhoto(person))).toMatchObject({ status: 409, body: { error: { code: 'E_CHALLENGE_OVER' } } });

    const random = await s.call('POST', '/v1/liveness/challenges', { key: s.recognize, json: {} });
    expect(['turn-left', 'turn-right']).toContain(random.body.challenge);
  });

  it('answers 4xx for an unknown challenge kind, an unknown id, a frame without an image', async () => {
    expect((await s.call('POST', '/v1/liveness/challenges', { key: s.recognize, json: { challenge: 'wink' } })).status).toBe(400);
    expect(await s.call('POST', '/v1/liveness/challenges/nope/frames', { key: s.recognize, json: { image: b64(SAMPLE) } })).toMatchObject({ status: 404, body: { error: { code: 'E_NOT_FOUND' } } });
    const c = await s.call('POST', '/v1/liveness/challenges', { key: s.recognize, json: { challenge: 'turn-left' } });
    expect((await s.call('POST', `/v1/liveness/challenges/${c.body.id}/frames`, { key: s.recognize, json: {} })).status).toBe(400);
    expect((await s.call('POST', '/v1/liveness/challenges', { json: {} })).status).toBe(401);
  });
});

describe('likeness liveness (CLI)', () => {
  it('prints one JSON object per photo with --json, a text line per face without', async () => {
    const r = await runCli(['liveness', '--json', SAMPLE, STRANGER]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ model: 'human-liveness', threshold: 0.799 });
    expect(lines[0].faces).toHaveLength(3);
    const text = await runCli(['liveness', '--liveness-model', 'faceplugin-liveness', SAMPLE]);
    expect(text.code).toBe(0);
    expect(text.stdout.trim().split('\n')).toHaveLength(3);
    expect(text.stdout).toContain('faceplugin-liveness');
  }, 120_000);

  it('exits 1 with one line for a missing or broken photo (a JSON error with --json), 2 for a bad threshold or model', async () => {
    const missing = await runCli(['liveness', '--json', 'no-such.jpg']);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(missing.stdout)).toMatchObject({ error: { code: 'E_IMAGE_READ' } });
    const notImage = await runCli(['liveness', path.join(FACEAPI_DEMO, 'index.js')]);
    expect(notImage.code).toBe(1);
    expect(notImage.stderr.trim().split('\n')).toHaveLength(1);
    expect((await runCli(['liveness', '--threshold', '3', SAMPLE])).code).toBe(2);
    const none = await runCli(['liveness']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('give one or more photos');
    const model = await runCli(['liveness', '--liveness-model', 'nope', SAMPLE]);
    expect(model.code).toBe(1);
    expect(model.stderr).toContain('unknown liveness model');
    expect(readFileSync(SAMPLE).length).toBeGreaterThan(0);
  }, 120_000);
});
