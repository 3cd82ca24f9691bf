/**
 * One task's build root: an overlay over the cached base root (root-cache.ts), more packages
 * installed into it by dnf (the package's BuildRequires, in rounds for dynamic ones), commands run
 * inside it in the sandbox as the unprivileged sandbox user with the root as `/` (nothing of the
 * host's /usr), and a record of every package it held. Disposed after the task: the overlay is
 * unmounted and its upper layer removed; the cached root never changed.
 *
 * Layout inside the root (as mock's): HOME is /builddir, rpmbuild's top dir /builddir/build,
 * inputs read-only under /builddir/input.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { BUILD_LIMITS, giveToSandbox, identityFiles, sandboxUser, type SandboxLimits, type SandboxMount, type SandboxSpec } from '../../sandbox/index.ts';
import { BuildFailedError } from '../errors.ts';
import { noteRun, type RunOptions } from '../run.ts';
import { runInSandbox } from '../sandbox.ts';
import { eraseFromRoot, installIntoRoot, queryRoot, resolveForRoot, type DnfRepo } from './dnf.ts';
import { mountOverlay, unmountOverlay, type Overlay } from './overlay.ts';
import { describeFailure, packageRecord, repomdChecksum, type CachedRoot, type RootCache, type RootPackage, type RootRepo } from './root-cache.ts';

/** Paths inside a task's root. */
export const IN_ROOT = {
  home: '/builddir',
  top: '/builddir/build',
  input: '/builddir/input',
} as const;

const TOP_DIRS = ['SPECS', 'SOURCES', 'BUILD', 'BUILDROOT', 'RPMS', 'SRPMS', 'tmp'];

/** A task's root as `build show --json` records it (Koji's buildroot listing). */
export interface BuildrootRecord {
  key: string;
  packages: RootPackage[];
  repos: RootRepo[];
}

export interface TaskRootOptions {
  cache: RootCache;
  base: CachedRoot;
  platform: string;
  arch: string;
  releasever: string;
  /** Repositories the task's own packages come from (the build's, linked builds', then the platform's). */
  repos: DnfRepo[];
  /** The task's work directory (the overlay and dnf's files go under it). */
  workDir: string;
  hostname: string;
  run: RunOptions;
  /** The root holds exactly a locked package set: nothing more is installed into it. */
  locked?: boolean;
}

