/**
 * The manifest of the bootstrap repository: every EL package it has, what each is made from, and
 * the group a platform installs to get a build root. To add a package, add an entry to the file of
 * its kind (base, toolchain, rpm, libs, lang): its EL9 name, the Debian package(s) in `from`, and
 * the Provides/Requires/links EL has that the files cannot tell rpm's generators; run the tests
 * (`dnf repoclosure` over the repository tells what is missing). docs/bootstrap.md has the rules.
 */
import { UsageError } from '../../errors.ts';
import type { ElPackageDef, GroupDef } from '../types.ts';
import { BASE_PACKAGES } from './base.ts';
import { LANGUAGE_PACKAGES } from './lang.ts';
import { LIBRARY_PACKAGES } from './libs.ts';
import { RPM_PACKAGES } from './rpm.ts';
import { TOOLCHAIN_PACKAGES } from './toolchain.ts';

/** Every EL package of the bootstrap repository. */
export const MANIFEST: readonly ElPackageDef[] = [...BASE_PACKAGES, ...TOOLCHAIN_PACKAGES, ...RPM_PACKAGES, ...LIBRARY_PACKAGES, ...LANGUAGE_PACKAGES];

/**
 * Debs apt pulls in through Debian's own dependencies that an EL root does without: dpkg and
 * debconf plumbing, Debian's base-files (our filesystem/setup/release replace it), TeX glue.
 * Anything else left unused is reported, so a new dependency in the archive gets noticed.
 */
export const DEBIAN_ONLY: ReadonlySet<string> = new Set([
  'dpkg', 'debconf', 'base-files', 'sensible-utils', 'ucf', 'tex-common', 'media-types', 'libmd0', 'init-system-helpers',
]);

/** EL9's `buildsys-build` members, under our names: what mock installs into every build root. */
export const GROUPS: readonly GroupDef[] = [
  {
    id: 'buildsys-build',
    name: 'Buildsystem building group',
    description: 'The packages every build root starts with (EL9 buildsys-build, distforge bootstrap).',
    packages: [
      'bash', 'bzip2', 'coreutils', 'cpio', 'diffutils', 'distforge-bootstrap-release', 'findutils', 'gawk', 'glibc', 'grep', 'gzip',
      'info', 'patch', 'redhat-rpm-config', 'rpm-build', 'sed', 'shadow-utils', 'tar', 'unzip', 'util-linux', 'which', 'xz',
    ],
  },
];

/** The deb names a source names. */
export function sourceDeb(s: NonNullable<ElPackageDef['from']>[number]): string {
  return typeof s === 'string' ? s : s.deb;
}

/** Every deb the manifest names (the seeds apt resolves), sorted. */
export function manifestDebs(manifest: readonly ElPackageDef[] = MANIFEST): string[] {
  const debs = new Set<string>();
  for (const p of manifest) {
    for (const s of p.from ?? []) debs.add(sourceDeb(s));
    for (const c of p.copies ?? []) debs.add(c.deb);
  }
  return [...debs].sort();
}

/**
 * Checks the manifest's own consistency: unique names, at most one package taking the whole of a
 * deb, versions for our own packages, group members that exist.
 * @throws UsageError naming the problem.
 */
export function validateManifest(manifest: readonly ElPackageDef[] = MANIFEST, groups: readonly GroupDef[] = GROUPS): void {
  const names = new Set<string>();
  const whole = new Map<string, string>();
  for (const p of manifest) {
    if (names.has(p.name)) throw new UsageError(`bootstrap manifest: package ${p.name} is listed twice`);
    names.add(p.name);
    if (!p.from?.length && p.version === undefined) throw new UsageError(`bootstrap manifest: ${p.name} is made from no deb and has no version`);
    for (const s of p.from ?? []) {
      if (typeof s !== 'string') continue;
      const other = whole.get(s);
      if (other) throw new UsageError(`bootstrap manifest: deb ${s} is taken whole by both ${other} and ${p.name}`);
      whole.set(s, p.name);
    }
  }
  for (const g of groups) {
    for (const m of g.packages) if (!names.has(m)) throw new UsageError(`bootstrap manifest: group ${g.id} names ${m}, which the manifest does not make`);
  }
}
