/**
 * The package cache of a repository directory: the rendered metadata fragments of every package
 * file read so far, keyed by its path and checked against its size and mtime, so that
 * re-publishing (`repo create --update`) neither re-opens nor re-renders an unchanged RPM file.
 *
 * Stored in DIR/.distforge-cache/packages.v2: one JSON line (format, render version, changelog
 * limit, and per package: href, size, mtime in ns, pkgId, fragment lengths), then the fragments'
 * bytes back to back. Loading reads the file once and slices it; nothing is decoded. Replaced
 * atomically. A cache that is missing, damaged, or made with other settings is ignored
 * (everything is read again), never an error.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { replaceFileSync } from '../../util/atomic-file.ts';
import { RENDER_VERSION, type PackageFragments } from './fragments.ts';
import type { FoundPackage } from './scan.ts';

export const CACHE_DIR = '.distforge-cache';
const CACHE_FILE = 'packages.v2';
const FORMAT = 2;

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
  data: Uint8Array;
  lengths: [number, number, number];
}

export class PackageCache {
  private constructor(
    private readonly path: string,
    private readonly entries: Map<string, Cached>,
  ) {}

  /** Loads the cache of `repoDir` made with `changelogLimit` (empty when there is none or it does not fit). */
  static load(repoDir: string, changelogLimit: number): PackageCache {
    const path = join(repoDir, CACHE_DIR, CACHE_FILE);
    const entries = new Map<string, Cached>();
    try {
      const buf = readFileSync(path);
      const nl = buf.indexOf(10);
      const index = JSON.parse(buf.toString('utf8', 0, nl)) as CacheIndex;
      if (index.format !== FORMAT || index.render !== RENDER_VERSION || index.changelogLimit !== changelogLimit) throw new Error('other settings');
      let off = nl + 1;
      for (const [href, size, mtimeNs, pkgId, p, f, o] of index.entries) {
        const len = p + f + o;
        if (off + len > buf.length) throw new Error('truncated');
        entries.set(href, { size, mtimeNs: BigInt(mtimeNs), pkgId, data: buf.subarray(off, off + len), lengths: [p, f, o] });
        off += len;
      }
      if (off !== buf.length) throw new Error('trailing bytes');
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
    return { found: f, pkgId: e.pkgId, data: e.data, lengths: e.lengths };
  }

  /** Replaces the cache with exactly these packages and writes it. */
  save(packages: PackageFragments[], changelogLimit: number): void {
    const index: CacheIndex = {
      format: FORMAT,
      render: RENDER_VERSION,
      changelogLimit,
      entries: packages.map((p) => [p.found.href, p.found.size, p.found.mtimeNs.toString(), p.pkgId, ...p.lengths]),
    };
    mkdirSync(join(this.path, '..'), { recursive: true });
    const head = Buffer.from(`${JSON.stringify(index)}\n`, 'utf8');
    replaceFileSync(this.path, (tmp) => writeFileSync(tmp, Buffer.concat([head, ...packages.map((p) => p.data)])));
  }
}
