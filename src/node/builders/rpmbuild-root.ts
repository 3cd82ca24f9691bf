/**
 * The rpmbuild builder, in a build root made from the platform's repositories (src/node/buildroot):
 * the root's own rpmbuild, macros (redhat-rpm-config) and toolchain build the package, run inside
 * the sandbox as the unprivileged sandbox user with the root as `/`, as mock does.
 *
 * - srpm tasks: `rpmbuild -bs` in a root of the platform's base set, then `rpmspec -q --provides`
 *   (the facts the build order needs, spec-facts.ts);
 * - rpm tasks: the SRPM's BuildRequires installed into the root by dnf (a missing one fails the
 *   task naming it), dynamic BuildRequires (`%generate_buildrequires`) in rounds until rpmbuild -br
 *   has nothing more to ask for, then `rpmbuild --rebuild`.
 *
 * Never `--nodeps`, never `--target`: only arches this host builds are accepted (host.ts), and
 * every package built must be of the task's arch or noarch. Each build records its root (every
 * package with its sha256, the repositories with their metadata checksums).
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { hostname } from 'node:os';
import { nevra, payload, readPackageSync, readRpmFileSync } from '../../rpm/index.ts';
import { Tag } from '../../rpm/tags.ts';
import { srpmArchInfo, targetArches } from '../../platforms/arches.ts';
import { SPEC_EVALUATION_LIMITS, type SandboxMount } from '../../sandbox/index.ts';
import { BuildFailedError } from '../errors.ts';
import { assertBuildableArch, hostArch, hostInfo } from '../host.ts';
import { newBuildEnvironment, writeBuildEnvironment, type BuildEnvironment } from '../buildenv.ts';
import { lastLines, noteRun, type RunOptions } from '../run.ts';
import type { GitCheckout } from '../sources.ts';
import type { NodePlatform } from '../types.ts';
import { openTaskRoot } from '../buildroot/for-task.ts';
import type { RootCache } from '../buildroot/root-cache.ts';
import { IN_ROOT, type BuildrootRecord, type TaskRoot } from '../buildroot/task-root.ts';
import { rpmbuildFailureReason } from './failure.ts';
import { srpmBuildFacts, SPEC_QUERY_TIMEOUT_MS, type SpecFacts } from './spec-facts.ts';

export interface RootBuilderOptions {
  platform: NodePlatform;
  cache: RootCache;
  /** The lease's repositories (`$basearch` substituted): the build's first, then the platform's. */
  repositories: readonly string[];
  /** `%_buildhost` (and the sandbox's host name) unless the platform sets one; default this machine's name. */
  buildHost?: string;
  /** Build in a root of exactly these packages (NEVRAs), as the build it repeats did. */
  lock?: readonly string[];
  /** Live output (the node streams it to the master). */
  onOutput?: (text: string) => void;
  signal?: AbortSignal;
}

export interface RootBuildOutcome {
  logPath: string;
  /** Source package name. */
  packageName: string;
  buildroot: BuildrootRecord;
  /** The build environment record, written to `buildenvPath` (also when the build fails). */
  buildenv: BuildEnvironment;
  buildenvPath: string;
}

export interface RootSrpmBuild extends RootBuildOutcome {
  srpmPath: string;
  nevra: string;
  arches: string[];
  facts: SpecFacts;
}

export interface RootRpmBuild extends RootBuildOutcome {
  /** The binary packages, sorted by file name. */
  rpms: string[];
}

/** How many rounds of dynamic BuildRequires a build may ask for. */
const MAX_DYNAMIC_ROUNDS = 10;

/** The macros every build gets on top of the root's own: the platform's, then what the node controls. */
function macrosFor(platform: NodePlatform, buildHost: string): Record<string, string> {
  return { _buildhost: buildHost, distribution: platform.name, ...(platform.macros ?? {}), dist: platform.distTag, _topdir: IN_ROOT.top, _tmppath: `${IN_ROOT.top}/tmp` };
}

