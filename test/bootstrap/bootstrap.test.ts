/**
 * The bootstrap repository judged by the real tools: dnf repoclosure finds it closed; dnf installs
 * `@buildsys-build` (and `gcc make`) into empty roots without --nodeps; inside such a root, run with
 * bubblewrap and nothing of the host's /usr, bash is /bin/sh, rpm has EL9's flags and an EL-style
 * spec builds with rpmbuild -ba into -debuginfo and -debugsource packages; glibc's file trigger
 * runs ldconfig for a library installed later; a second make takes everything from the cache and
 * writes byte-identical repodata, and remade packages are byte-identical.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeBootstrapRepo } from '../../src/bootstrap/index.ts';
import { runCli } from '../support/cli.ts';
import { CACHE, DEB_CACHE, dnf, HELLO_SOURCES, HELLO_SPEC, inRoot, made, newRoot, REPO, repoclosure, rpmIn, run, WORK } from './helpers.ts';

/** EL9's x86_64 %optflags, every one of them (no annobin: not part of Debian's gcc). */
const EL9_CFLAGS = [
  '-O2', '-flto=auto', '-ffat-lto-objects', '-fexceptions', '-g', '-grecord-gcc-switches', '-pipe', '-Wall', '-Werror=format-security',
  '-Wp,-D_FORTIFY_SOURCE=2', '-Wp,-D_GLIBCXX_ASSERTIONS', '-specs=/usr/lib/rpm/redhat/redhat-hardened-cc1', '-fstack-protector-strong',
  '-m64', '-march=x86-64-v2', '-mtune=generic', '-fasynchronous-unwind-tables', '-fstack-clash-protection', '-fcf-protection',
];
const EL9_LDFLAGS = ['-Wl,-z,relro', '-Wl,--as-needed', '-Wl,-z,now', '-specs=/usr/lib/rpm/redhat/redhat-hardened-ld'];

const ok = (r: { code: number; stdout: string; stderr: string }, what: string): string => {
  assert.equal(r.code, 0, `${what} failed:\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
  return r.stdout;
};

const packageFile = async (name: string): Promise<string> => {
  const p = (await made).result.packages.find((x) => x.name === name);
  assert.ok(p, `the repository has ${name}`);
  return p.file;
};

test('the repository has EL9-named packages, labelled a bootstrap, and dnf repoclosure finds it closed', { timeout: 600_000 }, async (t) => {
  const { result, fixtureMs } = await made;
  t.diagnostic(`the shared fixture's cold make in this run: ${(fixtureMs / 1000).toFixed(1)} s (0: made before); this copy: ${result.made} made, ${result.packages.length} packages, ${(result.bytes / 1e6).toFixed(0)} MB`);
  const names = new Set(result.packages.map((p) => p.name));
  for (const n of ['filesystem', 'setup', 'distforge-bootstrap-release', 'bash', 'glibc', 'glibc-devel', 'gcc', 'gcc-c++', 'rpm-build', 'redhat-rpm-config', 'meson', 'perl-interpreter', 'python3', 'pkgconf-pkg-config', 'zlib-devel']) {
    assert.ok(names.has(n), `package ${n}`);
  }
  assert.deepEqual(result.groups.map((g) => g.id), ['buildsys-build']);
  const info = ok(run('rpm', ['-qp', '--qf', '%{VENDOR}|%{DISTRIBUTION}|%{RELEASE}\n', await packageFile('glibc')]), 'rpm -qp');
  assert.match(info, /^distforge bootstrap \(Debian 12 binaries\)\|distforge bootstrap EL9\|[^|]+\.dfbs$/m);
  const closure = repoclosure();
  assert.equal(closure.code, 0, `dnf repoclosure:\n${closure.stdout}\n${closure.stderr}`);
});

test('provides: pkgconfig(zlib) by zlib-devel, /bin/sh by bash alone; glibc carries the ldconfig transaction file triggers', { timeout: 300_000 }, async () => {
  await made;
  const r = newRoot();
  const whatprovides = (cap: string): string[] => ok(dnf(r, ['repoquery', '-q', '--qf', '%{name}', '--whatprovides', cap]), `repoquery ${cap}`).trim().split('\n').filter(Boolean);
  assert.deepEqual(whatprovides('pkgconfig(zlib)'), ['zlib-devel']);
  assert.deepEqual(whatprovides('/bin/sh'), ['bash']);
  assert.deepEqual(whatprovides('system-release(9)'), ['distforge-bootstrap-release']);
  const triggers = ok(run('rpm', ['-qp', '--filetriggers', await packageFile('glibc')]), 'rpm --filetriggers');
  assert.match(triggers, /^transfiletriggerin scriptlet \(using \/bin\/sh\) -- \/lib, \/lib64, \/usr\/lib, \/usr\/lib64\n\/sbin\/ldconfig$/m);
  assert.match(triggers, /^transfiletriggerpostun scriptlet \(using \/bin\/sh\) -- \/lib, \/lib64, \/usr\/lib, \/usr\/lib64\n\/sbin\/ldconfig$/m);
});

