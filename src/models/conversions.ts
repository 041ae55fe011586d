/** Every converter from tfjs weights to ONNX that model specs can name, by id. */
import { ModelError } from '../errors.js';
import { FACEAPI_CONVERSIONS, type TfjsConversion } from './faceapi/index.js';

const table = new Map<string, TfjsConversion>(Object.values(FACEAPI_CONVERSIONS).map((c) => [c.id, c]));

export function conversion(id: string): TfjsConversion {
  const c = table.get(id);
  if (!c) throw new ModelError(`no converter named ${id} (known: ${[...table.keys()].join(', ')})`);
  return c;
}

/** Make a converter available to specs (and to worker threads that import the registering module). */
export function registerConversion(c: TfjsConversion): void {
  table.set(c.id, c);
}
