/**
 * Passive liveness models on face-api's demo photos (real photos: their live scores against the
 * measured thresholds) and the active challenge on landmark sequences from real images, through the
 * real pipeline. The frames of a blink and of a turn are PROXIES made from real photos
 * (test/helpers/liveness-frames.ts): no photo of one person blinking or turning ships in npm.
 */
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../src/errors.js';
import { Likeness } from '../src/likeness.js';
import { ChallengeSession, eyeAspectRatio, landmarkYaw, type ChallengeFace } from '../src/liveness/challenge.js';
import { Liveness, LIVENESS_MODELS, livenessCanvas } from '../src/liveness/passive.js';
import { ChallengeStore } from '../src/liveness/store.js';
import { livenessThreshold } from '../src/liveness/thresholds.js';
import { distance } from '../src/match/distance.js';
import { installHumanModels, locateHumanModel } from '../src/models/human/index.js';
import type { Point, RgbImage } from '../src/types.js';
import { dataPath, FACEAPI_DEMO, hasData, skipMessage } from './helpers/data.js';
import { ensureFile } from './helpers/models.js';
import { FACEPLUGIN } from '../src/models/npm-files/packages.js';
import { faceCrop as cropFace, turned } from './helpers/liveness-frames.js';
import { demoPeople } from './helpers/demo-people.js';

let likeness: Likeness;
const photos = [1, 2, 3, 4, 5, 6].map((i) => path.join(FACEAPI_DEMO, `sample${i}.jpg`));

async function ensureHumanLiveness(): Promise<void> {
  try {
    await locateHumanModel('antispoof');
    await locateHumanModel('liveness');
  } catch {
    await installHumanModels({ models: ['antispoof', 'liveness'] });
  }
}

const faceCrop = (file: string): Promise<RgbImage> => cropFace(likeness, file);

async function challengeFace(img: RgbImage): Promise<ChallengeFace> {
  const f = (await likeness.embed(img)).faces[0]!;
  return { landmarks: f.landmarks!, embedding: f.embedding };
}

/** The eyelid points (37, 38, 40, 41 and 43, 44, 46, 47) moved onto each eye's corner line: a landmark-level closed-eye proxy. */
function lidsClosed(lm: readonly Point[]): Point[] {
  const out = lm.map((p) => ({ ...p }));
  for (const s of [36, 42]) {
    const a = lm[s]!, b = lm[s + 3]!;
    for (const i of [1, 2, 4, 5]) {
      const p = lm[s + i]!;
      const t = ((p.x - a.x) * (b.x - a.x) + (p.y - a.y) * (b.y - a.y)) / ((b.x - a.x) ** 2 + (b.y - a.y) ** 2);
      const onLine = { x: a.x + t * (b.x - a.x), y: a.y + t * (b.y - a.y) };
      out[s + i] = { x: p.x + 0.85 * (onLine.x - p.x), y: p.y + 0.85 * (onLine.y - p.y) };
    }
  }
  return out;
}

const sessionOf = (challenge: 'blink' | 'turn-left' | 'turn-right', now = 0, params = {}): ChallengeSession =>
  new ChallengeSession({ challenge, distance: (a, b) => distance(a, b, 'cosine'), sameFaceThreshold: likeness.threshold, now, params });

beforeAll(async () => {
  likeness = await Likeness.create();
  await ensureHumanLiveness();
  await ensureFile(FACEPLUGIN, 'liveness');
}, 600_000);

