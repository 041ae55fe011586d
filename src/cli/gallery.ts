/** Gallery commands: enroll, identify, subjects, gallery stats — thin shells over Gallery. */
import { Command, InvalidArgumentError, Option } from 'commander';
import { createHash } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { once } from 'node:events';
import { LikenessError } from '../errors.js';
import type { Gallery } from '../gallery/gallery.js';
import { UnknownSubjectError } from '../gallery/errors.js';
import type { OpenGalleryOptions } from '../gallery/open.js';
import type { GalleryStore } from '../gallery/store.js';
import type { Candidate } from '../match/identify.js';
import { describeQuality } from '../quality/index.js';
import { resolveStack } from '../models/stacks.js';
import { galleryModel, modelOption, requestedModel } from './model.js';
import { readPeople } from '../image/folders.js';
import { expandInputs, reportSkipped, skippedFile, type SkippedFile } from './files.js';
import { boxJson, boxText, plural, printable, UsageFailure } from './output.js';

export const DEFAULT_DB = (): string => process.env.LIKENESS_DB ?? 'likeness.sqlite';

export const dbOption = (): Option => new Option('--db <file|url>', 'gallery: a SQLite file or a postgres:// URL (env LIKENESS_DB)').default(undefined, DEFAULT_DB());

const positiveInt = (name: string) => (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a positive integer`);
  return n;
};

export async function withGallery<T>(db: string | undefined, fn: (g: Gallery) => Promise<T>, storeOptions: OpenGalleryOptions = {}, model?: string): Promise<T> {
  const location = db ?? DEFAULT_DB();
  const [{ openGallery }, { Gallery }, { Likeness }] = await Promise.all([import('../gallery/open.js'), import('../gallery/gallery.js'), import('../likeness.js')]);
  // Without --model, encode with the stack the gallery was enrolled with.
  const probe = await openGallery(location, storeOptions);
  let chosen: string | undefined;
  try {
    chosen = await galleryModel(probe, model);
  } finally {
    await probe.close();
  }
  const likeness = await Likeness.create(chosen === undefined ? {} : { model: chosen });
  const g = await Gallery.open(location, likeness, storeOptions);
  try {
    return await fn(g);
  } finally {
    await g.close();
  }
}

/**
 * The store alone, for commands that make no encodings (list, show, rename, remove, export, import,
 * stats): no model is loaded. It is initialised with the model its gallery records (so a gallery
 * of a trained model is handled too), or the default model's for a new gallery.
 */
async function withStore<T>(db: string | undefined, fn: (store: GalleryStore) => Promise<T>): Promise<T> {
  const { openGallery } = await import('../gallery/open.js');
  const store = await openGallery(db ?? DEFAULT_DB());
  try {
    const spec = resolveStack(requestedModel(undefined)).embedder;
    await store.init((await store.model()) ?? { name: spec.name, version: spec.version, dimensions: spec.outputSize });
    return await fn(store);
  } finally {
    await store.close();
  }
}

export function galleryCommands(program: Command): void {
  program
    .command('enroll')
    .description('enrol a person from photos (one face each): --name NAME IMG..., or --from DIR of <name>/<photos>')
    .argument('[images...]', 'photos of the person')
    .addOption(dbOption())
    .option('--name <name>', 'the person to enrol')
    .option('--from <dir>', 'bulk: a folder of <name>/<photos>; resumable, skips bad photos with a report')
    .option('--thumbnails', 'keep a small aligned thumbnail per face (off by default: privacy)')
    .option('--allow-poor-quality', 'enrol photos whose face is small, blurred or in profile (refused by default: E_POOR_QUALITY)')
    .addOption(modelOption('the model stack (default: the gallery\'s own; a gallery keeps one)'))
    .option('--json', 'print JSON only')
    .action(async (images: string[], o: { db?: string; name?: string; from?: string; thumbnails?: boolean; allowPoorQuality?: boolean; model?: string; json?: boolean }) => {
      if (!o.from && (!o.name || images.length === 0)) throw new UsageFailure('give --name NAME with at least one photo, or --from DIR');
      if (o.from && (o.name || images.length > 0)) throw new UsageFailure('--from cannot be combined with --name or photos');
      await withGallery(o.db, async (g) => {
        if (!o.from) {
          const skipped: SkippedFile[] = [];
          const files = await expandInputs(images, skipped);
          reportSkipped(skipped);
          const r = await g.enroll(o.name!, files, { thumbnails: o.thumbnails ?? false, allowPoorQuality: o.allowPoorQuality ?? false });
          if (o.json) process.stdout.write(`${JSON.stringify({ subject: r.subject, faces: r.faces.map((f, i) => ({ id: f.id, score: f.score, quality: r.quality[i] })), ...(skipped.length > 0 ? { skipped } : {}) })}\n`);
          else {
            process.stdout.write(`enrolled ${r.subject.name} (${r.subject.id}) with ${r.faces.length} face${r.faces.length === 1 ? '' : 's'}\n`);
            r.quality.forEach((q, i) => process.stdout.write(`  face ${i + 1}: quality ${q.score} (${describeQuality(q)})\n`));
          }
          return;
        }
        const notImages: string[] = [];
        const people = (await readPeople(o.from, notImages)).map((p): [string, string[]] => [p.name, p.files]);
        const unsupported = notImages.map(skippedFile);
        reportSkipped(unsupported);
        const total = people.reduce((n, [, f]) => n + f.length, 0);
        const bar = (await import('../progress.js')).progressFor(total, 'enrolling');
        const report = {
          /** Photos enrolled now, photos found already enrolled, photos skipped (with the reason). */
          enrolled: 0,
          alreadyEnrolled: 0,
          skipped: [] as { file: string; reason: string }[],
          /** Files of the folder that are not images (not read). */
          unsupported,
          people: {
            total: people.length,
            /** People who got at least one face now. */
            enrolled: 0,
            /** People with no face in the gallery after this run: none of their photos could be used. */
            noUsablePhoto: [] as string[],
            /** Names that matched a subject already in the gallery before this run, which got the new faces. */
            matchedExisting: [] as { name: string; subject: string; faces: number; subjectsWithName: number }[],
          },
        };
        let done = 0;
        for (const [name, files] of people) {
          let added = 0;
          let already = 0;
          let subject: { id: string; existing: boolean; count: number } | undefined;
          for (const file of files) {
            try {
              const face = await g.encodeForEnrollment(file, file, o.thumbnails ?? false, o.allowPoorQuality ?? false);
              if (await g.store.hasImage(name, face.imageSha256)) already++;
              else {
                if (!subject) {
                  const found = await g.store.findSubjects(name);
                  subject = found[0] ? { id: found[0].id, existing: true, count: found.length } : { id: (await g.store.createSubject(name)).id, existing: false, count: 1 };
                }
                const { box: _b, quality: _q, ...nf } = face;
                await g.store.addFaces(subject.id, [nf]);
                added++;
              }
            } catch (e) {
              if (!(e instanceof LikenessError) || !e.isInputError) throw e;
              report.skipped.push({ file, reason: e.message });
            }
            bar.tick(++done);
          }
          report.enrolled += added;
          report.alreadyEnrolled += already;
          if (added > 0) report.people.enrolled++;
          if (added === 0 && already === 0) report.people.noUsablePhoto.push(name);
          if (subject?.existing && added > 0) report.people.matchedExisting.push({ name, subject: subject.id, faces: added, subjectsWithName: subject.count });
        }
        bar.stop();
        if (o.json) process.stdout.write(`${JSON.stringify(report)}\n`);
        else {
          const p = report.people;
          const persons = (n: number): string => (n === 1 ? '1 person' : `${n} people`);
          process.stdout.write(
            `enrolled ${plural(report.enrolled, 'photo')}: ${p.enrolled} of ${persons(p.total)} got faces ` +
              `(${plural(report.alreadyEnrolled, 'photo')} already enrolled, ${report.skipped.length} skipped${unsupported.length > 0 ? `, ${unsupported.length} not images` : ''})\n`,
          );
          if (p.noUsablePhoto.length > 0) process.stdout.write(`${persons(p.noUsablePhoto.length)} with no usable photo: ${p.noUsablePhoto.map((n) => JSON.stringify(n)).join(', ')}\n`);
          for (const m of p.matchedExisting) {
            process.stdout.write(
              `${JSON.stringify(m.name)} matched an existing subject (${m.subject}), which got ${plural(m.faces, 'face')}` +
                `${m.subjectsWithName > 1 ? ` (${m.subjectsWithName} subjects have this name: the oldest was used)` : ''}\n`,
            );
          }
          for (const s of report.skipped) process.stdout.write(`  skipped ${s.reason}\n`);
        }
      }, {}, o.model);
    });

  program
    .command('identify')
    .description('who is in these photos? every face with its best candidates, or unknown')
    .argument('<images...>', 'photos or folders')
    .addOption(dbOption())
    .addOption(new Option('--top <k>', 'candidates per face').argParser(positiveInt('--top')).default(5))
    .addOption(new Option('--threshold <t>', 'open-set distance threshold (default: calibrated)').argParser((v) => {
      const n = Number(v);
      if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('--threshold must be a number ≥ 0');
      return n;
    }))
    .addOption(new Option('--combine <rule>', "score a subject's several faces by their mean encoding or nearest face").choices(['mean', 'nearest']).default('mean'))
    .option('--no-hubness', 'decide on raw distances, without correcting for enrolled people who sit near many others')
    .addOption(
      new Option('--index <kind>', 'SQLite gallery search: exact, or hnsw (approximate, for millions of faces; kept in <db>.usearch, rebuilt when stale)')
        .choices(['exact', 'hnsw'])
        .default('exact'),
    )
    .addOption(modelOption('the model stack (default: the one the gallery was enrolled with)'))
    .option('--json', 'print JSON only')
    .action(async (args: string[], o: { db?: string; top: number; threshold?: number; combine: 'mean' | 'nearest'; hubness: boolean; index: 'exact' | 'hnsw'; model?: string; json?: boolean }) => {
      const skipped: SkippedFile[] = [];
      const files = await expandInputs(args, skipped);
      reportSkipped(skipped);
      const { isPostgresLocation } = await import('../gallery/open.js');
      if (o.index === 'hnsw' && isPostgresLocation(o.db ?? DEFAULT_DB())) throw new UsageFailure('--index hnsw is for SQLite galleries: a PostgreSQL gallery already searches with pgvector\'s HNSW index');
      await withGallery(o.db, async (g) => {
        const out = [];
        let failed = 0;
        for (const file of files) {
          try {
            const r = await g.identify(file, { top: o.top, combine: o.combine, ...(o.hubness ? {} : { hubness: false }), ...(o.threshold === undefined ? {} : { threshold: o.threshold }) });
            out.push({
              file,
              threshold: r.threshold,
              faces: r.faces.map((f) => ({ box: boxJson(f.box), score: f.score, ...(f.quality ? { quality: f.quality } : {}), match: f.match && { name: f.match.name, subject: f.match.subject, distance: f.match.distance, ...(f.match.adjustedDistance === undefined ? {} : { adjustedDistance: f.match.adjustedDistance }) }, candidates: f.candidates })),
            });
            if (!o.json) {
              process.stdout.write(`${file}: ${r.faces.length} face${r.faces.length === 1 ? '' : 's'}\n`);
              for (const f of r.faces) {
                const best = f.candidates[0];
                const d = (c: Candidate) => (c.adjustedDistance === undefined ? `distance ${c.distance.toFixed(3)}` : `distance ${c.distance.toFixed(3)}, corrected ${c.adjustedDistance.toFixed(3)}`);
                const q = f.quality ? `; quality ${f.quality.score}${f.quality.reasons.length > 0 ? `: ${describeQuality(f.quality)}` : ''}` : '';
                process.stdout.write(`  ${boxText(f.box)}: ${f.match ? `${f.match.name} (${d(f.match)})` : `unknown${best ? ` (nearest ${best.name}, ${d(best)} > ${r.threshold})` : ''}`}${q}\n`);
              }
            }
          } catch (e) {
            if (!(e instanceof LikenessError) || !e.isInputError) throw e;
            failed++;
            process.stderr.write(`likeness: ${e.message}\n`);
            out.push({ file, error: { code: e.code, message: e.message } });
          }
        }
        if (o.json) process.stdout.write(`${JSON.stringify([...out, ...skipped])}\n`);
        if (failed > 0) process.exitCode = 1;
      }, o.index === 'hnsw' ? { hnsw: {} } : {}, o.model);
    });

  const subjects = program.command('subjects').description('the enrolled people');
  subjects
    .command('list')
    .addOption(dbOption())
    .option('--json', 'print JSON only')
    .action(async (o: { db?: string; json?: boolean }) => {
      await withStore(o.db, async (store) => {
        const list = await store.listSubjects();
        if (o.json) process.stdout.write(`${JSON.stringify(list)}\n`);
        else for (const s of list) process.stdout.write(`${s.id}  ${printable(s.name)}  (${s.faceCount} face${s.faceCount === 1 ? '' : 's'})\n`);
      });
    });
  subjects
    .command('show')
    .argument('<id>')
    .addOption(dbOption())
    .action(async (id: string, o: { db?: string }) => {
      await withStore(o.db, async (store) => {
        const s = await store.getSubject(id);
        if (!s) throw new UnknownSubjectError(id);
        const faces = await store.listFaces(id);
        process.stdout.write(`${JSON.stringify({ ...s, faces: faces.map((f) => ({ id: f.id, score: f.score, imageSha256: f.imageSha256, createdAt: f.createdAt })) })}\n`);
      });
    });
  subjects
    .command('rename')
    .argument('<id>')
    .argument('<name>')
    .addOption(dbOption())
    .action(async (id: string, name: string, o: { db?: string }) => {
      await withStore(o.db, async (store) => {
        const s = await store.renameSubject(id, name);
        process.stdout.write(`renamed ${s.id} to ${s.name}\n`);
      });
    });
  subjects
    .command('remove')
    .description('remove a person and erase their encodings and thumbnails')
    .argument('<id>')
    .addOption(dbOption())
    .action(async (id: string, o: { db?: string }) => {
      await withStore(o.db, async (store) => {
        if (!(await store.deleteSubject(id))) throw new UnknownSubjectError(id);
        process.stdout.write(`removed ${id} and erased their faces\n`);
      });
    });

  program
    .command('faces')
    .description("a subject's enrolled faces")
    .command('remove')
    .description('remove one enrolled face and erase its encoding')
    .argument('<faceId>')
    .addOption(dbOption())
    .action(async (id: string, o: { db?: string }) => {
      await withStore(o.db, async (store) => {
        if (!(await store.deleteFace(id))) throw new LikenessError('E_UNKNOWN_FACE', `no face with id ${id}`);
        process.stdout.write(`removed face ${id}\n`);
      });
    });

  const gallery = program.command('gallery').description('the gallery as a whole');
  gallery
    .command('export')
    .description('write the gallery as JSON lines (header, then one line per subject with its encodings)')
    .addOption(dbOption())
    .option('--out <file>', 'write to this file instead of stdout')
    .option('--thumbnails', 'include thumbnails')
    .action(async (o: { db?: string; out?: string; thumbnails?: boolean }) => {
      await withStore(o.db, async (store) => {
        const out = o.out ? createWriteStream(o.out) : process.stdout;
        for await (const rec of store.export({ withThumbnails: o.thumbnails ?? false })) {
          if (!out.write(`${JSON.stringify(rec)}\n`)) await once(out, 'drain');
        }
        if (o.out) await new Promise<void>((resolve, reject) => (out as WriteStream).end((e?: Error | null) => (e ? reject(e) : resolve())));
      });
    });
  gallery
    .command('import')
    .description('add the subjects and faces of an export (JSON lines) in one transaction; ids already present are kept')
    .argument('<file>')
    .addOption(dbOption())
    .action(async (file: string, o: { db?: string }) => {
      await withStore(o.db, async (store) => {
        let text: string;
        try {
          text = await readFile(file, 'utf8');
        } catch (e) {
          throw new LikenessError('E_LIST_READ', `${file}: cannot read file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
        }
        const r = await store.import(text.split(/\r?\n/).filter((l) => l.trim().length > 0));
        process.stdout.write(`imported ${r.subjects} subjects and ${r.faces} faces (${r.skippedFaces} already present)\n`);
      });
    });
  gallery
    .command('reindex')
    .description("re-encode every face with the current model, from the original photos (matched by content hash)")
    .addOption(dbOption())
    .requiredOption('--from <dir>', 'folder (searched recursively) holding the enrolled photos')
    .addOption(modelOption('the model stack to re-encode with'))
    .action(async (o: { db?: string; from: string; model?: string }) => {
      const [{ openGallery }, { Gallery }, { Likeness }] = await Promise.all([import('../gallery/open.js'), import('../gallery/gallery.js'), import('../likeness.js')]);
      const likeness = await Likeness.create(requestedModel(o.model) === undefined ? {} : { model: requestedModel(o.model)! });
      const store = await openGallery(o.db ?? DEFAULT_DB());
      try {
        const byHash = new Map<string, string>();
        const skipped: SkippedFile[] = [];
        const photos = await expandInputs([o.from], skipped);
        reportSkipped(skipped);
        for (const f of photos) byHash.set(createHash('sha256').update(await readFile(f)).digest('hex'), f);
        const reencoded: { faceId: string; embedding: Float32Array }[] = [];
        const missing: string[] = [];
        const gallery = Gallery.wrap(store, likeness);
        const faces = [];
        for (const s of await store.listSubjects()) for (const f of await store.listFaces(s.id)) faces.push({ subject: s, face: f });
        const todo = faces.filter(({ subject, face }) => {
          if (byHash.has(face.imageSha256)) return true;
          missing.push(`${subject.name} (face ${face.id})`);
          return false;
        });
        if (missing.length === 0) {
          const progress = (await import('../progress.js')).progressFor(todo.length, 're-encoding');
          for (const { face } of todo) {
            const file = byHash.get(face.imageSha256)!;
            reencoded.push({ faceId: face.id, embedding: (await gallery.encodeForEnrollment(file, file, false, true)).embedding });
            progress.tick(reencoded.length);
          }
          progress.stop();
        }
        if (missing.length > 0) throw new LikenessError('E_REINDEX_MISSING', `no photo in ${o.from} for ${missing.length} face(s): ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}; nothing was changed`);
        await store.replaceModel({ ...likeness.model, dimensions: likeness.embedder.spec.outputSize }, reencoded);
        process.stdout.write(`re-encoded ${reencoded.length} faces with ${likeness.model.name}@${likeness.model.version}\n`);
      } finally {
        await store.close();
      }
    });
  gallery
    .command('stats')
    .addOption(dbOption())
    .action(async (o: { db?: string }) => {
      await withStore(o.db, async (store) => {
        process.stdout.write(`${JSON.stringify(await store.stats())}\n`);
      });
    });
}
