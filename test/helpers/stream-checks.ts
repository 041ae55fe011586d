/** What every stream test asserts of a stream's events over the test video (test/helpers/video.ts). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { Gallery } from '../../src/gallery/gallery.js';
import { Likeness } from '../../src/likeness.js';
import { demoPeople } from './demo-people.js';
import type { StreamEvent } from '../../src/stream/types.js';
import { PERSON_A, PERSON_B } from './video.js';

/**
 * `live`: a live source (RTSP) keeps only the newest frame when analysis falls behind, so which
 * frames are analysed depends on the machine's load: on a loaded machine a person may jump far
 * between analysed frames and their track may end and restart. For it, every enrolled person is
 * identified, nobody else, never twice in one track, and the stranger's tracks are unknown; the
 * exact track count and the event times are not checked.
 */
export function checkVideoEvents(events: readonly StreamEvent[], options: { live?: boolean } = {}): void {
  const of = (type: StreamEvent['type']) => events.filter((e) => e.type === type);
  const identified = of('identified');
  // Each enrolled person identified exactly once, in one track each; nobody else identified.
  if (options.live) expect([...new Set(identified.map((e) => e.name))].sort()).toEqual([PERSON_A, PERSON_B].sort());
  else expect(identified.map((e) => e.name).sort()).toEqual([PERSON_A, PERSON_B].sort());
  expect(new Set(identified.map((e) => e.track)).size).toBe(identified.length);
  // Three tracks: A, B and the stranger. A's black frame did not split A's track, and the frame
  // where the stranger's face was A's started no track of A and did not make the stranger A.
  const tracks = of('track');
  const unknown = of('unknown');
  if (!options.live) {
    expect(tracks).toHaveLength(3);
    expect(unknown).toHaveLength(1);
  } else expect(unknown.length).toBeGreaterThanOrEqual(1);
  for (const u of unknown) {
    expect(identified.some((e) => e.track === u.track)).toBe(false);
    expect(u.box!.y).toBeGreaterThan(240);
  }
  // Every track lost, once, and nothing about a track after its loss.
  const lost = of('lost');
  expect(lost.map((e) => e.track).sort()).toEqual(tracks.map((e) => e.track).sort());
  for (const l of lost) expect(events.slice(events.indexOf(l) + 1).some((e) => e.track === l.track)).toBe(false);
  // A's track lasted through the black frame: lost only after A left the frame (3.0 s).
  const a = identified.find((e) => e.name === PERSON_A)!;
  if (!options.live) expect(lost.find((e) => e.track === a.track)!.time).toBeGreaterThan(3.0);
  for (const e of identified) expect(e.confidence).toBeGreaterThan(0.5);
  // Frames are weighted by their measured quality (src/quality): the track's mean is reported.
  for (const e of identified) {
    expect(e.quality).toBeGreaterThan(0);
    expect(e.quality).toBeLessThanOrEqual(1);
  }
  expect(of('error')).toHaveLength(0);
}

/** A temporary SQLite gallery with the video's two people enrolled from their db photos, on the default stack. */
export async function enrolledDoor(prefix: string): Promise<{ dir: string; likeness: Likeness; gallery: Gallery; close(): Promise<void> }> {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  const likeness = await Likeness.create();
  const gallery = await Gallery.open(path.join(dir, 'g.sqlite'), likeness);
  const demo = await demoPeople();
  for (const p of [PERSON_A, PERSON_B]) await gallery.enroll(p, [demo.db(p)]);
  return {
    dir,
    likeness,
    gallery,
    async close() {
      await gallery.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
