/**
 * The rpmbuild builder: source RPMs with `rpmbuild -bs` and binary RPMs with `rpmbuild --rebuild`,
 * each inside the bubblewrap sandbox (sandbox.ts) over the task's build root (build-root.ts), with
 * the platform's macros (macros.ts).
 *
 * Binary builds check BuildRequires for real: the private rpmdb holds the host-provides package
 * and the build dependencies (build-deps.ts), and rpmbuild refuses a build whose BuildRequires it
 * does not find there; the failure names each missing one. Never `--nodeps`, never `--target`:
 * only arches this host builds are accepted (host.ts), and every package built must be of the
 * task's arch or noarch.
 */
import { copyFileSync, existsSync, readdirSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { hostname } from 'node:os';
import { nevra, payload, readPackageSync, readRpmFileSync } from '../../rpm/index.ts';
import { Tag } from '../../rpm/tags.ts';
import { srpmArchInfo, targetArches } from '../../platforms/arches.ts';
import { newBuildEnvironment, writeBuildEnvironment, type BuildEnvironment } from '../buildenv.ts';
import { repoPackageOfFile, type DependencySources } from '../dep-pool.ts';
import { BuildFailedError } from '../errors.ts';
import { assertBuildableArch, hostInfo } from '../host.ts';
import { buildMacros, defineArgs } from '../macros.ts';
import type { RunOptions } from '../run.ts';
import { runInSandbox } from '../sandbox.ts';
import type { GitCheckout } from '../sources.ts';
import type { NodePlatform } from '../types.ts';
import { prepareDependencies } from './build-deps.ts';
import { createBuildRoot, IN_SANDBOX, sandboxFor, type BuildRoot } from './build-root.ts';
import { specProvides, srpmBuildFacts, type SpecFacts } from './spec-facts.ts';
import { missingDependenciesReason, rpmbuildFailureReason, unmetDependencies } from './failure.ts';

export interface BuilderOptions {
  platform: NodePlatform;
  /** `%_buildhost` (and the sandbox's host name) unless the platform sets one; default this machine's name. */
  buildHost?: string;
  /** Live output (the node streams it to the master). */
  onOutput?: (text: string) => void;
  signal?: AbortSignal;
}

/** What every build leaves in its work dir. */
export interface BuildOutcome {
  logPath: string;
  buildenvPath: string;
  buildenv: BuildEnvironment;
  /** Source package name. */
  packageName: string;
}

export interface SrpmBuild extends BuildOutcome {
  srpmPath: string;
  /** NEVRA of the SRPM (`name-version-release.src`). */
  nevra: string;
  /** The arches to build it for on the platform ({@link targetArches}). */
  arches: string[];
  /** Name, BuildRequires and Provides, for the build order. */
  facts: SpecFacts;
}

export interface RpmBuild extends BuildOutcome {
  /** The binary packages, sorted by file name. */
  rpms: string[];
}

function runOptions(root: BuildRoot, options: BuilderOptions): RunOptions {
  return { logPath: root.logPath, ...(options.onOutput ? { onOutput: options.onOutput } : {}), ...(options.signal ? { signal: options.signal } : {}) };
}

function filesIn(dir: string, suffix: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith(suffix))
    .sort()
    .map((f) => join(dir, f));
}

function finish(root: BuildRoot, env: BuildEnvironment): string {
  env.finishedAt = new Date().toISOString();
  const path = join(root.workDir, 'buildenv.json');
  writeBuildEnvironment(path, env);
  return path;
}

/** Builds the source RPM of a checked-out git tree in `workDir` (`rpmbuild -bs`, in the sandbox). */
export async function buildSrpm(checkout: GitCheckout, workDir: string, options: BuilderOptions): Promise<SrpmBuild> {
  const root = createBuildRoot(workDir, checkout.dir);
  const buildHost = options.buildHost ?? hostname();
  const macros = buildMacros(options.platform, buildHost, { topdir: IN_SANDBOX.top, dbpath: IN_SANDBOX.rpmdb });
  const sandboxHost = macros._buildhost ?? buildHost;
  const inside = (p: string): string => join(IN_SANDBOX.input, relative(checkout.dir, p));
  const env = newBuildEnvironment({ task: { kind: 'srpm', platform: options.platform.name, arch: 'src' }, host: hostInfo(), macros });
  env.source = { commit: checkout.commit };
  const dirs = { _sourcedir: inside(checkout.sourceDir), _specdir: inside(join(checkout.specPath, '..')) };
  const args = ['-bs', ...defineArgs({ ...macros, ...dirs }), inside(checkout.specPath)];
  const r = await runInSandbox(sandboxFor(root, sandboxHost), ['rpmbuild', ...args], runOptions(root, options));
  if (r.code !== 0) {
    finish(root, env);
    throw new BuildFailedError(rpmbuildFailureReason(r.output, r.code), { logPath: root.logPath });
  }
  const [srpmPath, ...more] = filesIn(join(root.top, 'SRPMS'), '.src.rpm');
  if (srpmPath === undefined || more.length > 0) throw new BuildFailedError(`rpmbuild -bs wrote ${more.length + (srpmPath ? 1 : 0)} source packages, expected one`, { logPath: root.logPath });
  const pkg = readPackageSync(srpmPath);
  env.package = `${pkg.name}-${pkg.version}-${pkg.release}`;
  const provides = await specProvides(root, sandboxHost, inside(checkout.specPath), { ...macros, ...dirs }, runOptions(root, options));
  return {
    srpmPath,
    nevra: nevra(pkg),
    packageName: pkg.name,
    facts: { ...srpmBuildFacts(srpmPath), provides },
    arches: targetArches(srpmArchInfo(srpmPath), options.platform.arches),
    logPath: root.logPath,
    buildenvPath: finish(root, env),
    buildenv: env,
  };
}

