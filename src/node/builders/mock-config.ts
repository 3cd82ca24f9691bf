/**
 * The mock builder's configuration: for nodes on EL hosts with mock installed, a mock `.cfg`
 * (Python, as mock reads it) made from the platform: the chroot's name and arch, the dist tag and
 * the platform's macros, and a dnf.conf holding the platform's repositories. mock itself is not
 * packaged for Debian, so this module is tested through the configuration it writes.
 *
 * noarch: mock builds noarch packages in a chroot of a real arch, as Koji does; the platform's
 * first real arch is used.
 */
import { UsageError } from '../../errors.ts';
import { buildMacros } from '../macros.ts';
import type { NodePlatform } from '../types.ts';

/** Host arches able to run a chroot of each arch (mock's legal_host_arches). */
const LEGAL_HOST_ARCHES: Record<string, string[]> = {
  x86_64: ['x86_64'],
  i686: ['i386', 'i586', 'i686', 'x86_64'],
  aarch64: ['aarch64'],
  ppc64le: ['ppc64le'],
  s390x: ['s390x'],
};

/** What the platform installs first into a root (its `buildroot.install`), as mock's chroot_setup_cmd. */
function chrootSetup(platform: NodePlatform): string {
  const install = platform.buildroot?.install ?? ['@buildsys-build'];
  return `install ${install.map((x) => oneLine('buildroot.install entry', x)).join(' ')}`;
}

/** Macros mock sets itself (paths of its own chroot), left out of the configuration. */
const MOCK_OWNED = new Set(['_topdir', '_tmppath', '_dbpath', '_builddir', '_rpmdir', '_srcrpmdir', '_buildrootdir']);

/** A Python string literal. */
export function pyString(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n').replace(/\r/g, '\\r')}'`;
}

function oneLine(what: string, value: string): string {
  if (/[\r\n]/.test(value)) throw new UsageError(`${what} spans lines: ${JSON.stringify(value)}`);
  return value;
}

/** The `[section]` name of a repository in dnf.conf. */
function repoId(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_') || 'repo';
}

/** The dnf.conf mock gives dnf inside the chroot. */
function dnfConf(platform: NodePlatform, releasever: string): string {
  const lines = [
    '[main]',
    'keepcache=1',
    'debuglevel=2',
    'reposdir=/dev/null',
    'logfile=/var/log/yum.log',
    'retries=20',
    'obsoletes=1',
    'gpgcheck=0',
    'assumeyes=1',
    'syslog_ident=mock',
    'syslog_device=',
    'install_weak_deps=0',
    'metadata_expire=0',
    'best=1',
    'protected_packages=',
    `module_platform_id=platform:el${releasever}`,
    'user_agent=distforge-mock',
  ];
  for (const r of platform.repositories ?? []) {
    lines.push(
      '',
      `[${repoId(oneLine('repository name', r.name))}]`,
      `name=${oneLine('repository name', r.name)}`,
      `baseurl=${oneLine('repository URL', r.url)}`,
      'enabled=1',
      'skip_if_unavailable=False',
      'module_hotfixes=1',
      ...(r.gpgcheck === true && r.gpgkey ? ['gpgcheck=1', `gpgkey=${oneLine('repository key URL', r.gpgkey)}`] : ['gpgcheck=0']),
    );
  }
  return `${lines.join('\n')}\n`;
}

/** The chroot arch of a build for `arch` on `platform`. */
function chrootArch(platform: NodePlatform, arch: string): string {
  if (arch !== 'noarch') return arch;
  const real = platform.arches.find((a) => a !== 'noarch' && a !== 'src');
  if (real === undefined) throw new UsageError(`platform ${platform.name} has no real arch to build noarch packages on`);
  return real;
}

/** The text of a mock configuration building `platform`'s packages for `arch`. */
export function mockConfig(platform: NodePlatform, arch: string): string {
  if (!platform.arches.includes(arch)) throw new UsageError(`platform ${platform.name} does not build for ${arch} (arches: ${platform.arches.join(', ')})`);
  const target = chrootArch(platform, arch);
  const macros = buildMacros(platform, 'mock', { topdir: '/builddir/build', dbpath: '/var/lib/rpm' });
  // mock names its build host after the chroot unless told otherwise; keep the platform's if set.
  if (platform.macros?._buildhost === undefined) delete macros._buildhost;
  const dist = platform.distTag.replace(/^\./, '');
  const releasever = platform.buildroot?.releasever ?? /(\d+)/.exec(dist)?.[1] ?? '9';
  const opt = (key: string, value: string): string => `config_opts[${pyString(key)}] = ${value}`;
  const lines = [
    `# mock configuration for ${oneLine('platform name', platform.name)} (${arch}), written by distforge`,
    opt('root', pyString(`${platform.name}-${target}`)),
    opt('target_arch', pyString(target)),
    opt('legal_host_arches', `(${(LEGAL_HOST_ARCHES[target] ?? [target]).map(pyString).join(', ')},)`),
    opt('chroot_setup_cmd', pyString(chrootSetup(platform))),
    opt('dist', pyString(dist)),
    opt('releasever', pyString(releasever)),
    opt('package_manager', pyString('dnf')),
    opt('rpmbuild_networking', 'False'),
    opt('use_host_resolv', 'False'),
    opt('use_bootstrap', 'False'),
    opt('nosync', 'True'),
  ];
  for (const [k, v] of Object.entries(macros)) {
    if (MOCK_OWNED.has(k)) continue;
    lines.push(`config_opts['macros'][${pyString(`%${k}`)}] = ${pyString(oneLine(`macro ${k}`, v))}`);
  }
  lines.push(opt('dnf.conf', pyString(dnfConf(platform, releasever))));
  return `${lines.join('\n')}\n`;
}
