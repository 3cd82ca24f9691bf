/**
 * The version cache: rendered fragments of packages and compressed chunks, shared by every version
 * and repository of a platform, so that a version differing from an earlier one by a few packages
 * reads, renders and compresses only what changed.
 *
 * On disk (cacheDir/):
 * - `index`: where everything is (index-file.ts), replaced whole at the end of each render;
 * - `packs/f-ID.pack`: fragments written by one render: all its primary fragments, then filelists,
 *   then other, so that the fragments of consecutive packages are one read away;
 * - `packs/c-ID.pack`: compressed chunks written by one render;
 * - `lock`: one render at a time (lock.ts).
 *
 * Nothing in the cache is trusted blindly: the index carries its own sha256, packs their id and
 * size; fragments are checked against their digests (and their packages' pkgIds and the XML
 * element's shape) before a chunk is made of them (plan-files.ts), every chunk's fragments against
 * the CRC-32 of the bytes it was made from (hash-files.ts), and compressed frames against their
 * own CRC-32 as they are copied (write-chunked.ts). What fails a check is forgotten and made again
 * from the RPM file; a cache that cannot be read at all is started afresh.
 *
 * Terminology:
 * - record: an index entry (a package's three fragments, or one chunk), found by its number.
 * - used: the day a record was last used; records unused for the retention period are dropped.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RENDER_VERSION } from '../../create/fragments.ts';
import { IdTable } from './id-table.ts';
import { lockCache } from './lock.ts';
import { CW, FW, decodeIndex, type ChunkColumns, type FragmentColumns, type IndexData } from './index-file.ts';
import { PackFiles, writePack, type PackInfo } from './packs.ts';
import { saveCache } from './compact.ts';

export const DAY_MS = 86_400_000;

/** A package's rendered fragments, to be added. */
export interface NewFragments {
  sha256: string;
  href: string;
  fileTime: number;
  limit: number;
  /** sha256 of the three fragments, back to back. */
  digest: Uint8Array;
  parts: readonly [Uint8Array, Uint8Array, Uint8Array];
}

/** A compressed chunk, to be added. */
export interface NewChunk {
  key: string;
  data: Uint8Array;
  openLength: number;
  /** CRC-32 of `data`, and of the uncompressed bytes. */
  crc: number;
  openCrc: number;
}

function grow<T extends Uint32Array | Buffer>(a: T, need: number): T {
  if (a.length >= need) return a;
  const size = Math.max(need, a.length * 2, 64);
  const b = (a instanceof Buffer ? Buffer.alloc(size) : new Uint32Array(size)) as T;
  b.set(a);
  return b;
}

function emptyIndex(): IndexData {
  return {
    packs: [],
    frags: { count: 0, words: new Uint32Array(0), ids: Buffer.alloc(0), digests: Buffer.alloc(0), hrefs: [] },
    chunks: { count: 0, words: new Uint32Array(0), keys: Buffer.alloc(0) },
  };
}

export class VersionCache {
  readonly files: PackFiles;
  readonly packsDir: string;
  /** Whether the index has changed since it was loaded. */
  dirty = false;
  /** Fragment records by pkgId. */
  #byId = new IdTable((r) => this.data.frags.ids.readUInt32LE(r * 32));
  #byKey = new Map<string, number>();

  private constructor(
    readonly dir: string,
    readonly data: IndexData,
    readonly today: number,
    readonly retentionDays: number,
    private readonly unlock: () => void,
  ) {
    this.packsDir = join(dir, 'packs');
    this.files = new PackFiles(this.packsDir, () => this.data.packs);
    for (let r = 0; r < data.frags.count; r++) this.#byId.add(r);
    for (let c = 0; c < data.chunks.count; c++) this.#byKey.set(data.chunks.keys.toString('hex', c * 32, c * 32 + 32), c);
  }

