/**
 * The JSON form of a TensorFlow.js *graph model* (`model.json` with `format: "graph-model"`): a TF
 * GraphDef as JSON (nodes with `op`, `input`, `attr`) plus a weights manifest in the same format as
 * layers models. Only the fields the converter reads are typed.
 */
import type { TfjsWeightGroup } from '../tfjs-weights.js';

/** One attribute value, as tfjs' converter writes protobuf's JSON mapping (int64 as strings, bytes as base64). */
export interface TfAttrValue {
  s?: string;
  i?: string | number;
  f?: number;
  b?: boolean;
  type?: string;
  shape?: TfShape;
  tensor?: { dtype?: string; tensorShape?: TfShape };
  list?: { s?: string[]; i?: (string | number)[]; f?: number[]; b?: boolean[]; type?: string[]; shape?: TfShape[] };
  func?: unknown;
}

export interface TfShape {
  dim?: { size?: string | number }[];
  unknownRank?: boolean;
}

export interface TfNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, TfAttrValue>;
  device?: string;
}

export interface TfSignatureEntry {
  name?: string;
  dtype?: string;
  tensorShape?: TfShape;
}

export interface TfjsGraphModelJson {
  format?: string;
  generatedBy?: string;
  convertedBy?: string;
  signature?: { inputs?: Record<string, TfSignatureEntry>; outputs?: Record<string, TfSignatureEntry> };
  userDefinedMetadata?: Record<string, unknown>;
  modelTopology: { node: TfNode[]; library?: { function?: unknown[] }; versions?: unknown };
  weightsManifest: TfjsWeightGroup[];
}
