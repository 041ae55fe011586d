/** Opening the photo library's store by the gallery location (apart from the interface, so the stores do not import their opener). */
import type { LibraryStore } from './library-store.js';
import { isPostgresLocation } from './open.js';

/** The library at a gallery location (a SQLite file, or a postgres:// URL with its `?schema=`). */
export async function openLibrary(location: string): Promise<LibraryStore> {
  if (isPostgresLocation(location)) return (await import('./library-postgres-store.js')).PostgresLibraryStore.open(location);
  return (await import('./library-sqlite-store.js')).SqliteLibraryStore.open(location);
}
