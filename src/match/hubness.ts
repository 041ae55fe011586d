/**
 * Hubness correction for open-set identification. In a gallery of many people some enrolled faces
 * ("hubs") sit close to many strangers and collect most false matches. A subject's hubness h is the
 * mean cosine similarity of its encoding to its k nearest other people; its distance to a probe is
 * then judged as
 *
 *   d' = √(d² + max(0, h − h₀))
 *
 * where h₀ is the model's reference hubness (measured on a gallery of 840 LFW people, kept in
 * data/thresholds.json). This is the gallery side of CSLS (Conneau et al. 2018): 2·cos − h ranks
 * like d² + h. The clamp only ever penalises: a subject in a sparse neighbourhood, as in a small
 * gallery where h is an average over a few random people, is never matched more easily than its
 * raw distance allows (unclamped, the correction lost 4–21 points of DIR on 20- and 100-person
 * galleries; clamped it is neutral there).
 */
export type { HubnessReference } from '../models/spec.js';

/** Nearest other people averaged into a subject's hubness. */
export const HUBNESS_NEIGHBOURS = 5;

/**
 * Hubness from the similarities of a subject to other people (one value per other person, any
 * order): the mean of the k largest. Undefined when there is nobody else.
 */
export function hubness(similarities: readonly number[], k = HUBNESS_NEIGHBOURS): number | undefined {
  if (similarities.length === 0) return undefined;
  const top = [...similarities].sort((a, b) => b - a).slice(0, k);
  return top.reduce((s, x) => s + x, 0) / top.length;
}

/** The open-set distance: √(d² + max(0, h − h₀)); d itself when the hubness is unknown. */
export function adjustDistance(distance: number, h: number | undefined, reference: number): number {
  if (h === undefined) return distance;
  return Math.sqrt(distance * distance + Math.max(0, h - reference));
}
