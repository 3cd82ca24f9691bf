/**
 * Renders a repository version (see types.ts): the same repodata createRepository would write for
 * the same files and file times, made from cached fragments and compressed chunks wherever the
 * packages are unchanged, so that a version one package away from a rendered one costs about one
 * pass over the uncompressed bytes (their open-checksums) and a copy of the compressed ones.
 *
 * Steps: check the input and the output directory; take the cache; find every package's
 * fragments in it, read the rest from their files (any bad package fails the render here, before
 * anything is written); cut the files into chunks and compress the chunks the cache lacks; hash
 * and check every uncompressed byte; copy the frames into the three files; write the extra files
 * and repomd.xml; save the cache. A check that fails on cached data forgets it and starts again
 * (the package files are read anew); any error removes what was written.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { RepoCreateError } from '../errors.ts';
import { checkComps, checkModules } from '../extras.ts';
import { DEFAULT_CHANGELOG_LIMIT } from '../from-rpm.ts';
import type { RepomdRecord } from '../model.ts';
import { fsyncDir, writeDurably } from '../publish/generations.ts';
import { metadataRecord, writeExtraFiles } from '../publish/extra-files.ts';
import { renderRepomd } from '../render/repomd.ts';
import { DEFAULT_CHUNK_BYTES, KIND_NAMES, hrefHash } from './chunking.ts';
import { DAY_MS, VersionCache } from './cache/store.ts';
import { RepoVersionError } from './errors.ts';
import { fragmentSpans, hashFile, type HashedFile } from './hash-files.ts';
import { orderPackages } from './order.ts';
import { clearRepodata, prepareOutDir, removeOutput, type OutDir } from './out-dir.ts';
import { planFiles, type FilePlan } from './plan-files.ts';
import { readNewPackages } from './read-new.ts';
import type { RenderTimes, RenderVersionOptions, RenderedVersion, VersionCompression, VersionPackage } from './types.ts';
import { writeChunkedFile } from './write-chunked.ts';

const ATTEMPTS = 3;

/** What one attempt found wrong in the cache. */
interface Damage {
  fragments: number[];
  chunks: number[];
}

interface Context {
  o: RenderVersionOptions;
  pkgs: VersionPackage[];
  out: OutDir;
  cache: VersionCache;
  compression: VersionCompression;
  limit: number;
  target: number;
  hashes: Uint32Array;
  /** pkgIds as ASCII hex, 64 bytes each, in file order. */
  ids: Buffer;
  times: RenderTimes;
}

function seconds(since: number): number {
  return (performance.now() - since) / 1000;
}

function checkOptions(o: RenderVersionOptions): { compression: VersionCompression; limit: number; target: number } {
  const compression = o.compression ?? 'zstd';
  if (compression !== 'zstd' && compression !== 'gz') throw new RepoVersionError(`unknown compression ${JSON.stringify(compression)} (zstd or gz)`);
  const limit = o.changelogLimit ?? DEFAULT_CHANGELOG_LIMIT;
  if (!Number.isInteger(limit) || limit < -1) throw new RepoVersionError('changelogLimit must be a whole number, -1 for all');
  const target = o.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  if (!Number.isInteger(target) || target < 1024) throw new RepoVersionError('chunkBytes must be at least 1024');
  if (!Number.isSafeInteger(o.timestamp) || o.timestamp < 0) throw new RepoVersionError('timestamp must be a whole number of seconds');
  if (typeof o.revision !== 'string' || o.revision === '') throw new RepoVersionError('revision is empty');
  try {
    if (o.groups) checkComps(o.groups, 'groups');
    if (o.modules) checkModules(o.modules, 'modules');
  } catch (e) {
    if (e instanceof RepoCreateError) throw new RepoVersionError(e.message, {}, { cause: e });
    throw e;
  }
  return { compression, limit, target };
}

/** Finds every package's fragments, reading and caching those that are missing. */
async function fragments(ctx: Context): Promise<{ recs: Int32Array; read: number }> {
  const { pkgs, cache, limit } = ctx;
  let t = performance.now();
  const recs = new Int32Array(pkgs.length);
  const missing: number[] = [];
  const pkgIds = Buffer.from(ctx.ids.toString('latin1'), 'hex');
  pkgs.forEach((p, i) => {
    recs[i] = cache.findFragments(pkgIds, i * 32, p.href, p.fileTime, limit);
    if (recs[i] === -1) missing.push(i);
  });
  ctx.times.load += seconds(t);
  t = performance.now();
  const fresh = await readNewPackages(
    missing.map((i) => pkgs[i] as VersionPackage),
    limit,
  );
  cache.addFragments(fresh).forEach((r, k) => (recs[missing[k] ?? 0] = r));
  ctx.times.read += seconds(t);
  return { recs, read: missing.length };
}

