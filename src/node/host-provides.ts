/**
 * The "build host provides" package: a file-less RPM, written with our RPM writer and recorded in
 * each build's private rpmdb, that declares what the host's own (Debian) toolchain gives the build
 * — so that `BuildRequires: gcc` is satisfied by the real gcc of the host and `libc.so.6()(64bit)`
 * requirements of build dependencies by the host's glibc.
 *
 * Only what is really there is declared: each capability is probed (a program or library file
 * must exist). gcc and glibc carry their real versions; the rest are unversioned (an unversioned
 * Provides satisfies any versioned Requires, as in rpm). Shared-library capabilities are read from
 * the libraries themselves: every `GLIBC_2.x` (`GLIBCXX_…`, `GCC_…`) version node they name becomes
 * a `libc.so.6(GLIBC_2.x)(64bit)` Provides, as rpm's ELF dependency generator would write it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeRpm } from '../rpm/index.ts';
import { Sense } from '../rpm/tags.ts';
import type { RpmSpecDependency } from '../rpm/writer.ts';
import { hostArch } from './host.ts';

/** Name of the generated package. */
export const HOST_PROVIDES_NAME = 'distforge-build-host';

/** A capability of the host: declared when one of `probe` exists. */
interface HostCapability {
  names: string[];
  probe: string[];
  /** Which program reports its version. */
  version?: 'gcc' | 'glibc';
}

