/**
 * One entry point for every gallery location: a postgres:// or postgresql:// URL is a PostgreSQL +
 * pgvector gallery (`?schema=name` picks the schema, default `likeness`); anything else is the path
 * of a SQLite file (created, with its folder, when absent).
 */
import { PostgresGalleryStore, type PostgresStoreOptions } from './postgres-store.js';
import { SqliteGalleryStore, type SqliteStoreOptions } from './sqlite-store.js';
import type { GalleryStore } from './store.js';

export const isPostgresLocation = (location: string): boolean => /^postgres(ql)?:\/\//i.test(location);

export async function openGallery(location: string, options: SqliteStoreOptions & PostgresStoreOptions = {}): Promise<GalleryStore> {
  if (isPostgresLocation(location)) return PostgresGalleryStore.open(location, options);
  return SqliteGalleryStore.open(location, options);
}
