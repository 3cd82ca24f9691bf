/**
 * Writes one compressed metadata file of a version: the compressed frames of its head, chunks and
 * tail, copied from the cache's chunk packs back to back, with the checksum and size of the file
 * as stored. Each frame is checked against the CRC-32 recorded when it was made. The file is
 * written under a temporary name, flushed, and only then given its `<sha256>-<name>` name.
 */
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { tempPathBeside } from '../../util/atomic-file.ts';
import { readSpans } from './cache/packs.ts';
import type { VersionCache } from './cache/store.ts';

export interface WrittenChunked {
  fileName: string;
  checksum: string;
  size: number;
}

/**
 * Writes repodata/`<sha256>-<name>` from the chunk records `chunks` (in order).
 * @returns the file, or the indexes (in `chunks`) of frames that failed their check (nothing kept).
 */
export function writeChunkedFile(cache: VersionCache, repodata: string, name: string, chunks: readonly number[]): WrittenChunked | { bad: number[] } {
  const tmp = tempPathBeside(join(repodata, name));
  const fd = openSync(tmp, 'wx', 0o644);
  const hash = createHash('sha256');
  const bad: number[] = [];
  let size = 0;
  let ok = false;
  try {
    const spans = { count: chunks.length, pack: (i: number) => cache.chunkPack(chunks[i] ?? 0), offset: (i: number) => cache.chunkOffset(chunks[i] ?? 0), length: (i: number) => cache.chunkLength(chunks[i] ?? 0) };
    readSpans(
      cache.files,
      spans,
      (i, buf, at) => {
        if (crc32(buf.subarray(at, at + spans.length(i))) >>> 0 !== cache.chunkCrc(chunks[i] ?? 0)) bad.push(i);
      },
      (buf, end) => {
        hash.update(buf.subarray(0, end));
        for (let off = 0; off < end; ) off += writeSync(fd, buf, off, end - off);
        size += end;
      },
    );
    if (bad.length === 0) fsyncSync(fd);
    ok = bad.length === 0;
  } finally {
    closeSync(fd);
    if (!ok) unlinkSync(tmp);
  }
  if (!ok) return { bad };
  const checksum = hash.digest('hex');
  const fileName = `${checksum}-${name}`;
  renameSync(tmp, join(repodata, fileName));
  return { fileName, checksum, size };
}
