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
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from './common.js';
import { rssMiB, startServer } from './server.js';

const SEED = path.resolve(ROOT, '..', 'shared', 'data', 'seed-assignment', 'images');
const PEOPLE = ['andrew', 'arnaud', 'benoit', 'bertrand', 'dan', 'danielle', 'felix', 'kevin', 'kian', 'sebastiano', 'tian', 'younes'];

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}

await bench();

async function bench(): Promise<void> {
  const duration = arg('duration', 6);
  const requests = arg('requests', 10_000);
  const rssConcurrency = arg('rss-concurrency', 8);
  const workers = arg('workers', os.availableParallelism());
  const server = await startServer(['--workers', String(workers)]);
  const { base, admin, recognize } = server;
  const err = server.stderr();
  try {
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
    const before = rssMiB(server.pid);
    const t0 = performance.now();
    const long = await autocannon({ url: `${base}/v1/identify`, method: 'POST', headers, body: longBody, connections: rssConcurrency, timeout: 60, amount: requests });
    const seconds = (performance.now() - t0) / 1000;
    const after = rssMiB(server.pid);
    const busy = long.statusCodeStats?.['503']?.count ?? 0;

    process.stdout.write(
      `\nhost: ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, Node ${process.version}, ${workers} inference workers; ${duration} s per row; base64 JSON bodies (96×96 JPEG seed photos)\n\n` +
        '| route | concurrency | requests/s (200) | p50 ms | p99 ms | 200 | 503 (busy) | other non-2xx | errors |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n' +
        `${rows.join('\n')}\n\n` +
        `RSS of the service: ${before.toFixed(0)} MiB before and ${after.toFixed(0)} MiB after ${long.requests.sent ?? requests} identify requests (${existsSync(lfw) ? 'a 250×250 LFW photo' : 'camera_0'}) at concurrency ${rssConcurrency} ` +
        `(${seconds.toFixed(0)} s, ${(requests / seconds).toFixed(1)} requests/s; ${busy} × 503, ${long.non2xx - busy} other non-2xx, ${long.errors + long.timeouts} errors)\n`,
    );
  } finally {
    server.stop();
  }
}
