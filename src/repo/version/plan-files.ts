/**
 * Cuts each of the three metadata files into chunks, finds each chunk's compressed frame in the
 * cache by its key, and makes (and caches) the frames that are missing: their fragments are read
 * from the cache's packs, checked, joined and compressed together. The head (whose package count
 * changes) and the tail are frames of their own.
 */
import { crc32 } from 'node:zlib';
import { FILELISTS_TAIL, filelistsHead } from '../render/filelists.ts';
import { OTHER_TAIL, otherHead } from '../render/other.ts';
import { PRIMARY_TAIL, primaryHead } from '../render/primary.ts';
import { FILE_KINDS, chunkKey, chunkStarts, rawKey, type FileKind } from './chunking.ts';
import { readSpans } from './cache/packs.ts';
import type { NewChunk, VersionCache } from './cache/store.ts';
import { compressChunks, compressionTag } from './compress-chunks.ts';
import { fragmentLooksRight, fragmentSpans, type FileLayout } from './hash-files.ts';
import type { VersionCompression } from './types.ts';

/** One metadata file: its layout and the chunk records of its frames (head, chunks…, tail). */
export interface FilePlan extends FileLayout {
  openCrcs: number[];
  frames: number[];
}

export interface PlannedFiles {
  files: FilePlan[];
  compressed: number;
  reused: number;
  /** Packages whose cached fragment failed its check while a chunk was being made. */
  badPackages: number[];
}

interface Missing {
  file: number;
  /** Frame index (0 head, 1 + chunk, last tail). */
  frame: number;
  key: string;
  data: Buffer;
}

function headOf(kind: FileKind, n: number): string {
  return kind === 0 ? primaryHead(n) : kind === 1 ? filelistsHead(n) : otherHead(n);
}

const TAILS = [PRIMARY_TAIL, FILELISTS_TAIL, OTHER_TAIL] as const;

/** The uncompressed bytes of packages [from, to) of `kind`, checked; null when a fragment fails its check. */
function joinFragments(cache: VersionCache, recs: Int32Array, ids: Buffer, kind: FileKind, from: number, to: number, size: number, bad: number[]): Buffer | null {
  const out = Buffer.allocUnsafe(size);
  const all = fragmentSpans(cache, recs, kind);
  const spans = { count: to - from, pack: (i: number) => all.pack(from + i), offset: (i: number) => all.offset(from + i), length: (i: number) => all.length(from + i) };
  let pos = 0;
  let ok = true;
  readSpans(
    cache.files,
    spans,
    (i, buf, at) => {
      const len = spans.length(i);
      if (!fragmentLooksRight(kind, buf, at, len, ids, (from + i) * 64)) {
        bad.push(from + i);
        ok = false;
      }
      buf.copy(out, pos, at, at + len);
      pos += len;
    },
    null,
  );
  return ok ? out : null;
}

/**
 * Plans the three files of `recs` (fragment records in file order; `hashes` their hrefs' hashes,
 * `ids` their pkgIds as ASCII hex) and compresses what the cache lacks.
 */
export async function planFiles(
  cache: VersionCache,
  recs: Int32Array,
  hashes: Uint32Array,
  ids: Buffer,
  compression: VersionCompression,
  target: number,
  scratch: string,
): Promise<PlannedFiles> {
  const tag = compressionTag(compression);
  const n = recs.length;
  const files: FilePlan[] = [];
  const missing: Missing[] = [];
  const badPackages: number[] = [];
  let reused = 0;
  for (const kind of FILE_KINDS) {
    const lengths = new Float64Array(n);
    for (let i = 0; i < n; i++) lengths[i] = cache.fragLength(recs[i] ?? 0, kind);
    const starts = chunkStarts(hashes, lengths, target);
    const head = Buffer.from(headOf(kind, n), 'utf8');
    const tail = Buffer.from(TAILS[kind], 'utf8');
    const file: FilePlan = { kind, head, tail, starts, openCrcs: [], frames: [] };
    /** Finds or makes the frame of `key`; a chunk's uncompressed CRC goes into openCrcs. */
    const frame = (key: string, openLength: number, make: () => Buffer | null, isChunk: boolean): void => {
      const c = cache.findChunk(key, openLength);
      file.frames.push(c);
      if (c >= 0) {
        reused++;
        if (isChunk) file.openCrcs.push(cache.chunkOpenCrc(c));
        return;
      }
      const data = make();
      if (data) missing.push({ file: files.length, frame: file.frames.length - 1, key, data });
      if (isChunk) file.openCrcs.push(data ? crc32(data) >>> 0 : 0);
    };
    frame(rawKey(tag, head), head.length, () => head, false);
    starts.forEach((from, j) => {
      const to = starts[j + 1] ?? n;
      let size = 0;
      const digests: Buffer[] = [];
      for (let i = from; i < to; i++) {
        size += lengths[i] ?? 0;
        digests.push(cache.fragDigest(recs[i] ?? 0));
      }
      frame(chunkKey(kind, tag, digests), size, () => joinFragments(cache, recs, ids, kind, from, to, size, badPackages), true);
    });
    frame(rawKey(tag, tail), tail.length, () => tail, false);
    files.push(file);
  }
  if (badPackages.length > 0) return { files, compressed: 0, reused, badPackages };
  const packed = await compressChunks(
    missing.map((m) => m.data),
    compression,
    scratch,
  );
  const items: NewChunk[] = missing.map((m, i) => {
    const data = packed[i] as Buffer;
    return { key: m.key, data, openLength: m.data.length, crc: crc32(data) >>> 0, openCrc: crc32(m.data) >>> 0 };
  });
  cache.addChunks(items).forEach((c, i) => {
    const m = missing[i] as Missing;
    (files[m.file] as FilePlan).frames[m.frame] = c;
  });
  return { files, compressed: items.length, reused, badPackages };
}
