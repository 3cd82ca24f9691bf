/**
 * The hash types source files are named by in dist-git (`sources`, `.NAME.metadata`) and in
 * lookaside caches, and the checks every hash given by a user or a file goes through.
 *
 * Terminology:
 * - hash type: md5, sha1, sha224, sha256, sha384 or sha512 (lower-case; a file may write it
 *   upper-case, `SHA512 (f) = …`). Files that give a bare hash are read by its length.
 * - source file: a file a spec's Source/Patch lines name, kept outside git and fetched by hash.
 */
import { createHash, type Hash } from 'node:crypto';
import { DistforgeError } from '../errors.ts';

export const HASH_TYPES = ['md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512'] as const;
export type HashType = (typeof HASH_TYPES)[number];

/** Hex digits of each hash type. */
const HEX_LENGTH: Record<HashType, number> = { md5: 32, sha1: 40, sha224: 56, sha256: 64, sha384: 96, sha512: 128 };

/** A hash type or hash that is not one: 400 `bad_hash`. */
export class BadHashError extends DistforgeError {
  constructor(message: string) {
    super('bad_hash', message, { status: 400 });
  }
}

/** The hash type named `name` (any case). @throws BadHashError naming the types known. */
export function hashType(name: string): HashType {
  const t = name.toLowerCase();
  if (!(HASH_TYPES as readonly string[]).includes(t)) throw new BadHashError(`unknown hash type ${JSON.stringify(name)} (expected one of ${HASH_TYPES.join(', ')})`);
  return t as HashType;
}

/** The hash type of a bare hex hash, read by its length (32 md5, 40 sha1, 64 sha256, 128 sha512 …), or null. */
export function hashTypeOfLength(hex: string): HashType | null {
  if (!/^[0-9a-fA-F]+$/.test(hex)) return null;
  return HASH_TYPES.find((t) => HEX_LENGTH[t] === hex.length) ?? null;
}

/** `hex` in lower case when it is a `type` hash. @throws BadHashError */
export function checkHash(type: HashType, hex: string): string {
  if (hex.length !== HEX_LENGTH[type] || !/^[0-9a-fA-F]+$/.test(hex)) {
    throw new BadHashError(`not a ${type} hash (${HEX_LENGTH[type]} hex digits): ${JSON.stringify(hex.length > 140 ? `${hex.slice(0, 140)}…` : hex)}`);
  }
  return hex.toLowerCase();
}

/** Hashes data with several hash types at once (one pass over a stream). */
export class MultiHash {
  readonly #hashes: [HashType, Hash][];
  size = 0;

  constructor(types: readonly HashType[]) {
    this.#hashes = [...new Set(types)].map((t) => [t, createHash(t)]);
  }

  update(chunk: Buffer): void {
    this.size += chunk.length;
    for (const [, h] of this.#hashes) h.update(chunk);
  }

  /** The hex digests, by type. */
  digest(): Partial<Record<HashType, string>> {
    return Object.fromEntries(this.#hashes.map(([t, h]) => [t, h.digest('hex')]));
  }
}
