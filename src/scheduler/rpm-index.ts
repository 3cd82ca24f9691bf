/**
 * Indexing an uploaded RPM: its metadata, read once with src/rpm and turned into a repodata
 * record with createrepo_c's rules (src/repo/from-rpm.ts), becomes an rpm_packages row keyed by
 * the file's sha256, for dependency resolution and repository publishing without reopening it.
 */
import type { Insertable } from 'kysely';
import type { RpmPackagesTable } from '../db/schema.ts';
import { repoPackageFromRpm } from '../repo/from-rpm.ts';
import { readPackageBuffer, readPackageSync, rpmvercmp, type RpmPackage } from '../rpm/index.ts';
import { BadArtifactError } from './errors.ts';

export type RpmPackageRow = Insertable<RpmPackagesTable>;

/** Where the RPM's bytes are. */
export type RpmSource = { path: string } | { data: Buffer };

/**
 * The search key of a package (artifact_packages.key, migration 0014): `name-version-release.arch`
 * with ASCII letters in lower case, as SQL's lower() folds them on both databases (package names
 * are ASCII).
 */
export function packageSearchKey(p: { name: string; version: string; release: string; arch: string }): string {
  return asciiLower(`${p.name}-${p.version}-${p.release}.${p.arch}`);
}

/** `text` with ASCII letters in lower case (what lower() does in SQLite and under COLLATE "C"). */
export function asciiLower(text: string): string {
  return text.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

/** An artifact kind that is an RPM file. */
export function isRpmKind(kind: string): kind is 'rpm' | 'srpm' {
  return kind === 'rpm' || kind === 'srpm';
}

function readRpm(source: RpmSource, name: string): RpmPackage {
  try {
    return 'path' in source ? readPackageSync(source.path) : readPackageBuffer(source.data);
  } catch (e) {
    throw new BadArtifactError(`${name} is not a valid RPM: ${(e as Error).message}`, e);
  }
}

/**
 * Reads the RPM artifact `name` (of `kind` rpm or srpm, content `sha256`, `size` bytes) and
 * returns its index row.
 * @throws BadArtifactError (422) when it is not an RPM, or a binary RPM uploaded as srpm (or the
 * reverse).
 */
export function rpmIndexRow(source: RpmSource, file: { name: string; kind: 'rpm' | 'srpm'; sha256: string; size: number }, now: number): RpmPackageRow {
  const pkg = readRpm(source, file.name);
  if (pkg.isSource !== (file.kind === 'srpm')) {
    throw new BadArtifactError(`${file.name} is a ${pkg.isSource ? 'source' : 'binary'} RPM, uploaded as kind ${file.kind}`);
  }
  const repo = repoPackageFromRpm(
    pkg,
    { pkgId: file.sha256, checksumType: 'sha256', href: file.name, mtime: Math.floor(now / 1000), size: file.size },
    { vercmp: rpmvercmp },
  );
  return {
    sha256: file.sha256,
    name: pkg.name,
    epoch: pkg.epoch,
    version: pkg.version,
    release: pkg.release,
    arch: pkg.arch,
    sourcerpm: pkg.sourcerpm,
    metadata: JSON.stringify(repo),
    created_at: now,
  };
}
