/**
 * The package cache of a repository directory: the rendered metadata fragments of every package
 * file read so far, keyed by its path and checked against its size and mtime, so that
 * re-publishing (`repo create --update`) neither re-opens nor re-renders an unchanged RPM file.
 *
 * Stored in DIR/.distforge-cache/packages.v3: one JSON line (format, render version, changelog
 * limit, and per package: href, size, mtime in ns, pkgId, fragment lengths), then every package's
 * primary fragment, then every filelists fragment, then every other fragment, so that each
 * metadata file's part is one piece of the cache file (and is written from it in one piece when
 * the packages are unchanged). Loading reads the file once and slices it; nothing is decoded.
 * Written with one vectored write of the pieces; replaced atomically. A cache that is missing, damaged, or made with other settings is ignored
 * (everything is read again), never an error.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { replaceFile } from '../../util/atomic-file.ts';
import { joinViews, RENDER_VERSION, type FragmentKind, type PackageFragments } from './fragments.ts';
import type { FoundPackage } from './scan.ts';

export const CACHE_DIR = '.distforge-cache';
const CACHE_FILE = 'packages.v3';
const FORMAT = 3;

type IndexEntry = [href: string, size: number, mtimeNs: string, pkgId: string, p: number, f: number, o: number];

interface CacheIndex {
  format: number;
  render: number;
  changelogLimit: number;
  entries: IndexEntry[];
}

interface Cached {
  size: number;
  mtimeNs: bigint;
  pkgId: string;
  parts: [Uint8Array, Uint8Array, Uint8Array];
}

export class PackageCache {
  private constructor(
    private readonly path: string,
    private readonly entries: Map<string, Cached>,
  ) {}

  /** An empty cache for `repoDir` (to be saved over whatever it has). */
  static empty(repoDir: string): PackageCache {
    return new PackageCache(join(repoDir, CACHE_DIR, CACHE_FILE), new Map());
  }

  /** Loads the cache of `repoDir` made with `changelogLimit` (empty when there is none or it does not fit). */
  static load(repoDir: string, changelogLimit: number): PackageCache {
    const path = join(repoDir, CACHE_DIR, CACHE_FILE);
    const entries = new Map<string, Cached>();
    try {
      const buf = readFileSync(path);
      const nl = buf.indexOf(10);
      const index = JSON.parse(buf.toString('utf8', 0, nl)) as CacheIndex;
      if (index.format !== FORMAT || index.render !== RENDER_VERSION || index.changelogLimit !== changelogLimit) throw new Error('other settings');
      // Where each kind's fragments start: after the index line, one kind after the other.
      const off = [nl + 1, 0, 0];
      for (const k of [1, 2]) {
        let len = 0;
        for (const e of index.entries) len += e[3 + k] as number;
        off[k] = (off[k - 1] as number) + len;
      }
      let total = off[2] as number;
      for (const e of index.entries) total += e[6];
      if (total !== buf.length) throw new Error('wrong length');
      const take = (k: number, len: number): Uint8Array => {
        const start = off[k] as number;
        off[k] = start + len;
        return buf.subarray(start, start + len);
      };
      for (const [href, size, mtimeNs, pkgId, p, f, o] of index.entries) {
        entries.set(href, { size, mtimeNs: BigInt(mtimeNs), pkgId, parts: [take(0, p), take(1, f), take(2, o)] });
      }
    } catch {
      entries.clear();
    }
    return new PackageCache(path, entries);
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

  /**
   * Replaces the cache with exactly these packages and writes it. The write runs on libuv's
   * threads (copying ~25 MB into the page cache), beside what the caller does meanwhile.
   */
  async save(packages: readonly PackageFragments[], changelogLimit: number): Promise<void> {
    const index: CacheIndex = {
      format: FORMAT,
      render: RENDER_VERSION,
      changelogLimit,
      entries: packages.map((p) => [p.found.href, p.found.size, p.found.mtimeNs.toString(), p.pkgId, p.parts[0].byteLength, p.parts[1].byteLength, p.parts[2].byteLength]),
    };
    mkdirSync(join(this.path, '..'), { recursive: true });
    const pieces: Uint8Array[] = [Buffer.from(`${JSON.stringify(index)}\n`, 'utf8')];
    for (const kind of [0, 1, 2] as FragmentKind[]) pieces.push(...joinViews(packages.map((p) => p.parts[kind])));
    await replaceFile(this.path, async (tmp) => {
      const fh = await open(tmp, 'wx');
      try {
        await fh.writev(pieces as NodeJS.ArrayBufferView[]);
      } finally {
        await fh.close();
      }
    });
  }
}
