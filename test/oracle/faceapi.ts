/**
 * face-api (@vladmandic/face-api 1.7.15) running on tfjs 4.22.0 + the WASM backend, used
 *   (1) as a test oracle for our ONNX conversions of ssd_mobilenetv1 / face_landmark_68 / face_recognition, and
 *   (2) as the peer in the speed benchmark (bench/).
 *
 * ─────────────────────────────────────────────────────────────────────────────────────────────
 * LOADING
 * - dist/face-api.node-wasm.js is a CommonJS bundle that does `require("@tensorflow/tfjs")` and
 *   `require("@tensorflow/tfjs-backend-wasm")` and re-exports both merged under `faceapi.tf`
 *   (it does NOT call setBackend itself). dist/tfjs.version.js and the bundle's embedded version
 *   table both say 4.22.0 for tfjs, tfjs-core, tfjs-converter, tfjs-backend-cpu/-webgl/-wasm, and the
 *   installed @tensorflow/* packages are all exactly 4.22.0, so there is one tfjs-core instance.
 *   We load it with createRequire (plain Node CJS, bypassing vite/tsx transforms) and only ever use
 *   `faceapi.tf` (never a separately imported tfjs) so there is no dual-instance risk.
 * - Backend: setWasmPaths(<node_modules>/@tensorflow/tfjs-backend-wasm/dist/) then setBackend('wasm').
 *   SIMD: detected (WebAssembly.validate) → tfjs-backend-wasm-simd.wasm is used.
 *   Threads: tfjs hard-codes WASM_HAS_MULTITHREAD_SUPPORT=false when IS_NODE (tfjs issue #3830);
 *   forcing the flag to true makes init fail with ERR_WORKER_PATH (emscripten passes a `blob:`
 *   URL to worker_threads.Worker). So: single-threaded SIMD. Measured on this 2-core box
 *   (warm, per call): SSD forward 512² ≈ 310 ms SIMD vs ≈ 850 ms without SIMD; recognition 150² ≈ 26–32 ms
 *   (≈ 75 ms no-SIMD); landmarks 112² ≈ 10 ms (≈ 20 ms no-SIMD). The first SSD call is ≈ 0.8–1.1 s
 *   (warm-up) — benchmarks must warm up. Load (module + wasm + 3 nets) ≈ 0.4–0.75 s.
 * - Nets: nets.ssdMobilenetv1 / faceLandmark68Net / faceRecognitionNet .loadFromDisk(model dir)
 *   (reads <name>-weights_manifest.json + .bin via fs, tf.io.weightsLoaderFactory).
 *
 * ─────────────────────────────────────────────────────────────────────────────────────────────
 * PREPROCESSING / ARCHITECTURE FACTS, confirmed by reading dist/face-api.node-wasm.js (and the
 * identical TypeScript in node_modules/@vladmandic/face-api/src/), 1.7.15:
 *
 * WEIGHTS (all three models)
 * - Manifest weights are mostly uint8-quantized: value = q * scale + min (computed in float64,
 *   stored in a Float32Array; tfjs-core io_utils decodeWeights). Some are stored as plain float32
 *   (recognition conv64_* filters, SSD Output/extra_dim). Layouts are TF: conv filters HWIO
 *   [kh,kw,in,out]; depthwise filters [kh,kw,C,1] (→ ONNX [C,1,kh,kw], group=C); FC weights [in,out].
 * - SSD manifest also carries Preprocessor/mul/x = 0.007843137718737125, Preprocessor/sub/y = 1,
 *   Postprocessor/* and stack_* constants: face-api DISPOSES them unused (hard-codes its own math).
 *
 * NetInput.toBatchTensor(inputSize, isCenter) — shared by all three nets, for a tensor input:
 *   x = expandDims(img) (int32 or float32 [h,w,3]) → padToSquare(x, isCenter) → if side ≠ inputSize:
 *   tf.image.resizeBilinear(x, [inputSize,inputSize], alignCorners=false, halfPixelCenters=false)
 *   → cast float32.
 * - padToSquare pads RAW PIXELS with 0 (before any mean subtraction / scaling), along the shorter
 *   axis, diff = |h−w|:
 *     isCenter=false: all `diff` rows/cols appended at the END (bottom or right).
 *     isCenter=true : append round(diff*0.5) (JS Math.round, .5 rounds up) at the END and prepend
 *                     diff − round(diff/2) = floor(diff/2) at the START. (odd diff → the extra
 *                     pixel goes bottom/right.)
 * - resizeBilinear(alignCorners=false, halfPixelCenters=false) = TF1 legacy bilinear, NO antialias
 *   when downscaling. Verified BIT-EXACT against the wasm kernel (smoke test) with all arithmetic in
 *   float32:  scale = f32(side/out); sy = f32(y*scale); y0 = floor(sy); y1 = min(ceil(sy), side−1);
 *   ly = f32(sy−y0) (same for x); top = tl + (tr−tl)*lx; bot = bl + (br−bl)*lx; v = top + (bot−top)*ly
 *   (each op rounded to f32). Doing it in float64 differs by up to ~0.008 (scales like 1920/112).
 *   ONNX equivalent: Resize mode=linear, coordinate_transformation_mode=asymmetric, antialias=0.
 *   The resize runs on the (float32-cast) padded image, so image/padding borders blend.
 *
 * SSD MobileNetV1 (input 512, toBatchTensor(512, isCenter=false) → pad bottom/right)
 * - normalisation: x/127.5 − 1 (face-api code: tf.sub(tf.div(x, 127.5), 1); the unused manifest
 *   constant form x*0.007843137718737125 − 1 differs by ≤ 1 ulp). Padding zeros therefore become −1.
 * - all convs padding 'same' (TF SAME: for stride 2 on even input, k=3 → pad 0 before, 1 after,
 *   i.e. ASYMMETRIC; ONNX auto_pad=SAME_UPPER or pads [0,0,1,1]).
 * - "pointwiseConvLayer" = conv2d(filters, stride, 'same') + convolution_bn_offset (BN folded),
 *   then clipByValue(0,6) (ReLU6). MobilenetV1 conv_0 is one of these with a 3×3×3×32 filter, stride 2.
 * - depthwiseConvLayer (conv_1..13): depthwiseConv2d 3×3 'same' → tf.batchNorm(mean, variance,
 *   offset=beta, scale=gamma, epsilon=0.0010000000474974513) = (x−mean)*gamma/sqrt(var+eps)+beta
 *   → ReLU6; then pointwise 1×1 conv stride 1 + bn_offset → ReLU6.
 *   Depthwise strides: 2 for conv_2, conv_4, conv_6, conv_12 (and conv_0 stride 2); others 1.
 *   Spatial: 512 →(c0) 256 →(c2) 128 →(c4) 64 →(c6) 32 →(c12) 16. (some moving_variance ≈ 4e-36,
 *   so eps dominates there.)
 * - conv11 := output of conv_11's pointwise (32×32×512); out := conv_13 output (16×16×1024).
 * - prediction layer (all pointwise layers as above, 'same', ReLU6):
 *   p0 = pw(out,1×1,s1) 256; p1 = pw(p0,3×3,s2) 512@8²; p2 = pw(p1,1×1,s1) 128; p3 = pw(p2,3×3,s2) 256@4²;
 *   p4 = pw(p3,1×1) 128; p5 = pw(p4,3×3,s2) 256@2²; p6 = pw(p5,1×1) 64; p7 = pw(p6,3×3,s2) 128@1².
 *   Box predictors (1×1 conv 'same' + bias, NO activation) on [conv11, out, p1, p3, p5, p7]:
 *   anchors per cell 3,6,6,6,6,6 → 3072+1536+384+96+24+6 = 5118. Each predictor's output is
 *   reshaped (NHWC order) to [1,−1,4] (box encodings) and [1,−1,3] (class logits), concatenated in
 *   that order.
 * - outputLayer: anchors = weight Output/extra_dim [1,5118,4] as [ymin,xmin,ymax,xmax] (normalised).
 *   ha = ymax−ymin, wa = xmax−xmin, yca = ymin+ha/2, xca = xmin+wa/2; encodings [ty,tx,th,tw]:
 *   yc = ty/10*ha + yca, xc = tx/10*wa + xca, h = exp(th/5)*ha, w = exp(tw/5)*wa;
 *   box = [yc−h/2, xc−w/2, yc+h/2, xc+w/2] (relative to the 512 PADDED square).
 *   score = sigmoid(logit[:,1]) (channel 0 = background ignored; channel 2 ignored; sigmoid, not softmax).
 * - NMS (JS, face-api's own, not tf.image.nms): candidates with score > minConfidence (strict),
 *   sorted descending; greedy: candidate dropped if IoU > 0.5 with any already selected box (IoU on
 *   the UNCLAMPED decoded boxes, corners re-ordered with min/max; IoU=0 if an area ≤ 0); stops at
 *   min(maxResults, 5118) selected. Clamping happens AFTER NMS.
 * - Box mapping: reshaped = computeReshapedDimensions({w,h}, 512) = (round(w*s), round(h*s)),
 *   s = 512/max(w,h); padX = 512/reshaped.w, padY = 512/reshaped.h;
 *   top = max(0,ymin)*padY, bottom = min(1,ymax)*padY, left = max(0,xmin)*padX, right = min(1,xmax)*padX
 *   (relative to the image), then × (w,h): x = left*w, y = top*h, width = (right−left)*w, height =
 *   (bottom−top)*h. NB the rounding quirk: the factor is w*512/round(w*512/max) instead of max(w,h)
 *   (e.g. 1920×1280: y factor 1280*512/341 = 1921.88 instead of 1920). Boxes are NOT clamped to the
 *   image — only to the padded square — so they may extend past the bottom/right edge.
 *
 * FaceLandmark68Net (input 112, toBatchTensor(112, isCenter=true))
 * - normalisation: (x − [122.782, 117.001, 104.298]) / 255  — divides by 255, NOT 256 —
 *   applied after padding (so padding becomes −mean/255) and resizing.
 * - 4 dense blocks (denseBlock4), channels 32, 64, 128, 256, each downsampling by 2 (112→56→28→14→7):
 *   out1 = relu(conv0(x)) where conv0 is a plain conv2d 3×3 stride 2 'same' + bias in dense0 and a
 *     separable conv (depthwise 3×3 stride 2 'same' → pointwise 1×1, + bias) in dense1..3;
 *   out2 = sep(out1); in3 = relu(out1+out2); out3 = sep(in3); in4 = relu(out1+out2+out3);
 *   out4 = sep(in4); return relu(out1+out2+out3+out4).  (sep convs: stride 1, 'same', bias, no act.)
 *   tf.separableConv2d = depthwise(stride,'same') then pointwise 1×1 'valid'; no bias between them.
 * - avgPool [7,7] stride 2 'valid' → 1×1×256, flatten → fc: x·W[256,136] + b. No activation.
 * - output: 136 values interleaved x0,y0,x1,y1,… in [0,1] of the PADDED square.
 *   postProcess: s = 112/max(w,h); w' = w*s, h' = h*s (unrounded); padX' = (w'<h') ? |w'−h'|/2 : 0,
 *   padY' likewise; relX = (out_x*112 − padX')/w', relY = (out_y*112 − padY')/h'; then FaceLandmarks
 *   multiplies by (w,h) and adds a shift. NB: it assumes a symmetric pad of diff/2 while padToSquare
 *   prepends floor(diff/2) → for odd |w−h| the landmark is 0.5 crop-pixel short of the geometric value.
 * - in the detectAllFaces chain: crop = detection.box.clipAtImageBorders(imgW,imgH) =
 *   {x: max(x,0), y: max(y,0), w: min(right−x', imgW−x'), h: …} then ALL FOUR .floor()'d; crop via
 *   tf.slice3d; landmarks are then shifted by the UNFLOORED detection box.x/.y (extendWithFaceLandmarks).
 *
 * FaceRecognitionNet (input 150, toBatchTensor(150, isCenter=true))
 * - normalisation: (x − [122.782, 117.001, 104.298]) / 255 (again 255, not 256).
 * - convLayer = conv2d + bias, then "scale" layer x*weights + biases (per channel), then optional ReLU.
 *   conv32_down: 7×7 stride 2 'VALID' + ReLU: 150 → 72. maxPool 3×3 stride 2 'valid': 72 → 35.
 *   residual(x): relu( convNoRelu(conv(x, 3×3 s1 'same', relu), 3×3 s1 'same') + x ).
 *   residualDown(x): out = conv(x, 3×3 STRIDE 2 'VALID', relu) → convNoRelu(3×3 s1 'same');
 *     pooled = avgPool(x, 2×2, stride 2, 'valid');
 *     if out's H/W ≠ pooled's: out gets ONE zero row appended at the bottom and ONE zero column at the
 *       right (zeros, after bias/scale — not the bias value);
 *     if channels differ: pooled = concat([pooled, zeros_like(pooled)], channel axis) (C → 2C,
 *       zero channels appended at the END); return relu(pooled + out).
 *   Sequence / spatial sizes: conv32_1..3 @35×35×32; conv64_down 35→17 (conv (35−3)/2+1 = 17, pool 17;
 *   no shape pad; channels 32→64 pad) + conv64_1..3; conv128_down 17→8 (conv 8, pool 8; ch pad 64→128)
 *   + conv128_1..2; conv256_down 8: conv → 3, pool → 4 ⇒ out zero-padded 3→4, ch pad 128→256;
 *   conv256_1..2 @4×4; conv256_down_out 4: conv → 1, pool → 2 ⇒ out zero-padded 1→2 (no ch pad).
 * - head: mean over H,W (2×2) → [1,256] · fc [256,128]. NO fc bias, NO L2 normalisation (confirmed:
 *   the descriptor is the raw matMul output; |d| ≈ 1.40–1.51 on the demo faces, see the smoke test).
 * - computeFaceDescriptor returns new Float32Array(128) (zeros) if any input dim ≤ 0.
 * - in the detectAllFaces(...).withFaceLandmarks().withFaceDescriptors() chain the descriptor is NOT
 *   computed on the detection box but on landmarks.align(null, {useDlibAlignment: true}):
 *   centres = [mean(leftEye pts 36–41), mean(rightEye pts 42–47), mean(mouth pts 48–67)];
 *   size = floor(mean(|mouthC−leftEyeC|, |mouthC−rightEyeC|) / 0.45);
 *   ref = mean of the three centres; x = floor(max(0, ref.x − 0.5*size)); y = floor(max(0, ref.y − 0.43*size));
 *   box = (x, y, min(size, cropW + x), min(size, cropH + y)) — cropW/H are the landmark crop's dims
 *   (a face-api bug: meant imgW − x), so effectively size×size. No rotation. That box is then
 *   clipAtImageBorders+floor'd, sliced, padded to square (centred) and resized to 150.
 *   (FullFace.descriptorBox below reports it.)
 * ─────────────────────────────────────────────────────────────────────────────────────────────
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

import type * as FaceApi from '@vladmandic/face-api';

import type { Box, Point, RgbImage } from '../../src/types.js';

type FaceApiModule = typeof FaceApi;
type Tensor = FaceApi.tf.Tensor;
type Tensor3D = FaceApi.tf.Tensor3D;
type Tensor4D = FaceApi.tf.Tensor4D;

/** The parts of tfjs(-backend-wasm) that face-api re-exports at runtime under `faceapi.tf` but whose typings it omits. */
interface TfRuntimeExtras {
  setWasmPaths(prefixOrFileMap: string, usePlatformFetch?: boolean): void;
  setBackend(name: string): Promise<boolean>;
  getBackend(): string;
  ready(): Promise<void>;
  memory(): { numTensors: number; numDataBuffers: number; numBytes: number };
  env(): { getAsync(flag: string): Promise<unknown> };
  getThreadsCount(): number;
  dispose(container: Tensor | Tensor[]): void;
  version_core: string;
}
type Tf = typeof FaceApi.tf & TfRuntimeExtras;

