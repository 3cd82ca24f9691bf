/**
 * The build root of one task, from its platform and lease: the base set the platform names
 * (`buildroot.install`, default `@buildsys-build`) from the platform's repositories, through the
 * root cache; then the task's own repositories (the build's, linked builds', the platform's) for
 * what the task installs on top.
 */
import { noteRun, type RunOptions } from '../run.ts';
import type { NodePlatform } from '../types.ts';
import type { DnfRepo } from './dnf.ts';
import type { RootCache } from './root-cache.ts';
import { TaskRoot } from './task-root.ts';

export interface TaskRootRequest {
  cache: RootCache;
  platform: NodePlatform;
  /** The arch the root is for (the host's for `src` and `noarch` tasks). */
  arch: string;
  /** The lease's repositories (URLs, `$basearch` substituted): the build's first, then the platform's. */
  taskRepos: readonly string[];
  workDir: string;
  hostname: string;
  run: RunOptions;
  /** Install exactly these packages (NEVRAs: a rebuild with the same package set) instead of the base set and BuildRequires. */
  lock?: readonly string[];
}

/** The platform's repositories for `arch`, as dnf repositories. */
export function platformRepos(platform: NodePlatform, arch: string): DnfRepo[] {
  return (platform.repositories ?? [])
    .filter((r) => r.arches === undefined || r.arches.includes(arch))
    .map((r) => ({ id: `platform-${r.name}`, url: r.url.replaceAll('$basearch', arch), gpgcheck: r.gpgcheck === true, ...(r.gpgkey ? { gpgkey: r.gpgkey.replaceAll('$basearch', arch) } : {}) }));
}

/** The task's repositories: the platform's keep their settings; the others (builds) are unsigned yet. */
function taskRepos(base: DnfRepo[], urls: readonly string[]): DnfRepo[] {
  const out: DnfRepo[] = [];
  urls.forEach((url, i) => {
    const known = base.find((b) => b.url === url);
    out.push(known ?? { id: `build-${i}`, url, gpgcheck: false });
  });
  for (const b of base) if (!out.some((o) => o.url === b.url)) out.push(b);
  return out;
}

/**
 * Mounts a fresh root for the task (the cached base root made first if needed).
 * @throws BuildFailedError when the base set cannot be installed
 */
export async function openTaskRoot(r: TaskRootRequest): Promise<TaskRoot> {
  const base = platformRepos(r.platform, r.arch);
  const buildroot = r.platform.buildroot ?? { install: ['@buildsys-build'], releasever: '9' };
  const install = r.lock ? r.lock.map((n) => `nevra:${n}`) : buildroot.install;
  const repos = r.lock ? taskRepos(base, r.taskRepos) : base;
  const spec = { arch: r.arch, releasever: buildroot.releasever, repos, install, macros: r.platform.macros ?? {} };
  const started = Date.now();
  const cached = await r.cache.get(r.platform.name, spec, r.run);
  const what = r.lock ? `locked to the ${r.lock.length} packages of the build it repeats` : buildroot.install.join(' ');
  noteRun(r.run, `build root ${cached.key.slice(0, 12)} (${what}; ${cached.meta.packages.length} packages) ${cached.made ? `made in ${((Date.now() - started) / 1000).toFixed(1)} s` : 'from the cache'}`);
  return TaskRoot.create({ cache: r.cache, base: cached, platform: r.platform.name, arch: r.arch, releasever: buildroot.releasever, repos: taskRepos(base, r.taskRepos), workDir: r.workDir, hostname: r.hostname, run: r.run, locked: r.lock !== undefined });
}
