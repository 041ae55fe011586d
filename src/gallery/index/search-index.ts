/**
 * What a store's in-process search index offers: kept current by the store's own writes (add,
 * remove, removeSubject after each commit) and tagged with the store's changeCounter it reflects,
 * so a write by another process is seen and caught up with. ExactIndex and HnswIndex implement it.
 */
import type { SearchHit } from '../types.js';

export interface SearchIndex {
  changeCounter: number;
  readonly size: number;
  add(faceId: string, subjectId: string, encoding: ArrayLike<number>): void;
  remove(faceId: string): boolean;
  removeSubject(subjectId: string): number;
  search(query: ArrayLike<number>, k: number): SearchHit[] | Promise<SearchHit[]>;
}