/** Raw SSD outputs, before NMS, for one 512×512 input. N = 5118 anchors. */
export interface SsdRawOutput {
  /** [N*4] raw box encodings [ty,tx,th,tw] per anchor (our mirror of face-api's graph, see ssdRaw). */
  boxEncodings: Float32Array;
  /** [N*3] raw class logits per anchor (channel 1 = face). Mirror of face-api's graph. */
  classLogits: Float32Array;
  /** [N*4] anchors [ymin,xmin,ymax,xmax] (weight Output/extra_dim). */
  anchors: Float32Array;
  /** [N*4] decoded boxes [ymin,xmin,ymax,xmax] relative to the 512 square — face-api's own forwardInput. */
  boxes: Float32Array;
  /** [N] sigmoid(logit[:,1]) — face-api's own forwardInput. */
  scores: Float32Array;
}

export interface DetectedFace {
  /** face-api's box in image pixels (floats, unclamped to the image, see header comment). */
  box: Box;
  score: number;
}

export interface FullFace extends DetectedFace {
  /** 68 points in image pixels (crop landmarks shifted by the unfloored detection box x/y). */
  landmarks: Point[];
  /** 128-d descriptor computed by the chain on `descriptorBox`. */
  descriptor: Float32Array;
  /** The dlib-style aligned box the chain cropped for the descriptor (before clipAtImageBorders+floor). */
  descriptorBox: Box;
}