function defines(macros: Record<string, string>): string[] {
  return Object.entries(macros).flatMap(([k, v]) => ['--define', `${k} ${v === '' ? '%{nil}' : v}`]);
}

function filesIn(dir: string, suffix: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith(suffix))
    .sort()
    .map((f) => join(dir, f));
}

interface Session {
  root: TaskRoot;
  macros: Record<string, string>;
  logPath: string;
  run: RunOptions;
  env: BuildEnvironment;
}

type Outcome = Omit<RootBuildOutcome, 'buildroot' | 'buildenv' | 'buildenvPath'>;

/**
 * Opens the task's root and runs `body` in it; the root is recorded and removed afterwards, and
 * the build environment record written, whatever happens.
 */
async function inRoot<T extends Outcome>(workDir: string, arch: string, kind: 'srpm' | 'rpm', o: RootBuilderOptions, body: (s: Session) => Promise<T>): Promise<T & RootBuildOutcome> {
  mkdirSync(workDir, { recursive: true });
  const logPath = join(workDir, 'build.log');
  writeFileSync(logPath, '', { flag: 'a' });
  const buildHost = o.buildHost ?? hostname();
  const macros = macrosFor(o.platform, buildHost);
  const env = newBuildEnvironment({ task: { kind, platform: o.platform.name, arch: kind === 'srpm' ? 'src' : arch }, host: hostInfo(), macros });
  const buildenvPath = join(workDir, 'buildenv.json');
  const run: RunOptions = { logPath, ...(o.onOutput ? { onOutput: o.onOutput } : {}), ...(o.signal ? { signal: o.signal } : {}) };
  let root: TaskRoot | null = null;
  try {
    root = await openTaskRoot({ cache: o.cache, platform: o.platform, arch, taskRepos: o.repositories, workDir: join(workDir, 'buildroot'), hostname: macros._buildhost ?? buildHost, run, ...(o.lock ? { lock: o.lock } : {}) });
    const result = await body({ root, macros, logPath, run, env });
    env.buildroot = await root.record();
    return { ...result, buildroot: env.buildroot, buildenv: env, buildenvPath };
  } catch (e) {
    if (root !== null && env.buildroot === null) env.buildroot = await root.record().catch(() => null);
    if (e instanceof BuildFailedError) e.buildroot = env.buildroot;
    throw e;
  } finally {
    env.finishedAt = new Date().toISOString();
    writeBuildEnvironment(buildenvPath, env);
    await root?.dispose();
  }
}

/** `rpmspec -q --provides` of a spec in the root. @throws BuildFailedError */
async function specProvidesIn(s: Session, spec: string, extra: Record<string, string>, mounts: SandboxMount[]): Promise<string[]> {
  const r = await s.root.run(['rpmspec', '-q', '--provides', ...defines({ ...s.macros, ...extra }), spec], { mounts, limits: SPEC_EVALUATION_LIMITS, timeoutMs: SPEC_QUERY_TIMEOUT_MS });
  if (r.timedOut) throw new BuildFailedError(`rpmspec took more than ${SPEC_QUERY_TIMEOUT_MS / 1000} s on the spec`, { logPath: s.logPath });
  if (r.code !== 0) throw new BuildFailedError(`rpmspec cannot read the spec: ${lastLines(r.output, 3).join(' / ') || `exit ${String(r.code ?? r.signal)}`}`, { logPath: s.logPath });
  return [...new Set(r.stdout.split('\n').map((l) => l.trim()).filter((l) => l !== ''))];
}

