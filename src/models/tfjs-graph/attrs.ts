/** Reading node attributes of a TF GraphDef in tfjs' JSON form, with errors that name the node. */
import { ModelError } from '../../errors.js';
import type { TfAttrValue, TfNode, TfShape } from './types.js';

const decodeBase64 = (s: string): string => Buffer.from(s, 'base64').toString('utf8');

function attr(node: TfNode, name: string): TfAttrValue | undefined {
  return node.attr?.[name];
}

function missing(node: TfNode, name: string): never {
  throw new ModelError(`node "${node.name}" (${node.op}) lacks attribute "${name}"`);
}

export function attrString(node: TfNode, name: string, fallback?: string): string {
  const a = attr(node, name);
  if (a?.s !== undefined) return decodeBase64(a.s);
  if (fallback !== undefined) return fallback;
  return missing(node, name);
}

export function attrInt(node: TfNode, name: string, fallback?: number): number {
  const a = attr(node, name);
  if (a?.i !== undefined) return Number(a.i);
  if (fallback !== undefined) return fallback;
  return missing(node, name);
}

export function attrFloat(node: TfNode, name: string, fallback?: number): number {
  const a = attr(node, name);
  if (a?.f !== undefined) return Number(a.f);
  if (fallback !== undefined) return fallback;
  return missing(node, name);
}

export function attrBool(node: TfNode, name: string, fallback?: boolean): boolean {
  const a = attr(node, name);
  if (a?.b !== undefined) return a.b;
  if (fallback !== undefined) return fallback;
  return missing(node, name);
}

export function attrInts(node: TfNode, name: string, fallback?: readonly number[]): number[] {
  const a = attr(node, name);
  if (a?.list) return (a.list.i ?? []).map(Number);
  if (fallback !== undefined) return [...fallback];
  return missing(node, name);
}

export function attrStrings(node: TfNode, name: string, fallback?: readonly string[]): string[] {
  const a = attr(node, name);
  if (a?.list) return (a.list.s ?? []).map(decodeBase64);
  if (fallback !== undefined) return [...fallback];
  return missing(node, name);
}

/** A TF DataType name (e.g. "DT_FLOAT"), from a `type` attribute or a `tensor` attribute's dtype. */
export function attrType(node: TfNode, name: string, fallback?: string): string {
  const a = attr(node, name);
  const t = a?.type ?? a?.tensor?.dtype;
  if (t !== undefined) return t;
  if (fallback !== undefined) return fallback;
  return missing(node, name);
}

/** Dimensions of a TF shape; -1 for unknown sizes. */
export function shapeDims(shape: TfShape | undefined): number[] | undefined {
  if (!shape || shape.unknownRank) return undefined;
  return (shape.dim ?? []).map((d) => (d.size === undefined ? -1 : Number(d.size)));
}

export function attrShape(node: TfNode, name: string): number[] | undefined {
  const a = attr(node, name);
  return shapeDims(a?.shape ?? a?.tensor?.tensorShape);
}
