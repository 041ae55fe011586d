/** `likeness cluster DIR...` and `likeness people list|name|merge|split|move|reject` (docs/clustering.md). */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { LibraryStore } from '../gallery/library-store.js';
import type { GalleryStore } from '../gallery/store.js';
import type { Box } from '../types.js';
import { expandInputs, type SkippedFile } from './files.js';
import { DEFAULT_DB } from './gallery.js';
import { modelOption, requestedModel } from './model.js';
import { boxJson, boxText } from './output.js';

const dbOption = (): Option => new Option('--db <location>', 'gallery: a SQLite file or a postgres:// URL (env LIKENESS_DB); the library is kept in it').default(undefined, DEFAULT_DB());
const id = (name: string) => (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a positive integer (an id from likeness people list)`);
  return n;
};

async function withLibrary<T>(db: string | undefined, model: string | undefined, fn: (library: LibraryStore, gallery: GalleryStore) => Promise<T>): Promise<T> {
  const [{ openLibrary }, { openGallery }, { initGallery }] = await Promise.all([import('../gallery/library-open.js'), import('../gallery/open.js'), import('../cluster/people.js')]);
  const location = db ?? DEFAULT_DB();
  // the gallery first: it creates the file (owner-only) or the schema, and its tables; then the library's beside them
  const gallery = await openGallery(location);
  try {
    await initGallery(gallery, requestedModel(model));
    const library = await openLibrary(location);
    try {
      return await fn(library, gallery);
    } finally {
      await library.close();
    }
  } finally {
    await gallery.close();
  }
}

type Summary = Awaited<ReturnType<typeof import('../cluster/library.js').summary>>;
const faceJson = (f: { id: number; path: string; box: Box }) => ({ id: f.id, path: f.path, box: boxJson(f.box) });

function print(s: Summary, json: boolean, extra: Record<string, unknown> = {}): void {
  if (json) {
    process.stdout.write(`${JSON.stringify({ clusters: s.clusters.map((c) => ({ id: c.id, name: c.name, size: c.size, faces: c.faces.map(faceJson) })), unclustered: s.unclustered.map(faceJson), ...extra })}\n`);
    return;
  }
  for (const c of s.clusters) {
    process.stdout.write(`person ${c.id}${c.name ? ` "${c.name}"` : ''}: ${c.size} face${c.size === 1 ? '' : 's'}\n`);
    for (const f of c.faces) process.stdout.write(`  face ${f.id}  ${f.path}  ${boxText(f.box)}\n`);
  }
  process.stdout.write(`${s.unclustered.length} face${s.unclustered.length === 1 ? '' : 's'} unclustered${s.unclustered.length ? ':' : ''}\n`);
  for (const f of s.unclustered) process.stdout.write(`  face ${f.id}  ${f.path}  ${boxText(f.box)}\n`);
}

export function clusterCommands(program: Command): void {
  program
    .command('cluster')
    .description('find the people in a photo library: detect and encode every face (cached, resumable, a worker per core), then group the faces into people. New photos join the people found before; named people are kept (docs/clustering.md)')
    .argument('<folders...>', 'folders of photos (or photo files)')
    .addOption(dbOption())
    .option('--recluster', 'cluster every face again (named people keep their faces)')
    .option('--workers <n>', 'worker threads (default: one per core)', id('--workers'))
    .addOption(modelOption())
    .option('--json', 'print {"clusters": [{id, name, size, faces: [{id, path, box}]}], "unclustered": [...], "problems": [...]}')
    .action(async (folders: string[], o: { db?: string; recluster?: boolean; workers?: number; model?: string; json?: boolean }) => {
      const problems: { path: string; code: string; message: string }[] = [];
      for (const f of folders) {
        const s = await stat(f).catch(() => null);
        if (!s) problems.push({ path: f, code: 'E_NOT_FOUND', message: `${f}: no such file or folder` });
        else if (s.isDirectory() && (await expandInputs([f])).length === 0) problems.push({ path: f, code: 'E_EMPTY_FOLDER', message: `${f}: no photos in this folder` });
      }
      const skipped: SkippedFile[] = [];
      const existing = [];
      for (const f of folders) if (await stat(f).catch(() => null)) existing.push(f);
      const files = (await expandInputs(existing, skipped)).map((f) => path.resolve(f));
      for (const s of skipped) problems.push({ path: s.file, code: s.skipped.code, message: s.skipped.message });
      await withLibrary(o.db, o.model, async (library) => {
        const { scanPhotos, clusterLibrary } = await import('../cluster/library.js');
        const m = requestedModel(o.model);
        const scan = files.length > 0 ? await scanPhotos(files, library, m === undefined ? {} : { model: m }, o.workers ? { workers: o.workers } : {}) : { photos: 0, newPhotos: 0, faces: 0, problems: [] };
        problems.push(...scan.problems);
        for (const p of problems) process.stderr.write(`likeness: ${p.message}\n`);
        const result = await clusterLibrary(library, { recluster: o.recluster === true });
        if (!o.json) process.stderr.write(`likeness: ${scan.newPhotos} new photo${scan.newPhotos === 1 ? '' : 's'} (${scan.faces} faces) of ${scan.photos}; ${result.joined} faces joined a person, ${result.created} new people\n`);
        print(result, o.json === true, { problems });
      });
    });

  const people = program.command('people').description('the people found by likeness cluster: list, name (makes them a gallery subject identify knows), merge, split, move a face, "not this person"');
  people
    .command('list')
    .description('every person with their faces, and the unclustered faces')
    .addOption(dbOption())
    .option('--json', 'JSON output')
    .action(async (o: { db?: string; json?: boolean }) => {
      await withLibrary(o.db, undefined, async (library) => print(await (await import('../cluster/library.js')).summary(library), o.json === true));
    });
  const edit = (name: string, description: string, args: [string, string][], run: (library: LibraryStore, gallery: GalleryStore, a: (string | number | number[])[]) => Promise<Record<string, unknown>>) => {
    const c = people.command(name).description(description);
    for (const [a, d] of args) c.argument(a, d, a.startsWith('<name') ? undefined : a.endsWith('...>') ? (v: string, prev: number[] = []) => [...prev, id('a face id')(v)] : id(a.replace(/[<>.]/g, '')));
    c.addOption(dbOption()).option('--json', 'JSON output');
    c.action(async (...all: unknown[]) => {
      const o = all[args.length] as { db?: string; json?: boolean };
      await withLibrary(o.db, undefined, async (library, gallery) => {
        const out = await run(library, gallery, all.slice(0, args.length) as (string | number | number[])[]);
        process.stdout.write(o.json ? `${JSON.stringify(out)}\n` : `${Object.entries(out).map(([k, v]) => `${k} ${v}`).join(', ')}\n`);
      });
    });
  };
  edit('name', 'name a person: they become a gallery subject (identify, the service and the door know them)', [['<person>', 'person id'], ['<name>', 'the name']], async (l, g, [p, n]) => {
    const { namePerson } = await import('../cluster/people.js');
    return { person: p, named: n, subject: (await namePerson(l, g, p as number, n as string)).subjectId };
  });
  edit('merge', 'merge the second person into the first', [['<into>', 'person id kept'], ['<from>', 'person id merged into it']], async (l, g, [a, b]) => {
    await (await import('../cluster/people.js')).mergePeople(l, g, a as number, b as number);
    return { merged: b, into: a };
  });
  edit('split', 'move these faces of a person to a new person', [['<person>', 'person id'], ['<faces...>', 'face ids']], async (l, g, [p, faces]) => {
    const list = faces as number[];
    for (const f of list) if ((await l.face(f)).person !== p) throw new (await import('../gallery/library-store.js')).LibraryError('E_INVALID_ARGUMENT', `face ${f} is not in person ${p}`);
    return { person: await (await import('../cluster/people.js')).moveFaces(l, g, list, null), from: p };
  });
  edit('move', 'move a face to another person', [['<face>', 'face id'], ['<person>', 'person id']], async (l, g, [f, p]) => ({ face: f, person: await (await import('../cluster/people.js')).moveFaces(l, g, [f as number], p as number) }));
  edit('reject', '"not this person": the face leaves the person and is never proposed for them again', [['<person>', 'person id'], ['<face>', 'face id']], async (l, g, [p, f]) => {
    await (await import('../cluster/people.js')).rejectFace(l, g, p as number, f as number);
    return { rejected: f, from: p };
  });
}
