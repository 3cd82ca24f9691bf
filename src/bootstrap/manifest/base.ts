/**
 * Manifest: the base of every root — our filesystem, setup and release packages, bash, glibc and
 * the small tools of EL9's `buildsys-build` group.
 */
import { FILESYSTEM_FILES, FILESYSTEM_LINKS, MACROS_DIST, OS_RELEASE, RELEASE_LINE, SETUP_FILES } from '../content/base-files.ts';
import type { ElPackageDef } from '../types.ts';

const LIB_DIRS = ['/lib', '/usr/lib', '/lib64', '/usr/lib64'];

export const BASE_PACKAGES: ElPackageDef[] = [
  {
    name: 'filesystem',
    version: '3.16',
    summary: 'The basic directory layout of a distforge bootstrap EL9 root (merged /usr)',
    license: 'Public Domain',
    files: FILESYSTEM_FILES,
    symlinks: FILESYSTEM_LINKS,
  },
  {
    name: 'setup',
    version: '2.13.7',
    arch: 'noarch',
    summary: 'Accounts, shells, hosts and name service settings of a distforge bootstrap root',
    license: 'Public Domain',
    requires: ['filesystem'],
    files: SETUP_FILES,
  },
  {
    name: 'distforge-bootstrap-release',
    version: '9.0',
    summary: 'distforge bootstrap EL9 platform release files (Debian 12 binaries; not AlmaLinux)',
    license: 'MIT',
    provides: ['system-release', 'system-release(9)', 'system-release(releasever) = 9'],
    requires: ['setup'],
    files: [
      { path: '/usr/lib/os-release', data: OS_RELEASE, config: false },
      { path: '/etc/distforge-bootstrap-release', data: RELEASE_LINE },
      { path: '/usr/lib/rpm/macros.d/macros.dist', data: MACROS_DIST },
    ],
    symlinks: { '/etc/os-release': '../usr/lib/os-release', '/etc/system-release': 'distforge-bootstrap-release', '/etc/redhat-release': 'distforge-bootstrap-release' },
  },
  {
    // EL roots have bash as /bin/sh, never dash.
    name: 'bash',
    from: ['bash'],
    provides: ['/bin/sh', '/bin/bash'],
    symlinks: { '/usr/bin/sh': 'bash' },
    exclude: ['/usr/bin/clear_console', '/usr/share/debianutils/**', '/etc/skel/**'],
  },
  { name: 'coreutils', from: ['coreutils'], exclude: ['/usr/bin/md5sum.textutils'] },
  {
    name: 'glibc',
    from: ['libc6', { deb: 'libc-bin', paths: ['/usr/sbin/ldconfig', '/etc/ld.so.conf', '/etc/ld.so.conf.d/**', '/usr/bin/ldd', '/usr/bin/ld.so'] }],
    // ld.so provides no rtld(GNU_HASH) from its file; EL's glibc declares it as we do.
    provides: ['rtld(GNU_HASH)', '/sbin/ldconfig'],
    requires: ['filesystem', 'setup', 'glibc-common'],
    files: [
      // EL's library directory, searched at run time (Debian's ld.so does not know it).
      { path: '/etc/ld.so.conf.d/distforge-lib64.conf', data: '/usr/lib64\n' },
      { path: '/etc/ld.so.cache', ghost: true, config: true, data: '' },
    ],
    // EL9's glibc runs ldconfig once per transaction that adds or removes libraries, so spec
    // files' %ldconfig_scriptlets are empty. ldconfig runs from a shell body, as EL9's does: with
    // `-p /sbin/ldconfig`, rpm 4.18 would pass the trigger's count ("0") as an argument, which
    // ldconfig takes for a directory, and fail.
    fileTriggers: [
      { type: 'in', transaction: true, paths: LIB_DIRS, script: '/sbin/ldconfig', priority: 2_000_000 },
      { type: 'postun', transaction: true, paths: LIB_DIRS, script: '/sbin/ldconfig', priority: 2_000_000 },
    ],
    exclude: ['/usr/lib/x86_64-linux-gnu/libmemusage.so', '/usr/lib/x86_64-linux-gnu/libpcprofile.so'],
  },
  // The C.UTF-8 locale and the tools EL puts in glibc-common (iconv, getent, locale, …).
  { name: 'glibc-common', from: ['libc-bin', 'libc-dev-bin'], requires: ['glibc'], exclude: ['/usr/share/libc-bin/**', '/etc/default/**'] },
  {
    name: 'glibc-headers',
    from: [{ deb: 'libc6-dev', paths: ['/usr/include/**'] }],
    requires: ['kernel-headers'],
  },
  {
    name: 'glibc-devel',
    from: ['libc6-dev'],
    requires: ['glibc', 'glibc-headers', 'libxcrypt-devel'],
  },
  { name: 'kernel-headers', from: ['linux-libc-dev'] },
  { name: 'libxcrypt', from: ['libcrypt1'] },
  { name: 'libxcrypt-devel', from: ['libcrypt-dev'], requires: ['libxcrypt', 'glibc-devel'] },
  { name: 'rpcsvc-proto-devel', from: ['rpcsvc-proto'] },
  { name: 'libtirpc', from: ['libtirpc3', 'libtirpc-common'] },
  { name: 'libtirpc-devel', from: ['libtirpc-dev'], requires: ['libtirpc'] },
  { name: 'libnsl2', from: ['libnsl2'] },
  { name: 'libnsl2-devel', from: ['libnsl-dev'], requires: ['libnsl2', 'libtirpc-devel'] },

  { name: 'sed', from: ['sed'], provides: ['/bin/sed'] },
  { name: 'grep', from: ['grep'], provides: ['/bin/grep', '/bin/egrep', '/bin/fgrep'] },
  { name: 'gawk', from: ['gawk'], provides: ['/bin/awk', '/bin/gawk', 'awk'], symlinks: { '/usr/bin/awk': 'gawk' }, exclude: ['/etc/profile.d/gawk.csh', '/usr/bin/gawkbug'] },
  { name: 'findutils', from: ['findutils'] },
  { name: 'tar', from: ['tar'], symlinks: { '/usr/bin/gtar': 'tar' }, exclude: ['/usr/sbin/rmt-tar', '/etc/rmt', '/usr/sbin/tarcat'] },
  { name: 'gzip', from: ['gzip'] },
  { name: 'bzip2', from: ['bzip2'] },
  { name: 'bzip2-libs', from: ['libbz2-1.0'] },
  { name: 'bzip2-devel', from: ['libbz2-dev'], requires: ['bzip2-libs'] },
  {
    name: 'xz',
    from: ['xz-utils'],
    // Debian's update-alternatives links for the lzma names: real links here, as on EL.
    symlinks: {
      '/usr/bin/lzma': 'xz', '/usr/bin/unlzma': 'unxz', '/usr/bin/lzcat': 'xzcat', '/usr/bin/lzcmp': 'xzcmp', '/usr/bin/lzdiff': 'xzdiff',
      '/usr/bin/lzegrep': 'xzegrep', '/usr/bin/lzfgrep': 'xzfgrep', '/usr/bin/lzgrep': 'xzgrep', '/usr/bin/lzless': 'xzless', '/usr/bin/lzmore': 'xzmore',
    },
  },
  { name: 'xz-libs', from: ['liblzma5'] },
  { name: 'xz-devel', from: ['liblzma-dev'], requires: ['xz-libs'] },
  { name: 'zstd', from: ['zstd'] },
  { name: 'libzstd', from: ['libzstd1'] },
  { name: 'libzstd-devel', from: ['libzstd-dev'], requires: ['libzstd'] },
  { name: 'cpio', from: ['cpio'], exclude: ['/usr/bin/mt-gnu'] },
  { name: 'diffutils', from: ['diffutils'] },
  { name: 'file', from: ['file'], requires: ['file-libs'] },
  { name: 'file-libs', from: ['libmagic1', 'libmagic-mgc'] },
  { name: 'unzip', from: ['unzip'] },
  { name: 'which', from: [{ deb: 'debianutils', paths: ['/usr/bin/which.debianutils'] }], symlinks: { '/usr/bin/which': 'which.debianutils' } },
  {
    name: 'util-linux',
    from: ['util-linux', 'util-linux-extra', 'mount'],
    requires: ['libmount', 'libblkid', 'libuuid', 'libsmartcols', 'pam'],
    exclude: ['/etc/default/**', '/usr/sbin/hwclock', '/usr/share/util-linux/**'],
  },
  { name: 'libmount', from: ['libmount1'] },
  { name: 'libblkid', from: ['libblkid1'] },
  { name: 'libuuid', from: ['libuuid1'] },
  { name: 'libsmartcols', from: ['libsmartcols1'] },
  {
    name: 'shadow-utils',
    from: ['passwd'],
    requires: ['setup'],
    exclude: ['/usr/sbin/shadowconfig', '/usr/lib/tmpfiles.d/**'],
    files: [
      {
        path: '/etc/login.defs',
        data: [
          '# Account defaults of a distforge bootstrap root (EL9 values).',
          'MAIL_DIR\t/var/spool/mail', 'UMASK\t\t022', 'HOME_MODE\t0700',
          'PASS_MAX_DAYS\t99999', 'PASS_MIN_DAYS\t0', 'PASS_WARN_AGE\t7',
          'UID_MIN\t\t1000', 'UID_MAX\t\t60000', 'SYS_UID_MIN\t201', 'SYS_UID_MAX\t999',
          'GID_MIN\t\t1000', 'GID_MAX\t\t60000', 'SYS_GID_MIN\t201', 'SYS_GID_MAX\t999',
          'CREATE_HOME\tyes', 'USERGROUPS_ENAB\tyes', 'ENCRYPT_METHOD\tSHA512', '',
        ].join('\n'),
      },
    ],
  },
  { name: 'pam', from: ['libpam0g', 'libpam-modules', 'libpam-modules-bin'] },
  { name: 'info', from: ['info', 'install-info'], exclude: ['/usr/sbin/update-info-dir', '/usr/share/applications/**'] },
  { name: 'patch', from: ['patch'] },
  { name: 'make', from: ['make'], exclude: ['/usr/bin/make-first-existing-target'] },
  { name: 'ed', from: ['ed'] },
  { name: 'm4', from: ['m4'] },
  { name: 'ncurses', from: ['ncurses-bin'], requires: ['ncurses-libs'] },
  { name: 'ncurses-libs', from: ['libtinfo6', 'libncursesw6', 'libncurses6'], requires: ['ncurses-base'] },
  { name: 'ncurses-base', from: ['ncurses-base'] },
  { name: 'ncurses-devel', from: ['libncurses-dev'], requires: ['ncurses-libs'] },
  { name: 'readline', from: ['libreadline8', 'readline-common'] },
  { name: 'readline-devel', from: ['libreadline-dev'], requires: ['readline', 'ncurses-devel'] },
];
