/**
 * A package's rendered metadata: its `<package>` elements for primary.xml, filelists.xml and
 * other.xml, UTF-8 encoded. Rendering once and keeping the bytes lets a re-publish write unchanged
 * packages without re-rendering (or even decoding) them.
 *
 * The fragments of many packages live in a few buffers, kind by kind: a reader thread renders a
 * batch into three buffers (all its primary fragments, all filelists, all other) and transfers
 * them, and a block of the cache file is laid out the same way, one kind after the other. A
 * package's fragments are views into such a buffer, so the fragments of neighbouring packages are
 * neighbours in memory and a metadata file is written from a few large pieces ({@link joinViews}).
 *
 * Terminology:
 * - fragment: one package's element in one of the three files.
 */
import type { RepoPackage } from '../model.ts';
import { FILELISTS_PACKAGE_END, PACKAGE_OPEN_ID_AT, filelistsPackage, filelistsStart } from '../render/filelists.ts';
import { otherPackage } from '../render/other.ts';
import { PRIMARY_PACKAGE_END, primaryAfterId, primaryBeforeId, primaryMiddle, primaryPackage } from '../render/primary.ts';
import type { HeaderFileList } from './file-lines.ts';
import type { FoundPackage } from './scan.ts';

/** Bump when the rendering changes: cached fragments of another version are rendered again. */
export const RENDER_VERSION = 1;

export type FragmentKind = 0 | 1 | 2;

export interface PackageFragments {
  found: FoundPackage;
  pkgId: string;
  /** The primary, filelists and other fragments. */
  parts: [Uint8Array, Uint8Array, Uint8Array];
}

/** Renders the three fragments of `pkg` (each in a buffer of its own). */
export function renderFragments(found: FoundPackage, pkg: RepoPackage): PackageFragments {
  return { found, pkgId: pkg.pkgId, parts: [Buffer.from(primaryPackage(pkg), 'utf8'), Buffer.from(filelistsPackage(pkg), 'utf8'), Buffer.from(otherPackage(pkg), 'utf8')] };
}

/** The bytes of one fragment kind (0 primary, 1 filelists, 2 other) of a package. */
export function fragment(pf: PackageFragments, kind: FragmentKind): Uint8Array {
  return pf.parts[kind];
}

/** A pkgId not known yet (the file is hashed by another thread): 64 hex digits, written over later. */
export const UNKNOWN_ID = '0'.repeat(64);

/**
 * Fragments of consecutive packages, rendered into three buffers: `data[k]` holds every fragment
 * of kind k (primary, filelists, other), back to back; `ends` holds, per kind and package, where
 * its fragment ends in its buffer (`ends[kind * count + i]`); `ids` the pkgIds (64 hex digits
 * each) back to back ({@link UNKNOWN_ID} when the reader did not hash the files); `idAt` where
 * each primary fragment has its pkgId in `data[0]`; `sizes`, `mtimes` and `mtimesNs` the files'
 * as read (for files found without a stat). Plain data, so that it crosses threads cheaply (the
 * buffers transferred as they were rendered into, not copied).
 */
export interface FragmentBatch {
  count: number;
  data: [ArrayBuffer, ArrayBuffer, ArrayBuffer];
  ends: Uint32Array;
  ids: string;
  idAt: Uint32Array;
  sizes: Float64Array;
  mtimes: Float64Array;
  mtimesNs: BigInt64Array;
}

/** First sizes of a batch's buffers (primary, filelists, other); later batches start at the size the last one reached. */
const FIRST_SIZES = [1 << 18, 1 << 18, 1 << 16];

/**
 * Renders packages one after the other into growing buffers, then hands them over as a
 * {@link FragmentBatch}. Each batch gets buffers of its own (large enough not to come from
 * Node's shared pool, so that they can be transferred).
 */
export class BatchRenderer {
  private readonly bufs: Buffer[] = FIRST_SIZES.map((n) => Buffer.allocUnsafe(n));
  private readonly lens = [0, 0, 0];
  private ends: number[] = [];
  private idAt: number[] = [];
  private ids = '';
  private files: FoundPackage[] = [];

  /** The buffer of `kind`, with room for `bytes` more. */
  private room(kind: FragmentKind, bytes: number): Buffer {
    let buf = this.bufs[kind] as Buffer;
    const len = this.lens[kind] as number;
    if (buf.length - len < bytes) {
      const bigger = Buffer.allocUnsafe(Math.max(2 * buf.length, len + bytes));
      buf.copy(bigger, 0, 0, len);
      this.bufs[kind] = buf = bigger;
    }
    return buf;
  }

  private put(kind: FragmentKind, s: string): void {
    // A UTF-16 unit never takes more than 3 UTF-8 bytes.
    const buf = this.room(kind, s.length * 3);
    const len = this.lens[kind] as number;
    this.lens[kind] = len + buf.write(s, len, 'utf8');
  }

  private putFileLines(kind: FragmentKind, fileList: HeaderFileList, which: 'filelists' | 'primary'): void {
    this.lens[kind] = fileList.write(which, this.room(kind, fileList.room), this.lens[kind] as number);
  }

