/**
 * The package cache of a repository directory: the rendered metadata fragments of every package
 * file read so far, keyed by its path and checked against its size and mtime, so that
 * re-publishing (`repo create --update`) neither re-opens nor re-renders an unchanged RPM file.
 *
 * Stored in DIR/.distforge-cache/packages.v4: blocks of packages, each block holding its
 * packages' primary fragments, then their filelists fragments, then their other fragments (a
 * reader thread's batch is one block, written as it comes in, while the rest is still being
 * read); then one JSON line (format, render version, changelog limit, packages per block, and per
 * package: href, size, mtime in ns, pkgId, fragment lengths); then the offset of that line (16 hex
 * digits). Loading reads the file once and slices it; nothing is decoded. Written under a
 * temporary name and renamed when complete. A cache that is missing, damaged, or made with other
 * settings is ignored (everything is read again), never an error.
 */
import { mkdirSync, readFileSync, renameSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { removeQuietly, tempPathBeside } from '../../util/atomic-file.ts';
import { RepoCreateError } from '../errors.ts';
import { joinViews, RENDER_VERSION, type FragmentKind, type PackageFragments } from './fragments.ts';
import type { FoundPackage } from './scan.ts';

export const CACHE_DIR = '.distforge-cache';
const CACHE_FILE = 'packages.v4';
const FORMAT = 4;
/** The index line's offset at the end of the file: 16 hex digits. */
const TRAILER = 16;
const KINDS: readonly FragmentKind[] = [0, 1, 2];

type IndexEntry = [href: string, size: number, mtimeNs: string, pkgId: string, p: number, f: number, o: number];

interface CacheIndex {
  format: number;
  render: number;
  changelogLimit: number;
  /** Packages per block, in order. */
  blocks: number[];
  entries: IndexEntry[];
}

interface Cached {
  size: number;
  mtimeNs: bigint;
  pkgId: string;
  parts: [Uint8Array, Uint8Array, Uint8Array];
}

/** The entries of `buf` (a whole cache file made with these settings); throws when it is not one. */
function parse(buf: Buffer, changelogLimit: number): Map<string, Cached> {
  const at = Number.parseInt(buf.toString('latin1', buf.length - TRAILER), 16);
  if (!(at >= 0 && at < buf.length - TRAILER)) throw new Error('no index');
  const index = JSON.parse(buf.toString('utf8', at, buf.length - TRAILER)) as CacheIndex;
  if (index.format !== FORMAT || index.render !== RENDER_VERSION || index.changelogLimit !== changelogLimit) throw new Error('other settings');
  const entries = new Map<string, Cached>();
  let pos = 0;
  let next = 0;
  for (const count of index.blocks) {
    const block = index.entries.slice(next, next + count);
    if (block.length !== count) throw new Error('short index');
    next += count;
    // Where each kind's fragments start in the block.
    const off = [pos, 0, 0];
    for (const k of [1, 2]) off[k] = (off[k - 1] as number) + block.reduce((n, e) => n + (e[3 + k] as number), 0);
    pos = (off[2] as number) + block.reduce((n, e) => n + e[6], 0);
    if (pos > at) throw new Error('blocks run past the index');
    const take = (k: number, len: number): Uint8Array => {
      const start = off[k] as number;
      off[k] = start + len;
      return buf.subarray(start, start + len);
    };
    for (const [href, size, mtimeNs, pkgId, p, f, o] of block) entries.set(href, { size, mtimeNs: BigInt(mtimeNs), pkgId, parts: [take(0, p), take(1, f), take(2, o)] });
  }
  if (next !== index.entries.length || pos !== at) throw new Error('wrong length');
  return entries;
}

export class PackageCache {
  private constructor(
    private readonly repoDir: string,
    private readonly entries: Map<string, Cached>,
  ) {}

  /** Loads the cache of `repoDir` made with `changelogLimit` (empty when there is none or it does not fit). */
  static load(repoDir: string, changelogLimit: number): PackageCache {
    let entries: Map<string, Cached>;
    try {
      entries = parse(readFileSync(cachePath(repoDir)), changelogLimit);
    } catch {
      entries = new Map();
    }
    return new PackageCache(repoDir, entries);
  }

  /** Number of packages in the cache. */
  get size(): number {
    return this.entries.size;
  }

  /** The cached fragments of `f` if the file is unchanged (same path, size and mtime). */
  get(f: FoundPackage): PackageFragments | undefined {
    const e = this.entries.get(f.href);
    if (!e || e.size !== f.size || e.mtimeNs !== f.mtimeNs) return undefined;
    return { found: f, pkgId: e.pkgId, parts: e.parts };
  }

}

function cachePath(repoDir: string): string {
  return join(repoDir, CACHE_DIR, CACHE_FILE);
}

/**
 * Writes a new cache file block by block, as packages come in, in their order: each block is
 * written at once (libuv's threads) while the next ones are read; {@link finish} adds the index
 * and puts the file in place.
 */
export class CacheWriter {
  private readonly tmp: string;
  private readonly file: Promise<FileHandle>;
  private readonly writes: Promise<unknown>[] = [];
  private readonly blocks: number[] = [];
  private readonly entries: IndexEntry[] = [];
  private pos = 0;

  private constructor(
    private readonly path: string,
    private readonly changelogLimit: number,
  ) {
    mkdirSync(join(path, '..'), { recursive: true });
    this.tmp = tempPathBeside(path);
    this.file = open(this.tmp, 'wx');
    // A failure is reported by finish(); until then nobody waits on these.
    this.file.catch(() => undefined);
  }

  /** A writer of the cache of `repoDir`. */
  static start(repoDir: string, changelogLimit: number): CacheWriter {
    return new CacheWriter(cachePath(repoDir), changelogLimit);
  }

  /** Adds the next packages as one block (its bytes are written now, from the fragments as they lie). */
  add(packages: readonly PackageFragments[]): void {
    if (packages.length === 0) return;
    const pieces: Uint8Array[] = [];
    for (const kind of KINDS) pieces.push(...joinViews(packages.map((p) => p.parts[kind])));
    for (const p of packages) this.entries.push([p.found.href, p.found.size, p.found.mtimeNs.toString(), p.pkgId, p.parts[0].byteLength, p.parts[1].byteLength, p.parts[2].byteLength]);
    this.blocks.push(packages.length);
    this.write(pieces);
  }

  private write(pieces: Uint8Array[]): void {
    const at = this.pos;
    for (const p of pieces) this.pos += p.byteLength;
    const done = this.file.then((fh) => fh.writev(pieces as NodeJS.ArrayBufferView[], at));
    done.catch(() => undefined);
    this.writes.push(done);
  }

  /** Writes the index and renames the file into place. @throws RepoCreateError naming the cache file. */
  async finish(): Promise<void> {
    const index: CacheIndex = { format: FORMAT, render: RENDER_VERSION, changelogLimit: this.changelogLimit, blocks: this.blocks, entries: this.entries };
    const at = this.pos;
    this.write([Buffer.from(JSON.stringify(index), 'utf8'), Buffer.from(at.toString(16).padStart(TRAILER, '0'), 'latin1')]);
    try {
      await Promise.all(this.writes);
      await (await this.file).close();
      renameSync(this.tmp, this.path);
    } catch (e) {
      await this.abort();
      const err = e as NodeJS.ErrnoException;
      throw new RepoCreateError(`cannot write the package cache: ${err.code ?? err.message}`, this.path, { cause: e });
    }
  }

  /** Gives up: the temporary file is removed, the cache in place is left as it was. */
  async abort(): Promise<void> {
    await Promise.allSettled(this.writes);
    try {
      await (await this.file).close();
    } catch {
      // not opened, or closed already
    }
    removeQuietly(this.tmp);
  }
}
