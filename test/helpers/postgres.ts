/**
 * The PostgreSQL + pgvector server for tests: scripts/postgres/start-test-server.sh installs (first
 * time only) and starts it on 127.0.0.1, idempotently, and prints its URL. Run once per test
 * process. Where it cannot be started (not root on a machine without PostgreSQL, no apt, …) the
 * tests that need it skip with the script's reason, printed here.
 * LIKENESS_TEST_PG_URL=postgres://… uses an existing server instead.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { ROOT } from './data.js';

export interface TestPostgres {
  /** Connection URL, when the server runs. */
  url?: string;
  /** Why the server could not be started, when it could not. */
  skip?: string;
}

const SCRIPT = path.join(ROOT, 'scripts', 'postgres', 'start-test-server.sh');
let started: Promise<TestPostgres> | undefined;

function run(timeoutMs: number): Promise<TestPostgres> {
  if (process.env.LIKENESS_TEST_PG_URL) return Promise.resolve({ url: process.env.LIKENESS_TEST_PG_URL });
  return new Promise((resolve) => {
    execFile('bash', [SCRIPT], { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const url = stdout.trim().split('\n').pop() ?? '';
      if (!err && /^postgres(ql)?:\/\//.test(url)) return resolve({ url });
      const reason =
        stderr
          .split('\n')
          .filter((l) => l.includes('cannot start the test server'))
          .pop()
          ?.replace(/^\[postgres\] /, '') ??
        (err && (err as { killed?: boolean }).killed ? `the script did not finish within ${Math.round(timeoutMs / 1000)} s` : `the script failed: ${(err?.message ?? stderr).trim().split('\n').pop()}`);
      const skip = `PostgreSQL tests skipped: ${reason} (scripts/postgres/start-test-server.sh)`;
      process.stderr.write(`\n*** ${skip}\n`);
      resolve({ skip });
    });
  });
}

/** Starts (or finds running) the test server; resolves with its URL or a skip reason, never rejects. */
export function testPostgres(timeoutMs = 15 * 60_000): Promise<TestPostgres> {
  started ??= run(timeoutMs);
  return started;
}
