/**
 * `likeness serve` from the sources in its own process for the HTTP benches (so the load's client
 * does not share its event loop), on a temp data folder with one admin and one recognize key, and
 * its RSS read from /proc.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { KeyStore } from '../src/service/keys.js';
import { ROOT } from './common.js';

export interface BenchServer {
  base: string;
  pid: number;
  admin: string;
  recognize: string;
  /** What the server printed on stderr so far (its configuration, warnings). */
  stderr: () => string;
  stop: () => void;
}

/** Child mode: the server itself. */
if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === '--server') {
  const { main } = await import('../src/cli/main.js');
  process.exitCode = await main(['node', 'likeness', 'serve', ...process.argv.slice(3)]);
}

export async function startServer(args: readonly string[]): Promise<BenchServer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'likeness-bench-server-'));
  const keys = KeyStore.open(path.join(dir, 'keys.sqlite'));
  const admin = keys.create('admin', 'bench').key;
  const recognize = keys.create('recognize', 'bench').key;
  keys.close();
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--server', '--port', '0', '--data-dir', dir, '--rate-limit', '1000000000', '--log-level', 'warn', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += String(d)));
  const stop = (): void => {
    if (child.exitCode === null) child.kill('SIGTERM');
  };
  process.on('exit', stop);
  const base = await new Promise<string>((resolve, reject) => {
    const t = setInterval(() => {
      const m = /listening on (http:\/\/[^ ]+)/.exec(err);
      if (m) {
        clearInterval(t);
        resolve(m[1]!);
      }
    }, 50);
    child.once('exit', (c) => reject(new Error(`server exited with ${c}:\n${err}`)));
  });
  while ((await fetch(`${base}/ready`)).status !== 200) await new Promise((r) => setTimeout(r, 200));
  return { base, pid: child.pid!, admin, recognize, stderr: () => err, stop };
}

export function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}
