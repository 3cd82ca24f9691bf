/**
 * What the bootstrap tests share: the repository, made here into a directory of this run's from a
 * copy of the shared fixture's cache (test/support/bootstrap-repo.ts: made cold once per checkout,
 * so on every fresh clone, CI included, by the code under test), dnf isolated from the host
 * (private config, cache and HOME; metadata never taken from an old cache), and commands run
 * inside a root with bubblewrap, nothing of the host's /usr visible.
 *
 * The downloaded debs are the fixture's (.tmp/test-cache/bootstrap-debs, ignored by git), so a
 * run does not download 150 MB again; the RPM cache is copied, so that the tests may forget
 * packages from it and make them again without touching the fixture.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { makeBootstrapRepo, type BootstrapResult } from '../../src/bootstrap/index.ts';
import { dnfBaseArgs, dnfRoot, killAgents, type CommandResult, type DnfRoot } from '../support/dnf-root.ts';
import { bootstrapRepo, TEST_CACHE } from '../support/bootstrap-repo.ts';
import { exitTempDir } from '../support/exit-temp-dir.ts';

export const WORK = exitTempDir('distforge-bootstrap-');
export const DEB_CACHE = join(TEST_CACHE, 'bootstrap-debs');
export const CACHE = join(WORK, 'cache');
export const REPO = join(WORK, 'repo');

export interface MadeRepo {
  result: BootstrapResult;
  /** Milliseconds the shared fixture's make took in this process (0 when it was made before). */
  fixtureMs: number;
}

/** Makes the repository once for the whole test file. */
export const made: Promise<MadeRepo> = (async () => {
  const started = Date.now();
  await bootstrapRepo();
  const fixtureMs = Date.now() - started;
  cpSync(join(TEST_CACHE, 'bootstrap'), CACHE, { recursive: true });
  const result = await makeBootstrapRepo({ outDir: REPO, cacheDir: CACHE, debCacheDir: DEB_CACHE });
  return { result, fixtureMs };
})();

/** Runs a host command; never throws for a failing exit. */
export function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env, timeout = 300_000): CommandResult {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env, timeout, maxBuffer: 64 << 20 });
  return { code: r.status ?? 1, stdout: r.stdout ?? '', stderr: `${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

let roots = 0;

/** A new empty root with its own dnf configuration, cache and HOME. */
export function newRoot(): DnfRoot {
  return dnfRoot(join(WORK, `root-${++roots}`));
}

/** dnf ARGS… on `r` with the bootstrap repository as its only repository (its cache is the fresh root's). */
export function dnf(r: DnfRoot, args: string[]): CommandResult {
  try {
    return run('dnf', [...dnfBaseArgs(r), '--setopt=metadata_expire=0', `--repofrompath=bootstrap,${REPO}`, '--setopt=bootstrap.gpgcheck=0', ...args], { ...process.env, HOME: r.home });
  } finally {
    killAgents(r.root);
  }
}

/** `dnf repoclosure` over the repository, from a private cache. */
export function repoclosure(): CommandResult {
  const r = newRoot();
  const cache = join(r.root, '..', 'dnf-cache');
  mkdirSync(cache, { recursive: true });
  return run('dnf', ['-c', r.conf, '--disableplugin=local,generate_completion_cache', '--releasever=9', `--setopt=cachedir=${cache}`, '--setopt=metadata_expire=0', `--repofrompath=bootstrap,${REPO}`, '--repo', 'bootstrap', 'repoclosure'], { ...process.env, HOME: r.home });
}

/** `rpm --root ROOT ARGS…` with the root's HOME (so the rpmdb is ROOT/var/lib/rpm). */
export function rpmIn(r: DnfRoot, args: string[]): CommandResult {
  return run('rpm', ['--root', r.root, ...args], { ...process.env, HOME: r.home });
}

/**
 * Runs `argv` inside the root with bubblewrap: the root as /, fresh /proc and /dev, every namespace
 * unshared; as uid/gid 1000 when `user` is set, else as root.
 */
export function inRoot(r: DnfRoot, argv: string[], options: { user?: boolean } = {}): CommandResult {
  const who = options.user ? ['--unshare-user', '--uid', '1000', '--gid', '1000'] : [];
  const args = ['--bind', r.root, '/', '--proc', '/proc', '--dev', '/dev', '--unshare-all', ...who, '--die-with-parent', '--clearenv',
    '--setenv', 'PATH', '/usr/bin:/usr/sbin', '--setenv', 'HOME', '/tmp', '--setenv', 'LC_ALL', 'C.UTF-8', ...argv];
  return run('bwrap', args, process.env);
}

/** A C library with a -devel subpackage, built as EL specs are (flags, %ldconfig_scriptlets). */
export const HELLO_SPEC = `Name: hello
Version: 1.0
Release: 1%{?dist}
Summary: A greeting library
License: MIT
Source0: hello-%{version}.tar.gz
BuildRequires: gcc

%description
A greeting library and the program that uses it.

%package devel
Summary: Header and link of the greeting library
Requires: %{name}%{?_isa} = %{version}-%{release}

%description devel
Header and link of the greeting library.

%prep
%setup -q

%build
%set_build_flags
gcc $CFLAGS -fPIC -shared -Wl,-soname,libhello.so.1 $LDFLAGS -o libhello.so.1.0 hello.c
ln -sf libhello.so.1.0 libhello.so
gcc $CFLAGS $LDFLAGS -o hello main.c -L. -lhello

%install
mkdir -p %{buildroot}%{_libdir} %{buildroot}%{_bindir} %{buildroot}%{_includedir}
install -m755 libhello.so.1.0 %{buildroot}%{_libdir}/
ln -s libhello.so.1 %{buildroot}%{_libdir}/libhello.so
install -m755 hello %{buildroot}%{_bindir}/
install -m644 hello.h %{buildroot}%{_includedir}/

%ldconfig_scriptlets

%files
%{_bindir}/hello
%{_libdir}/libhello.so.1*

%files devel
%{_includedir}/hello.h
%{_libdir}/libhello.so
`;

export const HELLO_SOURCES: Record<string, string> = {
  'hello.h': 'void hello(const char *who);\n',
  'hello.c': '#include <stdio.h>\n#include "hello.h"\nvoid hello(const char *who) { printf("hello, %s\\n", who); }\n',
  'main.c': '#include "hello.h"\nint main(void) { hello("world"); return 0; }\n',
};
