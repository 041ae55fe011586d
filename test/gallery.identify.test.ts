/**
 * Identification in a gallery (Gallery.identifyEncodings). Hubness correction (src/match/hubness.ts):
 * the arithmetic by hand, then on real LFW photos in a real SQLite gallery: a subject's hubness is
 * what brute force over the stored encodings gives, follows enrolments at once, only ever
 * lengthens distances, and the decision is made on the corrected distance. A gallery opened with a
 * model description (no network loaded) identifies encodings made elsewhere, and refuses photos.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EncodingMismatchError, InvalidOptionError, MultipleFacesError } from '../src/errors.js';
import { meanEncoding } from '../src/match/distance.js';
import { describeEncoder, Gallery } from '../src/gallery/gallery.js';
import { Likeness } from '../src/likeness.js';
import { adjustDistance, hubness } from '../src/match/hubness.js';
import { decideMatch, type Candidate } from '../src/match/identify.js';
import { confidence } from '../src/match/calibration.js';
import { defineEmbedder } from '../src/models/custom.js';
import { hubnessReference } from '../src/models/registry.js';
import { builtinStack, DEFAULT_STACK } from '../src/models/stacks.js';
import { dataPath, hasData, skipMessage } from './helpers/data.js';

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

const lfw = (person: string, n: number): string => dataPath('lfw', 'images', person, `${person}_${String(n).padStart(4, '0')}.jpg`);
const dot = (a: Float32Array, b: Float32Array): number => a.reduce((s, x, i) => s + x * b[i]!, 0);

describe.skipIf(!hasData('lfw'))(`hubness in a real gallery${hasData('lfw') ? '' : ` (${skipMessage('lfw')})`}`, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'likeness-hubness-'));
  let likeness: Likeness;
  let gallery: Gallery;
  const ids = new Map<string, string>();
  const people = ['Tony_Blair', 'Colin_Powell', 'Hugo_Chavez', 'Ariel_Sharon', 'Gerhard_Schroeder', 'Jacques_Chirac', 'Serena_Williams', 'Jennifer_Capriati'];

  beforeAll(async () => {
    likeness = await Likeness.create();
    gallery = await Gallery.open(path.join(dir, 'gallery.sqlite'), likeness);
    for (const p of people) ids.set(p, await enrolOne(p, p, 1));
  }, 120_000);
  afterAll(async () => {
    await gallery?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Enrols the first photo from number `from` on that shows one face only (news photos often show two); returns the subject id. */
  async function enrolOne(name: string, person: string, from: number): Promise<string> {
    for (let n = from; ; n++) {
      try {
        return (await gallery.enroll(name, [lfw(person, n)])).subject.id;
      } catch (e) {
        if (!(e instanceof MultipleFacesError)) throw e;
      }
    }
  }

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
    const blair = ids.get('Tony_Blair')!;
    const before = await gallery.hubness(blair);
    // Five more photos of Tony Blair, each enrolled as somebody else: his nearest "other people" are now himself.
    for (let i = 2; i <= 6; i++) await enrolOne(`not Blair ${i}`, 'Tony_Blair', 10 * i);
    const after = await gallery.hubness(blair);
    expect(after).toBeCloseTo(await bruteForceHubness(blair), 5);
    expect(after!).toBeGreaterThan(before! + 0.03);
    expect(after!).toBeGreaterThan(hubnessReference(likeness.embedder.spec.name)!.reference);
  });

  it('corrects only hubs, only upwards, and decides on the corrected distance', async () => {
    const probe = lfw('Tony_Blair', 100);
    const on = (await gallery.identify(probe, { top: 8 })).faces[0]!;
    const off = (await gallery.identify(probe, { top: 8, hubness: false })).faces[0]!;
    expect(off.candidates.every((c) => c.adjustedDistance === undefined)).toBe(true);
    for (const c of on.candidates) {
      expect(c.adjustedDistance!).toBeGreaterThanOrEqual(c.distance);
      const raw = off.candidates.find((o) => o.subject === c.subject);
      if (raw) expect(c.distance).toBeCloseTo(raw.distance, 6);
    }
    const blair = on.candidates.find((c) => c.subject === ids.get('Tony_Blair'))!;
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
      const probe = (await likeness.embed(lfw('Colin_Powell', 2))).faces;
      expect(await described.identifyEncodings(probe)).toEqual(await gallery.identifyEncodings(probe));
      expect((await described.identifyEncodings(probe)).faces[0]!.match?.name).toBe('Colin_Powell');
      await expect(described.identify(lfw('Colin_Powell', 2))).rejects.toBeInstanceOf(InvalidOptionError);
      await expect(described.enroll('x', [lfw('Colin_Powell', 3)])).rejects.toBeInstanceOf(InvalidOptionError);
      expect((await described.store.findSubjects('x')).length).toBe(0);
    } finally {
      await described.close();
    }
  });

  it('stopping early at top 5 gives the top 5 of the full ranking', async () => {
    for (const probe of [lfw('Tony_Blair', 100), lfw('Serena_Williams', 2), lfw('George_W_Bush', 1)]) {
      const all = (await gallery.identify(probe, { top: 20 })).faces[0]!.candidates;
      expect((await gallery.identify(probe, { top: 5 })).faces[0]!.candidates).toEqual(all.slice(0, 5));
    }
  });

  it('a rename shows in the next identification (cached names follow the store)', async () => {
    const probe = lfw('Hugo_Chavez', 2);
    expect((await gallery.identify(probe)).faces[0]!.match?.name).toBe('Hugo_Chavez');
    await gallery.store.renameSubject(ids.get('Hugo_Chavez')!, 'Hugo Chávez');
    expect((await gallery.identify(probe)).faces[0]!.match?.name).toBe('Hugo Chávez');
  });

  it('the default threshold is the hubness-corrected one; without correction the raw one', () => {
    expect(gallery.threshold).toBe(gallery.thresholdFor(true));
    expect(gallery.thresholdFor(true)).not.toBe(gallery.thresholdFor(false));
  });
});
