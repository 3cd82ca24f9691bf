/**
 * The files of one EL package: the deb files it claims (normalised to merged /usr, without what
 * no EL package keeps), each deb's copyright file as its licence, the files and links the
 * manifest adds, and the directories only this package's files live in.
 *
 * Claims: a source naming a deb plainly takes every file of it that no other package's `paths`
 * source takes; a `paths` source takes the files matching its globs.
 */
import { posix } from 'node:path';
import { FileFlag } from '../rpm/tags.ts';
import { FILESYSTEM_DIRS } from './content/base-files.ts';
import type { DebEntry, UnpackedDeb } from './deb.ts';
import { BootstrapError } from './errors.ts';
import { sourceDeb } from './manifest/index.ts';
import { copyrightDeb, DROPPED, globMatcher, mergedLinkTarget, mergedPath } from './paths.ts';
import type { ElPackageDef } from './types.ts';

/** One file, directory or link of an EL package, before it is read into the writer. */
export interface PackageFile {
  path: string;
  type: 'file' | 'dir' | 'link';
  /** Permission bits (set-id and sticky included). */
  mode: number;
  /** Where a deb file's content is on disk. */
  source?: string;
  /** Content we write. */
  data?: string;
  linkto?: string;
  /** Seconds; absent: the package's build time. */
  mtime?: number;
  /** rpm file flags (CONFIG, NOREPLACE, GHOST, LICENSE). */
  flags: number;
}

/** For each deb, the `paths` sources of the manifest on it: who takes which globs. */
export type PathClaims = Map<string, { pkg: string; match: (path: string) => boolean }[]>;

export function pathClaims(manifest: readonly ElPackageDef[]): PathClaims {
  const claims: PathClaims = new Map();
  for (const p of manifest) {
    for (const s of p.from ?? []) {
      if (typeof s === 'string') continue;
      const list = claims.get(s.deb) ?? [];
      list.push({ pkg: p.name, match: globMatcher(s.paths) });
      claims.set(s.deb, list);
    }
  }
  return claims;
}

const CONFIG = FileFlag.CONFIG | FileFlag.NOREPLACE;

/** Mode an EL package gives a deb file: set-id bits only where the archive's owner is root. */
function elMode(e: DebEntry): number {
  let mode = e.mode;
  if (!e.rootUser) mode &= ~0o4000;
  if (!e.rootGroup) mode &= ~0o2000;
  return mode;
}

/** Adds `f`, refusing two different files at one path (identical duplicates are merged). */
function add(files: Map<string, PackageFile>, f: PackageFile, pkg: string): void {
  const old = files.get(f.path);
  if (old === undefined) {
    files.set(f.path, f);
    return;
  }
  const same = old.type === f.type && (f.type !== 'link' || old.linkto === f.linkto) && f.type !== 'file';
  if (!same) throw new BootstrapError(`${pkg}: two files at ${f.path} (from the debs or the manifest); exclude one`);
}

/** The deb files `def` claims from `deb` through the source at `index` of its `from`. */
function debFiles(def: ElPackageDef, index: number, deb: UnpackedDeb, claims: PathClaims, files: Map<string, PackageFile>, dirModes: Map<string, number>): void {
  const source = (def.from ?? [])[index];
  if (source === undefined) return;
  const own = typeof source === 'string' ? null : globMatcher(source.paths);
  const others = (claims.get(deb.name) ?? []).filter((c) => c.pkg !== def.name);
  const excluded = globMatcher(def.exclude ?? []);
  for (const e of deb.entries) {
    const path = mergedPath(e.path);
    if (e.type === 'dir') {
      dirModes.set(path, e.mode);
      continue;
    }
    if (e.type === 'file' && copyrightDeb(path) === deb.name) {
      add(files, { path: `/usr/share/licenses/${def.name}/${deb.name}.copyright`, type: 'file', mode: 0o644, source: deb.dir + e.path, mtime: e.mtime, flags: FileFlag.LICENSE }, def.name);
      continue;
    }
    if (own ? !own(path) : others.some((c) => c.match(path))) continue;
    if (DROPPED(path) || excluded(path)) continue;
    if (e.type === 'link') {
      const linkto = mergedLinkTarget(e.path, path, e.linkto ?? '');
      // A compatibility link that merged /usr turns into a link to itself: the file is there.
      if (posix.resolve(posix.dirname(path), linkto) === path) continue;
      add(files, { path, type: 'link', mode: 0o777, linkto, mtime: e.mtime, flags: 0 }, def.name);
    } else {
      add(files, { path, type: 'file', mode: elMode(e), source: deb.dir + e.path, mtime: e.mtime, flags: path.startsWith('/etc/') ? CONFIG : 0 }, def.name);
    }
  }
}

/** The parent directories of the package's paths that `filesystem` does not own. */
function parentDirs(files: Map<string, PackageFile>, dirModes: Map<string, number>, pkg: string): PackageFile[] {
  const dirs = new Map<string, PackageFile>();
  for (const f of files.values()) {
    for (let d = posix.dirname(f.path); !FILESYSTEM_DIRS.has(d) && d !== '/'; d = posix.dirname(d)) {
      const there = files.get(d);
      if (there?.type === 'link') throw new BootstrapError(`${pkg}: ${f.path} lies under ${d}, which the package has as a symbolic link`);
      if (there || dirs.has(d)) continue;
      dirs.set(d, { path: d, type: 'dir', mode: dirModes.get(d) ?? 0o755, flags: 0 });
    }
  }
  return [...dirs.values()];
}

/**
 * Every file of the EL package `def`, made from the unpacked debs (by name) it names.
 * @throws BootstrapError on a conflict or a deb the package needs but was not unpacked.
 */
export function assemblePackage(def: ElPackageDef, debs: ReadonlyMap<string, UnpackedDeb>, claims: PathClaims): PackageFile[] {
  const files = new Map<string, PackageFile>();
  const dirModes = new Map<string, number>();
  const deb = (name: string): UnpackedDeb => {
    const d = debs.get(name);
    if (!d) throw new BootstrapError(`${def.name}: deb ${name} was not unpacked`);
    return d;
  };
  (def.from ?? []).forEach((s, i) => debFiles(def, i, deb(sourceDeb(s)), claims, files, dirModes));
  for (const c of def.copies ?? []) {
    const from = deb(c.deb);
    const e = from.entries.find((x) => x.type === 'file' && mergedPath(x.path) === c.from);
    if (!e) throw new BootstrapError(`${def.name}: deb ${c.deb} has no file ${c.from} to copy`);
    add(files, { path: c.to, type: 'file', mode: elMode(e), source: from.dir + e.path, mtime: e.mtime, flags: 0 }, def.name);
  }
  for (const f of def.files ?? []) {
    const flags = (f.ghost ? FileFlag.GHOST : 0) | ((f.config ?? f.path.startsWith('/etc/')) && !f.dir ? CONFIG : 0);
    if (f.dir) add(files, { path: f.path, type: 'dir', mode: f.mode ?? 0o755, flags }, def.name);
    else add(files, { path: f.path, type: 'file', mode: f.mode ?? 0o644, data: f.data ?? '', flags }, def.name);
  }
  for (const [path, linkto] of Object.entries(def.symlinks ?? {})) add(files, { path, type: 'link', mode: 0o777, linkto, flags: 0 }, def.name);
  const all = [...files.values(), ...parentDirs(files, dirModes, def.name)];
  return all.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
