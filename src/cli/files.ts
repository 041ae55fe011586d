/** Command-line image arguments: files as given, folders expanded to the images inside them. */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { IMAGE_EXTENSIONS, isImageFile } from '../image/folders.js';

/** A file in a folder argument that is not read: its extension is not an image type likeness decodes. */
export interface SkippedFile {
  file: string;
  skipped: { code: 'E_UNSUPPORTED_TYPE'; message: string };
}

export function skippedFile(file: string): SkippedFile {
  const ext = path.extname(file).toLowerCase() || '(none)';
  return { file, skipped: { code: 'E_UNSUPPORTED_TYPE', message: `${file}: skipped, ${ext} is not an image type likeness reads (${[...IMAGE_EXTENSIONS].join(' ')})` } };
}

/** Each skipped file, one line on stderr. */
export function reportSkipped(skipped: readonly SkippedFile[]): void {
  for (const s of skipped) process.stderr.write(`likeness: ${s.skipped.message}\n`);
}

/**
 * Expand folders (recursively, sorted) to the image files in them; anything else is passed through
 * unchanged so that a missing or unreadable file is reported by the decoder with its own message.
 * Files in the folders that are not images are pushed onto `skipped` (when given).
 */
export async function expandInputs(args: readonly string[], skipped?: SkippedFile[]): Promise<string[]> {
  const out: string[] = [];
  for (const a of args) {
    const s = await stat(a).catch(() => null);
    if (!s?.isDirectory()) {
      out.push(a);
      continue;
    }
    const entries = await readdir(a, { recursive: true, withFileTypes: true });
    const all = entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name)).sort();
    for (const f of all) {
      if (isImageFile(f)) out.push(f);
      else skipped?.push(skippedFile(f));
    }
  }
  return out;
}
