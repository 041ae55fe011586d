/** Open-set identification protocols: CSV `path,identity,role` with role gallery | probe. */
import path from 'node:path';
import { LikenessError } from '../errors.js';
import { readList } from './pairs.js';

export interface ProtocolEntry {
  path: string;
  identity: string;
  role: 'gallery' | 'probe';
}

export class ProtocolFormatError extends LikenessError {
  constructor(file: string, line: number, detail: string) {
    super('E_PROTOCOL_FORMAT', `${file}:${line}: ${detail}`);
  }
}

/** Split one CSV line, honouring double quotes (identities may contain commas). */
export function splitCsv(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

export function parseProtocol(text: string, file: string): ProtocolEntry[] {
  const root = path.dirname(path.resolve(file));
  const lines = text.split(/\r?\n/);
  const header = splitCsv(lines[0] ?? '').map((h) => h.trim().toLowerCase());
  const ip = header.indexOf('path');
  const ii = header.indexOf('identity');
  const ir = header.indexOf('role');
  if (ip < 0 || ii < 0 || ir < 0) throw new ProtocolFormatError(file, 1, 'expected a header with path,identity,role');
  const out: ProtocolEntry[] = [];
  lines.slice(1).forEach((l, i) => {
    if (!l.trim()) return;
    const f = splitCsv(l);
    const role = f[ir]?.trim();
    if (!f[ip] || !f[ii] || (role !== 'gallery' && role !== 'probe')) {
      throw new ProtocolFormatError(file, i + 2, `expected path,identity,role with role gallery or probe, got "${l}"`);
    }
    out.push({ path: path.resolve(root, f[ip]!), identity: f[ii]!, role });
  });
  return out;
}

export async function readProtocol(file: string): Promise<ProtocolEntry[]> {
  return parseProtocol(await readList(file), file);
}