  /** Takes the cache's lock and loads its index (an empty cache when there is none or it is damaged). */
  static async open(dir: string, nowMs: number, retentionSeconds: number): Promise<VersionCache> {
    const unlock = await lockCache(dir);
    try {
      let data: IndexData | null = null;
      try {
        data = decodeIndex(readFileSync(join(dir, 'index')), RENDER_VERSION);
      } catch {
        data = null;
      }
      return new VersionCache(dir, data ?? emptyIndex(), Math.floor(nowMs / DAY_MS), Math.ceil(retentionSeconds / 86_400), unlock);
    } catch (e) {
      unlock();
      throw e;
    }
  }

  get frags(): FragmentColumns {
    return this.data.frags;
  }

  get chunks(): ChunkColumns {
    return this.data.chunks;
  }

  /**
   * The record of this package's fragments (marked used), or -1.
   * @param pkgIds - pkgIds, 32 bytes each; this package's is at `at`.
   */
  findFragments(pkgIds: Buffer, at: number, href: string, fileTime: number, limit: number): number {
    const { words, ids, hrefs } = this.data.frags;
    const timeLo = fileTime % 0x1_0000_0000;
    const timeHi = Math.floor(fileTime / 0x1_0000_0000);
    const r = this.#byId.find(pkgIds.readUInt32LE(at), (r) => {
      const w = r * FW.width;
      if (words[w + FW.dead] || words[w + FW.timeLo] !== timeLo || words[w + FW.timeHi] !== timeHi || (words[w + FW.limit] ?? 0) !== limit >>> 0) return false;
      if (hrefs[r] !== href || ids.compare(pkgIds, at, at + 32, r * 32, r * 32 + 32) !== 0) return false;
      if (this.files.usable(words[w + FW.pack] ?? 0)) return true;
      words[w + FW.dead] = 1;
      this.dirty = true;
      return false;
    });
    if (r >= 0 && words[r * FW.width + FW.used] !== this.today) {
      words[r * FW.width + FW.used] = this.today;
      this.dirty = true;
    }
    return r;
  }

  fragPack(r: number): number {
    return this.data.frags.words[r * FW.width + FW.pack] ?? 0;
  }

  fragOffset(r: number, kind: number): number {
    const w = this.data.frags.words;
    const at = r * FW.width + FW.off + 2 * kind;
    return (w[at] ?? 0) + (w[at + 1] ?? 0) * 0x1_0000_0000;
  }

  fragLength(r: number, kind: number): number {
    return this.data.frags.words[r * FW.width + FW.len + kind] ?? 0;
  }

  fragDigest(r: number): Buffer {
    return this.data.frags.digests.subarray(r * 32, r * 32 + 32);
  }

  /** Writes `items` into a new pack and records them; returns their record numbers, in order. */
  addFragments(items: readonly NewFragments[]): number[] {
    if (items.length === 0) return [];
    const { info, result: starts } = writePack(this.packsDir, 'f', (writer) =>
      [0, 1, 2].map((k) => {
        let at = writer.append(items.map((it) => it.parts[k] as Uint8Array));
        return items.map((it) => {
          const here = at;
          at += (it.parts[k] as Uint8Array).length;
          return here;
        });
      }),
    );
    const pack = this.#addPack(info);
    const f = this.data.frags;
    const first = f.count;
    f.words = grow(f.words, (first + items.length) * FW.width);
    f.ids = grow(f.ids, (first + items.length) * 32);
    f.digests = grow(f.digests, (first + items.length) * 32);
    items.forEach((it, i) => {
      const r = first + i;
      const w = r * FW.width;
      f.words.fill(0, w, w + FW.width);
      f.words[w + FW.pack] = pack;
      for (let k = 0; k < 3; k++) {
        const off = starts[k]?.[i] ?? 0;
        f.words[w + FW.off + 2 * k] = off % 0x1_0000_0000;
        f.words[w + FW.off + 2 * k + 1] = Math.floor(off / 0x1_0000_0000);
        f.words[w + FW.len + k] = (it.parts[k] as Uint8Array).length;
      }
      f.words[w + FW.timeLo] = it.fileTime % 0x1_0000_0000;
      f.words[w + FW.timeHi] = Math.floor(it.fileTime / 0x1_0000_0000);
      f.words[w + FW.limit] = it.limit >>> 0;
      f.words[w + FW.used] = this.today;
      f.ids.write(it.sha256, r * 32, 32, 'hex');
      f.digests.set(it.digest, r * 32);
      f.hrefs[r] = it.href;
      f.count = r + 1;
      this.#byId.add(r);
    });
    return items.map((_it, i) => first + i);
  }

  /** The record of the chunk with this key and uncompressed length (marked used), or -1. */
  findChunk(key: string, openLength: number): number {
    const c = this.#byKey.get(key);
    if (c === undefined) return -1;
    const w = this.data.chunks.words;
    const at = c * CW.width;
    if (w[at + CW.dead] || w[at + CW.openLen] !== openLength || !this.files.usable(w[at + CW.pack] ?? 0)) return -1;
    if (w[at + CW.used] !== this.today) {
      w[at + CW.used] = this.today;
      this.dirty = true;
    }
    return c;
  }

  chunkPack(c: number): number {
    return this.data.chunks.words[c * CW.width + CW.pack] ?? 0;
  }

  chunkOffset(c: number): number {
    const w = this.data.chunks.words;
    return (w[c * CW.width + CW.offLo] ?? 0) + (w[c * CW.width + CW.offHi] ?? 0) * 0x1_0000_0000;
  }

  chunkLength(c: number): number {
    return this.data.chunks.words[c * CW.width + CW.len] ?? 0;
  }

  chunkCrc(c: number): number {
    return this.data.chunks.words[c * CW.width + CW.crc] ?? 0;
  }

  chunkOpenCrc(c: number): number {
    return this.data.chunks.words[c * CW.width + CW.openCrc] ?? 0;
  }

  /** Writes `items` into a new pack and records them; returns their record numbers, in order. */
  addChunks(items: readonly NewChunk[]): number[] {
    if (items.length === 0) return [];
    const { info, result: first } = writePack(this.packsDir, 'c', (writer) => writer.append(items.map((it) => it.data)));
    let at = first;
    const pack = this.#addPack(info);
    const ch = this.data.chunks;
    const base = ch.count;
    ch.words = grow(ch.words, (base + items.length) * CW.width);
    ch.keys = grow(ch.keys, (base + items.length) * 32);
    return items.map((it, i) => {
      const c = base + i;
      const w = c * CW.width;
      ch.words.fill(0, w, w + CW.width);
      ch.words[w + CW.pack] = pack;
      ch.words[w + CW.offLo] = at % 0x1_0000_0000;
      ch.words[w + CW.offHi] = Math.floor(at / 0x1_0000_0000);
      ch.words[w + CW.len] = it.data.length;
      ch.words[w + CW.openLen] = it.openLength;
      ch.words[w + CW.crc] = it.crc >>> 0;
      ch.words[w + CW.openCrc] = it.openCrc >>> 0;
      ch.words[w + CW.used] = this.today;
      ch.keys.write(it.key, c * 32, 32, 'hex');
      ch.count = c + 1;
      this.#byKey.set(it.key, c);
      at += it.data.length;
      return c;
    });
  }

  #addPack(info: PackInfo): number {
    this.dirty = true;
    return this.data.packs.push(info) - 1;
  }

  /** Marks fragment records as unusable (they failed a check); they are dropped at the next save. */
  forgetFragments(records: Iterable<number>): void {
    for (const r of records) this.data.frags.words[r * FW.width + FW.dead] = 1;
    this.dirty = true;
  }

  /** Marks chunk records as unusable. */
  forgetChunks(records: Iterable<number>): void {
    for (const c of records) {
      this.data.chunks.words[c * CW.width + CW.dead] = 1;
      this.#byKey.delete(this.data.chunks.keys.toString('hex', c * 32, c * 32 + 32));
    }
    this.dirty = true;
  }

  /**
   * Drops records unused for the retention period and unusable ones, rewrites packs that are mostly
   * dead or too many and small, writes the index and deletes files it no longer names.
   * @param order - fragment records in the order this render used them (compaction keeps it).
   */
  save(order: ArrayLike<number>): void {
    saveCache(this, order);
  }

  /** Closes the pack files and releases the lock. */
  close(): void {
    this.files.close();
    this.unlock();
  }
}

export type { PackInfo };
