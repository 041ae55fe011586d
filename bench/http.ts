/**
 * `npm run bench:http`: the HTTP service under load. Starts `likeness serve` in its own process on
 * a temp gallery (the seed exercise's twelve <name>_db photos enrolled through the API), then runs
 * autocannon against POST /v1/verify (two images) and POST /v1/identify (one image), base64 JSON
 * bodies, at concurrency 1, 2, 8 and 32: requests/s, p50/p99 latency, non-2xx answers (503s counted
 * apart: the intended "queue full" answer) and errors. Then the server's RSS before and after
 * 10,000 more identify requests.
 *
 *   npm run bench:http [-- --duration 6 --requests 10000 --rss-concurrency 8 --workers 2]
 */
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { KeyStore } from '../src/service/keys.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SEED = path.resolve(ROOT, '..', 'shared', 'data', 'seed-assignment', 'images');
const PEOPLE = ['andrew', 'arnaud', 'benoit', 'bertrand', 'dan', 'danielle', 'felix', 'kevin', 'kian', 'sebastiano', 'tian', 'younes'];

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}

/** Child mode: the server itself (`likeness serve` from the sources). */
if (process.argv[2] === '--server') {
  const { main } = await import('../src/cli/main.js');
  process.exitCode = await main(['node', 'likeness', 'serve', ...process.argv.slice(3)]);
} else {
  await bench();
}

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function bench(): Promise<void> {
  const duration = arg('duration', 6);
  const requests = arg('requests', 10_000);
  const rssConcurrency = arg('rss-concurrency', 8);
  const workers = arg('workers', os.availableParallelism());
  const dir = mkdtempSync(path.join(os.tmpdir(), 'likeness-bench-http-'));
  const keys = KeyStore.open(path.join(dir, 'keys.sqlite'));
  const admin = keys.create('admin', 'bench').key;
  const recognize = keys.create('recognize', 'bench').key;
  keys.close();

  const child = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(import.meta.url), '--server', '--port', '0', '--workers', String(workers), '--data-dir', dir, '--rate-limit', '1000000000', '--log-level', 'warn'],
    { cwd: ROOT, stdio: ['ignore', 'inherit', 'pipe'] },
  );
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += String(d)));
  const stop = (): void => {
    if (child.exitCode === null) child.kill('SIGTERM');
  };
  process.on('exit', stop);
  try {
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
    process.stdout.write(`${err.split('\n').filter((l) => /^\s{2}(workers|limits)/.test(l)).join('\n')}\n`);

    const json = (o: unknown) => JSON.stringify(o);
    const b64 = (f: string) => readFileSync(f).toString('base64');
    const photo = (p: string, f: string) => path.join(SEED, p, f);
    for (const p of PEOPLE) {
      const h = { authorization: `Bearer ${admin}`, 'content-type': 'application/json' };
      const s = (await (await fetch(`${base}/v1/subjects`, { method: 'POST', headers: h, body: json({ name: p }) })).json()) as { id: string };
      const r = await fetch(`${base}/v1/subjects/${s.id}/faces`, { method: 'POST', headers: h, body: json({ images: [b64(photo(p, p === 'danielle' ? 'danielle_db.png' : `${p}_db.jpg`))] }) });
      if (r.status !== 201) throw new Error(`enrolment of ${p}: ${r.status} ${await r.text()}`);
    }
    const headers = { authorization: `Bearer ${recognize}`, 'content-type': 'application/json' };
    const targets = {
      '/v1/verify': json({ image1: b64(photo('younes', 'camera_0.jpg')), image2: b64(photo('younes', 'younes_db.jpg')) }),
      '/v1/identify': json({ image: b64(photo('younes', 'camera_0.jpg')) }),
    };
    const check = await (await fetch(`${base}/v1/identify`, { method: 'POST', headers, body: targets['/v1/identify'] })).json() as { faces: { match: { name: string } | null }[] };
    if (check.faces[0]?.match?.name !== 'younes') throw new Error(`identify camera_0 should be younes: ${json(check)}`);

    const run = (url: string, connections: number, o: { duration?: number; amount?: number }) =>
      autocannon({ url: base + url, method: 'POST', headers, body: targets[url as keyof typeof targets], connections, timeout: 60, ...o });

    // Between runs, let the service finish what the previous run left admitted (autocannon stops
    // at its deadline with requests in flight), so each row starts from an idle service.
    const idle = async (): Promise<void> => {
      for (;;) {
        const m = await (await fetch(`${base}/metrics`)).text();
        if (/^likeness_inference_queue_depth 0$/m.test(m) && /^likeness_inference_running 0$/m.test(m)) return;
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    // Warm-up: the workers' first requests allocate their buffers.
    await run('/v1/identify', workers, { duration: 3 });
    await idle();
    const rows: string[] = [];
    for (const url of Object.keys(targets)) {
      for (const c of [1, 2, 8, 32]) {
        const r = await run(url, c, { duration });
        await idle();
        const busy = r.statusCodeStats?.['503']?.count ?? 0;
        const ok = r.statusCodeStats?.['200']?.count ?? 0;
        const line = `| ${url} | ${c} | ${(ok / duration).toFixed(1)} | ${r.latency.p50} | ${r.latency.p99} | ${ok} | ${busy} | ${r.non2xx - busy} | ${r.errors + r.timeouts} |`;
        rows.push(line);
        process.stdout.write(`${line}\n`);
      }
    }
    // The long run: identify with a 250×250 LFW photo when the folder is there (one detection pass,
    // where the 96×96 seed photos need three), so 10,000 requests take minutes, not an hour.
    const lfw = path.resolve(ROOT, '..', 'shared', 'data', 'lfw', 'images', 'Aaron_Peirsol', 'Aaron_Peirsol_0001.jpg');
    const longBody = existsSync(lfw) ? json({ image: b64(lfw) }) : targets['/v1/identify'];
    const before = rssMiB(child.pid!);
    const t0 = performance.now();
    const long = await autocannon({ url: `${base}/v1/identify`, method: 'POST', headers, body: longBody, connections: rssConcurrency, timeout: 60, amount: requests });
    const seconds = (performance.now() - t0) / 1000;
    const after = rssMiB(child.pid!);
    const busy = long.statusCodeStats?.['503']?.count ?? 0;

    process.stdout.write(
      `\nhost: ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, Node ${process.version}, ${workers} inference workers; ${duration} s per row; base64 JSON bodies (96×96 JPEG seed photos)\n\n` +
        '| route | concurrency | requests/s (200) | p50 ms | p99 ms | 200 | 503 (busy) | other non-2xx | errors |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n' +
        `${rows.join('\n')}\n\n` +
        `RSS of the service: ${before.toFixed(0)} MiB before and ${after.toFixed(0)} MiB after ${long.requests.sent ?? requests} identify requests (${existsSync(lfw) ? 'a 250×250 LFW photo' : 'camera_0'}) at concurrency ${rssConcurrency} ` +
        `(${seconds.toFixed(0)} s, ${(requests / seconds).toFixed(1)} requests/s; ${busy} × 503, ${long.non2xx - busy} other non-2xx, ${long.errors + long.timeouts} errors)\n`,
    );
  } finally {
    stop();
  }
}
