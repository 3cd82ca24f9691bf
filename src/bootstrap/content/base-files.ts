/**
 * Content we write for the base packages of the bootstrap platform: the `filesystem` tree, the
 * `setup` files and the release package. Written for distforge from what an EL9 root needs; the
 * user and group numbers are the long-standing fixed assignments every EL system shares.
 */
import type { OwnFile } from '../types.ts';

/** Directories of `filesystem`, with EL's modes (default 0755). */
const DIRECTORIES: [string, number?][] = [
  ['/afs'], ['/boot', 0o555], ['/dev'], ['/etc'], ['/etc/opt'], ['/etc/pki'], ['/etc/skel'], ['/etc/sysconfig'],
  ['/etc/ld.so.conf.d'], ['/etc/profile.d'], ['/etc/rpm'], ['/home'], ['/media'], ['/mnt'], ['/opt'],
  ['/proc', 0o555], ['/root', 0o550], ['/run'], ['/run/lock'], ['/srv'], ['/sys', 0o555], ['/tmp', 0o1777],
  ['/usr'], ['/usr/bin'], ['/usr/include'], ['/usr/lib'], ['/usr/lib/debug'], ['/usr/lib/debug/usr'],
  ['/usr/lib/locale'], ['/usr/lib/modules'], ['/usr/lib/sysimage'], ['/usr/lib64'], ['/usr/libexec'],
  ['/usr/local'], ['/usr/local/bin'], ['/usr/local/etc'], ['/usr/local/games'], ['/usr/local/include'],
  ['/usr/local/lib'], ['/usr/local/lib64'], ['/usr/local/libexec'], ['/usr/local/sbin'], ['/usr/local/share'],
  ['/usr/local/src'], ['/usr/sbin'], ['/usr/share'], ['/usr/share/aclocal'], ['/usr/share/applications'],
  ['/usr/share/doc'], ['/usr/share/empty', 0o555], ['/usr/share/info'], ['/usr/share/licenses'], ['/usr/share/man'],
  ['/usr/share/man/man1'], ['/usr/share/man/man3'], ['/usr/share/man/man5'], ['/usr/share/man/man8'],
  ['/usr/share/misc'], ['/usr/share/pkgconfig'], ['/usr/src'], ['/usr/src/debug'], ['/usr/src/kernels'],
  // Debian's multiarch library directory, kept because the Debian toolchain looks there.
  ['/usr/lib/x86_64-linux-gnu'], ['/usr/include/x86_64-linux-gnu'],
  ['/var'], ['/var/adm'], ['/var/cache'], ['/var/db'], ['/var/empty'], ['/var/ftp'], ['/var/games'], ['/var/lib'],
  ['/var/lib/games'], ['/var/lib/misc'], ['/var/lib/rpm-state'], ['/var/local'], ['/var/log'], ['/var/nis'],
  ['/var/opt'], ['/var/preserve'], ['/var/spool'], ['/var/spool/lpd'], ['/var/spool/mail', 0o775], ['/var/tmp', 0o1777],
  ['/var/yp'],
];

/** The merged-/usr links and EL's other compatibility links. */
const LINKS: Record<string, string> = {
  '/bin': 'usr/bin',
  '/sbin': 'usr/sbin',
  '/lib': 'usr/lib',
  '/lib64': 'usr/lib64',
  '/usr/tmp': '../var/tmp',
  '/var/lock': '../run/lock',
  '/var/run': '../run',
  '/var/mail': 'spool/mail',
  '/usr/lib/debug/bin': 'usr/bin',
  '/usr/lib/debug/sbin': 'usr/sbin',
  '/usr/lib/debug/lib': 'usr/lib',
  '/usr/lib/debug/lib64': 'usr/lib64',
};

/** Every directory `filesystem` owns; other packages do not list these again. */
export const FILESYSTEM_DIRS: ReadonlySet<string> = new Set(['/', ...DIRECTORIES.map(([p]) => p), ...Object.keys(LINKS)]);

export const FILESYSTEM_FILES: OwnFile[] = DIRECTORIES.map(([path, mode]) => ({ path, dir: true, mode: mode ?? 0o755 }));
export const FILESYSTEM_LINKS = LINKS;

