/**
 * The demo-photo people (test/helpers/demo-people.ts) are what the service, CLI and web tests rely
 * on instead of ../shared: each camera photo is its own person's and nobody else's, the people are
 * different people, the strangers are none of them, and the extra photos hold the faces they claim.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Likeness } from '../src/likeness.js';
import { demoPeople, type DemoPeople } from './helpers/demo-people.js';

let L: Likeness;
let d: DemoPeople;
beforeAll(async () => {
  [L, d] = await Promise.all([Likeness.create(), demoPeople()]);
});

describe('demo-photo people', () => {
  it('each camera photo verifies with its own db photo only, well inside and outside the threshold', async () => {
    const one = async (f: string) => (await L.encodeOne(f)).embedding;
    const db = await Promise.all(d.people.map((p) => one(d.db(p))));
    const cam = await Promise.all(d.people.map((p) => one(d.camera(p))));
    const strangers = await Promise.all(d.strangers.map(one));
    const dist = (a: ArrayLike<number>, b: ArrayLike<number>) => L.verifyEncodings(a, b).distance;
    for (let i = 0; i < d.people.length; i++) {
      expect(dist(cam[i]!, db[i]!), d.people[i]).toBeLessThan(0.6 * L.threshold);
      for (let j = 0; j < d.people.length; j++) {
        if (j === i) continue;
        expect(dist(cam[i]!, db[j]!), `${d.people[i]} camera vs ${d.people[j]}`).toBeGreaterThan(L.threshold);
        expect(dist(db[i]!, db[j]!), `${d.people[i]} vs ${d.people[j]}`).toBeGreaterThan(1.2 * L.threshold);
      }
      expect(dist(strangers[0]!, db[i]!), `stranger vs ${d.people[i]}`).toBeGreaterThan(1.3 * L.threshold);
      for (const [k, x] of strangers.entries()) expect(dist(x, db[i]!), `stranger ${k} vs ${d.people[i]}`).toBeGreaterThan(L.threshold);
    }
  });

  it('the extra photos: no face, exactly two, four', async () => {
    expect((await L.detect(d.blank)).faces).toHaveLength(0);
    expect((await L.detect(d.two)).faces).toHaveLength(2);
    expect((await L.detect(d.group)).faces).toHaveLength(4);
  });
});
