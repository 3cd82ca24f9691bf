/**
 * Turns the metadata of an RPM file (read once with src/rpm) into a repodata package record,
 * applying the conventions createrepo_c follows, so that dnf sees the same thing from our
 * metadata as from createrepo_c's:
 *
 * - requires: `rpmlib(…)` requirements are left out; so are file requirements the package satisfies
 *   itself with a primary file, requirements identical to one of its own provides, and repeats of
 *   the previous requirement of the same name; of the `libc.so.6…` requirements only the highest
 *   version is kept (and written last); `pre` marks requirements of pre/post/pretrans/posttrans
 *   scriptlets.
 * - dependency versions are split at the first `-` after the epoch, with epoch "0" when absent.
 * - files: directories are `dir`, ghosts `ghost`, everything else a plain file.
 * - changelog: only the newest `changelogLimit` entries, oldest first; entries with the same time
 *   get distinct times (the newer one one second later), author names lose trailing spaces.
 * - source packages have arch `src` (or `nosrc`) and an empty sourcerpm.
 *
 * Terminology:
 * - sense: rpm's dependency flag word (RPMSENSE_*); its low bits are the comparison operator.
 */
import type { RpmDependency } from '../rpm/dependencies.ts';
import type { RpmPackage } from '../rpm/package.ts';
import { Sense } from '../rpm/tags.ts';
import { isPrimaryFile, type RepoChangelog, type RepoDepFlag, type RepoDependency, type RepoFile, type RepoPackage } from './model.ts';

/** createrepo_c's default `--changelog-limit`. */
export const DEFAULT_CHANGELOG_LIMIT = 10;

/** Facts about the package file that the headers do not hold. */
export interface PackageFileFacts {
  /** Checksum of the whole file, hex. */
  pkgId: string;
  checksumType: string;
  /** Path relative to the repository root, `/`-separated. */
  href: string;
  /** mtime of the file, seconds. */
  mtime: number;
  /** Size of the file, bytes. */
  size: number;
}

const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const PRE_BITS = Sense.PREREQ | Sense.SCRIPT_PRE | Sense.POSTTRANS | Sense.PRETRANS | Sense.SCRIPT_POST;

function flagOf(sense: number): RepoDepFlag | null {
  switch (sense & 0xf) {
    case 2:
      return 'LT';
    case 4:
      return 'GT';
    case 8:
      return 'EQ';
    case 10:
      return 'LE';
    case 12:
      return 'GE';
    default:
      return null;
  }
}

/** The version string as written in the header (`[E:]V[-R]`). */
function rawVersion(d: RpmDependency): string {
  if (d.version === null) return '';
  const e = d.epoch === null ? '' : `${d.epoch}:`;
  const r = d.release === null ? '' : `-${d.release}`;
  return `${e}${d.version}${r}`;
}

/** Splits `[E:]V[-R]` as createrepo_c does: epoch "0" when absent, release after the first '-'. */
function splitVersion(raw: string): Pick<RepoDependency, 'epoch' | 'version' | 'release'> {
  if (raw === '') return { epoch: null, version: null, release: null };
  let rest = raw;
  let epoch = '0';
  const colon = raw.indexOf(':');
  if (colon >= 0 && /^[0-9]*$/.test(raw.slice(0, colon))) {
    if (colon > 0) epoch = raw.slice(0, colon);
    rest = raw.slice(colon + 1);
  }
  const dash = rest.indexOf('-');
  if (dash < 0) return { epoch, version: rest, release: null };
  const release = rest.slice(dash + 1);
  return { epoch, version: rest.slice(0, dash), release: release === '' ? null : release };
}

/**
 * A dependency as the record rules need it: its name, sense word and version as the header
 * writes it (`[E:]V[-R]`; '' when unversioned).
 */
export interface RawDependency {
  name: string;
  sense: number;
  raw: string;
}

function toRepoDep(d: RawDependency, pre: boolean): RepoDependency {
  const v = splitVersion(d.raw);
  return { name: d.name, flags: flagOf(d.sense), epoch: v.epoch, version: v.version, release: v.release, pre };
}

