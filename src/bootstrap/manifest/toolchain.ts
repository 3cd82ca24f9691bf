/**
 * Manifest: the compilers, binutils and the tools EL specs build with (autotools, flex, bison,
 * gettext, texinfo, meson, ninja, pkgconf, gnupg2 for %gpgverify), and the debuginfo tools rpm-build
 * runs.
 */
import { MESON_MACROS, PKG_CONFIG_WRAPPER } from '../content/rpm-config.ts';
import type { ElPackageDef } from '../types.ts';

const GCC_LIB = '/usr/lib/gcc/x86_64-linux-gnu/12';

export const TOOLCHAIN_PACKAGES: ElPackageDef[] = [
  {
    name: 'gcc',
    from: ['gcc-12', 'gcc', 'libgcc-12-dev', 'gcc-12-base'],
    requires: ['cpp', 'binutils', 'glibc-devel', 'libgcc', 'libgomp'],
    // Debian's update-alternatives link cc and the POSIX c89/c99 names: real links, as on EL.
    symlinks: { '/usr/bin/cc': 'gcc', '/usr/bin/c89': 'c89-gcc', '/usr/bin/c99': 'c99-gcc' },
  },
  {
    name: 'gcc-gdb-plugin',
    from: ['libcc1-0', { deb: 'gcc-12', paths: [`${GCC_LIB}/libcc1.so`, `${GCC_LIB}/plugin/libc[cp]1plugin.so*`] }],
    requires: ['gcc'],
  },
  { name: 'cpp', from: ['cpp-12', 'cpp'] },
  { name: 'gcc-c++', from: ['g++-12', 'g++'], requires: ['gcc', 'libstdc++-devel'], symlinks: { '/usr/bin/c++': 'g++' } },
  { name: 'libgcc', from: ['libgcc-s1'] },
  { name: 'libstdc++', from: ['libstdc++6'] },
  { name: 'libstdc++-devel', from: ['libstdc++-12-dev'], requires: ['libstdc++'] },
  { name: 'libgomp', from: ['libgomp1'] },
  { name: 'libatomic', from: ['libatomic1'] },
  { name: 'libitm', from: ['libitm1'] },
  { name: 'libquadmath', from: ['libquadmath0'] },
  { name: 'libasan', from: ['libasan8'] },
  { name: 'liblsan', from: ['liblsan0'] },
  { name: 'libtsan', from: ['libtsan2'] },
  { name: 'libubsan', from: ['libubsan1'] },
  {
    name: 'binutils',
    from: ['binutils', 'binutils-x86-64-linux-gnu', 'binutils-common', 'libbinutils', 'libctf0', 'libctf-nobfd0'],
    exclude: ['/usr/lib/compat-ld/**', '/usr/lib/gold-ld/**'],
  },
  {
    // The profiler apart, as on EL9: its HTML report is a perl script, which binutils does without.
    name: 'binutils-gprofng',
    from: ['libgprofng0', { deb: 'binutils', paths: ['/usr/bin/gp-*', '/usr/bin/gprofng'] }, { deb: 'binutils-x86-64-linux-gnu', paths: ['/usr/bin/x86_64-linux-gnu-gp-*', '/usr/bin/x86_64-linux-gnu-gprofng', '/usr/lib/x86_64-linux-gnu/gprofng/**'] }, { deb: 'binutils-common', paths: ['/etc/gprofng.rc'] }],
    requires: ['binutils'],
  },
  { name: 'jansson', from: ['libjansson4'] },
  { name: 'elfutils', from: ['elfutils'], requires: ['elfutils-libs'] },
  { name: 'elfutils-libs', from: ['libdw1', 'libasm1'], requires: ['elfutils-libelf'] },
  { name: 'elfutils-libelf', from: ['libelf1'] },
  { name: 'dwz', from: ['dwz'] },
  {
    // find-debuginfo: what EL9's %debug_package runs; it calls these tools by name.
    name: 'debugedit',
    from: ['debugedit'],
    requires: ['binutils', 'elfutils', 'dwz', 'xz', 'cpio', 'file', 'findutils', 'gawk', 'grep', 'sed', 'coreutils'],
  },

  {
    // gpg and gpgv, for %gpgverify in %prep (specs checking upstream signatures BuildRequire gnupg2).
    name: 'gnupg2',
    from: ['gpg', 'gpgv', 'gpgconf'],
    symlinks: { '/usr/bin/gpg2': 'gpg', '/usr/bin/gpgv2': 'gpgv' },
  },

  { name: 'autoconf', from: ['autoconf'], requires: ['m4', 'perl'], exclude: ['/etc/emacs/**', '/usr/share/emacs/**'] },
  {
    name: 'automake',
    from: ['automake', 'autotools-dev'],
    requires: ['autoconf', 'perl'],
    // Debian's update-alternatives names for the current automake.
    symlinks: { '/usr/bin/automake': 'automake-1.16', '/usr/bin/aclocal': 'aclocal-1.16' },
    exclude: ['/usr/bin/dh_autotools-dev_*', '/usr/share/perl5/Debian/**'],
  },
  { name: 'libtool', from: ['libtool', 'libtool-bin'], requires: ['autoconf', 'automake', 'gcc', 'm4', 'sed', 'tar', 'findutils'] },
  { name: 'libtool-ltdl', from: ['libltdl7'] },
  { name: 'libtool-ltdl-devel', from: ['libltdl-dev'], requires: ['libtool-ltdl', 'automake'] },
  { name: 'flex', from: ['flex'], requires: ['m4'] },
  { name: 'bison', from: ['bison'], requires: ['m4'], symlinks: { '/usr/bin/yacc': 'bison.yacc' } },
  {
    name: 'gettext',
    from: ['gettext', 'gettext-base'],
    requires: ['gettext-libs'],
    exclude: ['/usr/share/java/**', '/usr/share/maven-repo/**', '/usr/share/gettext/javaversion.class'],
  },
  { name: 'gettext-libs', from: [{ deb: 'gettext', paths: ['/usr/lib/x86_64-linux-gnu/lib*.so', '/usr/lib/x86_64-linux-gnu/preloadable_libintl.so'] }] },
  {
    name: 'gettext-devel',
    from: ['autopoint', { deb: 'gettext', paths: ['/usr/bin/gettextize', '/usr/share/aclocal/**', '/usr/share/gettext/config.rpath', '/usr/share/gettext/po/**', '/usr/share/gettext/gettext.h', '/usr/share/gettext/ABOUT-NLS'] }],
    requires: ['gettext', 'xz', 'tar', 'diffutils'],
  },
  // Locale::gettext_xs is an optional accelerator texinfo loads when it is there.
  { name: 'texinfo', from: ['texinfo'], requires: ['perl'], requiresExclude: '^perl\\(Locale::gettext_xs\\)', exclude: ['/usr/share/texmf/**', '/usr/bin/pdftexi2dvi', '/usr/bin/texi2pdf', '/usr/bin/texi2dvi'] },
  {
    name: 'meson',
    from: ['meson'],
    requires: ['ninja-build', 'python3'],
    provides: ['python3dist(meson)', 'python3.11dist(meson)'],
    files: [{ path: '/usr/lib/rpm/macros.d/macros.meson', data: MESON_MACROS }],
    exclude: ['/usr/share/meson/debcrossgen', '/usr/share/polkit-1/**'],
  },
  { name: 'ninja-build', from: ['ninja-build'], symlinks: { '/usr/bin/ninja-build': 'ninja' }, exclude: ['/usr/share/emacs/**', '/usr/share/vim/**'] },
  { name: 'pkgconf', from: ['pkgconf-bin'], requires: ['libpkgconf'] },
  { name: 'libpkgconf', from: ['libpkgconf3'] },
  {
    name: 'pkgconf-pkg-config',
    from: ['pkgconf'],
    requires: ['pkgconf', 'pkgconf-m4'],
    provides: ['pkgconfig = 1:0.29.1', 'pkg-config = 1:0.29.1'],
    exclude: ['/usr/bin/pkg-config', '/usr/bin/x86_64-linux-gnu-pkg-config', '/usr/bin/x86_64-linux-gnu-pkgconf'],
    files: [{ path: '/usr/bin/pkg-config', data: PKG_CONFIG_WRAPPER, mode: 0o755 }],
  },
  { name: 'pkgconf-m4', from: [{ deb: 'pkgconf', paths: ['/usr/share/aclocal/pkg.m4'] }], arch: 'noarch' },
];
