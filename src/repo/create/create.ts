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
import { MetadataWriter } from '../publish/metadata-file.ts';
import { FILELISTS_TAIL, filelistsHead } from '../render/filelists.ts';
import { OTHER_TAIL, otherHead } from '../render/other.ts';
import { PRIMARY_TAIL, primaryHead } from '../render/primary.ts';
import type { Advisory, RepomdRecord } from '../model.ts';
import { renderRepomd } from '../render/repomd.ts';
import { CacheWriter, PackageCache } from './cache.ts';
import { lockRepository } from './lock.ts';
import { existingRepository, type ExistingRepository } from './existing.ts';
import { BUNDLED } from '../../util/bundled.ts';
import { joinViews, renderFragments, type FragmentKind, type PackageFragments } from './fragments.ts';
import type { Prehash } from './prehash.ts';
import { ReadPool, readerThreads, readWithPrehash, type OnBatch } from './read-pool.ts';
import { scanPackages, type FoundPackage } from './scan.ts';

export interface CreateOptions {
  /** Default zstd. */
  compression?: MetadataCompression;
  /** Signs repomd.xml (repomd.xml.asc) when given. */
  signKey?: SecretKey | null;
  /** Reuse cached records of unchanged files. */
  update?: boolean;
  /**
   * With `update`: packages (their href) to read again whatever the cache or the published
   * metadata says, e.g. a file replaced by one of the same name, size and mtime second.
   */
  reread?: ReadonlySet<string>;
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
  /**
   * A pipeline hashing the packages, started before this process (prehash.ts; the CLI takes it
   * from its environment; bin/distforge starts one only for large packages): read beside in a
   * cold run, stopped by an update.
   */
  prehash?: Prehash | null;
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

const HEADS = [primaryHead, filelistsHead, otherHead] as const;
const TAILS = [PRIMARY_TAIL, FILELISTS_TAIL, OTHER_TAIL] as const;
const KINDS: readonly FragmentKind[] = [0, 1, 2];

/** The packages' fragments of one kind, joined where adjacent. */
function packageViews(pkgs: readonly PackageFragments[], kind: FragmentKind): Uint8Array[] {
  return joinViews(pkgs.map((p) => p.parts[kind]));
}

/**
 * Feeds batches of packages, which come in any order, to the three files' writers and to the
 * cache in the order of the packages (a batch waits for those before it).
 */
function inOrder(writers: readonly MetadataWriter[], cache: CacheWriter): OnBatch {
  const waiting = new Map<number, PackageFragments[]>();
  let next = 0;
  return (start, pkgs) => {
    waiting.set(start, pkgs);
    for (let b = waiting.get(next); b; b = waiting.get(next)) {
      waiting.delete(next);
      for (const k of KINDS) writers[k]?.write(packageViews(b, k));
      cache.add(b);
      next += b.length;
    }
  };
}

/**
 * Reader threads started before the files are found, when they will probably be needed: bundled
 * (a thread starts in milliseconds), not an update (which reads few files), and not to be read
 * beside a hashing pipeline by the calling thread.
 */
function earlyPool(update: boolean, beside: boolean): ReadPool | null {
  return !update && !beside && BUNDLED ? ReadPool.start() : null;
}

/**
 * How the packages are read: reader threads (maybe started already), or, given a hashing
 * pipeline, the calling thread beside it.
 */
interface ReadPlan {
  pool: ReadPool | null;
  prehash: Prehash | null;
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
  plan: ReadPlan,
  onBatch?: OnBatch,
  reread: ReadonlySet<string> = new Set(),
): Promise<{ pkgs: PackageFragments[]; read: number }> {
  const pkgs: (PackageFragments | undefined)[] = found.map((f) => (reread.has(f.href) ? undefined : cache?.get(f)));
  if (cache?.size === 0 && existing) {
    const old = await existing.packages(found);
    found.forEach((f, i) => {
      const p = old.get(f.href);
      if (p && !reread.has(f.href)) pkgs[i] = renderFragments(f, p);
    });
  }
  const missing = found.filter((_f, i) => pkgs[i] === undefined);
  const { pool, prehash } = plan;
  const threads = readerThreads(missing);
  if (pool && threads === 0) await pool.close();
  let fresh: PackageFragments[];
  // Beside a hashing pipeline, the calling thread reads large files better than one reader thread
  // (more reader threads, on more cores, hash faster than the pipeline).
  if (prehash && threads <= 1) fresh = await readWithPrehash(missing, changelogLimit, prehash, onBatch);
  else {
    prehash?.close();
    fresh = await (threads === 0 ? ReadPool.start(0) : (pool ?? ReadPool.start(threads))).read(missing, changelogLimit, onBatch);
  }
  let k = 0;
  for (let i = 0; i < pkgs.length; i++) if (pkgs[i] === undefined) pkgs[i] = fresh[k++];
  return { pkgs: pkgs as PackageFragments[], read: missing.length };
}

/** Creates or updates DIR/repodata. */
export async function createRepository(dir: string, options: CreateOptions = {}): Promise<CreateResult> {
  const compression = options.compression ?? 'zstd';
  // The writers' compressors (zstd processes) start first, while this process is small and has
  // no other thread yet (a process starts measurably faster then).
  const writers = (['primary.xml', 'filelists.xml', 'other.xml'] as const).map((name) => new MetadataWriter(join(dir, 'repodata'), name, compression));
  let pool: ReadPool | null = null;
  let prehash: Prehash | null = null;
  try {
    // A hashing pipeline started ahead (prehash.ts) is read beside by a cold run; an update reads
    // few files. Whether the packages are large enough for it was judged where it was started
    // (bin/distforge), before Node.
    const given = options.prehash ?? null;
    if (given !== null && !options.update) prehash = given;
    else given?.close();
    pool = earlyPool(options.update ?? false, prehash !== null);
    return await createWith(dir, options, { pool, prehash }, writers);
  } finally {
    prehash?.close();
    await pool?.close();
    for (const w of writers) w.abort();
  }
}

async function createWith(dir: string, options: CreateOptions, plan: ReadPlan, writers: readonly MetadataWriter[]): Promise<CreateResult> {
  // Without --update every file is read, and the readers see their size and times.
  const found = scanPackages(dir, { stat: options.update === true });
  const unlock = lockRepository(dir);
  let cacheWriter: CacheWriter | null = null;
  try {
    const changelogLimit = options.changelogLimit ?? DEFAULT_CHANGELOG_LIMIT;
    // Without --update every package is read, in order: the files are fed (and compress) and the
    // cache is written as the batches come in. With it, the cache is read, and the files are fed
    // and the cache written (one block) once all packages are known.
    const cache = options.update ? PackageCache.load(dir, changelogLimit) : null;
    cacheWriter = CacheWriter.start(dir, changelogLimit);
    const existing = options.update ? await existingRepository(dir) : null;
    const n = found.length;
    KINDS.forEach((k) => writers[k]?.write([Buffer.from(HEADS[k](n), 'utf8')]));
    const { pkgs, read } = await collect(found, cache, existing, changelogLimit, plan, cache ? undefined : inOrder(writers, cacheWriter), options.reread);
    if (cache) cacheWriter.add(pkgs);
    const compression = options.compression ?? 'zstd';
    const now = options.now ?? Date.now();
    const timestamp = Math.floor(now / 1000);
    const repodata = join(dir, 'repodata');
    mkdirSync(repodata, { recursive: true });
    const records: RepomdRecord[] = [];
    const writes: Promise<void>[] = KINDS.map(async (k) => {
      const w = writers[k] as MetadataWriter;
      const written = await w.finish([...(options.update ? packageViews(pkgs, k) : []), Buffer.from(TAILS[k], 'utf8')]);
      records[k] = metadataRecord((['primary', 'filelists', 'other'] as const)[k], written, timestamp);
    });
    const extras = writeExtraFiles(repodata, options, compression, timestamp);
    // While the files compress: the cache is right whatever happens to the publication.
    const saved = cacheWriter.finish();
    cacheWriter = null;
    let extra: RepomdRecord[];
    try {
      [, extra] = await Promise.all([Promise.all(writes), extras, saved]);
    } finally {
      // Nothing is left writing once this returns or throws (the lock is released after).
      await Promise.allSettled([...writes, extras, saved]);
    }
    records.push(...extra);
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
    return { packages: n, read, reused: n - read, records, publish };
  } finally {
    // A run that failed before the cache was complete leaves the one in place as it was.
    await cacheWriter?.abort();
    unlock();
  }
}
