/**
 * What `distforge up` prepares for the example platform before anything may be submitted: the
 * bootstrap repository its build roots are installed from (src/bootstrap: Debian 12's packages
 * under EL9's names, made once and cached), served by this master at
 * /api/v1/platform-repos/bootstrap-el9/ARCH/; the platform itself with its tests on; and the
 * first build root (`@buildsys-build`) in the local node's root cache, so that the first build
 * does not wait for it.
 */
import { join } from 'node:path';
import { makeBootstrapRepo } from '../bootstrap/index.ts';
import type { Context } from '../context.ts';
import type { RootCache } from '../node/buildroot/root-cache.ts';
import { platformRepos } from '../node/buildroot/for-task.ts';
import { hostArch } from '../node/host.ts';
import { nodePlatform } from '../node/platform.ts';
import { loadPlatformFile, savePlatform } from '../platforms/index.ts';
import { withAbsoluteRepoUrls } from '../platforms/urls.ts';
import { platformReposDir } from '../server/routes/platform-repos.ts';

/** The example platform's name and the name of its bootstrap repository. */
export const EXAMPLE_PLATFORM = 'example-el9';
const BOOTSTRAP_REPO = 'bootstrap-el9';

export interface PreparedExample {
  /** What happened, one line each, for up's output. */
  lines: string[];
}

/** What `up` hears while the example platform is prepared. */
export interface PrepareProgress {
  /** A line for up's output: the bootstrap repository's resolve and download steps. */
  line: (text: string) => void;
  /** What is being done now, for a status line: every step of the bootstrap, then the build root. */
  phase?: (text: string) => void;
}

/** Seconds since `started`, one decimal. */
function since(started: number): string {
  return ((Date.now() - started) / 1000).toFixed(1);
}

/** Saves the example platform from `file` with its tests on. */
export async function saveExamplePlatform(ctx: Context, file: string): Promise<{ created: boolean }> {
  const definition = loadPlatformFile(file);
  return savePlatform(ctx, { ...definition, tests: definition.tests ?? { gate: true, timeoutSeconds: 300, autoSign: false } });
}

/**
 * Makes (or takes from `cacheDir`) the bootstrap repository the example platform (saved from
 * `file`) installs its roots from, and makes its first build root in `rootCache`.
 * @throws BootstrapError, BuildFailedError with what went wrong
 */
export async function prepareExamplePlatform(ctx: Context, file: string, cacheDir: string, rootCache: RootCache, progress: PrepareProgress): Promise<PreparedExample> {
  const lines: string[] = [];
  const arch = hostArch();
  let started = Date.now();
  const made = await makeBootstrapRepo({
    outDir: join(platformReposDir(ctx), BOOTSTRAP_REPO, arch),
    cacheDir: join(cacheDir, 'bootstrap'),
    debCacheDir: join(cacheDir, 'bootstrap-debs'),
    arch,
    progress: (p) => {
      progress.phase?.(`bootstrap repository: ${p.message}`);
      if (p.phase === 'download' || p.phase === 'resolve') progress.line(`bootstrap repository: ${p.message}`);
    },
  });
  lines.push(
    made.made === 0
      ? `bootstrap repository: ${made.packages.length} packages from the cache (${cacheDir})`
      : `bootstrap repository: ${made.packages.length} packages (${Math.round(made.bytes / 1e6)} MB) made from Debian 12's in ${since(started)} s; cached in ${cacheDir}`,
  );
  const definition = loadPlatformFile(file);
  started = Date.now();
  const platform = nodePlatform(withAbsoluteRepoUrls({ ...definition }, ctx.settings.publicUrl), definition.name);
  const buildroot = platform.buildroot ?? { install: ['@buildsys-build'], releasever: '9' };
  progress.phase?.(`build root: ${buildroot.install.join(' ')} (dnf resolves and installs it, unless cached)`);
  const root = await rootCache.get(platform.name, { arch, releasever: buildroot.releasever, repos: platformRepos(platform, arch), install: buildroot.install, macros: platform.macros ?? {} }, {});
  lines.push(`build root: ${buildroot.install.join(' ')}, ${root.meta.packages.length} packages, ${root.made ? `made in ${since(started)} s` : 'from the cache'}`);
  return { lines };
}
