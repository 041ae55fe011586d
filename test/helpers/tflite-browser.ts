/**
 * TensorFlow Lite's own interpreter as an independent reference for the TFLite → ONNX converter:
 * @tensorflow/tfjs-tflite (TFLite compiled to WebAssembly, XNNPACK delegate) works only in a real
 * browser (in Node it stops at `self is not defined`), so it runs in headless Chromium
 * (test/helpers/browser.ts) on a page served from 127.0.0.1. Its files come through the same
 * pinned, checksummed npm-files mechanism as model files (npm pack of the release, nothing else
 * kept): it cannot be a devDependency, since it peer-depends on exactly @tensorflow/tfjs-core 4.9.0
 * while the project has 4.22.0. tfjs-core comes from the project's @tensorflow/tfjs 4.22.0 bundle,
 * which tfjs-tflite runs with (it only wraps the interpreter's tensors).
 */
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { alignFace, fivePointTemplate } from '../../src/align/index.js';
import { fivePointsArray } from '../../src/landmarks/landmarker.js';
import { Likeness, largestFirst } from '../../src/likeness.js';
import type { ModelPackage } from '../../src/models/npm-files/files.js';
import { launchChromium, type LaunchedBrowser } from './browser.js';
import { FACEAPI_DEMO } from './data.js';

/** @tensorflow/tfjs-tflite 0.0.1-alpha.10 (Apache-2.0): the bundle and its SIMD WebAssembly interpreter (~8 MB tarball). */
export const TFJS_TFLITE: ModelPackage<'runtime'> = {
  name: '@tensorflow/tfjs-tflite',
  version: '0.0.1-alpha.10',
  folder: '',
  files: {
    runtime: {
      'dist/tf-tflite.min.js': '2fb09bf069728bf4b63c51c72a3a6bcf415f3732c28e85624a0fd9bb8edabd2e',
      'wasm/tflite_web_api_cc_simd.js': 'd5c71816525140d7a35b59a908d3b07d42741576630e647d246c19c6fa72d63d',
      'wasm/tflite_web_api_cc_simd.wasm': '40f49cc2d458ec09bb43db160e9e55f4b3c790a4c1d1fa280f8a61796296cf8e',
    },
  },
  env: 'LIKENESS_TFJS_TFLITE',
  cacheFolder: 'tfjs-tflite',
  size: '~8 MB',
};

const PAGE = `<!doctype html><meta charset="utf-8"><title>tflite reference</title>
<script src="/tf.min.js"></script><script src="/dist/tf-tflite.min.js"></script>`;

export interface TfliteReference {
  /** Run the model on each input (its full input shape, batch included); each run's outputs by name. */
  run(model: string, inputs: readonly Float32Array[]): Promise<Record<string, Float32Array>[]>;
  close(): Promise<void>;
}

/**
 * Serve tfjs-tflite (from `runtimeDir`, where TFJS_TFLITE's files are) and the given models
 * (name → .tflite path) on 127.0.0.1, and open the page in Chromium.
 */
export async function startTfliteReference(executable: string, runtimeDir: string, models: Record<string, string>): Promise<TfliteReference> {
  const tfBundle = path.join(path.dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs/package.json')), 'dist', 'tf.min.js');
  const routes = new Map<string, string>([['/tf.min.js', tfBundle]]);
  for (const f of Object.keys(TFJS_TFLITE.files.runtime)) routes.set(`/${f}`, path.join(runtimeDir, f));
  for (const [name, file] of Object.entries(models)) routes.set(`/models/${name}.tflite`, file);
  const type = (f: string): string => (f.endsWith('.js') ? 'text/javascript' : f.endsWith('.wasm') ? 'application/wasm' : 'application/octet-stream');
  const server: Server = createServer((req, res) => {
    const url = (req.url ?? '/').split('?')[0]!;
    if (url === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
      return;
    }
    const file = routes.get(url);
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    readFile(file).then(
      (b) => res.writeHead(200, { 'content-type': type(file) }).end(b),
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  let browser: LaunchedBrowser | undefined;
  try {
    browser = await launchChromium(executable);
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`http://127.0.0.1:${port}/`);
    const features = await page.evaluate(async () => {
      const w = globalThis as unknown as { tf: { setBackend(b: string): Promise<boolean> }; tflite: { setWasmPath(p: string): void; getWasmFeatures(): Promise<{ simd: boolean }> } };
      await w.tf.setBackend('cpu');
      w.tflite.setWasmPath('/wasm/');
      return w.tflite.getWasmFeatures();
    });
    if (!features.simd) throw new Error('this Chromium has no WebAssembly SIMD, which the installed tfjs-tflite interpreter needs');
    const opened = browser;
    return {
      async run(model, inputs) {
        const outs = await page.evaluate(
          async ({ url, inputs }) => {
            type T = { data(): Promise<Float32Array>; dispose(): void };
            type M = { inputs: { shape: number[] }[]; outputs: { name: string }[]; predict(x: T): T | Record<string, T> };
            const w = globalThis as unknown as {
              tf: { tensor(d: number[], s: number[]): T };
              tflite: { loadTFLiteModel(u: string, o: object): Promise<M> };
              models?: Record<string, Promise<M>>;
            };
            w.models ??= {};
            w.models[url] ??= w.tflite.loadTFLiteModel(url, { numThreads: 1 });
            const m = await w.models[url];
            const result: Record<string, number[]>[] = [];
            for (const data of inputs) {
              const x = w.tf.tensor(data, m.inputs[0]!.shape);
              const y = m.predict(x);
              const named: Record<string, T> = 'data' in y ? { [m.outputs[0]!.name]: y as T } : (y as Record<string, T>);
              const values: Record<string, number[]> = {};
              for (const [name, t] of Object.entries(named)) {
                values[name] = Array.from(await t.data());
                t.dispose();
              }
              x.dispose();
              result.push(values);
            }
            return result;
          },
          { url: `/models/${model}.tflite`, inputs: inputs.map((a) => Array.from(a)) },
        );
        if (errors.length > 0) throw new Error(`page errors: ${errors.join('; ')}`);
        return outs.map((o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Float32Array.from(v)])));
      },
      async close() {
        await opened.close();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      },
    };
  } catch (e) {
    await browser?.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    throw e;
  }
}

/**
 * Real face chips: the largest face of each of face-api's six demo photos, found and aligned by
 * the library (face-api's detector and landmarks, the 5-point template with 10 % padding) at
 * size × size, as RGB NHWC floats normalised (x − 127.5) / 128 as MobileFaceNet wants.
 */
export async function demoFaceChips(size = 112): Promise<Float32Array[]> {
  const likeness = await Likeness.create();
  const template = fivePointTemplate(size, 0.1);
  const chips: Float32Array[] = [];
  for (let i = 1; i <= 6; i++) {
    const img = await likeness.load(path.join(FACEAPI_DEMO, `sample${i}.jpg`));
    const face = largestFirst((await likeness.detect(img)).faces)[0];
    if (!face) throw new Error(`no face found in sample${i}.jpg`);
    const { chip } = alignFace(img, fivePointsArray(face.points5), template);
    chips.push(Float32Array.from(chip.data, (v) => (v - 127.5) / 128));
  }
  return chips;
}
