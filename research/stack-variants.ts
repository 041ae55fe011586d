/**
 * Model-stack variants on pair lists (LFW View 1's two files by default, each scored alone: the
 * threshold is chosen on the same pairs): which detector, which detector's
 * points, which alignment fit, which normalisation — each a StackSpec built from the registry with
 * one change, measured with the product's own `evaluateVerification` (encodings cached per variant).
 *
 *   npx tsx research/stack-variants.ts [--pairs FILE]... VARIANT...      (no variant: list them)
 */
import { parseArgs } from 'node:util';
import { evaluateVerification } from '../src/eval/verify-eval.js';
import type { LikenessOptions } from '../src/likeness.js';
import { builtinStack } from '../src/models/stacks.js';
import type { EmbedderSpec, StackSpec } from '../src/models/spec.js';
import { blazefaceShort } from '../src/models/zoo/blazeface.js';
import { retinafaceV1, retinafaceV2 } from '../src/models/zoo/retinaface.js';

const withEmbedder = (s: StackSpec, change: (e: EmbedderSpec) => EmbedderSpec): StackSpec => {
  if (s.embedder.task !== 'embed') throw new Error(`${s.name} is a fusion`);
  return { ...s, embedder: change(s.embedder) };
};

const VARIANTS: Record<string, () => LikenessOptions> = {
  dlib: () => ({ model: 'dlib' }),
  'retina-dlib': () => ({ model: { ...builtinStack('dlib'), name: 'retina-dlib', detector: retinafaceV1() } }),
  'retina-dlib:v2': () => ({ model: { ...builtinStack('dlib'), name: 'retina-dlib', detector: retinafaceV2() } }),
  faceplugin: () => ({ model: 'faceplugin' }),
  'faceplugin:v1': () => ({ model: { ...builtinStack('faceplugin'), detector: retinafaceV1() } }),
  'faceplugin:fit-image': () => ({ model: withEmbedder(builtinStack('faceplugin'), (e) => ({ ...e, alignment: { ...e.alignment, fit: 'image-to-chip' } })) }),
  'faceplugin:v1:fit-image': () => ({ model: withEmbedder({ ...builtinStack('faceplugin'), detector: retinafaceV1() }, (e) => ({ ...e, alignment: { ...e.alignment, fit: 'image-to-chip' } })) }),
  mobilefacenet: () => ({ model: 'mobilefacenet' }),
  'mobilefacenet:fit-chip': () => ({ model: withEmbedder(builtinStack('mobilefacenet'), (e) => ({ ...e, alignment: { ...e.alignment, fit: 'chip-to-image' } })) }),
  'mobilefacenet:v2': () => ({ model: { ...builtinStack('mobilefacenet'), detector: retinafaceV2() } }),
  'mobilefacenet:nomirror': () => ({ model: 'mobilefacenet', embedding: { mirror: false } }),
  'blaze-mobilefacenet': () => ({ model: { ...builtinStack('mobilefacenet'), detector: blazefaceShort() } }),
  blazeface: () => ({ model: 'blazeface' }),
  fusion: () => ({ model: 'fusion' }),
  'faceplugin:nomirror': () => ({ model: 'faceplugin', embedding: { mirror: false } }),
};

const { values, positionals } = parseArgs({ options: { pairs: { type: 'string', multiple: true, default: ['../shared/data/lfw/pairsDevTrain.txt', '../shared/data/lfw/pairsDevTest.txt'] } }, allowPositionals: true });
if (positionals.length === 0) {
  console.log(`variants: ${Object.keys(VARIANTS).join(' ')}`);
  process.exit(0);
}
for (const v of positionals) {
  const make = VARIANTS[v];
  if (!make) {
    console.error(`unknown variant ${v}`);
    process.exit(2);
  }
  const cols: string[] = [];
  for (const pairs of values.pairs!) {
    const { report: r } = await evaluateVerification(pairs, make(), { progress: false });
    const tar = r.tarAtFar.find((t) => t.far === 0.001);
    cols.push(`${(r.accuracy.mean * 100).toFixed(2)}% AUC ${r.auc.toFixed(5)} TAR@1e-3 ${tar ? (tar.tar * 100).toFixed(2) : '-'}% no-face ${r.failures.images}`);
  }
  console.log(`${v.padEnd(26)} ${cols.join(' | ')}`);
}
