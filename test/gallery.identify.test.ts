/**
 * Identification in a gallery (Gallery.identifyEncodings). Hubness correction (src/match/hubness.ts):
 * the arithmetic by hand, then on real photos (the demo-photo people of test/helpers/demo-people.ts)
 * in a real SQLite gallery: a subject's hubness is
 * what brute force over the stored encodings gives, follows enrolments at once, only ever
 * lengthens distances, and the decision is made on the corrected distance. A gallery opened with a
 * model description (no network loaded) identifies encodings made elsewhere, and refuses photos.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EncodingMismatchError, InvalidOptionError } from '../src/errors.js';
import { meanEncoding } from '../src/match/distance.js';
import { describeEncoder, Gallery } from '../src/gallery/gallery.js';
import { Likeness } from '../src/likeness.js';
import { adjustDistance, hubness } from '../src/match/hubness.js';
import { decideMatch, type Candidate } from '../src/match/identify.js';
import { confidence } from '../src/match/calibration.js';
import { defineEmbedder } from '../src/models/custom.js';
import { hubnessReference } from '../src/models/registry.js';
import { builtinStack, DEFAULT_STACK } from '../src/models/stacks.js';
import sharp from 'sharp';
import { demoPeople } from './helpers/demo-people.js';

describe('a subject\'s mean encoding', () => {
  it('is the renormalised mean, and refuses nothing or mixed lengths with a typed error', () => {
    const m = meanEncoding([Float32Array.of(1, 0), Float32Array.of(0, 1)]);
    expect(m[0]).toBeCloseTo(Math.SQRT1_2, 6);
    expect(m[1]).toBeCloseTo(Math.SQRT1_2, 6);
    expect(() => meanEncoding([])).toThrow(EncodingMismatchError);
    expect(() => meanEncoding([Float32Array.of(1, 0), Float32Array.of(1)])).toThrow(EncodingMismatchError);
  });
});

describe('hubness arithmetic', () => {
  it('is the mean of the k largest similarities, undefined with nobody else', () => {
    expect(hubness([0.5, 0.9, 0.7, 0.8, 0.6, 0.95, 0.1], 5)).toBeCloseTo((0.95 + 0.9 + 0.8 + 0.7 + 0.6) / 5, 12);
    expect(hubness([0.4, 0.8], 5)).toBeCloseTo(0.6, 12);
    expect(hubness([], 5)).toBeUndefined();
  });

  it('lengthens the distance of a hub by √(d² + h − h₀) and never shortens one', () => {
    expect(adjustDistance(0.3, 0.95, 0.92)).toBeCloseTo(Math.sqrt(0.09 + 0.03), 12);
    expect(adjustDistance(0.3, 0.85, 0.92)).toBe(0.3);
    expect(adjustDistance(0.3, undefined, 0.92)).toBe(0.3);
  });

  it('decides on the corrected distance when there is one', () => {
    const c: Candidate = { subject: 's', name: 'n', distance: 0.3, similarity: 0.955, adjustedDistance: 0.34 };
    expect(decideMatch([c], 0.32)).toBeNull();
    const { adjustedDistance: _, ...raw } = c;
    expect(decideMatch([raw], 0.32)).toBe(raw);
  });

  it('the built-in model carries its measured reference', () => {
    const ref = hubnessReference('faceapi-resnet128')!;
    expect(ref.k).toBe(5);
    expect(ref.reference).toBeGreaterThan(0.85); // LFW people's mean similarity to their 5 nearest others
    expect(ref.reference).toBeLessThan(0.97);
    expect(hubnessReference('no-such-model')).toBeUndefined();
  });
});

describe('a cosine-metric model in a gallery (no network loaded: describeEncoder)', () => {
  it('its 1:1 threshold is converted to the Euclidean distance the store ranks by; its confidence reads the cosine distance', async () => {
    const base = defineEmbedder({ name: 'cosine-test', path: 'unused.onnx', size: 112, mean: [0, 0, 0], std: [1, 1, 1], alignment: { template: 'five-point', padding: 0 }, outputSize: 4, metric: 'cosine', threshold: { value: 0.08, calibration: 'test' } });
    const logistic = { a: 20, b: -1.6 };
    const spec = { ...base, threshold: { ...base.threshold, logistic } };
    const dir = mkdtempSync(path.join(tmpdir(), 'likeness-cosine-'));
    const g = await Gallery.open(path.join(dir, 'g.sqlite'), describeEncoder(spec));
    try {
      expect(g.hubnessReference).toBeUndefined();
      expect(g.thresholdFor(false)).toBeCloseTo(Math.sqrt(2 * 0.08), 12);
      const s = await g.store.createSubject('a');
      await g.store.addFaces(s.id, [{ embedding: Float32Array.of(1, 0, 0, 0), score: 1, imageSha256: '0'.repeat(64) }]);
      // cos 0.95: cosine distance 0.05 < 0.08 → a match; cos 0.9: 0.1 > 0.08 → unknown.
      const at = (cos: number) => ({ box: { x: 0, y: 0, width: 1, height: 1 }, score: 1, embedding: Float32Array.of(cos, Math.sqrt(1 - cos * cos), 0, 0) });
      const [near] = (await g.identifyEncodings([at(0.95)])).faces;
      expect(near!.match?.name).toBe('a');
      expect(near!.candidates[0]!.confidence).toBeCloseTo(confidence(0.05, logistic), 5);
      expect((await g.identifyEncodings([at(0.9)])).faces[0]!.match).toBeNull();
      await expect(g.identifyEncodings([at(0.95)], { hubness: true })).rejects.toBeInstanceOf(InvalidOptionError);
    } finally {
      await g.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

const demo = await demoPeople();
const dot = (a: Float32Array, b: Float32Array): number => a.reduce((s, x, i) => s + x * b[i]!, 0);

describe('hubness in a real gallery', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'likeness-hubness-'));
  let likeness: Likeness;
  let gallery: Gallery;
  const ids = new Map<string, string>();
  const people = demo.people;
  // roles: `hub` gets look-alikes enrolled under other names; the others are probed and renamed
  const [hub, probed, renamed, other] = people as [string, string, string, string];
  /** Five more photos of `hub`'s face: turned, rescaled, mirrored and recompressed versions of its db photo. */
  const variants: string[] = [];

  beforeAll(async () => {
    likeness = await Likeness.create();
    gallery = await Gallery.open(path.join(dir, 'gallery.sqlite'), likeness);
    for (const p of people) ids.set(p, (await gallery.enroll(p, [demo.db(p)])).subject.id);
    for (const [i, angle] of [-8, -4, 3, 6, 9].entries()) {
      const f = path.join(dir, `hub-${i}.jpg`);
      const turned = await sharp(demo.db(hub)).rotate(angle, { background: '#707070' }).toBuffer();
      await (i % 2 ? sharp(turned).flop() : sharp(turned)).resize({ width: 160 + 40 * i }).jpeg({ quality: 60 + 8 * i }).toFile(f);
      variants.push(f);
    }
  }, 120_000);
  afterAll(async () => {
    await gallery?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Brute force over the stored encodings: mean of the 5 largest similarities to other people's nearest faces. */
  async function bruteForceHubness(subjectId: string): Promise<number> {
    const own = (await gallery.store.listFaces(subjectId, { withEmbeddings: true }))[0]!.embedding;
    const sims: number[] = [];
    for (const s of await gallery.store.listSubjects({ limit: 1000 })) {
      if (s.id === subjectId) continue;
      const faces = await gallery.store.listFaces(s.id, { withEmbeddings: true });
      sims.push(Math.max(...faces.map((f) => dot(own, f.embedding))));
    }
    return sims.sort((a, b) => b - a).slice(0, 5).reduce((a, b) => a + b, 0) / 5;
  }

  it("a subject's hubness is brute force's over the stored encodings", async () => {
    for (const p of people.slice(0, 3)) expect(await gallery.hubness(ids.get(p)!)).toBeCloseTo(await bruteForceHubness(ids.get(p)!), 5);
  });

  it('follows an enrolment at once: a look-alike enrolled under other names makes a hub', async () => {
    const blair = ids.get(hub)!;
    const before = await gallery.hubness(blair);
    // Five more photos of one person, each enrolled as somebody else: their nearest "other people" are now themselves.
    for (const [i, f] of variants.entries()) await gallery.enroll(`not ${hub} ${i}`, [f]);
    const after = await gallery.hubness(blair);
    expect(after).toBeCloseTo(await bruteForceHubness(blair), 5);
    expect(after!).toBeGreaterThan(before! + 0.03);
    expect(after!).toBeGreaterThan(hubnessReference(likeness.embedder.spec.name)!.reference);
  });

  it('corrects only hubs, only upwards, and decides on the corrected distance', async () => {
    const probe = demo.camera(hub);
    const on = (await gallery.identify(probe, { top: 8 })).faces[0]!;
    const off = (await gallery.identify(probe, { top: 8, hubness: false })).faces[0]!;
    expect(off.candidates.every((c) => c.adjustedDistance === undefined)).toBe(true);
    for (const c of on.candidates) {
      expect(c.adjustedDistance!).toBeGreaterThanOrEqual(c.distance);
      const raw = off.candidates.find((o) => o.subject === c.subject);
      if (raw) expect(c.distance).toBeCloseTo(raw.distance, 6);
    }
    const blair = on.candidates.find((c) => c.subject === ids.get(hub))!;
    expect(blair.adjustedDistance!).toBeGreaterThan(blair.distance + 0.005);
    const sorted = [...on.candidates].sort((a, b) => a.adjustedDistance! - b.adjustedDistance!);
    expect(on.candidates.map((c) => c.subject)).toEqual(sorted.map((c) => c.subject));
    // A threshold between the best raw and the best corrected distance: matched without the correction only.
    const bestRaw = off.candidates[0]!.distance;
    const bestCorrected = on.candidates[0]!.adjustedDistance!;
    expect(bestCorrected).toBeGreaterThan(bestRaw + 0.005);
    const threshold = (bestRaw + bestCorrected) / 2;
    expect((await gallery.identify(probe, { threshold })).faces[0]!.match).toBeNull();
    expect((await gallery.identify(probe, { threshold, hubness: false })).faces[0]!.match?.subject).toBe(off.candidates[0]!.subject);
  });

  it('a gallery opened with a model description identifies encodings made elsewhere, and refuses photos', async () => {
    const described = await Gallery.open(path.join(dir, 'gallery.sqlite'), describeEncoder(builtinStack(DEFAULT_STACK).embedder));
    try {
      const probe = (await likeness.embed(demo.camera(probed))).faces;
      expect(await described.identifyEncodings(probe)).toEqual(await gallery.identifyEncodings(probe));
      expect((await described.identifyEncodings(probe)).faces[0]!.match?.name).toBe(probed);
      await expect(described.identify(demo.camera(probed))).rejects.toBeInstanceOf(InvalidOptionError);
      await expect(described.enroll('x', [demo.db(probed)])).rejects.toBeInstanceOf(InvalidOptionError);
      expect((await described.store.findSubjects('x')).length).toBe(0);
    } finally {
      await described.close();
    }
  });

  it('stopping early at top 5 gives the top 5 of the full ranking', async () => {
    for (const probe of [demo.camera(hub), demo.camera(other), demo.stranger]) {
      const all = (await gallery.identify(probe, { top: 20 })).faces[0]!.candidates;
      expect((await gallery.identify(probe, { top: 5 })).faces[0]!.candidates).toEqual(all.slice(0, 5));
    }
  });

  it('a rename shows in the next identification (cached names follow the store)', async () => {
    const probe = demo.camera(renamed);
    expect((await gallery.identify(probe)).faces[0]!.match?.name).toBe(renamed);
    await gallery.store.renameSubject(ids.get(renamed)!, 'Renamed Person');
    expect((await gallery.identify(probe)).faces[0]!.match?.name).toBe('Renamed Person');
  });

  it('the default threshold is the hubness-corrected one; without correction the raw one', () => {
    expect(gallery.threshold).toBe(gallery.thresholdFor(true));
    expect(gallery.thresholdFor(true)).not.toBe(gallery.thresholdFor(false));
  });
});
