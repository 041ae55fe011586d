/**
 * Verification pair lists: LFW's pairs.txt format (View 1 `pairsDevTrain.txt` has one "N" header;
 * View 2 `pairs.txt` has "folds N") and the CSV format `fold,same,path1,path2`. Paths are resolved
 * relative to the list's folder; pairs.txt names resolve to images/<name>/<name>_<nnnn>.jpg.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { LikenessError } from '../errors.js';

export interface Pair {
  fold: number;
  same: boolean;
  a: string;
  b: string;
}

export class PairsFormatError extends LikenessError {
  constructor(file: string, line: number, detail: string) {
    super('E_PAIRS_FORMAT', `${file}:${line}: ${detail}`);
  }
}

const lfwPath = (root: string, name: string, n: string): string =>
  path.join(root, 'images', name, `${name}_${n.padStart(4, '0')}.jpg`);

export function parsePairs(text: string, file: string): Pair[] {
  const root = path.dirname(path.resolve(file));
  const lines = text.split(/\r?\n/).map((l) => l.trim());
  const pairs: Pair[] = [];
  if (lines[0]?.toLowerCase().startsWith('fold,')) {
    lines.slice(1).forEach((l, i) => {
      if (!l) return;
      const [fold, same, a, b] = l.split(',');
      if (fold === undefined || same === undefined || !a || !b || !/^\d+$/.test(fold) || !/^[01]$/.test(same)) {
        throw new PairsFormatError(file, i + 2, `expected fold,same,path1,path2 with same = 0 or 1, got "${l}"`);
      }
      pairs.push({ fold: Number(fold), same: same === '1', a: path.resolve(root, a), b: path.resolve(root, b) });
    });
    return pairs;
  }
  const head = (lines[0] ?? '').split(/\s+/).map(Number);
  if (!head.every(Number.isInteger) || head.length < 1 || head.length > 2) throw new PairsFormatError(file, 1, 'expected "N" or "FOLDS N" header');
  const [folds, perHalf] = head.length === 2 ? [head[0]!, head[1]!] : [1, head[0]!];
  const body = lines.slice(1).filter((l) => l.length > 0);
  body.forEach((l, i) => {
    const f = l.split(/\s+/);
    const fold = Math.floor(i / (2 * perHalf)) + 1;
    if (f.length === 3) pairs.push({ fold, same: true, a: lfwPath(root, f[0]!, f[1]!), b: lfwPath(root, f[0]!, f[2]!) });
    else if (f.length === 4) pairs.push({ fold, same: false, a: lfwPath(root, f[0]!, f[1]!), b: lfwPath(root, f[2]!, f[3]!) });
    else throw new PairsFormatError(file, i + 2, `expected "name n1 n2" or "name1 n1 name2 n2", got "${l}"`);
  });
  if (pairs.length !== folds * perHalf * 2) throw new PairsFormatError(file, 1, `header promises ${folds * perHalf * 2} pairs, found ${pairs.length}`);
  return pairs;
}

/** Read a list file, as a typed input error when it cannot be read. */
export async function readList(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    throw new LikenessError('E_LIST_READ', `${file}: cannot read file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

export async function readPairs(file: string): Promise<Pair[]> {
  return parsePairs(await readList(file), file);
}