describe('passive liveness', () => {
  it.each(LIVENESS_MODELS)('%s loads and scores the real demo faces live at its measured threshold (those that are not are listed)', async (name) => {
    const lv = await Liveness.create({ model: name });
    expect(lv.threshold).toBe(livenessThreshold(name).value);
    const below: string[] = [];
    let n = 0;
    for (const file of photos) {
      const r = await lv.check(likeness, file);
      for (const f of r.faces) {
        n++;
        expect(f.live).toBeGreaterThanOrEqual(0);
        expect(f.live).toBeLessThanOrEqual(1);
        expect(f.model).toBe(name);
        if (!f.isLive) below.push(`${path.basename(file)} at ${Math.round(f.box.x)},${Math.round(f.box.y)}: ${f.live.toFixed(3)}`);
      }
    }
    if (below.length) console.log(`${name}: demo faces under its threshold ${lv.threshold}: ${below.join('; ')}`);
    expect(n).toBe(22);
    // research/liveness-passive.ts measured 0 (faceplugin) and 1 (human-antispoof, human-liveness) of the 22
    expect(below.length).toBeLessThanOrEqual(1);
    await lv.release();
  }, 120_000);

  it('crops as the packages do: faceplugin 2.7× the box shifted inside the photo, human 1.4× the larger side with black outside', () => {
    const img = { width: 200, height: 100, data: new Uint8Array(200 * 100 * 3) };
    const box = { x: 0, y: 10, width: 40, height: 40 };
    expect(livenessCanvas(img, box, { scale: 2.7, side: 'mean', outside: 'shift' })).toMatchObject({ originX: 0, originY: 0, side: 100 });
    expect(livenessCanvas(img, box, { scale: 1.4, side: 'max', outside: 'black' })).toMatchObject({ originX: -8, originY: 2, side: 56 });
  });

  it('refuses an unknown model and a threshold outside 0..1 with typed errors', async () => {
    await expect(Liveness.create({ model: 'nope' })).rejects.toBeInstanceOf(InvalidOptionError);
    await expect(Liveness.create({ model: 'faceplugin-liveness', threshold: 2 })).rejects.toBeInstanceOf(InvalidOptionError);
  });
});

describe('active challenge', () => {
  it('measures EAR and yaw from real landmarks: a lid-closed proxy dips EAR, a warped turn moves yaw both ways', async () => {
    const crop = await faceCrop(photos[1]!);
    const f = await challengeFace(crop);
    const ear = eyeAspectRatio(f.landmarks);
    expect(ear).toBeGreaterThan(0.18);
    expect(eyeAspectRatio(lidsClosed(f.landmarks))).toBeLessThan(0.3 * ear);
    const lm = f.landmarks;
    const w = lm[16]!.x - lm[0]!.x;
    const yawLeft = landmarkYaw((await challengeFace(turned(crop, lm[0]!.x, lm[30]!.x, lm[16]!.x, 0.25 * w))).landmarks);
    const yawRight = landmarkYaw((await challengeFace(turned(crop, lm[0]!.x, lm[30]!.x, lm[16]!.x, -0.25 * w))).landmarks);
    expect(yawLeft).toBeGreaterThan(landmarkYaw(lm) + 0.15);
    expect(yawRight).toBeLessThan(landmarkYaw(lm) - 0.15);
  }, 60_000);

  it('a blink passes: EAR open, dips, recovers on the same real face; the static photo alone never passes', async () => {
    const f = await challengeFace(await faceCrop(photos[1]!));
    const closed = { ...f, landmarks: lidsClosed(f.landmarks) };
    const s = sessionOf('blink');
    expect(s.addFrame([f], 1).state).toBe('pending');
    expect(s.addFrame([f], 2).state).toBe('pending');
    const dip = s.addFrame([closed], 3);
    expect(dip).toMatchObject({ state: 'pending', message: 'open your eyes' });
    expect(dip.progress).toBeGreaterThan(0.5);
    const done = s.addFrame([f], 4);
    expect(done).toMatchObject({ state: 'passed', progress: 1 });

    const still = sessionOf('blink', 0, { maxFrames: 30 });
    let st = still.status();
    for (let i = 0; i < 40 && st.state === 'pending'; i++) st = still.addFrame([f], i + 1);
    expect(st).toMatchObject({ state: 'failed', reason: 'too-many-frames', frames: 30 });
  }, 60_000);

  it('a turn passes on warped frames of one real face (frontal, then turned the asked way), not the other way', async () => {
    const crop = await faceCrop(photos[1]!);
    const lm = (await challengeFace(crop)).landmarks;
    const w = lm[16]!.x - lm[0]!.x;
    const warp = (k: number): Promise<ChallengeFace> => challengeFace(turned(crop, lm[0]!.x, lm[30]!.x, lm[16]!.x, k * w));
    const frames = [await warp(-0.15), await warp(0), await warp(0.15), await warp(0.25)];
    const yaws = frames.map((f) => landmarkYaw(f.landmarks));
    const left = sessionOf('turn-left');
    const right = sessionOf('turn-right');
    const ls = frames.map((f, i) => left.addFrame([f], i + 1));
    const rs = frames.map((f, i) => right.addFrame([f], i + 1));
    expect(ls.at(-1), `yaws ${yaws.map((y) => y.toFixed(2)).join(' ')}`).toMatchObject({ state: 'passed' });
    expect(rs.at(-1)!.state).toBe('pending');
  }, 60_000);

  it('fails when the face is swapped mid-challenge, when two faces are in view, and after the timeout', async () => {
    const demo = await demoPeople();
    const a = await challengeFace(await likeness.load(demo.db(demo.people[0]!)));
    const b = await challengeFace(await likeness.load(demo.stranger));
    expect(distance(a.embedding, b.embedding, 'cosine')).toBeGreaterThan(likeness.threshold);
    const s = sessionOf('blink');
    s.addFrame([a], 1);
    s.addFrame([a], 2);
    expect(s.addFrame([{ ...b, landmarks: lidsClosed(b.landmarks) }], 3)).toMatchObject({ state: 'failed', reason: 'face-changed' });
    expect(s.addFrame([a], 4).state).toBe('failed');

    expect(sessionOf('turn-left').addFrame([a, b], 1)).toMatchObject({ state: 'failed', reason: 'several-faces' });

    const t = sessionOf('blink', 1000, { timeoutMs: 5000 });
    expect(t.addFrame([a], 2000).state).toBe('pending');
    expect(t.addFrame([a], 6001)).toMatchObject({ state: 'failed', reason: 'timeout' });
  }, 60_000);

  it('a frame without a face keeps the session pending; random challenges are the two turns; the store forgets expired sessions', () => {
    const s = sessionOf('turn-right');
    expect(s.addFrame([], 1)).toMatchObject({ state: 'pending', ear: null, frames: 1 });
    const kinds = new Set([0, 0.4, 0.6, 0.9].map((r) => new ChallengeSession({ distance: () => 0, sameFaceThreshold: 1, random: () => r }).challenge));
    expect([...kinds].sort()).toEqual(['turn-left', 'turn-right']);
    expect(() => new ChallengeSession({ challenge: 'wink' as never, distance: () => 0, sameFaceThreshold: 1 })).toThrow(InvalidOptionError);
    const store = new ChallengeStore(2, 0);
    const x = store.create({ distance: () => 0, sameFaceThreshold: 1, now: 0, params: { timeoutMs: 10 } });
    expect(store.get(x.id, 5)).toBe(x);
    expect(store.get(x.id, 11)).toBeUndefined();
    store.create({ distance: () => 0, sameFaceThreshold: 1 });
    store.create({ distance: () => 0, sameFaceThreshold: 1 });
    store.create({ distance: () => 0, sameFaceThreshold: 1 });
    expect(store.size).toBe(2);
  });
});