/** The text of `(…)` after a soname for comparing libc.so.6 requirements; '' when none. */
function libcVersion(name: string): string | null {
  const open = name.indexOf('(');
  if (open < 0) return null;
  const close = name.indexOf(')', open);
  return close < 0 ? null : name.slice(open + 1, close);
}

/** True when libc requirement `b` is newer than `a` (createrepo_c's cr_compare_dependency). */
function newerLibc(a: string, b: string, vercmp: (x: string, y: string) => number): boolean {
  const va = libcVersion(a);
  const vb = libcVersion(b);
  if (va === null || vb === null) return va === null && vb !== null;
  const num = (s: string): string | null => {
    const i = s.search(/[0-9]/);
    return i < 0 ? null : s.slice(i);
  };
  const na = num(va);
  const nb = num(vb);
  if (na === null || nb === null) return na === null && nb !== null;
  return vercmp(na, nb) < 0;
}

/** Finds whether `list` has a dependency of a name, flag and version: by looking through a short list, with a set of keys for a long one. */
function dependencyFinder(list: readonly RawDependency[]): (name: string, flag: string, raw: string) => boolean {
  if (list.length > 32) {
    const keys = new Set(list.map((d) => `${d.name}\0${flagOf(d.sense) ?? ''}\0${d.raw}`));
    return (name, flag, raw) => keys.has(`${name}\0${flag}\0${raw}`);
  }
  return (name, flag, raw) => list.some((d) => d.name === name && d.raw === raw && (flagOf(d.sense) ?? '') === flag);
}

function requiresOf(p: RpmRecordSource, vercmp: (x: string, y: string) => number): RepoDependency[] {
  const provided = dependencyFinder(p.provides);
  // Looking through the file list for a file requirement (a length check rejects most paths)
  // beats hashing every path into a set, unless the list is very long.
  let paths: Set<string> | null = null;
  const owns = p.owns ?? ((path: string): boolean => (p.files.length > 4096 ? (paths ??= new Set(p.files.map((f) => f.path))).has(path) : p.files.some((f) => f.path === path)));
  /** The flag, version and pre of the last requirement kept, by name. */
  const last = new Map<string, RawDependency>();
  const out: RepoDependency[] = [];
  let libc: RepoDependency | null = null;
  for (const d of p.requires) {
    if (d.name.startsWith('rpmlib(')) continue;
    if (d.name.startsWith('/') && isPrimaryFile(d.name) && owns(d.name)) continue;
    const flag = flagOf(d.sense) ?? '';
    if (provided(d.name, flag, d.raw)) continue;
    const pre = (d.sense & PRE_BITS) !== 0;
    const previous = last.get(d.name);
    if (previous && previous.raw === d.raw && (flagOf(previous.sense) ?? '') === flag && ((previous.sense & PRE_BITS) !== 0) === pre) continue;
    const dep = toRepoDep(d, pre);
    if (d.name.startsWith('libc.so.6')) {
      if (libc === null || newerLibc(libc.name, d.name, vercmp)) libc = dep;
      continue;
    }
    out.push(dep);
    last.set(d.name, d);
  }
  if (libc) out.push(libc);
  return out;
}

function filesOf(p: RpmPackage): RepoFile[] {
  return p.files.map((f) => ({
    path: f.path,
    type: (f.mode & S_IFMT) === S_IFDIR ? 'dir' : f.ghost ? 'ghost' : 'file',
  }));
}

/** The author without trailing spaces (one character is always kept). */
function trimAuthor(s: string): string {
  let end = s.length;
  while (end > 1 && s.charCodeAt(end - 1) === 0x20) end--;
  return end === s.length ? s : s.slice(0, end);
}

function changelogsOf(p: RpmRecordSource, limit: number): RepoChangelog[] {
  const picked = limit < 0 ? p.changelog : p.changelog.slice(0, limit);
  // Newest first in the header; other.xml lists oldest first.
  const out: RepoChangelog[] = picked.map((c) => ({ author: trimAuthor(c.author), date: c.time, text: c.text }));
  // createrepo_c gives entries that share a time distinct times: the newer one gets +1 (cascading).
  for (let i = 1; i < out.length; i++) {
    const cur = out[i];
    if (!cur || out[i - 1]?.date !== cur.date) continue;
    let t = cur.date;
    for (let j = i - 1; j >= 0; j--) {
      const prev = out[j];
      if (!prev || prev.date !== t) break;
      prev.date++;
      t++;
    }
  }
  return out.reverse();
}