/** The environment of a command in the root. */
function rootEnv(): Record<string, string> {
  return { PATH: '/usr/bin:/usr/sbin:/bin:/sbin', HOME: IN_ROOT.home, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8', TZ: 'UTC', SHELL: '/bin/bash', TMPDIR: '/tmp', USER: 'builder', LOGNAME: 'builder' };
}

export class TaskRoot {
  readonly #resolved = new Map<string, RootPackage>();
  readonly #repos: RootRepo[];
  #identity: { passwd: string; group: string };

  private constructor(
    readonly o: TaskRootOptions,
    readonly overlay: Overlay,
    repos: RootRepo[],
  ) {
    for (const p of o.base.meta.packages) this.#resolved.set(p.nevra, p);
    this.#repos = repos;
    const identityDir = join(o.workDir, 'identity');
    mkdirSync(identityDir, { recursive: true });
    this.#identity = identityFiles(identityDir, sandboxUser(), IN_ROOT.home);
  }

  /** Mounts the task's root over the cached base root and prepares /builddir. */
  static async create(o: TaskRootOptions): Promise<TaskRoot> {
    mkdirSync(o.workDir, { recursive: true });
    const overlay = await mountOverlay(o.base.dir, join(o.workDir, 'root'));
    try {
      const repos: RootRepo[] = [...o.base.repos];
      for (const r of o.repos) if (!repos.some((x) => x.url === r.url)) repos.push({ url: r.url, checksum: await repomdChecksum(r.url) });
      const root = new TaskRoot(o, overlay, repos);
      for (const d of TOP_DIRS) mkdirSync(join(overlay.merged, IN_ROOT.top, d), { recursive: true });
      mkdirSync(join(overlay.merged, IN_ROOT.input), { recursive: true });
      giveToSandbox(join(overlay.merged, IN_ROOT.home), sandboxUser(), true);
      return root;
    } catch (e) {
      await unmountOverlay(overlay);
      throw e;
    }
  }

  /** Host path of a path inside the root. */
  host(path: string): string {
    return join(this.overlay.merged, path);
  }

  /**
   * Installs `specs` (BuildRequires: names, dependency strings, rich dependencies) with dnf.
   * @throws BuildFailedError naming each missing dependency, or dnf's problem
   */
  async install(specs: readonly string[], what = 'build dependencies', also?: (text: string) => void): Promise<void> {
    if (specs.length === 0) return;
    const run: RunOptions = also ? { ...this.o.run, onOutput: (t) => (this.o.run.onOutput?.(t), also(t)) } : this.o.run;
    if (this.o.locked === true) {
      // A locked root already holds what the repeated build had; rpmbuild checks the BuildRequires.
      noteRun(this.o.run, `locked build root: not installing ${specs.join(', ')} (rpmbuild checks them against the lock)`);
      return;
    }
    const work = join(this.o.workDir, 'dnf');
    mkdirSync(work, { recursive: true });
    const readable = specs.filter((x) => x.startsWith('file:')).map((x) => dirname(x.slice(5)));
    const r = await this.o.cache.usingPackageCache(
      this.o.platform,
      this.o.arch,
      (cacheDir) => resolveForRoot({ root: this.overlay.merged, work }, { specs: [...specs], repos: this.o.repos, cacheDir, releasever: this.o.releasever, basearch: this.o.arch, readable }, run),
      run.signal,
    );
    if (!r.ok) {
      if (r.missing.length > 0 && r.problems.length === 0) throw new BuildFailedError(`missing ${what}: ${r.missing.join(', ')}`);
      throw new BuildFailedError(`cannot install the ${what}: ${describeFailure(r)}`);
    }
    if (r.packages.length === 0) return;
    noteRun(run, `installing ${r.packages.length} package(s) for the ${what}: ${r.packages.map((p) => p.nevra).join(' ')}`);
    const files = r.packages.map((p) => p.path);
    const done = await installIntoRoot({ root: this.overlay.merged, work }, files, [...new Set(files.map((f) => dirname(f)))], this.o.releasever, run);
    if (done.code !== 0) throw new BuildFailedError(`dnf could not install the ${what}: ${done.output.trim().split('\n').slice(-3).join(' / ')}`);
    for (const p of r.packages) this.#resolved.set(p.nevra, await packageRecord(p));
  }

  /** `rpm ARGS` on the root's rpmdb (queries, `-V`), in the install sandbox. */
  query(args: readonly string[]): ReturnType<typeof queryRoot> {
    const work = join(this.o.workDir, 'dnf');
    mkdirSync(work, { recursive: true });
    return queryRoot({ root: this.overlay.merged, work }, args);
  }

  /** `rpm -e NAME` in the root (scriptlets in the install sandbox). */
  erase(name: string): ReturnType<typeof eraseFromRoot> {
    const work = join(this.o.workDir, 'dnf');
    mkdirSync(work, { recursive: true });
    return eraseFromRoot({ root: this.overlay.merged, work }, name, this.o.run);
  }

  /** The sandbox of a command in this root. */
  sandbox(mounts: SandboxMount[] = [], limits: SandboxLimits = BUILD_LIMITS): SandboxSpec {
    return { root: this.overlay.merged, mounts, env: rootEnv(), hostname: this.o.hostname, cwd: IN_ROOT.home, user: sandboxUser(), limits, identity: this.#identity };
  }

  /** Runs `command` in the root as the sandbox user. */
  run(command: readonly string[], options: { mounts?: SandboxMount[]; limits?: SandboxLimits; timeoutMs?: number } = {}): ReturnType<typeof runInSandbox> {
    return runInSandbox(this.sandbox(options.mounts, options.limits), command, { ...this.o.run, ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}) });
  }

  /** Every package in the root now, with its sha256 where known, and the repositories it came from. */
  async record(): Promise<BuildrootRecord> {
    const r = await this.query(['-qa', '--qf', '%{NAME}-%|EPOCH?{%{EPOCH}:}:{}|%{VERSION}-%{RELEASE}.%{ARCH}\\n']);
    const nevras = r.output.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('gpg-pubkey-')).sort();
    return { key: this.o.base.key, packages: nevras.map((nevra) => this.#resolved.get(nevra) ?? { nevra, sha256: null }), repos: this.#repos };
  }

  /** Unmounts the root and removes its upper layer. Never throws. */
  async dispose(): Promise<void> {
    await unmountOverlay(this.overlay);
    rmSync(join(this.o.workDir, 'root'), { recursive: true, force: true });
  }
}
