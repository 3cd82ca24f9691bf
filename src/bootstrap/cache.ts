/**
 * The cache of made packages: each RPM is kept under a key of everything that decides its bytes —
 * the maker's version, the host's rpm (its generators), the manifest entry, the debs it is made
 * from (name, version, SHA256) with the globs other entries take from them, and the manifest-wide
 * facts packages depend on (filesystem's directories, the file paths provided explicitly). A run
 * whose inputs did not change finds every key and makes nothing.
 *
 * Layout: CACHE/rpms/KEY/{meta.json, NAME-V-R.ARCH.rpm}; an entry appears by renaming a finished
 * temporary directory, so a reader never sees half of one. Entries no current key names are
 * removed an hour after they were made, so the cache holds about one repository's worth.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AptDeb } from './apt.ts';
import { FILESYSTEM_DIRS } from './content/base-files.ts';
import { sourceDeb } from './manifest/index.ts';
import type { ElPackageDef } from './types.ts';

/** Bump when the maker writes other bytes for the same inputs. */
export const MAKER_VERSION = 1;

/** What the cache keeps beside each RPM. */
export interface CachedPackage {
  name: string;
  nevra: string;
  /** File name of the RPM in its cache entry (and in the repository's Packages/). */
  file: string;
  buildtime: number;
  debs: string[];
}

/** The debs a package is made from (its sources and copies), sorted. */
export function packageDebs(def: ElPackageDef): string[] {
  return [...new Set([...(def.from ?? []).map(sourceDeb), ...(def.copies ?? []).map((c) => c.deb)])].sort();
}

/** File paths some manifest entry provides explicitly (`/bin/sh`): requirements keep them as they are. */
export function explicitFileProvides(manifest: readonly ElPackageDef[]): Set<string> {
  return new Set(manifest.flatMap((p) => (p.provides ?? []).filter((d) => d.startsWith('/')).map((d) => d.split(/\s/)[0] as string)));
}

/** The part of every key that is the same for all packages of a run. */
export function globalKey(manifest: readonly ElPackageDef[], rpmVersion: string): string {
  return JSON.stringify({ MAKER_VERSION, rpmVersion: rpmVersion.trim(), filesystem: [...FILESYSTEM_DIRS].sort(), fileProvides: [...explicitFileProvides(manifest)].sort() });
}

/** The cache key of `def`. */
export function packageKey(def: ElPackageDef, manifest: readonly ElPackageDef[], debs: ReadonlyMap<string, AptDeb>, global: string): string {
  const sources = packageDebs(def).map((name) => {
    const d = debs.get(name);
    const claims = manifest.flatMap((p) => (p.from ?? []).filter((s) => typeof s !== 'string' && s.deb === name).map((s) => [p.name, (s as { paths: string[] }).paths]));
    return { name, version: d?.version, sha256: d?.sha256, claims };
  });
  return createHash('sha256').update(JSON.stringify({ global, def, sources })).digest('hex').slice(0, 40);
}

/** The cache of made RPMs under `dir`. */
export class PackageStore {
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  /** The cached package of `key`, or null. */
  get(key: string): (CachedPackage & { path: string }) | null {
    const meta = join(this.dir, key, 'meta.json');
    if (!existsSync(meta)) return null;
    try {
      const p = JSON.parse(readFileSync(meta, 'utf8')) as CachedPackage;
      const path = join(this.dir, key, p.file);
      return existsSync(path) ? { ...p, path } : null;
    } catch {
      return null;
    }
  }

  /**
   * Removes entries no current key names, once they are older than `graceMs` (a run of another
   * distforge version may still be using its entries).
   */
  prune(keep: ReadonlySet<string>, graceMs: number, now = Date.now()): void {
    for (const name of readdirSync(this.dir)) {
      if (keep.has(name)) continue;
      const path = join(this.dir, name);
      try {
        if (now - statSync(path).mtimeMs > graceMs) rmSync(path, { recursive: true, force: true });
      } catch {
        // gone already
      }
    }
  }

  /** A private directory to write the entry of `key` in; {@link commit} publishes it. */
  scratch(key: string): string {
    const dir = join(this.dir, `.tmp-${key}-${process.pid}`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir);
    return dir;
  }

  /** Publishes the scratch directory of `key` with its metadata (an existing entry wins). */
  commit(key: string, scratch: string, meta: CachedPackage): void {
    writeFileSync(join(scratch, 'meta.json'), `${JSON.stringify(meta)}\n`);
    const target = join(this.dir, key);
    if (existsSync(target) && this.get(key) === null) rmSync(target, { recursive: true, force: true }); // a damaged entry
    try {
      renameSync(scratch, target);
    } catch {
      // another run published the same key first: its bytes are the same
      rmSync(scratch, { recursive: true, force: true });
    }
  }
}
