/**
 * Are two photos of the same person? The main face of each photo (the largest near the middle) is
 * encoded and the two encodings are compared against the model's calibrated threshold.
 *
 *   npx tsx examples/verify-two-photos.ts photo1.jpg photo2.jpg
 */
import { Likeness, LikenessError } from 'likeness';

const [photo1, photo2] = process.argv.slice(2);
if (!photo1 || !photo2) {
  console.error('usage: verify-two-photos.ts PHOTO1 PHOTO2');
  process.exit(2);
}

// Loads the default model stack (its files were fetched by `npm install`); load it once and reuse it.
const likeness = await Likeness.create();

try {
  const r = await likeness.verify(photo1, photo2);
  const confidence = r.confidence === undefined ? '' : `, confidence ${(100 * r.confidence).toFixed(1)} %`;
  console.log(`${r.verified ? 'same person' : 'different people'}: distance ${r.distance.toFixed(3)}, threshold ${r.threshold.toFixed(3)}${confidence}`);
} catch (e) {
  // No face in a photo, an unreadable file, …: typed errors with a stable code and a plain message.
  if (!(e instanceof LikenessError)) throw e;
  console.error(`${e.code}: ${e.message}`);
  process.exitCode = 1;
}
