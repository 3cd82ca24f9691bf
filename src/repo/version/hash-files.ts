/**
 * The pass over every uncompressed byte of a metadata file: its open-checksum and open-size, and
 * the checks that keep a damaged cache from being published:
 * - each fragment must be the element of its package: primary's starts `<package type="rpm">` and
 *   holds `pkgid="YES">PKGID<`, filelists' and other's start `<package pkgid="PKGID"`, all end
 *   `</package>\n` (and their lengths add up to what the index says: the spans are read whole);
 * - each chunk's uncompressed bytes must have the CRC-32 recorded when its compressed frame was
 *   made, so the open-checksum describes what the compressed file decompresses to.
 * The file is read pack by pack in large blocks (fragments of consecutive packages are usually
 * neighbours in a pack), so hashing, not reading, is most of the cost; hash-pass.ts hashes the
 * three files of a large version on two threads.
 */
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import type { FileKind } from './chunking.ts';
import { readSpans, type PackFiles, type Spans } from './cache/packs.ts';
import type { VersionCache } from './cache/store.ts';

const PRIMARY_OPEN = Buffer.from('<package type="rpm">\n', 'latin1');
const PKGID_OPEN = Buffer.from('<package pkgid="', 'latin1');
const PRIMARY_PKGID = Buffer.from('pkgid="YES">', 'latin1');
const CLOSE = Buffer.from('</package>\n', 'latin1');

/**
 * Whether buf[at, at + len) looks like the fragment of `kind` of the package whose pkgId (as ASCII
 * hex) is ids[idAt, idAt + 64).
 */
export function fragmentLooksRight(kind: FileKind, buf: Buffer, at: number, len: number, ids: Buffer, idAt: number): boolean {
  const end = at + len;
  if (len < PKGID_OPEN.length + 64 + CLOSE.length || buf.compare(CLOSE, 0, CLOSE.length, end - CLOSE.length, end) !== 0) return false;
  let id: number;
  if (kind === 0) {
    if (buf.compare(PRIMARY_OPEN, 0, PRIMARY_OPEN.length, at, at + PRIMARY_OPEN.length) !== 0) return false;
    const p = buf.indexOf(PRIMARY_PKGID, at);
    if (p < 0 || p + PRIMARY_PKGID.length + 65 > end) return false;
    id = p + PRIMARY_PKGID.length;
    if (buf[id + 64] !== 0x3c) return false;
  } else {
    if (buf.compare(PKGID_OPEN, 0, PKGID_OPEN.length, at, at + PKGID_OPEN.length) !== 0) return false;
    id = at + PKGID_OPEN.length;
    if (buf[id + 64] !== 0x22) return false;
  }
  return buf.compare(ids, idAt, idAt + 64, id, id + 64) === 0;
}

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
  /** Packages (indexes) whose fragment failed its check. */
  badPackages: number[];
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

/** Spans as typed arrays, which can be sent to a worker thread. */
export interface SpanTable {
  pack: Uint32Array;
  offset: Float64Array;
  length: Uint32Array;
}

/** {@link fragmentSpans} as a table. */
export function fragmentTable(cache: VersionCache, recs: Int32Array, kind: FileKind): SpanTable {
  const n = recs.length;
  const t: SpanTable = { pack: new Uint32Array(n), offset: new Float64Array(n), length: new Uint32Array(n) };
  for (let i = 0; i < n; i++) {
    const r = recs[i] ?? 0;
    t.pack[i] = cache.fragPack(r);
    t.offset[i] = cache.fragOffset(r, kind);
    t.length[i] = cache.fragLength(r, kind);
  }
  return t;
}

export function tableSpans(t: SpanTable): Spans {
  return { count: t.pack.length, pack: (i) => t.pack[i] ?? 0, offset: (i) => t.offset[i] ?? 0, length: (i) => t.length[i] ?? 0 };
}

/**
 * Hashes and checks one file: head, every package's fragment (`spans`, in file order, read from
 * `files`), tail. `ids` holds the packages' pkgIds as ASCII hex, 64 bytes each, in the same order.
 */
export function hashFile(files: PackFiles, spans: Spans, ids: Buffer, layout: FileLayout): HashedFile {
  const { kind, starts, openCrcs } = layout;
  const hash = createHash('sha256').update(layout.head);
  let size = layout.head.length;
  const badPackages: number[] = [];
  const badChunks: number[] = [];
  let chunk = 0;
  let crc = 0;
  const chunkEnd = (c: number): number => starts[c + 1] ?? spans.count;
  readSpans(
    files,
    spans,
    (i, buf, at) => {
      if (!fragmentLooksRight(kind, buf, at, spans.length(i), ids, i * 64)) badPackages.push(i);
    },
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
  return { openChecksum: hash.digest('hex'), openSize: size, badPackages, badChunks };
}
