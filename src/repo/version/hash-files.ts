/**
 * The pass over every uncompressed byte of a metadata file: its open-checksum and open-size, and
 * the check that keeps a damaged cache from being published: each chunk's uncompressed bytes (its
 * members' fragments, as read now) must have the CRC-32 recorded when its compressed frame was
 * made from them, so the open-checksum describes what the compressed file decompresses to, and a
 * fragment changed in its pack since is found. (A chunk is made only of fragments that matched
 * their digests and looked like their packages' elements, see plan-files.ts, so a fragment that
 * passes here is one that passed those checks.)
 * The file is read pack by pack in large blocks (fragments of consecutive packages are usually
 * neighbours in a pack), so hashing, not reading, is most of the cost. (A worker thread hashing
 * two of the three files was tried: it saved 0.2 s on an idle machine and cost 0.25 s of CPU to
 * start from the TypeScript sources, a loss on a busy 2-core machine.)
 */
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import type { FileKind } from './chunking.ts';
import { readSpans, type PackFiles, type Spans } from './cache/packs.ts';
import type { VersionCache } from './cache/store.ts';

/** One metadata file as the hash pass sees it. */
export interface FileLayout {
  kind: FileKind;
  head: Uint8Array;
  tail: Uint8Array;
  /** First package of each chunk. */
  starts: readonly number[];
  /** Expected CRC-32 of each chunk's uncompressed bytes. */
  openCrcs: readonly number[];
}

export interface HashedFile {
  openChecksum: string;
  openSize: number;
  /** Chunks (indexes) whose bytes do not have the recorded CRC. */
  badChunks: number[];
}

/** The spans of each package's fragment of `kind`, in file order. */
export function fragmentSpans(cache: VersionCache, recs: Int32Array, kind: FileKind): Spans {
  return {
    count: recs.length,
    pack: (i) => cache.fragPack(recs[i] ?? 0),
    offset: (i) => cache.fragOffset(recs[i] ?? 0, kind),
    length: (i) => cache.fragLength(recs[i] ?? 0, kind),
  };
}

/** Hashes and checks one file: head, every package's fragment (`spans`, in file order, read from `files`), tail. */
export function hashFile(files: PackFiles, spans: Spans, layout: FileLayout): HashedFile {
  const { starts, openCrcs } = layout;
  const hash = createHash('sha256').update(layout.head);
  let size = layout.head.length;
  const badChunks: number[] = [];
  let chunk = 0;
  let crc = 0;
  const chunkEnd = (c: number): number => starts[c + 1] ?? spans.count;
  readSpans(
    files,
    spans,
    null,
    (buf, end, first, last) => {
      hash.update(buf.subarray(0, end));
      size += end;
      const base = spans.offset(first);
      let pos = 0;
      for (let i = first; i < last; ) {
        const stop = Math.min(last, chunkEnd(chunk));
        const segEnd = stop < last ? spans.offset(stop) - base : end;
        crc = crc32(buf.subarray(pos, segEnd), crc);
        pos = segEnd;
        i = stop;
        if (stop === chunkEnd(chunk)) {
          if (crc >>> 0 !== (openCrcs[chunk] ?? -1) >>> 0) badChunks.push(chunk);
          chunk++;
          crc = 0;
        }
      }
    },
  );
  hash.update(layout.tail);
  size += layout.tail.length;
  return { openChecksum: hash.digest('hex'), openSize: size, badChunks };
}
