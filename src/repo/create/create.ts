/**
 * Creates or re-publishes a repository's metadata (`distforge repo create`): finds the package
 * files, reads each one once (or takes its record from the cache when its path, size and mtime are
 * unchanged), renders primary, filelists and other (plus updateinfo, comps and modules when given)
 * under checksum-prefixed names, writes repomd.xml (signed when a key is given) and publishes it
 * atomically, keeping the previous generation for a grace period.
 *
 * Every package is read before anything is written: a damaged package fails the run with its name
 * and leaves repodata/ exactly as it was.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { SecretKey } from '../../pgp/secret-key.ts';
import { DEFAULT_CHANGELOG_LIMIT } from '../from-rpm.ts';
import type { MetadataCompression } from '../publish/compress.ts';
import { publishGeneration, type PublishResult } from '../publish/generations.ts';
import { metadataRecord, writeExtraFiles } from '../publish/extra-files.ts';
import { writeMetadataFile } from '../publish/metadata-file.ts';
import { FILELISTS_TAIL, filelistsHead } from '../render/filelists.ts';
import { OTHER_TAIL, otherHead } from '../render/other.ts';
import { PRIMARY_TAIL, primaryHead } from '../render/primary.ts';
import type { Advisory, RepomdRecord } from '../model.ts';
import { renderRepomd } from '../render/repomd.ts';
import { PackageCache } from './cache.ts';
import { lockRepository } from './lock.ts';
import { existingRepository, type ExistingRepository } from './existing.ts';
import { fragment, renderFragments, type FragmentKind, type PackageFragments } from './fragments.ts';
import { readPackages } from './read-pool.ts';
import { scanPackages, type FoundPackage } from './scan.ts';

export interface CreateOptions {
  /** Default zstd. */
  compression?: MetadataCompression;
  /** Signs repomd.xml (repomd.xml.asc) when given. */
  signKey?: SecretKey | null;
  /** Reuse cached records of unchanged files. */
  update?: boolean;
  /** Newest changelog entries per package; default 10, -1 for all. */
  changelogLimit?: number;
  /** Advisories for updateinfo.xml. */
  advisories?: Advisory[];
  /** comps.xml content (group metadata), passed through. */
  groups?: Buffer;
  /** modules.yaml content, passed through. */
  modules?: Buffer;
  graceSeconds?: number;
  /** Current time in ms (tests). */
  now?: number;
}

export interface CreateResult {
  packages: number;
  /** Packages read from their files. */
  read: number;
  /** Packages whose cached record was reused. */
  reused: number;
  records: RepomdRecord[];
  publish: PublishResult;
}

function* packageParts(pkgs: PackageFragments[], head: string, kind: FragmentKind, tail: string): Generator<Uint8Array> {
  yield Buffer.from(head, 'utf8');
  for (const p of pkgs) yield fragment(p, kind);
  yield Buffer.from(tail, 'utf8');
}

/**
 * Reads every package, or takes it from the cache, or (with no cache) from the metadata already
 * published; throws before anything is written.
 */
async function collect(
  found: FoundPackage[],
  cache: PackageCache | null,
  existing: ExistingRepository | null,
  changelogLimit: number,
): Promise<{ pkgs: PackageFragments[]; read: number }> {
  const pkgs: (PackageFragments | undefined)[] = found.map((f) => cache?.get(f));
  if (cache?.size === 0 && existing) {
    const old = await existing.packages(found);
    found.forEach((f, i) => {
      const p = old.get(f.href);
      if (p) pkgs[i] = renderFragments(f, p);
    });
  }
  const missing = found.filter((_f, i) => pkgs[i] === undefined);
  const fresh = await readPackages(missing, changelogLimit);
  let k = 0;
  for (let i = 0; i < pkgs.length; i++) if (pkgs[i] === undefined) pkgs[i] = fresh[k++];
  return { pkgs: pkgs as PackageFragments[], read: missing.length };
}

/** Creates or updates DIR/repodata. */
export async function createRepository(dir: string, options: CreateOptions = {}): Promise<CreateResult> {
  const found = scanPackages(dir);
  const unlock = lockRepository(dir);
  try {
    const changelogLimit = options.changelogLimit ?? DEFAULT_CHANGELOG_LIMIT;
    const cache = PackageCache.load(dir, changelogLimit);
    const existing = options.update ? await existingRepository(dir) : null;
    const { pkgs, read } = await collect(found, options.update ? cache : null, existing, changelogLimit);
    const compression = options.compression ?? 'zstd';
    const now = options.now ?? Date.now();
    const timestamp = Math.floor(now / 1000);
    const repodata = join(dir, 'repodata');
    mkdirSync(repodata, { recursive: true });
    const n = pkgs.length;
    const writes: Promise<RepomdRecord[]>[] = [
      writeMetadataFile(repodata, 'primary.xml', packageParts(pkgs, primaryHead(n), 0, PRIMARY_TAIL), compression).then((w) => [metadataRecord('primary', w, timestamp)]),
      writeMetadataFile(repodata, 'filelists.xml', packageParts(pkgs, filelistsHead(n), 1, FILELISTS_TAIL), compression).then((w) => [metadataRecord('filelists', w, timestamp)]),
      writeMetadataFile(repodata, 'other.xml', packageParts(pkgs, otherHead(n), 2, OTHER_TAIL), compression).then((w) => [metadataRecord('other', w, timestamp)]),
      writeExtraFiles(repodata, options, compression, timestamp),
    ];
    const records = (await Promise.all(writes)).flat();
    // --update keeps what this run does not replace (advisories, groups, modules, …), as published.
    const replaced = new Set(records.map((r) => r.type.replace(/_gz$/, '')));
    for (const r of existing?.extras ?? []) if (!replaced.has(r.type.replace(/_gz$/, ''))) records.push(r);
    const repomd = renderRepomd({ revision: String(timestamp), records });
    const key = options.signKey ?? null;
    const publish = await publishGeneration(repodata, {
      repomd,
      sign: key ? async (doc) => (await import('../../pgp/secret-key.ts')).signDetachedArmored(key, Buffer.from(doc, 'utf8')) : null,
      ...(options.graceSeconds === undefined ? {} : { graceSeconds: options.graceSeconds }),
      now,
    });
    cache.save(pkgs, changelogLimit);
    return { packages: n, read, reused: n - read, records, publish };
  } finally {
    unlock();
  }
}