/** Builds the source RPM of a checked-out git tree (`rpmbuild -bs` in a root of the platform's base set). */
export async function buildSrpmInRoot(checkout: GitCheckout, workDir: string, o: RootBuilderOptions): Promise<RootSrpmBuild> {
  return inRoot(workDir, hostArch(), 'srpm', { ...o, repositories: [] }, async (s) => {
    s.env.source = { commit: checkout.commit };
    const inside = (p: string): string => join(IN_ROOT.input, relative(checkout.dir, p));
    const mounts = [{ host: checkout.dir, sandbox: IN_ROOT.input, writable: false }];
    const dirs = { _sourcedir: inside(checkout.sourceDir), _specdir: inside(join(checkout.specPath, '..')) };
    const r = await s.root.run(['rpmbuild', '-bs', ...defines({ ...s.macros, ...dirs }), inside(checkout.specPath)], { mounts });
    if (r.code !== 0) throw new BuildFailedError(rpmbuildFailureReason(r.output, r.code), { logPath: s.logPath });
    const built = filesIn(s.root.host(`${IN_ROOT.top}/SRPMS`), '.src.rpm');
    const [first, ...more] = built;
    if (first === undefined || more.length > 0) throw new BuildFailedError(`rpmbuild -bs wrote ${built.length} source packages, expected one`, { logPath: s.logPath });
    const srpmPath = join(workDir, basename(first));
    copyFileSync(first, srpmPath);
    const provides = await specProvidesIn(s, inside(checkout.specPath), dirs, mounts);
    const pkg = readPackageSync(srpmPath);
    s.env.package = `${pkg.name}-${pkg.version}-${pkg.release}`;
    return {
      srpmPath,
      nevra: nevra(pkg),
      packageName: pkg.name,
      arches: targetArches(srpmArchInfo(srpmPath), o.platform.arches),
      facts: { ...srpmBuildFacts(srpmPath), provides },
      logPath: s.logPath,
    };
  });
}

/** The spec a source RPM carries (the payload's only top-level `*.spec`). */
function specOfSrpm(dir: string): string {
  const specs = readdirSync(dir).filter((f) => f.endsWith('.spec'));
  const [spec] = specs;
  if (spec === undefined || specs.length > 1) throw new BuildFailedError(`the SRPM holds ${specs.length} spec files, expected one`);
  return spec;
}

/**
 * Name, BuildRequires and Provides of an uploaded source RPM: its payload unpacked (our extractor,
 * which refuses escaping paths), its spec queried in a root of the platform's base set.
 */
export async function srpmFactsInRoot(srpmPath: string, workDir: string, o: RootBuilderOptions): Promise<SpecFacts & RootBuildOutcome & { specPath: string }> {
  const unpacked = join(workDir, 'unpacked');
  mkdirSync(unpacked, { recursive: true });
  try {
    const f = readRpmFileSync(srpmPath);
    await payload.extractPayload(srpmPath, f.payloadStart, payload.parseCompressor(f.header.string(Tag.PAYLOADCOMPRESSOR)), unpacked);
  } catch (e) {
    throw new BuildFailedError(`cannot unpack the SRPM: ${(e as Error).message}`, { cause: e });
  }
  const spec = specOfSrpm(unpacked);
  return inRoot(join(workDir, 'root'), hostArch(), 'srpm', { ...o, repositories: [] }, async (s) => {
    s.env.source = { srpm: basename(srpmPath) };
    const mounts = [{ host: unpacked, sandbox: IN_ROOT.input, writable: false }];
    const provides = await specProvidesIn(s, `${IN_ROOT.input}/${spec}`, { _sourcedir: IN_ROOT.input, _specdir: IN_ROOT.input }, mounts);
    return { ...srpmBuildFacts(srpmPath), provides, specPath: spec, logPath: s.logPath };
  });
}

/** Checks that every package built is of the task's arch (or noarch). */
function checkArches(rpms: string[], arch: string, logPath: string): void {
  for (const f of rpms) {
    const a = readPackageSync(f).arch;
    if (a === 'noarch' || (a === arch && arch !== 'noarch')) continue;
    throw new BuildFailedError(`${basename(f)} is built for ${a}, but the task builds ${arch}`, { logPath });
  }
}

