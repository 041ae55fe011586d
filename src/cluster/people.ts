/**
 * Editing people: naming a person makes (or updates) a gallery subject holding the person's
 * encodings, so `identify`, the service and the door recognise them; merging, splitting, moving a
 * face and "not this person" keep a named person's subject in step with its faces.
 */
import type { GalleryStore } from '../gallery/store.js';
import { LibraryError, type LibraryStore } from '../gallery/library-store.js';
import { resolveStack } from '../models/stacks.js';

/** The subject of a named person holds exactly the person's faces (nothing for an unnamed one). */
export async function syncSubject(library: LibraryStore, gallery: GalleryStore, person: number): Promise<void> {
  const p = (await library.people()).find((x) => x.id === person);
  if (!p || p.name === null || p.subjectId === null) return;
  if (!(await gallery.getSubject(p.subjectId))) return;
  for (const f of await gallery.listFaces(p.subjectId)) await gallery.deleteFace(f.id);
  const faces = (await library.faces()).filter((f) => f.person === person);
  if (faces.length > 0) await gallery.addFaces(p.subjectId, faces.map((f) => ({ embedding: f.embedding, score: f.score, imageSha256: f.sha256 })));
}

export async function initGallery(gallery: GalleryStore, model?: string): Promise<void> {
  const spec = resolveStack(model).embedder;
  await gallery.init((await gallery.model()) ?? { name: spec.name, version: spec.version, dimensions: spec.outputSize });
}

/** Names a person (renames its subject when it has one already). */
export async function namePerson(library: LibraryStore, gallery: GalleryStore, person: number, name: string): Promise<{ subjectId: string }> {
  const trimmed = name.trim();
  if (trimmed === '') throw new LibraryError('E_INVALID_ARGUMENT', 'a name must not be empty');
  const p = await library.person(person);
  if (p.size === 0) throw new LibraryError('E_INVALID_ARGUMENT', `person ${person} has no face`);
  let subjectId = p.subjectId;
  if (subjectId !== null && (await gallery.getSubject(subjectId))) await gallery.renameSubject(subjectId, trimmed);
  else subjectId = (await gallery.createSubject(trimmed, { source: 'library', person })).id;
  await library.setName(person, trimmed, subjectId);
  await syncSubject(library, gallery, person);
  return { subjectId };
}

export async function mergePeople(library: LibraryStore, gallery: GalleryStore, into: number, from: number): Promise<void> {
  const a = await library.person(into);
  const b = await library.person(from);
  if (a.name === null && b.name !== null) throw new LibraryError('E_INVALID_ARGUMENT', `merge the unnamed person ${into} into the named ${from}, not the other way round`);
  await library.merge(into, from);
  if (b.subjectId !== null) await gallery.deleteSubject(b.subjectId);
  await syncSubject(library, gallery, into);
}

/** Moves faces into `to` (null: a new person, i.e. a split). Returns the person they are in. */
export async function moveFaces(library: LibraryStore, gallery: GalleryStore, faces: readonly number[], to: number | null): Promise<number> {
  if (faces.length === 0) throw new LibraryError('E_INVALID_ARGUMENT', 'name at least one face');
  const before = new Set<number>();
  for (const f of faces) {
    const p = (await library.face(f)).person;
    if (p !== null) before.add(p);
  }
  const target = await library.move(faces, to);
  for (const p of [...before, target]) await syncSubject(library, gallery, p);
  await library.prune();
  return target;
}

export async function rejectFace(library: LibraryStore, gallery: GalleryStore, person: number, face: number): Promise<void> {
  await library.reject(person, face);
  await syncSubject(library, gallery, person);
  await library.prune();
}