  /**
   * Renders the fragments of `pkg`, read from `found`; its files from `fileList` when given (the
   * record's `files` are then empty).
   */
  add(pkg: RepoPackage, found: FoundPackage, fileList: HeaderFileList | null = null): void {
    this.files.push(found);
    this.put(0, primaryBeforeId(pkg));
    this.idAt.push(this.lens[0] as number);
    this.put(0, pkg.pkgId);
    if (fileList) {
      this.put(0, primaryMiddle(pkg));
      this.putFileLines(0, fileList, 'primary');
      this.put(0, PRIMARY_PACKAGE_END);
      this.put(1, filelistsStart(pkg));
      this.putFileLines(1, fileList, 'filelists');
      this.put(1, FILELISTS_PACKAGE_END);
    } else {
      this.put(0, primaryAfterId(pkg));
      this.put(1, filelistsPackage(pkg));
    }
    this.put(2, otherPackage(pkg));
    this.ends.push(this.lens[0] as number, this.lens[1] as number, this.lens[2] as number);
    this.ids += pkg.pkgId;
  }

  /** The packages added since the last take, as one batch; the renderer starts over with new buffers. */
  take(): FragmentBatch {
    const count = this.ends.length / 3;
    const ends = new Uint32Array(3 * count);
    for (let i = 0; i < count; i++) for (let k = 0; k < 3; k++) ends[k * count + i] = this.ends[3 * i + k] as number;
    const sizes = new Float64Array(count);
    const mtimes = new Float64Array(count);
    const mtimesNs = new BigInt64Array(count);
    this.files.forEach((f, i) => {
      sizes[i] = f.size;
      mtimes[i] = f.mtime;
      mtimesNs[i] = f.mtimeNs;
    });
    const data = this.bufs.map((b) => b.buffer) as FragmentBatch['data'];
    const batch: FragmentBatch = { count, data, ends, ids: this.ids, idAt: new Uint32Array(this.idAt), sizes, mtimes, mtimesNs };
    // The next batch likely needs as much as this one did (a little more, to grow rarely).
    for (let k = 0; k < 3; k++) this.bufs[k] = Buffer.allocUnsafe(Math.max(FIRST_SIZES[k] as number, Math.ceil((this.lens[k] as number) * 1.25)));
    this.lens.fill(0);
    this.ends = [];
    this.idAt = [];
    this.ids = '';
    this.files = [];
    return batch;
  }
}

/**
 * The fragments of the packages of a batch, in order (`found` are those packages' files, given
 * the size and times they were read with). `ids`: the pkgIds of those files when the reader left
 * them unknown (hashed meanwhile by the calling thread); they are written into the fragments.
 */
export function unpackBatch(batch: FragmentBatch, found: readonly FoundPackage[], ids?: readonly string[]): PackageFragments[] {
  const data = batch.data.map((b) => Buffer.from(b)) as [Buffer, Buffer, Buffer];
  const { count, ends } = batch;
  const out = new Array<PackageFragments>(count);
  const start = (k: number, i: number): number => (i === 0 ? 0 : (ends[k * count + i - 1] as number));
  const view = (k: number, i: number): Uint8Array => data[k as FragmentKind].subarray(start(k, i), ends[k * count + i]);
  for (let i = 0; i < count; i++) {
    const f = found[i] as FoundPackage;
    f.size = batch.sizes[i] as number;
    f.mtime = batch.mtimes[i] as number;
    f.mtimeNs = batch.mtimesNs[i] as bigint;
    let pkgId = batch.ids.slice(64 * i, 64 * i + 64);
    if (ids) {
      pkgId = ids[i] as string;
      data[0].write(pkgId, batch.idAt[i] as number, 64, 'latin1');
      data[1].write(pkgId, start(1, i) + PACKAGE_OPEN_ID_AT, 64, 'latin1');
      data[2].write(pkgId, start(2, i) + PACKAGE_OPEN_ID_AT, 64, 'latin1');
    }
    out[i] = { found: f, pkgId, parts: [view(0, i), view(1, i), view(2, i)] };
  }
  return out;
}

/**
 * `views` with neighbours that are adjacent in the same memory merged into one view: the pieces
 * to write a file with (fragments of consecutive packages from one batch or one cache file are).
 */
export function joinViews(views: Iterable<Uint8Array>): Uint8Array[] {
  const out: Uint8Array[] = [];
  let buffer: ArrayBufferLike | null = null;
  let start = 0;
  let end = 0;
  for (const v of views) {
    if (v.byteLength === 0) continue;
    if (v.buffer === buffer && v.byteOffset === end) {
      end += v.byteLength;
      continue;
    }
    if (buffer) out.push(new Uint8Array(buffer, start, end - start));
    buffer = v.buffer;
    start = v.byteOffset;
    end = start + v.byteLength;
  }
  if (buffer) out.push(new Uint8Array(buffer, start, end - start));
  return out;
}
