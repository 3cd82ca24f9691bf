/**
 * Preparing a binary build's dependencies, the private-rpmdb way (../shared/docs/TOOLCHAIN.md):
 *
 * 1. write the host-provides package (host-provides.ts) into the build root;
 * 2. pick the build dependencies among the task's packages and repositories (resolve-deps.ts),
 *    fetching each picked package (checksums checked);
 * 3. record the host-provides package and the picked packages in the build's private rpmdb with
 *    `rpm --dbpath … -i --justdb` in the sandbox — never `--nodeps`: rpm refuses a picked package
 *    whose own Requires are missing, and that is a missing build dependency too;
 * 4. unpack the picked packages' files into the sysroot (our safe payload extractor), where the
 *    compiler finds them.
 *
 * The BuildRequires check itself is rpmbuild's, against that rpmdb (rpmbuild-sandbox.ts).
 */
import { copyFileSync } from 'node:fs';
import { sha256File } from '../../util/sha256-file.ts';
import { basename, join } from 'node:path';
import { repoNevra, type RepoDependency } from '../../repo/model.ts';
import { formatDep } from '../../repo/closure/index.ts';
import { depFromEntry } from '../../repo/closure/repo-deps.ts';
import { payload, readRpmFileSync } from '../../rpm/index.ts';
import { Tag } from '../../rpm/tags.ts';
import type { RpmSpecDependency } from '../../rpm/writer.ts';
import { formatHostProvide, type BuildDependencyRecord } from '../buildenv.ts';
import { loadCandidates, repoPackageOfFile, type DependencySources } from '../dep-pool.ts';
import { BuildFailedError } from '../errors.ts';
import { writeHostProvidesPackage } from '../host-provides.ts';
import { resolveBuildDependencies } from '../resolve-deps.ts';
import type { RunOptions } from '../run.ts';
import { runInSandbox } from '../sandbox.ts';
import { IN_SANDBOX, sandboxFor, type BuildRoot } from './build-root.ts';
import { conflicts, missingDependenciesReason, unmetDependencies } from './failure.ts';

/** What went into the build's rpmdb and sysroot. */
export interface PreparedDependencies {
  buildRequires: string[];
  installed: BuildDependencyRecord[];
  fromHost: string[];
  hostProvides: string[];
  /** BuildRequires nothing provides: rpmbuild will refuse the build and name them. */
  unresolved: string[];
}


/** Unpacks the files of the package at `path` into `dest`. */
async function unpack(path: string, dest: string): Promise<void> {
  const f = readRpmFileSync(path);
  const compressor = payload.parseCompressor(f.header.string(Tag.PAYLOADCOMPRESSOR));
  await payload.extractPayload(path, f.payloadStart, compressor, dest);
}

/** Puts the build dependencies of the SRPM's `requires` into the build root (see the module comment). */
export async function prepareDependencies(
  root: BuildRoot,
  requires: readonly RepoDependency[],
  sources: DependencySources,
  arch: string,
  buildHost: string,
  run: RunOptions,
): Promise<PreparedDependencies> {
  const hostRpm = join(root.deps, 'distforge-build-host.rpm');
  const provides: RpmSpecDependency[] = writeHostProvidesPackage(hostRpm);
  const host = repoPackageOfFile(hostRpm);
  const candidates = await loadCandidates(sources);
  const resolution = resolveBuildDependencies(
    requires,
    host,
    candidates.map((c) => c.pkg),
    arch,
  );
  const installed: BuildDependencyRecord[] = [];
  const inDeps: string[] = [`${IN_SANDBOX.deps}/${basename(hostRpm)}`];
  for (const i of resolution.chosen) {
    const c = candidates[i];
    if (c === undefined) continue;
    const fetched = await c.fetch(root.downloads);
    const name = `${String(installed.length).padStart(3, '0')}-${basename(fetched)}`;
    copyFileSync(fetched, join(root.deps, name));
    inDeps.push(`${IN_SANDBOX.deps}/${name}`);
    const p = c.pkg;
    installed.push({ name: p.name, epoch: p.epoch, version: p.version, release: p.release, arch: p.arch, nevra: repoNevra(p), origin: c.origin, sha256: await sha256File(fetched) });
  }
  const transitive = resolution.unresolved.filter((u) => u.neededBy !== null);
  const r = await runInSandbox(
    sandboxFor(root, buildHost),
    ['rpm', '--dbpath', IN_SANDBOX.rpmdb, '--define', '_pkgverify_level digest', '-i', '--justdb', '--noscripts', '--notriggers', ...inDeps],
    run,
  );
  if (r.code !== 0) {
    const unmet = unmetDependencies(r.output);
    const topLevel = resolution.unresolved.filter((u) => u.neededBy === null);
    if (unmet.length > 0 || transitive.length > 0) throw new BuildFailedError(missingDependenciesReason([...topLevel, ...transitive, ...unmet]), { logPath: root.logPath });
    const clash = conflicts(r.output);
    const why = clash.length > 0 ? `conflicting build dependencies: ${clash.join(', ')}` : `installing the build dependencies into the build's rpmdb failed (exit ${r.code ?? r.signal})`;
    throw new BuildFailedError(why, { logPath: root.logPath });
  }
  for (const dep of inDeps.slice(1)) await unpack(join(root.deps, basename(dep)), root.sysroot);
  return {
    buildRequires: requires.flatMap((d) => {
      const t = depFromEntry(d);
      return t === null ? [] : [formatDep(t)];
    }),
    installed,
    fromHost: resolution.fromHost,
    hostProvides: provides.map(formatHostProvide),
    unresolved: resolution.unresolved.filter((u) => u.neededBy === null).map((u) => u.requirement),
  };
}
