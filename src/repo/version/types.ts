/**
 * Rendering an immutable repository version: the metadata (repodata/) of one publication of a
 * release repository, made from package files the caller keeps in a content-addressed pool.
 *
 * Terminology:
 * - version: one publication of a repository: a set of packages (plus advisories, comps and
 *   modules), rendered once into a fresh directory and never changed afterwards.
 * - package key: what a package's rendered metadata depends on: the sha256 of its file (pkgId), its
 *   href, its file time, the changelog limit and the renderer's version. Equal keys give equal bytes.
 * - fragment: a package's `<package>` element in primary.xml, filelists.xml or other.xml.
 * - chunk: a run of consecutive fragments of one file, compressed on its own as one zstd frame or
 *   gzip member. A metadata file is the head's frame, its chunks' frames and the tail's frame, back
 *   to back; clients decompress it as one stream.
 * - chunk key: the sha256 over the digests of a chunk's members (each the sha256 of that package's
 *   rendered fragments), with the file kind and compression: a hash of its uncompressed bytes.
 * - cache: the directory of rendered fragments and compressed chunks shared by every version and
 *   repository of a platform (see cache/store.ts).
 */
import type { Advisory, RepomdRecord } from '../model.ts';

/** One package of a version. */
export interface VersionPackage {
  /** sha256 of the RPM file (its pkgId), hex. */
  sha256: string;
  /** Location in the repository, e.g. `Packages/b/bash-5.1.8-6.el9.x86_64.rpm`. */
  href: string;
  /** Where the file is; opened only when its metadata is not cached. */
  path: string;
  /** primary.xml's `<time file=…>`, seconds (fixed by the caller so that output is deterministic). */
  fileTime: number;
}

export type VersionCompression = 'zstd' | 'gz';

/** Options of {@link renderRepositoryVersion}. */
export interface RenderVersionOptions {
  packages: VersionPackage[];
  /** Receives repodata/ and repodata/repomd.xml (unsigned); must not exist yet or be empty. */
  outDir: string;
  /** Persistent cache shared by all versions and repositories of a platform. */
  cacheDir: string;
  /** repomd.xml's `<revision>`. */
  revision: string;
  /** Every record's `<timestamp>`, seconds. */
  timestamp: number;
  /** Default zstd. */
  compression?: VersionCompression;
  /** Newest changelog entries per package; default 10 (createrepo_c's), -1 for all. */
  changelogLimit?: number;
  /** Rendered as updateinfo.xml. */
  advisories?: Advisory[];
  /** comps.xml, passed through (`group` and `group_gz`), as createRepository does. */
  groups?: Buffer;
  /** modules.yaml, passed through (gzip, `modules`). */
  modules?: Buffer;
  /**
   * Uncompressed bytes a chunk holds on average (default 256 KiB). Smaller chunks make a change
   * cheaper to recompress and the files slightly larger. Changing it only costs recompression.
   */
  chunkBytes?: number;
  /** Cache entries unused this long are dropped (default 30 days). */
  cacheRetentionSeconds?: number;
  /** Current time in ms, for cache bookkeeping only (tests); never in the output. */
  now?: number;
}

/** Where the time of a render went, in seconds. */
export interface RenderTimes {
  /** Taking the cache lock, loading its index, checking the input. */
  load: number;
  /** Reading and rendering the packages that were not cached (RPM files opened). */
  read: number;
  /** Making the chunks that were not cached: their fragments checked against their digests, joined, compressed. */
  compress: number;
  /** Hashing every uncompressed byte (open-checksums) and checking every chunk's fragments (CRC-32). */
  hash: number;
  /** Writing the metadata files and repomd.xml (with their checksums), flushed to disk. */
  write: number;
  /** Updating the cache index (and compacting it when due). */
  save: number;
  total: number;
}

/** What {@link renderRepositoryVersion} made. */
export interface RenderedVersion {
  /** repomd.xml as written (unsigned). */
  repomd: string;
  records: RepomdRecord[];
  packages: number;
  /** Packages whose file was read. */
  read: number;
  /** Packages whose rendered metadata came from the cache. */
  reused: number;
  /** Chunks (over the three files, heads and tails included) compressed now and taken from the cache. */
  chunks: { compressed: number; reused: number };
  seconds: RenderTimes;
}
