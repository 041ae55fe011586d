/** CLI output shaping: JSON records and one-line human summaries. */
import { InvalidArgumentError } from 'commander';
import type { Box } from '../types.js';

export { boxJson, faceJson } from '../json.js';

export const boxText = (b: Box): string => `box ${Math.round(b.x)},${Math.round(b.y)} ${Math.round(b.width)}×${Math.round(b.height)}`;

export const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Text for a terminal: control characters (a name stored before they were refused) as \u escapes. */
export const printable = (s: string): string => s.replace(/\p{Cc}/gu, (c) => `\\u${c.codePointAt(0)!.toString(16).padStart(4, '0')}`);

/** A usage error found inside a command's action (exit status 2, one line on stderr). */
export class UsageFailure extends Error {}

/** A commander argument parser for a number ≥ min (an integer with `integer`), with a usage error naming the option. */
export const atLeast = (name: string, min: number, integer = false) => (v: string): number => {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) throw new InvalidArgumentError(`${name} must be ${integer ? 'an integer' : 'a number'} ≥ ${min}`);
  return n;
};