export interface FullTimings {
  /** RgbImage → int32 tensor (not part of face-api). */
  inputMs: number;
  /** ssdMobilenetv1.locateFaces: preprocessing + net + NMS + box mapping. */
  detectMs: number;
  /** face crops (slice3d) + faceLandmark68Net.detectLandmarks for all faces. */
  landmarksMs: number;
  /** dlib alignment + crops + faceRecognitionNet.computeFaceDescriptor for all faces. */
  descriptorMs: number;
  totalMs: number;
}

export interface FullResult {
  faces: FullFace[];
  timings: FullTimings;
}

export interface FaceApiOracle {
  /** The loaded face-api module (node-wasm build) — escape hatch. */
  readonly faceapi: FaceApiModule;
  /** face-api's tfjs (the single tfjs-core instance), with the runtime-only extras typed. */
  readonly tf: Tf;
  readonly info: { faceapiVersion: string; tfjsVersion: string; backend: string; simd: boolean; threads: number };

  /** face-api SSD-MobileNetV1 detection: SsdMobilenetv1Options({minConfidence, maxResults: 100}). */
  detect(img: RgbImage, minConfidence?: number): Promise<DetectedFace[]>;
  /** faceLandmark68Net.detectLandmarks on this crop: 68 points in crop pixels. */
  landmarks(crop: RgbImage): Promise<Point[]>;
  /** faceLandmark68Net.runNet on this crop: the raw 136 outputs (x0,y0,…; relative to the padded 112 square). */
  landmarksRaw(crop: RgbImage): Promise<Float32Array>;
  /** faceRecognitionNet.computeFaceDescriptor on this image (pad-to-square centred, resize to 150). */
  descriptor(chip: RgbImage): Promise<Float32Array>;
  /**
   * face-api's NetInput.toBatchTensor(inputSize, isCenter) on this image: the exact float32 HWC pixels
   * (0..255, before normalisation) a net sees. SSD: (512, false); landmarks: (112, true); recognition: (150, true).
   */
  preprocess(img: RgbImage, inputSize: number, isCenter: boolean): Promise<Float32Array>;
  /**
   * SSD outputs before NMS. `input512`: 512*512*3 float32 HWC pixels in 0..255, already padded+resized
   * (e.g. `preprocess(img, 512, false)`); /127.5−1 is applied inside. `boxes`/`scores` come from face-api's
   * own forwardInput; `boxEncodings`/`classLogits` from a tf mirror of its graph built from the loaded params
   * (face-api does not expose them) — the smoke test checks the mirror decodes to face-api's boxes/scores.
   */
  ssdRaw(input512: Float32Array): Promise<SsdRawOutput>;
  /**
   * face-api end-to-end: detectAllFaces(tensor, SsdMobilenetv1Options({minConfidence, maxResults: 100}))
   * .withFaceLandmarks().withFaceDescriptors(). Per-stage timings are taken by temporarily wrapping the
   * net instances' locateFaces / detectLandmarks methods (which the chain calls) to timestamp stage
   * boundaries; the chain itself runs unmodified and only once.
   */
  full(img: RgbImage, minConfidence?: number): Promise<FullResult>;
  /** tf.memory().numTensors (for leak checks). */
  numTensors(): number;
}