/** Options of {@link repoPackageFromRpm}. */
export interface FromRpmOptions {
  /** Newest changelog entries to keep; -1 for all. Default 10, as createrepo_c. */
  changelogLimit?: number;
  /** Version comparison (rpmvercmp), injected to keep this module's imports small. */
  vercmp: (a: string, b: string) => number;
}

/**
 * What a repodata record takes from a package's headers: an {@link RpmPackage}'s fields, with
 * dependencies as {@link RawDependency} and files as repodata writes them. src/repo/create reads
 * it straight from the header, without the rest of an RpmPackage.
 */
export interface RpmRecordSource
  extends Pick<
    RpmPackage,
    'name' | 'epoch' | 'version' | 'release' | 'arch' | 'summary' | 'description' | 'license' | 'url' | 'vendor' | 'packager' | 'group' | 'buildhost' | 'buildtime' | 'sourcerpm' | 'installedSize' | 'archiveSize' | 'headerRange'
  > {
  provides: RawDependency[];
  requires: RawDependency[];
  conflicts: RawDependency[];
  obsoletes: RawDependency[];
  suggests: RawDependency[];
  enhances: RawDependency[];
  recommends: RawDependency[];
  supplements: RawDependency[];
  files: RepoFile[];
  /**
   * Whether the package has a file at `path`, when `files` is left empty because the files are
   * rendered another way (src/repo/create/file-lines.ts); by default `files` is looked through.
   */
  owns?: ((path: string) => boolean) | undefined;
  /** Newest first, as in the header; at least the newest `changelogLimit` entries. */
  changelog: RpmPackage['changelog'];
}

/** The repodata record of a package whose headers were read into `p`. */
export function repoPackageFromRpm(p: RpmPackage, file: PackageFileFacts, options: FromRpmOptions): RepoPackage {
  const raw = (list: RpmDependency[]): RawDependency[] => list.map((d) => ({ name: d.name, sense: d.sense, raw: rawVersion(d) }));
  const deps = { provides: raw(p.provides), requires: raw(p.requires), conflicts: raw(p.conflicts), obsoletes: raw(p.obsoletes) };
  const weak = { suggests: raw(p.suggests), enhances: raw(p.enhances), recommends: raw(p.recommends), supplements: raw(p.supplements) };
  return repoPackageFromSource({ ...p, ...deps, ...weak, files: filesOf(p) }, file, options);
}

/** The repodata record of a package from what its headers say ({@link RpmRecordSource}). */
export function repoPackageFromSource(p: RpmRecordSource, file: PackageFileFacts, options: FromRpmOptions): RepoPackage {
  const dep = (list: RawDependency[]): RepoDependency[] => list.map((d) => toRepoDep(d, false));
  return {
    pkgId: file.pkgId,
    checksumType: file.checksumType,
    name: p.name,
    arch: p.arch,
    epoch: p.epoch === null ? '0' : String(p.epoch),
    version: p.version,
    release: p.release,
    summary: p.summary,
    description: p.description,
    packager: p.packager ?? '',
    url: p.url ?? '',
    time: { file: file.mtime, build: p.buildtime ?? 0 },
    size: { package: file.size, installed: p.installedSize, archive: p.archiveSize ?? 0 },
    location: { href: file.href },
    license: p.license,
    vendor: p.vendor ?? '',
    group: p.group ?? '',
    buildhost: p.buildhost ?? '',
    sourcerpm: p.sourcerpm ?? '',
    headerRange: { start: p.headerRange[0], end: p.headerRange[1] },
    provides: dep(p.provides),
    requires: requiresOf(p, options.vercmp),
    conflicts: dep(p.conflicts),
    obsoletes: dep(p.obsoletes),
    suggests: dep(p.suggests),
    enhances: dep(p.enhances),
    recommends: dep(p.recommends),
    supplements: dep(p.supplements),
    files: p.files,
    changelogs: changelogsOf(p, options.changelogLimit ?? DEFAULT_CHANGELOG_LIMIT),
  };
}
