/**
 * One entry point for every gallery location: a postgres:// or postgresql:// URL is a PostgreSQL +
 * pgvector gallery (`?schema=name` picks the schema, default `likeness`); anything else is the path
 * of a SQLite file (created, with its folder, when absent).
 */
import { InvalidOptionError } from '../errors.js';
// Each store is imported when a gallery of its kind is opened: a SQLite gallery never loads pg.
import type { PostgresStoreOptions } from './postgres-store.js';
import type { SqliteStoreOptions } from './sqlite-store.js';
import type { GalleryStore } from './store.js';

export const isPostgresLocation = (location: string): boolean => /^postgres(ql)?:\/\//i.test(location);

export type OpenGalleryOptions = SqliteStoreOptions & PostgresStoreOptions;

export async function openGallery(location: string, options: OpenGalleryOptions = {}): Promise<GalleryStore> {
  if (isPostgresLocation(location)) {
    if (options.hnsw) throw new InvalidOptionError('an HNSW index file applies to SQLite galleries; a PostgreSQL gallery searches with pgvector\'s HNSW index in the database');
    return (await import('./postgres-store.js')).PostgresGalleryStore.open(location, options);
  }
  return (await import('./sqlite-store.js')).SqliteGalleryStore.open(location, options);
}
