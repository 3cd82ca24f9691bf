/**
 * The package cache of a repository directory: the repodata record of every package file read so
 * far, keyed by its path and checked against its size and mtime, so that re-publishing
 * (`repo create --update`) never re-opens an unchanged RPM file.
 *
 * Stored in DIR/.distforge-cache/packages.v8 (node:v8 serialisation: fast to load, no schema
 * to drift), replaced atomically. A cache that is missing, from another format version, or damaged
 * is ignored (everything is read again), never an error.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { replaceFileSync } from '../../util/atomic-file.ts';
import type { RepoPackage } from '../model.ts';
import type { FoundPackage } from './scan.ts';

export const CACHE_DIR = '.distforge-cache';
const CACHE_FILE = 'packages.v8';
const FORMAT = 1;

interface CacheEntry {
  size: number;
  mtimeNs: bigint;
  /** Options the record depends on. */
  changelogLimit: number;
  pkg: RepoPackage;
}

interface CacheFile {
  format: number;
  entries: Map<string, CacheEntry>;
}

export class PackageCache {
  private constructor(
    private readonly path: string,
    private readonly entries: Map<string, CacheEntry>,
  ) {}

  /** Loads the cache of `repoDir` (empty when there is none or it cannot be read). */
  static load(repoDir: string): PackageCache {
    const path = join(repoDir, CACHE_DIR, CACHE_FILE);
    try {
      const data = deserialize(readFileSync(path)) as CacheFile;
      if (data.format === FORMAT && data.entries instanceof Map) return new PackageCache(path, data.entries);
    } catch {
      // missing or unreadable: start empty
    }
    return new PackageCache(path, new Map());
  }

  /** The cached record of `f` if the file is unchanged (same path, size and mtime). */
  get(f: FoundPackage, changelogLimit: number): RepoPackage | undefined {
    const e = this.entries.get(f.href);
    if (!e || e.size !== f.size || e.mtimeNs !== f.mtimeNs || e.changelogLimit !== changelogLimit) return undefined;
    return e.pkg;
  }

  /** Replaces the cache's content with exactly these packages and writes it. */
  save(packages: { found: FoundPackage; pkg: RepoPackage }[], changelogLimit: number): void {
    const entries = new Map<string, CacheEntry>();
    for (const { found, pkg } of packages) entries.set(found.href, { size: found.size, mtimeNs: found.mtimeNs, changelogLimit, pkg });
    mkdirSync(join(this.path, '..'), { recursive: true });
    const data: CacheFile = { format: FORMAT, entries };
    replaceFileSync(this.path, (tmp) => writeFileSync(tmp, serialize(data)));
  }
}
