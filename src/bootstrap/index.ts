/**
 * The bootstrap platform repository maker (docs/bootstrap.md): a dnf repository of RPMs named and
 * providing as an EL9 build root's packages do, made reproducibly from this host's Debian 12
 * packages, for platforms that cannot reach real EL repositories (first start, tests).
 */
export { makeBootstrapRepo } from './make.ts';
export { BootstrapError } from './errors.ts';
export { DEBIAN_ONLY, GROUPS, MANIFEST, manifestDebs, validateManifest } from './manifest/index.ts';
export { elVersion } from './package.ts';
export { BOOTSTRAP_ARCHES } from './types.ts';
export type {
  BootstrapArch,
  BootstrapDeb,
  BootstrapOptions,
  BootstrapPackage,
  BootstrapProgress,
  BootstrapResult,
  DebSource,
  ElPackageDef,
  GroupDef,
  OwnFile,
} from './types.ts';
