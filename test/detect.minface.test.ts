/**
 * minFaceSize (tiles) on a large photo of one person: tiles must not invent faces, and the number
 * of tiles is bounded (minFaceSize is clipped to 1/100 of the longer side). Figures:
 * `npx tsx research/min-face-tiles.ts` and `MODEL=dlib npx tsx research/min-face-tiles.ts`.
 */
import { describe, expect, it } from 'vitest';
import { effectiveMinFaceSize, MIN_FACE_FRACTION } from '../src/detect/detector.js';
import { Likeness } from '../src/likeness.js';
import { bigOnePerson } from './helpers/synthetic-photos.js';

describe('minFaceSize on a 35 MP photo of one person', () => {
  it('is clipped to 1/100 of the longer side', () => {
    expect(MIN_FACE_FRACTION).toBe(0.01);
    expect(effectiveMinFaceSize(20, 7200, 4800)).toBe(72);
    expect(effectiveMinFaceSize(20, 1920, 1080)).toBe(20);
    expect(effectiveMinFaceSize(0, 7200, 4800)).toBe(0);
  });

  it('finds the one face and no other, with the default stack (40 px) and the SSD (20 px)', async () => {
    const { img, face } = await bigOnePerson();
    for (const [model, minFaceSize] of [['fusion', 40], ['dlib', 20]] as const) {
      const l = await Likeness.create({ model });
      const faces = (await l.detect(img, { detection: { minFaceSize } })).faces;
      expect(faces.map((f) => `${Math.round(f.box.width)} px ${f.score.toFixed(2)}`), `${model} ${minFaceSize}`).toHaveLength(1);
      const b = faces[0]!.box;
      expect(face[0] >= b.x && face[0] <= b.x + b.width && face[1] >= b.y && face[1] <= b.y + b.height).toBe(true);
    }
  }, 120_000);
});
