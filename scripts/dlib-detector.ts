/**
 * dlib's own detector in front of the pipeline, measured on View 1 (never to choose on View 2): the
 * last untested piece of the route dlib's published LFW figures took (detector → shape predictor
 * → chip → ResNet). dlib's CNN face detector (`mmod_human_face_detector.dat`, src/models/dlib/mmod.ts)
 * finds the faces; per photo, the encodings of:
 *
 *   default       the default pipeline (SSD, face-api's 68 points, dlib's 68-point template)
 *   mmod+faceapi  the MMOD box over the default's face → face-api's 68 points → the same template
 *   mmod+shape5   that box → dlib's 5-point predictor → dlib's template at those 5 points
 *                 (dlib's dnn_face_recognition_ex pipeline with the CNN detector)
 *   mmod+shape68  that box → dlib's 68-point predictor → dlib's 68-point template
 *   own+shape5    as mmod+shape5 with MMOD's own choice of face (its largest box, then its score)
 *
 * Photos where MMOD finds no face keep the default's encoding (counted in the report).
 *
 *   npx tsx scripts/dlib-models.ts install resnet shape5 shape68 mmod   # the dlib files, once
 *   npx tsx scripts/dlib-detector.ts view1.csv            # encode (a process per core), then report
 *   npx tsx scripts/dlib-detector.ts view1.csv --report   # report from the saved encodings
 *
 * Work files go to $LIKENESS_EXPERIMENTS (default <tmp>/likeness-dlib-detector).
 */
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { alignFace, dlibTemplate, type AlignmentTemplate } from '../src/align/index.js';
import { readPairs } from '../src/eval/pairs.js';
import { iou } from '../src/detect/nms.js';
import { largestFirst, Likeness } from '../src/likeness.js';
import { locateDlibModel } from '../src/models/dlib/files.js';
import { buildMmodGraph, detectMmod, readMmodModel, type MmodDetection } from '../src/models/dlib/mmod.js';
import { greyOf, predictShape, readShapePredictor } from '../src/models/dlib/shape-predictor.js';
import type { Box, Point } from '../src/types.js';
import { figuresLine, pairDistances } from './lib/figures.js';
import { itemsOf, partsMain, readPartOutputs } from './lib/parts.js';

const VARIANTS = ['default', 'mmod+faceapi', 'mmod+shape5', 'mmod+shape68', 'own+shape5'] as const;
const WORK = process.env.LIKENESS_EXPERIMENTS ?? path.join(os.tmpdir(), 'likeness-dlib-detector');
const args = process.argv.slice(2);
const pairsFile = args.find((a) => !a.startsWith('--')) ?? 'view1.csv';
const pairs = await readPairs(pairsFile);
const files = [...new Set(pairs.flatMap((p) => [p.a, p.b]))].sort();
const partFile = (part: number, parts: number): string => path.join(WORK, `${path.basename(pairsFile)}-${part}-of-${parts}.f32`);

/** dlib's 5-point order (image-right eye outer and inner corner, image-left eye outer and inner, nose base) in iBUG indices. */
const SHAPE5_IBUG = [45, 42, 36, 39, 33];

async function encodePart(part: number, parts: number): Promise<void> {
  const likeness = await Likeness.create({ intraOpThreads: 1 });
  const mmod = readMmodModel(new Uint8Array(await readFile(await locateDlibModel('mmod'))));
  const session = await ort.InferenceSession.create(buildMmodGraph(mmod), { intraOpNumThreads: 1 });
  const shape5 = readShapePredictor(new Uint8Array(await readFile(await locateDlibModel('shape5'))));
  const shape68 = readShapePredictor(new Uint8Array(await readFile(await locateDlibModel('shape68'))));
  const t68 = dlibTemplate(150, 0.25);
  const t5: AlignmentTemplate = { name: 'dlib-5', size: 150, padding: 0.25, landmarkIndices: SHAPE5_IBUG, points: SHAPE5_IBUG.map((i) => t68.points[t68.landmarkIndices.indexOf(i)]!) };
  const d = likeness.embedder.spec.outputSize;
  const mine = itemsOf(files, part, parts);
  const out = new Float32Array(mine.length * VARIANTS.length * d).fill(Number.NaN);
  for (const [i, file] of mine.entries()) {
    const img = await likeness.load(file);
    const face = largestFirst((await likeness.detect(img)).faces)[0];
    const dets = await detectMmod(mmod, session, img);
    const grey = greyOf(img);
    const chips: (ReturnType<typeof alignFace>['chip'] | undefined)[] = new Array(VARIANTS.length).fill(undefined);
    if (face) chips[0] = alignFace(img, face.landmarks, t68).chip;
    const matched: MmodDetection | undefined = face ? dets.filter((m) => iou(m.box, face.box) > 0.2).sort((a, b) => iou(b.box, face.box) - iou(a.box, face.box))[0] : undefined;
    const own = [...dets].sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height || b.score - a.score)[0];
    const five = (box: Box): Point[] => predictShape(shape5, grey, img.width, img.height, box);
    if (matched) {
      const [faceapi] = await likeness.landmarker.predict(img, [matched.box]);
      chips[1] = alignFace(img, faceapi!, t68).chip;
      chips[2] = alignFace(img, fiveAsIbug(five(matched.box)), t5).chip;
      chips[3] = alignFace(img, predictShape(shape68, grey, img.width, img.height, matched.box), t68).chip;
    }
    if (own) chips[4] = alignFace(img, fiveAsIbug(five(own.box)), t5).chip;
    const present = chips.flatMap((c, k) => (c ? [k] : []));
    const enc = await likeness.embedder.embedChips(present.map((k) => chips[k]!));
    present.forEach((k, j) => out.set(enc[j]!, (i * VARIANTS.length + k) * d));
    if ((i + 1) % 250 === 0) process.stderr.write(`part ${part}: ${i + 1}/${mine.length}\n`);
  }
  await writeFile(partFile(part, parts), Buffer.from(out.buffer));
}

/** dlib's 5 points placed at their iBUG indices of a 68-point array (alignFace indexes by iBUG number). */
function fiveAsIbug(points: readonly Point[]): Point[] {
  const all: Point[] = Array.from({ length: 68 }, () => ({ x: 0, y: 0 }));
  SHAPE5_IBUG.forEach((k, j) => (all[k] = points[j]!));
  return all;
}

async function report(parts: number): Promise<void> {
  const { outputs: enc, d } = await readPartOutputs(files, parts, (part) => partFile(part, parts), VARIANTS.length);
  VARIANTS.forEach((name, k) => {
    let fallback = 0;
    const vec = new Map<string, Float32Array | undefined>();
    for (const [f, o] of enc) {
      let v = o.subarray(k * d, (k + 1) * d);
      if (Number.isNaN(v[0])) {
        fallback++;
        v = o.subarray(0, d);
      }
      vec.set(f, Number.isNaN(v[0]) ? undefined : v);
    }
    console.log(`${figuresLine(name, pairDistances(pairs, (f) => vec.get(f)))}${k > 0 ? ` (${fallback} of ${enc.size} photos without an MMOD face keep the default's encoding)` : ''}`);
  });
}

await partsMain(args, WORK, encodePart, report);
