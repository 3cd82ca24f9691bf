/**
 * The packages a build may take its build dependencies from: RPM files the node already has (the
 * packages this build made, downloaded from the master) and the packages of repositories (the
 * platform's and the build's), read from their repodata without downloading any RPM. A package
 * is fetched only once the resolver picks it, and its checksum is checked on arrival.
 *
 * Terminology:
 * - candidate: one package of the pool, as repodata describes it, plus how to get its file.
 * - origin: where a candidate comes from (a file path, or a repository location).
 */
import { createHash } from 'node:crypto';
import { createWriteStream, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { repoPackageFromRpm } from '../repo/from-rpm.ts';
import type { RepoPackage } from '../repo/model.ts';
import { openRepository } from '../repo/read/index.ts';
import { openTransport } from '../repo/read/transport.ts';
import { readPackageSync, rpmvercmp } from '../rpm/index.ts';
import { BuildFailedError } from './errors.ts';

/** Where build dependencies may come from. */
export interface DependencySources {
  /** RPM files on this machine (packages of this build, downloaded by the node). */
  rpmFiles?: string[];
  /** Repository roots: directories, file:// or http(s):// URLs. */
  repositories?: string[];
}

export interface Candidate {
  pkg: RepoPackage;
  origin: string;
  /** Puts the package file into `dir` (once) and returns its path. */
  fetch(dir: string): Promise<string>;
}

/** The repodata record of a local RPM file. */
export function repoPackageOfFile(path: string): RepoPackage {
  const data = readFileSync(path);
  const st = statSync(path);
  const pkgId = createHash('sha256').update(data).digest('hex');
  const facts = { pkgId, checksumType: 'sha256', href: basename(path), mtime: Math.floor(st.mtimeMs / 1000), size: st.size };
  return repoPackageFromRpm(readPackageSync(path), facts, { vercmp: rpmvercmp });
}

function fileCandidate(path: string): Candidate {
  return { pkg: repoPackageOfFile(path), origin: path, fetch: () => Promise.resolve(path) };
}

/** Downloads `href` of the repository at `location` into `dir`, checking its checksum. */
async function download(location: string, pkg: RepoPackage, dir: string): Promise<string> {
  const transport = openTransport(pkg.location.base ?? location);
  const dest = join(dir, basename(pkg.location.href));
  const algo = pkg.checksumType === 'sha' ? 'sha1' : pkg.checksumType;
  const hash = createHash(algo);
  const out = createWriteStream(dest);
  try {
    for await (const chunk of transport.stream(pkg.location.href)) {
      hash.update(chunk);
      if (!out.write(chunk)) await new Promise<void>((done) => out.once('drain', () => done()));
    }
  } finally {
    await new Promise<void>((done, fail) => out.end((err?: Error | null) => (err ? fail(err) : done())));
  }
  const got = hash.digest('hex');
  if (got !== pkg.pkgId) throw new BuildFailedError(`${transport.resolve(pkg.location.href)}: ${algo} ${got}, repodata says ${pkg.pkgId}`);
  return dest;
}

function repoCandidate(location: string, pkg: RepoPackage): Candidate {
  let fetched: Promise<string> | null = null;
  return {
    pkg,
    origin: location,
    fetch: (dir) => (fetched ??= download(location, pkg, dir)),
  };
}

/**
 * Every candidate of `sources`: local files first (in the order given), then each repository's
 * packages. Source packages are left out.
 * @throws BuildFailedError naming a file or repository that cannot be read.
 */
export async function loadCandidates(sources: DependencySources): Promise<Candidate[]> {
  const out: Candidate[] = [];
  for (const f of sources.rpmFiles ?? []) {
    try {
      const c = fileCandidate(f);
      if (c.pkg.arch !== 'src' && c.pkg.arch !== 'nosrc') out.push(c);
    } catch (e) {
      throw new BuildFailedError(`${f}: cannot read build dependency: ${(e as Error).message}`, { cause: e });
    }
  }
  for (const location of sources.repositories ?? []) {
    try {
      const repo = await openRepository(location);
      for await (const pkg of repo.packages({ other: false })) {
        if (pkg.arch !== 'src' && pkg.arch !== 'nosrc') out.push(repoCandidate(repo.location, pkg));
      }
    } catch (e) {
      if (e instanceof BuildFailedError) throw e;
      throw new BuildFailedError(`repository ${location}: ${(e as Error).message}`, { cause: e });
    }
  }
  return out;
}
