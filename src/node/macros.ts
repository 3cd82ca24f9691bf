/**
 * The rpm macros of a build: EL-style defaults, then the platform's macros, then the ones the node
 * must control (paths inside the sandbox, the private rpmdb). Passed to rpmbuild with `--define`
 * (`--load` is dropped when --target is given, and the node never writes ~/.rpmmacros).
 *
 * Defaults (see ../shared/docs/TOOLCHAIN.md): `%dist` from the platform, zstd payloads
 * (`w19.zstdio`, Debian's default is gzip -9), `/bin/bash` as the build shell (Debian's /bin/sh is
 * dash), `/usr/bin/gpg` (the default gpg2 path does not exist), the build host's name.
 */
import { UsageError } from '../errors.ts';
import type { NodePlatform } from './types.ts';

const MACRO_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Paths inside the sandbox the node sets whatever the platform says. */
export interface SandboxPaths {
  topdir: string;
  dbpath: string;
}

/** The macros for a build on `platform` by host `buildHost`. */
export function buildMacros(platform: NodePlatform, buildHost: string, paths: SandboxPaths): Record<string, string> {
  const defaults: Record<string, string> = {
    _binary_payload: 'w19.zstdio',
    _source_payload: 'w19.zstdio',
    _buildshell: '/bin/bash',
    __gpg: '/usr/bin/gpg',
    _buildhost: buildHost,
    vendor: 'distforge',
    distribution: platform.name,
  };
  const fixed: Record<string, string> = {
    dist: platform.distTag,
    _topdir: paths.topdir,
    _tmppath: `${paths.topdir}/tmp`,
    _dbpath: paths.dbpath,
    _builddir: `${paths.topdir}/BUILD`,
    _rpmdir: `${paths.topdir}/RPMS`,
    _srcrpmdir: `${paths.topdir}/SRPMS`,
    _buildrootdir: `${paths.topdir}/BUILDROOT`,
  };
  const platformMacros: Record<string, string> = {};
  for (const [k, v] of Object.entries(platform.macros ?? {})) {
    const name = k.replace(/^%/, '');
    if (!MACRO_NAME.test(name)) throw new UsageError(`platform ${platform.name}: bad macro name ${JSON.stringify(k)}`);
    if (/[\n\r]/.test(String(v))) throw new UsageError(`platform ${platform.name}: macro ${name} spans lines`);
    platformMacros[name] = String(v);
  }
  return { ...defaults, ...platformMacros, ...fixed };
}

/** `--define 'name value'` arguments, in a stable order. */
export function defineArgs(macros: Record<string, string>): string[] {
  return Object.entries(macros).flatMap(([k, v]) => ['--define', `${k} ${v}`]);
}
