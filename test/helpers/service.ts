/**
 * The HTTP service under test: the real app on an ephemeral port, a temp SQLite gallery and key
 * store, one admin and one recognize key, and a small fetch helper (JSON, multipart or raw bodies).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp, type AppOptions } from '../../src/service/app.js';
import { loadConfig, type ServiceConfig } from '../../src/service/config.js';
import { KeyStore } from '../../src/service/keys.js';
import { FACEAPI_DEMO } from './data.js';
import { demoPeople } from './demo-people.js';

export interface Answer<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export interface RunningService {
  app: FastifyInstance;
  base: string;
  config: ServiceConfig;
  admin: string;
  recognize: string;
  call: <T = any>(method: string, url: string, o?: { key?: string | undefined; json?: unknown; form?: FormData; body?: string | Uint8Array; headers?: Record<string, string> }) => Promise<Answer<T>>;
  close: () => Promise<void>;
}

export async function startService(overrides: Partial<ServiceConfig> = {}, options: AppOptions = {}): Promise<RunningService> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'likeness-service-'));
  const config: ServiceConfig = { ...loadConfig({ dataDir: dir, port: 0, workers: 1, logLevel: options.logStream ? 'info' : 'silent' }, {}), ...overrides };
  const keys = KeyStore.open(config.keys);
  const admin = keys.create('admin', 'test admin').key;
  const recognize = keys.create('recognize', 'test recognize').key;
  keys.close();
  const app = await buildApp(config, { waitReady: true, ...options });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const a = app.server.address();
  const base = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
  const call: RunningService['call'] = async (method, url, o = {}) => {
    const headers: Record<string, string> = { ...(o.headers ?? {}) };
    if (o.key !== undefined) headers.authorization = `Bearer ${o.key}`;
    let body: RequestInit['body'] | undefined;
    if (o.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(o.json);
    } else if (o.form) body = o.form;
    else if (o.body !== undefined) body = o.body as RequestInit['body'];
    const r = await fetch(base + url, { method, headers, ...(body === undefined ? {} : { body }) });
    const text = await r.text();
    let parsed: unknown = text;
    if ((r.headers.get('content-type') ?? '').includes('json') && text) parsed = JSON.parse(text);
    return { status: r.status, headers: r.headers, body: parsed as never };
  };
  const close = async (): Promise<void> => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  };
  return { app, base, config, admin, recognize, call, close };
}

/** A multipart form of image files: field → file path(s) or bytes. */
export function form(fields: Record<string, string | Uint8Array | (string | Uint8Array)[]>, extra: Record<string, string> = {}): FormData {
  const f = new FormData();
  for (const [k, v] of Object.entries(fields)) {
    for (const item of Array.isArray(v) ? v : [v]) {
      const bytes = typeof item === 'string' ? readFileSync(item) : item;
      f.append(k, new Blob([bytes]), typeof item === 'string' ? path.basename(item) : `${k}.bin`);
    }
  }
  for (const [k, v] of Object.entries(extra)) f.append(k, v);
  return f;
}

export const b64 = (file: string): string => readFileSync(file).toString('base64');

/** The people and photos of the service tests: the demo-photo people (test/helpers/demo-people.ts), no ../shared. */
export const DEMO = await demoPeople();
export const PEOPLE = DEMO.people;
export const dbPhoto = DEMO.db;
export const camera = DEMO.camera;
export const STRANGER = DEMO.stranger;
/** Four faces, 1920×1537, 302 kB. */
export const GROUP = DEMO.group;
/** Another large photo (three faces, 1920×1280, 145 kB). */
export const LARGE = path.join(FACEAPI_DEMO, 'sample1.jpg');
