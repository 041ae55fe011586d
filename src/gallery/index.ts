/** The gallery's storage layer: one interface, an embedded SQLite store and a PostgreSQL + pgvector store. */
export * from './errors.js';
export * from './types.js';
export type { GalleryStore } from './store.js';
export { openGallery, isPostgresLocation } from './open.js';
export { SqliteGalleryStore, type SqliteStoreOptions } from './sqlite-store.js';
export { PostgresGalleryStore, type PostgresStoreOptions, EXACT_SEARCH_ABOVE_K } from './postgres-store.js';
export { nearest, type Neighbour } from './brute-force.js';
