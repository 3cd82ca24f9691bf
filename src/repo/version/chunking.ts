/**
 * Content-defined chunking of a metadata file's package list, and the keys of chunks.
 *
 * A chunk boundary falls before a package when a hash of its href, read as a fraction of 2^32, is
 * below its fragment's length divided by the target chunk size: on average a chunk holds the target
 * number of bytes, and whether a package starts a chunk depends on that package alone. Adding or
 * removing a package therefore changes only the chunk it falls in (or the two it joins); every other
 * chunk keeps its members, its key and its compressed bytes. A chunk that grows past four times the
 * target is cut (a cut that depends only on where the chunk started, so it is stable too).
 *
 * Terminology:
 * - kind: 0 primary, 1 filelists, 2 other.
 * - compression tag: the compressor and level (`zstd-3`, `gz-6`): part of every chunk key, so that
 *   frames made with other settings are never mixed in.
 */
import { createHash } from 'node:crypto';

export type FileKind = 0 | 1 | 2;
export const FILE_KINDS: readonly FileKind[] = [0, 1, 2];
export const KIND_NAMES = ['primary', 'filelists', 'other'] as const;

export const DEFAULT_CHUNK_BYTES = 256 * 1024;
/** A chunk is cut when it would grow past this many targets. */
const MAX_TARGETS = 4;

/** A 32-bit hash of `href`: FNV-1a over its UTF-16 code units, then murmur3's finaliser. */
export function hrefHash(href: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < href.length; i++) {
    h ^= href.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * The index of the first package of every chunk (the first is 0; empty for no packages).
 * @param hashes - {@link hrefHash} of each package, in file order.
 * @param lengths - each package's fragment length in this file.
 */
export function chunkStarts(hashes: Uint32Array, lengths: ArrayLike<number>, target: number): number[] {
  const starts: number[] = [];
  let bytes = 0;
  for (let i = 0; i < hashes.length; i++) {
    const len = lengths[i] ?? 0;
    const natural = (hashes[i] ?? 0) < (len / target) * 0x1_0000_0000;
    if (i === 0 || natural || bytes + len > MAX_TARGETS * target) {
      starts.push(i);
      bytes = 0;
    }
    bytes += len;
  }
  return starts;
}

/**
 * The key of a chunk of `kind` whose members have these digests (sha256 of each package's
 * fragments, 32 bytes each, back to back in file order).
 */
export function chunkKey(kind: FileKind, compressionTag: string, digests: Uint8Array): string {
  return createHash('sha256').update(`distforge-chunk\0${kind}\0${compressionTag}\0`).update(digests).digest('hex');
}

/** The key of a frame holding exactly `bytes` (a file's head or tail). */
export function rawKey(compressionTag: string, bytes: Uint8Array): string {
  return createHash('sha256').update(`distforge-raw\0${compressionTag}\0`).update(bytes).digest('hex');
}
