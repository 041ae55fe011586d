/**
 * What training reads: for every photo of the people, its main face (mainFirst) as the frozen pretrained
 * pipeline sees it (box and encoding), computed once through eval's encodeSet and its SQLite cache;
 * for from-scratch training also the aligned chips at the small model's size.
 */
import { InvalidOptionError } from '../errors.js';
import { alignFace, dlibTemplate } from '../align/index.js';
import { encodeSet, type EncodeSetOptions } from '../eval/encode-set.js';
import { mainFace } from '../eval/verify-eval.js';
import { imageToTensor, type TensorLayout } from '../image/sample.js';
import type { Likeness, LikenessOptions } from '../likeness.js';
import type { Box } from '../types.js';
import type { Person } from './split.js';

export interface Sample {
  file: string;
  /** Index of the person in the list given. */
  person: number;
  box: Box;
  /** The pretrained encoding (unit length, mirror-averaged as the pipeline makes it). */
  embedding: Float32Array;
}

export interface FrozenSet {
  samples: Sample[];
  /** Photos without a usable face (unreadable, no face), with the reason. */
  skipped: { file: string; reason: string }[];
  encoded: number;
  fromCache: number;
  seconds: number;
}

/** The main face of every photo, encoded by the pretrained pipeline (cached). */
export async function frozenEncodings(people: readonly Person[], engine: LikenessOptions, run: EncodeSetOptions = {}): Promise<FrozenSet> {
  const files = people.flatMap((p) => p.files);
  const enc = await encodeSet(files, engine, { label: 'encoding (pretrained)', ...run });
  const samples: Sample[] = [];
  const skipped: { file: string; reason: string }[] = [];
  people.forEach((p, person) => {
    for (const file of p.files) {
      const r = enc.results.get(file);
      if (!r?.ok) {
        skipped.push({ file, reason: r ? r.error.message : 'not encoded' });
        continue;
      }
      const f = mainFace(r);
      if (!f) skipped.push({ file, reason: 'no face detected' });
      else samples.push({ file, person, box: f.box, embedding: f.embedding });
    }
  });
  return { samples, skipped, encoded: enc.encoded, fromCache: enc.fromCache, seconds: enc.seconds };
}

/**
 * Aligned chips (size × size, dlib template with `padding`) of each sample's face, as normalised
 * NCHW tensors [3, size, size]: the landmarks are predicted from the cached box (no detection).
 */
export async function alignedChips(samples: readonly Sample[], layout: TensorLayout, padding: number, engine: Likeness, onProgress?: (done: number) => void): Promise<Float32Array[]> {
  const template = dlibTemplate(layout.size, padding);
  const out: Float32Array[] = [];
  for (const s of samples) {
    const img = await engine.load(s.file);
    if (!engine.landmarker) throw new InvalidOptionError(`training from scratch aligns on 68 landmarks: use a stack with a landmark network (e.g. --model dlib), not ${engine.stack}`);
    const [lm] = await engine.landmarker.predict(img, [s.box]);
    const { chip } = alignFace(img, lm!, template);
    const t = new Float32Array(3 * layout.size * layout.size);
    imageToTensor(chip, layout, t);
    out.push(t);
    onProgress?.(out.length);
  }
  return out;
}

