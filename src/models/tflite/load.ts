/**
 * Converting a TFLite file once: the ONNX bytes are cached in likeness' cache folder
 * (src/models/cache.ts) under a name keyed by the file's SHA-256, the conversion options and this
 * converter's version, written atomically.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ModelError } from '../../errors.js';
import { buildCached, cacheDir, stableJson, type ConvertedModel } from '../cache.js';
import { PRODUCER } from '../onnx/graph.js';
import { convertTflite, type TfliteConversionOptions } from './convert.js';
import { readTflite } from './schema.js';

/** Bump when this converter's output changes for the same file and options, so cached conversions rebuild. */
export const TFLITE_CONVERTER_VERSION = '1';

/** The cache file (it may not exist when the cache folder is not writable), the ONNX bytes and their SHA-256. */
export type CachedTfliteConversion = ConvertedModel;

/**
 * Convert the TFLite file at `file` with `options`, or return the cached conversion. `id` prefixes
 * the cache file's name, e.g. "mobilefacenet".
 */
export async function convertTfliteCached(id: string, file: string, options: TfliteConversionOptions = {}, dir = cacheDir()): Promise<CachedTfliteConversion> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(file));
  } catch (cause) {
    throw new ModelError(`cannot read TFLite model ${file}: ${(cause as Error).message}`, cause);
  }
  const h = createHash('sha256');
  h.update(`${PRODUCER.name}/${PRODUCER.version}/tflite/${TFLITE_CONVERTER_VERSION}/${id}\n${stableJson(options)}\n`);
  h.update(createHash('sha256').update(bytes).digest('hex'));
  const out = path.join(dir, `${id}-${h.digest('hex').slice(0, 16)}.onnx`);
  return buildCached(out, () => {
    try {
      return convertTflite(readTflite(bytes, file), options).bytes;
    } catch (cause) {
      throw new ModelError(`cannot convert ${id} (${file}): ${(cause as Error).message}`, cause);
    }
  });
}
