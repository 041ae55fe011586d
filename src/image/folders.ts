/**
 * Photo folders as people use them: a data set is a folder of `<identity>/<photos>` (the layout of
 * the ../shared/data sets, of `likeness enroll --from` and of `likeness train`).
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { InvalidOptionError, LikenessError } from '../errors.js';

/** File name extensions taken as photos when a folder is read. */
export const IMAGE_EXTENSIONS: ReadonlySet<string> = new Set(['.jpg', '.jpeg', '.png', '.webp', '.gif', '.tif', '.tiff']);

/** Whether a file name has an image extension likeness decodes. */
export const isImageFile = (name: string): boolean => IMAGE_EXTENSIONS.has(path.extname(name).toLowerCase());

export interface Person {
  name: string;
  files: string[];
}

/** `<dir>/<identity>/<photos>`, people and photos sorted by name. */
export async function readPeople(dir: string, skipped?: string[]): Promise<Person[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (e) {
    throw new LikenessError('E_LIST_READ', `${dir}: cannot read folder (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const people: Person[] = [];
  for (const e of entries.filter((d) => d.isDirectory() || d.isSymbolicLink()).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    let files: string[];
    try {
      const names = (await readdir(path.join(dir, e.name), { withFileTypes: true })).filter((f) => f.isFile()).map((f) => f.name).sort();
      files = names.filter(isImageFile);
      skipped?.push(...names.filter((f) => !isImageFile(f)).map((f) => path.join(dir, e.name, f)));
    } catch {
      continue; // a plain file or broken link
    }
    if (files.length > 0) people.push({ name: e.name, files: files.map((f) => path.join(dir, e.name, f)) });
  }
  if (people.length === 0) throw new InvalidOptionError(`${dir}: no <identity>/<photos> folders with images`);
  return people;
}
