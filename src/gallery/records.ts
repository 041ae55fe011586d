/**
 * Export/import records (JSON lines): building them from stored rows, and reading them back with
 * every field checked, so a bad file is refused with the number of the record at fault.
 */
import { LikenessError } from '../errors.js';
import { bytesToEmbedding, embeddingToBase64 } from './encoding.js';
import { GalleryImportError } from './errors.js';
import type { ExportedFace, GalleryHeaderRecord, GalleryModel, GalleryRecord, StoredFace, Subject, SubjectRecord } from './types.js';
import { checkEmbedding, checkModel, checkName, checkSha256, checkThumbnail, checkTime, isUuid, metadataJson } from './validate.js';

export function headerRecord(model: GalleryModel): GalleryHeaderRecord {
  return { type: 'gallery', format: 'likeness-gallery', version: 1, model: { ...model }, exportedAt: new Date().toISOString() };
}

export function subjectRecord(subject: Omit<Subject, 'faceCount'>, faces: readonly StoredFace[]): SubjectRecord {
  return {
    type: 'subject',
    id: subject.id,
    name: subject.name,
    metadata: subject.metadata,
    createdAt: subject.createdAt,
    faces: faces.map((f) => {
      const out: ExportedFace = {
        id: f.id,
        model: f.model,
        modelVersion: f.modelVersion,
        embedding: embeddingToBase64(f.embedding),
        score: f.score,
        imageSha256: f.imageSha256,
        createdAt: f.createdAt,
      };
      if (f.thumbnail) out.thumbnail = Buffer.from(f.thumbnail).toString('base64');
      return out;
    }),
  };
}

/** A face read from an import record, checked. */
export interface ImportedFace {
  id: string;
  embedding: Float32Array;
  score: number;
  imageSha256: string;
  createdAt: string;
  thumbnail?: Uint8Array;
}

export interface ImportedSubject {
  id: string;
  name: string;
  metadataJson: string;
  createdAt: string;
  faces: ImportedFace[];
}

export type ImportItem = { kind: 'header'; model: GalleryModel } | { kind: 'subject'; subject: ImportedSubject };

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Reads records (objects, or JSON text lines) and yields them checked. The first must be the
 * header; faces must be of the header's model. Throws GalleryImportError(record number, reason).
 */
export async function* readImport(records: AsyncIterable<GalleryRecord | string> | Iterable<GalleryRecord | string>): AsyncGenerator<ImportItem> {
  let n = 0;
  let model: GalleryModel | undefined;
  const faceIds = new Set<string>();
  const subjectIds = new Set<string>();
  for await (const raw of records) {
    n++;
    try {
      let r: unknown = raw;
      if (typeof raw === 'string') {
        if (raw.trim() === '') continue;
        try {
          r = JSON.parse(raw);
        } catch {
          throw new GalleryImportError(n, 'not valid JSON');
        }
      }
      if (!isObject(r)) throw new GalleryImportError(n, 'not an object');
      if (model === undefined) {
        if (r.type !== 'gallery' || r.format !== 'likeness-gallery') throw new GalleryImportError(n, 'the first record must be the gallery header ({"type":"gallery","format":"likeness-gallery",…})');
        if (r.version !== 1) throw new GalleryImportError(n, `unsupported format version ${String(r.version)}`);
        model = checkModel(r.model as GalleryModel);
        yield { kind: 'header', model };
        continue;
      }
      if (r.type !== 'subject') throw new GalleryImportError(n, `unexpected record type ${JSON.stringify(r.type)}`);
      if (!isUuid(r.id)) throw new GalleryImportError(n, 'the subject id must be a lowercase UUID');
      if (subjectIds.has(r.id)) throw new GalleryImportError(n, `subject ${r.id} appears twice`);
      subjectIds.add(r.id);
      if (!Array.isArray(r.faces)) throw new GalleryImportError(n, 'faces must be an array');
      const faces: ImportedFace[] = r.faces.map((f: unknown, i: number): ImportedFace => {
        if (!isObject(f)) throw new GalleryImportError(n, `face #${i} is not an object`);
        if (!isUuid(f.id)) throw new GalleryImportError(n, `face #${i}'s id must be a lowercase UUID`);
        if (faceIds.has(f.id)) throw new GalleryImportError(n, `face ${f.id} appears twice`);
        faceIds.add(f.id);
        if (f.model !== model!.name || f.modelVersion !== model!.version) {
          throw new GalleryImportError(n, `face #${i} is of model ${String(f.model)} v${String(f.modelVersion)}, the header says ${model!.name} v${model!.version}`);
        }
        if (typeof f.embedding !== 'string') throw new GalleryImportError(n, `face #${i}'s embedding must be base64 text`);
        const bytes = Buffer.from(f.embedding, 'base64');
        if (bytes.byteLength !== model!.dimensions * 4) throw new GalleryImportError(n, `face #${i}'s embedding is ${bytes.byteLength} bytes, not ${model!.dimensions} float32 values`);
        const embedding = checkEmbedding(bytesToEmbedding(bytes), model!.dimensions, `face #${i}'s encoding`);
        if (typeof f.score !== 'number' || !Number.isFinite(f.score)) throw new GalleryImportError(n, `face #${i}'s score must be a finite number`);
        if (f.thumbnail !== undefined && typeof f.thumbnail !== 'string') throw new GalleryImportError(n, `face #${i}'s thumbnail must be base64 text`);
        const thumbnail = f.thumbnail === undefined ? undefined : checkThumbnail(new Uint8Array(Buffer.from(f.thumbnail, 'base64')), `face #${i}'s thumbnail`);
        const out: ImportedFace = {
          id: f.id,
          embedding,
          score: f.score,
          imageSha256: checkSha256(f.imageSha256, `face #${i}'s imageSha256`),
          createdAt: checkTime(f.createdAt, `face #${i}'s createdAt`),
        };
        if (thumbnail) out.thumbnail = thumbnail;
        return out;
      });
      yield {
        kind: 'subject',
        subject: { id: r.id, name: checkName(r.name), metadataJson: metadataJson(r.metadata ?? {}), createdAt: checkTime(r.createdAt, 'createdAt'), faces },
      };
    } catch (err) {
      if (err instanceof GalleryImportError) throw err;
      if (err instanceof LikenessError) throw new GalleryImportError(n, err.message);
      throw err;
    }
  }
  if (model === undefined) throw new GalleryImportError(0, 'the input is empty (no gallery header)');
}
