/**
 * The real likeness service for the browser tests and the screenshots: the current web page built
 * by Vite into a temporary folder, served by the service under test (test/helpers/service.ts:
 * buildApp() on 127.0.0.1 at an ephemeral port, a temporary SQLite gallery and key store, one admin
 * and one recognize key).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { build } from 'vite';
import { ROOT } from './data.js';
import { startService } from './service.js';

export interface WebService {
  /** http://127.0.0.1:<port>/ */
  url: string;
  adminKey: string;
  recognizeKey: string;
  /** The service's log lines (JSON), for a failing test's message. */
  log: string[];
  close(): Promise<void>;
}

/** Builds web/ (index.html + src) into `outDir` with the project's Vite config. */
export async function buildWebPage(outDir: string): Promise<void> {
  await build({
    configFile: path.join(ROOT, 'web', 'vite.config.ts'),
    logLevel: 'error',
    build: { outDir, emptyOutDir: true, sourcemap: false },
  });
}

export async function startWebService(options: { maxUploadMb?: number; challengeTimeoutMs?: number } = {}): Promise<WebService> {
  const pageDir = await mkdtemp(path.join(os.tmpdir(), 'likeness-web-'));
  try {
    await buildWebPage(pageDir);
    const log: string[] = [];
    const logStream = new Writable({
      write(chunk: Buffer, _enc, done) {
        log.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        if (log.length > 500) log.splice(0, log.length - 500);
        done();
      },
    });
    const service = await startService(
      { webDir: pageDir, ...(options.maxUploadMb === undefined ? {} : { maxUploadBytes: Math.round(options.maxUploadMb * 1024 * 1024) }), ...(options.challengeTimeoutMs === undefined ? {} : { challengeTimeoutMs: options.challengeTimeoutMs }) },
      { logStream },
    );
    return {
      url: `${service.base}/`,
      adminKey: service.admin,
      recognizeKey: service.recognize,
      log,
      async close() {
        await service.close();
        await rm(pageDir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await rm(pageDir, { recursive: true, force: true });
    throw e;
  }
}
