/**
 * `npm run bench:memory`: the service's memory through a suite of large valid images. Starts
 * `likeness serve` (2 workers by default) and sends 39 MP JPEGs (face-api's demo photos scaled to
 * 7200×5400, under the 40 MP cap; made with sharp, nothing from ../shared) to POST /v1/embed (or --route detect) as
 * multipart, `--concurrency` at a time, `--rounds` times over the photos; prints the server's RSS
 * at start, its peak (sampled every 50 ms), at the end and after `--settle` seconds idle.
 *
 *   npm run bench:memory [-- --workers 2 --rounds 3 --concurrency 2 --settle 5 --route embed --size 7200x5400]
 */
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { DEMO_DIR } from './common.js';
import { rssMiB, startServer } from './server.js';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}

const workers = arg('workers', 2);
const rounds = arg('rounds', 3);
const concurrency = arg('concurrency', 2);
const settle = arg('settle', 5);
const si = process.argv.indexOf('--size');
const [width, height] = (si >= 0 ? process.argv[si + 1]!.split('x').map(Number) : [7200, 5400]) as [number, number];
const ri = process.argv.indexOf('--route');
const route = ri >= 0 ? process.argv[ri + 1]! : 'embed';

const photos: Buffer[] = [];
for (const f of ['sample1.jpg', 'sample2.jpg', 'sample3.jpg', 'sample4.jpg']) {
  photos.push(await sharp(path.join(DEMO_DIR, f)).resize(width, height, { fit: 'fill' }).jpeg({ quality: 90 }).toBuffer());
}
const server = await startServer(['--workers', String(workers), '--max-upload-mb', '64', '--timeout-ms', '600000']);
try {
  const start = rssMiB(server.pid);
  let peak = start;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMiB(server.pid))), 50);
  const jobs = Array.from({ length: rounds }, () => photos).flat();
  const statuses: Record<string, number> = {};
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < jobs.length) {
        const bytes = jobs[next++]!;
        const form = new FormData();
        form.append('image', new Blob([bytes]), 'big.jpg');
        const r = await fetch(`${server.base}/v1/${route}`, { method: 'POST', headers: { authorization: `Bearer ${server.recognize}` }, body: form });
        await r.arrayBuffer();
        statuses[r.status] = (statuses[r.status] ?? 0) + 1;
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const end = rssMiB(server.pid);
  await new Promise((r) => setTimeout(r, settle * 1000));
  clearInterval(sampler);
  const idle = rssMiB(server.pid);
  const mb = photos.map((p) => (p.length / 1e6).toFixed(1)).join(', ');
  process.stdout.write(
    `host: ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, Node ${process.version}; ${workers} workers; ${jobs.length} × POST /v1/${route} of ${width}×${height} JPEGs (${mb} MB) at concurrency ${concurrency}, ${seconds.toFixed(1)} s; answers ${JSON.stringify(statuses)}\n` +
      `RSS of the service: ${start.toFixed(0)} MiB at start, ${peak.toFixed(0)} MiB peak, ${end.toFixed(0)} MiB at the end, ${idle.toFixed(0)} MiB after ${settle} s idle\n`,
  );
} finally {
  server.stop();
}
