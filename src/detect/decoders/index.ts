/** One network pass's outputs → raw detections, by the spec's decoding. */
import type { DetectorDecoding } from '../../models/spec.js';
import { decodeBlazeFace } from './blazeface.js';
import { decodeRetinaFace } from './retinaface.js';
import { decodeSsd } from './ssd.js';
import type { Outputs, RawDetection } from './types.js';

export type { Outputs, RawDetection } from './types.js';

export function decode(d: DetectorDecoding, out: Outputs, inputSize: number, minScore: number): RawDetection[] {
  switch (d.kind) {
    case 'ssd':
      return decodeSsd(d, out, inputSize, minScore);
    case 'retinaface':
      return decodeRetinaFace(d, out, inputSize, minScore);
    case 'blazeface':
      return decodeBlazeFace(d, out, inputSize, minScore);
  }
}
