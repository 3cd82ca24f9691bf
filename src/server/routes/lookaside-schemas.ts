/** JSON schemas of the lookaside store's routes (routes/lookaside.ts), for validation and OpenAPI. */
import { HASH_TYPES } from '../../lookaside/index.ts';

const hex = (what: string) => ({ type: 'string', maxLength: 128, pattern: '^[0-9a-fA-F]+$', description: what }) as const;

/** PUT /lookaside/:filename */
export const uploadParams = {
  type: 'object',
  required: ['filename'],
  properties: { filename: { type: 'string', minLength: 1, maxLength: 255, description: 'the file name (no directories)' } },
} as const;

export const uploadQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 255, description: 'the package the file belongs to (informative)' },
    ...Object.fromEntries(HASH_TYPES.map((t) => [t, hex(`the ${t} the file must have; a mismatch stores nothing (422)`)])),
  },
} as const;

export const lookasideFileSchema = {
  type: 'object',
  required: ['filename', 'name', 'size', 'md5', 'sha1', 'sha256', 'sha512'],
  properties: {
    filename: { type: 'string' },
    name: { type: 'string', nullable: true },
    size: { type: 'integer' },
    md5: { type: 'string' },
    sha1: { type: 'string' },
    sha256: { type: 'string' },
    sha512: { type: 'string' },
  },
} as const;

/**
 * GET /lookaside/:hashtype/* where * is HASH or HASH/FILENAME (a wildcard: a sha512 is longer than
 * the router allows a parameter to be).
 */
export const downloadParams = {
  type: 'object',
  required: ['hashtype', '*'],
  properties: {
    hashtype: { type: 'string', maxLength: 16, description: `one of ${HASH_TYPES.join(', ')} (any case)` },
    '*': { type: 'string', maxLength: 400, description: 'HASH or HASH/FILENAME (the file name only names the download)' },
  },
} as const;
