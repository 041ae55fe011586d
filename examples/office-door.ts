/**
 * An office door. Staff are enrolled once, from one or more photos each, into a gallery file;
 * at the door, the visitor's photo is searched in it and the door opens only for a member of staff.
 *
 *   npx tsx examples/office-door.ts office.sqlite enroll "Ada Lovelace" ada1.jpg ada2.jpg
 *   npx tsx examples/office-door.ts office.sqlite door camera.jpg
 *   npx tsx examples/office-door.ts office.sqlite staff
 *
 * The gallery is a SQLite file here; a postgres:// URL works the same way.
 */
import { Gallery, Likeness, LikenessError, largestFirst } from 'likeness';

const [file, command, ...args] = process.argv.slice(2);
if (!file || !command) {
  console.error('usage: office-door.ts GALLERY (enroll NAME PHOTO... | door PHOTO | staff)');
  process.exit(2);
}

const likeness = await Likeness.create();
const gallery = await Gallery.open(file, likeness);
try {
  if (command === 'enroll') {
    const [name, ...photos] = args;
    if (!name || photos.length === 0) throw new Error('enroll needs a name and at least one photo');
    // Each photo must hold exactly one face (else a typed error: NoFaceError, MultipleFacesError).
    // Enrolling a name again adds the photos to that person.
    const [known] = await gallery.store.findSubjects(name);
    const { subject, faces } = await gallery.enroll(name, photos, known ? { subjectId: known.id } : {});
    console.log(`enrolled ${subject.name}: ${faces.length} photo(s) added`);
  } else if (command === 'door') {
    const [photo] = args;
    if (!photo) throw new Error('door needs a photo');
    const { faces } = await gallery.identify(photo);
    // The visitor is the face nearest the camera: the largest one.
    const visitor = largestFirst(faces)[0];
    if (!visitor) console.log('no face in view: the door stays shut');
    else if (visitor.match) console.log(`door opens: welcome, ${visitor.match.name} (distance ${visitor.match.distance.toFixed(3)})`);
    else console.log('door stays shut: not a member of staff');
  } else if (command === 'staff') {
    for (const s of await gallery.store.listSubjects()) console.log(`${s.name} (${s.faceCount} photo(s))`);
  } else {
    throw new Error(`unknown command ${command}`);
  }
} catch (e) {
  if (!(e instanceof Error)) throw e;
  console.error(e instanceof LikenessError ? `${e.code}: ${e.message}` : e.message);
  process.exitCode = 1;
} finally {
  await gallery.close();
}
