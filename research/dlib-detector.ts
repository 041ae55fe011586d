/**
 * dlib's own detector in front of the pipeline, measured on View 1 (never to choose on View 2): the
 * last untested piece of the route dlib's published LFW figures took (detector → shape predictor
 * → chip → ResNet). dlib's CNN face detector (`mmod_human_face_detector.dat`, research/dlib/mmod.ts)
 * finds the faces; per photo, the encodings of:
 *
 *   default       the default pipeline (SSD, face-api's 68 points, dlib's 68-point template)
 *   mmod+faceapi  the MMOD box over the default's face → face-api's 68 points → the same template
 *   mmod+shape5   that box → dlib's 5-point predictor → dlib's template at those 5 points
 *                 (dlib's dnn_face_recognition_ex pipeline with the CNN detector)
 *   mmod+shape68  that box → dlib's 68-point predictor → dlib's 68-point template
 *   own+shape5    as mmod+shape5 with MMOD's own choice of face (its largest box, then its score)
 *
 * Photos where no MMOD box overlaps the default's face (or, for own+shape5, MMOD finds none) keep
 * the default's encoding (counted in the report). Each part prints the detector's time per photo.
 *
 *   npx tsx research/dlib-models.ts install resnet shape5 shape68 mmod   # the dlib files, once
 *   npx tsx research/dlib-detector.ts view1.csv            # encode (a process per core), then report
 *   npx tsx research/dlib-detector.ts view1.csv --report   # report from the saved encodings
 *
 * Work files go to $LIKENESS_EXPERIMENTS (default <tmp>/likeness-dlib-detector).
 */
import { readFile } from 'node:fs/promises';
import * as ort from 'onnxruntime-node';
import { alignFace, dlibTemplate } from '../src/align/index.js';
import { iou } from '../src/detect/nms.js';
import { largestFirst, Likeness } from '../src/likeness.js';
import { locateDlibModel } from './dlib/files.js';
import { buildMmodGraph, detectMmod, readMmodModel } from './dlib/mmod.js';
import { greyOf, predictShape, readShapePredictor, shape5Template } from './dlib/shape-predictor.js';
import type { RgbImage } from '../src/types.js';
import { figuresLine, pairDistances } from './lib/figures.js';
import { pairsExperiment } from './lib/parts.js';

const VARIANTS = ['default', 'mmod+faceapi', 'mmod+shape5', 'mmod+shape68', 'own+shape5'] as const;
const exp = await pairsExperiment('dlib-detector');

async function encodePart(part: number, parts: number): Promise<void> {
  const likeness = await Likeness.create({ model: 'dlib', intraOpThreads: 1 });
  const mmod = readMmodModel(new Uint8Array(await readFile(await locateDlibModel('mmod'))));
  const session = await ort.InferenceSession.create(buildMmodGraph(mmod), { intraOpNumThreads: 1 });
  const shape5 = readShapePredictor(new Uint8Array(await readFile(await locateDlibModel('shape5'))));
  const shape68 = readShapePredictor(new Uint8Array(await readFile(await locateDlibModel('shape68'))));
  const t68 = dlibTemplate(150, 0.25);
  const t5 = shape5Template(150, 0.25);
  const d = likeness.embedder.spec.outputSize;
  const mine = exp.mine(part, parts);
  const out = new Float32Array(mine.length * VARIANTS.length * d).fill(Number.NaN);
  let detectorMs = 0;
  for (const [i, file] of mine.entries()) {
    const img = await likeness.load(file);
    const face = largestFirst((await likeness.detect(img)).faces)[0];
    const t0 = performance.now();
    const dets = await detectMmod(mmod, session, img);
    detectorMs += performance.now() - t0;
    const grey = greyOf(img);
    const chips: (RgbImage | undefined)[] = new Array(VARIANTS.length).fill(undefined);
    if (face) chips[0] = alignFace(img, face.landmarks!, t68).chip;
    const matched = face ? dets.filter((m) => iou(m.box, face.box) > 0.2).sort((a, b) => iou(b.box, face.box) - iou(a.box, face.box))[0] : undefined;
    const own = [...dets].sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height || b.score - a.score)[0];
    if (matched) {
      const [faceapi] = await likeness.landmarker!.predict(img, [matched.box]);
      chips[1] = alignFace(img, faceapi!, t68).chip;
      chips[2] = alignFace(img, predictShape(shape5, grey, img.width, img.height, matched.box), t5).chip;
      chips[3] = alignFace(img, predictShape(shape68, grey, img.width, img.height, matched.box), t68).chip;
    }
    if (own) chips[4] = alignFace(img, predictShape(shape5, grey, img.width, img.height, own.box), t5).chip;
    const present = chips.flatMap((c, k) => (c ? [k] : []));
    const enc = await likeness.network.embedChips(present.map((k) => chips[k]!));
    present.forEach((k, j) => out.set(enc[j]!, (i * VARIANTS.length + k) * d));
    if ((i + 1) % 250 === 0) process.stderr.write(`part ${part}: ${i + 1}/${mine.length}\n`);
  }
  process.stderr.write(`part ${part}: dlib's CNN detector ${(detectorMs / mine.length).toFixed(0)} ms per photo (one thread)\n`);
  await exp.save(part, parts, out);
}

async function report(parts: number): Promise<void> {
  const { outputs, d } = await exp.load(parts, VARIANTS.length);
  VARIANTS.forEach((name, k) => {
    let fallback = 0;
    const vec = new Map<string, Float32Array | undefined>();
    for (const [f, o] of outputs) {
      let v = o.subarray(k * d, (k + 1) * d);
      if (Number.isNaN(v[0])) {
        fallback++;
        v = o.subarray(0, d);
      }
      vec.set(f, Number.isNaN(v[0]) ? undefined : v);
    }
    const why = name === 'own+shape5' ? 'without an MMOD face' : "where no MMOD box overlaps the default's face";
    console.log(`${figuresLine(name, pairDistances(exp.pairs, (f) => vec.get(f)))}${k > 0 ? ` (${fallback} of ${outputs.size} photos ${why} keep the default's encoding)` : ''}`);
  });
}

await exp.run(encodePart, report);