test('a root of @buildsys-build alone: bash is /bin/sh, rpm-build is there, no compiler and no flex', { timeout: 300_000 }, async () => {
  await made;
  const r = newRoot();
  ok(dnf(r, ['install', '-y', '@buildsys-build']), 'dnf install @buildsys-build');
  const installed = new Set(ok(rpmIn(r, ['-qa', '--qf', '%{NAME}\n']), 'rpm -qa').trim().split('\n'));
  for (const n of ['bash', 'rpm-build', 'redhat-rpm-config', 'distforge-bootstrap-release', 'shadow-utils', 'which', 'util-linux']) assert.ok(installed.has(n), `${n} installed`);
  for (const n of ['flex', 'gcc', 'cpp', 'dash', 'perl-interpreter']) assert.ok(!installed.has(n), `${n} not installed`);
  assert.equal(ok(inRoot(r, ['/bin/sh', '-c', 'readlink -f /bin/sh; echo "$BASH_VERSION" | cut -d. -f1']), '/bin/sh').trim(), '/usr/bin/bash\n5');
  assert.match(ok(inRoot(r, ['cat', '/etc/os-release']), 'os-release'), /^NAME="distforge bootstrap"$/m);
});

test('a root of @buildsys-build gcc make: EL9 macros, and an EL spec builds with rpmbuild -ba into -debuginfo and -debugsource', { timeout: 300_000 }, async () => {
  await made;
  const r = newRoot();
  ok(dnf(r, ['install', '-y', '@buildsys-build', 'gcc', 'make']), 'dnf install @buildsys-build gcc make');
  const optflags = ok(inRoot(r, ['rpm', '--eval', '%{optflags}']), 'rpm --eval').trim().split(/\s+/);
  for (const f of EL9_CFLAGS) assert.ok(optflags.includes(f), `%optflags has ${f}: ${optflags.join(' ')}`);
  const ldflags = ok(inRoot(r, ['rpm', '--eval', '%{build_ldflags}']), 'rpm --eval').trim().split(/\s+/);
  for (const f of EL9_LDFLAGS) assert.ok(ldflags.includes(f), `%build_ldflags has ${f}: ${ldflags.join(' ')}`);
  assert.equal(ok(inRoot(r, ['rpm', '--eval', '%{dist}|%{rhel}|%{_host}|%{_vendor}|%{_vpath_builddir}|%{ldconfig_scriptlets}|%{_dbpath}']), 'rpm --eval').trim(), '.el9|9|x86_64-redhat-linux-gnu|redhat|redhat-linux-build||/var/lib/rpm');
  assert.match(ok(inRoot(r, ['rpmbuild', '--version']), 'rpmbuild --version'), /^RPM version 4\.18/);

  // The sources and spec, in a top directory the unprivileged builder may write.
  const top = join(r.root, 'tmp', 'build');
  for (const d of ['SOURCES', 'SPECS', 'BUILD', 'RPMS', 'SRPMS']) mkdirSync(join(top, d), { recursive: true });
  const src = join(WORK, 'hello-1.0');
  mkdirSync(src, { recursive: true });
  for (const [f, text] of Object.entries(HELLO_SOURCES)) writeFileSync(join(src, f), text);
  ok(run('tar', ['-C', WORK, '-czf', join(top, 'SOURCES', 'hello-1.0.tar.gz'), 'hello-1.0']), 'tar');
  writeFileSync(join(top, 'SPECS', 'hello.spec'), HELLO_SPEC);
  ok(run('chmod', ['-R', 'a+rwX', top]), 'chmod');
  ok(inRoot(r, ['rpmbuild', '-ba', '--define', '_topdir /tmp/build', '/tmp/build/SPECS/hello.spec'], { user: true }), 'rpmbuild -ba as uid 1000 in the root');

  const rpms = join(top, 'RPMS', 'x86_64');
  const built = readdirSync(rpms).sort();
  assert.deepEqual(built.map((f) => f.replace(/-1\.0-1\.el9\.x86_64\.rpm$/, '')), ['hello', 'hello-debuginfo', 'hello-debugsource', 'hello-devel']);
  const qp = (args: string[], f: string): string => ok(run('rpm', ['-qp', ...args, join(rpms, f)]), `rpm -qp ${args.join(' ')}`);
  const debuginfo = qp(['-l'], built[1] as string);
  assert.match(debuginfo, /^\/usr\/lib\/debug\/usr\/bin\/hello-1\.0-1\.el9\.x86_64\.debug$/m);
  assert.match(debuginfo, /^\/usr\/lib\/debug\/usr\/lib64\/libhello\.so\.1\.0-1\.0-1\.el9\.x86_64\.debug$/m);
  assert.match(qp(['-l'], built[2] as string), /^\/usr\/src\/debug\/hello-1\.0-1\.el9\.x86_64\/hello\.c$/m);
  assert.equal(qp(['--scripts'], built[0] as string), '', '%ldconfig_scriptlets add no scriptlets');
  assert.match(qp(['--requires'], built[0] as string), /^libhello\.so\.1\(\)\(64bit\)$/m);

  // Installed later, the library lands in /usr/lib64; glibc's trigger runs ldconfig, ld.so finds it.
  ok(inRoot(r, ['rpm', '-i', '/tmp/build/RPMS/x86_64/hello-1.0-1.el9.x86_64.rpm', '/tmp/build/RPMS/x86_64/hello-devel-1.0-1.el9.x86_64.rpm']), 'rpm -i in the root');
  assert.equal(ok(inRoot(r, ['hello']), 'hello').trim(), 'hello, world');
  assert.match(ok(inRoot(r, ['ldconfig', '-p']), 'ldconfig -p'), /libhello\.so\.1 \(libc6,x86-64\) => \/usr\/lib64\/libhello\.so\.1/);
  const dynamic = ok(inRoot(r, ['readelf', '-d', '-h', '/usr/bin/hello']), 'readelf');
  assert.match(dynamic, /Type:\s+DYN/, 'a position-independent executable');
  assert.match(dynamic, /BIND_NOW/, 'linked with -z now');
});

