/**
 * The base example packages: what an empty root needs before anything else installs, built by
 * distforge itself from examples/packages/ (docs/testsystem-base.md). Binaries built on the
 * (Debian) build host link the host's glibc, and scriptlets need a /bin/sh, so a root made only
 * of the platform's packages needs these three first. A real EL platform takes filesystem, glibc
 * and bash from its repositories instead.
 */

/** Directory names under examples/packages/, in install order. */
export const BASE_PACKAGE_DIRS = [
  // distforge-filesystem (Provides: filesystem): the EL directory tree, the usr-merge links
  // /bin, /sbin, /lib, /lib64 → usr/…, and /usr/lib/<multiarch> → ../lib64 for Debian's ld.so.
  'base-filesystem',
  // distforge-libc: the host's libc.so.6, ld-linux-x86-64.so.2 (and libm, libpthread …, ldconfig)
  // in /usr/lib64; generated Provides libc.so.6()(64bit), libc.so.6(GLIBC_2.x)(64bit), plus
  // rtld(GNU_HASH). Requires filesystem. No scriptlets.
  'base-libc',
  // distforge-sh: the host's dash as /usr/bin/sh and /usr/bin/dash; Provides /bin/sh.
  'base-sh',
] as const;

export type BasePackageDir = (typeof BASE_PACKAGE_DIRS)[number];
