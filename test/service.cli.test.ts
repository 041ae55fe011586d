/**
 * `likeness serve` and `likeness keys` as processes: the first start creates an admin key and prints
 * it once, keys are stored as hashes only, the configuration is printed, and SIGTERM lets a request
 * in flight finish before the process exits. Runs the built CLI (bin/likeness.js → dist), as the
 * other CLI tests do.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from './helpers/data.js';
import { form, GROUP, LARGE } from './helpers/service.js';
import { runCli } from './helpers/cli.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'likeness-serve-'));
const keysFile = path.join(dir, 'keys.sqlite');
const KEY = /lk_[0-9a-f]{8}_[A-Za-z0-9_-]{43}/g;

function env(): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('LIKENESS_') || k === 'LIKENESS_CACHE_DIR') e[k] = v;
  return { ...e, LIKENESS_DATA_DIR: dir };
}

const cli = (...args: string[]) => runCli(args, { env: env() });

interface Server {
  child: ChildProcess;
  base: string;
  stderr: () => string;
  exited: Promise<number | null>;
}

const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

async function serve(...args: string[]): Promise<Server> {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'likeness.js'), 'serve', '--port', '0', '--workers', '1', '--log-level', 'warn', ...args], { cwd: ROOT, env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += String(d)));
  child.stdout!.resume();
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const base = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no "listening" line within 90 s:\n${err}`)), 90_000);
    const check = (): void => {
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(err);
      if (m) {
        clearTimeout(t);
        resolve(m[1]!);
      }
    };
    child.stderr!.on('data', check);
    void exited.then((code) => reject(new Error(`exited with ${code}:\n${err}`)));
  });
  for (let i = 0; i < 600; i++) {
    if ((await fetch(`${base}/ready`)).status === 200) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, base, stderr: () => err, exited };
}

describe('likeness serve and likeness keys', () => {
  let recognizeKey = '';

  it('keys create prints a key once; the store keeps only its sha256', async () => {
    const r = await cli('keys', 'create', '--role', 'recognize', '--name', 'kiosk', '--keys', keysFile);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toMatch(/^lk_[0-9a-f]{8}_[A-Za-z0-9_-]{43}$/);
    expect(r.stderr).toMatch(/shown only this once/);
    recognizeKey = r.stdout.trim();
    // lk_<8 hex id>_<secret>: the secret (base64url) may itself contain '_', so cut by position
    const secret = recognizeKey.slice('lk_12345678_'.length);
    expect(secret).toHaveLength(43);
    const raw = readFileSync(keysFile);
    expect(raw.includes(Buffer.from(recognizeKey))).toBe(false);
    expect(raw.includes(Buffer.from(secret))).toBe(false);
    expect(raw.includes(createHash('sha256').update(recognizeKey).digest())).toBe(true);
    const list = JSON.parse((await cli('keys', 'list', '--keys', keysFile, '--json')).stdout) as Record<string, unknown>[];
    expect(list).toEqual([{ id: recognizeKey.slice(3, 11), role: 'recognize', name: 'kiosk', createdAt: expect.any(String) }]);
    expect(JSON.stringify(list)).not.toContain(secret);
    const other = await cli('keys', 'create', '--role', 'admin', '--keys', keysFile);
    const id = other.stdout.trim().slice(3, 11);
    expect((await cli('keys', 'revoke', id, '--keys', keysFile)).code).toBe(0);
    expect((await cli('keys', 'revoke', id, '--keys', keysFile)).code).toBe(1);
    expect((await cli('keys', 'create', '--role', 'root', '--keys', keysFile)).code).toBe(2);
  });

  it('first start with no key: creates an admin key and prints it once; prints its configuration', async () => {
    const fresh = mkdtempSync(path.join(os.tmpdir(), 'likeness-serve-fresh-'));
    const s = await serve('--keys', path.join(fresh, 'keys.sqlite'), '--db', path.join(fresh, 'gallery.sqlite'));
    const printed = s.stderr().match(KEY) ?? [];
    expect(new Set(printed).size).toBe(1);
    expect(s.stderr()).toMatch(/shown only this once/);
    expect(s.stderr()).toMatch(/listen\s+127\.0\.0\.1:0/);
    expect(s.stderr()).toMatch(/limits\s+upload 10\.0 MB, 40\.0 MP/);
    const session = await fetch(`${s.base}/v1/session`, { headers: { authorization: `Bearer ${printed[0]}` } });
    expect(await session.json()).toMatchObject({ role: 'admin' });
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
    // Second start: keys exist, nothing is printed.
    const again = await serve('--keys', path.join(fresh, 'keys.sqlite'), '--db', path.join(fresh, 'gallery.sqlite'));
    expect(again.stderr().match(KEY)).toBeNull();
    again.child.kill('SIGTERM');
    expect(await again.exited).toBe(0);
  });

  it('SIGTERM: the request in flight completes, then the process exits 0 and takes no new connection', async () => {
    const s = await serve('--keys', keysFile);
    expect(s.stderr().match(KEY)).toBeNull(); // the store already had keys
    const pending = fetch(`${s.base}/v1/verify`, {
      method: 'POST',
      headers: { authorization: `Bearer ${recognizeKey}` },
      body: form({ image1: GROUP, image2: LARGE }),
    });
    // Wait until the work is on the worker, then ask the process to stop.
    for (let i = 0; i < 200; i++) {
      const m = await (await fetch(`${s.base}/metrics`)).text();
      if (/likeness_inference_running [1-9]/.test(m) || /likeness_inference_queue_depth [1-9]/.test(m)) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    s.child.kill('SIGTERM');
    const r = await pending;
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ verified: expect.any(Boolean), images: [{ width: 1920, height: 1537 }, { width: 1920, height: 1280 }] });
    expect(await s.exited, s.stderr()).toBe(0);
    expect(s.stderr()).toMatch(/SIGTERM: finishing the requests in flight/);
    expect(s.stderr()).toMatch(/stopped/);
    await expect(fetch(`${s.base}/health`)).rejects.toThrow();
  });
});
