/**
 * The metadata of a dnf repository, as plain data: what primary.xml, filelists.xml and other.xml
 * say about each package, and what updateinfo.xml says about advisories.
 *
 * Everything that renders or reads repodata speaks these types, so a repository read from disk (our
 * own, createrepo_c's, an upstream mirror's) can be rendered again without its RPM files, and the
 * database can hold packages in the same shape.
 *
 * Terminology:
 * - pkgId: the checksum of the whole package file (sha256 by default), hex; it joins a package's
 *   entries in primary, filelists and other.
 * - location href: the package file's path relative to the repository root (`Packages/a.rpm`);
 *   location base, when set, is a URL prefix clients use instead of the repository's URL.
 * - header range: [start, end) of the package's main header in the file, so a client can fetch
 *   just the header with an HTTP range request.
 * - primary files: the subset of a package's files listed in primary.xml (see `isPrimaryFile`); the
 *   full list is in filelists.xml.
 * - pre: a requirement needed before the package's scriptlets run (`Requires(pre)` and friends).
 */

/** A comparison operator as repodata writes it. */
export type RepoDepFlag = 'EQ' | 'LT' | 'LE' | 'GT' | 'GE';

/** One dependency entry (`<rpm:entry name= flags= epoch= ver= rel= pre=/>`). */
export interface RepoDependency {
  name: string;
  /** null: unversioned; then epoch, version and release are null too. */
  flags: RepoDepFlag | null;
  /** createrepo_c writes "0" when the dependency is versioned and has no epoch. */
  epoch: string | null;
  version: string | null;
  release: string | null;
  /** Only for requires: needed by a pre/post/pretrans/posttrans scriptlet. */
  pre: boolean;
}

export type RepoFileType = 'file' | 'dir' | 'ghost';

export interface RepoFile {
  path: string;
  type: RepoFileType;
}

export interface RepoChangelog {
  author: string;
  /** Seconds since the epoch. */
  date: number;
  text: string;
}

/** The dependency lists of a package, in the order primary.xml writes them. */
export const REPO_DEP_KINDS = [
  'provides',
  'requires',
  'conflicts',
  'obsoletes',
  'suggests',
  'enhances',
  'recommends',
  'supplements',
] as const;
export type RepoDepKind = (typeof REPO_DEP_KINDS)[number];

/** A package as repodata describes it. */
export interface RepoPackage {
  pkgId: string;
  /** Checksum algorithm of pkgId: `sha256` (default), `sha512`, `sha1`, … */
  checksumType: string;
  name: string;
  arch: string;
  /** As a decimal string; "0" when the package has none. */
  epoch: string;
  version: string;
  release: string;
  summary: string;
  description: string;
  packager: string;
  url: string;
  /** file: the package file's mtime; build: BUILDTIME. Seconds since the epoch. */
  time: { file: number; build: number };
  /** package: file size; installed: installed size; archive: uncompressed payload size. */
  size: { package: number; installed: number; archive: number };
  location: { href: string; base?: string };
  license: string;
  vendor: string;
  group: string;
  buildhost: string;
  /** The source package's file name; "" for source packages. */
  sourcerpm: string;
  headerRange: { start: number; end: number };
  provides: RepoDependency[];
  requires: RepoDependency[];
  conflicts: RepoDependency[];
  obsoletes: RepoDependency[];
  suggests: RepoDependency[];
  enhances: RepoDependency[];
  recommends: RepoDependency[];
  supplements: RepoDependency[];
  /** Every file, directory and ghost the package owns, in header order (filelists.xml). */
  files: RepoFile[];
  /** Oldest first, at most the changelog limit's newest entries (other.xml). */
  changelogs: RepoChangelog[];
}

/**
 * Whether a path belongs in primary.xml's file subset: anything under /etc/, any path containing
 * `bin/`, and /usr/lib/sendmail, the rule yum, createrepo and createrepo_c share.
 */
export function isPrimaryFile(path: string): boolean {
  return path.startsWith('/etc/') || path.includes('bin/') || path === '/usr/lib/sendmail';
}

/** `name-[epoch:]version-release.arch`, as dnf prints a package (epoch left out when 0). */
export function repoNevra(p: Pick<RepoPackage, 'name' | 'epoch' | 'version' | 'release' | 'arch'>): string {
  const e = p.epoch && p.epoch !== '0' ? `${p.epoch}:` : '';
  return `${p.name}-${e}${p.version}-${p.release}.${p.arch}`;
}

/** An advisory (erratum) in updateinfo.xml. */
export interface Advisory {
  /** e.g. ALSA-2026:1234 */
  id: string;
  /** security, bugfix, enhancement, newpackage */
  type: string;
  /** updateinfo's `from` attribute: who issued it (an e-mail address). */
  from: string;
  /** final, stable, testing, … */
  status: string;
  version: string;
  title: string;
  /** Critical, Important, Moderate, Low, None; "" when not set. */
  severity: string;
  release: string;
  rights: string;
  summary: string;
  description: string;
  solution: string;
  /** `YYYY-MM-DD HH:MM:SS` (UTC), as createrepo_c and errata tools write them. */
  issued: string;
  updated: string;
  /** Whether installing it needs a reboot (`<reboot_suggested>`). */
  rebootSuggested: boolean;
  references: AdvisoryReference[];
  collections: AdvisoryCollection[];
}

export interface AdvisoryReference {
  /** cve, bugzilla, self, other */
  type: string;
  href: string;
  id: string;
  title: string;
}

export interface AdvisoryCollection {
  short: string;
  name: string;
  /** For modular advisories: the module stream the packages belong to. */
  module?: { name: string; stream: string; version: string; context: string; arch: string };
  packages: AdvisoryPackage[];
}

export interface AdvisoryPackage {
  name: string;
  epoch: string;
  version: string;
  release: string;
  arch: string;
  src: string;
  filename: string;
  /** Checksum of the package file, when known. */
  sum?: { type: string; value: string };
  rebootSuggested?: boolean;
}

/* repomd.xml: the index of a repository's metadata files. */

export interface RepomdChecksum {
  /** sha256, sha512, sha1 (old yum: "sha"), md5, … as written. */
  type: string;
  /** Hex digest. */
  value: string;
}

/** One metadata file listed in repomd.xml. */
export interface RepomdRecord {
  /** primary, filelists, other, updateinfo, group, group_gz, modules, primary_db, … */
  type: string;
  /** href: relative to the repository root (`repodata/…-primary.xml.gz`); base: a URL prefix. */
  location: { href: string; base?: string };
  checksum: RepomdChecksum;
  openChecksum?: RepomdChecksum;
  /** Bytes of the file as stored. */
  size?: number;
  /** Bytes once decompressed. */
  openSize?: number;
  /** Seconds since the epoch. */
  timestamp?: number;
  /** For the sqlite databases (`*_db`). */
  databaseVersion?: number;
  /** For zchunk files. */
  headerChecksum?: RepomdChecksum;
  headerSize?: number;
}

export interface RepomdDistroTag {
  cpeid?: string;
  name: string;
}

export interface RepomdTags {
  content: string[];
  repo: string[];
  distro: RepomdDistroTag[];
}

export interface Repomd {
  revision: string | null;
  tags: RepomdTags;
  records: RepomdRecord[];
}
