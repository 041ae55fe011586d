/** Command-line image arguments: files as given, folders expanded to the images inside them. */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { IMAGE_EXTENSIONS } from '../image/folders.js';

/**
 * Expand folders (recursively, sorted) to the image files in them; anything else is passed through
 * unchanged so that a missing or unreadable file is reported by the decoder with its own message.
 */
export async function expandInputs(args: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const a of args) {
    const s = await stat(a).catch(() => null);
    if (!s?.isDirectory()) {
      out.push(a);
      continue;
    }
    const entries = await readdir(a, { recursive: true, withFileTypes: true });
    const files = entries
      .filter((e) => e.isFile() && IMAGE_EXTENSIONS.has(path.extname(e.name).toLowerCase()))
      .map((e) => path.join(e.parentPath, e.name))
      .sort();
    out.push(...files);
  }
  return out;
}
