/**
 * bench/buildroot: what a build pays for its root, on the example platform's bootstrap repository
 * (made first, or taken from .tmp/test-cache: test/support/bootstrap-repo.ts):
 * - a cold root: `@buildsys-build` resolved and installed by dnf into an empty cache directory,
 *   against `dnf --installroot install @buildsys-build` run directly (no sandbox, no cache);
 * - a root from the cache: the cached base root mounted as a task's overlay, against untarring a
 *   tarball of the same root (what mock's root_cache plugin does at every build);
 * - five BuildRequires (flex, bison, ed, m4, zlib-devel) with a warm dnf cache, against a direct
 *   `dnf --installroot install` of the same five into a copy of the root;
 * - a whole small package (hello-c: SRPM in a root, then RPMs with %check and debuginfo), against
 *   `rpmbuild --rebuild` of the same SRPM on the host (no root at all: what the node used to do).
 *   node --import tsx bench/buildroot.ts
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openTaskRoot } from '../src/node/buildroot/for-task.ts';
import { RootCache } from '../src/node/buildroot/root-cache.ts';
import { buildRpmsInRoot, buildSrpmInRoot } from '../src/node/builders/rpmbuild-root.ts';
import { hostArch } from '../src/node/host.ts';
import { findSpec } from '../src/node/sources.ts';
import { bootstrapRepo } from '../test/support/bootstrap-repo.ts';
import { examplePlatform } from '../test/node/support.ts';
import { report, time } from './lib.ts';

const work = mkdtempSync(join(tmpdir(), 'distforge-bench-buildroot-'));
const dnfHome = join(work, 'home');
mkdirSync(dnfHome);
writeFileSync(join(dnfHome, '.rpmmacros'), '%_dbpath /var/lib/rpm\n');
const repo = await bootstrapRepo();
const platform = examplePlatform();
const arch = hostArch();
const quiet = {};

/** dnf straight into `root` (the reference: no sandbox, no shared cache). */
function plainDnf(root: string, what: string[]): void {
  const conf = join(work, 'dnf.conf');
  writeFileSync(conf, '[main]\nreposdir=/dev/null\ninstall_weak_deps=False\nbest=True\ngpgcheck=0\n');
  execFileSync('dnf', ['-q', '-c', conf, '--disableplugin=*', `--installroot=${root}`, '--releasever=9', `--repofrompath=b,file://${repo}`, '-y', 'install', ...what], { env: { ...process.env, HOME: dnfHome }, stdio: 'ignore' });
}

try {
  // Cold: nothing cached.
  const cache = new RootCache({ dir: join(work, 'cache') });
  const spec = { arch, releasever: '9', repos: [{ id: 'bootstrap', url: `file://${repo}`, gpgcheck: false }], install: ['@buildsys-build'], macros: platform.macros ?? {} };
  let made = await cache.get('bench', spec, quiet);
  const coldMs = await time(async () => {
    rmSync(join(work, 'cache'), { recursive: true, force: true });
    made = await new RootCache({ dir: join(work, 'cache') }).get('bench', spec, quiet);
  });
  const plainRoot = join(work, 'plain-root');
  const plainMs = await time(() => plainDnf(plainRoot, ['@buildsys-build']));
  report(`cold root (@buildsys-build, ${made.meta.packages.length} packages, sandboxed resolve + install)`, coldMs, 'dnf --installroot install @buildsys-build (no sandbox)', plainMs);

  // From the cache: a task's overlay, against untarring the root (mock's root cache).
  const warmCache = new RootCache({ dir: join(work, 'cache') });
  let root = await openTaskRoot({ cache: warmCache, platform: { ...platform, repositories: [{ name: 'bootstrap', url: `file://${repo}` }] }, arch, taskRepos: [], workDir: join(work, 'task0'), hostname: 'bench', run: quiet });
  await root.dispose();
  const fromCacheMs = await time(async () => {
    root = await openTaskRoot({ cache: warmCache, platform: { ...platform, repositories: [{ name: 'bootstrap', url: `file://${repo}` }] }, arch, taskRepos: [], workDir: join(work, 'task1'), hostname: 'bench', run: quiet });
  });
  const tarball = join(work, 'root.tar.gz');
  execFileSync('tar', ['-C', made.dir, '-czf', tarball, '.']);
  const untarDir = join(work, 'untarred');
  mkdirSync(untarDir);
  const untarMs = await time(() => execFileSync('tar', ['-C', untarDir, '-xzf', tarball]));
  report('root from the cache (overlay mount, repository metadata checked)', fromCacheMs, "untarring the same root (mock's root_cache)", untarMs);

  // Five BuildRequires, warm dnf cache (file:// repositories need none).
  const five = ['flex', 'bison', 'ed', 'm4', 'zlib-devel'];
  const installMs = await time(() => root.install(five));
  await root.dispose();
  const copy = join(work, 'copy-root');
  cpSync(made.dir, copy, { recursive: true, verbatimSymlinks: true });
  const plainFiveMs = await time(() => plainDnf(copy, five));
  report(`five BuildRequires (${five.join(', ')}), resolve then install without network`, installMs, 'dnf --installroot install of the same five (no sandbox)', plainFiveMs);

  // A whole small package.
  const tree = resolve(import.meta.dirname, '../examples/packages/hello-c');
  const options = { platform: { ...platform, repositories: [{ name: 'bootstrap', url: `file://${repo}` }] }, cache: warmCache, repositories: [] };
  let srpmPath = '';
  const taskMs = await time(async () => {
    const s = await buildSrpmInRoot({ kind: 'git', dir: tree, commit: 'bench', ...findSpec(tree) }, join(work, 'hello-srpm'), options);
    srpmPath = s.srpmPath;
    await buildRpmsInRoot(s.srpmPath, arch, join(work, 'hello-rpm'), options);
  });
  const top = join(work, 'host-top');
  const hostMs = await time(() => execFileSync('rpmbuild', ['--rebuild', '--nodeps', '--define', `_topdir ${top}`, srpmPath], { stdio: 'ignore' }));
  report('hello-c: SRPM task + rpm task in roots (%check, debuginfo)', taskMs, "rpmbuild --rebuild on the host (no root, the host's toolchain and Debian's macros)", hostMs);
} finally {
  execFileSync('bash', ['-c', `grep -o '${work}[^ ]*merged' /proc/self/mountinfo | xargs -r -n1 umount -l || true`]);
  rmSync(work, { recursive: true, force: true });
}