const USERS = [
  'root:x:0:0:root:/root:/bin/bash',
  'bin:x:1:1:bin:/bin:/sbin/nologin',
  'daemon:x:2:2:daemon:/sbin:/sbin/nologin',
  'adm:x:3:4:adm:/var/adm:/sbin/nologin',
  'lp:x:4:7:lp:/var/spool/lpd:/sbin/nologin',
  'sync:x:5:0:sync:/sbin:/bin/sync',
  'shutdown:x:6:0:shutdown:/sbin:/sbin/shutdown',
  'halt:x:7:0:halt:/sbin:/sbin/halt',
  'mail:x:8:12:mail:/var/spool/mail:/sbin/nologin',
  'operator:x:11:0:operator:/root:/sbin/nologin',
  'games:x:12:100:games:/usr/games:/sbin/nologin',
  'ftp:x:14:50:FTP User:/var/ftp:/sbin/nologin',
  'nobody:x:65534:65534:Kernel Overflow User:/:/sbin/nologin',
];

const GROUPS = [
  'root:0', 'bin:1', 'daemon:2', 'sys:3', 'adm:4', 'tty:5', 'disk:6', 'lp:7', 'mem:8', 'kmem:9', 'wheel:10',
  'cdrom:11', 'mail:12', 'man:15', 'dialout:18', 'floppy:19', 'games:20', 'utmp:22', 'tape:33', 'video:39',
  'ftp:50', 'lock:54', 'audio:63', 'users:100', 'nobody:65534',
];

const lines = (l: string[]): string => `${l.join('\n')}\n`;
const names = (l: string[]): string[] => l.map((e) => e.split(':')[0] ?? e);

/** The files of `setup`: accounts, shells, hosts and name service switch. */
export const SETUP_FILES: OwnFile[] = [
  { path: '/etc/passwd', data: lines(USERS) },
  { path: '/etc/group', data: lines(GROUPS.map((g) => { const [n, id] = g.split(':'); return `${n}:x:${id}:`; })) },
  // No passwords: every account is locked. 0000 as on EL (only root, which ignores modes, reads them).
  { path: '/etc/shadow', mode: 0o000, data: lines(names(USERS).map((n) => `${n}:*:19000:0:99999:7:::`)) },
  { path: '/etc/gshadow', mode: 0o000, data: lines(GROUPS.map((g) => `${g.split(':')[0]}:::`)) },
  { path: '/etc/shells', data: lines(['/bin/sh', '/bin/bash', '/usr/bin/sh', '/usr/bin/bash']) },
  { path: '/etc/hosts', data: lines(['127.0.0.1   localhost localhost.localdomain localhost4 localhost4.localdomain4', '::1         localhost localhost.localdomain localhost6 localhost6.localdomain6']) },
  {
    path: '/etc/nsswitch.conf',
    data: lines(['# Name service switch of a distforge bootstrap root: local files first.', 'passwd:     files', 'shadow:     files', 'group:      files', 'hosts:      files dns', 'services:   files', 'netgroup:   files', 'automount:  files', 'aliases:    files']),
  },
  { path: '/etc/environment', data: '' },
  { path: '/etc/motd', data: '' },
  {
    path: '/etc/profile',
    data: lines([
      '# /etc/profile of a distforge bootstrap root: the search path and the profile.d snippets.',
      'PATH=/usr/local/bin:/usr/bin:/usr/local/sbin:/usr/sbin',
      'export PATH',
      'for f in /etc/profile.d/*.sh; do [ -r "$f" ] && . "$f"; done',
      'unset f',
    ]),
  },
  { path: '/etc/bashrc', data: lines(['# /etc/bashrc of a distforge bootstrap root: nothing beyond bash\'s defaults.', '[ -z "$PS1" ] || PS1=\'[\\u@\\h \\W]\\$ \'']) },
];

/** Content of /etc/os-release (and /usr/lib/os-release): names the bootstrap, never AlmaLinux. */
export const OS_RELEASE = lines([
  'NAME="distforge bootstrap"',
  'VERSION="9 (EL9 bootstrap from Debian 12 packages)"',
  'ID="distforge-bootstrap"',
  'ID_LIKE="rhel centos fedora"',
  'VERSION_ID="9"',
  'PLATFORM_ID="platform:el9"',
  'PRETTY_NAME="distforge bootstrap of EL9 (Debian 12 binaries; not AlmaLinux, not RHEL)"',
  'ANSI_COLOR="0;36"',
  'HOME_URL="https://distforge.invalid/bootstrap"',
]);

/** /usr/lib/rpm/macros.d/macros.dist: the EL9 dist macros. */
export const MACROS_DIST = lines([
  '# The dist macros of the distforge bootstrap platform: it builds as EL9 does.',
  '%rhel 9',
  '%el9 1',
  '%dist .el9',
  '%dist_vendor distforge bootstrap',
  '%dist_name distforge bootstrap of EL9',
]);

/** One line naming the platform, for /etc/distforge-bootstrap-release. */
export const RELEASE_LINE = 'distforge bootstrap release 9 (EL9 build root from Debian 12 packages)\n';
