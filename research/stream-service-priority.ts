/**
 * Do streams starve the recognition routes? The real service (2 workers, SQLite gallery of the ten
 * demo people) answers 20 sequential /v1/identify requests alone, then while three watched streams
 * run on the test video (test/helpers/video.ts, 5 fps); then one stream alone. Prints p50/max
 * latency (ms) and each stream's stats. Decided: stream frames take at most workers − 1 workers
 * (one stays free for requests) and only workers no request waits for (Inference.embedFrame).
 */
import { b64, dbPhoto, PEOPLE, startService, camera } from '../test/helpers/service.js';
import { testVideo } from '../test/helpers/video.js';
const s = await startService({ workers: 2, maxStreams: 8 });
for (const p of PEOPLE) {
  const c = await s.call('POST', '/v1/subjects', { key: s.admin, json: { name: p } });
  await s.call('POST', `/v1/subjects/${c.body.id}/faces`, { key: s.admin, json: { images: [b64(dbPhoto(p))] } });
}
const img = b64(camera(PEOPLE[0]!));
async function lat(n: number) {
  const t: number[] = [];
  for (let i = 0; i < n; i++) { const t0 = performance.now(); const r = await s.call('POST', '/v1/identify', { key: s.recognize, json: { image: img } }); if (r.status !== 200) throw new Error(String(r.status)); t.push(performance.now() - t0); }
  t.sort((a, b) => a - b);
  return { p50: Math.round(t[Math.floor(n / 2)]!), max: Math.round(t[n - 1]!) };
}
await lat(3);
console.log('identify alone', await lat(20));
const video = await testVideo('mp4');
const t0 = performance.now();
const ids: string[] = [];
for (let i = 0; i < 3; i++) ids.push((await s.call('POST', '/v1/streams', { key: s.admin, json: { source: video, fps: 5 } })).body.id);
console.log('identify with 3 streams', await lat(20));
for (;;) { const l = await s.call('GET', '/v1/streams', { key: s.admin }); if (l.body.streams.every((x: any) => x.state !== 'running')) { for (const x of l.body.streams) console.log(x.id, x.state, JSON.stringify(x.stats)); break; } await new Promise((r) => setTimeout(r, 200)); }
console.log('3 streams wall s', ((performance.now() - t0) / 1000).toFixed(1));
const one = performance.now();
const id = (await s.call('POST', '/v1/streams', { key: s.admin, json: { source: video, fps: 5 } })).body.id;
for (;;) { const g = await s.call('GET', `/v1/streams/${id}`, { key: s.admin }); if (g.body.state !== 'running') { console.log('one stream alone', JSON.stringify(g.body.stats), ((performance.now() - one) / 1000).toFixed(1), 's'); break; } await new Promise((r) => setTimeout(r, 100)); }
await s.close();
process.exit(0);
