/** `likeness watch` as a real process (the built CLI): JSON events per line, the summary on stderr, bad sources as exit 1. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StreamEvent } from '../src/stream/types.js';
import { runCli } from './helpers/cli.js';
import { demoPeople } from './helpers/demo-people.js';
import { checkVideoEvents } from './helpers/stream-checks.js';
import { PERSON_A, PERSON_B, testVideo } from './helpers/video.js';

let dir: string;
let db: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'likeness-stream-cli-'));
  db = path.join(dir, 'g.sqlite');
  const demo = await demoPeople();
  for (const p of [PERSON_A, PERSON_B]) {
    const r = await runCli(['enroll', '--name', p, demo.db(p), '--db', db]);
    expect(r.code, r.stderr).toBe(0);
  }
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('likeness watch', () => {
  it('prints one JSON event per line: each person identified once, the stranger unknown, every track lost; a summary on stderr', async () => {
    const r = await runCli(['watch', await testVideo('mp4'), '--db', db, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as StreamEvent);
    checkVideoEvents(events);
    expect(r.stderr).toMatch(/37 frames read, 37 processed, 0 dropped, [\d.]+ fps achieved/);
  });

  it('readable lines without --json', async () => {
    const r = await runCli(['watch', await testVideo('mp4'), '--db', db, '--fps', '5']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`: ${PERSON_A} (confidence`);
    expect(r.stdout).toMatch(/track \d+: unknown/);
  });

  it('bad sources: exit 1, one line on stderr, the error as JSON with --json', async () => {
    const missing = await runCli(['watch', path.join(dir, 'missing.mp4'), '--db', db, '--json']);
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.stdout.trim())).toMatchObject({ error: { code: 'E_VIDEO_NOT_FOUND' } });
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    const text = path.join(dir, 'text.mp4');
    writeFileSync(text, 'not a video\n');
    const bad = await runCli(['watch', text, '--db', db, '--json']);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout.trim().split('\n').at(-1)!)).toMatchObject({ type: 'error', code: 'E_VIDEO_DECODE' });
    expect(bad.stderr).toMatch(/^likeness: .*text\.mp4/m);
  });
});