const require = createRequire(import.meta.url);

const SSD_INPUT = 512;
const SSD_ANCHORS = 5118;
const SSD_BN_EPSILON = 0.0010000000474974513;
const MAX_RESULTS = 100;

let instance: Promise<FaceApiOracle> | undefined;

/** Loads face-api (node-wasm build) on tfjs-wasm and the three nets. Idempotent: every call returns the same instance. */
export function loadFaceApi(): Promise<FaceApiOracle> {
  if (!instance) {
    instance = createOracle();
    instance.catch(() => {
      instance = undefined; // allow a retry after a failed load
    });
  }
  return instance;
}

async function createOracle(): Promise<FaceApiOracle> {
  const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js') as FaceApiModule;
  const tf = faceapi.tf as Tf;

  if (tf.getBackend() !== 'wasm') {
    const wasmDir = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/';
    try {
      tf.setWasmPaths(wasmDir);
    } catch {
      // already initialised once in this process (setWasmPaths throws after a failed init); keep going
    }
    const ok = await tf.setBackend('wasm');
    await tf.ready();
    if (!ok || tf.getBackend() !== 'wasm') throw new Error(`face-api oracle: could not initialise the tfjs wasm backend (got ${tf.getBackend()})`);
  }

  const modelDir = join(dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
  const { ssdMobilenetv1, faceLandmark68Net, faceRecognitionNet } = faceapi.nets;
  if (!ssdMobilenetv1.isLoaded) await ssdMobilenetv1.loadFromDisk(modelDir);
  if (!faceLandmark68Net.isLoaded) await faceLandmark68Net.loadFromDisk(modelDir);
  if (!faceRecognitionNet.isLoaded) await faceRecognitionNet.loadFromDisk(modelDir);

  const info = {
    faceapiVersion: faceapi.version,
    tfjsVersion: tf.version_core,
    backend: tf.getBackend(),
    simd: Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')),
    threads: tf.getThreadsCount(),
  };

  // All calls are serialised: tfjs-wasm is single-threaded anyway, and full() temporarily wraps net methods.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.then(fn);
    queue = run.catch(() => undefined);
    return run;
  };

  const toTensor = (img: RgbImage): Tensor3D => {
    const { width, height, data } = img;
    if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
      throw new Error(`face-api oracle: bad image size ${width}×${height}`);
    }
    if (data.length !== width * height * 3) {
      throw new Error(`face-api oracle: data.length ${data.length} ≠ ${width}×${height}×3`);
    }
    return tf.tensor3d(Int32Array.from(data), [height, width, 3], 'int32');
  };

  const ssdOptions = (minConfidence: number) => new faceapi.SsdMobilenetv1Options({ minConfidence, maxResults: MAX_RESULTS });

  const plainBox = (b: { x: number; y: number; width: number; height: number }): Box => ({ x: b.x, y: b.y, width: b.width, height: b.height });
  const plainPoints = (pts: { x: number; y: number }[]): Point[] => pts.map((p) => ({ x: p.x, y: p.y }));

  const detect = (img: RgbImage, minConfidence = 0.5) => serial(async () => {
    const t = toTensor(img);
    try {
      const dets = await faceapi.detectAllFaces(t, ssdOptions(minConfidence));
      return dets.map((d) => ({ box: plainBox(d.box), score: d.score }));
    } finally {
      t.dispose();
    }
  });

  const landmarks = (crop: RgbImage) => serial(async () => {
    const t = toTensor(crop);
    try {
      const lm = await faceLandmark68Net.detectLandmarks(t);
      if (Array.isArray(lm)) throw new Error('face-api oracle: unexpected batch landmarks result');
      return plainPoints(lm.positions);
    } finally {
      t.dispose();
    }
  });

  const landmarksRaw = (crop: RgbImage) => serial(async () => {
    const t = toTensor(crop);
    try {
      const netInput = await faceapi.toNetInput(t);
      const out = faceLandmark68Net.runNet(netInput);
      try {
        return Float32Array.from(await out.data());
      } finally {
        out.dispose();
      }
    } finally {
      t.dispose();
    }
  });

  const descriptor = (chip: RgbImage) => serial(async () => {
    const t = toTensor(chip);
    try {
      const d = await faceRecognitionNet.computeFaceDescriptor(t);
      if (Array.isArray(d)) throw new Error('face-api oracle: unexpected batch descriptor result');
      return Float32Array.from(d);
    } finally {
      t.dispose();
    }
  });

  const preprocess = (img: RgbImage, inputSize: number, isCenter: boolean) => serial(async () => {
    const t = toTensor(img);
    try {
      const netInput = await faceapi.toNetInput(t);
      const batch = netInput.toBatchTensor(inputSize, isCenter);
      try {
        return Float32Array.from(await batch.data());
      } finally {
        batch.dispose();
      }
    } finally {
      t.dispose();
    }
  });

  const ssdRaw = (input512: Float32Array) => serial(async () => {
    if (input512.length !== SSD_INPUT * SSD_INPUT * 3) {
      throw new Error(`face-api oracle: ssdRaw expects ${SSD_INPUT}*${SSD_INPUT}*3 floats, got ${input512.length}`);
    }
    // face-api's own forward (decoded boxes + sigmoid scores, pre-NMS). A 512×512 input makes toBatchTensor a no-op.
    const img = tf.tensor3d(input512, [SSD_INPUT, SSD_INPUT, 3], 'float32');
    let boxes: Float32Array;
    let scores: Float32Array;
    try {
      const out = ssdMobilenetv1.forwardInput(await faceapi.toNetInput(img));
      try {
        boxes = Float32Array.from(await out.boxes[0]!.data());
        scores = Float32Array.from(await out.scores[0]!.data());
      } finally {
        tf.dispose([...out.boxes, ...out.scores]);
      }
    } finally {
      img.dispose();
    }
    // Mirror of face-api's graph up to the box predictors (same tf ops, same params, same order).
    const params = ssdMobilenetv1.params as unknown as SsdParams | undefined;
    if (!params) throw new Error('face-api oracle: ssd params not loaded');
    const [enc, logits] = tf.tidy(() => mirrorSsd(tf, params, input512));
    try {
      return {
        boxEncodings: Float32Array.from(await enc.data()),
        classLogits: Float32Array.from(await logits.data()),
        anchors: Float32Array.from(await params.output_layer.extra_dim.data()),
        boxes,
        scores,
      };
    } finally {
      tf.dispose([enc, logits]);
    }
  });

  const full = (img: RgbImage, minConfidence = 0.5) => serial(async (): Promise<FullResult> => {
    const t0 = performance.now();
    const t = toTensor(img);
    const t1 = performance.now();
    let detectEnd = Number.NaN;
    let landmarksEnd = Number.NaN;
    // Own-property wrappers shadow the prototype methods the chain calls via faceapi.nets.*; removed in finally.
    const ssd = ssdMobilenetv1 as unknown as Record<string, unknown>;
    const lmNet = faceLandmark68Net as unknown as Record<string, unknown>;
    const locateFaces = ssdMobilenetv1.locateFaces.bind(ssdMobilenetv1);
    const detectLandmarks = faceLandmark68Net.detectLandmarks.bind(faceLandmark68Net);
    ssd['locateFaces'] = async (...args: Parameters<typeof locateFaces>) => {
      const r = await locateFaces(...args);
      detectEnd = performance.now();
      return r;
    };
    lmNet['detectLandmarks'] = async (...args: Parameters<typeof detectLandmarks>) => {
      const r = await detectLandmarks(...args);
      landmarksEnd = performance.now();
      return r;
    };
    try {
      const results = await faceapi.detectAllFaces(t, ssdOptions(minConfidence)).withFaceLandmarks().withFaceDescriptors();
      const t2 = performance.now();
      if (Number.isNaN(detectEnd)) throw new Error('face-api oracle: stage timing hook did not fire');
      if (Number.isNaN(landmarksEnd)) landmarksEnd = detectEnd; // no faces
      const faces = results.map((r) => ({
        box: plainBox(r.detection.box),
        score: r.detection.score,
        landmarks: plainPoints(r.landmarks.positions),
        descriptor: Float32Array.from(r.descriptor),
        descriptorBox: plainBox(r.landmarks.align(null, { useDlibAlignment: true })),
      }));
      return {
        faces,
        timings: {
          inputMs: t1 - t0,
          detectMs: detectEnd - t1,
          landmarksMs: landmarksEnd - detectEnd,
          descriptorMs: t2 - landmarksEnd,
          totalMs: t2 - t0,
        },
      };
    } finally {
      delete ssd['locateFaces'];
      delete lmNet['detectLandmarks'];
      t.dispose();
    }
  });

  return {
    faceapi,
    tf,
    info,
    detect,
    landmarks,
    landmarksRaw,
    descriptor,
    preprocess,
    ssdRaw,
    full,
    numTensors: () => tf.memory().numTensors,
  };
}