describe.skipIf(!hasData('lfw'))(`a blink on real photos of one person (LFW${hasData('lfw') ? '' : `: ${skipMessage('lfw')}`})`, () => {
  it("passes on John Paul II's open, open, closed (0002: eyes really shut), open photos; Donald Rumsfeld's closed photo (0067) is not low enough", async () => {
    const photo = (name: string, n: number): string => dataPath('lfw', 'images', name, `${name}_${String(n).padStart(4, '0')}.jpg`);
    const faces = async (name: string, ns: number[]): Promise<ChallengeFace[]> => Promise.all(ns.map(async (n) => challengeFace(await likeness.load(photo(name, n)))));
    const jp = await faces('John_Paul_II', [5, 10, 2, 11]);
    const s = sessionOf('blink');
    const states = jp.map((f, i) => s.addFrame([f], i + 1));
    expect(states.map((x) => x.state), states.map((x) => `${x.ear?.toFixed(3)}`).join(' ')).toEqual(['pending', 'pending', 'pending', 'passed']);
    // real closed eyes move face-api's eyelid points only a little: Rumsfeld's shut eyes stay above 0.7 × open
    const dr = await faces('Donald_Rumsfeld', [2, 3, 67, 10]);
    const r = sessionOf('blink');
    expect(dr.map((f, i) => r.addFrame([f], i + 1).state).at(-1)).toBe('pending');
  }, 60_000);
});
