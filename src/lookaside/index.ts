/**
 * Lookaside: source files kept outside git and fetched by hash. This folder holds what the master
 * and the node share (hash types, URL templates, file-name checks) and the master's own store.
 */
export { BadFileNameError, checkFileName, fileNameProblem } from './filename.ts';
export { BadHashError, checkHash, HASH_TYPES, hashType, hashTypeOfLength, MultiHash, type HashType } from './hashes.ts';
export { findSource, SourceHashMismatchError, STORED_HASH_TYPES, uploadSource, type LookasideFile, type UploadInput } from './store.ts';
export { expandTemplate, PLACEHOLDERS, templateProblem, type SourceKey } from './template.ts';