/** The requirements of a (nosrc) package rpmbuild -br wrote, rpmlib() left out. */
function requirementsOf(path: string): string[] {
  return srpmBuildFacts(path).buildRequires;
}

/**
 * Installs the dynamic BuildRequires (`%generate_buildrequires`) in rounds: rpmbuild -rr (-br for a source package) exits 11
 * and writes a .buildreqs.nosrc.rpm while it asks for more.
 */
async function dynamicBuildRequires(s: Session, srpmInRoot: string, mounts: SandboxMount[]): Promise<void> {
  for (let round = 1; round <= MAX_DYNAMIC_ROUNDS; round++) {
    const r = await s.root.run(['rpmbuild', '-rr', ...defines(s.macros), srpmInRoot], { mounts });
    const asked = filesIn(s.root.host(`${IN_ROOT.top}/SRPMS`), '.buildreqs.nosrc.rpm');
    if (r.code === 0) return;
    const last = asked[asked.length - 1];
    if (r.code !== 11 || last === undefined) throw new BuildFailedError(rpmbuildFailureReason(r.output, r.code), { logPath: s.logPath });
    const wanted = requirementsOf(last);
    noteRun(s.run, `dynamic BuildRequires, round ${round}: ${wanted.join(', ')}`);
    await s.root.install(wanted, 'dynamic build dependencies');
  }
  throw new BuildFailedError(`the dynamic BuildRequires were still changing after ${MAX_DYNAMIC_ROUNDS} rounds`, { logPath: s.logPath });
}

/**
 * Builds the binary RPMs of `srpmPath` for `arch` in `workDir` (BuildRequires installed by dnf,
 * then `rpmbuild --rebuild`, in the root).
 *
 * @throws ArchNotBuildableError for an arch this host does not build (refuse the task);
 *   BuildFailedError for a failed build ("missing build dependencies: …", "rpmbuild failed in
 *   %build: …", …), with the log.
 */
export async function buildRpmsInRoot(srpmPath: string, arch: string, workDir: string, o: RootBuilderOptions): Promise<RootRpmBuild> {
  assertBuildableArch(arch);
  const rootArch = arch === 'noarch' ? hostArch() : arch;
  return inRoot(workDir, rootArch, 'rpm', o, async (s) => {
    const facts = srpmBuildFacts(srpmPath);
    const pkg = readPackageSync(srpmPath);
    s.env.package = `${pkg.name}-${pkg.version}-${pkg.release}`;
    s.env.source = { srpm: basename(srpmPath) };
    await s.root.install(facts.buildRequires);
    // The SRPM alone, read-only at /builddir/input.
    const input = join(workDir, 'input');
    mkdirSync(input, { recursive: true });
    copyFileSync(srpmPath, join(input, basename(srpmPath)));
    const mounts = [{ host: input, sandbox: IN_ROOT.input, writable: false }];
    const srpmInRoot = `${IN_ROOT.input}/${basename(srpmPath)}`;
    if (pkg.requires.some((d) => d.name === 'rpmlib(DynamicBuildRequires)')) await dynamicBuildRequires(s, srpmInRoot, mounts);
    const r = await s.root.run(['rpmbuild', '--rebuild', ...defines(s.macros), srpmInRoot], { mounts });
    if (r.code !== 0) throw new BuildFailedError(rpmbuildFailureReason(r.output, r.code), { logPath: s.logPath });
    const outDir = join(workDir, 'RPMS');
    mkdirSync(outDir, { recursive: true });
    const rpms = filesIn(s.root.host(`${IN_ROOT.top}/RPMS`), '.rpm').map((f) => {
      const dest = join(outDir, basename(f));
      copyFileSync(f, dest);
      return dest;
    });
    if (rpms.length === 0) throw new BuildFailedError('rpmbuild built no packages', { logPath: s.logPath });
    checkArches(rpms, arch, s.logPath);
    return { rpms, packageName: facts.packageName, logPath: s.logPath };
  });
}