// ── SSD graph mirror (for ssdRaw) ────────────────────────────────────────────────────────────────

interface SsdPointwiseParams { filters: Tensor4D; batch_norm_offset: Tensor }
interface SsdDepthwiseParams {
  filters: Tensor4D;
  batch_norm_scale: Tensor;
  batch_norm_offset: Tensor;
  batch_norm_mean: Tensor;
  batch_norm_variance: Tensor;
}
interface SsdConvParams { filters: Tensor4D; bias: Tensor }
interface SsdBoxPredictorParams { box_encoding_predictor: SsdConvParams; class_predictor: SsdConvParams }
/** Shape of face-api's SsdMobilenetv1 params (src/ssdMobilenetv1/types.ts). */
interface SsdParams {
  mobilenetv1: { conv_0: SsdPointwiseParams } & Record<string, { depthwise_conv: SsdDepthwiseParams; pointwise_conv: SsdPointwiseParams } | SsdPointwiseParams>;
  prediction_layer: Record<string, SsdPointwiseParams | SsdBoxPredictorParams>;
  output_layer: { extra_dim: Tensor };
}

/** Returns [boxEncodings [5118,4], classLogits [5118,3]]; call inside tf.tidy. */
function mirrorSsd(tf: Tf, params: SsdParams, input512: Float32Array): [Tensor, Tensor] {
  const pointwise = (x: Tensor4D, p: SsdPointwiseParams, s: number): Tensor4D =>
    tf.clipByValue(tf.add(tf.conv2d(x, p.filters, [s, s], 'same'), p.batch_norm_offset) as Tensor4D, 0, 6);
  const depthwise = (x: Tensor4D, p: SsdDepthwiseParams, s: number): Tensor4D =>
    tf.clipByValue(
      tf.batchNorm(tf.depthwiseConv2d(x, p.filters, [s, s], 'same'), p.batch_norm_mean, p.batch_norm_variance, p.batch_norm_offset, p.batch_norm_scale, SSD_BN_EPSILON) as Tensor4D,
      0,
      6,
    );

  const x0 = tf.tensor4d(input512, [1, SSD_INPUT, SSD_INPUT, 3], 'float32');
  const x = tf.sub(tf.div(x0, 127.5), 1) as Tensor4D;
  const mb = params.mobilenetv1;
  let out = pointwise(x, mb.conv_0, 2);
  let conv11: Tensor4D | undefined;
  for (let i = 1; i <= 13; i += 1) {
    const p = mb[`conv_${i}`] as { depthwise_conv: SsdDepthwiseParams; pointwise_conv: SsdPointwiseParams };
    out = depthwise(out, p.depthwise_conv, [2, 4, 6, 12].includes(i) ? 2 : 1);
    out = pointwise(out, p.pointwise_conv, 1);
    if (i === 11) conv11 = out;
  }
  if (!conv11) throw new Error('unreachable');
  const pl = params.prediction_layer;
  const pw = (x: Tensor4D, i: number, s: number) => pointwise(x, pl[`conv_${i}`] as SsdPointwiseParams, s);
  const c0 = pw(out, 0, 1);
  const c1 = pw(c0, 1, 2);
  const c2 = pw(c1, 2, 1);
  const c3 = pw(c2, 3, 2);
  const c4 = pw(c3, 4, 1);
  const c5 = pw(c4, 5, 2);
  const c6 = pw(c5, 6, 1);
  const c7 = pw(c6, 7, 2);
  const conv = (x: Tensor4D, p: SsdConvParams) => tf.add(tf.conv2d(x, p.filters, [1, 1], 'same'), p.bias);
  const sources = [conv11, out, c1, c3, c5, c7];
  const enc: Tensor[] = [];
  const cls: Tensor[] = [];
  sources.forEach((src, i) => {
    const p = pl[`box_predictor_${i}`] as SsdBoxPredictorParams;
    enc.push(tf.reshape(conv(src, p.box_encoding_predictor), [-1, 4]));
    cls.push(tf.reshape(conv(src, p.class_predictor), [-1, 3]));
  });
  const boxEncodings = tf.concat(enc, 0);
  const classLogits = tf.concat(cls, 0);
  if (boxEncodings.shape[0] !== SSD_ANCHORS) throw new Error(`ssd mirror: ${boxEncodings.shape[0]} anchors`);
  return [boxEncodings, classLogits];
}
