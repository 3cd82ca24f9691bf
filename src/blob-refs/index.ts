/**
 * What names the blobs of the artifact store (the reference registry) and the store's garbage
 * collection over it; imported by server/ and cli/. Reads the tables of every domain by name and
 * imports none of them.
 */
export { BLOB_REFERENCES, NOT_BLOB_COLUMNS, type BlobReference } from './registry.ts';
export { allReferenced, presentReferences, referencedAmong } from './referenced.ts';
export { BadGraceError, StoreGcRunningError } from './errors.ts';
export { checkGraceSeconds, DEFAULT_GRACE_SECONDS, MAX_GRACE_SECONDS, MIN_GRACE_SECONDS } from './grace.ts';
export { runStoreGc, startStoreGcLoop, type StoreGcOptions, type StoreGcReport } from './store-gc.ts';
