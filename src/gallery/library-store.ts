/**
 * The photo library beside the gallery, in the same database: every photo scanned, every face found
 * in it (box, detector score, encoding, whether it is good enough to cluster), the people the
 * clustering proposed, and the "not this person" marks. A person who is named is linked to a gallery
 * subject, so `identify` knows them. No face crop is stored: thumbnails are cut from the original
 * photo on demand. Every write is one transaction.
 *
 * Two implementations with the same tables and semantics, chosen by the gallery location like the
 * gallery store (./open.ts): a SQLite file (./library-sqlite-store.ts) or a PostgreSQL schema
 * (./library-postgres-store.ts). Open the gallery first: it creates the file owner-only (SQLite) or
 * the schema (PostgreSQL).
 */
import { LikenessError } from '../errors.js';
import type { Box } from '../types.js';

export class LibraryError extends LikenessError {}
export const unknownPerson = (id: number): LibraryError => new LibraryError('E_UNKNOWN_PERSON', `no person with id ${id} in the library`);
export const unknownFace = (id: number): LibraryError => new LibraryError('E_UNKNOWN_FACE', `no face with id ${id} in the library`);
export const otherSettings = (): LibraryError => new LibraryError('E_LIBRARY_MODEL', 'the library was scanned with other encoder settings; scan it into a new --db');
export const mergeIntoItself = (): LibraryError => new LibraryError('E_INVALID_ARGUMENT', 'cannot merge a person into itself');

export interface LibraryFace {
  id: number;
  path: string;
  sha256: string;
  box: Box;
  score: number;
  trusted: boolean;
  person: number | null;
  embedding: Float32Array;
}

export interface Person {
  id: number;
  name: string | null;
  subjectId: string | null;
  size: number;
}

export interface LibraryPhoto {
  sha256: string;
  path: string;
  faces: { box: Box; score: number; trusted: boolean; embedding: Float32Array }[];
}

export interface LibraryStore {
  readonly kind: 'sqlite' | 'postgres';
  /** The encoder settings the faces were made with; a library refuses faces of other settings. */
  checkSettings(settings: string): Promise<void>;
  hasPhoto(sha256: string): Promise<boolean>;
  /** Adds photos and their faces (a photo already there is skipped). Returns the new face ids. */
  addPhotos(photos: readonly LibraryPhoto[]): Promise<number[]>;
  /** Every face, by id. */
  faces(): Promise<LibraryFace[]>;
  face(id: number): Promise<LibraryFace>;
  /** Every person, by id, with their number of faces. */
  people(): Promise<Person[]>;
  person(id: number): Promise<Person>;
  /** Pairs (face, person) marked "not this person", as `${face}:${person}`. */
  rejections(): Promise<Set<string>>;
  /**
   * One transaction: faces assigned to existing people (`assign`), new people each with their faces
   * (`create`), and, when `dissolveUnnamed`, every unnamed person removed first (a full re-cluster).
   * Returns the new people's ids.
   */
  applyClustering(assign: readonly { face: number; person: number }[], create: readonly number[][], dissolveUnnamed?: boolean): Promise<number[]>;
  setName(person: number, name: string, subjectId: string): Promise<void>;
  /** Moves every face of `from` to `into` and removes `from`; its rejections carry over. */
  merge(into: number, from: number): Promise<void>;
  /** Moves faces to another person (`to` null: a new person); returns the person they are in. */
  move(faces: readonly number[], to: number | null): Promise<number>;
  /** "Not this person": the face leaves the person and is never proposed for them again. */
  reject(person: number, face: number): Promise<void>;
  /** Removes people left without a face (and not named). */
  prune(): Promise<void>;
  close(): Promise<void>;
}
