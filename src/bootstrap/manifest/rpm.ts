/**
 * Manifest: rpm split as EL9 splits it (rpm, rpm-libs, rpm-build, rpm-build-libs, rpm-sign and the
 * perl/python generators), and our redhat-rpm-config.
 */
import { BRP_LDCONFIG, BRP_STRIP_LTO, GPGVERIFY, HARDENED_CC1, HARDENED_LD, LIBSYMLINK_ATTR, MACROS_RPMDB, REDHAT_MACROS, REDHAT_RPMRC, RPM_CONFIG_DIR } from '../content/rpm-config.ts';
import type { ElPackageDef } from '../types.ts';

/** Files of Debian's `rpm` deb that EL's `rpm` package has (the rest are rpm-build's). */
const RPM_RUNTIME = [
  '/usr/bin/rpm', '/usr/bin/rpmdb', '/usr/bin/rpmkeys', '/usr/bin/rpmquery', '/usr/bin/rpmverify',
  '/usr/lib/rpm/rpmpopt-*', '/usr/lib/rpm/rpmdb_*', '/usr/lib/rpm/rpm.supp', '/usr/lib/rpm/rpm2cpio.sh', '/usr/lib/rpm/tgpg',
];

export const RPM_PACKAGES: ElPackageDef[] = [
  {
    name: 'rpm',
    from: ['rpm-common', 'rpm2cpio', { deb: 'rpm', paths: RPM_RUNTIME }],
    requires: ['rpm-libs', 'coreutils', 'popt'],
    files: [{ path: '/usr/lib/rpm/macros.d/macros.rpmdb', data: MACROS_RPMDB }],
    // Debian's plugins sit where its own rpm never loads them (it looks in %{_libdir}/rpm-plugins).
    exclude: ['/usr/lib/x86_64-linux-gnu/rpm-plugins/**', '/etc/dbus-1/**', '/usr/bin/rpmlua', '/usr/bin/rpmgraph'],
  },
  { name: 'rpm-libs', from: ['librpm9', 'librpmio9'] },
  { name: 'rpm-build-libs', from: ['librpmbuild9', 'librpmsign9'], requires: ['rpm-libs'] },
  { name: 'rpm-sign', from: [{ deb: 'rpm', paths: ['/usr/bin/rpmsign'] }], requires: ['rpm-build-libs'] },
  {
    // perl's dependency generators: rpm-build's fileattrs call them for perl files.
    name: 'perl-generators',
    from: [{ deb: 'rpm', paths: ['/usr/lib/rpm/perl.*', '/usr/lib/rpm/fileattrs/perl*.attr'] }],
    arch: 'noarch',
    requires: ['perl-interpreter', 'perl'],
  },
  {
    name: 'python3-rpm-generators',
    from: [{ deb: 'rpm', paths: ['/usr/lib/rpm/pythondistdeps.py', '/usr/lib/rpm/fileattrs/pythondist.attr'] }],
    arch: 'noarch',
    requires: ['python3-packaging'],
  },
  {
    name: 'rpm-build',
    from: ['rpm'],
    exclude: ['/usr/lib/rpm/rpm.daily'],
    // What rpmbuild and its scripts run, as EL9's rpm-build requires it.
    requires: [
      'rpm', 'rpm-build-libs', 'redhat-rpm-config', 'debugedit', 'binutils', 'elfutils', 'bash', 'bzip2', 'coreutils', 'cpio',
      'diffutils', 'file', 'findutils', 'gawk', 'glibc-common', 'grep', 'gzip', 'patch', 'sed', 'tar', 'unzip', 'xz', 'zstd',
    ],
  },
  {
    name: 'redhat-rpm-config',
    version: '199',
    arch: 'noarch',
    summary: 'EL9 rpm build settings (flags, %configure, debuginfo) for the distforge bootstrap platform',
    license: 'MIT',
    provides: ['system-rpm-config'],
    requires: ['rpm', 'dwz', 'file', 'findutils', 'grep', 'sed', 'coreutils', 'glibc-common'],
    files: [
      { path: `${RPM_CONFIG_DIR}/macros`, data: REDHAT_MACROS },
      { path: `${RPM_CONFIG_DIR}/rpmrc`, data: REDHAT_RPMRC },
      { path: `${RPM_CONFIG_DIR}/redhat-hardened-cc1`, data: HARDENED_CC1 },
      { path: `${RPM_CONFIG_DIR}/redhat-hardened-ld`, data: HARDENED_LD },
      { path: `${RPM_CONFIG_DIR}/brp-ldconfig`, data: BRP_LDCONFIG, mode: 0o755 },
      { path: `${RPM_CONFIG_DIR}/brp-strip-lto`, data: BRP_STRIP_LTO, mode: 0o755 },
      // %gpgverify (specs that check upstream signatures BuildRequire gnupg2 for it, as on EL9)
      { path: `${RPM_CONFIG_DIR}/gpgverify`, data: GPGVERIFY, mode: 0o755 },
      // -devel packages' lib*.so links require the library's soname, as EL9's do
      { path: '/usr/lib/rpm/fileattrs/libsymlink.attr', data: LIBSYMLINK_ATTR },
    ],
    copies: [
      { deb: 'autotools-dev', from: '/usr/share/misc/config.guess', to: `${RPM_CONFIG_DIR}/config.guess` },
      { deb: 'autotools-dev', from: '/usr/share/misc/config.sub', to: `${RPM_CONFIG_DIR}/config.sub` },
    ],
    // Debian's rpm reads its vendor macros and rpmrc here, after its own: the hook EL's layout needs.
    symlinks: { '/usr/lib/rpm/debian/macros': '../redhat/macros', '/usr/lib/rpm/debian/rpmrc': '../redhat/rpmrc' },
  },
];
