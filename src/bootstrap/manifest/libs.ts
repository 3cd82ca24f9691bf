/**
 * Manifest: the libraries the tools above link (under their EL names) and the -devel packages
 * EL specs commonly build against.
 */
import type { ElPackageDef } from '../types.ts';

/** `{ name, from: [deb] }` for a package made from one deb with nothing else to say. */
const lib = (name: string, deb: string, requires?: string[]): ElPackageDef => ({ name, from: [deb], ...(requires ? { requires } : {}) });

export const LIBRARY_PACKAGES: ElPackageDef[] = [
  lib('zlib', 'zlib1g'),
  lib('zlib-devel', 'zlib1g-dev', ['zlib']),
  lib('popt', 'libpopt0'),
  lib('lua-libs', 'liblua5.3-0'),
  lib('libarchive', 'libarchive13'),
  lib('openssl-libs', 'libssl3'),
  { name: 'audit-libs', from: ['libaudit1', 'libaudit-common'] },
  lib('libcap-ng', 'libcap-ng0'),
  lib('sqlite-libs', 'libsqlite3-0'),
  lib('libxml2', 'libxml2'),
  lib('expat', 'libexpat1'),
  lib('libffi', 'libffi8'),
  lib('gmp', 'libgmp10'),
  lib('mpfr', 'libmpfr6'),
  lib('libmpc', 'libmpc3'),
  lib('isl', 'libisl23'),
  lib('lz4-libs', 'liblz4-1'),
  { name: 'krb5-libs', from: ['libkrb5-3', 'libgssapi-krb5-2', 'libk5crypto3', 'libkrb5support0'] },
  lib('keyutils-libs', 'libkeyutils1'),
  lib('libcom_err', 'libcom-err2'),
  lib('libunistring', 'libunistring2'),
  lib('libicu', 'libicu72'),
  { name: 'systemd-libs', from: ['libsystemd0', 'libudev1'] },
  lib('dbus-libs', 'libdbus-1-3'),
  { name: 'libgcrypt', from: ['libgcrypt20'], exclude: ['/usr/share/libgcrypt20/**'] },
  lib('libgpg-error', 'libgpg-error0'),
  lib('libassuan', 'libassuan0'),
  lib('nettle', 'libnettle8'),
  lib('libsigsegv', 'libsigsegv2'),
  lib('libdb', 'libdb5.3'),
  { name: 'gdbm-libs', from: ['libgdbm6', 'libgdbm-compat4'] },
  lib('fsverity-utils', 'libfsverity0'),
  lib('libselinux', 'libselinux1'),
  lib('libselinux-devel', 'libselinux1-dev', ['libselinux', 'libsepol-devel', 'pcre2-devel']),
  lib('libsepol', 'libsepol2'),
  lib('libsepol-devel', 'libsepol-dev', ['libsepol']),
  { name: 'libsemanage', from: ['libsemanage2', 'libsemanage-common'] },
  { name: 'pcre2', from: ['libpcre2-8-0', 'libpcre2-posix3'] },
  lib('pcre2-utf16', 'libpcre2-16-0'),
  lib('pcre2-utf32', 'libpcre2-32-0'),
  lib('pcre2-devel', 'libpcre2-dev', ['pcre2', 'pcre2-utf16', 'pcre2-utf32']),
  lib('libattr', 'libattr1'),
  lib('libattr-devel', 'libattr1-dev', ['libattr']),
  lib('libacl', 'libacl1'),
  lib('libacl-devel', 'libacl1-dev', ['libacl', 'libattr-devel']),
  lib('libcap', 'libcap2'),
  lib('libcap-devel', 'libcap-dev', ['libcap']),
];
