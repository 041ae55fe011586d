/**
 * Just enough of a tar reader to take a few files out of an npm package tarball (.tgz) as it
 * streams by, without unpacking the rest: ustar headers with the prefix field, pax extended headers
 * (`path=`) and GNU long names.
 */
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';

const BLOCK = 512;

function field(h: Buffer, offset: number, length: number): string {
  const raw = h.subarray(offset, offset + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end < 0 ? length : end).toString('utf8');
}

function octal(h: Buffer, offset: number, length: number): number {
  const raw = h.subarray(offset, offset + length);
  // GNU base-256 for sizes ≥ 8 GiB: not needed for model files.
  if (raw[0]! & 0x80) throw new Error('tar: base-256 sizes are not supported');
  const s = field(h, offset, length).trim();
  return s ? parseInt(s, 8) : 0;
}

function paxPath(data: Buffer): string | undefined {
  let i = 0;
  while (i < data.length) {
    const sp = data.indexOf(0x20, i);
    if (sp < 0) break;
    const len = Number(data.subarray(i, sp).toString('utf8'));
    if (!(len > 0)) break;
    const rec = data.subarray(sp + 1, i + len - 1).toString('utf8');
    const eq = rec.indexOf('=');
    if (rec.slice(0, eq) === 'path') return rec.slice(eq + 1);
    i += len;
  }
  return undefined;
}

/**
 * Read the regular files of a tar stream whose names `want` accepts. Returns name → bytes.
 * Stops early once `expected` files (if given) have been read.
 */
export async function extractTar(stream: AsyncIterable<Buffer>, want: (name: string) => boolean, expected?: number): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  let buf: Buffer = Buffer.alloc(0);
  // current entry: bytes still to read, padding after it, and the chunks if kept
  let remaining = 0;
  let padding = 0;
  let chunks: Buffer[] | undefined;
  let name = '';
  let kind: 'file' | 'pax' | 'longname' | 'skip' = 'skip';
  let nextName: string | undefined;
  const finish = (): void => {
    const data = chunks ? Buffer.concat(chunks) : undefined;
    if (kind === 'file' && data) out.set(name, data);
    else if (kind === 'pax' && data) nextName = paxPath(data) ?? nextName;
    else if (kind === 'longname' && data) nextName = data.toString('utf8').replace(/\0+$/, '');
    chunks = undefined;
  };
  for await (const chunk of stream) {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    for (;;) {
      if (remaining > 0) {
        const n = Math.min(remaining, buf.length);
        if (n === 0) break;
        if (chunks) chunks.push(Buffer.from(buf.subarray(0, n)));
        buf = buf.subarray(n);
        remaining -= n;
        if (remaining > 0) break;
        finish();
        if (expected !== undefined && out.size >= expected) return out;
      }
      if (padding > 0) {
        const n = Math.min(padding, buf.length);
        buf = buf.subarray(n);
        padding -= n;
        if (padding > 0) break;
      }
      if (buf.length < BLOCK) break;
      const h = buf.subarray(0, BLOCK);
      buf = buf.subarray(BLOCK);
      if (h.every((b) => b === 0)) continue; // end-of-archive blocks
      const size = octal(h, 124, 12);
      const type = String.fromCharCode(h[156]! || 0x30);
      const prefix = field(h, 345, 155);
      const base = field(h, 0, 100);
      name = nextName ?? (prefix ? `${prefix}/${base}` : base);
      if (type === 'x') {
        kind = 'pax';
        name = '';
      } else if (type === 'L') kind = 'longname';
      else {
        kind = type === '0' || type === '7' ? 'file' : 'skip';
        nextName = undefined;
      }
      if (type === 'g') kind = 'skip';
      const keep = kind === 'pax' || kind === 'longname' || (kind === 'file' && want(name));
      if (kind === 'file' && !keep) kind = 'skip';
      chunks = keep ? [] : undefined;
      remaining = size;
      padding = (BLOCK - (size % BLOCK)) % BLOCK;
      if (size === 0) {
        finish();
        if (expected !== undefined && out.size >= expected) return out;
      }
    }
  }
  return out;
}

/** `extractTar` over a .tgz file. */
export async function extractTgz(file: string, want: (name: string) => boolean, expected?: number): Promise<Map<string, Buffer>> {
  const stream = createReadStream(file).pipe(createGunzip());
  try {
    return await extractTar(stream, want, expected);
  } finally {
    stream.destroy();
  }
}
