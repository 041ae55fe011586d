/**
 * Who is in each photo of a folder? The people you know are enrolled from a folder with one
 * subfolder per person (known/<name>/<photos>, one face per photo); then every face of every photo
 * in the other folder is named, or called unknown.
 *
 *   npx tsx examples/identify-folder.ts known/ photos/
 *
 * The gallery lives in memory for the run; pass a file name instead of ':memory:' to keep it.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { Gallery, Likeness, LikenessError, readPeople } from 'likeness';

const [knownDir, photosDir] = process.argv.slice(2);
if (!knownDir || !photosDir) {
  console.error('usage: identify-folder.ts KNOWN_FOLDER PHOTOS_FOLDER');
  process.exit(2);
}

const likeness = await Likeness.create();
const gallery = await Gallery.open(':memory:', likeness);

for (const person of await readPeople(knownDir)) {
  try {
    await gallery.enroll(person.name, person.files);
    console.log(`enrolled ${person.name} (${person.files.length} photo(s))`);
  } catch (e) {
    if (!(e instanceof LikenessError)) throw e;
    console.log(`not enrolled ${person.name}: ${e.message}`); // e.g. a photo with no face, or two
  }
}

const photos = (await readdir(photosDir)).filter((f) => /\.(jpe?g|png|webp|gif|tiff?)$/i.test(f)).sort();
for (const name of photos) {
  try {
    const { faces } = await gallery.identify(path.join(photosDir, name));
    // Faces from left to right, each with its best match within the open-set threshold, if any.
    const people = [...faces].sort((a, b) => a.box.x - b.box.x).map((f) => (f.match ? `${f.match.name} (${f.match.distance.toFixed(3)})` : 'unknown'));
    console.log(`${name}: ${people.length === 0 ? 'no face' : people.join(', ')}`);
  } catch (e) {
    if (!(e instanceof LikenessError)) throw e;
    console.log(`${name}: ${e.code} ${e.message}`);
  }
}
await gallery.close();