/** One attempt: the finished version, or what was found damaged in the cache (nothing kept in repodata then). */
async function attempt(ctx: Context): Promise<RenderedVersion | Damage> {
  const { cache, out, times } = ctx;
  const { recs, read } = await fragments(ctx);
  let t = performance.now();
  const planned = await planFiles(cache, recs, ctx.hashes, ctx.ids, ctx.compression, ctx.target, cache.dir);
  times.compress += seconds(t);
  if (planned.badPackages.length > 0) return { fragments: planned.badPackages.map((i) => recs[i] ?? 0), chunks: [] };
  t = performance.now();
  const damage: Damage = { fragments: [], chunks: [] };
  const hashed: HashedFile[] = planned.files.map((f) => {
    const h = hashFile(cache.files, fragmentSpans(cache, recs, f.kind), f);
    // A chunk whose bytes changed: which member changed is not known, so all are read again.
    for (const j of h.badChunks) {
      damage.chunks.push(f.frames[j + 1] ?? 0);
      for (let i = f.starts[j] ?? 0; i < (f.starts[j + 1] ?? recs.length); i++) damage.fragments.push(recs[i] ?? 0);
    }
    return h;
  });
  times.hash += seconds(t);
  if (damage.fragments.length + damage.chunks.length > 0) return damage;
  t = performance.now();
  const suffix = ctx.compression === 'zstd' ? '.zst' : '.gz';
  const records: RepomdRecord[] = [];
  planned.files.forEach((f: FilePlan, k) => {
    const name = KIND_NAMES[f.kind];
    const w = writeChunkedFile(cache, out.repodata, `${name}.xml${suffix}`, f.frames);
    if ('bad' in w) for (const i of w.bad) damage.chunks.push(f.frames[i] ?? 0);
    else records.push(metadataRecord(name, { ...w, openChecksum: hashed[k]?.openChecksum ?? '', openSize: hashed[k]?.openSize ?? 0 }, ctx.o.timestamp));
  });
  if (damage.chunks.length > 0) return damage;
  records.push(...(await writeExtraFiles(out.repodata, ctx.o, ctx.compression, ctx.o.timestamp)));
  const repomd = renderRepomd({ revision: ctx.o.revision, records });
  writeDurably(join(out.repodata, 'repomd.xml'), repomd);
  fsyncDir(out.repodata);
  fsyncDir(out.root);
  times.write += seconds(t);
  t = performance.now();
  try {
    cache.save(recs);
  } catch {
    // The version is complete; a cache that could not be saved only makes the next render slower.
  }
  times.save += seconds(t);
  const n = ctx.pkgs.length;
  return { repomd, records, packages: n, read, reused: n - read, chunks: { compressed: planned.compressed, reused: planned.reused }, seconds: times };
}

/**
 * Renders the version `o` describes into `o.outDir` (see the module comment).
 * @throws RepoVersionError for bad input (naming the package or directory); nothing is left in
 *   outDir then.
 */
export async function renderRepositoryVersion(o: RenderVersionOptions): Promise<RenderedVersion> {
  const start = performance.now();
  const { compression, limit, target } = checkOptions(o);
  const pkgs = orderPackages(o.packages);
  const out = prepareOutDir(o.outDir);
  let cache: VersionCache | null = null;
  try {
    mkdirSync(o.cacheDir, { recursive: true });
    cache = await VersionCache.open(o.cacheDir, o.now ?? Date.now(), o.cacheRetentionSeconds ?? 30 * DAY_MS / 1000);
    const times: RenderTimes = { load: seconds(start), read: 0, compress: 0, hash: 0, write: 0, save: 0, total: 0 };
    const ctx: Context = {
      o,
      pkgs,
      out,
      cache,
      compression,
      limit,
      target,
      hashes: Uint32Array.from(pkgs, (p) => hrefHash(p.href)),
      ids: Buffer.from(pkgs.map((p) => p.sha256).join(''), 'latin1'),
      times,
    };
    for (let n = 1; ; n++) {
      const r = await attempt(ctx);
      if ('repomd' in r) {
        times.total = seconds(start);
        return r;
      }
      cache.forgetFragments(r.fragments);
      cache.forgetChunks(r.chunks);
      clearRepodata(out);
      if (n === ATTEMPTS) throw new RepoVersionError('cached data keeps failing its checks', { file: o.cacheDir });
    }
  } catch (e) {
    removeOutput(out);
    throw e;
  } finally {
    cache?.close();
  }
}