/** sha256 of every RPM and metadata file of the repository, by path. */
function snapshot(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const dir of ['Packages', 'repodata']) {
    for (const f of readdirSync(join(REPO, dir)).sort()) out[`${dir}/${f}`] = createHash('sha256').update(readFileSync(join(REPO, dir, f))).digest('hex');
  }
  return out;
}

test('a second make takes everything from the cache and writes byte-identical repodata; remade packages are byte-identical', { timeout: 600_000 }, async (t) => {
  await made;
  const first = snapshot();
  const warm = await makeBootstrapRepo({ outDir: REPO, cacheDir: CACHE, debCacheDir: DEB_CACHE });
  t.diagnostic(`warm make: ${(warm.ms / 1000).toFixed(2)} s`);
  assert.equal(warm.made, 0);
  assert.deepEqual(snapshot(), first);

  // Forget some packages (ours, arch-specific, noarch, with triggers) and make them again.
  const forget = new Set(['filesystem', 'glibc', 'bash', 'redhat-rpm-config', 'perl-Text-Unidecode']);
  const store = join(CACHE, 'rpms');
  for (const key of readdirSync(store)) {
    const meta = JSON.parse(readFileSync(join(store, key, 'meta.json'), 'utf8')) as { name: string };
    if (forget.has(meta.name)) rmSync(join(store, key), { recursive: true });
  }
  const again = await makeBootstrapRepo({ outDir: REPO, cacheDir: CACHE, debCacheDir: DEB_CACHE });
  assert.equal(again.made, forget.size);
  assert.deepEqual(snapshot(), first);
});

test('distforge bootstrap repo: one summary line; an unknown arch or an unwritable --out is one line and exit 1', { timeout: 300_000 }, async () => {
  await made;
  const good = await runCli(['bootstrap', 'repo', '--out', REPO, '--cache', CACHE]);
  assert.equal(good.code, 0, good.stderr);
  assert.match(good.stdout, /^\/\S+: \d+ packages, \d+ MB, [\d.]+ s \(all from the cache\)\n$/);
  const oneLine = (r: { code: number; stderr: string; stdout: string }, re: RegExp): void => {
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, re);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  };
  oneLine(await runCli(['bootstrap', 'repo', '--out', join(WORK, 'other'), '--arch', 'aarch64']), /^distforge: bootstrap: arch "aarch64" is not supported/);
  const file = join(WORK, 'a-file');
  writeFileSync(file, 'x');
  oneLine(await runCli(['bootstrap', 'repo', '--out', join(file, 'repo')]), /^distforge: bootstrap: cannot write the repository to .*a path component is not a directory/);
  const usage = await runCli(['bootstrap', 'repo']);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /required option '--out <dir>'/);
});