/** The spec file a source RPM carries (the payload's only top-level `*.spec`). */
function specOfSrpm(dir: string): string {
  const specs = readdirSync(dir).filter((f) => f.endsWith('.spec'));
  const [spec] = specs;
  if (spec === undefined || specs.length > 1) throw new BuildFailedError(`the SRPM holds ${specs.length} spec files, expected one`);
  return spec;
}

/**
 * Name, BuildRequires and Provides of an uploaded source RPM: its payload unpacked (our extractor,
 * which refuses escaping paths) into the build root's input, its spec queried in the sandbox.
 * @throws BuildFailedError when it is not a source RPM, holds no spec, or rpmspec refuses it
 */
export async function srpmFacts(srpmPath: string, workDir: string, options: BuilderOptions): Promise<SpecFacts & { specPath: string }> {
  const root = createBuildRoot(workDir);
  const buildHost = options.buildHost ?? hostname();
  const macros = buildMacros(options.platform, buildHost, { topdir: IN_SANDBOX.top, dbpath: IN_SANDBOX.rpmdb });
  try {
    const f = readRpmFileSync(srpmPath);
    const compressor = payload.parseCompressor(f.header.string(Tag.PAYLOADCOMPRESSOR));
    await payload.extractPayload(srpmPath, f.payloadStart, compressor, root.input);
  } catch (e) {
    throw new BuildFailedError(`cannot unpack the SRPM: ${(e as Error).message}`, { cause: e });
  }
  const spec = specOfSrpm(root.input);
  const dirs = { _sourcedir: IN_SANDBOX.input, _specdir: IN_SANDBOX.input };
  const provides = await specProvides(root, macros._buildhost ?? buildHost, `${IN_SANDBOX.input}/${spec}`, { ...macros, ...dirs }, runOptions(root, options));
  return { ...srpmBuildFacts(srpmPath), provides, specPath: spec };
}

/** Checks that every package built is of the task's arch (or noarch). */
function checkArches(rpms: string[], arch: string, logPath: string): void {
  for (const f of rpms) {
    const a = readPackageSync(f).arch;
    if (a === 'noarch' || (a === arch && arch !== 'noarch')) continue;
    throw new BuildFailedError(`${basename(f)} is built for ${a}, but the task builds ${arch}`, { logPath });
  }
}

/**
 * Builds the binary RPMs of `srpmPath` for `arch` in `workDir`, with build dependencies from
 * `deps` (`rpmbuild --rebuild`, in the sandbox, against the private rpmdb).
 *
 * @throws ArchNotBuildableError for an arch this host does not build (refuse the task);
 *   BuildFailedError for a failed build ("missing build dependencies: …", "rpmbuild failed in
 *   %build: …", …), with the log.
 */
export async function buildRpms(srpmPath: string, arch: string, deps: DependencySources, workDir: string, options: BuilderOptions): Promise<RpmBuild> {
  assertBuildableArch(arch);
  const root = createBuildRoot(workDir);
  const buildHost = options.buildHost ?? hostname();
  const run = runOptions(root, options);
  const macros = buildMacros(options.platform, buildHost, { topdir: IN_SANDBOX.top, dbpath: IN_SANDBOX.rpmdb });
  const sandboxHost = macros._buildhost ?? buildHost;
  const srpm = repoPackageOfFile(srpmPath);
  const env = newBuildEnvironment({ task: { kind: 'rpm', platform: options.platform.name, arch }, host: hostInfo(), macros });
  env.package = `${srpm.name}-${srpm.version}-${srpm.release}`;
  env.source = { srpm: basename(srpmPath) };
  const outcome = (): BuildOutcome => ({ logPath: root.logPath, buildenvPath: finish(root, env), buildenv: env, packageName: srpm.name });
  try {
    const prepared = await prepareDependencies(root, srpm.requires, deps, arch, sandboxHost, run);
    env.buildRequires = prepared.buildRequires;
    env.buildDependencies = prepared.installed;
    env.fromHost = prepared.fromHost;
    env.hostProvides = prepared.hostProvides;
    copyFileSync(srpmPath, join(root.input, basename(srpmPath)));
    const r = await runInSandbox(sandboxFor(root, sandboxHost), ['rpmbuild', '--rebuild', ...defineArgs(macros), `${IN_SANDBOX.input}/${basename(srpmPath)}`], run);
    if (r.code !== 0) {
      const unmet = unmetDependencies(r.output);
      if (/Failed build dependencies:/.test(r.output) && unmet.length > 0) {
        throw new BuildFailedError(missingDependenciesReason(unmet.map((u) => ({ requirement: u.requirement, neededBy: null }))), { logPath: root.logPath });
      }
      throw new BuildFailedError(rpmbuildFailureReason(r.output, r.code), { logPath: root.logPath });
    }
    const rpms = filesIn(join(root.top, 'RPMS'), '.rpm');
    if (rpms.length === 0) throw new BuildFailedError('rpmbuild built no packages', { logPath: root.logPath });
    checkArches(rpms, arch, root.logPath);
    return { rpms, ...outcome() };
  } catch (e) {
    if (e instanceof BuildFailedError) outcome();
    throw e;
  }
}
