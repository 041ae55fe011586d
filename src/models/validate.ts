/**
 * A loaded graph checked against the spec that describes it, before any photo reaches it: the
 * input it names exists and has the layout and size the spec says, and the outputs the pipeline
 * reads exist (and, for an embedder, have its output size). A detector given as an embedder, a
 * truncated export or a wrong input size fails here with a ModelError that says what is wrong,
 * instead of as a crash on the first photo.
 */
import type ort from 'onnxruntime-node';
import { ModelError } from '../errors.js';
import type { DetectorSpec, EmbedderSpec, LandmarkerSpec, ModelSpec } from './spec.js';

interface TensorMeta {
  name: string;
  isTensor?: boolean;
  type?: string;
  shape?: readonly (number | string)[];
}

const metaOf = (list: unknown, name: string): TensorMeta | undefined => (Array.isArray(list) ? (list as TensorMeta[]).find((m) => m.name === name) : undefined);
const fixed = (d: number | string | undefined): d is number => typeof d === 'number' && d > 0;

function detectorOutputs(spec: DetectorSpec): string[] {
  const d = spec.decoding;
  if (d.kind === 'ssd') return [d.boxes, d.scores];
  if (d.kind === 'blazeface') return d.heads.flatMap((h) => [h.scores, h.regressors]);
  return d.anchors.flatMap((a) => ['cls_prob_reshape', 'bbox_pred', 'landmark_pred'].map((h) => `${d.prefix}${h}_stride${a.stride}`));
}

export function checkModel(spec: ModelSpec, session: ort.InferenceSession): void {
  const what = `model ${spec.name} (a ${spec.task === 'embed' ? 'face encoder' : spec.task === 'detect' ? 'face detector' : 'landmark network'})`;
  const inputName = spec.input.name ?? session.inputNames[0];
  if (!inputName || !session.inputNames.includes(inputName)) throw new ModelError(`${what}: its graph has no input ${spec.input.name ?? ''} (inputs: ${session.inputNames.join(', ') || 'none'})`);
  const input = metaOf((session as unknown as { inputMetadata?: unknown }).inputMetadata, inputName);
  const shape = input?.shape;
  if (input && input.type !== undefined && input.type !== 'float32') throw new ModelError(`${what}: its input ${inputName} is ${input.type}, not float32`);
  if (shape) {
    if (shape.length !== 4) throw new ModelError(`${what}: its input ${inputName} has ${shape.length} dimensions [${shape.join(', ')}], not an image batch of 4`);
    const [c, h, w] = spec.input.layout === 'nhwc' ? [shape[3], shape[1], shape[2]] : [shape[1], shape[2], shape[3]];
    if (fixed(c) && c !== 3) throw new ModelError(`${what}: its input ${inputName} [${shape.join(', ')}] has ${c} channels where the spec's ${spec.input.layout} layout puts them, not 3`);
    const n = spec.input.size;
    const sizeOk = (d: number | string | undefined) => !fixed(d) || d === n || (spec.task === 'detect' && (spec as DetectorSpec).inputMultiple !== undefined);
    if (!sizeOk(h) || !sizeOk(w)) throw new ModelError(`${what}: its input ${inputName} is [${shape.join(', ')}], the spec says ${n}×${n} (${spec.input.layout})`);
  }
  const outputs = spec.task === 'detect' ? detectorOutputs(spec) : [(spec as EmbedderSpec | LandmarkerSpec).output];
  const missing = outputs.filter((o) => !session.outputNames.includes(o));
  if (missing.length > 0) throw new ModelError(`${what}: its graph has no output ${missing.join(', ')} (outputs: ${session.outputNames.slice(0, 8).join(', ')}${session.outputNames.length > 8 ? ', …' : ''})`);
  if (spec.task === 'embed') {
    const out = metaOf((session as unknown as { outputMetadata?: unknown }).outputMetadata, spec.output)?.shape;
    const last = out?.[out.length - 1];
    if (out && (out.length !== 2 || (fixed(last) && last !== spec.outputSize))) throw new ModelError(`${what}: its output ${spec.output} is [${out.join(', ')}], the spec says [N, ${spec.outputSize}]`);
  }
}
