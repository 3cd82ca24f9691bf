/**
 * Cuts each of the three metadata files into chunks, finds each chunk's compressed frame in the
 * cache by its key, and makes (and caches) the frames that are missing: their fragments are read
 * from the cache's packs, checked against the digests recorded when they were rendered (the digests
 * make the chunk's key, so a frame is never cached under a key its bytes do not match), joined and
 * compressed together. The head (whose package count changes) and the tail are frames of their own.
 */
import { createHash, type Hash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { FILELISTS_TAIL, filelistsHead } from '../render/filelists.ts';
import { OTHER_TAIL, otherHead } from '../render/other.ts';
import { PRIMARY_TAIL, primaryHead } from '../render/primary.ts';
import { FILE_KINDS, chunkKey, chunkStarts, rawKey, type FileKind } from './chunking.ts';
import { readSpans } from './cache/packs.ts';
import type { NewChunk, VersionCache } from './cache/store.ts';
import { compressChunks, compressionTag } from './compress-chunks.ts';
import { fragmentLooksRight } from './fragment-shape.ts';
import { fragmentSpans, type FileLayout } from './hash-files.ts';
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
  /** Packages whose cached fragment failed its check (digest, shape) while a chunk was being made; nothing was compressed then. */
  badPackages: number[];
}

interface Missing {
  file: number;
  /** Frame index (0 head, 1 + chunk, last tail). */
  frame: number;
  key: string;
  openLength: number;
  /** The bytes of a head or tail; a chunk's are joined from its packages [from, to). */
  raw?: Buffer;
  from: number;
  to: number;
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

/** The digests of `recs`' fragments, 32 bytes each, in file order (copied without a Buffer per package). */
function digestsInOrder(cache: VersionCache, recs: Int32Array): Buffer {
  const all = cache.frags.digests;
  const out = Buffer.allocUnsafe(recs.length * 32);
  for (let i = 0; i < recs.length; i++) {
    const from = (recs[i] ?? 0) * 32;
    for (let b = 0; b < 32; b++) out[i * 32 + b] = all[from + b] ?? 0;
  }
  return out;
}

/**
 * Checks the cached fragments of packages `members` against their digests (the sha256 of each
 * package's three fragments, recorded when it was rendered); returns the packages that fail. Run on
 * the members of every chunk about to be made, so that a new frame is never made of damaged bytes.
 */
function verifyDigests(cache: VersionCache, recs: Int32Array, members: number[]): number[] {
  const hashes = members.map(() => createHash('sha256'));
  const sub = Int32Array.from(members, (i) => recs[i] ?? 0);
  for (const kind of FILE_KINDS) {
    readSpans(cache.files, fragmentSpans(cache, sub, kind), (i, buf, at) => hashes[i]?.update(buf.subarray(at, at + cache.fragLength(sub[i] ?? 0, kind))), null);
  }
  return members.filter((pkg, i) => !(hashes[i] as Hash).digest().equals(cache.fragDigest(recs[pkg] ?? 0)));
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
  const digests = digestsInOrder(cache, recs);
  const files: FilePlan[] = [];
  const missing: Missing[] = [];
  let reused = 0;
  for (const kind of FILE_KINDS) {
    const lengths = new Float64Array(n);
    for (let i = 0; i < n; i++) lengths[i] = cache.fragLength(recs[i] ?? 0, kind);
    const starts = chunkStarts(hashes, lengths, target);
    const head = Buffer.from(headOf(kind, n), 'utf8');
    const tail = Buffer.from(TAILS[kind], 'utf8');
    const file: FilePlan = { kind, head, tail, starts, openCrcs: [], frames: [] };
    const frame = (key: string, openLength: number, from: number, to: number, raw?: Buffer): void => {
      const c = cache.findChunk(key, openLength);
      file.frames.push(c);
      if (c >= 0) reused++;
      else missing.push({ file: files.length, frame: file.frames.length - 1, key, openLength, from, to, ...(raw ? { raw } : {}) });
    };
    frame(rawKey(tag, head), head.length, 0, 0, head);
    starts.forEach((from, j) => {
      const to = starts[j + 1] ?? n;
      let size = 0;
      for (let i = from; i < to; i++) size += lengths[i] ?? 0;
      frame(chunkKey(kind, tag, digests.subarray(from * 32, to * 32)), size, from, to);
    });
    frame(rawKey(tag, tail), tail.length, 0, 0, tail);
    files.push(file);
  }
  // A new chunk's key promises the bytes its members' digests describe: check them before joining.
  const members = new Set<number>();
  for (const m of missing) for (let i = m.from; i < m.to; i++) members.add(i);
  const bad = verifyDigests(cache, recs, [...members].sort((a, b) => a - b));
  const opened: Buffer[] = [];
  for (const m of missing) {
    if (bad.length > 0) break;
    const bytes = m.raw ?? joinFragments(cache, recs, ids, (files[m.file] as FilePlan).kind, m.from, m.to, m.openLength, bad);
    if (bytes) opened.push(bytes);
  }
  if (bad.length > 0) return { files, compressed: 0, reused, badPackages: bad };
  const packed = await compressChunks(opened, compression, scratch);
  const items: NewChunk[] = missing.map((m, i) => {
    const bytes = packed[i] as Buffer;
    return { key: m.key, data: bytes, openLength: m.openLength, crc: crc32(bytes) >>> 0, openCrc: crc32(opened[i] as Buffer) >>> 0 };
  });
  const made = cache.addChunks(items);
  missing.forEach((m, i) => {
    (files[m.file] as FilePlan).frames[m.frame] = made[i] ?? -1;
  });
  for (const f of files) f.openCrcs.push(...f.frames.slice(1, -1).map((c) => cache.chunkOpenCrc(c)));
  return { files, compressed: items.length, reused, badPackages: [] };
}
