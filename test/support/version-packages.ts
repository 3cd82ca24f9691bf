/**
 * Package lists for `renderRepositoryVersion`, as the release service knows its pool: each file's
 * sha256, its href in the repository, its path and a file time (the file's mtime in whole seconds,
 * the value createrepo_c and createRepository put in `<time file=…>` for the same file).
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { scanPackages } from '../../src/repo/create/scan.ts';
import type { VersionPackage } from '../../src/repo/version/index.ts';

/** The package at `path`, listed at `href`. */
export function versionPackage(path: string, href: string): VersionPackage {
  const sha256 = createHash('sha256').update(readFileSync(path)).digest('hex');
  return { sha256, href, path, fileTime: Math.floor(statSync(path).mtimeMs / 1000) };
}

/** Every `*.rpm` under `root`, with the hrefs createrepo_c would give them (paths under `root`). */
export function versionPackagesIn(root: string): VersionPackage[] {
  return scanPackages(root).map((f) => versionPackage(f.path, f.href));
}