function output(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

/** The versions of the host's gcc and glibc (asked once per call of {@link hostProvides}). */
function versionReader(): (what: 'gcc' | 'glibc') => string {
  const known = new Map<string, string>();
  return (what) => {
    let v = known.get(what);
    if (v === undefined) {
      v = what === 'gcc' ? output('gcc', ['-dumpfullversion']) : output('getconf', ['GNU_LIBC_VERSION']).replace(/^glibc /, '');
      known.set(what, v);
    }
    return v;
  };
}

/** Packages (by their EL names) the host's tools stand in for, and the files that prove them. */
const CAPABILITIES: HostCapability[] = [
  { names: ['gcc', 'cpp'], probe: ['/usr/bin/gcc'], version: 'gcc' },
  { names: ['gcc-c++', 'libstdc++-devel'], probe: ['/usr/bin/g++'], version: 'gcc' },
  { names: ['glibc', 'glibc-common', 'glibc-minimal-langpack'], probe: ['/usr/bin/ldd'], version: 'glibc' },
  { names: ['glibc-devel', 'glibc-headers', 'kernel-headers'], probe: ['/usr/include/stdio.h'], version: 'glibc' },
  { names: ['binutils'], probe: ['/usr/bin/ld'] },
  { names: ['make'], probe: ['/usr/bin/make'] },
  { names: ['bash', 'sh'], probe: ['/usr/bin/bash'] },
  { names: ['coreutils', 'coreutils-single'], probe: ['/usr/bin/ls'] },
  { names: ['sed'], probe: ['/usr/bin/sed'] },
  { names: ['tar'], probe: ['/usr/bin/tar'] },
  { names: ['gzip'], probe: ['/usr/bin/gzip'] },
  { names: ['bzip2'], probe: ['/usr/bin/bzip2'] },
  { names: ['xz'], probe: ['/usr/bin/xz'] },
  { names: ['zstd'], probe: ['/usr/bin/zstd'] },
  { names: ['patch'], probe: ['/usr/bin/patch'] },
  { names: ['findutils'], probe: ['/usr/bin/find'] },
  { names: ['grep'], probe: ['/usr/bin/grep'] },
  { names: ['gawk'], probe: ['/usr/bin/gawk'] },
  { names: ['diffutils'], probe: ['/usr/bin/diff'] },
  { names: ['cpio'], probe: ['/usr/bin/cpio'] },
  { names: ['unzip'], probe: ['/usr/bin/unzip'] },
  { names: ['which'], probe: ['/usr/bin/which'] },
  { names: ['file'], probe: ['/usr/bin/file'] },
  { names: ['util-linux'], probe: ['/usr/bin/getopt'] },
  { names: ['perl-interpreter', 'perl'], probe: ['/usr/bin/perl'] },
  { names: ['python3'], probe: ['/usr/bin/python3'] },
  { names: ['pkgconf', 'pkgconf-pkg-config', 'pkgconfig'], probe: ['/usr/bin/pkg-config'] },
  { names: ['cmake'], probe: ['/usr/bin/cmake'] },
  { names: ['git', 'git-core'], probe: ['/usr/bin/git'] },
  { names: ['rpm-build'], probe: ['/usr/bin/rpmbuild'] },
];

/** Files (programs) whose paths are declared as Provides when they exist. */
const FILE_PROVIDES = [
  '/bin/sh',
  '/bin/bash',
  '/usr/bin/sh',
  '/usr/bin/bash',
  '/usr/bin/env',
  '/usr/bin/gcc',
  '/usr/bin/cc',
  '/usr/bin/g++',
  '/usr/bin/c++',
  '/usr/bin/make',
  '/usr/bin/perl',
  '/usr/bin/python3',
  '/usr/bin/pkg-config',
  '/usr/bin/awk',
  '/usr/bin/gawk',
  '/sbin/ldconfig',
  '/usr/sbin/ldconfig',
];

/** Shared libraries of the host and the version-node prefixes they define. */
const LIBRARIES: { soname: string; versions: RegExp }[] = [
  { soname: 'libc.so.6', versions: /^GLIBC_\d[\d.]*$/ },
  { soname: 'libm.so.6', versions: /^GLIBC_\d[\d.]*$/ },
  { soname: 'libpthread.so.0', versions: /^GLIBC_\d[\d.]*$/ },
  { soname: 'libdl.so.2', versions: /^GLIBC_\d[\d.]*$/ },
  { soname: 'librt.so.1', versions: /^GLIBC_\d[\d.]*$/ },
  { soname: 'libresolv.so.2', versions: /^GLIBC_\d[\d.]*$/ },
  { soname: 'libutil.so.1', versions: /^GLIBC_\d[\d.]*$/ },
  { soname: 'libgcc_s.so.1', versions: /^GCC_\d[\d.]*$/ },
  { soname: 'libstdc++.so.6', versions: /^(GLIBCXX|CXXABI)_\d[\d.]*$/ },
];

/** The dynamic loader per arch, as rpm names it, and its file on Debian. */
const LOADERS: Record<string, string> = {
  x86_64: 'ld-linux-x86-64.so.2',
  aarch64: 'ld-linux-aarch64.so.1',
  ppc64le: 'ld64.so.2',
  s390x: 'ld64.so.1',
};

const BITS64 = new Set(['x86_64', 'aarch64', 'ppc64le', 'ppc64', 's390x', 'riscv64']);

/** Directories the host's libraries live in (Debian multiarch first). */
function libraryDirs(): string[] {
  const multiarch = output('gcc', ['-print-multiarch']);
  const dirs = multiarch === '' ? [] : [`/usr/lib/${multiarch}`, `/lib/${multiarch}`];
  return [...dirs, '/usr/lib64', '/lib64', '/usr/lib'];
}

/** Version nodes named in a shared library (the NUL-delimited strings of its dynamic string table). */
function versionNodes(path: string, pattern: RegExp): string[] {
  const text = readFileSync(path).toString('latin1');
  const found = new Set<string>();
  for (const m of text.matchAll(/\0([A-Z][A-Z+]*_[0-9][0-9.]*)(?=\0)/g)) if (m[1] !== undefined && pattern.test(m[1])) found.add(m[1]);
  return [...found];
}

function eq(name: string, version: string): RpmSpecDependency {
  return version === '' ? { name } : { name, flags: Sense.EQUAL, evr: version };
}

/** What the host provides, as rpm dependencies (stable order, no repeats). */
export function hostProvides(arch: string = hostArch()): RpmSpecDependency[] {
  const out = new Map<string, RpmSpecDependency>();
  const add = (d: RpmSpecDependency): void => {
    if (!out.has(d.name)) out.set(d.name, d);
  };
  const versionOf = versionReader();
  for (const c of CAPABILITIES) {
    if (!c.probe.some((p) => existsSync(p))) continue;
    const version = c.version === undefined ? '' : versionOf(c.version);
    for (const n of c.names) {
      add(eq(n, version));
      if (arch !== 'noarch') add(eq(`${n}(${arch === 'x86_64' ? 'x86-64' : arch})`, version));
    }
  }
  for (const f of FILE_PROVIDES) if (existsSync(f)) add({ name: f });
  const bits = BITS64.has(arch) ? '(64bit)' : '';
  const dirs = libraryDirs();
  const loader = LOADERS[arch];
  const libraries = loader === undefined ? LIBRARIES : [...LIBRARIES, { soname: loader, versions: /^GLIBC_\d[\d.]*$/ }];
  for (const lib of libraries) {
    const path = dirs.map((d) => join(d, lib.soname)).find((p) => existsSync(p));
    if (path === undefined) continue;
    add({ name: `${lib.soname}()${bits}` });
    for (const v of versionNodes(path, lib.versions)) add({ name: `${lib.soname}(${v})${bits}` });
  }
  add({ name: 'rtld(GNU_HASH)' });
  return [...out.values()];
}

/** Writes the host-provides package to `path`; returns what it provides. */
export function writeHostProvidesPackage(path: string, arch: string = hostArch()): RpmSpecDependency[] {
  const provides = hostProvides(arch);
  writeRpm(path, {
    name: HOST_PROVIDES_NAME,
    version: '1',
    release: '1',
    arch: 'noarch',
    summary: 'What the build host toolchain provides',
    description: 'Generated by the distforge build node: declares the host toolchain (compiler, shell, C library) to rpmbuild. It owns no files.',
    license: 'MIT',
    provides,
    // The payload is empty: gzip in-process is instant, zstd would start a process.
    compressor: 'gzip',
  });
  return provides;
}
